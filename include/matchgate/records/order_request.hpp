#pragma once
// OrderRequest record (type 16): every request a network thread hands to a
// shard, in the order the shard takes it (one network thread feeds each
// shard through one ring, so its append order is the shard's order).
// Replaying them through the deterministic engine rebuilds books, order ids
// and execution ids; the record slot and ClOrdID rebuild the network
// thread's order records. Layout: docs/WAL.md.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "matchgate/records/request.hpp"

namespace matchgate::records {

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
inline constexpr std::size_t kOrderRequestMaxSize = kOrderRequestFixedSize + kMaxClOrdIdLength;
// `out` holds kOrderRequestMaxSize bytes; returns the bytes written.
std::size_t encode_order_request(const OrderRequestRecord& r, std::byte* out) noexcept;
std::optional<OrderRequestRecord> decode_order_request(std::span<const std::byte> payload) noexcept;

}  // namespace matchgate::records
