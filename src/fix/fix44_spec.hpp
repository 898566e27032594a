#pragma once
// Facts of the FIX 4.4 specification that the profile checker
// (field_check.cpp) and its table generator (dictionary_gen/) need beyond
// what docs/fix/FIX44-matchgate.xml says: which tag numbers FIX 4.4 defines,
// and which fields make up its standard header.
#include <array>

#include "matchgate/fix/tags.hpp"

namespace matchgate::fix::fix44 {

struct TagRange {
  Tag first = 0;
  Tag last = 0;  // inclusive
};

// The numbers of FIX 4.4's fields, as the <fields> of QuickFIX's
// spec/FIX44.xml (the FIX 4.4 data dictionary QuickFIX ships) list them:
// 912 numbers from 1 to 956. The gaps are numbers that list does not have
// (fields of earlier versions that FIX 4.4 no longer defines).
inline constexpr std::array<TagRange, 27> kFieldNumbers = {{
    {1, 19},    {21, 23},   {25, 45},   {48, 50},   {52, 75},   {77, 85},   {87, 91},
    {93, 100},  {102, 104}, {106, 108}, {110, 124}, {126, 165}, {167, 172}, {188, 203},
    {206, 218}, {220, 260}, {262, 313}, {315, 318}, {320, 369}, {371, 438}, {441, 448},
    {451, 464}, {466, 652}, {654, 684}, {686, 808}, {810, 830}, {832, 956},
}};

// FIX reserves 5000-9999 for user-defined fields agreed between
// counterparties (10000 and above for a firm's internal use).
inline constexpr TagRange kUserDefined = {5000, 9999};

constexpr bool is_field_number(Tag tag) noexcept {
  for (const TagRange& r : kFieldNumbers) {
    if (tag >= r.first && tag <= r.last) return true;
  }
  return false;
}

constexpr bool is_user_defined(Tag tag) noexcept {
  return tag >= kUserDefined.first && tag <= kUserDefined.last;
}

constexpr int count_field_numbers() noexcept {
  int n = 0;
  for (const TagRange& r : kFieldNumbers) n += r.last - r.first + 1;
  return n;
}
static_assert(count_field_numbers() == 912, "FIX 4.4 defines 912 fields");

// The fields of the FIX 4.4 Standard Header, in the specification's order
// (8, 9 and 35 first); 628-630 are the fields of the NoHops(627) group.
inline constexpr std::array<Tag, 30> kStandardHeader = {
    8,   9,   35,  49, 56, 115, 128, 90,  91,  34,  50,  142, 57,  143, 116,
    144, 129, 145, 43, 97, 52,  122, 212, 213, 347, 369, 627, 628, 629, 630,
};

constexpr bool standard_header_is_fix44() noexcept {
  for (Tag t : kStandardHeader) {
    if (!is_field_number(t)) return false;
  }
  return true;
}
static_assert(standard_header_is_fix44());

}  // namespace matchgate::fix::fix44
