#include "matchgate/engine/engine.hpp"

#include "matchgate/engine/state_hash.hpp"

namespace matchgate::engine {

namespace {
std::pmr::memory_resource* or_default(std::pmr::memory_resource* m) {
  return m != nullptr ? m : std::pmr::get_default_resource();
}
}  // namespace

Engine::Engine(std::vector<InstrumentSpec> instruments, std::vector<MemberSpec> members,
               EngineOptions options)
    : members_(std::move(members)),
      memory_(or_default(options.memory)),
      pool_(options.max_orders, memory_),
      ids_(pool_, options.max_orders, memory_),
      id_base_(options.id_base),
      next_order_id_(options.id_base + 1),
      next_exec_id_(options.id_base + 1) {
  books_.reserve(instruments.size());
  for (InstrumentSpec& spec : instruments) books_.emplace_back(std::move(spec), memory_);
}

RejectReason Engine::check_new(const NewOrder& cmd) const noexcept {
  if (cmd.member >= members_.size()) return RejectReason::UnknownMember;
  if (cmd.instrument >= books_.size()) return RejectReason::UnknownInstrument;
  const OrderBook& book = books_[cmd.instrument];
  if (RejectReason r = check_qty(book, cmd.qty); r != RejectReason::None) return r;
  if (cmd.type == OrdType::Limit) {
    if (RejectReason r = check_price(book, cmd.price); r != RejectReason::None) return r;
  }
  if (pool_.full()) return RejectReason::CapacityExceeded;
  return RejectReason::None;
}

std::uint32_t Engine::target_of(MemberId member, OrderId id, RejectReason& reason) const noexcept {
  if (member >= members_.size()) {
    reason = RejectReason::UnknownMember;
    return kNil;
  }
  const std::uint32_t slot = ids_.find(id);
  if (slot == kNil) {
    // Ids are dense: anything assigned and no longer live is done.
    reason = (id > id_base_ && id < next_order_id_) ? RejectReason::OrderDone
                                                    : RejectReason::UnknownOrder;
    return kNil;
  }
  if (pool_[slot].member != member) {
    reason = RejectReason::NotOwner;
    return kNil;
  }
  return slot;
}

bool Engine::fok_can_fill(const OrderBook& book, const Order& taker) const noexcept {
  const BookSide& resting = book.side(opposite(taker.side));
  const StpMode stp = members_[taker.member].stp;
  const Qty need = taker.leaves();
  Qty available = 0;
  for (std::size_t i = 0; i < resting.level_count(); ++i) {
    const PriceLevel& level = resting.from_best(i);
    if (!crosses(book, taker, level.price)) break;
    if (stp == StpMode::None) {
      available += level.total;
      if (available >= need) return true;
      continue;
    }
    for (std::uint32_t m = level.head; m != kNil; m = pool_.link(m).next) {
      const Order& maker = pool_[m];
      if (maker.member == taker.member) {
        if (stp == StpMode::CancelResting) continue;
        return false;  // the self-trade would end the fill before it completes
      }
      available += maker.leaves();
      if (available >= need) return true;
    }
  }
  return false;
}

std::uint64_t Engine::state_hash() const {
  StateHasher h;
  h.add(next_order_id_);
  h.add(next_exec_id_);
  for (const OrderBook& book : books_) {
    for (const BookSide* side : {&book.bids, &book.asks}) {
      for (std::size_t i = 0; i < side->level_count(); ++i) {
        for (std::uint32_t m = side->from_best(i).head; m != kNil; m = pool_.link(m).next) {
          add_order(h, pool_[m]);
        }
      }
    }
  }
  return h.value();
}

std::optional<OrderView> Engine::find(OrderId id) const {
  const std::uint32_t slot = ids_.find(id);
  if (slot == kNil) return std::nullopt;
  return pool_[slot].view();
}

std::optional<InstrumentId> Engine::find_instrument_of(OrderId id) const {
  const std::uint32_t slot = ids_.find(id);
  if (slot == kNil) return std::nullopt;
  return pool_[slot].instrument;
}

std::vector<LevelView> Engine::depth(InstrumentId instrument, Side side) const {
  std::vector<LevelView> out;
  if (instrument >= books_.size()) return out;
  const BookSide& s = books_[instrument].side(side);
  out.reserve(s.level_count());
  for (std::size_t i = 0; i < s.level_count(); ++i) {
    const PriceLevel& l = s.from_best(i);
    out.push_back(LevelView{l.price, l.total, l.count});
  }
  return out;
}

std::vector<OrderView> Engine::orders(InstrumentId instrument, Side side) const {
  std::vector<OrderView> out;
  if (instrument >= books_.size()) return out;
  const BookSide& s = books_[instrument].side(side);
  for (std::size_t i = 0; i < s.level_count(); ++i) {
    for (std::uint32_t m = s.from_best(i).head; m != kNil; m = pool_.link(m).next) {
      out.push_back(pool_[m].view());
    }
  }
  return out;
}

}  // namespace matchgate::engine
