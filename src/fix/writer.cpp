#include "matchgate/fix/writer.hpp"

#include <cstring>

#include "matchgate/fix/framer.hpp"

namespace matchgate::fix {
namespace {

constexpr std::size_t kTrailerSize = 7;  // "10=NNN<SOH>"

// Templates so that tags and lengths get 32-bit arithmetic, which is
// noticeably cheaper than 64-bit division by 10.
template <class U>
std::size_t digit_count(U v) noexcept {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

// Writes `v` so that its last digit lands just before `end`.
template <class U>
void write_digits(char* end, U v) noexcept {
  do {
    *--end = static_cast<char>('0' + static_cast<unsigned>(v % 10));
    v /= 10;
  } while (v != 0);
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool is_decimal(std::string_view s) noexcept {
  std::size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  const std::size_t int_start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  const bool int_digits = i != int_start;
  if (i == s.size()) return int_digits;
  if (s[i] != '.') return false;
  const std::size_t frac_start = ++i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i == s.size() && (int_digits || i != frac_start);
}

}  // namespace

std::string_view to_string(WriteError error) noexcept {
  switch (error) {
    case WriteError::None:
      return "none";
    case WriteError::NotStarted:
      return "message not begun";
    case WriteError::Overflow:
      return "buffer too small";
    case WriteError::InvalidTag:
      return "invalid tag";
    case WriteError::EmptyValue:
      return "empty value";
    case WriteError::ValueContainsSoh:
      return "value contains SOH";
    case WriteError::BadValue:
      return "malformed value";
    case WriteError::BadOriginal:
      return "original message does not parse";
  }
  return "unknown";
}

MessageWriter::MessageWriter(std::span<char> buffer, std::string_view begin_string,
                             TimePrecision sending_time_precision) noexcept
    : buf_(buffer), begin_string_(begin_string), precision_(sending_time_precision) {
  // "8=" BeginString SOH "9=" digits SOH, with room for the longest body
  // this buffer could ever hold.
  body_start_ = 2 + begin_string_.size() + 1 + 2 + digit_count(buf_.size()) + 1;
}

MessageWriter& MessageWriter::fail(WriteError error) noexcept {
  if (error_ == WriteError::None) error_ = error;
  return *this;
}

MessageWriter& MessageWriter::begin_custom(std::string_view msg_type) noexcept {
  error_ = WriteError::None;
  started_ = true;
  pos_ = body_start_;
  if (body_start_ > buf_.size()) return fail(WriteError::Overflow);
  return add_string(tag::MsgType, msg_type);
}

MessageWriter& MessageWriter::begin(std::string_view msg_type, std::string_view sender,
                                    std::string_view target, std::uint64_t seq_num,
                                    UtcNanos sending_time) noexcept {
  return begin_custom(msg_type)
      .add_string(tag::SenderCompID, sender)
      .add_string(tag::TargetCompID, target)
      .add_uint(tag::MsgSeqNum, seq_num)
      .add_timestamp(tag::SendingTime, sending_time, precision_);
}

MessageWriter& MessageWriter::begin_poss_dup(std::string_view msg_type, std::string_view sender,
                                             std::string_view target, std::uint64_t seq_num,
                                             UtcNanos sending_time,
                                             UtcNanos orig_sending_time) noexcept {
  return begin_custom(msg_type)
      .add_string(tag::SenderCompID, sender)
      .add_string(tag::TargetCompID, target)
      .add_uint(tag::MsgSeqNum, seq_num)
      .add_char(tag::PossDupFlag, 'Y')
      .add_timestamp(tag::SendingTime, sending_time, precision_)
      .add_timestamp(tag::OrigSendingTime, orig_sending_time, precision_);
}

char* MessageWriter::field(Tag tag, std::size_t size) noexcept {
  if (error_ != WriteError::None) return nullptr;
  if (!started_) {
    fail(WriteError::NotStarted);
    return nullptr;
  }
  if (tag <= 0) {
    fail(WriteError::InvalidTag);
    return nullptr;
  }
  if (size == 0) {
    fail(WriteError::EmptyValue);
    return nullptr;
  }
  const auto tag_number = static_cast<std::uint32_t>(tag);
  const std::size_t tag_size = digit_count(tag_number);
  const std::size_t need = tag_size + 1 + size + 1;
  // Keeps room for the trailer so finish() cannot fail on space after the
  // body was accepted.
  if (need + kTrailerSize > buf_.size() - pos_) {
    fail(WriteError::Overflow);
    return nullptr;
  }
  char* out = buf_.data() + pos_;
  write_digits(out + tag_size, tag_number);
  out[tag_size] = '=';
  out[need - 1] = kSoh;
  pos_ += need;
  return out + tag_size + 1;
}

MessageWriter& MessageWriter::append(Tag tag, const char* value, std::size_t size) noexcept {
  if (char* out = field(tag, size)) std::memcpy(out, value, size);
  return *this;
}

MessageWriter& MessageWriter::add_encoded(std::string_view fields) noexcept {
  if (error_ != WriteError::None) return *this;
  if (!started_) return fail(WriteError::NotStarted);
  if (fields.empty() || fields.front() < '0' || fields.front() > '9' || fields.back() != kSoh) {
    return fail(WriteError::BadValue);
  }
  if (fields.size() + kTrailerSize > buf_.size() - pos_) return fail(WriteError::Overflow);
  std::memcpy(buf_.data() + pos_, fields.data(), fields.size());
  pos_ += fields.size();
  return *this;
}

MessageWriter& MessageWriter::add_string(Tag tag, std::string_view value) noexcept {
  if (std::memchr(value.data(), kSoh, value.size()) != nullptr)
    return fail(WriteError::ValueContainsSoh);
  return append(tag, value.data(), value.size());
}

MessageWriter& MessageWriter::add_decimal(Tag tag, std::string_view value) noexcept {
  if (value.empty()) return fail(WriteError::EmptyValue);
  if (!is_decimal(value)) return fail(WriteError::BadValue);
  return append(tag, value.data(), value.size());
}

MessageWriter& MessageWriter::add_uint(Tag tag, std::uint64_t value) noexcept {
  const std::size_t size = digit_count(value);
  if (char* out = field(tag, size)) write_digits(out + size, value);
  return *this;
}

MessageWriter& MessageWriter::add_int(Tag tag, std::int64_t value) noexcept {
  if (value >= 0) return add_uint(tag, static_cast<std::uint64_t>(value));
  // Unsigned negation keeps INT64_MIN representable.
  const std::uint64_t magnitude = 0 - static_cast<std::uint64_t>(value);
  const std::size_t size = digit_count(magnitude) + 1;
  if (char* out = field(tag, size)) {
    *out = '-';
    write_digits(out + size, magnitude);
  }
  return *this;
}

MessageWriter& MessageWriter::add_char(Tag tag, char value) noexcept {
  if (value == kSoh) return fail(WriteError::ValueContainsSoh);
  if (char* out = field(tag, 1)) *out = value;
  return *this;
}

MessageWriter& MessageWriter::add_bool(Tag tag, bool value) noexcept {
  return add_char(tag, value ? 'Y' : 'N');
}

MessageWriter& MessageWriter::add_timestamp(Tag tag, UtcNanos value,
                                            TimePrecision precision) noexcept {
  if (value < 0) return fail(WriteError::BadValue);
  const std::size_t size = timestamp_size(precision);
  if (char* out = field(tag, size))
    timestamps_.format(value, precision, std::span<char>(out, size));
  return *this;
}

WriteResult MessageWriter::finish() noexcept {
  if (!started_) {
    error_ = WriteError::NotStarted;
    return {{}, error_};
  }
  started_ = false;
  if (error_ != WriteError::None) return {{}, error_};

  const auto body_length = static_cast<std::uint32_t>(pos_ - body_start_);
  const std::size_t length_size = digit_count(body_length);
  const std::size_t header_size = 2 + begin_string_.size() + 1 + 2 + length_size + 1;
  // The slot was sized for the buffer's largest possible body, so the header
  // always fits in front of the body.
  const std::size_t start = body_start_ - header_size;
  char* h = buf_.data() + start;
  std::memcpy(h, "8=", 2);
  h += 2;
  std::memcpy(h, begin_string_.data(), begin_string_.size());
  h += begin_string_.size();
  *h++ = kSoh;
  std::memcpy(h, "9=", 2);
  h += 2 + length_size;
  write_digits(h, body_length);
  *h = kSoh;

  const std::uint8_t sum = checksum(std::string_view(buf_.data() + start, pos_ - start));
  char* t = buf_.data() + pos_;
  std::memcpy(t, "10=", 3);
  t[3] = static_cast<char>('0' + sum / 100);
  t[4] = static_cast<char>('0' + sum / 10 % 10);
  t[5] = static_cast<char>('0' + sum % 10);
  t[6] = kSoh;
  pos_ += kTrailerSize;
  return {std::string_view(buf_.data() + start, pos_ - start), WriteError::None};
}

WriteResult make_poss_dup(const MessageView& original, UtcNanos sending_time, std::span<char> out,
                          TimePrecision precision) noexcept {
  if (original.size() < 3) return {{}, WriteError::BadOriginal};
  const std::string_view orig_time = original.has(tag::OrigSendingTime)
                                         ? original.get(tag::OrigSendingTime)
                                         : original.get(tag::SendingTime);
  if (orig_time.empty()) return {{}, WriteError::BadOriginal};

  MessageWriter w(out, original.begin_string(), precision);
  // Right after MsgType, so the new fields stay within the header for
  // engines that check header fields precede the body.
  w.begin_custom(original.msg_type())
      .add_char(tag::PossDupFlag, 'Y')
      .add_timestamp(tag::SendingTime, sending_time, precision)
      .add_string(tag::OrigSendingTime, orig_time);
  for (const Field& f : original.fields().subspan(3)) {
    switch (f.tag) {
      case tag::CheckSum:
      case tag::PossDupFlag:
      case tag::SendingTime:
      case tag::OrigSendingTime:
        break;
      default:
        w.add_string(f.tag, f.value);
        break;
    }
  }
  return w.finish();
}

WriteResult make_poss_dup(std::string_view original, UtcNanos sending_time, std::span<char> out,
                          TimePrecision precision) noexcept {
  MessageView view;
  if (!view.parse_with_repeats(original).ok()) return {{}, WriteError::BadOriginal};
  return make_poss_dup(view, sending_time, out, precision);
}

WriteResult resequence(std::string_view original, std::uint64_t seq_num, UtcNanos sending_time,
                       std::span<char> out, TimePrecision precision) noexcept {
  MessageView view;
  if (!view.parse_with_repeats(original).ok() || view.size() < 3)
    return {{}, WriteError::BadOriginal};
  if (!view.has(tag::MsgSeqNum) || !view.has(tag::SendingTime)) {
    return {{}, WriteError::BadOriginal};
  }
  MessageWriter w(out, view.begin_string(), precision);
  w.begin_custom(view.msg_type());
  for (const Field& f : view.fields().subspan(3)) {
    switch (f.tag) {
      case tag::CheckSum:
        break;
      case tag::MsgSeqNum:
        w.add_uint(tag::MsgSeqNum, seq_num);
        break;
      case tag::SendingTime:
        w.add_timestamp(tag::SendingTime, sending_time, precision);
        break;
      default:
        w.add_string(f.tag, f.value);
        break;
    }
  }
  return w.finish();
}

}  // namespace matchgate::fix
