#pragma once
// The application's record types in the write-ahead log, and one
// description of every type for tools (matchgate-wal dump) and messages.
// Adding a type: its number here, its layout in its own header and source
// (encode, decode, describe), and a case in describe() and to_string();
// docs/WAL.md lists the same layouts for auditors.
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "matchgate/wal/format.hpp"

namespace matchgate::records {

enum class RecordType : std::uint16_t {
  // Every request handed to a shard (records/order_request.hpp).
  OrderRequest = static_cast<std::uint16_t>(wal::RecordType::FirstUserType),  // 16
  // Every message sequenced for a member (records/outbound.hpp).
  Outbound = 17,
  // Where a snapshot was taken (records/snapshot_point.hpp).
  SnapshotPoint = 18,
  // An operator's or the schedule's control decision (records/control.hpp).
  Control = 19,
  // A trade, a bust or a correction for clearing (records/trade.hpp).
  Trade = 20,
};

constexpr std::uint16_t to_wire(RecordType t) noexcept {
  return static_cast<std::uint16_t>(t);
}

// The name of any record type in a log: the log's own (Seal, Start,
// Shutdown), the application's, or "type-<n>".
std::string type_name(std::uint16_t type);

// A record's payload as (key, value) pairs, values ready for JSON (strings
// quoted), so text and JSON output come from one description. Empty for
// types without fields or payloads that do not decode.
using Fields = std::vector<std::pair<std::string, std::string>>;
Fields describe(std::uint16_t type, std::span<const std::byte> payload);

}  // namespace matchgate::records
