#pragma once
// The fixed-size messages that cross the SPSC rings between network threads
// and engine shards. Trivially copyable, so a ring moves them with memcpy.
#include <cstdint>
#include <type_traits>

#include "matchgate/engine/event.hpp"
#include "matchgate/engine/types.hpp"
#include "matchgate/records/request.hpp"

namespace matchgate::gateway {

// The request type is the logged one (records/request.hpp): what crosses
// the ring is what the log holds.
using records::kNoRecord;
using records::make_ref;
using records::net_thread_of;
using records::RecordRef;
using records::RequestKind;
using records::ShardRequest;
using records::slot_of;

enum class ReplyKind : std::uint8_t { Event, SnapshotTaken };

struct ShardReply {
  engine::Event event;
  RecordRef request = kNoRecord;  // the request that caused the event
  ReplyKind kind = ReplyKind::Event;
};
static_assert(std::is_trivially_copyable_v<ShardReply>);

}  // namespace matchgate::gateway
