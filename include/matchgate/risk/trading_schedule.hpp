#pragma once
// The trading day: which phase (Closed, PreOpen, Open) the exchange is in at
// a given UTC time, and which business date that time belongs to, from a
// schedule in local time (docs/CONFIG.md, [trading_day]). Pure calendar
// logic: no threads, no clocks; the only outside state read is the process
// time zone (TZ), through localtime_r.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace matchgate::risk {

enum class TradingPhase : std::uint8_t { Closed = 0, PreOpen = 1, Open = 2 };

// "closed", "pre-open", "open".
const char* to_string(TradingPhase p) noexcept;

inline constexpr std::int32_t kSecondsPerDay = 86'400;

struct ScheduleOptions {
  // false (no [trading_day] section): always Open, the business date is the
  // UTC calendar date and changes at UTC midnight.
  bool enabled = false;
  std::string time_zone = "UTC";  // IANA name; must be the process zone when enabled
  // Seconds after local midnight, 0 <= pre_open <= open < close < 86400.
  // pre_open == open means no PreOpen phase.
  std::int32_t pre_open_s = 0;
  std::int32_t open_s = 0;
  std::int32_t close_s = 0;
  std::vector<std::int32_t> holidays;  // yyyymmdd, sorted, no duplicates
  // Index = tm_wday (0 = Sunday); at least one must be true when enabled.
  std::array<bool, 7> trading_weekdays{false, true, true, true, true, true, false};
};

struct ScheduledState {
  std::int32_t business_date = 0;  // yyyymmdd
  TradingPhase phase = TradingPhase::Closed;
  bool operator==(const ScheduledState&) const = default;
};

// Semantics (docs/CONFIG.md, [trading_day]): the business date at time t
// is the first trading day whose close is after t (so it rolls at the
// close, and a weekend or holiday belongs to the next trading day); the
// phase is PreOpen from that day's pre-open, Open from its open, Closed
// before its pre-open. A boundary whose local time falls in a DST gap is
// the instant the clocks jump; one whose local time occurs twice is its
// first occurrence (in both cases: the first instant the local clock
// reads at or after the configured time).
//
// Build it before any other thread exists (it checks the process zone set
// by set_process_time_zone); after that, all members are const and may be
// called from any thread. at() and next_boundary_after() cost about 2 us
// of CPU each (a dozen localtime_r calls): ask at the boundaries
// next_boundary_after() gives, not per message.
class TradingSchedule {
 public:
  // Throws std::invalid_argument naming the problem: bad times, unsorted or
  // invalid holidays, no trading weekday, or a process time zone other than
  // options.time_zone.
  explicit TradingSchedule(ScheduleOptions options);

  // The state the schedule says at UTC time `utc_ns` (ns since the epoch).
  ScheduledState at(std::int64_t utc_ns) const;
  // The first instant strictly after `utc_ns` at which at() changes (UTC
  // ns). Disabled: the next UTC midnight, where the business date changes.
  std::int64_t next_boundary_after(std::int64_t utc_ns) const;
  // A weekday listed as trading and not a holiday. Disabled: every day.
  bool is_trading_day(std::int32_t yyyymmdd) const;
  const ScheduleOptions& options() const noexcept { return options_; }

 private:
  struct DayBoundaries {  // UTC seconds of one trading day's phase changes
    std::int64_t pre_open;
    std::int64_t open;
    std::int64_t close;
  };
  bool is_trading_day_number(std::int32_t days) const;
  DayBoundaries boundaries_of(std::int32_t days) const;
  // The first trading day, from the local day before `utc_s`'s on, whose
  // close is after `utc_s`; its number and boundaries.
  std::int32_t current_trading_day(std::int64_t utc_s, DayBoundaries& out) const;

  ScheduleOptions options_;
};

// Sets the process time zone (TZ and tzset()) to the IANA zone `name`.
// Call once at start, before any thread exists: setenv is not thread-safe.
// Throws std::invalid_argument when /usr/share/zoneinfo/<name> is not a
// zone file (except "UTC", which needs none).
void set_process_time_zone(const std::string& name);
// Empty when `name` is a time zone set_process_time_zone accepts, else why not.
std::string time_zone_problem(const std::string& name);

// Civil (proleptic Gregorian) dates: yyyymmdd, days since 1970-01-01.
constexpr std::int32_t days_from_civil(std::int32_t y, std::int32_t m, std::int32_t d) noexcept {
  // Years counted from March, so the leap day is the last day of the year.
  y -= m <= 2 ? 1 : 0;
  const std::int32_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int32_t year_of_era = y - era * 400;                                   // [0, 399]
  const std::int32_t day_of_year = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  // [0, 365]
  const std::int32_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // [0, 146096]
  return era * 146'097 + day_of_era - 719'468;
}

constexpr std::int32_t yyyymmdd_from_days(std::int32_t days) noexcept {
  const std::int32_t z = days + 719'468;
  const std::int32_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const std::int32_t day_of_era = z - era * 146'097;
  const std::int32_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  const std::int32_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int32_t mp = (5 * day_of_year + 2) / 153;  // month from March, [0, 11]
  const std::int32_t d = day_of_year - (153 * mp + 2) / 5 + 1;
  const std::int32_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int32_t y = year_of_era + era * 400 + (m <= 2 ? 1 : 0);
  return y * 10'000 + m * 100 + d;
}

constexpr std::int32_t days_from_yyyymmdd(std::int32_t yyyymmdd) noexcept {
  return days_from_civil(yyyymmdd / 10'000, yyyymmdd / 100 % 100, yyyymmdd % 100);
}

// A real calendar date (the round trip through days is the identity).
constexpr bool valid_yyyymmdd(std::int32_t yyyymmdd) noexcept {
  const std::int32_t m = yyyymmdd / 100 % 100;
  const std::int32_t d = yyyymmdd % 100;
  if (yyyymmdd < 1'000'101 || yyyymmdd > 99'991'231 || m < 1 || m > 12 || d < 1 || d > 31)
    return false;
  return yyyymmdd_from_days(days_from_yyyymmdd(yyyymmdd)) == yyyymmdd;
}

// 0 = Sunday, as tm_wday; 1970-01-01 was a Thursday.
constexpr std::int32_t weekday_of_days(std::int32_t days) noexcept {
  return ((days + 4) % 7 + 7) % 7;
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(yyyymmdd_from_days(0) == 19'700'101);
static_assert(days_from_yyyymmdd(20'000'301) == 11'017);
static_assert(yyyymmdd_from_days(11'016) == 20'000'229);
static_assert(weekday_of_days(days_from_yyyymmdd(20'240'101)) == 1);  // a Monday
static_assert(weekday_of_days(-1) == 3);                              // 1969-12-31, a Wednesday

}  // namespace matchgate::risk
