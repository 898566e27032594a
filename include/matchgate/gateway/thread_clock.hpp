#pragma once
// The clocks of a network thread, read once per duty cycle (and per batch
// of input, which may arrive inside a poll that slept), so every answer to
// one message carries one time. Tests may shift the wall clock through the
// file named by MATCHGATE_TEST_CLOCK_SKEW_FILE (a number of seconds; read
// every 10 ms by the timers): ClOrdID keys, log record times, SendingTime.
#include <cstdint>
#include <string>

#include "matchgate/util/clock.hpp"

namespace matchgate::gateway {

class ThreadClock {
 public:
  explicit ThreadClock(const std::string& thread_name);

  void refresh() noexcept;
  // Tests only: re-reads the skew file.
  void read_skew() noexcept;
  // Recovery: replay composes with each log record's own time.
  void set_wall(std::int64_t wall_ns) noexcept { now_.wall_ns = wall_ns; }
  const util::ThreadClock& now() const noexcept { return now_; }

 private:
  util::ThreadClock now_;
  std::string skew_file_;
  std::int64_t skew_ns_ = 0;
};

}  // namespace matchgate::gateway
