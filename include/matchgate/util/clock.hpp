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

}  // namespace matchgate::util
