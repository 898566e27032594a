#include "matchgate/util/decimal.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace {

using matchgate::util::DecimalError;
using matchgate::util::format_decimal;
using matchgate::util::kMaxDecimalChars;
using matchgate::util::parse_decimal;

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

std::int64_t ok(std::string_view s) {
  auto r = parse_decimal(s);
  EXPECT_TRUE(r.ok()) << "'" << s << "': " << r.message();
  return r.value;
}

DecimalError err(std::string_view s) {
  auto r = parse_decimal(s);
  EXPECT_FALSE(r.ok()) << "'" << s << "' parsed as " << r.value;
  EXPECT_EQ(r.value, 0);
  return r.error;
}

TEST(ParseDecimal, AcceptsPlainForms) {
  EXPECT_EQ(ok("101.25"), 10'125'000'000);
  EXPECT_EQ(ok("-3"), -300'000'000);
  EXPECT_EQ(ok("0.00000001"), 1);
  EXPECT_EQ(ok("-0.00000001"), -1);
  EXPECT_EQ(ok("0"), 0);
  EXPECT_EQ(ok("-0"), 0);
  EXPECT_EQ(ok("007.50"), 750'000'000);
  EXPECT_EQ(ok("1.10000000"), 110'000'000);
  EXPECT_EQ(ok("99.875"), 9'987'500'000);
}

TEST(ParseDecimal, Int64Limits) {
  EXPECT_EQ(ok("92233720368.54775807"), kMax);
  EXPECT_EQ(ok("-92233720368.54775808"), kMin);
  EXPECT_EQ(err("92233720368.54775808"), DecimalError::Overflow);
  EXPECT_EQ(err("-92233720368.54775809"), DecimalError::Overflow);
  EXPECT_EQ(err("92233720369"), DecimalError::Overflow);
  EXPECT_EQ(err("100000000000000000000000000"), DecimalError::Overflow);
}

TEST(ParseDecimal, RejectsMalformed) {
  EXPECT_EQ(err(""), DecimalError::Empty);
  EXPECT_EQ(err("+1"), DecimalError::BadSign);
  EXPECT_EQ(err("-"), DecimalError::BadSign);
  EXPECT_EQ(err("--1"), DecimalError::BadSign);
  EXPECT_EQ(err("-+1"), DecimalError::BadSign);
  EXPECT_EQ(err(".5"), DecimalError::NoDigits);
  EXPECT_EQ(err("1."), DecimalError::NoDigits);
  EXPECT_EQ(err("-.5"), DecimalError::NoDigits);
  EXPECT_EQ(err("."), DecimalError::NoDigits);
  EXPECT_EQ(err(" 1"), DecimalError::InvalidCharacter);
  EXPECT_EQ(err("1 "), DecimalError::InvalidCharacter);
  EXPECT_EQ(err("1 000"), DecimalError::InvalidCharacter);
  EXPECT_EQ(err("1e5"), DecimalError::InvalidCharacter);
  EXPECT_EQ(err("1.5E2"), DecimalError::InvalidCharacter);
  EXPECT_EQ(err("1.2.3"), DecimalError::InvalidCharacter);
  EXPECT_EQ(err("1,5"), DecimalError::InvalidCharacter);
  EXPECT_EQ(err("0x10"), DecimalError::InvalidCharacter);
  EXPECT_EQ(err("abc"), DecimalError::InvalidCharacter);
  EXPECT_EQ(err("1.x"), DecimalError::InvalidCharacter);
  EXPECT_EQ(err("nan"), DecimalError::InvalidCharacter);
  EXPECT_EQ(err("inf"), DecimalError::InvalidCharacter);
  EXPECT_EQ(err(std::string_view("1\0", 2)), DecimalError::InvalidCharacter);
}

TEST(ParseDecimal, NeverRoundsExtraDigits) {
  EXPECT_EQ(err("0.000000001"), DecimalError::TooManyDecimals);
  EXPECT_EQ(err("1.123456789"), DecimalError::TooManyDecimals);
  // Even zeros: the text has more precision than the scale, so it is refused.
  EXPECT_EQ(err("1.000000000"), DecimalError::TooManyDecimals);
  EXPECT_EQ(err("1.123456789x"), DecimalError::InvalidCharacter);
  EXPECT_NE(std::string(parse_decimal("0.000000001").message()).find("more than 8 fraction digits"),
            std::string::npos);
}

TEST(FormatDecimal, Shortest) {
  EXPECT_EQ(format_decimal(10'125'000'000), "101.25");
  EXPECT_EQ(format_decimal(-300'000'000), "-3");
  EXPECT_EQ(format_decimal(1), "0.00000001");
  EXPECT_EQ(format_decimal(-1), "-0.00000001");
  EXPECT_EQ(format_decimal(0), "0");
  EXPECT_EQ(format_decimal(10'000'000), "0.1");
  EXPECT_EQ(format_decimal(9'987'500'000), "99.875");
  EXPECT_EQ(format_decimal(kMax), "92233720368.54775807");
  EXPECT_EQ(format_decimal(kMin), "-92233720368.54775808");
  EXPECT_EQ(format_decimal(kMin).size(), kMaxDecimalChars);
}

TEST(FormatDecimal, CallerBuffer) {
  char buf[8];
  EXPECT_EQ(format_decimal(10'125'000'000, buf, sizeof buf), 6U);
  EXPECT_EQ(std::string(buf, 6), "101.25");
  EXPECT_EQ(format_decimal(10'125'000'000, buf, 5), 0U);  // too small: nothing usable
  EXPECT_EQ(format_decimal(10'125'000'000, buf, 6), 6U);
}

TEST(Decimal, RoundTrip) {
  std::mt19937_64 rng(12345);
  for (int i = 0; i < 100'000; ++i) {
    std::int64_t v = static_cast<std::int64_t>(rng());
    if (i % 3 == 0) v %= 1'000'000'000'000;  // plenty of short values too
    const std::string s = format_decimal(v);
    auto r = parse_decimal(s);
    ASSERT_TRUE(r.ok()) << s;
    ASSERT_EQ(r.value, v) << s;
  }
}

}  // namespace
