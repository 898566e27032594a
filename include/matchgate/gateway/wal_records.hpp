#pragma once
// What the gateway writes to the write-ahead log, and reads back on
// recovery. docs/WAL.md lists the same layouts for auditors.
//
//  - OrderRequest: every request handed to a shard, in the order the shard
//    takes it (one network thread feeds each shard through one ring, so its
//    append order is the shard's order). Replaying them through the
//    deterministic engine rebuilds books, order ids and execution ids; the
//    record slot and ClOrdID rebuild the network thread's order records.
//  - Outbound: every message sent to a member, with its MsgSeqNum, so that
//    sequence numbers continue and a ResendRequest after a restart gets the
//    original messages back.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "matchgate/gateway/order_records.hpp"
#include "matchgate/gateway/shard_messages.hpp"
#include "matchgate/wal/format.hpp"

namespace matchgate::gateway {

enum class WalRecordType : std::uint16_t {
  OrderRequest = static_cast<std::uint16_t>(wal::RecordType::FirstUserType),  // 16
  Outbound = 17,
  // Where a snapshot was taken: the state it holds is that of the log up to
  // and including this record. Payload: u64, the snapshot's number in this
  // run (1, 2, ...). Nothing to replay.
  SnapshotPoint = 18,
};

struct OrderRequestRecord {
  ShardRequest request;  // ref/target carry the network thread and slots
  std::uint32_t shard = 0;
  std::uint32_t gateway_instrument = 0;  // the config's numbering (records use it)
  std::uint32_t orig_named = kNoSlot;    // cancel/replace: the record OrigClOrdID named
  RecordKind record_kind = RecordKind::Order;
  std::uint64_t in_seq = 0;  // the member's MsgSeqNum that caused it; 0: the gateway's own
  // dedup::request_fingerprint() of the member's request (0 for mass
  // cancels): recovery rebuilds the ClOrdID keys with it.
  std::uint64_t fingerprint = 0;
  std::string_view cl_ord_id;
};
inline constexpr std::size_t kOrderRequestFixedSize = 80;
// `out` holds kOrderRequestFixedSize + kMaxClOrdIdLength bytes.
std::size_t encode_order_request(const OrderRequestRecord& r, std::byte* out) noexcept;
std::optional<OrderRequestRecord> decode_order_request(std::span<const std::byte> payload) noexcept;

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

const char* to_string(WalRecordType t) noexcept;

}  // namespace matchgate::gateway
