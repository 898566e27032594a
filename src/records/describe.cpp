#include <cstdio>
#include <string_view>

#include "matchgate/crypto/sm3.hpp"
#include "matchgate/records/control.hpp"
#include "matchgate/records/order_request.hpp"
#include "matchgate/records/outbound.hpp"
#include "matchgate/records/record_types.hpp"
#include "matchgate/records/snapshot_point.hpp"
#include "matchgate/records/trade.hpp"

namespace matchgate::records {

namespace {

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string quoted(std::string_view s) {
  return "\"" + json_escape(s) + "\"";
}

template <class N>
std::string number(N x) {
  return std::to_string(x);
}

void describe_seal(std::span<const std::byte> payload, Fields& f) {
  const auto s = wal::decode_seal(payload);
  if (!s) return;
  f.emplace_back("sealed_seq", number(s->sealed_seq));
  f.emplace_back("sealed_hash", quoted(crypto::to_hex(s->sealed_hash)));
  f.emplace_back("key", quoted(crypto::to_hex(s->key_fingerprint)));
  f.emplace_back("signature_bytes", number(s->signature_length));
}

void describe_start(std::span<const std::byte> payload, Fields& f) {
  const auto s = wal::decode_start(payload);
  if (!s) return;
  f.emplace_back("boot", number(s->boot));
  f.emplace_back("software", quoted(s->software));
}

void describe_order_request(std::span<const std::byte> payload, Fields& f) {
  const auto r = decode_order_request(payload);
  if (!r) return;
  const ShardRequest& x = r->request;
  f.emplace_back("kind", quoted(to_string(x.kind)));
  f.emplace_back("member", number(x.member));
  f.emplace_back("in_seq", number(r->in_seq));
  f.emplace_back("shard", number(r->shard));
  f.emplace_back("cl_ord_id", quoted(r->cl_ord_id));
  if (x.kind == RequestKind::New || x.kind == RequestKind::MassCancelInstrument) {
    f.emplace_back("instrument", number(r->gateway_instrument));
  }
  if (x.kind == RequestKind::New) {
    f.emplace_back("side", quoted(x.side == engine::Side::Buy ? "buy" : "sell"));
    f.emplace_back("account", number(x.account));
  }
  if (x.kind == RequestKind::New || x.kind == RequestKind::Replace) {
    f.emplace_back("price", number(x.price));
    f.emplace_back("qty", number(x.qty));
  }
  if (x.ref != kNoRecord) f.emplace_back("record", number(slot_of(x.ref)));
  if (x.target != kNoRecord) f.emplace_back("target", number(slot_of(x.target)));
  if (!is_sweep(x.kind)) {
    char fp[17];
    std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(r->fingerprint));
    f.emplace_back("fingerprint", quoted(fp));
  }
}

void describe_outbound(std::span<const std::byte> payload, Fields& f) {
  const auto o = decode_outbound(payload);
  if (!o) return;
  f.emplace_back("member", number(o->head.member));
  f.emplace_back("msg_seq", number(o->head.seq));
  f.emplace_back("admin", o->head.admin ? "true" : "false");
  if (o->head.cause != 0) f.emplace_back("cause", number(o->head.cause));
  if (o->form == OutboundForm::Regenerated) {
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", static_cast<unsigned>(o->message_crc));
    f.emplace_back("form", quoted("regenerated"));
    f.emplace_back("message_crc", quoted(crc));
    return;
  }
  std::string fix(o->message);
  for (char& c : fix) {
    if (c == '\x01') c = '|';
  }
  f.emplace_back("form", quoted("verbatim"));
  f.emplace_back("fix", quoted(fix));
}

void describe_snapshot_point(std::span<const std::byte> payload, Fields& f) {
  if (const auto n = decode_snapshot_point(payload)) f.emplace_back("snapshot", number(*n));
}

void describe_control(std::span<const std::byte> payload, Fields& f) {
  const auto c = decode_control(payload);
  if (!c) return;
  f.emplace_back("action", quoted(to_string(c->action)));
  f.emplace_back("origin", quoted(to_string(c->origin)));
  if (c->member != kNoTarget) f.emplace_back("member", number(c->member));
  if (c->instrument != kNoTarget) f.emplace_back("instrument", number(c->instrument));
  if (c->action == ControlAction::SetLimit) {
    f.emplace_back("limit_key", number(c->limit_key));
    f.emplace_back("value", number(c->value));
  }
  if (c->action == ControlAction::BustTrade || c->action == ControlAction::CorrectTrade) {
    f.emplace_back("trade_id", number(c->value));
  }
  if (c->action == ControlAction::Phase) {
    f.emplace_back("business_date", number(c->business_date));
    f.emplace_back("phase", number(c->phase));
  }
  f.emplace_back("identity", quoted(c->identity));
}

void describe_trade_side(const char* name, const TradeSide& s, Fields& f) {
  const std::string n(name);
  f.emplace_back(n + "_member", number(s.member));
  f.emplace_back(n + "_account", number(s.account));
  f.emplace_back(n + "_order", number(s.order));
  f.emplace_back(n + "_fee", number(s.fee));
}

void describe_trade(std::span<const std::byte> payload, Fields& f) {
  const auto t = decode_trade(payload);
  if (!t) return;
  f.emplace_back("action", quoted(to_string(t->action)));
  f.emplace_back("trade_id", number(t->trade_id));
  f.emplace_back("business_date", number(t->business_date));
  f.emplace_back("instrument", number(t->instrument));
  f.emplace_back("price", number(t->price));
  f.emplace_back("qty", number(t->qty));
  f.emplace_back("aggressor", quoted(t->aggressor == engine::Side::Buy ? "buy" : "sell"));
  describe_trade_side("buyer", t->buyer, f);
  describe_trade_side("seller", t->seller, f);
}

}  // namespace

std::string type_name(std::uint16_t type) {
  switch (type) {
    case static_cast<std::uint16_t>(wal::RecordType::Seal):
      return "Seal";
    case static_cast<std::uint16_t>(wal::RecordType::Start):
      return "Start";
    case static_cast<std::uint16_t>(wal::RecordType::Shutdown):
      return "Shutdown";
    case to_wire(RecordType::OrderRequest):
      return "OrderRequest";
    case to_wire(RecordType::Outbound):
      return "Outbound";
    case to_wire(RecordType::SnapshotPoint):
      return "SnapshotPoint";
    case to_wire(RecordType::Control):
      return "Control";
    case to_wire(RecordType::Trade):
      return "Trade";
    default:
      return "type-" + std::to_string(type);
  }
}

Fields describe(std::uint16_t type, std::span<const std::byte> payload) {
  Fields f;
  switch (type) {
    case static_cast<std::uint16_t>(wal::RecordType::Seal):
      describe_seal(payload, f);
      break;
    case static_cast<std::uint16_t>(wal::RecordType::Start):
      describe_start(payload, f);
      break;
    case to_wire(RecordType::OrderRequest):
      describe_order_request(payload, f);
      break;
    case to_wire(RecordType::Outbound):
      describe_outbound(payload, f);
      break;
    case to_wire(RecordType::SnapshotPoint):
      describe_snapshot_point(payload, f);
      break;
    case to_wire(RecordType::Control):
      describe_control(payload, f);
      break;
    case to_wire(RecordType::Trade):
      describe_trade(payload, f);
      break;
    default:
      break;
  }
  return f;
}

}  // namespace matchgate::records
