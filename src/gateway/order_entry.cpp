// Order entry: dispatch, new orders, and the lookups of order records.
// Cancel/replace and status: order_entry_cancel.cpp; mass cancel requests:
// order_entry_mass_cancel.cpp; engine events:
// order_entry_events.cpp; recovery and snapshots: order_entry_state.cpp;
// the Redis backend: order_entry_redis.cpp.
#include "matchgate/gateway/order_entry.hpp"

#include <bit>
#include <chrono>

#include "matchgate/fix/tags.hpp"
#include "matchgate/util/assert.hpp"

namespace matchgate::gateway {

namespace {

constexpr std::string_view kUntrackedRepeatText =
    "duplicate ClOrdID: repeat of an order this gateway does not track";
constexpr std::string_view kStoreFullText =
    "ClOrdID store full ([dedup] max_keys): order not accepted, try again later";
constexpr std::string_view kCapacityText = "gateway order capacity exhausted";
constexpr std::string_view kDropCopyText = "drop copy session: read only";

}  // namespace

OrderEntry::OrderEntry(std::uint32_t net_index, const NetworkOptions& options, Answers& answers,
                       ShardRouter& router, const util::ThreadClock& clock,
                       const risk::TradingControls& controls, OrderEntryMetrics metrics,
                       dedup::RedisMetrics redis_metrics)
    : net_index_(net_index),
      options_(options),
      answers_(answers),
      router_(router),
      clock_(clock),
      controls_(controls),
      symbols_(options.instruments),
      records_(options.max_records),
      metrics_(metrics),
      risk_(make_pre_trade_risk(options)),
      trades_(options, clock) {
  ttl_ns_ = std::chrono::nanoseconds(options_.dedup.ttl).count();
  if (options_.dedup.backend != dedup::Backend::Off) {
    keys_ = std::make_unique<dedup::EmbeddedStore>(options_.dedup.max_keys, options_.dedup.ttl);
  }
  if (options_.dedup.backend == dedup::Backend::Redis) {
    const std::size_t n = std::bit_ceil(options_.dedup.max_pending + options_.members.size() + 2);
    dedup::RedisOptions ro = options_.dedup.redis;
    ro.ttl = options_.dedup.ttl;
    ro.max_in_flight = n;  // never the limit: at most one request per waiting entry
    redis_ = std::make_unique<dedup::RedisStore>(ro, redis_metrics);
    redis_queue_ = std::make_unique<RedisQueue>(
        n, options_.dedup.max_pending,
        std::max(options_.dedup.max_pending * 512, 4 * options_.server.max_message_bytes),
        options_.server.max_message_bytes);
  }
}

bool OrderEntry::has_room() const noexcept {
  return (!redis_queue_ || redis_queue_->has_room()) && router_.has_room();
}

bool OrderEntry::has_pending() const noexcept {
  return router_.has_pending() || waiting_count() > 0 || (redis_ && redis_->in_flight() > 0);
}

int OrderEntry::poll() {
  int work = 0;
  // Redis is polled while requests are in flight (a recv() per call);
  // otherwise expire_keys() keeps the connection up every 10 ms.
  if (redis_ && (redis_->in_flight() > 0 || redis_->wants_write())) work += poll_redis();
  if (waiting_count() > 0) work += drain_redis_queue();
  metrics_.waiting.set(static_cast<std::int64_t>(waiting_count()));
  return work + router_.poll();
}

void OrderEntry::mass_cancel(engine::MemberId member) {
  if (waiting_count() > 0) {  // after the member's requests still waiting for Redis
    redis_queue_->push_mass_cancel(member);
    return;
  }
  router_.mass_cancel(member);
}

void OrderEntry::on_message(engine::MemberId member, std::uint64_t seq, const fix::MessageView& m) {
  const Context ctx{member, seq, m.msg_type()};
  if (!options_.members[member].drop_copy_for.empty()) {
    // A drop-copy session only receives; it has no requests waiting, so
    // answering at once keeps its answers in order.
    answers_.business_reject(member, seq, ctx.msg_type, fix::BusinessRejectReason::NotAuthorized,
                             kDropCopyText);
    return;
  }
  if (waiting_count() > 0) {
    // Behind requests waiting for Redis: a new order that only needs the
    // store's answer is handed to Redis now (pipelined); anything else waits
    // for its turn, so that answers keep the order of requests.
    if (ctx.msg_type == fix::msg_type::NewOrderSingle && new_order(ctx, m, false)) return;
    defer(ctx, m);
    return;
  }
  dispatch(ctx, m);
}

void OrderEntry::dispatch(const Context& ctx, const fix::MessageView& m) {
  const std::string_view t = ctx.msg_type;
  if (t == fix::msg_type::NewOrderSingle) {
    new_order(ctx, m, true);
  } else if (t == fix::msg_type::OrderCancelRequest) {
    cancel_or_replace(ctx, m, false);
  } else if (t == fix::msg_type::OrderCancelReplaceRequest) {
    cancel_or_replace(ctx, m, true);
  } else if (t == fix::msg_type::OrderStatusRequest) {
    status(ctx, m);
  } else if (t == fix::msg_type::OrderMassCancelRequest) {
    mass_cancel_request(ctx, m);
  } else if (t == fix::msg_type::RequestForPositions) {
    position_request(ctx, m);
  } else {
    answers_.business_reject(ctx.member, ctx.seq, t,
                             fix::BusinessRejectReason::UnsupportedMessageType,
                             "Unsupported Message Type");
  }
}

void OrderEntry::answer_problem(const Context& ctx, const fix::MessageView& m,
                                const MessageProblem& p, const RequestIds& ids) {
  if (p.answer == MessageProblem::Answer::OrderReject) {
    reject_new(ctx, m, ids, p.ord_rej_reason, p.text);
    return;
  }
  metrics_.rejected_at_gateway.inc();
  answers_.session_reject(ctx.member, ctx.seq, ctx.msg_type, p.tag, p.reason, p.text);
}

void OrderEntry::reject_new(const Context& ctx, const fix::MessageView& m, const RequestIds& ids,
                            fix::OrdRejReason reason, std::string_view text) {
  metrics_.rejected_at_gateway.inc();
  ReportFacts f;
  f.exec_type = fix::ExecType::Rejected;
  f.has_rej_reason = true;
  f.rej_reason = reason;
  f.text = text;
  answers_.report_without_order(ctx.member, m, ids, fix::OrdStatus::Rejected, f);
}

bool OrderEntry::new_order(const Context& ctx, const fix::MessageView& m, bool may_answer) {
  // may_answer false: the message arrived behind requests waiting for Redis.
  // It is handed to Redis now only if it needs nothing but the store's
  // answer; anything answered at once returns false and waits its turn.
  const NewOrderRequest r = read_new_order(m, options_.members[ctx.member], symbols_);
  const RequestIds ids{m.get(fix::tag::ClOrdID)};
  if (!r.problem.ok()) {
    if (!may_answer) return false;
    metrics_.new_orders.inc();
    answer_problem(ctx, m, r.problem, ids);
    return true;
  }
  // ClOrdID dedup (docs/DEDUP.md): one rule for every request. A ClOrdID
  // whose record is still held (open, or younger than the TTL) is answered
  // from that record; otherwise the store decides (SET NX); a key without a
  // record is an order this gateway does not track.
  const std::uint32_t held = records_.find(ctx.member, r.cl_ord_id);
  if (held != kNoSlot) {
    if (holds_key(records_[held])) {
      if (!may_answer) return false;
      metrics_.new_orders.inc();
      answer_repeated_new(ctx, m, ids, held, records_[held].fingerprint == r.fingerprint);
      return true;
    }
    records_.forget(held);
  }
  // Pre-trade risk (docs/RISK.md), after a repeat was recognised and before
  // the ClOrdID is taken: a refused order leaves its ClOrdID free.
  if (!may_answer && !passes_quietly(ctx.member, r)) return false;
  if (may_answer && refuse_new(ctx, m, ids, r)) {
    metrics_.new_orders.inc();
    return true;
  }
  const std::uint32_t next = records_.next_slot();
  if (redis_) {
    // Redis holds new orders' keys; a ClOrdID a cancel or replace took here
    // is in the local store.
    const dedup::DedupEntry* e = keys_->find(ctx.member, r.cl_ord_id, clock_.wall_ns);
    if (e != nullptr || next == kNoSlot) {
      if (!may_answer) return false;
      metrics_.new_orders.inc();
      if (e != nullptr) {
        answer_repeated_new(ctx, m, ids, kNoSlot, e->fingerprint == r.fingerprint);
      } else {
        reject_new(ctx, m, ids, fix::OrdRejReason::Other, kCapacityText);
      }
      return true;
    }
    metrics_.new_orders.inc();
    create_order(ctx, r);
    return true;
  }
  metrics_.new_orders.inc();
  if (keys_ && answer_if_taken(ctx, m, r, next)) return true;
  if (next == kNoSlot) {
    reject_new(ctx, m, ids, fix::OrdRejReason::Other, kCapacityText);
    return true;
  }
  create_order(ctx, r);
  return true;
}

bool OrderEntry::answer_if_taken(const Context& ctx, const fix::MessageView& m,
                                 const NewOrderRequest& r, std::uint32_t next) {
  const RequestIds ids{r.cl_ord_id};
  if (next == kNoSlot) {
    // Full of open orders; a repeat is still recognised.
    const dedup::DedupEntry* e = keys_->find(ctx.member, r.cl_ord_id, clock_.wall_ns);
    if (e == nullptr) return false;
    answer_repeated_new(ctx, m, ids, kNoSlot, e->fingerprint == r.fingerprint);
    return true;
  }
  const dedup::SetResult set = keys_->set_nx(ctx.member, r.cl_ord_id, make_ref(net_index_, next),
                                             r.fingerprint, clock_.wall_ns);
  if (set.status == dedup::SetStatus::Exists) {
    answer_repeated_new(ctx, m, ids, kNoSlot, set.entry.fingerprint == r.fingerprint);
    return true;
  }
  if (set.status == dedup::SetStatus::Full) {
    metrics_.dedup_refused.inc();
    reject_new(ctx, m, ids, fix::OrdRejReason::Other, kStoreFullText);
    return true;
  }
  return false;
}

void OrderEntry::create_order(const Context& ctx, const NewOrderRequest& q) {
  const std::uint32_t slot = records_.create(ctx.member, q.cl_ord_id, RecordKind::Order);
  OrderRecord& r = records_[slot];
  r.fingerprint = q.fingerprint;
  r.created_ns = clock_.wall_ns;
  r.side = q.side;
  r.type = q.type;
  r.tif = q.tif;
  r.instrument = q.instrument;
  r.account = q.account;
  r.price = q.type == engine::OrdType::Limit ? q.price : 0;
  r.qty = q.qty;
  hold_new(r);
  if (redis_) {
    // The record is reserved (it keeps the ClOrdID from being taken again
    // meanwhile); the order goes to its shard once Redis has said Created.
    wait_for_redis(ctx, slot);
    return;
  }
  push_new(slot, ctx.seq);
}

void OrderEntry::push_new(std::uint32_t slot, std::uint64_t in_seq) {
  const OrderRecord& r = records_[slot];
  ShardRequest q;
  q.kind = RequestKind::New;
  q.side = r.side;
  q.type = r.type;
  q.tif = r.tif;
  q.member = r.member;
  q.account = r.account;
  q.price = r.price;
  q.qty = r.qty;
  push(slot, q, in_seq);
}

void OrderEntry::push(std::uint32_t slot, ShardRequest q, std::uint64_t in_seq) {
  const OrderRecord& r = records_[slot];
  const InstrumentRoute& route = options_.instruments[r.instrument];
  q.instrument = route.local_id;
  q.ref = make_ref(net_index_, slot);
  records::OrderRequestRecord rec;
  rec.request = q;
  rec.shard = route.shard;
  rec.gateway_instrument = r.instrument;
  rec.orig_named = r.orig_named;
  MATCHGATE_ASSERT(records::record_kind_of(q.kind) == r.kind,
                   "a request whose kind does not say what its record is");
  rec.in_seq = in_seq;
  rec.fingerprint = r.fingerprint;
  rec.cl_ord_id = r.cl_ord_id_view();
  router_.push(rec);
}

void OrderEntry::answer_repeated_new(const Context& ctx, const fix::MessageView& m,
                                     const RequestIds& ids, std::uint32_t slot, bool same) {
  if (!same) {
    metrics_.dedup_duplicates.inc();
    reject_new(ctx, m, ids, fix::OrdRejReason::DuplicateOrder, "duplicate ClOrdID");
    return;
  }
  metrics_.dedup_repeats.inc();
  if (slot == kNoSlot) {
    reject_new(ctx, m, ids, fix::OrdRejReason::DuplicateOrder, kUntrackedRepeatText);
    return;
  }
  // Not a reject: the request made an order (or a replace made it), whose
  // current state answers it, under the retry's own ClOrdID.
  answers_.report(records_[latest(slot)], ids, ReportFacts{});
}

std::uint32_t OrderEntry::latest(std::uint32_t slot) const noexcept {
  while (slot != kNoSlot && records_[slot].superseded_by != kNoSlot) {
    slot = records_[slot].superseded_by;
  }
  return slot;
}

std::uint32_t OrderEntry::find_order(engine::MemberId member,
                                     std::string_view cl_ord_id) const noexcept {
  const std::uint32_t slot = records_.find(member, cl_ord_id);
  if (slot == kNoSlot) return kNoSlot;
  const OrderRecord& r = records_[slot];
  if (r.kind == RecordKind::Order) return latest(slot);
  // A cancel or replace request: the order it acted on.
  if (r.orig == kNoSlot) return kNoSlot;
  const std::uint32_t order = latest(r.orig);
  return records_[order].kind == RecordKind::Order ? order : kNoSlot;
}

bool OrderEntry::mine(RecordRef ref) const noexcept {
  return ref != kNoRecord && net_thread_of(ref) == net_index_ && slot_of(ref) < records_.capacity();
}

}  // namespace matchgate::gateway
