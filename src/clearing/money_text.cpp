#include "matchgate/clearing/money_text.hpp"

#include <charconv>
#include <cstdint>
#include <limits>

#include "matchgate/util/assert.hpp"

namespace matchgate::clearing {

namespace {

constexpr std::uint64_t kScale = 100'000'000;  // 1e-8 units per currency unit
static_assert(engine::kPriceScale == kScale, "money text writes eight fraction digits");

// The whole part, which for every price, fee and most sums fits 64 bits:
// to_chars there, digit by digit through 128-bit division beyond.
char* whole_chars(unsigned __int128 whole, char* out) noexcept {
  if (whole <= std::numeric_limits<std::uint64_t>::max()) {
    const auto r = std::to_chars(out, out + 20, static_cast<std::uint64_t>(whole));
    MATCHGATE_ASSERT(r.ec == std::errc(), "20 characters hold any u64");
    return r.ptr;
  }
  char digits[40];
  std::size_t n = 0;
  for (; whole != 0; whole /= 10)
    digits[n++] = static_cast<char>('0' + static_cast<int>(whole % 10));
  while (n > 0) *out++ = digits[--n];
  return out;
}

}  // namespace

char* money_chars(Money value_e8, char* out) noexcept {
  // Through the magnitude as unsigned: the most negative value has no
  // positive twin.
  const bool negative = value_e8 < 0;
  const auto raw = static_cast<unsigned __int128>(value_e8);
  const unsigned __int128 magnitude = negative ? 0 - raw : raw;
  if (negative) *out++ = '-';
  out = whole_chars(magnitude / kScale, out);
  auto fraction = static_cast<std::uint32_t>(magnitude % kScale);
  if (fraction == 0) return out;
  int digits = 8;
  for (; fraction % 10 == 0; fraction /= 10) --digits;  // no trailing zeros
  *out++ = '.';
  for (int i = digits - 1; i >= 0; --i, fraction /= 10)
    out[i] = static_cast<char>('0' + fraction % 10);
  return out + digits;
}

std::string money_text(Money value_e8) {
  char buf[kMoneyTextMax];
  return std::string(buf, money_chars(value_e8, buf));
}

}  // namespace matchgate::clearing
