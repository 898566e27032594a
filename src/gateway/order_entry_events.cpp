// Order entry: the engine's events, as shard replies, update the order
// records and become reports to the members concerned.
#include "matchgate/gateway/fix_values.hpp"
#include "matchgate/gateway/order_entry.hpp"
#include "matchgate/records/outbound.hpp"

namespace matchgate::gateway {

namespace {

using engine::EventType;

fix::OrdStatus open_status(const OrderRecord& r) noexcept {
  if (r.cum_qty >= r.qty && r.qty > 0) return fix::OrdStatus::Filled;
  return r.cum_qty > 0 ? fix::OrdStatus::PartiallyFilled : fix::OrdStatus::New;
}

ReportFacts event_facts(fix::ExecType type, const engine::Event& e) noexcept {
  ReportFacts f;
  f.exec_type = type;
  f.exec_id = e.exec_id;
  return f;
}

}  // namespace

void OrderEntry::on_reply(const ShardReply& reply) {
  const engine::Event& e = reply.event;
  switch (e.type) {
    case EventType::Accepted:
      on_accepted(e);
      return;
    case EventType::Trade:
      on_trade(e);
      return;
    case EventType::Canceled:
    case EventType::Expired:
      on_canceled(reply);
      return;
    case EventType::Replaced:
      on_replaced(e);
      return;
    case EventType::Rejected:
      on_rejected(e);
      return;
  }
}

RequestIds OrderEntry::ids_of_request(const OrderRecord& request) const noexcept {
  // OrigClOrdID as the request gave it, even when it named an earlier
  // ClOrdID of the order.
  const std::uint32_t named = request.orig_named != kNoSlot ? request.orig_named : request.orig;
  return RequestIds{request.cl_ord_id_view(),
                    named != kNoSlot ? records_[named].cl_ord_id_view() : std::string_view()};
}

void OrderEntry::on_accepted(const engine::Event& e) {
  const RecordRef ref = e.order.client_ref;
  if (!mine(ref)) return;
  OrderRecord& r = records_[slot_of(ref)];
  r.order_id = e.order.id;
  r.ord_status = fix::OrdStatus::New;
  answers_.report(r, RequestIds{r.cl_ord_id_view()}, event_facts(fix::ExecType::New, e));
}

void OrderEntry::on_trade(const engine::Event& e) {
  // The trade record comes before both fill reports, so the log holds the
  // decision (and each side's fee) before anyone is told.
  const records::TradeRecord* trade = nullptr;
  const RecordRef ref = mine(e.order.client_ref) ? e.order.client_ref : e.maker.client_ref;
  if (trades_.enabled() && mine(ref)) {
    const std::uint32_t instrument = records_[slot_of(ref)].instrument;
    trade = &trades_.on_trade(e, instrument, controls_.business_date());
  }
  const auto fill = [&](RecordRef side_ref, const engine::OrderView& v, bool maker) {
    if (!mine(side_ref)) return;
    const std::uint32_t slot = slot_of(side_ref);
    OrderRecord& r = records_[slot];
    r.cum_qty = v.filled;
    r.notional += static_cast<__int128>(e.trade_price) * e.trade_qty;
    r.ord_status = open_status(r);
    risk_.fill(r.member, r.instrument, r.side, e.trade_qty);
    set_hold(r, order_hold(r));
    if (r.ord_status == fix::OrdStatus::Filled) risk_.close_order(r.member);
    ReportFacts f = event_facts(fix::ExecType::Trade, e);
    f.maker_side = maker;
    f.last_qty = e.trade_qty;
    f.last_px = e.trade_price;
    if (trade != nullptr) {
      f.has_commission = true;
      f.commission = v.side == engine::Side::Buy ? trade->buyer.fee : trade->seller.fee;
    }
    answers_.report(r, RequestIds{r.cl_ord_id_view()}, f);
    if (r.ord_status == fix::OrdStatus::Filled) records_.finish(slot);
  };
  fill(e.order.client_ref, e.order, false);
  fill(e.maker.client_ref, e.maker, true);
}

void OrderEntry::on_canceled(const ShardReply& reply) {
  const engine::Event& e = reply.event;
  const RecordRef ref = e.order.client_ref;
  if (!mine(ref)) return;
  const std::uint32_t slot = slot_of(ref);
  OrderRecord& r = records_[slot];
  const bool expired = e.type == EventType::Expired;
  r.ord_status = expired ? fix::OrdStatus::Expired : fix::OrdStatus::Canceled;
  close_hold(r);
  if (e.cancel_reason == engine::CancelReason::Requested && mine(reply.request)) {
    // Answers the member's cancel request: its ClOrdID and OrigClOrdID.
    OrderRecord& request = records_[slot_of(reply.request)];
    answers_.report(r, ids_of_request(request), event_facts(fix::ExecType::Canceled, e));
    request.ord_status = fix::OrdStatus::Canceled;
    records_.finish(slot_of(reply.request));
  } else {
    ReportFacts f = event_facts(expired ? fix::ExecType::Expired : fix::ExecType::Canceled, e);
    f.text = expired ? std::string_view("day order expired")
                     : std::string_view(engine::to_string(e.cancel_reason));
    answers_.report(r, RequestIds{r.cl_ord_id_view()}, f);
  }
  records_.finish(slot);
}

void OrderEntry::on_replaced(const engine::Event& e) {
  const RecordRef ref = e.order.client_ref;
  if (!mine(ref)) return;
  const std::uint32_t slot = slot_of(ref);
  OrderRecord& r = records_[slot];
  if (r.orig == kNoSlot) return;
  const RequestIds ids = ids_of_request(r);
  // The order's latest record: another replace of the same order may have
  // been applied since this one was sent (both naming the same ClOrdID).
  r.orig = latest(r.orig);
  OrderRecord& old = records_[r.orig];
  r.kind = RecordKind::Order;
  r.order_id = e.order.id;
  r.price = e.order.price;
  r.qty = e.order.qty;
  r.cum_qty = e.order.filled;
  r.notional = old.notional;
  r.ord_status = open_status(r);
  // The order's hold moves to its new record, at the new terms.
  set_hold(old, 0);
  set_hold(r, order_hold(r));
  old.superseded_by = slot;
  old.ord_status = fix::OrdStatus::Replaced;
  answers_.report(r, ids, event_facts(fix::ExecType::Replaced, e));
  records_.finish(r.orig);
}

void OrderEntry::on_rejected(const engine::Event& e) {
  const RecordRef ref = e.order.client_ref;
  if (!mine(ref)) return;
  const std::uint32_t slot = slot_of(ref);
  OrderRecord& r = records_[slot];
  if (r.kind == RecordKind::Order) {
    close_hold(r);
    r.ord_status = fix::OrdStatus::Rejected;
    ReportFacts f = event_facts(fix::ExecType::Rejected, e);
    f.has_rej_reason = true;
    f.rej_reason = ord_rej_reason(e.reject_reason);
    f.text = engine::to_string(e.reject_reason);
    answers_.report(r, RequestIds{r.cl_ord_id_view()}, f);
  } else {
    const OrderRecord* order = r.orig != kNoSlot ? &records_[r.orig] : nullptr;
    answers_.cancel_reject(r.member, ids_of_request(r), order, r.kind == RecordKind::ReplaceRequest,
                           cxl_rej_reason(e.reject_reason), engine::to_string(e.reject_reason),
                           records::event_cause(e.exec_id, false));
    set_hold(r, 0);  // a replace's reservation
    r.ord_status = fix::OrdStatus::Rejected;
    r.reject_reason = e.reject_reason;
  }
  records_.finish(slot);
}

}  // namespace matchgate::gateway
