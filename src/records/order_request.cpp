#include "matchgate/records/order_request.hpp"

#include <algorithm>
#include <cstring>

#include "matchgate/util/assert.hpp"
#include "matchgate/wal/format.hpp"

namespace matchgate::records {

using wal::get_u32;
using wal::get_u64;
using wal::put_u32;
using wal::put_u64;

// Layout, packed (offsets in bytes; multi-byte fields are little-endian and
// unaligned): 0 kind, 1 side, 2 ord type, 3 time in force, 4 member,
// 8 account, 12 shard-local instrument, 16 shard, 20 record slot, 24 target
// slot, 28 orig_named, 32 gateway instrument, 36 ClOrdID length, 37 price,
// 45 qty, 53 in_seq, 61 fingerprint, 69 ClOrdID bytes.
namespace {
constexpr std::size_t kKind = 0;
constexpr std::size_t kSide = 1;
constexpr std::size_t kOrdType = 2;
constexpr std::size_t kTif = 3;
constexpr std::size_t kMember = 4;
constexpr std::size_t kAccount = 8;
constexpr std::size_t kLocalInstrument = 12;
constexpr std::size_t kShard = 16;
constexpr std::size_t kSlot = 20;
constexpr std::size_t kTarget = 24;
constexpr std::size_t kOrigNamed = 28;
constexpr std::size_t kGatewayInstrument = 32;
constexpr std::size_t kIdLength = 36;
constexpr std::size_t kPrice = 37;
constexpr std::size_t kQty = 45;
constexpr std::size_t kInSeq = 53;
constexpr std::size_t kFingerprint = 61;
static_assert(kFingerprint + 8 == kOrderRequestFixedSize);

// Enumerations a decoder must not take on trust: a value out of range would
// reach the engine as an order it cannot represent.
bool valid_enums(const std::byte* b) noexcept {
  return is_logged(static_cast<RequestKind>(b[kKind])) &&
         static_cast<std::uint8_t>(b[kSide]) <= static_cast<std::uint8_t>(engine::Side::Sell) &&
         static_cast<std::uint8_t>(b[kOrdType]) <=
             static_cast<std::uint8_t>(engine::OrdType::Market) &&
         static_cast<std::uint8_t>(b[kTif]) <= static_cast<std::uint8_t>(engine::TimeInForce::Fok);
}
}  // namespace

std::size_t encode_order_request(const OrderRequestRecord& r, std::byte* out) noexcept {
  const ShardRequest& q = r.request;
  // The layout names no producer: several network threads will need it
  // named (docs/WAL.md 4.8).
  MATCHGATE_ASSERT(q.ref == kNoRecord || net_thread_of(q.ref) == 0,
                   "an order request of a network thread other than 0");
  out[kKind] = static_cast<std::byte>(q.kind);
  out[kSide] = static_cast<std::byte>(q.side);
  out[kOrdType] = static_cast<std::byte>(q.type);
  out[kTif] = static_cast<std::byte>(q.tif);
  put_u32(out + kMember, q.member);
  put_u32(out + kAccount, q.account);
  put_u32(out + kLocalInstrument, q.instrument);
  put_u32(out + kShard, r.shard);
  put_u32(out + kSlot, q.ref == kNoRecord ? kNoSlot : slot_of(q.ref));
  put_u32(out + kTarget, q.target == kNoRecord ? kNoSlot : slot_of(q.target));
  put_u32(out + kOrigNamed, r.orig_named);
  put_u32(out + kGatewayInstrument, r.gateway_instrument);
  const std::size_t n = std::min(r.cl_ord_id.size(), kMaxClOrdIdLength);
  out[kIdLength] = static_cast<std::byte>(n);
  put_u64(out + kPrice, static_cast<std::uint64_t>(q.price));
  put_u64(out + kQty, static_cast<std::uint64_t>(q.qty));
  put_u64(out + kInSeq, r.in_seq);
  put_u64(out + kFingerprint, r.fingerprint);
  if (n > 0) std::memcpy(out + kOrderRequestFixedSize, r.cl_ord_id.data(), n);  // sweeps have none
  return kOrderRequestFixedSize + n;
}

std::optional<OrderRequestRecord> decode_order_request(std::span<const std::byte> p) noexcept {
  if (p.size() < kOrderRequestFixedSize) return std::nullopt;
  const std::byte* b = p.data();
  const auto n = static_cast<std::size_t>(b[kIdLength]);
  if (p.size() != kOrderRequestFixedSize + n || n > kMaxClOrdIdLength) return std::nullopt;
  if (!valid_enums(b)) return std::nullopt;
  OrderRequestRecord r;
  ShardRequest& q = r.request;
  q.kind = static_cast<RequestKind>(b[kKind]);
  q.side = static_cast<engine::Side>(b[kSide]);
  q.type = static_cast<engine::OrdType>(b[kOrdType]);
  q.tif = static_cast<engine::TimeInForce>(b[kTif]);
  q.member = get_u32(b + kMember);
  q.account = get_u32(b + kAccount);
  q.instrument = get_u32(b + kLocalInstrument);
  r.shard = get_u32(b + kShard);
  // One network thread (index 0) writes the log.
  const std::uint32_t slot = get_u32(b + kSlot);
  const std::uint32_t target = get_u32(b + kTarget);
  q.ref = slot == kNoSlot ? kNoRecord : make_ref(0, slot);
  q.target = target == kNoSlot ? kNoRecord : make_ref(0, target);
  r.orig_named = get_u32(b + kOrigNamed);
  r.gateway_instrument = get_u32(b + kGatewayInstrument);
  q.price = static_cast<engine::Price>(get_u64(b + kPrice));
  q.qty = static_cast<engine::Qty>(get_u64(b + kQty));
  r.in_seq = get_u64(b + kInSeq);
  r.fingerprint = get_u64(b + kFingerprint);
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
    case RequestKind::MassCancelInstrument:
      return "mass-cancel-instrument";
    case RequestKind::ExpireDay:
      return "expire-day";
  }
  return "?";
}

}  // namespace matchgate::records
