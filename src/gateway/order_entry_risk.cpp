// Order entry: pre-trade risk (docs/RISK.md). The controls (session phase,
// venue stop, kill switch, halts) and the member's limits are checked before
// a new order or a replace reaches its shard; every order record holds its
// credit from then until it is done, following the engine's events.
#include <cstdio>

#include "matchgate/gateway/order_entry.hpp"

namespace matchgate::gateway {

namespace {

fix::OrdRejReason gate_reason(risk::Gate g) noexcept {
  switch (g) {
    case risk::Gate::SessionClosed:
    case risk::Gate::PreOpen:
    case risk::Gate::VenueStopped:
      return fix::OrdRejReason::ExchangeClosed;
    default:
      return fix::OrdRejReason::BrokerOption;
  }
}

// "instrument halted: ACME", "trading session closed", ...
std::string_view gate_text(risk::Gate g, std::string_view symbol, char (&buf)[160]) noexcept {
  const int n = g == risk::Gate::Halted
                    ? std::snprintf(buf, sizeof buf, "%s: %.*s", risk::to_string(g),
                                    static_cast<int>(symbol.size()), symbol.data())
                    : std::snprintf(buf, sizeof buf, "%s", risk::to_string(g));
  return {buf, n < 0 ? 0 : std::min(static_cast<std::size_t>(n), sizeof buf - 1)};
}

std::string_view rate_text(const risk::MemberLimits& l, char (&buf)[160]) noexcept {
  const long long burst =
      l.message_burst != risk::kNoLimit ? l.message_burst : l.max_messages_per_s;
  const int n = std::snprintf(buf, sizeof buf, "message rate limit %lld/s (burst %lld) exceeded",
                              static_cast<long long>(l.max_messages_per_s), burst);
  return {buf, n < 0 ? 0 : std::min(static_cast<std::size_t>(n), sizeof buf - 1)};
}

std::vector<risk::MemberLimits> member_limits(const NetworkOptions& o) {
  std::vector<risk::MemberLimits> out;
  for (const MemberOptions& m : o.members) out.push_back(m.limits);
  return out;
}

std::vector<risk::InstrumentRisk> instrument_risks(const NetworkOptions& o) {
  std::vector<risk::InstrumentRisk> out;
  for (const InstrumentRoute& r : o.instruments) {
    out.push_back(risk::InstrumentRisk{r.reference_price, r.band_low, r.band_high});
  }
  return out;
}

}  // namespace

risk::PreTradeRisk make_pre_trade_risk(const NetworkOptions& options) {
  return risk::PreTradeRisk(member_limits(options), instrument_risks(options));
}

bool OrderEntry::refuse_new(const Context& ctx, const fix::MessageView& m, const RequestIds& ids,
                            const NewOrderRequest& r) {
  char text[160];
  const risk::Gate g = controls_.gate(ctx.member, r.instrument);
  if (g != risk::Gate::Open) {
    metrics_.risk_control_rejects.inc();
    reject_new(ctx, m, ids, gate_reason(g),
               gate_text(g, options_.instruments[r.instrument].symbol, text));
    return true;
  }
  if (!risk_.take_message(ctx.member, clock_.wall_ns)) {
    metrics_.risk_rate_rejects.inc();
    reject_new(ctx, m, ids, fix::OrdRejReason::Other,
               rate_text(risk_.member(ctx.member).limits, text));
    return true;
  }
  const risk::Notional value = risk_.value(r.instrument, r.side, r.type, r.price, r.qty);
  const risk::Verdict v = risk_.check_new(ctx.member, value);
  if (v.ok()) return false;
  metrics_.risk_limit_rejects.inc();
  reject_new(ctx, m, ids, fix::OrdRejReason::OrderExceedsLimit,
             std::string_view(text, risk::describe(v, text, sizeof text)));
  return true;
}

bool OrderEntry::passes_quietly(engine::MemberId member, const NewOrderRequest& r) {
  if (controls_.gate(member, r.instrument) != risk::Gate::Open) return false;
  const risk::Notional value = risk_.value(r.instrument, r.side, r.type, r.price, r.qty);
  return risk_.check_new(member, value).ok() && risk_.take_message(member, clock_.wall_ns);
}

bool OrderEntry::refuse_replace(const Context& ctx, const CancelRequest& q,
                                const OrderRecord& order) {
  const RequestIds ids{q.cl_ord_id, q.orig_cl_ord_id};
  char text[160];
  const auto refuse = [&](std::string_view why, ops::Counter& counter) {
    counter.inc();
    metrics_.rejected_at_gateway.inc();
    answers_.cancel_reject(ctx.member, ids, &order, true, fix::CxlRejReason::BrokerOption, why);
    return true;
  };
  const risk::Gate g = controls_.gate(ctx.member, order.instrument);
  if (g != risk::Gate::Open) {
    return refuse(gate_text(g, options_.instruments[order.instrument].symbol, text),
                  metrics_.risk_control_rejects);
  }
  if (!risk_.take_message(ctx.member, clock_.wall_ns)) {
    return refuse(rate_text(risk_.member(ctx.member).limits, text), metrics_.risk_rate_rejects);
  }
  const risk::Notional value =
      risk_.value(order.instrument, order.side, order.type, q.price, q.qty);
  const risk::Verdict v = risk_.check_replace(
      ctx.member, value, order.hold, order.hold + replace_reservation(order, q.price, q.qty));
  if (v.ok()) return false;
  return refuse(std::string_view(text, risk::describe(v, text, sizeof text)),
                metrics_.risk_limit_rejects);
}

risk::Notional OrderEntry::order_hold(const OrderRecord& r) const noexcept {
  const engine::Qty leaves = r.qty - r.cum_qty;
  if (leaves <= 0) return 0;
  return risk_.value(r.instrument, r.side, r.type, r.price, leaves);
}

risk::Notional OrderEntry::replace_reservation(const OrderRecord& order, engine::Price price,
                                               engine::Qty qty) const noexcept {
  const engine::Qty leaves = qty - order.cum_qty;
  if (leaves <= 0) return 0;
  const risk::Notional after = risk_.value(order.instrument, order.side, order.type, price, leaves);
  return after > order.hold ? after - order.hold : 0;
}

void OrderEntry::set_hold(OrderRecord& r, risk::Notional to) noexcept {
  risk_.change_hold(r.member, r.hold, to);
  r.hold = to;
}

void OrderEntry::hold_new(OrderRecord& r) noexcept {
  set_hold(r, order_hold(r));
  risk_.open_order(r.member);
}

void OrderEntry::close_hold(OrderRecord& r) noexcept {
  set_hold(r, 0);
  risk_.close_order(r.member);
}

void OrderEntry::rebuild_risk_from_records() noexcept {
  risk_.reset_orders();
  for (const std::uint32_t slot : records_.open_slots()) {
    const OrderRecord& r = records_[slot];
    risk_.change_hold(r.member, 0, r.hold);
    if (r.kind == RecordKind::Order) risk_.open_order(r.member);
  }
}

risk::MemberRisk OrderEntry::recount_risk(engine::MemberId member) const {
  risk::MemberRisk m;
  for (const std::uint32_t slot : records_.open_slots()) {
    const OrderRecord& r = records_[slot];
    if (r.member != member) continue;
    if (r.kind == RecordKind::Order) {
      m.held += order_hold(r);
      ++m.open_orders;
    } else if (r.kind == RecordKind::ReplaceRequest) {
      m.held += r.hold;
    }
  }
  for (std::uint32_t i = 0; i < risk_.instrument_count(); ++i) {
    const engine::Qty pos = risk_.position(member, i);
    m.exposure += static_cast<risk::Notional>(pos < 0 ? -pos : pos) * risk_.instrument(i).reference;
  }
  m.limits = risk_.member(member).limits;
  return m;
}

}  // namespace matchgate::gateway
