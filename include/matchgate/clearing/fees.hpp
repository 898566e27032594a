#pragma once
// Trading fees (docs/CLEARING.md "Fees"): per instrument, or the venue's
// default, a maker rate and a taker rate, each a fixed amount per unit of
// quantity plus basis points of the notional. Computed exactly in integers
// and rounded once, half away from zero, to `decimals` fraction digits of
// the currency; a negative rate is a rebate.
#include <cstdint>
#include <vector>

#include "matchgate/engine/types.hpp"

namespace matchgate::clearing {

// Money in 1e-8 currency units (engine::kPriceScale), wide enough for any
// price x quantity.
using Money = __int128;

struct FeeRate {
  std::int64_t per_unit = 0;  // 1e-8 currency units per unit of quantity
  std::int64_t bps_e4 = 0;    // basis points of the notional x 10^4 (0.0001 bp steps)
  bool operator==(const FeeRate&) const = default;
};

struct FeeRates {
  FeeRate maker;  // the resting order's side
  FeeRate taker;  // the incoming order's side
  bool operator==(const FeeRates&) const = default;
};

inline constexpr int kMaxFeeDecimals = 8;
// |bps| above this (100%) is refused by the config loader.
inline constexpr std::int64_t kMaxBpsE4 = 10'000 * 10'000;
// |per_unit| above this (1e6 currency units) is refused by the config loader.
inline constexpr std::int64_t kMaxPerUnit = 1'000'000 * engine::kPriceScale;

// The fee of one side of one fill: (per_unit x qty + price x qty x bps /
// 10^4), rounded half away from zero to `decimals` digits; in 1e-8 units.
std::int64_t compute_fee(const FeeRate& rate, engine::Price price, engine::Qty qty,
                         int decimals) noexcept;

class FeeSchedule {
 public:
  FeeSchedule() = default;
  // `per_instrument[i]` is instrument i's rates (the venue's default where
  // the config gives none).
  FeeSchedule(std::vector<FeeRates> per_instrument, int decimals);

  std::int64_t fee(std::uint32_t instrument, bool maker, engine::Price price,
                   engine::Qty qty) const noexcept {
    const FeeRates& r = rates_[instrument];
    return compute_fee(maker ? r.maker : r.taker, price, qty, decimals_);
  }
  int decimals() const noexcept { return decimals_; }
  const std::vector<FeeRates>& rates() const noexcept { return rates_; }

 private:
  std::vector<FeeRates> rates_;
  int decimals_ = 2;
};

}  // namespace matchgate::clearing
