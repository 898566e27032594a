#include "matchgate/util/decimal.hpp"

#include <limits>

namespace matchgate::util {

const char* to_string(DecimalError e) noexcept {
  switch (e) {
    case DecimalError::None:
      return "ok";
    case DecimalError::Empty:
      return "empty decimal";
    case DecimalError::BadSign:
      return "bad sign (only a leading '-' is allowed)";
    case DecimalError::NoDigits:
      return "digits required on both sides of '.'";
    case DecimalError::InvalidCharacter:
      return "invalid character in decimal (digits, one '.', leading '-' only)";
    case DecimalError::TooManyDecimals:
      return "more than 8 fraction digits";
    case DecimalError::Overflow:
      return "decimal out of range";
  }
  return "invalid decimal";
}

namespace {

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

DecimalParse fail(DecimalError e) noexcept {
  return DecimalParse{0, e};
}

}  // namespace

DecimalParse parse_decimal(std::string_view text) noexcept {
  if (text.empty()) return fail(DecimalError::Empty);
  std::size_t i = 0;
  bool negative = false;
  if (text[0] == '-') {
    negative = true;
    ++i;
  } else if (text[0] == '+') {
    return fail(DecimalError::BadSign);
  }
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) return fail(DecimalError::BadSign);
  if (i == text.size()) return fail(DecimalError::BadSign);

  // The magnitude is accumulated unsigned so that INT64_MIN, whose magnitude
  // has no positive int64, still parses.
  const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  std::uint64_t whole = 0;
  std::size_t whole_digits = 0;
  bool overflow = false;
  for (; i < text.size() && is_digit(text[i]); ++i, ++whole_digits) {
    if (__builtin_mul_overflow(whole, 10U, &whole) ||
        __builtin_add_overflow(whole, static_cast<std::uint64_t>(text[i] - '0'), &whole)) {
      overflow = true;  // keep scanning: junk later in the text is the better message
    }
  }

  std::uint64_t frac = 0;
  int frac_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      if (frac_digits == kDecimalPlaces) {
        // Still check the rest so "1.123456789x" reports the junk, not the length.
        for (std::size_t j = i; j < text.size(); ++j) {
          if (!is_digit(text[j])) return fail(DecimalError::InvalidCharacter);
        }
        return fail(DecimalError::TooManyDecimals);
      }
      frac = frac * 10 + static_cast<std::uint64_t>(text[i] - '0');
      ++frac_digits;
    }
    if (frac_digits == 0) {
      return fail(i < text.size() ? DecimalError::InvalidCharacter : DecimalError::NoDigits);
    }
  }
  if (i != text.size()) {
    if (whole_digits == 0 && text[i] == '.') return fail(DecimalError::NoDigits);
    return fail(DecimalError::InvalidCharacter);
  }
  if (whole_digits == 0) return fail(DecimalError::NoDigits);
  if (overflow) return fail(DecimalError::Overflow);

  for (int d = frac_digits; d < kDecimalPlaces; ++d) frac *= 10;
  std::uint64_t magnitude = 0;
  if (__builtin_mul_overflow(whole, static_cast<std::uint64_t>(kDecimalScale), &magnitude) ||
      __builtin_add_overflow(magnitude, frac, &magnitude) || magnitude > limit) {
    return fail(DecimalError::Overflow);
  }
  std::int64_t value = 0;
  if (negative) {
    // Two's complement negation of the magnitude; defined for 2^63 as well.
    value = static_cast<std::int64_t>(~magnitude + 1);
  } else {
    value = static_cast<std::int64_t>(magnitude);
  }
  return DecimalParse{value, DecimalError::None};
}

std::size_t format_decimal(std::int64_t value, char* buf, std::size_t cap) noexcept {
  const bool negative = value < 0;
  const std::uint64_t magnitude =
      negative ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
  std::uint64_t whole = magnitude / static_cast<std::uint64_t>(kDecimalScale);
  std::uint64_t frac = magnitude % static_cast<std::uint64_t>(kDecimalScale);

  // Built right to left in a scratch buffer, then copied, so `cap` is checked once.
  char tmp[kMaxDecimalChars];
  std::size_t pos = sizeof tmp;
  if (frac != 0) {
    int digits = kDecimalPlaces;
    while (frac % 10 == 0) {
      frac /= 10;
      --digits;
    }
    for (int d = 0; d < digits; ++d) {
      tmp[--pos] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    tmp[--pos] = '.';
  }
  do {
    tmp[--pos] = static_cast<char>('0' + whole % 10);
    whole /= 10;
  } while (whole != 0);
  if (negative) tmp[--pos] = '-';

  const std::size_t len = sizeof tmp - pos;
  if (len > cap) return 0;
  for (std::size_t k = 0; k < len; ++k) buf[k] = tmp[pos + k];
  return len;
}

std::string format_decimal(std::int64_t value) {
  char buf[kMaxDecimalChars];
  return std::string(buf, format_decimal(value, buf, sizeof buf));
}

}  // namespace matchgate::util
