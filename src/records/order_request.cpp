#include "matchgate/records/order_request.hpp"

#include <algorithm>
#include <cstring>

#include "matchgate/wal/format.hpp"

namespace matchgate::records {

using wal::get_u32;
using wal::get_u64;
using wal::put_u32;
using wal::put_u64;

// Layout (offsets in bytes): 0 kind, 1 side, 2 ord type, 3 time in force,
// 4 member, 8 account, 12 shard-local instrument, 16 shard, 20 network thread,
// 24 record slot, 28 target slot, 32 orig_named, 36 gateway instrument,
// 40 record kind, 41 ClOrdID length, 42-47 zero, 48 price, 56 qty, 64 in_seq,
// 72 fingerprint, 80 ClOrdID bytes.
std::size_t encode_order_request(const OrderRequestRecord& r, std::byte* out) noexcept {
  std::memset(out, 0, kOrderRequestFixedSize);
  const ShardRequest& q = r.request;
  out[0] = static_cast<std::byte>(q.kind);
  out[1] = static_cast<std::byte>(q.side);
  out[2] = static_cast<std::byte>(q.type);
  out[3] = static_cast<std::byte>(q.tif);
  put_u32(out + 4, q.member);
  put_u32(out + 8, q.account);
  put_u32(out + 12, q.instrument);
  put_u32(out + 16, r.shard);
  put_u32(out + 20, q.ref == kNoRecord ? 0xffffffffU : net_thread_of(q.ref));
  put_u32(out + 24, q.ref == kNoRecord ? kNoSlot : slot_of(q.ref));
  put_u32(out + 28, q.target == kNoRecord ? kNoSlot : slot_of(q.target));
  put_u32(out + 32, r.orig_named);
  put_u32(out + 36, r.gateway_instrument);
  out[40] = static_cast<std::byte>(r.record_kind);
  const std::size_t n = std::min(r.cl_ord_id.size(), kMaxClOrdIdLength);
  out[41] = static_cast<std::byte>(n);
  put_u64(out + 48, static_cast<std::uint64_t>(q.price));
  put_u64(out + 56, static_cast<std::uint64_t>(q.qty));
  put_u64(out + 64, r.in_seq);
  put_u64(out + 72, r.fingerprint);
  if (n > 0)
    std::memcpy(out + kOrderRequestFixedSize, r.cl_ord_id.data(), n);  // mass cancels have none
  return kOrderRequestFixedSize + n;
}

std::optional<OrderRequestRecord> decode_order_request(std::span<const std::byte> p) noexcept {
  if (p.size() < kOrderRequestFixedSize) return std::nullopt;
  const std::byte* b = p.data();
  const auto n = static_cast<std::size_t>(b[41]);
  if (p.size() != kOrderRequestFixedSize + n || n > kMaxClOrdIdLength) return std::nullopt;
  const auto kind = static_cast<std::uint8_t>(b[0]);
  if (kind > static_cast<std::uint8_t>(RequestKind::MassCancel)) return std::nullopt;
  OrderRequestRecord r;
  ShardRequest& q = r.request;
  q.kind = static_cast<RequestKind>(kind);
  q.side = static_cast<engine::Side>(b[1]);
  q.type = static_cast<engine::OrdType>(b[2]);
  q.tif = static_cast<engine::TimeInForce>(b[3]);
  q.member = get_u32(b + 4);
  q.account = get_u32(b + 8);
  q.instrument = get_u32(b + 12);
  r.shard = get_u32(b + 16);
  const std::uint32_t net = get_u32(b + 20);
  const std::uint32_t slot = get_u32(b + 24);
  const std::uint32_t target = get_u32(b + 28);
  q.ref = slot == kNoSlot ? kNoRecord : make_ref(net, slot);
  q.target = target == kNoSlot ? kNoRecord : make_ref(net, target);
  r.orig_named = get_u32(b + 32);
  r.gateway_instrument = get_u32(b + 36);
  r.record_kind = static_cast<RecordKind>(b[40]);
  q.price = static_cast<engine::Price>(get_u64(b + 48));
  q.qty = static_cast<engine::Qty>(get_u64(b + 56));
  r.in_seq = get_u64(b + 64);
  r.fingerprint = get_u64(b + 72);
  r.cl_ord_id = std::string_view(reinterpret_cast<const char*>(b + kOrderRequestFixedSize), n);
  return r;
}

const char* to_string(RequestKind k) noexcept {
  switch (k) {
    case RequestKind::New:
      return "new";
    case RequestKind::Cancel:
      return "cancel";
    case RequestKind::Replace:
      return "replace";
    case RequestKind::MassCancel:
      return "mass-cancel";
    case RequestKind::Snapshot:  // never logged
      return "snapshot";
  }
  return "?";
}

}  // namespace matchgate::records
