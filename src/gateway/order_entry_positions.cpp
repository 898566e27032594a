// Order entry: RequestForPositions (35=AN), answered from the clearing
// ledger with a RequestForPositionsAck (35=AO) and one PositionReport
// (35=AP) per account and instrument (docs/FIX.md "Positions").
#include <vector>

#include "matchgate/gateway/order_entry.hpp"

namespace matchgate::gateway {

namespace {

bool requested(const PositionRequest& r, const clearing::PositionKey& key) noexcept {
  return (r.all_accounts || key.account == r.account) &&
         (r.instrument == kNoInstrument || key.instrument == r.instrument);
}

}  // namespace

std::vector<PositionFacts> OrderEntry::positions_of(engine::MemberId member,
                                                    const PositionRequest& r,
                                                    std::int32_t date) const {
  const clearing::Ledger& ledger = trades_.ledger();
  // Before the first trade of a new date the ledger still holds the last
  // date's: what that date carries into this one is the position now.
  const bool rolled = ledger.business_date() < date;
  std::vector<PositionFacts> out;
  for (const auto& [key, p] : ledger.positions_of(member)) {
    if (!requested(r, key)) continue;
    PositionFacts f;
    f.account = options_.members[member].accounts[key.account];
    f.symbol = options_.instruments[key.instrument].symbol;
    f.business_date = date;
    f.opening = p.opening;
    f.bought = p.bought;
    f.sold = p.sold;
    if (rolled) {
      const bool carries = key.instrument < options_.clearing.instruments.size() &&
                           options_.clearing.instruments[key.instrument].carry_positions;
      f.opening = carries ? p.net() : 0;
      f.bought = f.sold = 0;
      if (f.opening == 0) continue;
    }
    f.settl_price = f.prior_settl_price = options_.instruments[key.instrument].reference_price;
    out.push_back(f);
  }
  return out;
}

void OrderEntry::position_request(const Context& ctx, const fix::MessageView& m) {
  const std::int32_t date = trades_.business_date(controls_.business_date());
  const PositionRequest r = read_position_request(m, options_.members[ctx.member], symbols_, date);
  if (r.problem.answer == MessageProblem::Answer::SessionReject) {
    answers_.session_reject(ctx.member, ctx.seq, ctx.msg_type, r.problem.tag, r.problem.reason,
                            r.problem.text);
    return;
  }
  if (r.problem.answer == MessageProblem::Answer::OrderReject) {
    answers_.position_ack(ctx.member, r, r.refusal, 0, r.problem.text);
    return;
  }
  const std::vector<PositionFacts> positions =
      trades_.enabled() ? positions_of(ctx.member, r, date) : std::vector<PositionFacts>{};
  if (positions.empty()) {
    answers_.position_ack(ctx.member, r, fix::PosReqResult::NoPositionsFound, 0,
                          trades_.enabled() ? "no positions" : "clearing is off");
    return;
  }
  const auto n = static_cast<std::uint32_t>(positions.size());
  answers_.position_ack(ctx.member, r, fix::PosReqResult::Valid, n, {});
  for (const PositionFacts& f : positions) answers_.position_report(ctx.member, r, n, f);
}

}  // namespace matchgate::gateway
