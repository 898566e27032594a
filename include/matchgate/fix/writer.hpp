#pragma once
// Encoding FIX messages into a caller-provided buffer, in one pass.
//
// The body is written after a header slot sized for the largest BodyLength
// the buffer can hold; finish() then writes "8=...<SOH>9=<len><SOH>"
// right-aligned against the body, so nothing is moved. The finished message
// therefore usually starts a few bytes into the buffer: always use the view
// finish() returns.
//
// Errors are sticky: after the first one every call is a no-op and finish()
// reports it, so a sequence of add_* calls needs one check at the end. The
// writer never writes outside the buffer.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "matchgate/fix/enums.hpp"
#include "matchgate/fix/message.hpp"
#include "matchgate/fix/tags.hpp"
#include "matchgate/fix/value.hpp"

namespace matchgate::fix {

enum class WriteError : std::uint8_t {
  None,
  NotStarted,        // add_* or finish() without begin()
  Overflow,          // the buffer is too small
  InvalidTag,        // tag <= 0
  EmptyValue,        // FIX has no empty values
  ValueContainsSoh,  // would break framing
  BadValue,          // malformed decimal, negative timestamp
  BadOriginal,       // make_poss_dup: the original does not parse
};

std::string_view to_string(WriteError error) noexcept;

struct WriteResult {
  std::string_view message;  // points into the writer's buffer; empty on error
  WriteError error = WriteError::None;

  constexpr bool ok() const noexcept { return error == WriteError::None; }
  constexpr explicit operator bool() const noexcept { return ok(); }
};

class MessageWriter {
 public:
  explicit MessageWriter(std::span<char> buffer, std::string_view begin_string = kBeginStringFix44,
                         TimePrecision sending_time_precision = TimePrecision::Micros) noexcept;

  // Starts a message (discarding any previous one) with the standard header
  // 35, 49, 56, 34, 52.
  MessageWriter& begin(std::string_view msg_type, std::string_view sender, std::string_view target,
                       std::uint64_t seq_num, UtcNanos sending_time) noexcept;
  // Same, for a message sent again in reply to a ResendRequest: adds
  // PossDupFlag(43)=Y and OrigSendingTime(122).
  MessageWriter& begin_poss_dup(std::string_view msg_type, std::string_view sender,
                                std::string_view target, std::uint64_t seq_num,
                                UtcNanos sending_time, UtcNanos orig_sending_time) noexcept;
  // Only 35; the caller writes the rest of the header itself.
  MessageWriter& begin_custom(std::string_view msg_type) noexcept;

  MessageWriter& add_int(Tag tag, std::int64_t value) noexcept;
  MessageWriter& add_uint(Tag tag, std::uint64_t value) noexcept;
  MessageWriter& add_char(Tag tag, char value) noexcept;
  MessageWriter& add_bool(Tag tag, bool value) noexcept;  // Y / N
  MessageWriter& add_string(Tag tag, std::string_view value) noexcept;
  // Text produced by the decimal formatter: [-]digits[.digits], checked.
  MessageWriter& add_decimal(Tag tag, std::string_view value) noexcept;
  MessageWriter& add_timestamp(Tag tag, UtcNanos value,
                               TimePrecision precision = TimePrecision::Micros) noexcept;
  // A named enumeration value (fix/enums.hpp): char-valued or int-valued.
  template <class E>
  requires kCharEnum<E> MessageWriter& add_enum(Tag tag, E value) noexcept {
    return add_char(tag, static_cast<char>(value));
  }
  template <class E>
  requires kIntEnum<E> MessageWriter& add_enum(Tag tag, E value) noexcept {
    return add_int(tag, static_cast<int>(value));
  }
  // Fields already encoded ("tag=value<SOH>..."), appended as they are: the
  // body of a message being copied into another (drop copies). Must be
  // non-empty, start with a digit and end with SOH (BadValue otherwise).
  MessageWriter& add_encoded(std::string_view fields) noexcept;
  // The precision begin() writes SendingTime (and OrigSendingTime) with.
  TimePrecision precision() const noexcept { return precision_; }

  // Writes BodyLength and CheckSum. The writer must be begun again before
  // the next message.
  WriteResult finish() noexcept;

  WriteError error() const noexcept { return error_; }
  bool ok() const noexcept { return error_ == WriteError::None; }
  // Bytes of body written so far.
  std::size_t body_size() const noexcept { return started_ ? pos_ - body_start_ : 0; }

 private:
  // Checks room for "tag=", `size` value bytes and SOH (keeping room for the
  // trailer), writes all but the value and returns where the value goes;
  // nullptr after an error. Values are formatted straight into the buffer.
  char* field(Tag tag, std::size_t size) noexcept;
  MessageWriter& append(Tag tag, const char* value, std::size_t size) noexcept;
  MessageWriter& fail(WriteError error) noexcept;

  std::span<char> buf_;
  std::string_view begin_string_;
  TimePrecision precision_;
  TimestampFormatter timestamps_;
  std::size_t body_start_ = 0;  // end of the reserved header slot
  std::size_t pos_ = 0;
  bool started_ = false;
  WriteError error_ = WriteError::None;
};

// Re-encodes `original` (a complete message) for a resend into `out`:
// PossDupFlag(43)=Y, SendingTime(52)=sending_time, OrigSendingTime(122)= the
// original's 122 if it had one (a resend of a resend) or else its 52; every
// other field is copied in its original order.
WriteResult make_poss_dup(const MessageView& original, UtcNanos sending_time, std::span<char> out,
                          TimePrecision precision = TimePrecision::Micros) noexcept;
WriteResult make_poss_dup(std::string_view original, UtcNanos sending_time, std::span<char> out,
                          TimePrecision precision = TimePrecision::Micros) noexcept;

// Re-encodes `original` (a complete message) as a new message of its stream
// into `out`: MsgSeqNum(34)=seq_num and SendingTime(52)=sending_time, every
// other field copied in its original order. For a message that was composed
// but never sent (recovery makes such reports again under new numbers).
WriteResult resequence(std::string_view original, std::uint64_t seq_num, UtcNanos sending_time,
                       std::span<char> out,
                       TimePrecision precision = TimePrecision::Micros) noexcept;

}  // namespace matchgate::fix
