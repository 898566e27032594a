#pragma once
// Text for settlement reports: exact decimal money (money_text.hpp, public),
// UTC times, CSV fields,
// JSON strings, and a small JSON reader for the manifest. Private to the
// clearing module.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "matchgate/clearing/fees.hpp"
#include "matchgate/clearing/money_text.hpp"

namespace matchgate::clearing::text {

// `numerator / denominator` rounded to a whole number, half away from zero;
// denominator > 0 (average prices, fees).
Money divide_rounded(Money numerator, Money denominator);
// "2024-03-15T09:30:00.123456789Z": UTC, always nine fraction digits.
std::string utc_time(std::int64_t ns);
// A CSV field: quoted (RFC 4180) only when it holds a comma, a quote, CR or LF.
std::string csv_field(std::string_view s);
// A JSON string literal, quotes included.
std::string json_string(std::string_view s);
std::string hex(const std::uint8_t* data, std::size_t size);

struct JsonMember;

// A parsed JSON value: objects, arrays, strings, integers (no fractions,
// no exponents: the manifest has none), true, false, null.
struct Json {
  enum class Kind { Null, Bool, Int, String, Array, Object } kind = Kind::Null;
  bool boolean = false;
  std::int64_t integer = 0;
  std::string string;
  std::vector<Json> array;
  // In document order. A struct of its own, not std::pair: a pair of the
  // incomplete Json is ill-formed, and clang rejects it.
  std::vector<JsonMember> object;
  // The member `key` of an object, or null.
  const Json* find(std::string_view key) const;
};
struct JsonMember {
  std::string key;
  Json value;
};
// Throws std::runtime_error saying where the text stops being JSON.
Json parse_json(std::string_view text);

}  // namespace matchgate::clearing::text
