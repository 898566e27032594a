#pragma once
// When the gateway takes snapshots and how many it keeps. The daemon fills
// this from the snapshot keys of [wal] in its config (docs/CONFIG.md).
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace matchgate::gateway {

struct SnapshotOptions {
  // A snapshot is due when this long has passed since the last one and
  // records were logged meanwhile (0: not by time) ...
  std::chrono::seconds interval{300};
  // ... or when this many records were logged (replayed ones at start
  // included) since the last one (0: not by count) ...
  std::uint64_t every_records = 2'000'000;
  // ... but never sooner than this after the last one or the start (0: no
  // minimum), so that a load cannot make snapshots fire one after another.
  std::chrono::seconds min_interval{60};
  std::size_t keep = 2;                  // snapshots kept by retention
  bool remove_covered_segments = false;  // retention deletes segments snapshots cover
};

}  // namespace matchgate::gateway
