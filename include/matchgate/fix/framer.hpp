#pragma once
// Finding message boundaries in a TCP receive buffer.
//
// FIX over TCP has no framing of its own: a message is
//   8=<BeginString><SOH>9=<BodyLength><SOH><body>10=<NNN><SOH>
// where the body is exactly BodyLength bytes (it starts right after the SOH
// that ends the 9 field and ends right before "10=") and NNN is the sum of
// every byte before "10=" modulo 256, as three digits.
//
// A message that breaks these rules is "garbled": the FIX session layer must
// ignore it without touching sequence numbers, so the framer reports how many
// bytes to drop to reach the next plausible start ("8=FIX") and the caller
// tries again from there.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "matchgate/fix/tags.hpp"

namespace matchgate::fix {

struct FrameConfig {
  std::string_view begin_string = kBeginStringFix44;
  // Whole message, header and trailer included. Bounds how much a peer can
  // make us buffer before we give up on a message.
  std::size_t max_message_bytes = 64 * 1024;
};

enum class FrameStatus : std::uint8_t {
  Complete,  // `length` bytes at the start of the buffer are one message
  NeedMore,  // a valid prefix so far; read more and call again
  Garbled,   // drop `length` bytes and call again
};

// Why a frame was declared garbled; for logs and counters only, the session
// layer treats every reason the same way.
enum class GarbleReason : std::uint8_t {
  None,
  BadBeginString,      // does not start with "8=<BeginString><SOH>"
  MissingBodyLength,   // second field is not "9="
  BadBodyLength,       // 9 value empty or not all digits
  BodyLengthTooLarge,  // the announced message would exceed max_message_bytes
  TooLarge,            // more than max_message_bytes arrived without completing a message
  BodyLengthMismatch,  // BodyLength does not land on "<SOH>10="
  BadChecksumField,    // 10 value is not exactly three digits followed by SOH
  ChecksumMismatch,    // 10 value differs from the computed sum
};

std::string_view to_string(GarbleReason reason) noexcept;

struct FrameResult {
  FrameStatus status = FrameStatus::NeedMore;
  GarbleReason reason = GarbleReason::None;
  // Complete: message length. Garbled: bytes to skip (>= 1). NeedMore: 0.
  std::size_t length = 0;
};

// Examines the start of `buffer` only; never reads outside it, never allocates.
FrameResult frame_message(std::string_view buffer, const FrameConfig& config = {}) noexcept;

// Sum of the bytes modulo 256, the FIX CheckSum(10) value.
std::uint8_t checksum(std::string_view bytes) noexcept;

}  // namespace matchgate::fix
