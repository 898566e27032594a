#include "matchgate/fix/writer.hpp"

#include <charconv>
#include <cstring>

#include "matchgate/fix/framer.hpp"

namespace matchgate::fix {
namespace {

constexpr std::size_t kTrailerSize = 7;  // "10=NNN<SOH>"

std::size_t decimal_digits(std::size_t v) noexcept {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

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
    case WriteError::None: return "none";
    case WriteError::NotStarted: return "message not begun";
    case WriteError::Overflow: return "buffer too small";
    case WriteError::InvalidTag: return "invalid tag";
    case WriteError::EmptyValue: return "empty value";
    case WriteError::ValueContainsSoh: return "value contains SOH";
    case WriteError::BadValue: return "malformed value";
    case WriteError::BadOriginal: return "original message does not parse";
  }
  return "unknown";
}

MessageWriter::MessageWriter(std::span<char> buffer, std::string_view begin_string,
                             TimePrecision sending_time_precision) noexcept
    : buf_(buffer), begin_string_(begin_string), precision_(sending_time_precision) {
  // "8=" BeginString SOH "9=" digits SOH, with room for the longest body
  // this buffer could ever hold.
  body_start_ = 2 + begin_string_.size() + 1 + 2 + decimal_digits(buf_.size()) + 1;
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

MessageWriter& MessageWriter::begin(std::string_view msg_type, std::string_view sender, std::string_view target,
                                    std::uint64_t seq_num, UtcNanos sending_time) noexcept {
  return begin_custom(msg_type)
      .add_string(tag::SenderCompID, sender)
      .add_string(tag::TargetCompID, target)
      .add_uint(tag::MsgSeqNum, seq_num)
      .add_timestamp(tag::SendingTime, sending_time, precision_);
}

MessageWriter& MessageWriter::begin_poss_dup(std::string_view msg_type, std::string_view sender,
                                             std::string_view target, std::uint64_t seq_num,
                                             UtcNanos sending_time, UtcNanos orig_sending_time) noexcept {
  return begin_custom(msg_type)
      .add_string(tag::SenderCompID, sender)
      .add_string(tag::TargetCompID, target)
      .add_uint(tag::MsgSeqNum, seq_num)
      .add_char(tag::PossDupFlag, 'Y')
      .add_timestamp(tag::SendingTime, sending_time, precision_)
      .add_timestamp(tag::OrigSendingTime, orig_sending_time, precision_);
}

MessageWriter& MessageWriter::append(Tag tag, const char* value, std::size_t size) noexcept {
  if (error_ != WriteError::None) return *this;
  if (!started_) return fail(WriteError::NotStarted);
  if (tag <= 0) return fail(WriteError::InvalidTag);
  if (size == 0) return fail(WriteError::EmptyValue);
  char tag_text[12];
  const auto tag_end = std::to_chars(tag_text, tag_text + sizeof tag_text, tag).ptr;
  const auto tag_size = static_cast<std::size_t>(tag_end - tag_text);
  const std::size_t need = tag_size + 1 + size + 1;
  // Keeps room for the trailer so finish() cannot fail on space after the
  // body was accepted.
  if (need + kTrailerSize > buf_.size() - pos_) return fail(WriteError::Overflow);
  char* out = buf_.data() + pos_;
  std::memcpy(out, tag_text, tag_size);
  out[tag_size] = '=';
  std::memcpy(out + tag_size + 1, value, size);
  out[need - 1] = kSoh;
  pos_ += need;
  return *this;
}

MessageWriter& MessageWriter::add_string(Tag tag, std::string_view value) noexcept {
  if (std::memchr(value.data(), kSoh, value.size()) != nullptr) return fail(WriteError::ValueContainsSoh);
  return append(tag, value.data(), value.size());
}

MessageWriter& MessageWriter::add_decimal(Tag tag, std::string_view value) noexcept {
  if (value.empty()) return fail(WriteError::EmptyValue);
  if (!is_decimal(value)) return fail(WriteError::BadValue);
  return append(tag, value.data(), value.size());
}

MessageWriter& MessageWriter::add_int(Tag tag, std::int64_t value) noexcept {
  char text[24];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  return append(tag, text, static_cast<std::size_t>(end - text));
}

MessageWriter& MessageWriter::add_uint(Tag tag, std::uint64_t value) noexcept {
  char text[24];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  return append(tag, text, static_cast<std::size_t>(end - text));
}

MessageWriter& MessageWriter::add_char(Tag tag, char value) noexcept {
  if (value == kSoh) return fail(WriteError::ValueContainsSoh);
  return append(tag, &value, 1);
}

MessageWriter& MessageWriter::add_bool(Tag tag, bool value) noexcept { return add_char(tag, value ? 'Y' : 'N'); }

MessageWriter& MessageWriter::add_timestamp(Tag tag, UtcNanos value, TimePrecision precision) noexcept {
  char text[kMaxTimestampChars];
  const std::size_t size = format_utc_timestamp(value, precision, text);
  if (size == 0) return fail(WriteError::BadValue);
  return append(tag, text, size);
}

WriteResult MessageWriter::finish() noexcept {
  if (!started_) {
    error_ = WriteError::NotStarted;
    return {{}, error_};
  }
  started_ = false;
  if (error_ != WriteError::None) return {{}, error_};

  char length_text[24];
  const auto length_end = std::to_chars(length_text, length_text + sizeof length_text, pos_ - body_start_).ptr;
  const auto length_size = static_cast<std::size_t>(length_end - length_text);
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
  h += 2;
  std::memcpy(h, length_text, length_size);
  h += length_size;
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
  const std::string_view orig_time =
      original.has(tag::OrigSendingTime) ? original.get(tag::OrigSendingTime) : original.get(tag::SendingTime);
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
      case tag::OrigSendingTime: break;
      default: w.add_string(f.tag, f.value); break;
    }
  }
  return w.finish();
}

WriteResult make_poss_dup(std::string_view original, UtcNanos sending_time, std::span<char> out,
                          TimePrecision precision) noexcept {
  MessageView view;
  if (!view.parse(original).ok()) return {{}, WriteError::BadOriginal};
  return make_poss_dup(view, sending_time, out, precision);
}

}  // namespace matchgate::fix
