#include "matchgate/gateway/snapshot_schedule.hpp"

#include <chrono>

namespace matchgate::gateway {

namespace {

std::int64_t ns(std::chrono::seconds s) {
  return std::chrono::nanoseconds(s).count();
}

}  // namespace

bool SnapshotSchedule::due(std::int64_t now_ns, std::uint64_t records) const noexcept {
  if (records == 0) return false;  // the newest snapshot is the state
  const std::int64_t elapsed = now_ns - last_ns_;
  if (elapsed < ns(options_.min_interval)) return false;
  if (options_.every_records > 0 && records >= options_.every_records) return true;
  return options_.interval.count() > 0 && elapsed >= ns(options_.interval);
}

}  // namespace matchgate::gateway
