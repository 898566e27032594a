#pragma once
// The matching engine of one shard: the books of its instruments, one order
// pool and one order-id index. Deterministic and free of I/O: the same
// commands always produce the same events and the same state_hash().
// Rules and event sequences: docs/ENGINE.md.
#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <span>
#include <vector>

#include "matchgate/engine/commands.hpp"
#include "matchgate/engine/event.hpp"
#include "matchgate/engine/instrument.hpp"
#include "matchgate/engine/order_book.hpp"
#include "matchgate/engine/order_id_map.hpp"
#include "matchgate/engine/order_pool.hpp"

namespace matchgate::engine {

// Receives the events of one call. It is a template parameter of each call,
// so there is no virtual dispatch per order, and the same engine can be
// driven by a replay listener during recovery and a live one afterwards.
// A listener must not call back into the engine.
template <class L>
concept EventListener = requires(L& l, const Event& e) {
  l.on_event(e);
};

struct EngineOptions {
  std::uint32_t max_orders = 1U << 20;          // live (resting) orders; more are rejected
  OrderId id_base = 0;                          // order and exec ids start at id_base + 1
  std::pmr::memory_resource* memory = nullptr;  // nullptr: the default resource
};

// An engine snapshot starts with these (docs/SNAPSHOT.md, "Engine state").
inline constexpr std::uint32_t kSnapshotMagic = 0x5345474d;  // "MGES" as stored
inline constexpr std::uint32_t kSnapshotVersion = 1;

struct LevelView {
  Price price = 0;
  Qty qty = 0;
  std::uint32_t orders = 0;
  bool operator==(const LevelView&) const = default;
};

class Engine {
 public:
  Engine(std::vector<InstrumentSpec> instruments, std::vector<MemberSpec> members,
         EngineOptions options = {});
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  template <EventListener L>
  void submit(const NewOrder& cmd, L& listener);
  template <EventListener L>
  void cancel(const CancelOrder& cmd, L& listener);
  template <EventListener L>
  void replace(const ReplaceOrder& cmd, L& listener);
  template <EventListener L>
  void mass_cancel(MemberId member, L& listener);
  // The member's live orders in one instrument only; an unknown instrument
  // cancels nothing.
  template <EventListener L>
  void mass_cancel(MemberId member, InstrumentId instrument, L& listener);
  template <EventListener L>
  void expire_day_orders(L& listener);

  std::uint64_t state_hash() const;

  // Snapshots, for recovery to start from instead of the log's first record.
  // Byte layout: docs/SNAPSHOT.md, "Engine state". Neither is for the order
  // path: both walk every resting order.
  //
  // Appends everything that decides future events and state_hash(): the id
  // counters, every resting order in priority order, and digests of the
  // instruments and members so that another configuration is refused.
  void save_snapshot(std::vector<std::byte>& out) const;
  // Rebuilds the saved state in a freshly constructed engine with the same
  // instruments, members and id_base (max_orders may differ if the orders
  // fit). Reads one snapshot from the front of `in` and returns its size in
  // bytes; whatever follows it is left alone. Throws std::runtime_error on a
  // truncated or malformed snapshot, an unknown version, a configuration
  // mismatch, more orders than max_orders, or when this engine has already
  // handed out an order or exec id; the engine is then as it was before.
  std::size_t load_snapshot(std::span<const std::byte> in);

  // Queries, not for the hot path.
  std::optional<OrderView> find(OrderId id) const;
  std::optional<InstrumentId> find_instrument_of(OrderId id) const;
  std::vector<LevelView> depth(InstrumentId instrument, Side side) const;   // best first
  std::vector<OrderView> orders(InstrumentId instrument, Side side) const;  // priority order
  std::size_t live_orders() const noexcept { return pool_.in_use(); }
  OrderId next_order_id() const noexcept { return next_order_id_; }
  ExecId next_exec_id() const noexcept { return next_exec_id_; }
  std::size_t instrument_count() const noexcept { return books_.size(); }
  const InstrumentSpec& instrument(InstrumentId id) const { return books_[id].spec; }
  std::size_t member_count() const noexcept { return members_.size(); }

 private:
  RejectReason check_new(const NewOrder& cmd) const noexcept;
  static RejectReason check_price(const OrderBook& book, Price price) noexcept {
    if (price <= 0 || price > kMaxPrice) return RejectReason::InvalidPrice;
    if (!book.tick.divides(price)) return RejectReason::PriceOffTick;
    if (price < book.spec.band_low || price > book.spec.band_high) {
      return RejectReason::PriceOutsideBand;
    }
    return RejectReason::None;
  }
  static RejectReason check_qty(const OrderBook& book, Qty qty) noexcept {
    if (qty <= 0 || !book.lot.divides(qty)) return RejectReason::InvalidQuantity;
    if (qty > book.spec.max_qty) return RejectReason::QuantityAboveMax;
    return RejectReason::None;
  }
  // Resolves a cancel/replace target; kNil with `reason` set when rejected.
  std::uint32_t target_of(MemberId member, OrderId id, RejectReason& reason) const noexcept;
  bool fok_can_fill(const OrderBook& book, const Order& taker) const noexcept;
  static bool crosses(const OrderBook& book, const Order& taker, Price level_price) noexcept {
    if (taker.type == OrdType::Market) {
      return taker.side == Side::Buy ? level_price <= book.spec.band_high
                                     : level_price >= book.spec.band_low;
    }
    return taker.side == Side::Buy ? level_price <= taker.price : level_price >= taker.price;
  }

  template <EventListener L>
  void emit(L& listener, Event& event) {
    event.exec_id = next_exec_id_++;
    listener.on_event(event);
  }
  template <EventListener L>
  void emit_order(L& listener, EventType type, const Order& order,
                  CancelReason why = CancelReason::None);
  template <EventListener L>
  void reject_request(L& listener, MemberId member, OrderId id, std::uint64_t client_ref,
                      std::uint32_t slot, RejectReason reason);
  // Matches `slot` against the opposite side. Returns false when STP canceled
  // the incoming order (it is then finished and must not rest).
  template <EventListener L>
  bool match(OrderBook& book, std::uint32_t slot, L& listener);
  // Leaves > 0 after matching: rest it or cancel the remainder.
  template <EventListener L>
  void finish_incoming(OrderBook& book, std::uint32_t slot, bool alive, L& listener);
  // Visits every live order in canonical order (docs/ENGINE.md), removing
  // those `pick` selects with an event of `type`.
  template <class Pick, EventListener L>
  void sweep(Pick pick, EventType type, CancelReason why, L& listener);
  // The same over one book.
  template <class Pick, EventListener L>
  void sweep_book(OrderBook& book, Pick pick, EventType type, CancelReason why, L& listener);

  void release(std::uint32_t slot) noexcept { pool_.release(slot); }

  // The body of load_snapshot; may leave a partial state behind when it throws.
  std::size_t restore(std::span<const std::byte> in);
  // Back to the state of a newly constructed engine.
  void clear_state() noexcept;

  std::vector<MemberSpec> members_;
  std::pmr::memory_resource* memory_;
  OrderPool pool_;
  OrderIdMap ids_;
  std::vector<OrderBook> books_;
  OrderId id_base_;
  OrderId next_order_id_;
  ExecId next_exec_id_;
};

// ---------------------------------------------------------------------------
// Hot-path templates.

template <EventListener L>
void Engine::emit_order(L& listener, EventType type, const Order& order, CancelReason why) {
  Event e;
  e.type = type;
  e.cancel_reason = why;
  e.instrument = order.instrument;
  e.order = order.view();
  emit(listener, e);
}

template <EventListener L>
void Engine::reject_request(L& listener, MemberId member, OrderId id, std::uint64_t client_ref,
                            std::uint32_t slot, RejectReason reason) {
  Event e;
  e.type = EventType::Rejected;
  e.reject_reason = reason;
  if (slot != kNil) {
    e.instrument = pool_[slot].instrument;
    e.order = pool_[slot].view();
  }
  e.order.id = id;
  e.order.client_ref = client_ref;
  e.order.member = member;
  emit(listener, e);
}

template <EventListener L>
void Engine::submit(const NewOrder& cmd, L& listener) {
  const RejectReason reason = check_new(cmd);
  if (reason != RejectReason::None) {
    Event e;
    e.type = EventType::Rejected;
    e.reject_reason = reason;
    e.instrument = cmd.instrument;
    e.order = OrderView{kNoOrder, cmd.client_ref, cmd.member, cmd.account, cmd.side,
                        cmd.type, cmd.tif,        cmd.price,  cmd.qty,     0};
    emit(listener, e);
    return;
  }
  const std::uint32_t slot = pool_.acquire();  // check_new saw room
  Order& o = pool_[slot];
  o.id = next_order_id_++;
  o.client_ref = cmd.client_ref;
  o.price = cmd.type == OrdType::Market ? 0 : cmd.price;
  o.qty = cmd.qty;
  o.filled = 0;
  o.member = cmd.member;
  o.account = cmd.account;
  o.instrument = cmd.instrument;
  o.side = cmd.side;
  o.type = cmd.type;
  o.tif = cmd.tif;
  emit_order(listener, EventType::Accepted, o);

  OrderBook& book = books_[cmd.instrument];
  if (o.tif == TimeInForce::Fok && !fok_can_fill(book, o)) {
    emit_order(listener, EventType::Canceled, o, CancelReason::Unfilled);
    release(slot);
    return;
  }
  const bool alive = match(book, slot, listener);
  finish_incoming(book, slot, alive, listener);
}

template <EventListener L>
void Engine::finish_incoming(OrderBook& book, std::uint32_t slot, bool alive, L& listener) {
  Order& o = pool_[slot];
  if (!alive || o.leaves() == 0) {
    release(slot);
    return;
  }
  if (o.type == OrdType::Market || o.tif == TimeInForce::Ioc || o.tif == TimeInForce::Fok) {
    emit_order(listener, EventType::Canceled, o, CancelReason::Unfilled);
    release(slot);
    return;
  }
  ids_.insert(o.id, slot);
  book.side(o.side).add(pool_, slot);
}

template <EventListener L>
bool Engine::match(OrderBook& book, std::uint32_t slot, L& listener) {
  Order& taker = pool_[slot];
  BookSide& resting = book.side(opposite(taker.side));
  const StpMode stp = members_[taker.member].stp;
  while (taker.leaves() > 0 && !resting.empty()) {
    PriceLevel& level = resting.best();
    if (!crosses(book, taker, level.price)) break;
    std::uint32_t m = level.head;
    while (m != kNil && taker.leaves() > 0) {
      Order& maker = pool_[m];
      const std::uint32_t next = pool_.link(m).next;
      if (stp != StpMode::None && maker.member == taker.member) {
        if (stp != StpMode::CancelIncoming) {
          level.total -= maker.leaves();
          level.unlink(pool_, m);
          ids_.erase(maker.id);
          emit_order(listener, EventType::Canceled, maker, CancelReason::SelfTradeResting);
          release(m);
        }
        if (stp != StpMode::CancelResting) {
          if (level.count == 0) resting.pop_best();
          emit_order(listener, EventType::Canceled, taker, CancelReason::SelfTradeIncoming);
          return false;
        }
        m = next;
        continue;
      }
      const Qty q = std::min(taker.leaves(), maker.leaves());
      taker.filled += q;
      maker.filled += q;
      level.total -= q;
      Event e;
      e.type = EventType::Trade;
      e.instrument = taker.instrument;
      e.order = taker.view();
      e.maker = maker.view();
      e.trade_price = level.price;
      e.trade_qty = q;
      emit(listener, e);
      if (maker.leaves() == 0) {
        level.unlink(pool_, m);
        ids_.erase(maker.id);
        release(m);
      }
      m = next;
    }
    if (level.count == 0) resting.pop_best();
  }
  return true;
}

template <EventListener L>
void Engine::cancel(const CancelOrder& cmd, L& listener) {
  RejectReason reason = RejectReason::None;
  const std::uint32_t slot = target_of(cmd.member, cmd.order_id, reason);
  if (slot == kNil) {
    reject_request(listener, cmd.member, cmd.order_id, cmd.client_ref, kNil, reason);
    return;
  }
  Order& o = pool_[slot];
  books_[o.instrument].side(o.side).remove(pool_, slot);
  ids_.erase(o.id);
  emit_order(listener, EventType::Canceled, o, CancelReason::Requested);
  release(slot);
}

template <EventListener L>
void Engine::replace(const ReplaceOrder& cmd, L& listener) {
  RejectReason reason = RejectReason::None;
  const std::uint32_t slot = target_of(cmd.member, cmd.order_id, reason);
  if (slot == kNil) {
    reject_request(listener, cmd.member, cmd.order_id, cmd.client_ref, kNil, reason);
    return;
  }
  Order& o = pool_[slot];
  OrderBook& book = books_[o.instrument];
  reason = check_qty(book, cmd.qty);
  if (reason == RejectReason::None && cmd.qty <= o.filled)
    reason = RejectReason::ReplaceBelowFilled;
  if (reason == RejectReason::None) reason = check_price(book, cmd.price);
  if (reason != RejectReason::None) {
    reject_request(listener, cmd.member, cmd.order_id, cmd.client_ref, slot, reason);
    return;
  }
  BookSide& side = book.side(o.side);
  if (cmd.price == o.price && cmd.qty <= o.qty) {
    // Shrinking in place keeps time priority.
    side.level_at(o.price).total -= o.qty - cmd.qty;
    o.qty = cmd.qty;
    o.client_ref = cmd.client_ref;
    emit_order(listener, EventType::Replaced, o);
    return;
  }
  side.remove(pool_, slot);
  ids_.erase(o.id);
  o.price = cmd.price;
  o.qty = cmd.qty;
  o.client_ref = cmd.client_ref;
  emit_order(listener, EventType::Replaced, o);
  const bool alive = match(book, slot, listener);
  finish_incoming(book, slot, alive, listener);
}

template <class Pick, EventListener L>
void Engine::sweep(Pick pick, EventType type, CancelReason why, L& listener) {
  for (OrderBook& book : books_) sweep_book(book, pick, type, why, listener);
}

template <class Pick, EventListener L>
void Engine::sweep_book(OrderBook& book, Pick pick, EventType type, CancelReason why, L& listener) {
  for (BookSide* side : {&book.bids, &book.asks}) {
    for (std::size_t i = 0; i < side->level_count();) {
      PriceLevel& level = side->from_best(i);
      for (std::uint32_t m = level.head; m != kNil;) {
        Order& o = pool_[m];
        const std::uint32_t next = pool_.link(m).next;
        if (pick(o)) {
          level.total -= o.leaves();
          level.unlink(pool_, m);
          ids_.erase(o.id);
          emit_order(listener, type, o, why);
          release(m);
        }
        m = next;
      }
      if (level.count == 0) {
        side->remove_empty_from_best(i);
      } else {
        ++i;
      }
    }
  }
}

template <EventListener L>
void Engine::mass_cancel(MemberId member, L& listener) {
  sweep([member](const Order& o) { return o.member == member; }, EventType::Canceled,
        CancelReason::MassCancel, listener);
}

template <EventListener L>
void Engine::mass_cancel(MemberId member, InstrumentId instrument, L& listener) {
  if (instrument >= books_.size()) return;  // a request from a log of another configuration
  sweep_book(
      books_[instrument], [member](const Order& o) { return o.member == member; },
      EventType::Canceled, CancelReason::MassCancel, listener);
}

template <EventListener L>
void Engine::expire_day_orders(L& listener) {
  sweep([](const Order& o) { return o.tif == TimeInForce::Day; }, EventType::Expired,
        CancelReason::None, listener);
}

}  // namespace matchgate::engine
