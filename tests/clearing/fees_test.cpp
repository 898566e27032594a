// Fees worked by hand: per unit, basis points, both, rounding half away
// from zero at the edge of the last digit, rebates.
#include "matchgate/clearing/fees.hpp"

#include <gtest/gtest.h>

namespace matchgate::clearing {
namespace {

constexpr std::int64_t kUnit = engine::kPriceScale;  // one currency unit
constexpr std::int64_t kCent = kUnit / 100;

TEST(Fees, PerUnitTimesQuantity) {
  // 0.01 per unit x 250 units = 2.50.
  EXPECT_EQ(compute_fee(FeeRate{.per_unit = kCent}, 100 * kUnit, 250, 2), 250 * kCent);
}

TEST(Fees, BasisPointsOfNotional) {
  // 2 bp of 100.00 x 300 = 30000.00 x 0.0002 = 6.00.
  EXPECT_EQ(compute_fee(FeeRate{.bps_e4 = 2 * 10'000}, 100 * kUnit, 300, 2), 600 * kCent);
}

TEST(Fees, BothPartsAddBeforeRounding) {
  // 0.001 x 7 = 0.007 and 0.5 bp of 10.01 x 7 = 70.07 x 0.00005 = 0.0035035;
  // 0.0105035 rounds to 0.01 (cents), 0.01050 (5 decimals).
  const FeeRate rate{.per_unit = kUnit / 1000, .bps_e4 = 5'000};
  EXPECT_EQ(compute_fee(rate, 1001 * kCent, 7, 2), kCent);
  EXPECT_EQ(compute_fee(rate, 1001 * kCent, 7, 5), 1050 * (kUnit / 100'000));
  EXPECT_EQ(compute_fee(rate, 1001 * kCent, 7, 8), 1'050'350);
}

TEST(Fees, HalfAQuantumRoundsAwayFromZero) {
  // 0.005 per unit x 1 = 0.005: exactly half a cent -> 0.01; a rebate of
  // -0.005 -> -0.01; 0.0049999999 -> 0.00.
  EXPECT_EQ(compute_fee(FeeRate{.per_unit = kCent / 2}, kUnit, 1, 2), kCent);
  EXPECT_EQ(compute_fee(FeeRate{.per_unit = -kCent / 2}, kUnit, 1, 2), -kCent);
  EXPECT_EQ(compute_fee(FeeRate{.per_unit = kCent / 2 - 1}, kUnit, 1, 2), 0);
  // The smallest rate, 0.0001 bp, of 1.00 is 10^-8: one unit at 8 decimals.
  EXPECT_EQ(compute_fee(FeeRate{.bps_e4 = 1}, kUnit, 1, 8), 1);
  EXPECT_EQ(compute_fee(FeeRate{.bps_e4 = 1}, kUnit, 1, 7), 0);
  EXPECT_EQ(compute_fee(FeeRate{.bps_e4 = 5}, kUnit, 1, 7), 10);
}

TEST(Fees, ZeroDecimalsRoundsToWholeUnits) {
  // 1 bp of 12345.00 = 1.2345 -> 1; of 15000.00 = 1.5 -> 2.
  EXPECT_EQ(compute_fee(FeeRate{.bps_e4 = 10'000}, 12345 * kUnit, 1, 0), kUnit);
  EXPECT_EQ(compute_fee(FeeRate{.bps_e4 = 10'000}, 15000 * kUnit, 1, 0), 2 * kUnit);
}

TEST(Fees, LargeNotionalIsExact) {
  // 10^8 units at 10^6.00 = 10^14 notional; 1 bp = 10^10 (price x qty x
  // bps_e4 = 10^26 on the way, beyond 64 bits).
  const std::int64_t fee =
      compute_fee(FeeRate{.bps_e4 = 10'000}, 1'000'000 * kUnit, 100'000'000, 2);
  EXPECT_EQ(fee, 10'000'000'000 * kUnit);
}

TEST(Fees, ScheduleChoosesMakerOrTakerRatesOfTheInstrument) {
  FeeRates a{.maker = FeeRate{.per_unit = -kCent}, .taker = FeeRate{.per_unit = 3 * kCent}};
  FeeRates b{.maker = FeeRate{}, .taker = FeeRate{.bps_e4 = 10'000}};
  const FeeSchedule s({a, b}, 2);
  EXPECT_EQ(s.fee(0, true, kUnit, 10), -10 * kCent);
  EXPECT_EQ(s.fee(0, false, kUnit, 10), 30 * kCent);
  EXPECT_EQ(s.fee(1, true, 100 * kUnit, 10), 0);
  EXPECT_EQ(s.fee(1, false, 100 * kUnit, 10), 10 * kCent);
}

}  // namespace
}  // namespace matchgate::clearing
