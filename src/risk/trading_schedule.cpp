#include "matchgate/risk/trading_schedule.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <utility>

#include "matchgate/util/assert.hpp"

namespace matchgate::risk {

namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::int64_t kNsPerDay = kNsPerSecond * kSecondsPerDay;
constexpr const char* kZoneDir = "/usr/share/zoneinfo";

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// The TZ value set_process_time_zone sets for `name`: a leading ':' makes
// glibc read the zone file and never parse the name as a POSIX TZ rule;
// "UTC0" is UTC without needing a zone file.
std::string tz_value(const std::string& name) {
  return name == "UTC" ? "UTC0" : ":" + name;
}

std::tm local_tm(std::int64_t utc_s) {
  const std::time_t t = static_cast<std::time_t>(utc_s);
  std::tm tm{};
  const bool converted = localtime_r(&t, &tm) != nullptr;
  MATCHGATE_ASSERT(converted, "localtime_r failed on a time within the schedule's range");
  return tm;
}

// The local wall clock at `utc_s`, as seconds since 1970-01-01 00:00 local.
std::int64_t local_wall(std::int64_t utc_s) {
  return utc_s + local_tm(utc_s).tm_gmtoff;
}

std::int32_t local_days(std::int64_t utc_s) {
  const std::tm tm = local_tm(utc_s);
  return days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

// The first UTC second at which the local clock reads `wall` or later:
// the unique instant when `wall` occurs once, the first of two when the
// clocks fall back over it, the instant of the jump when they spring
// forward over it. Not mktime: its choice inside a gap is unspecified.
std::int64_t utc_of_local_wall(std::int64_t wall) {
  // At most one offset change near `wall`: the offsets a day either side
  // are the offsets before and after it.
  const std::int64_t before = wall - local_tm(wall - kSecondsPerDay).tm_gmtoff;
  const std::int64_t after = wall - local_tm(wall + kSecondsPerDay).tm_gmtoff;
  const bool before_fits = local_wall(before) == wall;
  const bool after_fits = local_wall(after) == wall;
  if (before_fits && after_fits) return std::min(before, after);
  if (before_fits) return before;
  if (after_fits) return after;
  // A gap: the clock reads below `wall` until the jump and above it after.
  std::int64_t lo = std::min(before, after);
  std::int64_t hi = std::max(before, after);
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (local_wall(mid) >= wall) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

bool valid_zone_name(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '_' || c == '-' || c == '+';
  });
}

std::string second_of_day(std::int32_t s) {
  return std::to_string(s) + " (expected 0.." + std::to_string(kSecondsPerDay - 1) + ")";
}

void check_options(const ScheduleOptions& o) {
  auto bad = [](const std::string& why) { throw std::invalid_argument("trading_day: " + why); };
  for (auto [name, value] : {std::pair{"pre_open", o.pre_open_s}, std::pair{"open", o.open_s},
                             std::pair{"close", o.close_s}}) {
    if (value < 0 || value >= kSecondsPerDay) bad(std::string(name) + " " + second_of_day(value));
  }
  if (o.pre_open_s > o.open_s) bad("pre_open is after open");
  if (o.open_s >= o.close_s) bad("open is not before close");
  if (std::none_of(o.trading_weekdays.begin(), o.trading_weekdays.end(), [](bool b) { return b; }))
    bad("no trading weekday");
  for (std::size_t i = 0; i < o.holidays.size(); ++i) {
    if (!valid_yyyymmdd(o.holidays[i]))
      bad("holiday " + std::to_string(o.holidays[i]) + " is not a date");
    if (i > 0 && o.holidays[i - 1] >= o.holidays[i])
      bad("holidays are not sorted without duplicates at " + std::to_string(o.holidays[i]));
  }
  if (std::string problem = time_zone_problem(o.time_zone); !problem.empty())
    bad("time zone \"" + o.time_zone + "\": " + problem);
  const char* tz = std::getenv("TZ");
  if (tz == nullptr || tz != tz_value(o.time_zone)) {
    bad("the process time zone is " +
        (tz == nullptr ? std::string("unset") : "TZ=" + std::string(tz)) + ", not \"" +
        o.time_zone + "\" (call set_process_time_zone before starting threads)");
  }
}

}  // namespace

const char* to_string(TradingPhase p) noexcept {
  switch (p) {
    case TradingPhase::Closed:
      return "closed";
    case TradingPhase::PreOpen:
      return "pre-open";
    case TradingPhase::Open:
      return "open";
  }
  return "?";
}

std::string time_zone_problem(const std::string& name) {
  if (name == "UTC") return {};
  if (!valid_zone_name(name)) return "not an IANA time zone name such as \"Europe/London\"";
  const std::string path = std::string(kZoneDir) + "/" + name;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return "no zone file " + path + " (unknown zone, or tzdata is not installed)";
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  if (!in.read(magic, sizeof magic) || std::string_view(magic, sizeof magic) != "TZif")
    return path + " is not a zone file";
  return {};
}

void set_process_time_zone(const std::string& name) {
  if (std::string problem = time_zone_problem(name); !problem.empty())
    throw std::invalid_argument("time zone \"" + name + "\": " + problem);
  if (::setenv("TZ", tz_value(name).c_str(), 1) != 0)
    throw std::invalid_argument("time zone \"" + name + "\": setenv failed");
  ::tzset();
}

TradingSchedule::TradingSchedule(ScheduleOptions options) : options_(std::move(options)) {
  if (options_.enabled) check_options(options_);
}

bool TradingSchedule::is_trading_day(std::int32_t yyyymmdd) const {
  if (!valid_yyyymmdd(yyyymmdd)) return false;
  return !options_.enabled || is_trading_day_number(days_from_yyyymmdd(yyyymmdd));
}

bool TradingSchedule::is_trading_day_number(std::int32_t days) const {
  if (!options_.trading_weekdays[static_cast<std::size_t>(weekday_of_days(days))]) return false;
  return !std::binary_search(options_.holidays.begin(), options_.holidays.end(),
                             yyyymmdd_from_days(days));
}

TradingSchedule::DayBoundaries TradingSchedule::boundaries_of(std::int32_t days) const {
  const std::int64_t midnight = std::int64_t{days} * kSecondsPerDay;
  return {utc_of_local_wall(midnight + options_.pre_open_s),
          utc_of_local_wall(midnight + options_.open_s),
          utc_of_local_wall(midnight + options_.close_s)};
}

std::int32_t TradingSchedule::current_trading_day(std::int64_t utc_s, DayBoundaries& out) const {
  // From the day before: a clock set back over midnight can put a day's
  // close after an instant whose local date is the next day.
  std::int32_t day = local_days(utc_s) - 1;
  // Every week has a trading weekday; each holiday can skip at most one.
  const std::size_t max_days = 7 * (options_.holidays.size() + 2);
  for (std::size_t i = 0; i < max_days; ++i, ++day) {
    if (!is_trading_day_number(day)) continue;
    out = boundaries_of(day);
    if (out.close > utc_s) return day;
  }
  MATCHGATE_ASSERT(false, "no trading day ahead although a weekday is a trading day");
}

ScheduledState TradingSchedule::at(std::int64_t utc_ns) const {
  if (!options_.enabled)
    return {yyyymmdd_from_days(static_cast<std::int32_t>(floor_div(utc_ns, kNsPerDay))),
            TradingPhase::Open};
  // Boundaries are whole seconds, so comparing the second is exact.
  const std::int64_t utc_s = floor_div(utc_ns, kNsPerSecond);
  DayBoundaries b{};
  const std::int32_t day = current_trading_day(utc_s, b);
  TradingPhase phase = TradingPhase::Closed;
  if (utc_s >= b.open) {
    phase = TradingPhase::Open;
  } else if (utc_s >= b.pre_open) {
    phase = TradingPhase::PreOpen;
  }
  return {yyyymmdd_from_days(day), phase};
}

std::int64_t TradingSchedule::next_boundary_after(std::int64_t utc_ns) const {
  if (!options_.enabled) return (floor_div(utc_ns, kNsPerDay) + 1) * kNsPerDay;
  const std::int64_t utc_s = floor_div(utc_ns, kNsPerSecond);
  DayBoundaries b{};
  current_trading_day(utc_s, b);
  for (std::int64_t boundary : {b.pre_open, b.open, b.close}) {
    if (boundary > utc_s) return boundary * kNsPerSecond;
  }
  MATCHGATE_ASSERT(false, "the current trading day's close is after now");
}

}  // namespace matchgate::risk
