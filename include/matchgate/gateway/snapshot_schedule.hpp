#pragma once
// When the next snapshot is due (docs/WAL.md 6.9, docs/CONFIG.md [wal]).
// The record count bounds recovery: it counts every record after the newest
// snapshot, those replayed at the start included, so the log a start must
// replay cannot grow across restarts. The minimum interval bounds how often
// snapshots can fire under load, the start counting as one: a load test
// shorter than it after a start never pays for a snapshot, and a longer one
// pays at most once per interval.
#include <cstdint>

#include "matchgate/gateway/snapshot_options.hpp"

namespace matchgate::gateway {

class SnapshotSchedule {
 public:
  explicit SnapshotSchedule(const SnapshotOptions& options) noexcept : options_(options) {}

  // The daemon starts, or a snapshot has just been taken, at `now_ns` on
  // the monotonic clock.
  void restart_at(std::int64_t now_ns) noexcept { last_ns_ = now_ns; }
  // Whether a snapshot is due at `now_ns` with `records` logged after the
  // newest snapshot (replayed ones included).
  bool due(std::int64_t now_ns, std::uint64_t records) const noexcept;

 private:
  SnapshotOptions options_;
  std::int64_t last_ns_ = 0;
};

}  // namespace matchgate::gateway
