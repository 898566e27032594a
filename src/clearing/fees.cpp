#include "matchgate/clearing/fees.hpp"

#include "matchgate/util/assert.hpp"
#include "report_text.hpp"

namespace matchgate::clearing {

namespace {

__int128 pow10(int n) noexcept {
  __int128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

}  // namespace

std::int64_t compute_fee(const FeeRate& rate, engine::Price price, engine::Qty qty,
                         int decimals) noexcept {
  MATCHGATE_ASSERT(decimals >= 0 && decimals <= kMaxFeeDecimals, "fee decimals out of range");
  // In 1e-8 units x 10^8: per_unit x qty x 10^8 + price x qty x bps_e4
  // (price x qty x bps / 10^4 = price x qty x bps_e4 / 10^8), exact.
  const __int128 exact = static_cast<__int128>(rate.per_unit) * qty * engine::kPriceScale +
                         static_cast<__int128>(price) * qty * rate.bps_e4;
  // One quantum of the rounded fee, in the same scale.
  const __int128 quantum = pow10(8 - decimals);
  const __int128 quanta = text::divide_rounded(exact, quantum * engine::kPriceScale);
  return static_cast<std::int64_t>(quanta * quantum);
}

FeeSchedule::FeeSchedule(std::vector<FeeRates> per_instrument, int decimals)
    : rates_(std::move(per_instrument)), decimals_(decimals) {
  MATCHGATE_ASSERT(decimals >= 0 && decimals <= kMaxFeeDecimals, "fee decimals out of range");
}

}  // namespace matchgate::clearing
