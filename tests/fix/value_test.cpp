#include "matchgate/fix/value.hpp"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <string>

namespace matchgate::fix {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

TEST(ParseInt, AcceptsStrictDecimal) {
  EXPECT_EQ(parse_int("0").value, 0);
  EXPECT_EQ(parse_int("123").value, 123);
  EXPECT_EQ(parse_int("-5").value, -5);
  EXPECT_EQ(parse_int("007").value, 7);
  EXPECT_EQ(parse_int("-0").value, 0);
  EXPECT_EQ(parse_int("9223372036854775807").value, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parse_int("-9223372036854775808").value, std::numeric_limits<std::int64_t>::min());
}

TEST(ParseInt, RejectsEverythingElse) {
  for (const char* s : {"", "-", "+5", " 5", "5 ", "1.5", "1e3", "--1", "0x10", "12a"}) {
    const auto r = parse_int(s);
    EXPECT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error, ValueError::BadFormat) << s;
  }
  for (const char* s : {"9223372036854775808", "-9223372036854775809", "18446744073709551616",
                        "99999999999999999999999"}) {
    EXPECT_EQ(parse_int(s).error, ValueError::OutOfRange) << s;
  }
  EXPECT_EQ(parse_int("99999999999999999999999x").error, ValueError::BadFormat);
}

TEST(ParseUint, DigitsOnly) {
  EXPECT_EQ(parse_uint("18446744073709551615").value, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(parse_uint("18446744073709551616").error, ValueError::OutOfRange);
  EXPECT_EQ(parse_uint("-1").error, ValueError::BadFormat);
  EXPECT_EQ(parse_uint("").error, ValueError::BadFormat);
}

TEST(ParseCharAndBool, ExactForms) {
  EXPECT_EQ(parse_char("X").value, 'X');
  EXPECT_EQ(parse_char("XY").error, ValueError::BadFormat);
  EXPECT_EQ(parse_char("").error, ValueError::BadFormat);
  EXPECT_TRUE(parse_bool("Y").value);
  EXPECT_TRUE(parse_bool("Y").ok());
  EXPECT_FALSE(parse_bool("N").value);
  EXPECT_TRUE(parse_bool("N").ok());
  for (const char* s : {"y", "n", "YES", "1", "0", ""})
    EXPECT_EQ(parse_bool(s).error, ValueError::BadFormat) << s;
}

TEST(ParseUtcTimestamp, KnownInstants) {
  EXPECT_EQ(parse_utc_timestamp("19700101-00:00:00").value, 0);
  // 2024-01-01 is day 19723; 29 February 2024 is 59 days later.
  const std::int64_t leap_day = (19723LL + 59) * 86400 * kSecond;
  const std::int64_t t = leap_day + (12 * 3600 + 34 * 60 + 56) * kSecond;
  EXPECT_EQ(parse_utc_timestamp("20240229-12:34:56").value, t);
  EXPECT_EQ(parse_utc_timestamp("20240229-12:34:56.123").value, t + 123'000'000);
  EXPECT_EQ(parse_utc_timestamp("20240229-12:34:56.123456").value, t + 123'456'000);
  EXPECT_EQ(parse_utc_timestamp("20240229-12:34:56.123456789").value, t + 123'456'789);
  EXPECT_EQ(parse_utc_timestamp("20240229-23:59:60").value, leap_day + 86400 * kSecond);
  EXPECT_EQ(parse_utc_timestamp("22620411-23:47:16").value, 9'223'372'036 * kSecond);
  EXPECT_LT(parse_utc_timestamp("19691231-23:59:59").value, 0);
}

TEST(ParseUtcTimestamp, Rejects) {
  for (const char* s : {"", "20240229", "20240229-12:34", "20240229 12:34:56", "20240229-12-34-56",
                        "2024022-12:34:56", "20240229-12:34:56.", "20240229-12:34:56.12",
                        "20240229-12:34:56.1234", "20240229-12:34:56.1234567", "2024O229-12:34:56",
                        "20240229-12:34:56,123", "20240229-12:34:56Z"}) {
    EXPECT_EQ(parse_utc_timestamp(s).error, ValueError::BadFormat) << s;
  }
  for (const char* s :
       {"20230229-00:00:00", "20241301-00:00:00", "20240001-00:00:00", "20240100-00:00:00",
        "20240431-00:00:00", "20240101-24:00:00", "20240101-00:60:00", "20240101-00:00:61",
        "23000101-00:00:00", "99991231-23:59:59"}) {
    EXPECT_EQ(parse_utc_timestamp(s).error, ValueError::OutOfRange) << s;
  }
}

std::string format(UtcNanos t, TimePrecision p) {
  std::array<char, kMaxTimestampChars> buf{};
  const std::size_t n = format_utc_timestamp(t, p, buf);
  return std::string(buf.data(), n);
}

TEST(FormatUtcTimestamp, Precisions) {
  const UtcNanos t = parse_utc_timestamp("20240229-12:34:56.123456789").value;
  EXPECT_EQ(format(t, TimePrecision::Seconds), "20240229-12:34:56");
  EXPECT_EQ(format(t, TimePrecision::Millis), "20240229-12:34:56.123");
  EXPECT_EQ(format(t, TimePrecision::Micros), "20240229-12:34:56.123456");
  EXPECT_EQ(format(t, TimePrecision::Nanos), "20240229-12:34:56.123456789");
  EXPECT_EQ(format(0, TimePrecision::Micros), "19700101-00:00:00.000000");
  EXPECT_EQ(format(5'000, TimePrecision::Micros), "19700101-00:00:00.000005");
  EXPECT_EQ(format(std::numeric_limits<UtcNanos>::max(), TimePrecision::Nanos),
            "22620411-23:47:16.854775807");
}

TEST(FormatUtcTimestamp, RoundTripsDayByDay) {
  // Every day across several leap-year cycles and a century boundary.
  for (std::int64_t day = 0; day < 60'000; day += 1) {
    const UtcNanos t = day * 86400 * kSecond + 43'210 * kSecond + 987'654'000;
    const std::string s = format(t, TimePrecision::Micros);
    ASSERT_EQ(s.size(), 24u);
    ASSERT_EQ(parse_utc_timestamp(s).value, t) << s;
  }
}

TEST(FormatUtcTimestamp, RefusesWhatItCannotWrite) {
  std::array<char, 23> small{};
  EXPECT_EQ(format_utc_timestamp(0, TimePrecision::Micros, small), 0u);
  EXPECT_EQ(format_utc_timestamp(0, TimePrecision::Millis, small), 21u);
  std::array<char, kMaxTimestampChars> buf{};
  EXPECT_EQ(format_utc_timestamp(-1, TimePrecision::Seconds, buf), 0u);
}

TEST(RejectReason, ForValueErrors) {
  EXPECT_EQ(reject_reason(ValueError::Missing), SessionRejectReason::RequiredTagMissing);
  EXPECT_EQ(reject_reason(ValueError::BadFormat), SessionRejectReason::IncorrectDataFormat);
  EXPECT_EQ(reject_reason(ValueError::OutOfRange), SessionRejectReason::ValueIncorrect);
}

}  // namespace
}  // namespace matchgate::fix
