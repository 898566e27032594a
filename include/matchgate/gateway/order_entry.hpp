#pragma once
// Order entry of a network thread: decisions only. NewOrderSingle, cancel,
// cancel/replace and status requests (read by order_messages.hpp) are
// checked against the thread's order records and the ClOrdID store
// (docs/DEDUP.md) and either become shard requests (through the
// ShardRouter) or are answered at once (through Answers); shard replies
// update the records and become ExecutionReports and OrderCancelRejects.
// It talks to nothing else: no sockets, no sessions, no log, so a test
// drives it in-process with real rings and a recording session sink.
// docs/FIX.md is the member-facing description of every answer.
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "matchgate/dedup/embedded_store.hpp"
#include "matchgate/dedup/redis_store.hpp"
#include "matchgate/fix/message.hpp"
#include "matchgate/gateway/answers.hpp"
#include "matchgate/gateway/gateway_metrics.hpp"
#include "matchgate/gateway/network_options.hpp"
#include "matchgate/gateway/order_messages.hpp"
#include "matchgate/gateway/order_records.hpp"
#include "matchgate/gateway/redis_queue.hpp"
#include "matchgate/gateway/shard_messages.hpp"
#include "matchgate/gateway/shard_router.hpp"
#include "matchgate/gateway/trade_book.hpp"
#include "matchgate/records/order_request.hpp"
#include "matchgate/risk/pre_trade_risk.hpp"
#include "matchgate/risk/trading_controls.hpp"
#include "matchgate/util/byte_io.hpp"
#include "matchgate/util/clock.hpp"

namespace matchgate::gateway {

// The pre-trade risk of `options`' members and instruments, from their limits.
risk::PreTradeRisk make_pre_trade_risk(const NetworkOptions& options);

class OrderEntry {
 public:
  // `controls` says who may trade what (kill, halt, stop, session phase);
  // its owner changes it only between messages.
  OrderEntry(std::uint32_t net_index, const NetworkOptions& options, Answers& answers,
             ShardRouter& router, const util::ThreadClock& clock,
             const risk::TradingControls& controls, OrderEntryMetrics metrics = {},
             dedup::RedisMetrics redis_metrics = {});

  // True when one more member message can be taken: checked before a
  // message is consumed, so a full ring stops reading instead of dropping.
  bool has_room() const noexcept;
  // An application message of a logged-on member, in sequence.
  void on_message(engine::MemberId member, std::uint64_t seq, const fix::MessageView& m);
  void on_reply(const ShardReply& reply);
  // Cancel every resting order of the member (cancel on disconnect), after
  // its requests still waiting for Redis.
  void mass_cancel(engine::MemberId member);
  // Redis answers, requests waiting for them, mass cancels waiting for room.
  int poll();
  bool has_pending() const noexcept;
  // Removes expired ClOrdID keys (and keeps Redis connected); regularly.
  void expire_keys();
  std::size_t waiting_count() const noexcept { return redis_queue_ ? redis_queue_->size() : 0; }

  // Recovery (before the thread runs): rebuilds the record a logged request
  // created, as it was made when the request arrived; its ClOrdID key
  // expires at time_ns + ttl.
  void begin_replay() {
    records_.begin_restore();
    trades_.begin_replay();
  }
  void replay_request(const records::OrderRequestRecord& r, std::int64_t time_ns);
  void end_replay() {
    records_.end_restore();
    trades_.end_replay();
  }
  // Snapshot: the order records, the risk state (limits set at runtime,
  // positions; holds come back with the records), the clearing ledger, then
  // the in-process ClOrdID keys (u8 present, then u64 count and per key u32
  // member, ClOrdID, u64 order_ref, u64 fingerprint, i64 expires_ns). load() between
  // begin_replay() and the first replay_request(); it drops keys expired by
  // now.
  void save(util::ByteWriter& out) const;
  void load(util::ByteReader& in);

  const OrderRecordTable& records() const noexcept { return records_; }
  // Pre-trade risk of this thread's members (docs/RISK.md).
  const risk::PreTradeRisk& risk() const noexcept { return risk_; }
  risk::PreTradeRisk& risk() noexcept { return risk_; }
  // Trade records, fees and the clearing ledger (docs/CLEARING.md).
  const TradeBook& trade_book() const noexcept { return trades_; }
  TradeBook& trade_book() noexcept { return trades_; }
  // An operator's bust or correction of a trade (order_entry_adjust.cpp),
  // a Trade record of action bust or correction, live and in replay alike:
  // books it in the clearing ledger and moves both members' pre-trade risk
  // positions (a bust takes the fill back, a correction adds the new one),
  // so credit in use follows. False, changing nothing, when the ledger
  // refuses it (docs/CLEARING.md).
  bool apply_adjustment(const records::TradeRecord& r);
  // Live only, once `busted` (and `corrected`, a correction, or null) are
  // logged and applied: tells both members with an ExecutionReport,
  // ExecType H (bust) or G (correction), logged verbatim (docs/FIX.md).
  void report_adjustment(const records::TradeRecord& busted, const records::TradeRecord* corrected);
  // Credit in use and open orders of `member` counted again from the open
  // order records and the positions (tests and `status` compare it with
  // the running figures).
  risk::MemberRisk recount_risk(engine::MemberId member) const;
  // The member's open orders (of one instrument, or all with kNoInstrument)
  // a mass cancel pushed now will find (order_entry_mass_cancel.cpp).
  std::uint32_t count_open_orders(engine::MemberId member, std::uint32_t instrument) const noexcept;
  const OrderEntryMetrics& metrics() const noexcept { return metrics_; }
  const dedup::EmbeddedStore* keys() const noexcept { return keys_.get(); }
  const dedup::RedisStore* redis() const noexcept { return redis_.get(); }

 private:
  struct Context {  // the inbound message being answered
    engine::MemberId member;
    std::uint64_t seq;
    std::string_view msg_type;
  };
  void dispatch(const Context& ctx, const fix::MessageView& m);
  // Returns false only when !may_answer and the message must wait its turn
  // behind requests waiting for Redis.
  bool new_order(const Context& ctx, const fix::MessageView& m, bool may_answer);
  // The dedup decision for a well formed new order: true when answered.
  bool answer_if_taken(const Context& ctx, const fix::MessageView& m, const NewOrderRequest& r,
                       std::uint32_t next);
  void create_order(const Context& ctx, const NewOrderRequest& r);
  void push_new(std::uint32_t slot, std::uint64_t in_seq);
  // Hands `q`, the request of record `slot`, to the shard of the record's
  // instrument, logged with what recovery needs to rebuild the record.
  void push(std::uint32_t slot, ShardRequest q, std::uint64_t in_seq);
  void cancel_or_replace(const Context& ctx, const fix::MessageView& m, bool replace);
  bool refuse_cancel(const Context& ctx, const fix::MessageView& m, const CancelRequest& q,
                     const OrderRecord* order);
  void push_cancel(const Context& ctx, const CancelRequest& q, std::uint32_t target,
                   std::uint32_t named);
  void status(const Context& ctx, const fix::MessageView& m);
  // RequestForPositions (order_entry_positions.cpp).
  void position_request(const Context& ctx, const fix::MessageView& m);
  std::vector<PositionFacts> positions_of(engine::MemberId member, const PositionRequest& r,
                                          std::int32_t date) const;
  // OrderMassCancelRequest (order_entry_mass_cancel.cpp).
  void mass_cancel_request(const Context& ctx, const fix::MessageView& m);
  void answer_problem(const Context& ctx, const fix::MessageView& m, const MessageProblem& p,
                      const RequestIds& ids);
  // A new order the gateway refuses itself: ExecutionReport 150=8 from the
  // message's fields.
  void reject_new(const Context& ctx, const fix::MessageView& m, const RequestIds& ids,
                  fix::OrdRejReason reason, std::string_view text);

  // Pre-trade risk (order_entry_risk.cpp). refuse_* answer and return true
  // when the controls or a limit refuse the request.
  bool refuse_new(const Context& ctx, const fix::MessageView& m, const RequestIds& ids,
                  const NewOrderRequest& r);
  bool refuse_replace(const Context& ctx, const CancelRequest& q, const OrderRecord& order);
  // Behind requests waiting for Redis: true when the order passes (its
  // message token taken); false when it must wait its turn to be refused
  // with an answer.
  bool passes_quietly(engine::MemberId member, const NewOrderRequest& r);
  // What an order record holds now: leaves x its risk price.
  risk::Notional order_hold(const OrderRecord& r) const noexcept;
  // What a replace of `order` to (price, qty) holds beyond what the order
  // holds now (never below zero).
  risk::Notional replace_reservation(const OrderRecord& order, engine::Price price,
                                     engine::Qty qty) const noexcept;
  void set_hold(OrderRecord& r, risk::Notional to) noexcept;
  // A new order's record starts holding (live and in replay).
  void hold_new(OrderRecord& r) noexcept;
  // An order record is done: it holds nothing and is no longer open.
  void close_hold(OrderRecord& r) noexcept;
  void rebuild_risk_from_records() noexcept;

  // ClOrdID dedup. A record still holds its ClOrdID's key while it is open
  // or younger than the TTL.
  bool holds_key(const OrderRecord& r) const noexcept;
  void answer_repeated_new(const Context& ctx, const fix::MessageView& m, const RequestIds& ids,
                           std::uint32_t slot, bool same);
  void answer_repeated_cancel(const Context& ctx, const CancelRequest& q, const OrderRecord* order,
                              std::uint32_t slot, bool same);
  void restore_key(const records::OrderRequestRecord& rec, std::int64_t time_ns);
  void count_restore(dedup::RestoreStatus restored) noexcept;

  // Engine events.
  void on_accepted(const engine::Event& e);
  void on_trade(const engine::Event& e);
  void on_canceled(const ShardReply& reply);
  void on_replaced(const engine::Event& e);
  void on_rejected(const engine::Event& e);
  bool mine(RecordRef ref) const noexcept;
  // The latest order record of engine order `order_id` of `member`, or
  // null when recycled (a scan: operator commands only).
  const OrderRecord* find_order_by_id(engine::MemberId member,
                                      engine::OrderId order_id) const noexcept;
  void report_adjustment_to(const records::TradeRecord& busted,
                            const records::TradeRecord* corrected, bool buyer);

  // The order record a ClOrdID of the member names: the order's latest
  // record, whichever ClOrdID of its chain (the original, a replacement,
  // a cancel or replace request acting on it) it is; kNoSlot for none.
  std::uint32_t find_order(engine::MemberId member, std::string_view cl_ord_id) const noexcept;
  std::uint32_t latest(std::uint32_t slot) const noexcept;
  // A cancel or replace request's record takes the order it acts on.
  void refer_to(OrderRecord& request, std::uint32_t target, std::uint32_t named) noexcept;
  // The identifiers of a request record's ClOrdID and the OrigClOrdID it named.
  RequestIds ids_of_request(const OrderRecord& request) const noexcept;

  // Redis backend (order_entry_redis.cpp).
  void defer(const Context& ctx, const fix::MessageView& m);
  void wait_for_redis(const Context& ctx, std::uint32_t slot);
  int poll_redis();
  int drain_redis_queue();
  void complete_new(const RedisQueue::Entry& w);
  void reject_reserved(const RedisQueue::Entry& w, fix::OrdRejReason reason, std::string_view text);
  void log_redis_state() noexcept;

  std::uint32_t net_index_;
  const NetworkOptions& options_;
  Answers& answers_;
  ShardRouter& router_;
  const util::ThreadClock& clock_;
  const risk::TradingControls& controls_;
  SymbolIndex symbols_;
  OrderRecordTable records_;
  OrderEntryMetrics metrics_;
  risk::PreTradeRisk risk_;
  TradeBook trades_;
  // The in-process ClOrdID store (every key with the embedded backend,
  // cancel/replace keys with Redis); null with backend "off".
  std::unique_ptr<dedup::EmbeddedStore> keys_;
  std::int64_t ttl_ns_ = 0;
  std::unique_ptr<dedup::RedisStore> redis_;
  std::unique_ptr<RedisQueue> redis_queue_;
  fix::MessageView waiting_view_;
  dedup::RedisState redis_logged_state_ = dedup::RedisState::Disconnected;
  bool redis_ever_connected_ = false;
  bool redis_first_failure_logged_ = false;
};

}  // namespace matchgate::gateway
