#pragma once
// Clocks and order statistics shared by wal_bench's modes.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

namespace matchgate::wal_bench {

using Clock = std::chrono::steady_clock;

inline double us_since(Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t).count();
}

// CPU time (user + system) of the calling thread, in us: what preparing a
// file costs the thread that does it, whatever else the machine runs.
inline double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// Nearest-rank percentile; 0 for no samples.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

inline double median(std::vector<double> v) {
  return percentile(std::move(v), 0.5);
}

}  // namespace matchgate::wal_bench
