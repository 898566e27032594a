// Order entry: an operator's trade bust or correction (docs/ADMIN.md). The
// records are logged by Controls; here they are applied (live and in replay
// by the same function, so a restart comes back to the same ledger and
// risk) and, live, reported to both members.
#include "matchgate/gateway/order_entry.hpp"
#include "matchgate/records/outbound.hpp"
#include "matchgate/util/assert.hpp"

namespace matchgate::gateway {

namespace {

constexpr std::string_view kNoClOrdId = "NONE";

}  // namespace

bool OrderEntry::apply_adjustment(const records::TradeRecord& r) {
  MATCHGATE_ASSERT(r.action != records::TradeAction::Trade, "a trade is applied by on_trade");
  if (!trades_.book_adjustment(r)) return false;
  // The same position moves as the fill moved it: a bust takes it back.
  const engine::Qty qty = r.sign() * r.qty;
  risk_.fill(r.buyer.member, r.instrument, engine::Side::Buy, qty);
  risk_.fill(r.seller.member, r.instrument, engine::Side::Sell, qty);
  return true;
}

const OrderRecord* OrderEntry::find_order_by_id(engine::MemberId member,
                                                engine::OrderId order_id) const noexcept {
  const OrderRecord* found = nullptr;
  for (std::uint32_t slot = 0; slot < records_.capacity(); ++slot) {
    const OrderRecord& r = records_[slot];
    if (!r.in_use || r.kind != RecordKind::Order || r.member != member || r.order_id != order_id) {
      continue;
    }
    // A replaced order's newest record holds its fills so far.
    if (found == nullptr || r.superseded_by == kNoSlot) found = &r;
  }
  return found;
}

void OrderEntry::report_adjustment(const records::TradeRecord& busted,
                                   const records::TradeRecord* corrected) {
  MATCHGATE_ASSERT(busted.action == records::TradeAction::Bust, "an adjustment starts with a bust");
  report_adjustment_to(busted, corrected, true);
  report_adjustment_to(busted, corrected, false);
}

void OrderEntry::report_adjustment_to(const records::TradeRecord& busted,
                                      const records::TradeRecord* corrected, bool buyer) {
  const records::TradeSide& side = buyer ? busted.buyer : busted.seller;
  const engine::Side fix_side = buyer ? engine::Side::Buy : engine::Side::Sell;
  // The fill report of this side carried ExecID trade_id * 2 (the taker)
  // or + 1 (the maker).
  const bool maker = busted.aggressor != fix_side;
  AdjustmentFacts a;
  a.exec_type = corrected != nullptr ? fix::ExecType::TradeCorrect : fix::ExecType::TradeCancel;
  a.exec_ref_id = records::event_cause(busted.trade_id, maker);
  a.order_id = side.order;
  a.cl_ord_id = kNoClOrdId;
  a.account = side.account;
  a.instrument = busted.instrument;
  a.side = fix_side;
  const records::TradeRecord& stated = corrected != nullptr ? *corrected : busted;
  a.last_qty = stated.qty;
  a.last_px = stated.price;
  if (corrected != nullptr && trades_.enabled()) {
    a.has_commission = true;
    a.commission = buyer ? corrected->buyer.fee : corrected->seller.fee;
  }
  // Without the order's record (recycled: the order ended long ago) what
  // is known is that it is over: DoneForDay, nothing executed stated.
  a.ord_status = fix::OrdStatus::DoneForDay;
  if (const OrderRecord* r = find_order_by_id(side.member, side.order)) {
    // The fills as reported, less the busted one, plus the corrected one;
    // the order keeps its place in the book: a bust gives no quantity back.
    __int128 notional = r->notional - static_cast<__int128>(busted.price) * busted.qty;
    engine::Qty cum = r->cum_qty - busted.qty;
    if (corrected != nullptr) {
      notional += static_cast<__int128>(corrected->price) * corrected->qty;
      cum += corrected->qty;
    }
    const bool open =
        r->ord_status == fix::OrdStatus::New || r->ord_status == fix::OrdStatus::PartiallyFilled;
    a.cl_ord_id = r->cl_ord_id_view();
    a.ord_status = r->ord_status;
    a.leaves_qty = open ? r->qty - r->cum_qty : 0;
    a.cum_qty = cum > 0 ? cum : 0;
    a.avg_px = cum > 0 && notional > 0 ? static_cast<engine::Price>(notional / cum) : 0;
  }
  a.text = corrected != nullptr ? std::string_view("trade corrected by the venue")
                                : std::string_view("trade busted by the venue");
  answers_.trade_adjustment(side.member, a);
}

}  // namespace matchgate::gateway
