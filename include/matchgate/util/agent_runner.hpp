#pragma once
// Runs one agent on its own thread: duty cycle, idle strategy, pinning,
// naming, clean stop, and exceptions turned into a reported failure instead of
// std::terminate or a silently dead thread.
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "matchgate/util/agent.hpp"
#include "matchgate/util/cache_line.hpp"
#include "matchgate/util/cpu_affinity.hpp"
#include "matchgate/util/idle_strategy.hpp"

namespace matchgate::util {

struct AgentRunnerOptions {
  int cpu = -1;             // pin to this CPU; -1 leaves placement to the kernel
  std::string thread_name;  // empty: the agent's name(); truncated to 15 chars
  // Called on the agent thread when an exception escapes the agent, after
  // failed() has become true. Lets the daemon log and begin shutdown. Anything
  // it throws is swallowed.
  std::function<void(std::string_view agent, std::string_view what)> on_error;
};

// The runner refers to the agent, it does not own it: the agent must outlive
// the runner (or at least its stop()). After a failure the agent is not run
// again: its state is unknown, and for an engine shard continuing could
// corrupt the book, so the thread calls on_close() and ends; the owner sees
// failed() and decides (usually: shut the daemon down).
template <Agent A, IdleStrategy Idle = BusySpinIdle>
class AgentRunner {
 public:
  explicit AgentRunner(A& agent, Idle idle = Idle{}, AgentRunnerOptions options = {})
      : agent_(agent), idle_(std::move(idle)), options_(std::move(options)) {}

  AgentRunner(const AgentRunner&) = delete;
  AgentRunner& operator=(const AgentRunner&) = delete;
  AgentRunner(AgentRunner&&) = delete;
  AgentRunner& operator=(AgentRunner&&) = delete;

  ~AgentRunner() { stop(); }

  // Starts the thread and waits until it has been named, pinned and has run
  // on_start(). Returns true if the agent entered its duty cycle (it may have
  // failed since), false if on_start() threw (see failure()). A pinning failure does not stop the
  // agent; it is reported by pin_error(). Throws std::logic_error when called
  // twice and std::system_error when no thread can be created.
  bool start() {
    State expected = State::NotStarted;
    if (!state_.compare_exchange_strong(expected, State::Starting)) {
      throw std::logic_error("AgentRunner::start called twice");
    }
    try {
      thread_ = std::thread([this] { run(); });
    } catch (...) {
      state_.store(State::NotStarted);
      throw;
    }
    while (state_.load(std::memory_order_acquire) == State::Starting) {
      state_.wait(State::Starting, std::memory_order_acquire);
    }
    return entered_duty_cycle_;
  }

  // Asks the agent thread to finish its current duty cycle and exit; does not
  // wait. Lets an owner stop many runners in parallel before joining them.
  void request_stop() noexcept { stop_requested_.store(true, std::memory_order_release); }

  // request_stop() and wait for the thread to exit. Idempotent. Called from
  // the agent's own thread it only requests the stop (joining would deadlock).
  void stop() noexcept {
    request_stop();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

  // True while the agent is inside its duty cycle.
  bool running() const noexcept { return state_.load(std::memory_order_acquire) == State::Running; }
  // True once the thread has exited (on_close() done), whatever the reason.
  bool stopped() const noexcept { return state_.load(std::memory_order_acquire) == State::Stopped; }

  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  // What went wrong, e.g. "do_work: book invariant broken"; empty unless
  // failed(). Only the first failure is kept.
  std::string failure() const { return failed() ? failure_ : std::string(); }

  // Empty unless pinning was requested and failed. Valid once start() returned.
  const std::string& pin_error() const noexcept { return pin_error_; }

  A& agent() noexcept { return agent_; }
  Idle& idle_strategy() noexcept { return idle_; }

 private:
  enum class State : int { NotStarted, Starting, Running, Closing, Stopped };

  void run() noexcept {
    const std::string_view name =
        options_.thread_name.empty() ? std::string_view(agent_.name()) : options_.thread_name;
    (void)set_current_thread_name(name);  // cosmetic; failure is harmless
    if (options_.cpu >= 0) pin_error_ = pin_current_thread(options_.cpu);

    bool started = true;
    try {
      agent_on_start(agent_);
    } catch (...) {
      record_failure("on_start", std::current_exception());
      started = false;
    }
    entered_duty_cycle_ = started;
    state_.store(started ? State::Running : State::Closing, std::memory_order_release);
    state_.notify_all();

    if (started) {
      // The try sits outside the loop: zero-cost on the path that does not throw.
      try {
        while (!stop_requested_.load(std::memory_order_relaxed)) {
          idle_.idle(static_cast<int>(agent_.do_work()));
        }
      } catch (...) {
        record_failure("do_work", std::current_exception());
      }
      state_.store(State::Closing, std::memory_order_release);
    }

    // Always, even after a failed on_start: it may have acquired resources.
    try {
      agent_on_close(agent_);
    } catch (...) {
      record_failure("on_close", std::current_exception());
    }
    state_.store(State::Stopped, std::memory_order_release);
    state_.notify_all();
  }

  void record_failure(std::string_view where, std::exception_ptr error) noexcept {
    if (failed_.load(std::memory_order_relaxed)) return;
    try {
      try {
        std::rethrow_exception(std::move(error));
      } catch (const std::exception& e) {
        failure_ = std::string(where) + ": " + e.what();
      } catch (...) {
        failure_ = std::string(where) + ": unknown exception";
      }
    } catch (...) {
      // Out of memory while formatting: keep failed() truthful at least.
    }
    failed_.store(true, std::memory_order_release);
    if (options_.on_error) {
      try {
        options_.on_error(agent_.name(), failure_);
      } catch (...) {
      }
    }
  }

  A& agent_;
  Idle idle_;
  const AgentRunnerOptions options_;
  std::thread thread_;
  std::string pin_error_;
  std::string failure_;
  bool entered_duty_cycle_ = false;  // published to start() by the release store of state_
  std::atomic<State> state_{State::NotStarted};
  std::atomic<bool> failed_{false};
  // Polled every duty cycle by the agent thread and written once by the
  // owner: on its own line so the owner's other fields never evict it.
  alignas(kFalseSharingRange) std::atomic<bool> stop_requested_{false};
};

}  // namespace matchgate::util
