#pragma once
// What an agent thread does when a duty cycle found no work. Called once per
// duty cycle, never per message, and resolved statically (AgentRunner is a
// template over the strategy) so the hot loop has no virtual call.
#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "matchgate/util/cache_line.hpp"

namespace matchgate::util {

// idle(work_count): work_count > 0 means the last duty cycle did something,
// so the strategy resets its backoff and returns at once; otherwise it waits
// a little. reset() forgets any backoff state.
template <class S>
concept IdleStrategy = requires(S& s, int work_count) {
  s.idle(work_count);
  s.reset();
};

// Lowest latency, burns a whole core: for engine shards and network threads
// pinned to isolated CPUs.
class BusySpinIdle {
 public:
  static constexpr std::string_view kName = "spin";

  void idle(int work_count) noexcept {
    if (work_count <= 0) cpu_relax();
  }
  void reset() noexcept {}
};

// Spins, then yields, then sleeps with a doubling park time: for threads that
// are usually quiet (admin, persistence) or hosts without spare cores, where a
// spinning thread would steal CPU from the ones that matter.
class BackoffIdle {
 public:
  static constexpr std::string_view kName = "backoff";

  struct Config {
    std::uint32_t max_spins = 100;  // pause instructions before yielding
    std::uint32_t max_yields = 10;  // sched_yield calls before sleeping
    std::chrono::nanoseconds min_park{1'000};
    std::chrono::nanoseconds max_park{1'000'000};
  };

  // Throws std::invalid_argument if min_park <= 0 or max_park < min_park.
  BackoffIdle() : BackoffIdle(Config{}) {}
  explicit BackoffIdle(const Config& config);

  void idle(int work_count) noexcept {
    if (work_count > 0) {
      reset();
      return;
    }
    // The spin phase stays inline; only yielding and sleeping, which cost a
    // system call anyway, go out of line.
    if (spins_ < config_.max_spins) {
      ++spins_;
      cpu_relax();
      return;
    }
    idle_slow();
  }

  void reset() noexcept {
    spins_ = 0;
    yields_ = 0;
    park_ns_ = config_.min_park.count();
  }

  const Config& config() const noexcept { return config_; }
  // The sleep the next parking idle() would take; exposed for tests.
  std::chrono::nanoseconds next_park() const noexcept { return std::chrono::nanoseconds(park_ns_); }
  enum class Phase { Spinning, Yielding, Parking };
  Phase phase() const noexcept {
    if (spins_ < config_.max_spins) return Phase::Spinning;
    if (yields_ < config_.max_yields) return Phase::Yielding;
    return Phase::Parking;
  }

 private:
  void idle_slow() noexcept;

  Config config_;
  std::uint32_t spins_ = 0;
  std::uint32_t yields_ = 0;
  std::int64_t park_ns_ = 0;
};

// A strategy chosen at run time from configuration ("spin" | "backoff"). The
// runner still calls it once per duty cycle, so the variant dispatch is one
// predictable branch per cycle, not per message.
class AnyIdle {
 public:
  AnyIdle() = default;  // busy spin
  AnyIdle(BusySpinIdle s) : impl_(s) {}
  AnyIdle(BackoffIdle s) : impl_(s) {}

  // nullopt for an unknown name, so the config loader can report it.
  static std::optional<AnyIdle> from_name(std::string_view name,
                                          const BackoffIdle::Config& backoff = {});

  void idle(int work_count) noexcept {
    std::visit([work_count](auto& s) { s.idle(work_count); }, impl_);
  }
  void reset() noexcept {
    std::visit([](auto& s) { s.reset(); }, impl_);
  }
  std::string_view name() const noexcept {
    return std::visit([](const auto& s) { return s.kName; }, impl_);
  }

 private:
  std::variant<BusySpinIdle, BackoffIdle> impl_;
};

static_assert(IdleStrategy<BusySpinIdle>);
static_assert(IdleStrategy<BackoffIdle>);
static_assert(IdleStrategy<AnyIdle>);

}  // namespace matchgate::util
