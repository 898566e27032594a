#include "matchgate/fix/value.hpp"

#include <chrono>
#include <cstring>
#include <limits>

namespace matchgate::fix {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Exactly `count` digits at `at`; the caller has checked the length.
bool fixed_digits(std::string_view s, std::size_t at, std::size_t count, unsigned& out) noexcept {
  unsigned v = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  out = v;
  return true;
}

void put_digits(char* out, std::size_t count, std::uint32_t v) noexcept {
  for (std::size_t i = count; i-- > 0;) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

// Digits only; distinguishes bad syntax from overflow by scanning to the end
// before deciding, so "99999999999999999999x" is a format error.
ValueResult<std::uint64_t> parse_magnitude(std::string_view text) noexcept {
  if (text.empty()) return {0, ValueError::BadFormat};
  std::uint64_t v = 0;
  bool overflow = false;
  for (char c : text) {
    if (!is_digit(c)) return {0, ValueError::BadFormat};
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) overflow = true;
    v = v * 10 + d;
  }
  if (overflow) return {0, ValueError::OutOfRange};
  return {v, ValueError::None};
}

}  // namespace

ValueResult<std::uint64_t> parse_uint(std::string_view text) noexcept {
  return parse_magnitude(text);
}

ValueResult<std::int64_t> parse_int(std::string_view text) noexcept {
  const bool negative = !text.empty() && text[0] == '-';
  const auto mag = parse_magnitude(negative ? text.substr(1) : text);
  if (!mag) return {0, mag.error};
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (mag.value > kMax + (negative ? 1 : 0)) return {0, ValueError::OutOfRange};
  // Unsigned negation keeps INT64_MIN representable without signed overflow.
  const std::uint64_t bits = negative ? 0 - mag.value : mag.value;
  return {static_cast<std::int64_t>(bits), ValueError::None};
}

ValueResult<char> parse_char(std::string_view text) noexcept {
  if (text.size() != 1) return {0, ValueError::BadFormat};
  return {text[0], ValueError::None};
}

ValueResult<bool> parse_bool(std::string_view text) noexcept {
  if (text == "Y") return {true, ValueError::None};
  if (text == "N") return {false, ValueError::None};
  return {false, ValueError::BadFormat};
}

ValueResult<UtcNanos> parse_utc_timestamp(std::string_view s) noexcept {
  std::int64_t frac_scale = 0;
  switch (s.size()) {
    case 17:
      frac_scale = 0;
      break;
    case 21:
      frac_scale = 1'000'000;
      break;
    case 24:
      frac_scale = 1'000;
      break;
    case 27:
      frac_scale = 1;
      break;
    default:
      return {0, ValueError::BadFormat};
  }
  unsigned y, mo, d, h, mi, sec, frac = 0;
  if (!fixed_digits(s, 0, 4, y) || !fixed_digits(s, 4, 2, mo) || !fixed_digits(s, 6, 2, d) ||
      s[8] != '-' || !fixed_digits(s, 9, 2, h) || s[11] != ':' || !fixed_digits(s, 12, 2, mi) ||
      s[14] != ':' || !fixed_digits(s, 15, 2, sec)) {
    return {0, ValueError::BadFormat};
  }
  if (s.size() > 17 && (s[17] != '.' || !fixed_digits(s, 18, s.size() - 18, frac))) {
    return {0, ValueError::BadFormat};
  }
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(y)},
                                        std::chrono::month{mo}, std::chrono::day{d}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return {0, ValueError::OutOfRange};

  const std::int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  const std::int64_t seconds = days * kSecondsPerDay + h * 3600 + mi * 60 + sec;
  std::int64_t nanos;
  // Years past 2262 do not fit in 64-bit nanoseconds.
  if (__builtin_mul_overflow(seconds, kNanosPerSecond, &nanos) ||
      __builtin_add_overflow(nanos, static_cast<std::int64_t>(frac) * frac_scale, &nanos)) {
    return {0, ValueError::OutOfRange};
  }
  return {nanos, ValueError::None};
}

std::size_t format_utc_timestamp(UtcNanos t, TimePrecision precision,
                                 std::span<char> out) noexcept {
  TimestampFormatter formatter;
  return formatter.format(t, precision, out);
}

std::size_t TimestampFormatter::format(UtcNanos t, TimePrecision precision,
                                       std::span<char> out) noexcept {
  const std::size_t size = timestamp_size(precision);
  if (t < 0 || out.size() < size) return 0;

  const std::int64_t seconds = t / kNanosPerSecond;
  const auto nanos = static_cast<std::uint32_t>(t % kNanosPerSecond);
  const std::int64_t day = seconds / kSecondsPerDay;
  const auto in_day = static_cast<std::uint32_t>(seconds % kSecondsPerDay);
  if (day != day_) {
    const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
    put_digits(date_, 4, static_cast<std::uint32_t>(static_cast<int>(ymd.year())));
    put_digits(date_ + 4, 2, static_cast<unsigned>(ymd.month()));
    put_digits(date_ + 6, 2, static_cast<unsigned>(ymd.day()));
    day_ = day;
  }

  char* p = out.data();
  std::memcpy(p, date_, 8);
  p[8] = '-';
  put_digits(p + 9, 2, in_day / 3600);
  p[11] = ':';
  put_digits(p + 12, 2, in_day / 60 % 60);
  p[14] = ':';
  put_digits(p + 15, 2, in_day % 60);
  if (size > 17) {
    p[17] = '.';
    const std::size_t frac_digits = size - 18;
    std::uint32_t frac = nanos;
    for (std::size_t i = frac_digits; i < 9; ++i) frac /= 10;
    put_digits(p + 18, frac_digits, frac);
  }
  return size;
}

const char* to_string(TimePrecision p) noexcept {
  switch (p) {
    case TimePrecision::Seconds:
      return "seconds";
    case TimePrecision::Millis:
      return "millis";
    case TimePrecision::Micros:
      return "micros";
    case TimePrecision::Nanos:
      return "nanos";
  }
  return "?";
}

}  // namespace matchgate::fix
