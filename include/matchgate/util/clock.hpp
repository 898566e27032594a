#pragma once
// Nanoseconds of a POSIX clock as one integer: CLOCK_MONOTONIC for
// intervals and timers, CLOCK_REALTIME for timestamps that leave the process
// (FIX SendingTime, log records).
#include <time.h>

#include <cstdint>

namespace matchgate::util {

inline std::int64_t clock_ns(clockid_t clock) noexcept {
  timespec ts{};
  clock_gettime(clock, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// A thread's reading of both clocks, taken once per duty cycle (or per
// batch of input) by the thread that owns it and read by the units it
// drives, so one message's answers all carry one time. Tests set it by hand.
struct ThreadClock {
  std::int64_t mono_ns = 0;  // timers and intervals
  std::int64_t wall_ns = 0;  // nanoseconds since 1970-01-01T00:00:00Z
};

}  // namespace matchgate::util
