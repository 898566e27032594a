#pragma once
// ReferenceEngine: a deliberately simple, independent implementation of the
// matching rules of docs/ENGINE.md, written for clarity rather than speed.
// It is the oracle of the differential test (tests/engine_diff/) and the
// baseline of the engine benchmark. Header-only; same public interface as
// matchgate::engine::Engine.
//
// State: per instrument, per side, std::map<Price, std::deque<RefOrder>>
// (one deque per price level, front = oldest), plus an unordered_map from
// order id to the order's location. Only live (resting) orders are stored;
// an id in [id_base + 1, next_order_id) that is not in the index is done.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "matchgate/engine/commands.hpp"
#include "matchgate/engine/engine.hpp"
#include "matchgate/engine/event.hpp"
#include "matchgate/engine/instrument.hpp"
#include "matchgate/engine/state_hash.hpp"
#include "matchgate/engine/types.hpp"

namespace matchgate::testing {

class ReferenceEngine {
 public:
  using Price = engine::Price;
  using Qty = engine::Qty;
  using OrderId = engine::OrderId;
  using ExecId = engine::ExecId;
  using MemberId = engine::MemberId;
  using InstrumentId = engine::InstrumentId;
  using Side = engine::Side;
  using OrderView = engine::OrderView;
  using Event = engine::Event;
  using EventType = engine::EventType;
  using RejectReason = engine::RejectReason;
  using CancelReason = engine::CancelReason;
  using StpMode = engine::StpMode;

  ReferenceEngine(std::vector<engine::InstrumentSpec> instruments,
                  std::vector<engine::MemberSpec> members, engine::EngineOptions options = {})
      : instruments_(std::move(instruments)),
        members_(std::move(members)),
        max_orders_(options.max_orders),
        id_base_(options.id_base),
        next_order_id_(options.id_base + 1),
        next_exec_id_(options.id_base + 1),
        books_(instruments_.size()) {}

  // ---- commands -----------------------------------------------------------

  template <class L>
  void submit(const engine::NewOrder& req, L& listener) {
    OrderView order;
    order.id = engine::kNoOrder;
    order.client_ref = req.client_ref;
    order.member = req.member;
    order.account = req.account;
    order.side = req.side;
    order.type = req.type;
    order.tif = req.tif;
    order.price = req.price;  // a rejected market order reports the price as given
    order.qty = req.qty;
    order.filled = 0;

    const RejectReason why = validate_new(req);
    if (why != RejectReason::None) {
      emit(listener, EventType::Rejected, req.instrument, order, why);
      return;
    }
    order.id = next_order_id_++;
    if (order.type == engine::OrdType::Market) order.price = 0;
    emit(listener, EventType::Accepted, req.instrument, order);

    if (order.tif == engine::TimeInForce::Fok && !fok_can_fill(req.instrument, order)) {
      emit(listener, EventType::Canceled, req.instrument, order, RejectReason::None,
           CancelReason::Unfilled);
      return;
    }
    match_and_rest(req.instrument, order, listener);
  }

  template <class L>
  void cancel(const engine::CancelOrder& req, L& listener) {
    const RejectReason why = check_ownership(req.member, req.order_id);
    if (why != RejectReason::None) {
      emit(listener, EventType::Rejected, 0,
           anonymous_view(req.order_id, req.client_ref, req.member), why);
      return;
    }
    const Location loc = index_.at(req.order_id);
    const OrderView gone = remove_live(req.order_id);
    emit(listener, EventType::Canceled, loc.instrument, gone, RejectReason::None,
         CancelReason::Requested);
  }

  template <class L>
  void replace(const engine::ReplaceOrder& req, L& listener) {
    RejectReason why = check_ownership(req.member, req.order_id);
    if (why != RejectReason::None) {
      emit(listener, EventType::Rejected, 0,
           anonymous_view(req.order_id, req.client_ref, req.member), why);
      return;
    }
    const Location loc = index_.at(req.order_id);
    RefOrder& cur = find_in_level(loc, req.order_id);
    const engine::InstrumentSpec& spec = instruments_[loc.instrument];

    if (req.qty <= 0 || req.qty % spec.lot != 0) {
      why = RejectReason::InvalidQuantity;
    } else if (req.qty > spec.max_qty) {
      why = RejectReason::QuantityAboveMax;
    } else if (req.qty <= cur.view.filled) {
      why = RejectReason::ReplaceBelowFilled;
    } else {
      why = check_limit_price(spec, req.price);
    }
    if (why != RejectReason::None) {
      OrderView shown = cur.view;  // live and the member's own: current state
      shown.client_ref = req.client_ref;
      emit(listener, EventType::Rejected, loc.instrument, shown, why);
      return;
    }

    if (req.price == cur.view.price && req.qty <= cur.view.qty) {
      // Keeps its place in the queue.
      cur.view.qty = req.qty;
      cur.view.client_ref = req.client_ref;
      emit(listener, EventType::Replaced, loc.instrument, cur.view);
      return;
    }
    // Loses priority: out of the book, then in again as an incoming order.
    OrderView order = remove_live(req.order_id);
    order.price = req.price;
    order.qty = req.qty;
    order.client_ref = req.client_ref;
    emit(listener, EventType::Replaced, loc.instrument, order);
    match_and_rest(loc.instrument, order, listener);
  }

  template <class L>
  void mass_cancel(MemberId member, L& listener) {
    const auto victims = collect_canonical([&](const OrderView& v) { return v.member == member; });
    for (const auto& [inst, id] : victims) {
      const OrderView gone = remove_live(id);
      emit(listener, EventType::Canceled, inst, gone, RejectReason::None, CancelReason::MassCancel);
    }
  }

  template <class L>
  void expire_day_orders(L& listener) {
    const auto victims =
        collect_canonical([](const OrderView& v) { return v.tif == engine::TimeInForce::Day; });
    for (const auto& [inst, id] : victims) {
      const OrderView gone = remove_live(id);
      emit(listener, EventType::Expired, inst, gone);
    }
  }

  // ---- queries --------------------------------------------------------------

  std::uint64_t state_hash() const {
    engine::StateHasher h;
    h.add(next_order_id_);
    h.add(next_exec_id_);
    for (const Book& book : books_) {
      for (Side side : {Side::Buy, Side::Sell}) {
        for_each_level_best_first(book.side(side), side, [&](Price, const Level& level) {
          for (const RefOrder& o : level) {
            const OrderView& v = o.view;
            h.add(v.id);
            h.add(v.client_ref);
            h.add(static_cast<std::uint64_t>(v.member));
            h.add(static_cast<std::uint64_t>(v.account));
            h.add(static_cast<std::uint64_t>(v.side));
            h.add(static_cast<std::uint64_t>(v.type));
            h.add(static_cast<std::uint64_t>(v.tif));
            h.add(static_cast<std::uint64_t>(v.price));
            h.add(static_cast<std::uint64_t>(v.qty));
            h.add(static_cast<std::uint64_t>(v.filled));
          }
        });
      }
    }
    return h.value();
  }

  // Live orders only; done and unknown ids give nullopt.
  std::optional<OrderView> find(OrderId id) const {
    auto it = index_.find(id);
    if (it == index_.end()) return std::nullopt;
    const Level& level = books_[it->second.instrument].side(it->second.side).at(it->second.price);
    for (const RefOrder& o : level) {
      if (o.view.id == id) return o.view;
    }
    return std::nullopt;  // unreachable if the index is consistent
  }

  // Levels best first; qty is the sum of the leaves of the level's orders.
  std::vector<engine::LevelView> depth(InstrumentId instrument, Side side) const {
    std::vector<engine::LevelView> out;
    if (instrument >= books_.size()) return out;
    for_each_level_best_first(
        books_[instrument].side(side), side, [&](Price price, const Level& level) {
          Qty total = 0;
          for (const RefOrder& o : level) total += o.view.leaves();
          out.push_back(engine::LevelView{price, total, static_cast<std::uint32_t>(level.size())});
        });
    return out;
  }

  std::size_t live_orders() const { return index_.size(); }

  // Extra (not part of the Engine interface): every live order of an
  // instrument side in canonical order, for structural checks in tests.
  std::vector<OrderView> orders(InstrumentId instrument, Side side) const {
    std::vector<OrderView> out;
    if (instrument >= books_.size()) return out;
    for_each_level_best_first(books_[instrument].side(side), side, [&](Price, const Level& level) {
      for (const RefOrder& o : level) out.push_back(o.view);
    });
    return out;
  }

  OrderId next_order_id() const { return next_order_id_; }
  ExecId next_exec_id() const { return next_exec_id_; }

 private:
  struct RefOrder {
    OrderView view;
  };
  using Level = std::deque<RefOrder>;
  using SideBook = std::map<Price, Level>;  // ascending; best bid is the last, best ask the first
  struct Book {
    SideBook buys, sells;
    SideBook& side(Side s) { return s == Side::Buy ? buys : sells; }
    const SideBook& side(Side s) const { return s == Side::Buy ? buys : sells; }
  };
  struct Location {
    InstrumentId instrument;
    Side side;
    Price price;
  };

  template <class F>
  static void for_each_level_best_first(const SideBook& sb, Side side, F&& f) {
    if (side == Side::Buy) {
      for (auto it = sb.rbegin(); it != sb.rend(); ++it) f(it->first, it->second);
    } else {
      for (auto it = sb.begin(); it != sb.end(); ++it) f(it->first, it->second);
    }
  }

  static SideBook::iterator best_level(SideBook& sb, Side side) {  // sb must not be empty
    return side == Side::Buy ? std::prev(sb.end()) : sb.begin();
  }

  // Does the opposite level at `level_price` cross the incoming order?
  bool crosses(InstrumentId instrument, const OrderView& order, Price level_price) const {
    if (order.type == engine::OrdType::Market) {
      const engine::InstrumentSpec& spec = instruments_[instrument];
      return level_price >= spec.band_low && level_price <= spec.band_high;
    }
    return order.side == Side::Buy ? level_price <= order.price : level_price >= order.price;
  }

  static RejectReason check_limit_price(const engine::InstrumentSpec& spec, Price price) {
    if (price <= 0 || price > engine::kMaxPrice) return RejectReason::InvalidPrice;
    if (price % spec.tick != 0) return RejectReason::PriceOffTick;
    if (price < spec.band_low || price > spec.band_high) return RejectReason::PriceOutsideBand;
    return RejectReason::None;
  }

  RejectReason validate_new(const engine::NewOrder& req) const {
    if (req.member >= members_.size()) return RejectReason::UnknownMember;
    if (req.instrument >= instruments_.size()) return RejectReason::UnknownInstrument;
    const engine::InstrumentSpec& spec = instruments_[req.instrument];
    if (req.qty <= 0 || req.qty % spec.lot != 0) return RejectReason::InvalidQuantity;
    if (req.qty > spec.max_qty) return RejectReason::QuantityAboveMax;
    if (req.type == engine::OrdType::Limit) {
      const RejectReason why = check_limit_price(spec, req.price);
      if (why != RejectReason::None) return why;
    }
    if (index_.size() >= max_orders_) return RejectReason::CapacityExceeded;
    return RejectReason::None;
  }

  RejectReason check_ownership(MemberId member, OrderId id) const {
    if (member >= members_.size()) return RejectReason::UnknownMember;
    if (id <= id_base_ || id >= next_order_id_) return RejectReason::UnknownOrder;
    auto it = index_.find(id);
    if (it == index_.end()) return RejectReason::OrderDone;
    if (find(id)->member != member) return RejectReason::NotOwner;
    return RejectReason::None;
  }

  static OrderView anonymous_view(OrderId id, std::uint64_t client_ref, MemberId member) {
    OrderView v;
    v.id = id;
    v.client_ref = client_ref;
    v.member = member;
    v.side = Side::Buy;
    v.type = engine::OrdType::Limit;
    v.tif = engine::TimeInForce::Day;
    v.price = 0;
    v.qty = 0;
    v.filled = 0;
    return v;
  }

  RefOrder& find_in_level(const Location& loc, OrderId id) {
    Level& level = books_[loc.instrument].side(loc.side).at(loc.price);
    for (RefOrder& o : level) {
      if (o.view.id == id) return o;
    }
    return level.front();  // unreachable if the index is consistent
  }

  // Takes a live order out of its level (dropping the level if it empties).
  OrderView remove_live(OrderId id) {
    const Location loc = index_.at(id);
    SideBook& sb = books_[loc.instrument].side(loc.side);
    auto lit = sb.find(loc.price);
    Level& level = lit->second;
    auto oit = std::find_if(level.begin(), level.end(),
                            [&](const RefOrder& o) { return o.view.id == id; });
    const OrderView view = oit->view;
    level.erase(oit);
    if (level.empty()) sb.erase(lit);
    index_.erase(id);
    return view;
  }

  // FOK pre-check (docs/ENGINE.md, "New order").
  bool fok_can_fill(InstrumentId instrument, const OrderView& order) const {
    const Side opp = engine::opposite(order.side);
    const StpMode stp = members_[order.member].stp;
    Qty sum = 0;
    bool ended = false;
    for_each_level_best_first(books_[instrument].side(opp), opp,
                              [&](Price price, const Level& level) {
                                if (ended) return;
                                if (!crosses(instrument, order, price)) {
                                  ended = true;
                                  return;
                                }
                                for (const RefOrder& o : level) {
                                  if (o.view.member == order.member && stp != StpMode::None) {
                                    if (stp == StpMode::CancelResting)
                                      continue;    // skipped, adds nothing
                                    ended = true;  // CancelIncoming / CancelBoth end the walk
                                    return;
                                  }
                                  sum += o.view.leaves();
                                  if (sum >= order.qty) {
                                    ended = true;
                                    return;
                                  }
                                }
                              });
    return sum >= order.qty;
  }

  // Matching of an incoming (new or re-priced) order, then the remainder rule.
  template <class L>
  void match_and_rest(InstrumentId instrument, OrderView order, L& listener) {
    const Side opp = engine::opposite(order.side);
    const StpMode stp = members_[order.member].stp;
    SideBook& book = books_[instrument].side(opp);
    while (order.leaves() > 0 && !book.empty()) {
      auto lit = best_level(book, opp);
      const Price level_price = lit->first;
      if (!crosses(instrument, order, level_price)) break;
      Level& level = lit->second;
      while (order.leaves() > 0 && !level.empty()) {
        RefOrder& maker = level.front();
        if (maker.view.member == order.member && stp != StpMode::None) {
          if (stp == StpMode::CancelResting || stp == StpMode::CancelBoth) {
            const OrderView gone = maker.view;
            level.pop_front();
            index_.erase(gone.id);
            emit(listener, EventType::Canceled, instrument, gone, RejectReason::None,
                 CancelReason::SelfTradeResting);
          }
          if (stp == StpMode::CancelIncoming || stp == StpMode::CancelBoth) {
            if (level.empty()) book.erase(lit);
            emit(listener, EventType::Canceled, instrument, order, RejectReason::None,
                 CancelReason::SelfTradeIncoming);
            return;  // the incoming order is done
          }
          continue;
        }
        const Qty qty = std::min(order.leaves(), maker.view.leaves());
        order.filled += qty;
        maker.view.filled += qty;
        Event ev;
        ev.type = EventType::Trade;
        ev.exec_id = next_exec_id_++;
        ev.instrument = instrument;
        ev.order = order;
        ev.maker = maker.view;
        ev.trade_price = level_price;
        ev.trade_qty = qty;
        if (maker.view.leaves() == 0) {
          index_.erase(maker.view.id);
          level.pop_front();
        }
        listener.on_event(ev);
      }
      if (level.empty()) book.erase(lit);
    }

    if (order.leaves() == 0) return;
    if (order.type == engine::OrdType::Market || order.tif == engine::TimeInForce::Ioc ||
        order.tif == engine::TimeInForce::Fok) {
      emit(listener, EventType::Canceled, instrument, order, RejectReason::None,
           CancelReason::Unfilled);
      return;
    }
    books_[instrument].side(order.side)[order.price].push_back(RefOrder{order});
    index_[order.id] = Location{instrument, order.side, order.price};
  }

  // (instrument, id) of the live orders matching `pred`, in canonical order.
  template <class Pred>
  std::vector<std::pair<InstrumentId, OrderId>> collect_canonical(Pred pred) const {
    std::vector<std::pair<InstrumentId, OrderId>> out;
    for (InstrumentId i = 0; i < books_.size(); ++i) {
      for (Side side : {Side::Buy, Side::Sell}) {
        for_each_level_best_first(books_[i].side(side), side, [&](Price, const Level& level) {
          for (const RefOrder& o : level) {
            if (pred(o.view)) out.emplace_back(i, o.view.id);
          }
        });
      }
    }
    return out;
  }

  template <class L>
  void emit(L& listener, EventType type, InstrumentId instrument, const OrderView& order,
            RejectReason reject = RejectReason::None, CancelReason cancel = CancelReason::None) {
    Event ev;
    ev.type = type;
    ev.reject_reason = reject;
    ev.cancel_reason = cancel;
    ev.exec_id = next_exec_id_++;
    ev.instrument = instrument;
    ev.order = order;
    listener.on_event(ev);
  }

  std::vector<engine::InstrumentSpec> instruments_;
  std::vector<engine::MemberSpec> members_;
  std::size_t max_orders_;
  OrderId id_base_;
  OrderId next_order_id_;
  ExecId next_exec_id_;
  std::vector<Book> books_;
  std::unordered_map<OrderId, Location> index_;
};

}  // namespace matchgate::testing
