#include "matchgate/gateway/order_entry.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

#include "matchgate/fix/tags.hpp"
#include "matchgate/gateway/network_agent.hpp"
#include "matchgate/util/decimal.hpp"

namespace matchgate::gateway {

namespace {

using engine::EventType;
using engine::RejectReason;

// OrdRejReason(103), FIX 4.4.
constexpr int kRejUnknownSymbol = 1;
constexpr int kRejDuplicateOrder = 6;
constexpr int kRejIncorrectQuantity = 13;
constexpr int kRejOther = 99;
// CxlRejReason(102), FIX 4.4.
constexpr int kCxlTooLate = 0;
constexpr int kCxlUnknownOrder = 1;
constexpr int kCxlDuplicateClOrdId = 6;
constexpr int kCxlOther = 99;

constexpr std::string_view kUntrackedRepeatText =
    "duplicate ClOrdID: repeat of an order this gateway does not track";
constexpr std::string_view kUntrackedCancelText =
    "duplicate ClOrdID: repeat of a request this gateway does not track";

int ord_rej_reason(RejectReason r) noexcept {
  switch (r) {
    case RejectReason::UnknownInstrument:
      return kRejUnknownSymbol;
    case RejectReason::InvalidQuantity:
    case RejectReason::QuantityAboveMax:
      return kRejIncorrectQuantity;
    default:
      return kRejOther;
  }
}

int cxl_rej_reason(RejectReason r) noexcept {
  switch (r) {
    case RejectReason::OrderDone:
      return kCxlTooLate;
    case RejectReason::UnknownOrder:
    case RejectReason::NotOwner:
      return kCxlUnknownOrder;
    default:
      return kCxlOther;
  }
}

char side_char(engine::Side s) noexcept {
  return s == engine::Side::Buy ? '1' : '2';
}
char ord_type_char(engine::OrdType t) noexcept {
  return t == engine::OrdType::Market ? '1' : '2';
}
char tif_char(engine::TimeInForce t) noexcept {
  switch (t) {
    case engine::TimeInForce::Day:
      return '0';
    case engine::TimeInForce::Gtc:
      return '1';
    case engine::TimeInForce::Ioc:
      return '3';
    case engine::TimeInForce::Fok:
      return '4';
  }
  return '0';
}

// Text of an integer into a caller buffer.
std::string_view to_chars(std::uint64_t v, char* buf, std::size_t cap) noexcept {
  const auto r = std::to_chars(buf, buf + cap, v);
  return {buf, static_cast<std::size_t>(r.ptr - buf)};
}

char open_status(const OrderRecord& r) noexcept {
  if (r.cum_qty >= r.qty && r.qty > 0) return '2';
  return r.cum_qty > 0 ? '1' : '0';
}

}  // namespace

OrderEntry::OrderEntry(std::uint32_t net_index, const NetworkOptions& options,
                       std::vector<RequestRing*> to_shards, NetworkAgent& out)
    : net_index_(net_index),
      options_(options),
      to_shards_(std::move(to_shards)),
      out_(out),
      records_(options.max_records) {
  for (std::uint32_t i = 0; i < options_.instruments.size(); ++i) {
    symbols_.emplace_back(options_.instruments[i].symbol, i);
  }
  std::sort(symbols_.begin(), symbols_.end());
  pushed_.assign(to_shards_.size(), false);
  pushed_total_.assign(to_shards_.size(), 0);
  pending_mass_cancels_.reserve(options_.members.size());
  ttl_ns_ = std::chrono::nanoseconds(options_.dedup.ttl).count();
  if (options_.dedup.backend != DedupOptions::Backend::Off) {
    keys_ = std::make_unique<dedup::EmbeddedStore>(options_.dedup.max_keys, options_.dedup.ttl);
  }
  if (options_.dedup.backend == DedupOptions::Backend::Redis) {
    const std::size_t n = std::bit_ceil(options_.dedup.max_pending + options_.members.size() + 2);
    dedup::RedisOptions ro = options_.dedup.redis;
    ro.ttl = options_.dedup.ttl;
    ro.max_in_flight = n;  // never the limit: at most one request per waiting entry
    redis_ = std::make_unique<dedup::RedisStore>(ro);
    waiting_.resize(n);
    waiting_mask_ = n - 1;
    frames_.resize(
        std::max(options_.dedup.max_pending * 512, 4 * options_.server.max_message_bytes));
  }
}

void OrderEntry::save_keys(util::ByteWriter& out) const {
  out.put(static_cast<std::uint8_t>(keys_ ? 1 : 0));
  if (!keys_) return;
  out.put(static_cast<std::uint64_t>(keys_->size()));
  keys_->for_each([&](dedup::MemberId member, std::string_view id, const dedup::DedupEntry& e) {
    out.put(member);
    out.put_string(id);
    out.put(e.order_ref);
    out.put(e.fingerprint);
    out.put(e.expires_ns);
  });
}

void OrderEntry::load_keys(util::ByteReader& in) {
  if (in.get<std::uint8_t>("dedup keys present") == 0) return;
  const auto count = in.get<std::uint64_t>("dedup key count");
  for (std::uint64_t i = 0; i < count; ++i) {
    const auto member = in.get<dedup::MemberId>("dedup key member");
    const std::string_view id = in.get_string(dedup::kMaxClOrdIdLength, "dedup key ClOrdID");
    const auto order_ref = in.get<std::uint64_t>("dedup key order");
    const auto fingerprint = in.get<std::uint64_t>("dedup key fingerprint");
    const auto expires = in.get<std::int64_t>("dedup key expiry");
    // With another backend now ("off"), the snapshot's keys have no home.
    if (!keys_) continue;
    const dedup::RestoreStatus restored =
        keys_->restore(member, id, order_ref, fingerprint, expires, out_.wall_ns());
    if (restored == dedup::RestoreStatus::Restored) ++counters_.dedup_keys_restored;
    if (restored == dedup::RestoreStatus::Full) ++counters_.dedup_keys_not_restored;
  }
}

void OrderEntry::expire_keys() {
  if (keys_) keys_->expire(out_.wall_ns());
  if (redis_) poll_redis();  // reconnects without waiting for the next order
}

int OrderEntry::poll_redis() {
  const std::size_t n = redis_->poll(
      out_.mono_ns(), [this](const dedup::RedisResult& r) noexcept { on_redis_result(r); });
  if (redis_->state() != redis_logged_state_) log_redis_state();
  return static_cast<int>(n);
}

bool OrderEntry::holds_key(const OrderRecord& r) const noexcept {
  return !r.done || out_.wall_ns() - r.created_ns < ttl_ns_;
}

std::string_view OrderEntry::next_gateway_exec_id(char (&buf)[kExecIdChars]) noexcept {
  const int n = std::snprintf(buf, sizeof buf, "G%u-%llu-%llu", net_index_,
                              static_cast<unsigned long long>(boot_),
                              static_cast<unsigned long long>(++gateway_exec_ids_));
  return {buf, static_cast<std::size_t>(n)};
}

bool OrderEntry::supported(std::string_view t) noexcept {
  return t == fix::msg_type::NewOrderSingle || t == fix::msg_type::OrderCancelRequest ||
         t == fix::msg_type::OrderCancelReplaceRequest || t == fix::msg_type::OrderStatusRequest;
}

bool OrderEntry::shard_room() const noexcept {
  if (held_) return false;  // a snapshot is being taken
  for (const RequestRing* ring : to_shards_) {
    if (ring->size_approx() >= ring->capacity()) return false;
  }
  return true;
}

bool OrderEntry::has_room() const noexcept {
  if (redis_) {
    // One more message may have to wait: an entry, and its bytes even if
    // they do not fit before the end of the buffer.
    if (waiting_count() >= options_.dedup.max_pending) return false;
    if (frames_.size() - (frames_tail_ - frames_head_) < 2 * options_.server.max_message_bytes) {
      return false;
    }
  }
  return shard_room();
}

bool OrderEntry::push(std::uint32_t shard, const ShardRequest& r, std::uint32_t slot,
                      std::uint64_t in_seq) {
  // has_room() was checked before the message was taken, and this thread is
  // the ring's only producer, so this cannot fail.
  pushed_[shard] = true;
  if (!to_shards_[shard]->try_push(r)) return false;
  ++pushed_total_[shard];
  // Logged in push order, which is the order the shard applies them in.
  OrderRequestRecord rec;
  rec.request = r;
  rec.shard = shard;
  rec.in_seq = in_seq;
  if (slot != kNoSlot) {
    const OrderRecord& o = records_[slot];
    rec.gateway_instrument = o.instrument;
    rec.orig_named = o.orig_named;
    rec.record_kind = o.kind;
    rec.cl_ord_id = o.cl_ord_id_view();
    rec.fingerprint = o.fingerprint;
  }
  out_.log_request(rec);
  return true;
}

bool OrderEntry::request_snapshots() {
  if (!shard_room()) return false;
  ShardRequest req;
  req.kind = RequestKind::Snapshot;
  for (std::uint32_t shard = 0; shard < to_shards_.size(); ++shard) {
    to_shards_[shard]->try_push(req);  // room checked above; the only producer
    pushed_[shard] = true;
    ++pushed_total_[shard];
  }
  return true;
}

void OrderEntry::replay_request(const OrderRequestRecord& rec, std::int64_t time_ns) {
  const ShardRequest& q = rec.request;
  if (q.ref == kNoRecord || net_thread_of(q.ref) != net_index_) return;
  // A ClOrdID used again after its key expired: the newer record takes it,
  // as new_order()/cancel_or_replace() did when the request arrived.
  const std::uint32_t older = records_.find(q.member, rec.cl_ord_id);
  if (older != kNoSlot && older != slot_of(q.ref)) records_.forget(older);
  const std::uint32_t slot =
      records_.restore(slot_of(q.ref), q.member, rec.cl_ord_id, rec.record_kind);
  if (slot == kNoSlot) return;
  OrderRecord& r = records_[slot];
  r.price = q.price;
  r.qty = q.qty;
  r.fingerprint = rec.fingerprint;
  r.created_ns = time_ns;
  // The key, with its original expiry. With Redis, new orders' keys live in
  // Redis; cancel and replace keys are always in process.
  if (keys_ && (options_.dedup.backend != DedupOptions::Backend::Redis ||
                rec.record_kind != RecordKind::Order)) {
    const dedup::RestoreStatus restored = keys_->restore(
        q.member, rec.cl_ord_id, q.ref, rec.fingerprint, time_ns + ttl_ns_, out_.wall_ns());
    if (restored == dedup::RestoreStatus::Restored) ++counters_.dedup_keys_restored;
    if (restored == dedup::RestoreStatus::Full) ++counters_.dedup_keys_not_restored;
  }
  if (rec.record_kind == RecordKind::Order) {
    r.side = q.side;
    r.type = q.type;
    r.tif = q.tif;
    r.instrument = rec.gateway_instrument;
    r.account = q.account;
    return;
  }
  const std::uint32_t target = slot_of(q.target);
  if (q.target == kNoRecord || target >= records_.capacity()) return;
  refer_to(r, target, rec.orig_named);
}

void OrderEntry::refer_to(OrderRecord& request, std::uint32_t target,
                          std::uint32_t named) noexcept {
  const OrderRecord& o = records_[target];
  request.orig = target;
  request.orig_named = named;
  request.instrument = o.instrument;
  request.side = o.side;
  request.type = o.type;
  request.tif = o.tif;
  request.account = o.account;
}

void OrderEntry::ring_shards() noexcept {
  for (std::size_t i = 0; i < pushed_.size(); ++i) {
    if (!pushed_[i]) continue;
    pushed_[i] = false;
    if (i < shard_bells_.size() && shard_bells_[i] != nullptr) shard_bells_[i]->ring();
  }
}

std::uint32_t OrderEntry::find_instrument(std::string_view symbol) const noexcept {
  const auto it = std::lower_bound(symbols_.begin(), symbols_.end(), symbol,
                                   [](const std::pair<std::string, std::uint32_t>& e,
                                      std::string_view s) { return e.first < s; });
  if (it == symbols_.end() || it->first != symbol) return kNoSlot;
  return it->second;
}

std::uint32_t OrderEntry::latest(std::uint32_t slot) const noexcept {
  while (slot != kNoSlot && records_[slot].superseded_by != kNoSlot) {
    slot = records_[slot].superseded_by;
  }
  return slot;
}

bool OrderEntry::required(const Context& ctx, const fix::MessageView& m, fix::Tag tag) {
  if (m.has(tag)) return true;
  out_.send_reject(ctx.member, ctx.seq, ctx.msg_type, tag,
                   fix::SessionRejectReason::RequiredTagMissing, "required tag missing");
  ++counters_.rejected_at_gateway;
  return false;
}

void OrderEntry::on_message(engine::MemberId member, std::uint64_t seq, const fix::MessageView& m) {
  const Context ctx{member, seq, m.msg_type()};
  if (waiting_count() > 0) {
    // Behind requests waiting for Redis: a new order that only needs the
    // store's answer is handed to Redis now (pipelined); anything else waits
    // for its turn, so that answers keep the order of requests.
    if (ctx.msg_type[0] == 'D' && new_order(ctx, m, false)) return;
    defer_message(ctx, m);
    return;
  }
  dispatch(ctx, m);
}

void OrderEntry::dispatch(const Context& ctx, const fix::MessageView& m) {
  switch (ctx.msg_type[0]) {
    case 'D':
      new_order(ctx, m, true);
      break;
    case 'F':
      cancel_or_replace(ctx, m, false);
      break;
    case 'G':
      cancel_or_replace(ctx, m, true);
      break;
    case 'H':
      status(ctx, m);
      break;
    default:
      break;
  }
}

bool OrderEntry::new_order(const Context& ctx, const fix::MessageView& m, bool may_answer) {
  // may_answer false: the message arrived behind requests waiting for Redis.
  // It is handed to Redis now (pipelined) only if it needs nothing but the
  // store's answer; anything that would be answered at once returns false
  // and the message waits for its turn (answers keep the order of requests).
  const auto answer = [&]() {
    if (may_answer) ++counters_.new_orders;
    return may_answer;
  };
  for (fix::Tag t : {fix::tag::ClOrdID, fix::tag::Symbol, fix::tag::Side, fix::tag::OrderQty,
                     fix::tag::OrdType, fix::tag::TransactTime}) {
    if (!m.has(t) && !answer()) return false;
    if (!required(ctx, m, t)) return true;
  }
  const auto bad_value = [&](fix::Tag tag, fix::SessionRejectReason why, std::string_view text) {
    if (!answer()) return false;
    out_.send_reject(ctx.member, ctx.seq, ctx.msg_type, tag, why, text);
    ++counters_.rejected_at_gateway;
    return true;
  };
  const std::string_view cl_ord_id = m.get(fix::tag::ClOrdID);
  if (cl_ord_id.size() > kMaxClOrdIdLength) {
    return bad_value(fix::tag::ClOrdID, fix::SessionRejectReason::ValueIncorrect,
                     "ClOrdID longer than 64 characters");
  }
  const std::string_view side = m.get(fix::tag::Side);
  if (side != "1" && side != "2") {
    return bad_value(fix::tag::Side, fix::SessionRejectReason::ValueIncorrect,
                     "Side must be 1 or 2");
  }
  const std::string_view ord_type = m.get(fix::tag::OrdType);
  if (ord_type != "1" && ord_type != "2") {
    return bad_value(fix::tag::OrdType, fix::SessionRejectReason::ValueIncorrect,
                     "OrdType must be 1 (market) or 2 (limit)");
  }
  engine::TimeInForce tif = engine::TimeInForce::Day;
  if (m.has(fix::tag::TimeInForce)) {
    const std::string_view t = m.get(fix::tag::TimeInForce);
    if (t == "0") {
      tif = engine::TimeInForce::Day;
    } else if (t == "1") {
      tif = engine::TimeInForce::Gtc;
    } else if (t == "3") {
      tif = engine::TimeInForce::Ioc;
    } else if (t == "4") {
      tif = engine::TimeInForce::Fok;
    } else {
      return bad_value(fix::tag::TimeInForce, fix::SessionRejectReason::ValueIncorrect,
                       "TimeInForce must be 0, 1, 3 or 4");
    }
  }
  const util::DecimalParse qty = util::parse_decimal(m.get(fix::tag::OrderQty));
  if (!qty) {
    return bad_value(fix::tag::OrderQty, fix::SessionRejectReason::IncorrectDataFormat,
                     qty.message());
  }
  const bool is_limit = ord_type == "2";
  util::DecimalParse price{};
  if (is_limit) {
    if (!m.has(fix::tag::Price) && !answer()) return false;
    if (!required(ctx, m, fix::tag::Price)) return true;
    price = util::parse_decimal(m.get(fix::tag::Price));
    if (!price) {
      return bad_value(fix::tag::Price, fix::SessionRejectReason::IncorrectDataFormat,
                       price.message());
    }
  }
  if (!m.get_timestamp(fix::tag::TransactTime)) {
    return bad_value(fix::tag::TransactTime, fix::SessionRejectReason::IncorrectDataFormat,
                     "TransactTime must be a UTCTimestamp");
  }

  // From here on the message is well formed: business problems are answered
  // with a rejecting ExecutionReport.
  const auto reject = [&](int reason, std::string_view text) {
    if (!answer()) return false;
    reject_new(ctx, m, reason, text);
    return true;
  };
  const MemberOptions& member = options_.members[ctx.member];
  std::uint32_t account = 0;
  bool account_ok = true;
  if (m.has(fix::tag::Account)) {
    const std::string_view a = m.get(fix::tag::Account);
    const auto it = std::find(member.accounts.begin(), member.accounts.end(), a);
    account_ok = it != member.accounts.end();
    account = static_cast<std::uint32_t>(it - member.accounts.begin());
  }
  const std::uint32_t instrument = find_instrument(m.get(fix::tag::Symbol));
  if (instrument == kNoSlot) return reject(kRejUnknownSymbol, "unknown symbol");
  if (!account_ok) return reject(kRejOther, "unknown account");
  if (qty.value % util::kDecimalScale != 0) {
    return reject(kRejIncorrectQuantity, "quantity must be a whole number");
  }
  // ClOrdID dedup (docs/DEDUP.md): one rule for every request. A ClOrdID
  // whose record is still held (open, or younger than the TTL) is answered
  // from that record; otherwise the store decides (SET NX); a key without a
  // record is an order this gateway does not track.
  dedup::OrderRequestFields fields;
  fields.msg_type = 'D';
  fields.symbol = m.get(fix::tag::Symbol);
  fields.side = side[0];
  fields.qty = qty.value / util::kDecimalScale;
  fields.ord_type = ord_type[0];
  fields.has_price = is_limit;
  fields.price = price.value;
  fields.time_in_force = m.has(fix::tag::TimeInForce) ? m.get(fix::tag::TimeInForce)[0] : '0';
  fields.account = m.get(fix::tag::Account);
  const std::uint64_t fingerprint = dedup::request_fingerprint(fields);
  const std::uint32_t held = records_.find(ctx.member, cl_ord_id);
  if (held != kNoSlot) {
    if (holds_key(records_[held])) {
      if (!answer()) return false;
      answer_repeated_new(ctx, m, held, records_[held].fingerprint == fingerprint);
      return true;
    }
    records_.forget(held);
  }
  const std::uint32_t next = records_.next_slot();
  if (keys_ && redis_) {
    // Redis holds new orders' keys; a ClOrdID a cancel or replace took here
    // is in the local store.
    if (const dedup::DedupEntry* e = keys_->find(ctx.member, cl_ord_id, out_.wall_ns())) {
      if (!answer()) return false;
      answer_repeated_new(ctx, m, kNoSlot, e->fingerprint == fingerprint);
      return true;
    }
  } else if (keys_) {
    const dedup::SetResult set =
        next != kNoSlot ? keys_->set_nx(ctx.member, cl_ord_id, make_ref(net_index_, next),
                                        fingerprint, out_.wall_ns())
                        : dedup::SetResult{};
    if (next == kNoSlot) {
      // Full of open orders; a repeat is still recognised.
      if (const dedup::DedupEntry* e = keys_->find(ctx.member, cl_ord_id, out_.wall_ns())) {
        answer();
        answer_repeated_new(ctx, m, kNoSlot, e->fingerprint == fingerprint);
        return true;
      }
    } else if (set.status == dedup::SetStatus::Exists) {
      answer();
      answer_repeated_new(ctx, m, kNoSlot, set.entry.fingerprint == fingerprint);
      return true;
    } else if (set.status == dedup::SetStatus::Full) {
      answer();
      ++counters_.dedup_unavailable;
      reject_new(ctx, m, kRejOther,
                 "ClOrdID store full ([dedup] max_keys): order not accepted, try again later");
      return true;
    }
  }
  if (next == kNoSlot) return reject(kRejOther, "gateway order capacity exhausted");
  if (!may_answer) ++counters_.new_orders;
  answer();
  const std::uint32_t slot = records_.create(ctx.member, cl_ord_id, RecordKind::Order);
  OrderRecord& r = records_[slot];
  r.fingerprint = fingerprint;
  r.created_ns = out_.wall_ns();
  r.side = side == "1" ? engine::Side::Buy : engine::Side::Sell;
  r.type = is_limit ? engine::OrdType::Limit : engine::OrdType::Market;
  r.tif = tif;
  r.instrument = instrument;
  r.account = account;
  r.price = is_limit ? price.value : 0;
  r.qty = qty.value / util::kDecimalScale;
  if (redis_) {
    // The record is reserved (it keeps the ClOrdID from being taken again
    // meanwhile); the order goes to its shard once Redis has said Created.
    wait_for_redis(ctx, slot, m.has(fix::tag::Account));
    return true;
  }
  push_new(slot, ctx.seq);
  return true;
}

void OrderEntry::push_new(std::uint32_t slot, std::uint64_t in_seq) {
  const OrderRecord& r = records_[slot];
  const InstrumentRoute& route = options_.instruments[r.instrument];
  ShardRequest req;
  req.kind = RequestKind::New;
  req.side = r.side;
  req.type = r.type;
  req.tif = r.tif;
  req.member = r.member;
  req.account = r.account;
  req.instrument = route.local_id;
  req.ref = make_ref(net_index_, slot);
  req.price = r.price;
  req.qty = r.qty;
  push(route.shard, req, slot, in_seq);
}

void OrderEntry::reject_new(const Context& ctx, const fix::MessageView& m, int ord_rej_reason,
                            std::string_view text) {
  ++counters_.rejected_at_gateway;
  ++counters_.execution_reports;
  char exec_id_buf[kExecIdChars];
  const std::string_view exec_id = next_gateway_exec_id(exec_id_buf);
  fix::MessageWriter& w = out_.begin_message(ctx.member, fix::msg_type::ExecutionReport);
  w.add_string(fix::tag::OrderID, "NONE")
      .add_string(fix::tag::ClOrdID, m.get(fix::tag::ClOrdID))
      .add_string(fix::tag::ExecID, exec_id)
      .add_char(fix::tag::ExecType, '8')
      .add_char(fix::tag::OrdStatus, '8')
      .add_int(fix::tag::OrdRejReason, ord_rej_reason);
  for (fix::Tag t : {fix::tag::Account, fix::tag::Symbol, fix::tag::Side}) {
    if (m.has(t)) w.add_string(t, m.get(t));
  }
  if (m.has(fix::tag::OrderQty)) w.add_string(fix::tag::OrderQty, m.get(fix::tag::OrderQty));
  w.add_int(fix::tag::LeavesQty, 0)
      .add_int(fix::tag::CumQty, 0)
      .add_int(fix::tag::AvgPx, 0)
      .add_timestamp(fix::tag::TransactTime, out_.wall_ns())
      .add_string(fix::tag::Text, text);
  out_.send_message(ctx.member);
}

void OrderEntry::cancel_or_replace(const Context& ctx, const fix::MessageView& m, bool replace) {
  ++(replace ? counters_.replaces : counters_.cancels);
  if (!required(ctx, m, fix::tag::ClOrdID) || !required(ctx, m, fix::tag::OrigClOrdID)) return;
  const std::string_view cl_ord_id = m.get(fix::tag::ClOrdID);
  const std::string_view orig_id = m.get(fix::tag::OrigClOrdID);
  if (cl_ord_id.size() > kMaxClOrdIdLength) {
    out_.send_reject(ctx.member, ctx.seq, ctx.msg_type, fix::tag::ClOrdID,
                     fix::SessionRejectReason::ValueIncorrect, "ClOrdID longer than 64 characters");
    return;
  }
  util::DecimalParse price{};
  util::DecimalParse qty{};
  if (replace) {
    for (fix::Tag t : {fix::tag::OrderQty, fix::tag::Price}) {
      if (!required(ctx, m, t)) return;
    }
    qty = util::parse_decimal(m.get(fix::tag::OrderQty));
    price = util::parse_decimal(m.get(fix::tag::Price));
    if (!qty || !price) {
      out_.send_reject(
          ctx.member, ctx.seq, ctx.msg_type, !qty ? fix::tag::OrderQty : fix::tag::Price,
          fix::SessionRejectReason::IncorrectDataFormat, !qty ? qty.message() : price.message());
      return;
    }
  }
  const std::uint32_t named = records_.find(ctx.member, orig_id);
  const std::uint32_t target = latest(named);
  const OrderRecord* order = target != kNoSlot ? &records_[target] : nullptr;
  // ClOrdID dedup, as for new orders. A cancel is the MsgType and the
  // OrigClOrdID; a replace adds the new quantity and price (what it can change).
  dedup::OrderRequestFields fields;
  fields.msg_type = replace ? 'G' : 'F';
  fields.orig_cl_ord_id = orig_id;
  if (replace) {
    fields.qty = qty.value / util::kDecimalScale;
    fields.has_price = true;
    fields.price = price.value;
  }
  const std::uint64_t fingerprint = dedup::request_fingerprint(fields);
  const std::uint32_t held = records_.find(ctx.member, cl_ord_id);
  if (held != kNoSlot) {
    if (holds_key(records_[held])) {
      answer_repeated_cancel(ctx, cl_ord_id, orig_id, order, replace, held,
                             records_[held].fingerprint == fingerprint);
      return;
    }
    records_.forget(held);
  }
  if (keys_) {
    if (const dedup::DedupEntry* e = keys_->find(ctx.member, cl_ord_id, out_.wall_ns())) {
      answer_repeated_cancel(ctx, cl_ord_id, orig_id, order, replace, kNoSlot,
                             e->fingerprint == fingerprint);
      return;
    }
  }
  // A cancel request, or a replace request that is done without having
  // become the order (rejected), never named an order. (Its record may be
  // a recycled one whose slot the shard still maps to an older order.)
  if (order == nullptr || order->kind == RecordKind::CancelRequest ||
      (order->kind == RecordKind::ReplaceRequest && order->done)) {
    cancel_reject(ctx.member, cl_ord_id, orig_id, nullptr, replace, kCxlUnknownOrder,
                  "unknown order");
    return;
  }
  if (order->kind == RecordKind::Order && order->done) {
    cancel_reject(ctx.member, cl_ord_id, orig_id, order, replace, kCxlTooLate,
                  "order already done");
    return;
  }
  if (replace) {
    const std::string_view symbol = m.get(fix::tag::Symbol);
    const std::string_view side = m.get(fix::tag::Side);
    if ((!symbol.empty() && symbol != options_.instruments[order->instrument].symbol) ||
        (!side.empty() && (side.size() != 1 || side[0] != side_char(order->side)))) {
      cancel_reject(ctx.member, cl_ord_id, orig_id, order, replace, kCxlOther,
                    "Symbol and Side cannot change");
      return;
    }
    if (qty.value % util::kDecimalScale != 0) {
      cancel_reject(ctx.member, cl_ord_id, orig_id, order, replace, kCxlOther,
                    "quantity must be a whole number");
      return;
    }
  }
  const std::uint32_t next = records_.next_slot();
  if (next == kNoSlot) {
    cancel_reject(ctx.member, cl_ord_id, orig_id, order, replace, kCxlOther,
                  "gateway order capacity exhausted");
    return;
  }
  if (keys_) {
    const dedup::SetResult set = keys_->set_nx(ctx.member, cl_ord_id, make_ref(net_index_, next),
                                               fingerprint, out_.wall_ns());
    if (set.status == dedup::SetStatus::Full) {
      ++counters_.dedup_unavailable;
      cancel_reject(ctx.member, cl_ord_id, orig_id, order, replace, kCxlOther,
                    "ClOrdID store full ([dedup] max_keys): request not accepted, try again later");
      return;
    }
  }
  const std::uint32_t slot = records_.create(
      ctx.member, cl_ord_id, replace ? RecordKind::ReplaceRequest : RecordKind::CancelRequest);
  OrderRecord& r = records_[slot];
  r.fingerprint = fingerprint;
  r.created_ns = out_.wall_ns();
  const OrderRecord& o = records_[target];
  refer_to(r, target, named);
  r.price = replace ? price.value : o.price;
  r.qty = replace ? qty.value / util::kDecimalScale : o.qty;
  const InstrumentRoute& route = options_.instruments[o.instrument];
  ShardRequest req;
  req.kind = replace ? RequestKind::Replace : RequestKind::Cancel;
  req.member = ctx.member;
  req.instrument = route.local_id;
  req.ref = make_ref(net_index_, slot);
  req.target = make_ref(net_index_, target);
  req.price = r.price;
  req.qty = r.qty;
  push(route.shard, req, slot, ctx.seq);
}

void OrderEntry::status(const Context& ctx, const fix::MessageView& m) {
  ++counters_.status_requests;
  if (!required(ctx, m, fix::tag::ClOrdID)) return;
  const std::string_view cl_ord_id = m.get(fix::tag::ClOrdID);
  const std::uint32_t slot = latest(records_.find(ctx.member, cl_ord_id));
  if (slot == kNoSlot || records_[slot].kind != RecordKind::Order) {
    char exec_id_buf[kExecIdChars];
    const std::string_view exec_id = next_gateway_exec_id(exec_id_buf);
    fix::MessageWriter& w = out_.begin_message(ctx.member, fix::msg_type::ExecutionReport);
    w.add_string(fix::tag::OrderID, "NONE")
        .add_string(fix::tag::ClOrdID, cl_ord_id)
        .add_string(fix::tag::ExecID, exec_id)
        .add_char(fix::tag::ExecType, 'I')
        .add_char(fix::tag::OrdStatus, '8');
    for (fix::Tag t : {fix::tag::Symbol, fix::tag::Side}) {
      if (m.has(t)) w.add_string(t, m.get(t));
    }
    w.add_int(fix::tag::LeavesQty, 0)
        .add_int(fix::tag::CumQty, 0)
        .add_int(fix::tag::AvgPx, 0)
        .add_timestamp(fix::tag::TransactTime, out_.wall_ns())
        .add_string(fix::tag::Text, "unknown order");
    out_.send_message(ctx.member);
    return;
  }
  status_report(slot);
}

void OrderEntry::status_report(std::uint32_t slot) {
  report(records_[slot], records_[slot].cl_ord_id_view(), {}, 'I', 0, false, 0, 0, -1, {});
}

void OrderEntry::answer_repeated_new(const Context& ctx, const fix::MessageView& m,
                                     std::uint32_t slot, bool same) {
  if (!same) {
    ++counters_.dedup_duplicates;
    reject_new(ctx, m, kRejDuplicateOrder, "duplicate ClOrdID");
    return;
  }
  ++counters_.dedup_retries;
  if (slot == kNoSlot) {
    reject_new(ctx, m, kRejDuplicateOrder, kUntrackedRepeatText);
    return;
  }
  // The request made an order (or a replace made it): its current state.
  status_report(latest(slot));
}

void OrderEntry::answer_repeated_cancel(const Context& ctx, std::string_view cl_ord_id,
                                        std::string_view orig_cl_ord_id, const OrderRecord* order,
                                        bool replace, std::uint32_t slot, bool same) {
  if (!same) {
    ++counters_.dedup_duplicates;
    cancel_reject(ctx.member, cl_ord_id, orig_cl_ord_id, order, replace, kCxlDuplicateClOrdId,
                  "duplicate ClOrdID");
    return;
  }
  ++counters_.dedup_retries;
  if (slot == kNoSlot) {
    cancel_reject(ctx.member, cl_ord_id, orig_cl_ord_id, order, replace, kCxlDuplicateClOrdId,
                  kUntrackedCancelText);
    return;
  }
  const OrderRecord& q = records_[slot];
  if (q.kind == RecordKind::Order) {  // a replace that became the order
    status_report(latest(slot));
    return;
  }
  const std::uint32_t target = latest(q.orig);
  if (q.ord_status == '8') {  // the engine rejected it: the same reject again
    cancel_reject(ctx.member, cl_ord_id, orig_cl_ord_id,
                  target != kNoSlot ? &records_[target] : nullptr, replace,
                  cxl_rej_reason(q.reject_reason), engine::to_string(q.reject_reason));
    return;
  }
  // Pending or applied: the state of the order it acted on.
  if (target != kNoSlot && records_[target].kind == RecordKind::Order) {
    status_report(target);
    return;
  }
  cancel_reject(ctx.member, cl_ord_id, orig_cl_ord_id, nullptr, replace, kCxlDuplicateClOrdId,
                kUntrackedCancelText);
}

void OrderEntry::cancel_reject(engine::MemberId member, std::string_view cl_ord_id,
                               std::string_view orig_cl_ord_id, const OrderRecord* order,
                               bool replace, int reason, std::string_view text,
                               std::uint64_t cause) {
  ++counters_.rejected_at_gateway;
  char id_buf[24];
  fix::MessageWriter& w = out_.begin_message(member, fix::msg_type::OrderCancelReject);
  if (order != nullptr && order->order_id != engine::kNoOrder) {
    w.add_string(fix::tag::OrderID, to_chars(order->order_id, id_buf, sizeof id_buf));
  } else {
    w.add_string(fix::tag::OrderID, "NONE");
  }
  w.add_string(fix::tag::ClOrdID, cl_ord_id)
      .add_string(fix::tag::OrigClOrdID, orig_cl_ord_id)
      .add_char(fix::tag::OrdStatus,
                order != nullptr && order->kind == RecordKind::Order ? order->ord_status : '8')
      .add_char(fix::tag::CxlRejResponseTo, replace ? '2' : '1')
      .add_int(fix::tag::CxlRejReason, reason)
      .add_string(fix::tag::Text, text);
  out_.send_message(member, cause);
}

void OrderEntry::report(const OrderRecord& r, std::string_view cl_ord_id,
                        std::string_view orig_cl_ord_id, char exec_type, std::uint64_t exec_id,
                        bool maker_side, engine::Qty last_qty, engine::Price last_px,
                        int ord_rej_reason, std::string_view text) {
  ++counters_.execution_reports;
  char order_id_buf[24];
  char exec_id_buf[kExecIdChars];
  // One engine event can be reported to both sides of a trade.
  const std::string_view exec_id_text =
      exec_id != 0 ? to_chars(exec_id * 2 + (maker_side ? 1 : 0), exec_id_buf, sizeof exec_id_buf)
                   : next_gateway_exec_id(exec_id_buf);
  char price_buf[util::kMaxDecimalChars];
  fix::MessageWriter& w = out_.begin_message(r.member, fix::msg_type::ExecutionReport);
  w.add_string(fix::tag::OrderID, r.order_id != engine::kNoOrder
                                      ? to_chars(r.order_id, order_id_buf, sizeof order_id_buf)
                                      : std::string_view("NONE"))
      .add_string(fix::tag::ClOrdID, cl_ord_id);
  if (!orig_cl_ord_id.empty()) w.add_string(fix::tag::OrigClOrdID, orig_cl_ord_id);
  w.add_string(fix::tag::ExecID, exec_id_text)
      .add_char(fix::tag::ExecType, exec_type)
      .add_char(fix::tag::OrdStatus, r.ord_status);
  if (ord_rej_reason >= 0) w.add_int(fix::tag::OrdRejReason, ord_rej_reason);
  w.add_string(fix::tag::Account, options_.members[r.member].accounts[r.account])
      .add_string(fix::tag::Symbol, options_.instruments[r.instrument].symbol)
      .add_char(fix::tag::Side, side_char(r.side))
      .add_int(fix::tag::OrderQty, r.qty)
      .add_char(fix::tag::OrdType, ord_type_char(r.type));
  if (r.type == engine::OrdType::Limit) {
    const std::size_t n = util::format_decimal(r.price, price_buf, sizeof price_buf);
    w.add_decimal(fix::tag::Price, std::string_view(price_buf, n));
  }
  w.add_char(fix::tag::TimeInForce, tif_char(r.tif));
  if (exec_type == 'F') {
    const std::size_t n = util::format_decimal(last_px, price_buf, sizeof price_buf);
    w.add_int(fix::tag::LastQty, last_qty)
        .add_decimal(fix::tag::LastPx, std::string_view(price_buf, n));
  }
  const bool open = r.ord_status == '0' || r.ord_status == '1' || r.ord_status == 'A';
  w.add_int(fix::tag::LeavesQty, open ? r.qty - r.cum_qty : 0).add_int(fix::tag::CumQty, r.cum_qty);
  const engine::Price avg = r.cum_qty > 0 ? static_cast<engine::Price>(r.notional / r.cum_qty) : 0;
  const std::size_t n = util::format_decimal(avg, price_buf, sizeof price_buf);
  w.add_decimal(fix::tag::AvgPx, std::string_view(price_buf, n))
      .add_timestamp(fix::tag::TransactTime, out_.wall_ns());
  if (!text.empty()) w.add_string(fix::tag::Text, text);
  out_.send_message(r.member, exec_id != 0 ? event_cause(exec_id, maker_side) : 0);
}

void OrderEntry::on_reply(const ShardReply& reply) {
  const engine::Event& e = reply.event;
  const RecordRef ref = e.order.client_ref;
  const bool mine = net_thread_of(ref) == net_index_ && slot_of(ref) < records_.capacity();
  switch (e.type) {
    case EventType::Accepted: {
      if (!mine) return;
      OrderRecord& r = records_[slot_of(ref)];
      r.order_id = e.order.id;
      r.ord_status = '0';
      report(r, r.cl_ord_id_view(), {}, '0', e.exec_id, false, 0, 0, -1, {});
      return;
    }
    case EventType::Trade: {
      const auto fill = [&](RecordRef side_ref, const engine::OrderView& v, bool maker) {
        if (net_thread_of(side_ref) != net_index_ || slot_of(side_ref) >= records_.capacity())
          return;
        const std::uint32_t slot = slot_of(side_ref);
        OrderRecord& r = records_[slot];
        r.cum_qty = v.filled;
        r.notional += static_cast<__int128>(e.trade_price) * e.trade_qty;
        r.ord_status = open_status(r);
        report(r, r.cl_ord_id_view(), {}, 'F', e.exec_id, maker, e.trade_qty, e.trade_price, -1,
               {});
        if (r.ord_status == '2') records_.finish(slot);
      };
      fill(ref, e.order, false);
      fill(e.maker.client_ref, e.maker, true);
      return;
    }
    case EventType::Canceled:
    case EventType::Expired: {
      if (!mine) return;
      const std::uint32_t slot = slot_of(ref);
      OrderRecord& r = records_[slot];
      const bool expired = e.type == EventType::Expired;
      r.ord_status = expired ? 'C' : '4';
      const bool by_request = e.cancel_reason == engine::CancelReason::Requested &&
                              net_thread_of(reply.request) == net_index_ &&
                              slot_of(reply.request) < records_.capacity();
      if (by_request) {
        const std::uint32_t req = slot_of(reply.request);
        report(r, records_[req].cl_ord_id_view(), r.cl_ord_id_view(), '4', e.exec_id, false, 0, 0,
               -1, {});
        records_[req].ord_status = '4';
        records_.finish(req);
      } else {
        report(r, r.cl_ord_id_view(), {}, expired ? 'C' : '4', e.exec_id, false, 0, 0, -1,
               expired ? std::string_view("day order expired")
                       : std::string_view(engine::to_string(e.cancel_reason)));
      }
      records_.finish(slot);
      return;
    }
    case EventType::Replaced: {
      if (!mine) return;
      const std::uint32_t slot = slot_of(ref);
      OrderRecord& r = records_[slot];
      if (r.orig == kNoSlot) return;
      OrderRecord& old = records_[r.orig];
      r.kind = RecordKind::Order;
      r.order_id = e.order.id;
      r.price = e.order.price;
      r.qty = e.order.qty;
      r.cum_qty = e.order.filled;
      r.notional = old.notional;
      r.ord_status = open_status(r);
      old.superseded_by = slot;
      old.ord_status = '5';
      report(r, r.cl_ord_id_view(), old.cl_ord_id_view(), '5', e.exec_id, false, 0, 0, -1, {});
      records_.finish(r.orig);
      return;
    }
    case EventType::Rejected: {
      if (!mine) return;
      const std::uint32_t slot = slot_of(ref);
      OrderRecord& r = records_[slot];
      if (r.kind == RecordKind::Order) {
        r.ord_status = '8';
        report(r, r.cl_ord_id_view(), {}, '8', e.exec_id, false, 0, 0,
               ord_rej_reason(e.reject_reason), engine::to_string(e.reject_reason));
      } else {
        const OrderRecord* order = r.orig != kNoSlot ? &records_[r.orig] : nullptr;
        // Echo OrigClOrdID(41) as the request gave it, like the gateway's own
        // rejects do, even when it named an earlier ClOrdID of the order.
        const std::uint32_t named = r.orig_named != kNoSlot ? r.orig_named : r.orig;
        cancel_reject(r.member, r.cl_ord_id_view(),
                      named != kNoSlot ? records_[named].cl_ord_id_view() : std::string_view(),
                      order, r.kind == RecordKind::ReplaceRequest, cxl_rej_reason(e.reject_reason),
                      engine::to_string(e.reject_reason), event_cause(e.exec_id, false));
        r.ord_status = '8';
        r.reject_reason = e.reject_reason;
      }
      records_.finish(slot);
      return;
    }
  }
}

void OrderEntry::mass_cancel(engine::MemberId member) {
  if (waiting_count() > 0) {  // after the member's requests still waiting for Redis
    Waiting& w = waiting_at(wait_tail_++);
    w = Waiting{};
    w.kind = Waiting::Kind::MassCancel;
    w.member = member;
    return;
  }
  pending_mass_cancels_.push_back(member);
  poll_pending();
}

int OrderEntry::poll_pending() {
  int work = 0;
  // Redis is polled while requests are in flight (a recv() per call);
  // otherwise expire_keys() keeps the connection up every 10 ms.
  if (redis_ && (redis_->in_flight() > 0 || redis_->wants_write())) work += poll_redis();
  if (waiting_count() > 0) work += drain_waiting();
  if (pending_mass_cancels_.empty() || !shard_room()) return work;
  std::size_t done = 0;
  for (engine::MemberId member : pending_mass_cancels_) {
    for (std::uint32_t shard = 0; shard < to_shards_.size(); ++shard) {
      ShardRequest req;
      req.kind = RequestKind::MassCancel;
      req.member = member;
      push(shard, req, kNoSlot, 0);
    }
    ++done;
    if (!shard_room()) break;
  }
  pending_mass_cancels_.erase(pending_mass_cancels_.begin(),
                              pending_mass_cancels_.begin() + static_cast<std::ptrdiff_t>(done));
  return work + static_cast<int>(done);
}

// ---- Redis backend: requests waiting for the store ----

void OrderEntry::wait_for_redis(const Context& ctx, std::uint32_t slot, bool account_sent) {
  std::uint64_t token = 0;
  if (converting_head_) {  // the message at the head becomes this new order
    token = wait_head_;
    converting_head_ = false;
  } else {
    token = wait_tail_++;
  }
  Waiting& w = waiting_at(token);
  w = Waiting{};
  w.kind = Waiting::Kind::NewOrder;
  w.member = ctx.member;
  w.seq = ctx.seq;
  w.slot = slot;
  w.account_sent = account_sent;
  const OrderRecord& r = records_[slot];
  if (!redis_->submit(ctx.member, r.cl_ord_id_view(), make_ref(net_index_, slot), r.fingerprint,
                      token, out_.mono_ns())) {
    // Cannot happen (max_in_flight exceeds the waiting entries); fail closed.
    w.answered = true;
    w.result.token = token;
    w.result.status = dedup::RedisStatus::Unavailable;
    w.result.reason = dedup::UnavailableReason::NotConnected;
  }
}

bool OrderEntry::defer_message(const Context& ctx, const fix::MessageView& m) {
  const std::string_view raw = m.raw();
  std::uint64_t at = frames_tail_;
  const std::size_t pos = at % frames_.size();
  if (pos + raw.size() > frames_.size()) at += frames_.size() - pos;  // to the start
  if (at + raw.size() - frames_head_ > frames_.size()) return false;  // has_room() prevents this
  std::memcpy(frames_.data() + at % frames_.size(), raw.data(), raw.size());
  frames_tail_ = at + raw.size();
  Waiting& w = waiting_at(wait_tail_++);
  w = Waiting{};
  w.kind = Waiting::Kind::Message;
  w.member = ctx.member;
  w.seq = ctx.seq;
  w.frame_at = at;
  w.frame_length = static_cast<std::uint32_t>(raw.size());
  return true;
}

void OrderEntry::on_redis_result(const dedup::RedisResult& result) noexcept {
  if (result.token < wait_head_ || result.token >= wait_tail_) return;
  Waiting& w = waiting_at(result.token);
  if (w.kind != Waiting::Kind::NewOrder || w.answered) return;
  w.answered = true;
  w.result = result;
}

int OrderEntry::drain_waiting() {
  int work = 0;
  while (waiting_count() > 0) {
    Waiting& w = waiting_at(wait_head_);
    if (w.kind == Waiting::Kind::NewOrder) {
      if (!w.answered || !shard_room()) break;
      complete_new(w);
    } else if (w.kind == Waiting::Kind::MassCancel) {
      pending_mass_cancels_.push_back(w.member);
    } else {
      if (!shard_room()) break;
      const std::uint64_t frame_end = w.frame_at + w.frame_length;
      const fix::ParseError error = waiting_view_.parse(
          std::string_view(frames_.data() + w.frame_at % frames_.size(), w.frame_length));
      const Context ctx{w.member, w.seq, waiting_view_.msg_type()};
      converting_head_ = true;
      if (error.ok()) dispatch(ctx, waiting_view_);  // it parsed when it arrived
      const bool converted = !converting_head_;
      converting_head_ = false;
      frames_head_ = frame_end;
      ++work;
      if (converted) break;  // now a new order waiting for Redis
    }
    ++wait_head_;
    ++work;
  }
  if (waiting_count() == 0) frames_head_ = frames_tail_ = 0;
  return work;
}

void OrderEntry::complete_new(const Waiting& w) {
  OrderRecord& r = records_[w.slot];
  switch (w.result.status) {
    case dedup::RedisStatus::Created:
      r.created_ns = out_.wall_ns();  // the time of its log record, as on recovery
      push_new(w.slot, w.seq);
      return;
    case dedup::RedisStatus::Exists: {
      const bool same = w.result.fingerprint == r.fingerprint;
      ++(same ? counters_.dedup_retries : counters_.dedup_duplicates);
      reject_reserved(w, kRejDuplicateOrder, same ? kUntrackedRepeatText : "duplicate ClOrdID");
      return;
    }
    case dedup::RedisStatus::Unavailable: {
      ++counters_.dedup_unavailable;
      char text[128];
      const int n = std::snprintf(text, sizeof text,
                                  "ClOrdID check unavailable (Redis: %s): order not accepted",
                                  dedup::to_string(w.result.reason));
      reject_reserved(w, kRejOther, std::string_view(text, static_cast<std::size_t>(n)));
      return;
    }
  }
}

void OrderEntry::reject_reserved(const Waiting& w, int ord_rej_reason, std::string_view text) {
  const OrderRecord& r = records_[w.slot];
  ++counters_.rejected_at_gateway;
  ++counters_.execution_reports;
  char exec_id_buf[kExecIdChars];
  const std::string_view exec_id = next_gateway_exec_id(exec_id_buf);
  fix::MessageWriter& w_ = out_.begin_message(r.member, fix::msg_type::ExecutionReport);
  w_.add_string(fix::tag::OrderID, "NONE")
      .add_string(fix::tag::ClOrdID, r.cl_ord_id_view())
      .add_string(fix::tag::ExecID, exec_id)
      .add_char(fix::tag::ExecType, '8')
      .add_char(fix::tag::OrdStatus, '8')
      .add_int(fix::tag::OrdRejReason, ord_rej_reason);
  if (w.account_sent) {
    w_.add_string(fix::tag::Account, options_.members[r.member].accounts[r.account]);
  }
  w_.add_string(fix::tag::Symbol, options_.instruments[r.instrument].symbol)
      .add_char(fix::tag::Side, side_char(r.side))
      .add_int(fix::tag::OrderQty, r.qty)
      .add_int(fix::tag::LeavesQty, 0)
      .add_int(fix::tag::CumQty, 0)
      .add_int(fix::tag::AvgPx, 0)
      .add_timestamp(fix::tag::TransactTime, out_.wall_ns())
      .add_string(fix::tag::Text, text);
  out_.send_message(r.member);
  records_.release(w.slot);
}

void OrderEntry::log_redis_state() noexcept {
  const dedup::RedisState state = redis_->state();
  const dedup::RedisState before = redis_logged_state_;
  redis_logged_state_ = state;
  const dedup::RedisOptions& o = options_.dedup.redis;
  if (state == dedup::RedisState::Connected) {
    spdlog::info("dedup: connected to Redis {}:{}{}", o.host, o.port,
                 redis_ever_connected_ ? " again; new orders are accepted" : "");
    redis_ever_connected_ = true;
  } else if (before == dedup::RedisState::Connected ||
             (!redis_ever_connected_ && state == dedup::RedisState::Disconnected &&
              redis_->counters().connect_failures == 1)) {
    spdlog::warn(
        "dedup: no connection to Redis {}:{} ({}); new orders are rejected until it is back, "
        "cancels keep working; reconnecting",
        o.host, o.port, redis_->last_error());
  }
}

}  // namespace matchgate::gateway
