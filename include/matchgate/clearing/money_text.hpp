#pragma once
// Exact decimal text of money in 1e-8 units: settlement reports, the
// ledger's messages and matchgate-clearing load's COPY rows (PostgreSQL's
// numeric reads it exactly) all write amounts through it.
#include <cstddef>
#include <string>

#include "matchgate/clearing/fees.hpp"

namespace matchgate::clearing {

// Room for any Money: a sign, the whole part (at most 31 digits of a
// 127-bit magnitude / 1e8), '.', eight fraction digits.
inline constexpr std::size_t kMoneyTextMax = 1 + 31 + 1 + 8;

// Writes the shortest exact text of `value_e8` at `out`, which has room for
// kMoneyTextMax characters: no trailing fraction zeros, no '.' for whole
// numbers, "-" for negatives ("-12.3", "7", "0.00000001"). Returns one past
// the last character written. No allocation.
char* money_chars(Money value_e8, char* out) noexcept;
// The same text as a string.
std::string money_text(Money value_e8);

}  // namespace matchgate::clearing
