#include "matchgate/fix/field_check.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fix44_profile_tables.hpp"  // generated from docs/fix/FIX44-matchgate.xml
#include "fix44_spec.hpp"
#include "matchgate/fix/value.hpp"
#include "profile_types.hpp"

namespace matchgate::fix {
namespace {

using profile::FieldSpec;
using profile::FieldUse;
using profile::kBodies;
using profile::kFields;
using profile::kHeader;
using profile::kMessages;
using profile::kTrailer;
using profile::kValues;
using profile::MessageSpec;

static_assert(!kMessages.empty() && kFields.size() < 0xFFFF);

// Everything below is derived at compile time from the generated tables,
// into the shapes a per-message check wants: a direct index by tag and one
// bit per (message type, field).

constexpr Tag table_end() noexcept {
  Tag end = 0;
  for (const FieldSpec& f : kFields) end = std::max(end, f.tag + 1);
  for (Tag t : fix44::kStandardHeader) end = std::max(end, t + 1);
  return end;
}

// What the checker needs to know about a tag below table_end().
struct TagInfo {
  std::uint16_t field = 0;  // index in kFields + 1, 0 outside the profile
  bool header = false;      // profile <header> or FIX 4.4 standard header
};

constexpr auto kTagInfo = [] {
  std::array<TagInfo, static_cast<std::size_t>(table_end())> info{};
  for (std::size_t i = 0; i < kFields.size(); ++i) {
    info[static_cast<std::size_t>(kFields[i].tag)].field = static_cast<std::uint16_t>(i + 1);
  }
  for (const FieldUse& u : kHeader) info[static_cast<std::size_t>(u.tag)].header = true;
  for (Tag t : fix44::kStandardHeader) info[static_cast<std::size_t>(t)].header = true;
  return info;
}();

constexpr TagInfo tag_info(Tag tag) noexcept {
  return tag > 0 && static_cast<std::size_t>(tag) < kTagInfo.size()
             ? kTagInfo[static_cast<std::size_t>(tag)]
             : TagInfo{};
}

// One bit per field of kFields.
using FieldSet = std::array<std::uint64_t, (kFields.size() + 63) / 64>;

// Index in kFields of a tag the tables name.
constexpr std::size_t field_index(Tag tag) noexcept {
  return tag_info(tag).field - 1u;
}

constexpr bool contains(const FieldSet& set, std::size_t field) noexcept {
  return (set[field / 64] >> (field % 64)) & 1u;
}

constexpr void insert(FieldSet& set, std::size_t field) noexcept {
  set[field / 64] |= std::uint64_t{1} << (field % 64);
}

constexpr void add(FieldSet& set, std::span<const FieldUse> uses, bool required_only = false) {
  for (const FieldUse& u : uses) {
    if (u.required || !required_only) insert(set, field_index(u.tag));
  }
}

constexpr std::span<const FieldUse> body_of(const MessageSpec& m) noexcept {
  return std::span<const FieldUse>(kBodies).subspan(m.first_field, m.field_count);
}

// The fields each message type may carry: its own, the header's and the
// trailer's.
constexpr auto kAllowed = [] {
  std::array<FieldSet, kMessages.size()> allowed{};
  for (std::size_t m = 0; m < kMessages.size(); ++m) {
    add(allowed[m], kHeader);
    add(allowed[m], kTrailer);
    add(allowed[m], body_of(kMessages[m]));
  }
  return allowed;
}();

// The fields each message type must carry, for a quick test before looking
// for the first one missing.
constexpr auto kRequired = [] {
  std::array<FieldSet, kMessages.size()> required{};
  for (std::size_t m = 0; m < kMessages.size(); ++m) {
    add(required[m], kHeader, true);
    add(required[m], kTrailer, true);
    add(required[m], body_of(kMessages[m]), true);
  }
  return required;
}();

constexpr bool includes(const FieldSet& set, const FieldSet& subset) noexcept {
  for (std::size_t i = 0; i < set.size(); ++i) {
    if ((subset[i] & ~set[i]) != 0) return false;
  }
  return true;
}

// Values and MsgTypes are a few bytes: comparing them in line costs less
// than a call to memcmp.
constexpr bool same_text(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

constexpr std::size_t kNoMessage = kMessages.size();
static_assert(kMessages.size() < 255);

// Index in kMessages + 1 of each one-character MsgType, 0 for the others.
constexpr auto kOneCharTypes = [] {
  std::array<std::uint8_t, 128> index{};
  for (std::size_t i = 0; i < kMessages.size(); ++i) {
    const std::string_view t = kMessages[i].msg_type;
    if (t.size() == 1)
      index[static_cast<unsigned char>(t[0]) % 128] = static_cast<std::uint8_t>(i + 1);
  }
  return index;
}();

std::size_t find_message(std::string_view msg_type) noexcept {
  if (msg_type.size() == 1) {
    const auto c = static_cast<unsigned char>(msg_type[0]);
    return c < kOneCharTypes.size() && kOneCharTypes[c] != 0 ? kOneCharTypes[c] - 1u : kNoMessage;
  }
  for (std::size_t i = 0; i < kMessages.size(); ++i) {
    if (same_text(kMessages[i].msg_type, msg_type)) return i;
  }
  return kNoMessage;
}

bool well_formed(const FieldSpec& spec, std::string_view value) noexcept {
  if (spec.format == profile::ValueFormat::UtcTimestamp) return parse_utc_timestamp(value).ok();
  return profile::matches_syntax(spec.format, value);
}

bool enumerated(const FieldSpec& spec, std::string_view value) noexcept {
  if (spec.value_count == 0) return true;
  const auto values =
      std::span<const std::string_view>(kValues).subspan(spec.first_value, spec.value_count);
  return std::any_of(values.begin(), values.end(),
                     [value](std::string_view v) { return same_text(v, value); });
}

// Rules 2a-d of check_fields for one field. `allowed`: the field is one of
// the message type's (then info.field != 0).
FieldProblem check_field(const Field& f, TagInfo info, bool allowed) noexcept {
  if (info.field == 0) return {SessionRejectReason::InvalidTagNumber, f.tag};
  if (!allowed) return {SessionRejectReason::TagNotDefinedForMessageType, f.tag};
  const FieldSpec& spec = kFields[info.field - 1u];
  if (!well_formed(spec, f.value)) return {SessionRejectReason::IncorrectDataFormat, f.tag};
  if (!enumerated(spec, f.value)) return {SessionRejectReason::ValueIncorrect, f.tag};
  return {};
}

FieldProblem first_missing(const FieldSet& present, std::span<const FieldUse> uses) noexcept {
  for (const FieldUse& u : uses) {
    if (u.required && !contains(present, field_index(u.tag))) {
      return {SessionRejectReason::RequiredTagMissing, u.tag};
    }
  }
  return {};
}

}  // namespace

FieldProblem check_fields(const MessageView& m, FieldValidation v) noexcept {
  const std::size_t message = find_message(m.msg_type());
  if (message == kNoMessage) return {SessionRejectReason::InvalidMsgType, tag::MsgType};
  const bool strict = v == FieldValidation::Strict;
  // The first per-field problem is kept while the scan goes on: a header
  // field out of place later in the message outranks it.
  FieldProblem first{};
  FieldSet present{};
  bool in_body = false;
  for (const Field& f : m.fields()) {
    const TagInfo info = tag_info(f.tag);
    const bool allowed = info.field != 0 && contains(kAllowed[message], info.field - 1u);
    if (!allowed && !strict) continue;  // Relaxed: as if absent
    if (info.header && in_body) return {SessionRejectReason::TagSpecifiedOutOfRequiredOrder, f.tag};
    in_body = in_body || !info.header;
    if (allowed) insert(present, info.field - 1u);
    if (first.ok()) first = check_field(f, info, allowed);
  }
  if (!first.ok() || includes(present, kRequired[message])) return first;
  for (std::span<const FieldUse> uses :
       {std::span<const FieldUse>(kHeader), body_of(kMessages[message]),
        std::span<const FieldUse>(kTrailer)}) {
    first = first_missing(present, uses);
    if (!first.ok()) return first;
  }
  return {};
}

std::string_view to_text(SessionRejectReason r) noexcept {
  switch (r) {
    case SessionRejectReason::InvalidTagNumber:
      return "Invalid tag number";
    case SessionRejectReason::RequiredTagMissing:
      return "Required tag missing";
    case SessionRejectReason::TagNotDefinedForMessageType:
      return "Tag not defined for this message type";
    case SessionRejectReason::UndefinedTag:
      return "Undefined Tag";
    case SessionRejectReason::TagSpecifiedWithoutValue:
      return "Tag specified without a value";
    case SessionRejectReason::ValueIncorrect:
      return "Value is incorrect (out of range) for this tag";
    case SessionRejectReason::IncorrectDataFormat:
      return "Incorrect data format for value";
    case SessionRejectReason::DecryptionProblem:
      return "Decryption problem";
    case SessionRejectReason::SignatureProblem:
      return "Signature problem";
    case SessionRejectReason::CompIdProblem:
      return "CompID problem";
    case SessionRejectReason::SendingTimeAccuracyProblem:
      return "SendingTime accuracy problem";
    case SessionRejectReason::InvalidMsgType:
      return "Invalid MsgType";
    case SessionRejectReason::XmlValidationError:
      return "XML Validation error";
    case SessionRejectReason::TagAppearsMoreThanOnce:
      return "Tag appears more than once";
    case SessionRejectReason::TagSpecifiedOutOfRequiredOrder:
      return "Tag specified out of required order";
    case SessionRejectReason::RepeatingGroupFieldsOutOfOrder:
      return "Repeating group fields out of order";
    case SessionRejectReason::IncorrectNumInGroupCount:
      return "Incorrect NumInGroup count for repeating group";
    case SessionRejectReason::NonDataValueIncludesFieldDelimiter:
      return "Non \"data\" value includes field delimiter (SOH character)";
    case SessionRejectReason::Other:
      return "Other";
  }
  return "Other";
}

bool in_profile(std::string_view msg_type) noexcept {
  return find_message(msg_type) != kNoMessage;
}

const char* to_string(FieldValidation v) noexcept {
  return v == FieldValidation::Strict ? "strict" : "relaxed";
}

}  // namespace matchgate::fix
