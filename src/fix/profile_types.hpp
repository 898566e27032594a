#pragma once
// The shape of the profile tables that dictionary_gen/ writes from
// docs/fix/FIX44-matchgate.xml (build/.../fix44_profile_tables.hpp) and that
// field_check.cpp reads, and how each FIX data type's values are checked.
// Shared by the generator (a build tool) and the checker, so both agree on
// what a type means: the generator refuses an enumeration value its field's
// type would reject.
#include <array>
#include <cstdint>
#include <string_view>

#include "matchgate/fix/tags.hpp"

namespace matchgate::fix::profile {

// How the checker reads a field's value; FIX data types map onto these.
enum class ValueFormat : std::uint8_t {
  Unchecked,     // STRING and every type below without a syntax of its own
  Int,           // optional '-', digits
  Digits,        // digits only
  Decimal,       // optional '-', digits, optionally '.' and digits
  Char,          // exactly one character
  Boolean,       // Y or N
  UtcTimestamp,  // parse_utc_timestamp (value.hpp)
};

struct DataType {
  std::string_view name;  // type="..." in the dictionary
  ValueFormat format;
};

// The FIX 4.4 data types a dictionary may use (those of QuickFIX's
// spec/FIX44.xml except DATA: binary values may contain SOH, which the
// framing and MessageView do not support).
inline constexpr std::array<DataType, 22> kDataTypes = {{
    {"INT", ValueFormat::Int},
    {"SEQNUM", ValueFormat::Digits},
    {"LENGTH", ValueFormat::Digits},
    {"NUMINGROUP", ValueFormat::Digits},
    {"PRICE", ValueFormat::Decimal},
    {"QTY", ValueFormat::Decimal},
    {"AMT", ValueFormat::Decimal},
    {"FLOAT", ValueFormat::Decimal},
    {"PRICEOFFSET", ValueFormat::Decimal},
    {"PERCENTAGE", ValueFormat::Decimal},
    {"CHAR", ValueFormat::Char},
    {"BOOLEAN", ValueFormat::Boolean},
    {"UTCTIMESTAMP", ValueFormat::UtcTimestamp},
    {"STRING", ValueFormat::Unchecked},
    {"MULTIPLEVALUESTRING", ValueFormat::Unchecked},
    {"COUNTRY", ValueFormat::Unchecked},
    {"CURRENCY", ValueFormat::Unchecked},
    {"EXCHANGE", ValueFormat::Unchecked},
    {"LOCALMKTDATE", ValueFormat::Unchecked},
    {"MONTHYEAR", ValueFormat::Unchecked},
    {"UTCDATEONLY", ValueFormat::Unchecked},
    {"UTCTIMEONLY", ValueFormat::Unchecked},
}};

// nullptr for a type name the checker does not know.
constexpr const DataType* find_data_type(std::string_view name) noexcept {
  for (const DataType& t : kDataTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

// The enumerator's name, for the generated source.
constexpr std::string_view enumerator_name(ValueFormat f) noexcept {
  switch (f) {
    case ValueFormat::Unchecked:
      return "Unchecked";
    case ValueFormat::Int:
      return "Int";
    case ValueFormat::Digits:
      return "Digits";
    case ValueFormat::Decimal:
      return "Decimal";
    case ValueFormat::Char:
      return "Char";
    case ValueFormat::Boolean:
      return "Boolean";
    case ValueFormat::UtcTimestamp:
      return "UtcTimestamp";
  }
  return "Unchecked";
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// How many digits `s` starts with.
constexpr std::size_t leading_digits(std::string_view s) noexcept {
  std::size_t n = 0;
  while (n < s.size() && is_digit(s[n])) ++n;
  return n;
}

constexpr bool is_digits(std::string_view s) noexcept {
  return !s.empty() && leading_digits(s) == s.size();
}

constexpr bool is_int(std::string_view s) noexcept {
  return is_digits(!s.empty() && s[0] == '-' ? s.substr(1) : s);
}

// No '+', no exponent, digits on both sides of a '.', as the gateway's own
// decimal parser (util) reads prices and quantities.
constexpr bool is_decimal(std::string_view s) noexcept {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  const std::size_t whole = leading_digits(s);
  if (whole == 0) return false;
  if (whole == s.size()) return true;
  return s[whole] == '.' && is_digits(s.substr(whole + 1));
}

// Whether `value` is written as values of `format` are. UtcTimestamp is
// left to parse_utc_timestamp, which also checks the calendar.
constexpr bool matches_syntax(ValueFormat format, std::string_view value) noexcept {
  switch (format) {
    case ValueFormat::Int:
      return is_int(value);
    case ValueFormat::Digits:
      return is_digits(value);
    case ValueFormat::Decimal:
      return is_decimal(value);
    case ValueFormat::Char:
      return value.size() == 1;
    case ValueFormat::Boolean:
      return value == "Y" || value == "N";
    case ValueFormat::UtcTimestamp:
    case ValueFormat::Unchecked:
      break;
  }
  return !value.empty();
}

// One <field> of <fields>.
struct FieldSpec {
  Tag tag = 0;
  ValueFormat format = ValueFormat::Unchecked;
  // Its <value enum=...>s: kValues[first_value, first_value + value_count);
  // no values means any value of the format.
  std::uint16_t first_value = 0;
  std::uint16_t value_count = 0;
};

// A <field> of <header>, <trailer> or a <message>.
struct FieldUse {
  Tag tag = 0;
  bool required = false;
};

// A <message>: its fields are kBodies[first_field, first_field + field_count),
// in the XML's order.
struct MessageSpec {
  std::string_view msg_type;
  std::uint16_t first_field = 0;
  std::uint16_t field_count = 0;
};

}  // namespace matchgate::fix::profile
