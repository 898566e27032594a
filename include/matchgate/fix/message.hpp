#pragma once
// A parsed FIX message: (tag, value) pairs pointing into the caller's receive
// buffer. Nothing is copied or allocated, so a MessageView is valid only as
// long as the bytes it was parsed from.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "matchgate/fix/tags.hpp"
#include "matchgate/fix/value.hpp"

namespace matchgate::fix {

struct Field {
  Tag tag = 0;
  std::string_view value;
};

enum class ParseErrorCode : std::uint8_t {
  None,
  InvalidTag,        // tag not a positive integer without leading zeros
  EmptyValue,        // "55=<SOH>"
  MissingDelimiter,  // a field has no '=' or the message does not end with SOH
  DuplicateTag,      // a tag occurs twice (parse(); parse_with_repeats() allows it)
  OutOfOrder,        // 8, 9, 35 are not the first three fields or 10 not the last
  MissingMsgType,    // the body has no field at all
  MissingCheckSum,   // the last field is not 10 (only for unframed input)
  TooManyFields,     // more than MessageView::kMaxFields
};

std::string_view to_string(ParseErrorCode code) noexcept;

// Enough for a Reject(3): RefTagID(371) = ref_tag when has_ref_tag, and
// SessionRejectReason(373) = reason. A tag that is a number but not a valid
// tag number ("0", "00", "-1", "055") is named by that number, so a Reject
// can say 371=0 or 371=-1; has_ref_tag is false only when the tag text is no
// number at all ("5a", "", "-", more than nine digits).
struct ParseError {
  ParseErrorCode code = ParseErrorCode::None;
  Tag ref_tag = 0;
  SessionRejectReason reason = SessionRejectReason::Other;
  bool has_ref_tag = false;

  constexpr bool ok() const noexcept { return code == ParseErrorCode::None; }
  // FIX calls a message whose MsgType is not the third field garbled: it is
  // to be ignored rather than rejected.
  constexpr bool garbled() const noexcept {
    return code == ParseErrorCode::MissingMsgType ||
           (code == ParseErrorCode::OutOfOrder && ref_tag != tag::CheckSum);
  }
};

class MessageView {
 public:
  // Includes 8, 9 and 10.
  static constexpr std::size_t kMaxFields = 128;
  // Tags below this are found through a direct index; higher ones by a scan.
  static constexpr Tag kIndexedTags = 1024;

  MessageView() noexcept;

  // Replaces the contents with the fields of `frame`, one whole message as
  // returned by frame_message(). Checks structure only: 8, 9, 35 first and in
  // that order, 10 last, every tag a positive integer, no empty values, no
  // duplicates. On error the view is left empty.
  ParseError parse(std::string_view frame) noexcept { return parse(frame, false); }
  // The same, except that a tag may occur more than once (the repeating
  // groups of messages the gateway sends, parsed again to be resent):
  // find() and get() give its first occurrence, fields() every one.
  ParseError parse_with_repeats(std::string_view frame) noexcept { return parse(frame, true); }

  void clear() noexcept;

  std::string_view raw() const noexcept { return raw_; }
  std::string_view begin_string() const noexcept {
    return count_ > 0 ? fields_[0].value : std::string_view{};
  }
  std::string_view msg_type() const noexcept {
    return count_ > 2 ? fields_[2].value : std::string_view{};
  }
  std::span<const Field> fields() const noexcept { return {fields_.data(), count_}; }
  std::size_t size() const noexcept { return count_; }

  const Field* find(Tag tag) const noexcept;
  bool has(Tag tag) const noexcept { return find(tag) != nullptr; }
  // Empty when absent (values are never empty in a parsed message).
  std::string_view get(Tag tag) const noexcept {
    const Field* f = find(tag);
    return f != nullptr ? f->value : std::string_view{};
  }

  ValueResult<std::string_view> get_string(Tag tag) const noexcept;
  ValueResult<std::int64_t> get_int(Tag tag) const noexcept;
  ValueResult<std::uint64_t> get_uint(Tag tag) const noexcept;
  ValueResult<char> get_char(Tag tag) const noexcept;
  ValueResult<bool> get_bool(Tag tag) const noexcept;
  ValueResult<UtcNanos> get_timestamp(Tag tag) const noexcept;
  // Prices and quantities stay text; see util's decimal parser.
  ValueResult<std::string_view> get_decimal(Tag tag) const noexcept { return get_string(tag); }

 private:
  ParseError parse(std::string_view frame, bool repeats) noexcept;

  std::string_view raw_;
  std::size_t count_ = 0;
  // index_[tag] = position + 1 in fields_, 0 when absent.
  std::array<std::uint8_t, kIndexedTags> index_{};
  std::array<Field, kMaxFields> fields_{};
};

static_assert(MessageView::kMaxFields < 256, "index_ stores positions in a byte");

}  // namespace matchgate::fix
