#pragma once
// Exact decimal text <-> fixed-point int64 with 8 fraction digits (the
// engine's price scale). Used on the FIX path for every price, so parsing
// never throws and never allocates; a value that cannot be represented
// exactly is an error, never rounded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace matchgate::util {

inline constexpr int kDecimalPlaces = 8;
inline constexpr std::int64_t kDecimalScale = 100'000'000;

enum class DecimalError : std::uint8_t {
  None = 0,
  Empty,             // ""
  BadSign,           // "+1", "--1", "-"
  NoDigits,          // ".5", "1.", "-."
  InvalidCharacter,  // spaces, exponents, letters, a second '.'
  TooManyDecimals,   // more than kDecimalPlaces digits after the point
  Overflow,          // magnitude beyond int64 at scale 10^8
};

// Static text, so callers can put it in a reject message without copying.
const char* to_string(DecimalError e) noexcept;

struct DecimalParse {
  std::int64_t value = 0;  // units of 10^-8; 0 when error != None
  DecimalError error = DecimalError::None;

  bool ok() const noexcept { return error == DecimalError::None; }
  explicit operator bool() const noexcept { return ok(); }
  const char* message() const noexcept { return to_string(error); }
};

// Grammar: ['-'] digit+ ['.' digit{1,8}]. Leading zeros are accepted ("007.5");
// "-0" parses as 0.
DecimalParse parse_decimal(std::string_view text) noexcept;

// Longest text format_decimal can produce: "-92233720368.54775808".
inline constexpr std::size_t kMaxDecimalChars = 21;

// Shortest exact text for `value` (no trailing fraction zeros, no '.' for
// whole numbers) written to buf without a terminator. Returns the length, or
// 0 if `cap` is too small (kMaxDecimalChars always suffices).
std::size_t format_decimal(std::int64_t value, char* buf, std::size_t cap) noexcept;

std::string format_decimal(std::int64_t value);

}  // namespace matchgate::util
