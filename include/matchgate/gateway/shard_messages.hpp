#pragma once
// The fixed-size messages that cross the SPSC rings between network threads
// and engine shards. Trivially copyable, so a ring moves them with memcpy and
// (later) the WAL can frame them as they are.
#include <cstdint>
#include <type_traits>

#include "matchgate/engine/event.hpp"
#include "matchgate/engine/types.hpp"

namespace matchgate::gateway {

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

// Snapshot: not a change of state, and never logged; the shard copies its
// state (ShardAgent::snapshot()) and answers with a SnapshotTaken reply.
enum class RequestKind : std::uint8_t { New, Cancel, Replace, MassCancel, Snapshot };

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

enum class ReplyKind : std::uint8_t { Event, SnapshotTaken };

struct ShardReply {
  engine::Event event;
  RecordRef request = kNoRecord;  // the request that caused the event
  ReplyKind kind = ReplyKind::Event;
};
static_assert(std::is_trivially_copyable_v<ShardReply>);

}  // namespace matchgate::gateway
