#pragma once
// Counting instead of logging: an error that happens per message (a reject,
// a malformed frame) increments a counter, and at most one line per interval
// reports how many happened since the previous line.
#include <spdlog/common.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace matchgate::ops {

class EventCounter {
 public:
  // `name` must outlive the counter (normally a string literal).
  explicit EventCounter(const char* name,
                        std::chrono::nanoseconds interval = std::chrono::seconds(1)) noexcept
      : name_(name), interval_ns_(interval.count()) {}
  EventCounter(const EventCounter&) = delete;
  EventCounter& operator=(const EventCounter&) = delete;

  // One relaxed atomic add: cheap enough for any path.
  void add(std::uint64_t n = 1) noexcept { total_.fetch_add(n, std::memory_order_relaxed); }

  std::uint64_t total() const noexcept { return total_.load(std::memory_order_relaxed); }
  const char* name() const noexcept { return name_; }

  // add(), then report_if_due(). `detail` describes this occurrence (e.g. the
  // reject reason) and is only formatted when a line is actually written.
  void add_and_report(spdlog::level::level_enum level, std::string_view detail = {}) noexcept {
    add();
    report_if_due(level, detail);
  }

  // If something was counted since the last report and the interval has
  // passed since that report, logs "<name>: <n> since last report (<total> total)[; last: detail]".
  // Several threads may call it; exactly one of them writes the line.
  // Returns the count reported, 0 if nothing was written.
  std::uint64_t report_if_due(spdlog::level::level_enum level,
                              std::string_view detail = {}) noexcept {
    // Nothing new: leave the slot free, so the first error after a quiet
    // spell is reported at once.
    if (total_.load(std::memory_order_relaxed) == reported_.load(std::memory_order_relaxed))
      return 0;
    const std::int64_t now = now_ns();
    std::int64_t due = next_report_ns_.load(std::memory_order_relaxed);
    if (now < due) return 0;
    if (!next_report_ns_.compare_exchange_strong(due, now + interval_ns_,
                                                 std::memory_order_relaxed)) {
      return 0;  // another thread is reporting this interval
    }
    const std::uint64_t total = total_.load(std::memory_order_relaxed);
    const std::uint64_t since = total - reported_.exchange(total, std::memory_order_relaxed);
    if (since == 0) return 0;
    write_report(level, since, total, detail);
    return since;
  }

 private:
  static std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  // Out of line so that this header does not pull in spdlog's formatting.
  void write_report(spdlog::level::level_enum level, std::uint64_t since, std::uint64_t total,
                    std::string_view detail) const noexcept;

  const char* name_;
  std::int64_t interval_ns_;
  std::atomic<std::uint64_t> total_{0};
  std::atomic<std::uint64_t> reported_{0};
  std::atomic<std::int64_t> next_report_ns_{0};
};

}  // namespace matchgate::ops
