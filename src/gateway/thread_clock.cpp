#include "matchgate/gateway/thread_clock.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace matchgate::gateway {

namespace {
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
}  // namespace

ThreadClock::ThreadClock(const std::string& thread_name) {
  if (const char* skew = std::getenv("MATCHGATE_TEST_CLOCK_SKEW_FILE")) {
    skew_file_ = skew;
    spdlog::warn(
        "{}: MATCHGATE_TEST_CLOCK_SKEW_FILE is set: the wall clock follows {} (tests only)",
        thread_name, skew_file_);
    read_skew();
  }
  refresh();
}

void ThreadClock::refresh() noexcept {
  now_.mono_ns = util::clock_ns(CLOCK_MONOTONIC);
  now_.wall_ns = util::clock_ns(CLOCK_REALTIME) + skew_ns_;
}

void ThreadClock::read_skew() noexcept {
  if (skew_file_.empty()) return;
  std::FILE* f = std::fopen(skew_file_.c_str(), "r");
  if (f == nullptr) return;
  long long seconds = 0;
  if (std::fscanf(f, "%lld", &seconds) == 1) skew_ns_ = seconds * kNsPerSecond;
  std::fclose(f);
}

}  // namespace matchgate::gateway
