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
  // ref/target carry the record slots; the log names no network thread (there
  // is one, index 0: decoding gives refs of thread 0).
  ShardRequest request;
  std::uint32_t shard = 0;
  std::uint32_t gateway_instrument = 0;  // the config's numbering (records use it)
  std::uint32_t orig_named = kNoSlot;    // cancel/replace: the record OrigClOrdID named
  std::uint64_t in_seq = 0;  // the member's MsgSeqNum that caused it; 0: the gateway's own
  // dedup::request_fingerprint() of the member's request (0 for mass
  // cancels): recovery rebuilds the ClOrdID keys with it.
  std::uint64_t fingerprint = 0;
  std::string_view cl_ord_id;
};
// The kind of network-thread record a request stands for, derived from its
// kind (a mass cancel has no record).
constexpr RecordKind record_kind_of(RequestKind k) noexcept {
  switch (k) {
    case RequestKind::Cancel:
      return RecordKind::CancelRequest;
    case RequestKind::Replace:
      return RecordKind::ReplaceRequest;
    default:
      return RecordKind::Order;
  }
}
inline constexpr std::size_t kOrderRequestFixedSize = 69;
inline constexpr std::size_t kOrderRequestMaxSize = kOrderRequestFixedSize + kMaxClOrdIdLength;
// `out` holds kOrderRequestMaxSize bytes; returns the bytes written.
std::size_t encode_order_request(const OrderRequestRecord& r, std::byte* out) noexcept;
std::optional<OrderRequestRecord> decode_order_request(std::span<const std::byte> payload) noexcept;

}  // namespace matchgate::records
