#include "matchgate/risk/trading_schedule.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <ctime>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace matchgate::risk {
namespace {

constexpr std::int64_t kNs = 1'000'000'000;

// UTC time as ns since the epoch.
std::int64_t utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  const std::int64_t days = days_from_civil(y, mo, d);
  return ((days * 86'400) + h * 3600 + mi * 60 + s) * kNs;
}

constexpr std::int32_t hm(int h, int m) {
  return h * 3600 + m * 60;
}

ScheduleOptions options_in(const std::string& zone, std::int32_t pre_open, std::int32_t open,
                           std::int32_t close) {
  ScheduleOptions o;
  o.enabled = true;
  o.time_zone = zone;
  o.pre_open_s = pre_open;
  o.open_s = open;
  o.close_s = close;
  return o;
}

// New York equities hours: pre-open 09:00, open 09:30, close 16:00.
TradingSchedule new_york(std::vector<std::int32_t> holidays = {}) {
  set_process_time_zone("America/New_York");
  ScheduleOptions o = options_in("America/New_York", hm(9, 0), hm(9, 30), hm(16, 0));
  o.holidays = std::move(holidays);
  return TradingSchedule(o);
}

ScheduledState state(std::int32_t date, TradingPhase phase) {
  return {date, phase};
}

}  // namespace

// Readable failures.
void PrintTo(const ScheduledState& s, std::ostream* out) {
  *out << s.business_date << ' ' << to_string(s.phase);
}

namespace {

// The message of the std::invalid_argument `make` throws, or "" if none.
template <class Make>
std::string invalid_argument_of(Make make) {
  try {
    make();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return {};
}

TEST(CivilDate, AgreesWithTheCLibraryOverFourCenturies) {
  for (std::int32_t days = -200'000; days < 200'000; days += 7) {
    const std::time_t t = static_cast<std::time_t>(days) * 86'400;
    std::tm tm{};
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    const std::int32_t ymd = (tm.tm_year + 1900) * 10'000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
    ASSERT_EQ(yyyymmdd_from_days(days), ymd) << days;
    ASSERT_EQ(days_from_yyyymmdd(ymd), days) << ymd;
    ASSERT_EQ(weekday_of_days(days), tm.tm_wday) << ymd;
  }
}

TEST(CivilDate, ValidDates) {
  EXPECT_TRUE(valid_yyyymmdd(20240229));
  EXPECT_FALSE(valid_yyyymmdd(20230229));
  EXPECT_FALSE(valid_yyyymmdd(21000229));
  EXPECT_TRUE(valid_yyyymmdd(20000229));
  EXPECT_FALSE(valid_yyyymmdd(20241301));
  EXPECT_FALSE(valid_yyyymmdd(20240431));
  EXPECT_FALSE(valid_yyyymmdd(20240100));
}

TEST(TradingPhase, Names) {
  EXPECT_STREQ(to_string(TradingPhase::Closed), "closed");
  EXPECT_STREQ(to_string(TradingPhase::PreOpen), "pre-open");
  EXPECT_STREQ(to_string(TradingPhase::Open), "open");
}

TEST(TradingSchedule, PhasesAroundEachBoundaryOfAWinterDay) {
  const TradingSchedule s = new_york();
  // Tuesday 2024-01-09, EST = UTC-5: 09:00 local is 14:00 UTC.
  EXPECT_EQ(s.at(utc(2024, 1, 9, 14, 0) - 1), state(20240109, TradingPhase::Closed));
  EXPECT_EQ(s.at(utc(2024, 1, 9, 14, 0)), state(20240109, TradingPhase::PreOpen));
  EXPECT_EQ(s.at(utc(2024, 1, 9, 14, 30) - 1), state(20240109, TradingPhase::PreOpen));
  EXPECT_EQ(s.at(utc(2024, 1, 9, 14, 30)), state(20240109, TradingPhase::Open));
  EXPECT_EQ(s.at(utc(2024, 1, 9, 21, 0) - 1), state(20240109, TradingPhase::Open));
  // The business date rolls at the close, not at midnight.
  EXPECT_EQ(s.at(utc(2024, 1, 9, 21, 0)), state(20240110, TradingPhase::Closed));
  EXPECT_EQ(s.at(utc(2024, 1, 10, 4, 59, 59)), state(20240110, TradingPhase::Closed));
  EXPECT_EQ(s.at(utc(2024, 1, 10, 5, 0)), state(20240110, TradingPhase::Closed));
}

TEST(TradingSchedule, NextBoundaryIsStrictlyAfter) {
  const TradingSchedule s = new_york();
  EXPECT_EQ(s.next_boundary_after(utc(2024, 1, 9, 14, 0) - 1), utc(2024, 1, 9, 14, 0));
  EXPECT_EQ(s.next_boundary_after(utc(2024, 1, 9, 14, 0)), utc(2024, 1, 9, 14, 30));
  EXPECT_EQ(s.next_boundary_after(utc(2024, 1, 9, 14, 30) - 1), utc(2024, 1, 9, 14, 30));
  EXPECT_EQ(s.next_boundary_after(utc(2024, 1, 9, 14, 30)), utc(2024, 1, 9, 21, 0));
  EXPECT_EQ(s.next_boundary_after(utc(2024, 1, 9, 21, 0)), utc(2024, 1, 10, 14, 0));
}

TEST(TradingSchedule, FridayCloseRollsToMonday) {
  const TradingSchedule s = new_york();
  EXPECT_EQ(s.at(utc(2024, 1, 12, 21, 0) - 1), state(20240112, TradingPhase::Open));
  EXPECT_EQ(s.at(utc(2024, 1, 12, 21, 0)), state(20240115, TradingPhase::Closed));
  EXPECT_EQ(s.at(utc(2024, 1, 13, 15, 0)), state(20240115, TradingPhase::Closed));  // Saturday
  EXPECT_EQ(s.at(utc(2024, 1, 14, 15, 0)), state(20240115, TradingPhase::Closed));  // Sunday
  EXPECT_EQ(s.at(utc(2024, 1, 15, 14, 0)), state(20240115, TradingPhase::PreOpen));
  EXPECT_EQ(s.next_boundary_after(utc(2024, 1, 12, 21, 0)), utc(2024, 1, 15, 14, 0));
  EXPECT_FALSE(s.is_trading_day(20240113));
  EXPECT_FALSE(s.is_trading_day(20240114));
  EXPECT_TRUE(s.is_trading_day(20240115));
}

TEST(TradingSchedule, HolidayMondayRollsToTuesday) {
  const TradingSchedule s = new_york({20240101, 20240115});
  EXPECT_FALSE(s.is_trading_day(20240115));
  EXPECT_TRUE(s.is_trading_day(20240116));
  EXPECT_EQ(s.at(utc(2024, 1, 12, 21, 0)), state(20240116, TradingPhase::Closed));
  EXPECT_EQ(s.at(utc(2024, 1, 15, 15, 0)), state(20240116, TradingPhase::Closed));
  EXPECT_EQ(s.at(utc(2024, 1, 16, 14, 30)), state(20240116, TradingPhase::Open));
  EXPECT_EQ(s.next_boundary_after(utc(2024, 1, 12, 21, 0)), utc(2024, 1, 16, 14, 0));
}

TEST(TradingSchedule, OpenFollowsDaylightSavingTime) {
  const TradingSchedule s = new_york();
  // 09:30 in New York: 14:30 UTC in winter (EST), 13:30 UTC in summer (EDT).
  // 2024: summer time from Sunday 03-10 to Sunday 11-03.
  EXPECT_EQ(s.at(utc(2024, 3, 8, 14, 30) - 1), state(20240308, TradingPhase::PreOpen));
  EXPECT_EQ(s.at(utc(2024, 3, 8, 14, 30)), state(20240308, TradingPhase::Open));
  EXPECT_EQ(s.at(utc(2024, 3, 11, 13, 30) - 1), state(20240311, TradingPhase::PreOpen));
  EXPECT_EQ(s.at(utc(2024, 3, 11, 13, 30)), state(20240311, TradingPhase::Open));
  EXPECT_EQ(s.at(utc(2024, 11, 1, 13, 30)), state(20241101, TradingPhase::Open));
  EXPECT_EQ(s.at(utc(2024, 11, 4, 13, 30)), state(20241104, TradingPhase::Closed));  // 08:30
  EXPECT_EQ(s.at(utc(2024, 11, 4, 14, 30) - 1), state(20241104, TradingPhase::PreOpen));
  EXPECT_EQ(s.at(utc(2024, 11, 4, 14, 30)), state(20241104, TradingPhase::Open));
  // Friday's close (20:00 UTC in summer) to Monday's pre-open (14:00 UTC in winter).
  EXPECT_EQ(s.next_boundary_after(utc(2024, 11, 1, 19, 0)), utc(2024, 11, 1, 20, 0));
  EXPECT_EQ(s.next_boundary_after(utc(2024, 11, 1, 20, 0)), utc(2024, 11, 4, 14, 0));
}

TEST(TradingSchedule, LondonSummerTime) {
  set_process_time_zone("Europe/London");
  const TradingSchedule s(options_in("Europe/London", hm(7, 50), hm(8, 0), hm(16, 30)));
  // 08:00 in London: 08:00 UTC in winter, 07:00 UTC in summer (BST, from 2024-03-31).
  EXPECT_EQ(s.at(utc(2024, 3, 28, 8, 0) - 1), state(20240328, TradingPhase::PreOpen));
  EXPECT_EQ(s.at(utc(2024, 3, 28, 8, 0)), state(20240328, TradingPhase::Open));
  EXPECT_EQ(s.at(utc(2024, 4, 2, 7, 0) - 1), state(20240402, TradingPhase::PreOpen));
  EXPECT_EQ(s.at(utc(2024, 4, 2, 7, 0)), state(20240402, TradingPhase::Open));
  EXPECT_EQ(s.at(utc(2024, 4, 2, 15, 30)), state(20240403, TradingPhase::Closed));
}

TEST(TradingSchedule, BoundaryInTheSpringGapIsTheJump) {
  set_process_time_zone("America/New_York");
  ScheduleOptions o = options_in("America/New_York", hm(2, 30), hm(9, 30), hm(16, 0));
  o.trading_weekdays.fill(true);
  const TradingSchedule s(o);
  // Sunday 2024-03-10: 02:00 EST (07:00 UTC) jumps to 03:00 EDT; 02:30
  // never happens, so pre-open starts at the jump.
  EXPECT_EQ(s.next_boundary_after(utc(2024, 3, 10, 5, 0)), utc(2024, 3, 10, 7, 0));
  EXPECT_EQ(s.at(utc(2024, 3, 10, 7, 0) - 1), state(20240310, TradingPhase::Closed));
  EXPECT_EQ(s.at(utc(2024, 3, 10, 7, 0)), state(20240310, TradingPhase::PreOpen));
  EXPECT_EQ(s.at(utc(2024, 3, 10, 13, 30)), state(20240310, TradingPhase::Open));
}

TEST(TradingSchedule, BoundaryTwiceInTheAutumnIsTheFirst) {
  set_process_time_zone("America/New_York");
  ScheduleOptions o = options_in("America/New_York", hm(1, 30), hm(9, 30), hm(16, 0));
  o.trading_weekdays.fill(true);
  const TradingSchedule s(o);
  // Sunday 2024-11-03: 01:30 is 05:30 UTC (EDT) and again 06:30 UTC (EST).
  EXPECT_EQ(s.next_boundary_after(utc(2024, 11, 3, 0, 0)), utc(2024, 11, 3, 5, 30));
  EXPECT_EQ(s.at(utc(2024, 11, 3, 5, 30) - 1), state(20241103, TradingPhase::Closed));
  EXPECT_EQ(s.at(utc(2024, 11, 3, 5, 30)), state(20241103, TradingPhase::PreOpen));
  EXPECT_EQ(s.at(utc(2024, 11, 3, 6, 30)), state(20241103, TradingPhase::PreOpen));
  EXPECT_EQ(s.next_boundary_after(utc(2024, 11, 3, 6, 0)), utc(2024, 11, 3, 14, 30));
}

TEST(TradingSchedule, ShanghaiBusinessDateAheadOfTheUtcDate) {
  set_process_time_zone("Asia/Shanghai");
  ScheduleOptions o = options_in("Asia/Shanghai", hm(9, 15), hm(9, 30), hm(15, 0));
  o.holidays = {20240101};
  const TradingSchedule s(o);
  // UTC+8 all year: 09:15 is 01:15 UTC, 15:00 is 07:00 UTC.
  EXPECT_EQ(s.at(utc(2024, 1, 1, 3, 0)), state(20240102, TradingPhase::Closed));  // holiday
  EXPECT_EQ(s.at(utc(2024, 1, 2, 1, 15) - 1), state(20240102, TradingPhase::Closed));
  EXPECT_EQ(s.at(utc(2024, 1, 2, 1, 15)), state(20240102, TradingPhase::PreOpen));
  EXPECT_EQ(s.at(utc(2024, 1, 2, 1, 30)), state(20240102, TradingPhase::Open));
  EXPECT_EQ(s.at(utc(2024, 1, 2, 7, 0)), state(20240103, TradingPhase::Closed));
  // Wednesday 2024-01-03 at 00:30 local is still Tuesday in UTC.
  EXPECT_EQ(s.at(utc(2024, 1, 2, 16, 30)), state(20240103, TradingPhase::Closed));
  EXPECT_EQ(s.next_boundary_after(utc(2024, 1, 2, 16, 30)), utc(2024, 1, 3, 1, 15));
}

TEST(TradingSchedule, NoPreOpenWhenPreOpenEqualsOpen) {
  set_process_time_zone("UTC");
  const TradingSchedule s(options_in("UTC", hm(8, 0), hm(8, 0), hm(17, 0)));
  EXPECT_EQ(s.at(utc(2024, 1, 9, 8, 0) - 1), state(20240109, TradingPhase::Closed));
  EXPECT_EQ(s.at(utc(2024, 1, 9, 8, 0)), state(20240109, TradingPhase::Open));
  EXPECT_EQ(s.next_boundary_after(utc(2024, 1, 9, 7, 0)), utc(2024, 1, 9, 8, 0));
  EXPECT_EQ(s.next_boundary_after(utc(2024, 1, 9, 8, 0)), utc(2024, 1, 9, 17, 0));
}

TEST(TradingSchedule, DisabledIsAlwaysOpenOnTheUtcDate) {
  set_process_time_zone("Asia/Shanghai");  // ignored when disabled
  const TradingSchedule s{ScheduleOptions{}};
  EXPECT_EQ(s.at(utc(2024, 1, 13, 23, 59, 59) + kNs - 1), state(20240113, TradingPhase::Open));
  EXPECT_EQ(s.at(utc(2024, 1, 14)), state(20240114, TradingPhase::Open));
  EXPECT_EQ(s.next_boundary_after(utc(2024, 1, 14) - 1), utc(2024, 1, 14));
  EXPECT_EQ(s.next_boundary_after(utc(2024, 1, 14)), utc(2024, 1, 15));
  EXPECT_EQ(s.at(-1), state(19691231, TradingPhase::Open));
  EXPECT_TRUE(s.is_trading_day(20240113));
}

// Stepping from boundary to boundary through a week with a holiday: the
// sequence of states, and the state holds until the next boundary.
TEST(TradingSchedule, StepsThroughAWeek) {
  const TradingSchedule s = new_york({20240219});  // Presidents' Day, a Monday
  struct Step {
    std::int64_t at;
    ScheduledState state;
  };
  const std::vector<Step> expected{
      {utc(2024, 2, 16, 21, 0), state(20240220, TradingPhase::Closed)},  // Friday close
      {utc(2024, 2, 20, 14, 0), state(20240220, TradingPhase::PreOpen)},
      {utc(2024, 2, 20, 14, 30), state(20240220, TradingPhase::Open)},
      {utc(2024, 2, 20, 21, 0), state(20240221, TradingPhase::Closed)},
      {utc(2024, 2, 21, 14, 0), state(20240221, TradingPhase::PreOpen)},
      {utc(2024, 2, 21, 14, 30), state(20240221, TradingPhase::Open)},
      {utc(2024, 2, 21, 21, 0), state(20240222, TradingPhase::Closed)},
  };
  std::int64_t now = utc(2024, 2, 16, 18, 0);
  ScheduledState before = s.at(now);
  EXPECT_EQ(before, state(20240216, TradingPhase::Open));
  for (const Step& step : expected) {
    const std::int64_t next = s.next_boundary_after(now);
    ASSERT_EQ(next, step.at);
    EXPECT_EQ(s.at(next - 1), before);
    EXPECT_EQ(s.at(next), step.state);
    before = step.state;
    now = next;
  }
}

// A whole year in New York, boundary by boundary: the state holds between
// boundaries and changes at each, every boundary is at its local time
// whatever the offset, and there is one open per trading day.
TEST(TradingSchedule, StepsThroughAYearOfDaylightSavingChanges) {
  const std::vector<std::int32_t> holidays{20240101, 20240115, 20240219, 20240329, 20240527,
                                           20240619, 20240704, 20240902, 20241128, 20241225};
  const TradingSchedule s = new_york(holidays);
  std::int64_t now = utc(2024, 1, 1);
  ScheduledState before = s.at(now);
  int opens = 0;
  while (true) {
    const std::int64_t next = s.next_boundary_after(now);
    ASSERT_GT(next, now);
    if (next >= utc(2025, 1, 1)) break;
    const ScheduledState after = s.at(next);
    ASSERT_EQ(s.at(next - 1), before) << next;
    ASSERT_NE(after, before) << next;
    const std::time_t t = static_cast<std::time_t>(next / kNs);
    std::tm local{};
    ASSERT_NE(localtime_r(&t, &local), nullptr);
    const int local_s = local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec;
    const std::int32_t local_date =
        (local.tm_year + 1900) * 10'000 + (local.tm_mon + 1) * 100 + local.tm_mday;
    switch (after.phase) {
      case TradingPhase::PreOpen:
        EXPECT_EQ(local_s, hm(9, 0)) << next;
        EXPECT_EQ(after.business_date, local_date);
        break;
      case TradingPhase::Open:
        EXPECT_EQ(local_s, hm(9, 30)) << next;
        EXPECT_EQ(after.business_date, local_date);
        EXPECT_TRUE(s.is_trading_day(local_date));
        ++opens;
        break;
      case TradingPhase::Closed:
        EXPECT_EQ(local_s, hm(16, 0)) << next;
        EXPECT_GT(after.business_date, local_date);
        break;
    }
    before = after;
    now = next;
  }
  // 2024 has 262 weekdays; every holiday above is one of them.
  EXPECT_EQ(opens, 262 - static_cast<int>(holidays.size()));
}

TEST(TradingSchedule, RejectsBadOptions) {
  set_process_time_zone("UTC");
  auto problem = [](ScheduleOptions o) {
    return invalid_argument_of([&] { TradingSchedule s(o); });
  };
  const ScheduleOptions good = options_in("UTC", hm(8, 0), hm(9, 0), hm(17, 0));
  EXPECT_EQ(problem(good), "");
  ScheduleOptions o = good;
  o.pre_open_s = hm(9, 1);
  EXPECT_NE(problem(o).find("pre_open is after open"), std::string::npos);
  o = good;
  o.close_s = o.open_s;
  EXPECT_NE(problem(o).find("open is not before close"), std::string::npos);
  o = good;
  o.close_s = 86'400;
  EXPECT_NE(problem(o).find("close 86400"), std::string::npos);
  o = good;
  o.trading_weekdays.fill(false);
  EXPECT_NE(problem(o).find("no trading weekday"), std::string::npos);
  o = good;
  o.holidays = {20230229};
  EXPECT_NE(problem(o).find("20230229 is not a date"), std::string::npos);
  o = good;
  o.holidays = {20240102, 20240101};
  EXPECT_NE(problem(o).find("not sorted"), std::string::npos);
  o = good;
  o.holidays = {20240101, 20240101};
  EXPECT_NE(problem(o).find("not sorted"), std::string::npos);
}

TEST(TradingSchedule, RequiresTheProcessZoneToBeItsZone) {
  set_process_time_zone("UTC");
  const std::string problem = invalid_argument_of(
      [] { TradingSchedule s(options_in("Europe/London", hm(8, 0), hm(9, 0), hm(17, 0))); });
  EXPECT_NE(problem.find("set_process_time_zone"), std::string::npos) << problem;
  set_process_time_zone("Europe/London");
  EXPECT_EQ(invalid_argument_of([] {
              TradingSchedule s(options_in("Europe/London", hm(8, 0), hm(9, 0), hm(17, 0)));
            }),
            "");
}

TEST(ProcessTimeZone, RejectsWhatIsNotAZone) {
  EXPECT_EQ(time_zone_problem("UTC"), "");
  EXPECT_EQ(time_zone_problem("Europe/London"), "");
  for (const char* name : {"", "Mars/Olympus_Mons", "Europe", "../../etc/passwd", "/etc/localtime",
                           "zone1970.tab", "Europe/London "}) {
    EXPECT_NE(time_zone_problem(name), "") << name;
    EXPECT_THROW(set_process_time_zone(name), std::invalid_argument) << name;
  }
}

}  // namespace
}  // namespace matchgate::risk
