#include "matchgate/fix/message.hpp"

#include <bit>
#include <cstring>

namespace matchgate::fix {
namespace {

// Nine digits keep every tag inside int; the FIX tag space is far smaller.
constexpr std::size_t kMaxTagDigits = 9;

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Most values are a few bytes long, where a call to memchr costs more than
// the search. Eight bytes at a time: a byte equal to SOH becomes zero after
// the xor, and (x - 0x01..) & ~x & 0x80.. flags zero bytes; the lowest flag
// is always a true one, which is the one wanted.
const char* find_soh(const char* p, const char* end) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      const std::uint64_t x = w ^ (kOnes * static_cast<unsigned char>(kSoh));
      const std::uint64_t zeros = (x - kOnes) & ~x & kHighs;
      if (zeros != 0) return p + (std::countr_zero(zeros) >> 3);
      p += 8;
    }
  }
  for (; p != end; ++p) {
    if (*p == kSoh) return p;
  }
  return nullptr;
}

// The number a tag text spells when it is no valid tag number: an optional
// '-' and one to kMaxTagDigits digits up to the '='. A Reject names such a tag
// by that number (371=0, 371=-1); any other text has no number to name.
struct TagNumber {
  Tag value = 0;
  bool present = false;
};

TagNumber number_of_tag_text(const char* p, const char* end) noexcept {
  const bool negative = p != end && *p == '-';
  const char* const digits = negative ? p + 1 : p;
  const char* q = digits;
  Tag value = 0;
  while (q != end && is_digit(*q) && static_cast<std::size_t>(q - digits) < kMaxTagDigits) {
    value = value * 10 + (*q - '0');
    ++q;
  }
  if (q == digits || q == end || *q != '=') return {};
  return {negative ? -value : value, true};
}

SessionRejectReason reason_for(ParseErrorCode code) noexcept {
  switch (code) {
    case ParseErrorCode::InvalidTag:
      return SessionRejectReason::InvalidTagNumber;
    case ParseErrorCode::EmptyValue:
      return SessionRejectReason::TagSpecifiedWithoutValue;
    case ParseErrorCode::MissingDelimiter:
      return SessionRejectReason::IncorrectDataFormat;
    case ParseErrorCode::DuplicateTag:
      return SessionRejectReason::TagAppearsMoreThanOnce;
    case ParseErrorCode::OutOfOrder:
      return SessionRejectReason::TagSpecifiedOutOfRequiredOrder;
    case ParseErrorCode::MissingMsgType:
    case ParseErrorCode::MissingCheckSum:
      return SessionRejectReason::RequiredTagMissing;
    case ParseErrorCode::TooManyFields:
    case ParseErrorCode::None:
      break;
  }
  return SessionRejectReason::Other;
}

}  // namespace

std::string_view to_string(ParseErrorCode code) noexcept {
  switch (code) {
    case ParseErrorCode::None:
      return "none";
    case ParseErrorCode::InvalidTag:
      return "invalid tag number";
    case ParseErrorCode::EmptyValue:
      return "tag without value";
    case ParseErrorCode::MissingDelimiter:
      return "missing delimiter";
    case ParseErrorCode::DuplicateTag:
      return "tag appears more than once";
    case ParseErrorCode::OutOfOrder:
      return "tag out of required order";
    case ParseErrorCode::MissingMsgType:
      return "MsgType missing";
    case ParseErrorCode::MissingCheckSum:
      return "CheckSum missing";
    case ParseErrorCode::TooManyFields:
      return "too many fields";
  }
  return "unknown";
}

MessageView::MessageView() noexcept = default;

void MessageView::clear() noexcept {
  // Only the slots this message set are dirty; wiping the whole index would
  // cost more than parsing a typical message.
  for (std::size_t i = 0; i < count_; ++i) {
    const Tag t = fields_[i].tag;
    if (t < kIndexedTags) index_[static_cast<std::size_t>(t)] = 0;
  }
  count_ = 0;
  raw_ = {};
}

ParseError MessageView::parse(std::string_view frame, bool repeats) noexcept {
  clear();
  auto fail = [this](ParseErrorCode code, Tag ref) noexcept {
    clear();
    return ParseError{code, ref, reason_for(code), true};
  };
  auto fail_tag_text = [&](const char* text, const char* text_end) noexcept {
    const TagNumber n = number_of_tag_text(text, text_end);
    ParseError e = fail(ParseErrorCode::InvalidTag, n.value);
    e.has_ref_tag = n.present;
    return e;
  };

  const char* p = frame.data();
  const char* const end = p + frame.size();
  while (p != end) {
    const char* q = p;
    std::uint32_t value = 0;
    while (q != end && is_digit(*q) && static_cast<std::size_t>(q - p) < kMaxTagDigits) {
      value = value * 10 + static_cast<std::uint32_t>(*q - '0');
      ++q;
    }
    const auto tag = static_cast<Tag>(value);
    if (q == p || (q != end && is_digit(*q))) return fail_tag_text(p, end);
    if (q == end || *q == kSoh) return fail(ParseErrorCode::MissingDelimiter, tag);
    if (*q != '=') return fail_tag_text(p, end);
    // Tags 0, "00" and "055" are not tag numbers; they are still worth naming.
    if (*p == '0') return fail(ParseErrorCode::InvalidTag, tag);

    const char* const v = q + 1;
    const char* const soh = find_soh(v, end);
    if (soh == nullptr) return fail(ParseErrorCode::MissingDelimiter, tag);
    if (soh == v) return fail(ParseErrorCode::EmptyValue, tag);

    switch (count_) {
      case 0:
        if (tag != tag::BeginString) return fail(ParseErrorCode::OutOfOrder, tag::BeginString);
        break;
      case 1:
        if (tag != tag::BodyLength) return fail(ParseErrorCode::OutOfOrder, tag::BodyLength);
        break;
      case 2:
        if (tag == tag::CheckSum) return fail(ParseErrorCode::MissingMsgType, tag::MsgType);
        if (tag != tag::MsgType) return fail(ParseErrorCode::OutOfOrder, tag::MsgType);
        break;
      default:
        break;
    }
    if (tag == tag::CheckSum && soh + 1 != end)
      return fail(ParseErrorCode::OutOfOrder, tag::CheckSum);

    const bool repeated = find(tag) != nullptr;
    if (repeated && !repeats) return fail(ParseErrorCode::DuplicateTag, tag);
    if (count_ == kMaxFields) return fail(ParseErrorCode::TooManyFields, tag);
    fields_[count_] = Field{tag, std::string_view(v, static_cast<std::size_t>(soh - v))};
    ++count_;
    if (tag < kIndexedTags && !repeated)
      index_[static_cast<std::size_t>(tag)] = static_cast<std::uint8_t>(count_);
    p = soh + 1;
  }

  if (count_ < 2)
    return fail(ParseErrorCode::OutOfOrder, count_ == 0 ? tag::BeginString : tag::BodyLength);
  if (count_ < 3) return fail(ParseErrorCode::MissingMsgType, tag::MsgType);
  if (fields_[count_ - 1].tag != tag::CheckSum)
    return fail(ParseErrorCode::MissingCheckSum, tag::CheckSum);
  raw_ = frame;
  return {};
}

const Field* MessageView::find(Tag tag) const noexcept {
  if (tag > 0 && tag < kIndexedTags) {
    const std::uint8_t pos = index_[static_cast<std::size_t>(tag)];
    return pos != 0 ? &fields_[pos - 1] : nullptr;
  }
  for (std::size_t i = 0; i < count_; ++i) {
    if (fields_[i].tag == tag) return &fields_[i];
  }
  return nullptr;
}

ValueResult<std::string_view> MessageView::get_string(Tag tag) const noexcept {
  const Field* f = find(tag);
  if (f == nullptr) return {{}, ValueError::Missing};
  return {f->value, ValueError::None};
}

namespace {
template <class T, class Parse>
ValueResult<T> convert(const Field* f, Parse parse) noexcept {
  if (f == nullptr) return {T{}, ValueError::Missing};
  return parse(f->value);
}
}  // namespace

ValueResult<std::int64_t> MessageView::get_int(Tag tag) const noexcept {
  return convert<std::int64_t>(find(tag), parse_int);
}
ValueResult<std::uint64_t> MessageView::get_uint(Tag tag) const noexcept {
  return convert<std::uint64_t>(find(tag), parse_uint);
}
ValueResult<char> MessageView::get_char(Tag tag) const noexcept {
  return convert<char>(find(tag), parse_char);
}
ValueResult<bool> MessageView::get_bool(Tag tag) const noexcept {
  return convert<bool>(find(tag), parse_bool);
}
ValueResult<UtcNanos> MessageView::get_timestamp(Tag tag) const noexcept {
  return convert<UtcNanos>(find(tag), parse_utc_timestamp);
}

}  // namespace matchgate::fix
