#pragma once
// Idle strategy of the gateway's threads ([engine] idle). IdleMode::Wait:
// spin for a short while after the last work (cheap to leave when work comes
// back quickly), then park through the agent's own park(timeout), which
// blocks until another thread rings the agent's Doorbell, its I/O becomes
// ready, or the timeout passes. IdleMode::Spin never parks. Either way one
// strategy type, so runners need not be templated on the configuration.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <string_view>

#include "matchgate/util/cache_line.hpp"
#include "matchgate/util/clock.hpp"

namespace matchgate::util {

enum class IdleMode : std::uint8_t {
  Wait,  // spin briefly, then sleep until woken: leaves a small machine usable
  Spin,  // busy-poll: lowest latency, one full core per thread
};
// "wait" | "spin": the names [engine] idle takes.
constexpr const char* to_string(IdleMode mode) noexcept {
  switch (mode) {
    case IdleMode::Wait:
      return "wait";
    case IdleMode::Spin:
      return "spin";
  }
  return "?";
}

class ParkingIdle {
 public:
  using ParkFn = void (*)(void* agent, std::chrono::microseconds timeout);
  struct Config {
    IdleMode mode = IdleMode::Wait;
    std::chrono::nanoseconds spin{50'000};      // spinning before the first park
    std::chrono::microseconds max_park{1'000};  // one park; bounds how stale timers get
  };

  ParkingIdle(ParkFn park, void* agent, Config config) noexcept
      : park_(park), agent_(agent), config_(config) {}

  void idle(int work_count) noexcept {
    if (work_count > 0) {
      idle_since_ns_ = 0;
      return;
    }
    if (config_.mode == IdleMode::Spin) {
      cpu_relax();
      return;
    }
    const std::int64_t now = clock_ns(CLOCK_MONOTONIC);
    if (idle_since_ns_ == 0) idle_since_ns_ = now;
    if (now - idle_since_ns_ < config_.spin.count()) {
      cpu_relax();
      return;
    }
    park_(agent_, config_.max_park);
  }
  void reset() noexcept { idle_since_ns_ = 0; }
  std::string_view name() const noexcept { return to_string(config_.mode); }

 private:
  ParkFn park_;
  void* agent_;
  Config config_;
  std::int64_t idle_since_ns_ = 0;
};

}  // namespace matchgate::util
