// clearing::money_chars / money_text: the exact, shortest decimal text of
// an amount in 1e-8 units, at the edges of the fraction, of 64 bits and of
// Money itself.
#include <gtest/gtest.h>

#include <limits>

#include "matchgate/clearing/money_text.hpp"

namespace matchgate::clearing {
namespace {

TEST(MoneyText, ShortestExactText) {
  EXPECT_EQ(money_text(0), "0");
  EXPECT_EQ(money_text(1), "0.00000001");
  EXPECT_EQ(money_text(-1), "-0.00000001");
  EXPECT_EQ(money_text(100'000'000), "1");
  EXPECT_EQ(money_text(-1'230'000'000), "-12.3");
  EXPECT_EQ(money_text(1'234'567'890), "12.3456789");
  EXPECT_EQ(money_text(99'999'999), "0.99999999");
}

TEST(MoneyText, BeyondSixtyFourBitsAndAtTheEndsOfMoney) {
  const Money int64_max = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(money_text(int64_max), "92233720368.54775807");
  EXPECT_EQ(money_text(-int64_max - 1), "-92233720368.54775808");
  // 2^64 whole units: the whole part no longer fits 64 bits.
  const Money two_to_64_units = static_cast<Money>(std::numeric_limits<std::uint64_t>::max()) + 1;
  EXPECT_EQ(money_text(two_to_64_units * 100'000'000 + 5), "18446744073709551616.00000005");
  const Money max = std::numeric_limits<Money>::max();
  EXPECT_EQ(money_text(max), "1701411834604692317316873037158.84105727");
  EXPECT_EQ(money_text(-max - 1), "-1701411834604692317316873037158.84105728");
}

TEST(MoneyText, CharsFitTheStatedRoom) {
  char buf[kMoneyTextMax];
  const Money min = std::numeric_limits<Money>::min();
  EXPECT_EQ(static_cast<std::size_t>(money_chars(min, buf) - buf), kMoneyTextMax);
}

}  // namespace
}  // namespace matchgate::clearing
