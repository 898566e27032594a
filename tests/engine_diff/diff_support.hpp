#pragma once
// Shared helpers of the engine_diff tests: an event recorder, readable
// printing of commands and events, and the operation type the randomized
// differential test replays against both engines.
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "matchgate/engine/commands.hpp"
#include "matchgate/engine/event.hpp"
#include "matchgate/engine/types.hpp"

namespace matchgate::testing {

struct Recorder {
  std::vector<engine::Event> events;
  void on_event(const engine::Event& e) { events.push_back(e); }
};

inline const char* type_name(engine::OrdType t) {
  return t == engine::OrdType::Market ? "mkt" : "lmt";
}

inline std::string describe(const engine::OrderView& v) {
  std::ostringstream os;
  os << "{id=" << v.id << " ref=" << v.client_ref << " m=" << v.member << " acct=" << v.account
     << " " << engine::to_string(v.side) << " " << type_name(v.type) << " "
     << engine::to_string(v.tif) << " px=" << v.price << " qty=" << v.qty << " filled=" << v.filled
     << "}";
  return os.str();
}

inline std::string describe(const engine::Event& e) {
  std::ostringstream os;
  os << "#" << e.exec_id << " " << engine::to_string(e.type);
  if (e.reject_reason != engine::RejectReason::None)
    os << "(" << engine::to_string(e.reject_reason) << ")";
  if (e.cancel_reason != engine::CancelReason::None)
    os << "(" << engine::to_string(e.cancel_reason) << ")";
  os << " inst=" << e.instrument << " order=" << describe(e.order);
  if (e.type == engine::EventType::Trade || e.maker != engine::OrderView{} || e.trade_qty != 0 ||
      e.trade_price != 0) {
    os << " maker=" << describe(e.maker) << " trade " << e.trade_qty << "@" << e.trade_price;
  }
  return os.str();
}

inline std::string describe(const std::vector<engine::Event>& events) {
  std::ostringstream os;
  if (events.empty()) os << "    (no events)\n";
  for (const auto& e : events) os << "    " << describe(e) << "\n";
  return os.str();
}

// One randomized operation.
struct Op {
  enum class Kind : std::uint8_t { New, Cancel, Replace, MassCancel, Expire };
  Kind kind = Kind::New;
  engine::NewOrder new_order{};
  engine::CancelOrder cancel{};
  engine::ReplaceOrder replace{};
  engine::MemberId member = 0;  // mass cancel
};

inline std::string describe(const Op& op) {
  std::ostringstream os;
  switch (op.kind) {
    case Op::Kind::New: {
      const auto& n = op.new_order;
      os << "submit(NewOrder{.client_ref=" << n.client_ref << ", .member=" << n.member
         << ", .account=" << n.account << ", .instrument=" << n.instrument
         << ", .side=" << engine::to_string(n.side) << ", .type=" << type_name(n.type)
         << ", .tif=" << engine::to_string(n.tif) << ", .price=" << n.price << ", .qty=" << n.qty
         << "})";
      break;
    }
    case Op::Kind::Cancel:
      os << "cancel(CancelOrder{.client_ref=" << op.cancel.client_ref
         << ", .member=" << op.cancel.member << ", .order_id=" << op.cancel.order_id << "})";
      break;
    case Op::Kind::Replace:
      os << "replace(ReplaceOrder{.client_ref=" << op.replace.client_ref
         << ", .member=" << op.replace.member << ", .order_id=" << op.replace.order_id
         << ", .price=" << op.replace.price << ", .qty=" << op.replace.qty << "})";
      break;
    case Op::Kind::MassCancel:
      os << "mass_cancel(" << op.member << ")";
      break;
    case Op::Kind::Expire:
      os << "expire_day_orders()";
      break;
  }
  return os.str();
}

template <class E, class L>
void apply(E& engine, const Op& op, L& listener) {
  switch (op.kind) {
    case Op::Kind::New:
      engine.submit(op.new_order, listener);
      break;
    case Op::Kind::Cancel:
      engine.cancel(op.cancel, listener);
      break;
    case Op::Kind::Replace:
      engine.replace(op.replace, listener);
      break;
    case Op::Kind::MassCancel:
      engine.mass_cancel(op.member, listener);
      break;
    case Op::Kind::Expire:
      engine.expire_day_orders(listener);
      break;
  }
}

}  // namespace matchgate::testing
