#include "matchgate/util/idle_strategy.hpp"

#include <sched.h>

#include <cerrno>
#include <ctime>
#include <stdexcept>

namespace matchgate::util {

BackoffIdle::BackoffIdle(const Config& config) : config_(config) {
  if (config_.min_park.count() <= 0)
    throw std::invalid_argument("BackoffIdle: min_park must be > 0");
  if (config_.max_park < config_.min_park) {
    throw std::invalid_argument("BackoffIdle: max_park must be >= min_park");
  }
  reset();
}

void BackoffIdle::idle_slow() noexcept {
  if (yields_ < config_.max_yields) {
    ++yields_;
    sched_yield();
    return;
  }
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(park_ns_ / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(park_ns_ % 1'000'000'000);
  // An interrupted sleep is not retried: idle() returning early only means
  // the agent polls once more, and it keeps stop() responsive to signals.
  nanosleep(&ts, nullptr);
  const std::int64_t max_ns = config_.max_park.count();
  park_ns_ = park_ns_ > max_ns / 2 ? max_ns : park_ns_ * 2;
}

std::optional<AnyIdle> AnyIdle::from_name(std::string_view name,
                                          const BackoffIdle::Config& backoff) {
  if (name == BusySpinIdle::kName) return AnyIdle(BusySpinIdle{});
  if (name == BackoffIdle::kName) return AnyIdle(BackoffIdle(backoff));
  return std::nullopt;
}

}  // namespace matchgate::util
