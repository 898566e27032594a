#pragma once
// Conversions between FIX field values and C++ values, without exceptions or
// allocation. Decimal (price, quantity) values are left as text: the decimal
// parser lives in util.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "matchgate/fix/tags.hpp"

namespace matchgate::fix {

// Nanoseconds since 1970-01-01T00:00:00Z.
using UtcNanos = std::int64_t;

enum class ValueError : std::uint8_t {
  None,
  Missing,     // the tag is not in the message
  BadFormat,   // not the syntax of the requested type
  OutOfRange,  // right syntax, but the value does not fit or does not exist (month 13)
};

// What a Reject(3) should say about a field that failed to convert.
constexpr SessionRejectReason reject_reason(ValueError e) noexcept {
  switch (e) {
    case ValueError::Missing:
      return SessionRejectReason::RequiredTagMissing;
    case ValueError::OutOfRange:
      return SessionRejectReason::ValueIncorrect;
    case ValueError::BadFormat:
    case ValueError::None:
      break;
  }
  return SessionRejectReason::IncorrectDataFormat;
}

template <class T>
struct ValueResult {
  T value{};
  ValueError error = ValueError::None;

  constexpr bool ok() const noexcept { return error == ValueError::None; }
  constexpr explicit operator bool() const noexcept { return ok(); }
  constexpr T value_or(T fallback) const noexcept { return ok() ? value : fallback; }
};

// Optional '-' then one or more digits; nothing else (no '+', no spaces).
ValueResult<std::int64_t> parse_int(std::string_view text) noexcept;
// Digits only, e.g. MsgSeqNum(34).
ValueResult<std::uint64_t> parse_uint(std::string_view text) noexcept;
// Exactly one byte.
ValueResult<char> parse_char(std::string_view text) noexcept;
// "Y" or "N".
ValueResult<bool> parse_bool(std::string_view text) noexcept;
// UTCTimestamp: YYYYMMDD-HH:MM:SS with an optional fraction of 3, 6 or 9
// digits. Seconds may be 60 (leap second), which reads as the next minute's 0.
ValueResult<UtcNanos> parse_utc_timestamp(std::string_view text) noexcept;

enum class TimePrecision : std::uint8_t { Seconds, Millis, Micros, Nanos };
// "seconds", "millis", "micros", "nanos" (the config's words).
const char* to_string(TimePrecision p) noexcept;

// Longest UTCTimestamp text produced by format_utc_timestamp.
inline constexpr std::size_t kMaxTimestampChars = 27;  // YYYYMMDD-HH:MM:SS.nnnnnnnnn

// Writes the timestamp (truncated to `precision`) into `out` and returns the
// number of chars written, or 0 if `out` is too small or `t` is negative
// (the gateway never has a reason to send times before 1970).
std::size_t format_utc_timestamp(UtcNanos t, TimePrecision precision, std::span<char> out) noexcept;

// Chars format_utc_timestamp writes for `precision`.
constexpr std::size_t timestamp_size(TimePrecision precision) noexcept {
  switch (precision) {
    case TimePrecision::Seconds:
      return 17;
    case TimePrecision::Millis:
      return 21;
    case TimePrecision::Micros:
      return 24;
    case TimePrecision::Nanos:
      return 27;
  }
  return 0;
}

// format_utc_timestamp that remembers the last calendar date it converted:
// consecutive outbound timestamps almost always share the day, and the
// calendar conversion is most of the cost.
class TimestampFormatter {
 public:
  std::size_t format(UtcNanos t, TimePrecision precision, std::span<char> out) noexcept;

 private:
  std::int64_t day_ = -1;  // days since the epoch that date_ spells
  char date_[8] = {};      // YYYYMMDD
};

}  // namespace matchgate::fix
