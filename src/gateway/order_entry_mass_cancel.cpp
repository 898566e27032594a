// Order entry: OrderMassCancelRequest (q), answered with an
// OrderMassCancelReport (r); the cancels follow as ExecutionReports
// (ExecType 4, Text "mass cancel") as the shards report them.
#include <optional>

#include "matchgate/fix/tags.hpp"
#include "matchgate/gateway/order_entry.hpp"

namespace matchgate::gateway {

void OrderEntry::mass_cancel_request(const Context& ctx, const fix::MessageView& m) {
  const MassCancelRequest q = read_mass_cancel(m, symbols_);
  const RequestIds ids{q.cl_ord_id};
  if (q.problem.answer == MessageProblem::Answer::SessionReject) {
    answer_problem(ctx, m, q.problem, ids);
    return;
  }
  if (!q.problem.ok()) {
    metrics_.rejected_at_gateway.inc();
    answers_.mass_cancel_report(
        ctx.member, ids, q.request_type, static_cast<char>(fix::MassCancelResponse::Rejected),
        static_cast<int>(q.reject_reason), 0, m.get(fix::tag::Symbol), q.problem.text);
    return;
  }
  // Counted before the request goes out: the member's orders open here now
  // are the ones the shards will find (requests reach a shard in order).
  const std::uint32_t affected = count_open_orders(ctx.member, q.instrument);
  static_assert(kNoInstrument == ShardRouter::kAllInstruments);
  router_.mass_cancel(ctx.member, q.instrument, ctx.seq);
  // MassCancelResponse(531) repeats the type carried out: 1 or 7.
  answers_.mass_cancel_report(
      ctx.member, ids, q.request_type, q.request_type, std::nullopt, affected,
      q.instrument != kNoInstrument ? std::string_view(options_.instruments[q.instrument].symbol)
                                    : std::string_view(),
      {});
}

// The member's open orders (of one instrument, or of all with
// kNoInstrument), less those still waiting for Redis: they reach their
// shard after the mass cancel.
std::uint32_t OrderEntry::count_open_orders(engine::MemberId member,
                                            std::uint32_t instrument) const noexcept {
  const auto matches = [&](std::uint32_t slot) {
    const OrderRecord& r = records_[slot];
    return r.in_use && !r.done && r.kind == RecordKind::Order && r.member == member &&
           (instrument == kNoInstrument || r.instrument == instrument);
  };
  std::uint32_t n = 0;
  for (const std::uint32_t slot : records_.open_slots()) n += matches(slot) ? 1 : 0;
  if (redis_queue_) {
    redis_queue_->for_each_waiting_order([&](std::uint32_t slot) { n -= matches(slot) ? 1 : 0; });
  }
  return n;
}

}  // namespace matchgate::gateway
