#pragma once
// Outbound record (type 17): every message sequenced for a member, with its
// MsgSeqNum, so that sequence numbers continue after a restart and a
// ResendRequest gets the original messages back. Reports of engine events
// (cause != 0) are logged without their text: replay composes them again
// from the replayed events at the record's time, and the record's CRC-32C of
// the bytes sent says whether the regenerated message is the one sent.
// Everything else is logged verbatim. Layout: docs/WAL.md 4.9.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "matchgate/engine/types.hpp"

namespace matchgate::records {

// How a message is logged: regenerated at replay (only its CRC is kept) or
// verbatim (its bytes follow the fixed part).
enum class OutboundForm : std::uint8_t { Regenerated = 0, Verbatim = 1 };

struct OutboundRecordHead {
  std::uint32_t member = 0;
  bool admin = false;         // gap-filled on resend, never sent again
  std::uint64_t seq = 0;      // its MsgSeqNum
  std::uint64_t next_in = 0;  // the member's next expected inbound MsgSeqNum at the time
  // The engine event the message reports (its exec id * 2, + 1 for the
  // maker's side of a trade); 0 for messages no event caused. Recovery
  // regenerates the report of its cause and tells from it which reports of
  // replayed events were never logged.
  std::uint64_t cause = 0;
};
inline constexpr std::size_t kOutboundHeadSize = 32;
inline constexpr std::size_t kOutboundRegeneratedSize = kOutboundHeadSize + 4;

// The cause of a report of engine event `exec_id` to one side.
constexpr std::uint64_t event_cause(engine::ExecId exec_id, bool maker_side) noexcept {
  return exec_id * 2 + (maker_side ? 1 : 0);
}
// The engine event a cause names.
constexpr engine::ExecId exec_id_of(std::uint64_t cause) noexcept {
  return cause / 2;
}
// Only what the engine caused can be composed again from the log.
constexpr OutboundForm form_for(std::uint64_t cause) noexcept {
  return cause != 0 ? OutboundForm::Regenerated : OutboundForm::Verbatim;
}

// Verbatim form: the 32-byte fixed part; the message follows it.
void encode_outbound_head(const OutboundRecordHead& h, std::byte* out) noexcept;
// Regenerated form (h.cause != 0): the whole payload, kOutboundRegeneratedSize
// bytes, with `message_crc`, CRC-32C of the message sent.
void encode_outbound_regenerated(const OutboundRecordHead& h, std::uint32_t message_crc,
                                 std::byte* out) noexcept;

struct OutboundRecord {
  OutboundRecordHead head;
  OutboundForm form = OutboundForm::Verbatim;
  std::string_view message;       // verbatim: the message sent
  std::uint32_t message_crc = 0;  // regenerated: CRC-32C of the message sent
};
// Refuses short payloads, unknown forms, non-zero reserved bytes, a form that
// does not fit the cause, a regenerated record of the wrong size and a
// verbatim record without a message.
std::optional<OutboundRecord> decode_outbound(std::span<const std::byte> payload) noexcept;

}  // namespace matchgate::records
