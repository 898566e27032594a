#pragma once
// Outbound record (type 17): every message sequenced for a member, with its
// MsgSeqNum, so that sequence numbers continue after a restart and a
// ResendRequest gets the original messages back. Layout: docs/WAL.md.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "matchgate/engine/types.hpp"

namespace matchgate::records {

struct OutboundRecordHead {
  std::uint32_t member = 0;
  bool admin = false;         // gap-filled on resend, never sent again
  std::uint64_t seq = 0;      // its MsgSeqNum
  std::uint64_t next_in = 0;  // the member's next expected inbound MsgSeqNum at the time
  // The engine event the message reports (its exec id * 2, + 1 for the
  // maker's side of a trade); 0 for messages no event caused. Recovery uses
  // it to tell which reports of replayed events were never logged.
  std::uint64_t cause = 0;
};
inline constexpr std::size_t kOutboundHeadSize = 32;
// The cause of a report of engine event `exec_id` to one side.
constexpr std::uint64_t event_cause(engine::ExecId exec_id, bool maker_side) noexcept {
  return exec_id * 2 + (maker_side ? 1 : 0);
}
void encode_outbound_head(const OutboundRecordHead& h, std::byte* out) noexcept;
// The head and the FIX message after it.
std::optional<std::pair<OutboundRecordHead, std::string_view>> decode_outbound(
    std::span<const std::byte> payload) noexcept;

}  // namespace matchgate::records
