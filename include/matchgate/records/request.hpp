#pragma once
// A request as an engine shard takes it, and how it names the network
// thread's order records. Network threads hand these to shards over SPSC
// rings and log each one (OrderRequest records, records/order_request.hpp)
// in the order the shard applies them, so replaying the log through the
// deterministic engine rebuilds the books. Trivially copyable: a ring moves
// them with memcpy.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "matchgate/engine/types.hpp"

namespace matchgate::records {

// A network thread's record slot, and its "none".
inline constexpr std::uint32_t kNoSlot = 0xffffffffU;
inline constexpr std::size_t kMaxClOrdIdLength = 64;

// A reference to an order record of a network thread: the thread's index in
// the top bits, the record's slot below. Engines carry it as client_ref.
using RecordRef = std::uint64_t;
inline constexpr unsigned kRecordBits = 40;
inline constexpr RecordRef kNoRecord = ~RecordRef{0};
constexpr RecordRef make_ref(std::uint32_t net_thread, std::uint32_t slot) noexcept {
  return (RecordRef{net_thread} << kRecordBits) | slot;
}
constexpr std::uint32_t net_thread_of(RecordRef r) noexcept {
  return static_cast<std::uint32_t>(r >> kRecordBits);
}
constexpr std::uint32_t slot_of(RecordRef r) noexcept {
  return static_cast<std::uint32_t>(r & ((RecordRef{1} << kRecordBits) - 1));
}

// The values are written to the log (docs/WAL.md): never renumber.
// Snapshot: not a change of state and never logged; the shard copies its
// state and answers with a SnapshotTaken reply. MassCancel: the member's
// orders on the shard; MassCancelInstrument: the member's orders in one
// instrument (`instrument`, the shard's numbering); ExpireDay: every Day
// order of the shard (the close; `member` unused).
enum class RequestKind : std::uint8_t {
  New = 0,
  Cancel = 1,
  Replace = 2,
  MassCancel = 3,
  Snapshot = 4,
  MassCancelInstrument = 5,
  ExpireDay = 6,
};
// A kind that may be logged (every kind but Snapshot).
constexpr bool is_logged(RequestKind k) noexcept {
  return k != RequestKind::Snapshot &&
         static_cast<std::uint8_t>(k) <= static_cast<std::uint8_t>(RequestKind::ExpireDay);
}
// A request that acts on many orders and has no record of its own.
constexpr bool is_sweep(RequestKind k) noexcept {
  return k == RequestKind::MassCancel || k == RequestKind::MassCancelInstrument ||
         k == RequestKind::ExpireDay;
}
const char* to_string(RequestKind k) noexcept;

// What a network thread's record stands for: an order (a new order, or a
// replace once applied), or a cancel / replace request acting on one.
enum class RecordKind : std::uint8_t { Order, CancelRequest, ReplaceRequest };

struct ShardRequest {
  RequestKind kind = RequestKind::New;
  engine::Side side = engine::Side::Buy;
  engine::OrdType type = engine::OrdType::Limit;
  engine::TimeInForce tif = engine::TimeInForce::Day;
  engine::MemberId member = 0;
  engine::AccountId account = 0;
  engine::InstrumentId instrument = 0;  // the shard's own numbering
  RecordRef ref = kNoRecord;            // this request's record
  RecordRef target = kNoRecord;         // cancel/replace: the record naming the order
  engine::Price price = 0;
  engine::Qty qty = 0;
};
static_assert(std::is_trivially_copyable_v<ShardRequest>);

}  // namespace matchgate::records
