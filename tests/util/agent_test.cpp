#include "matchgate/util/agent_runner.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "matchgate/util/agent.hpp"
#include "matchgate/util/cpu_affinity.hpp"
#include "matchgate/util/idle_strategy.hpp"
#include "matchgate/util/spsc_ring.hpp"

namespace {

using namespace matchgate::util;
using namespace std::chrono_literals;

// Waits for a condition another thread makes true. The deadline only stops a
// broken test from hanging; no assertion depends on how long anything takes.
template <class Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100us);
  }
  return true;
}

struct CountingAgent {
  std::atomic<std::uint64_t> cycles{0};
  std::atomic<int> starts{0};
  std::atomic<int> closes{0};
  std::thread::id start_thread;
  std::thread::id close_thread;
  std::atomic<bool> work_before_start{false};

  int do_work() {
    if (starts.load() == 0) work_before_start = true;
    cycles.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  const char* name() const { return "counting"; }
  void on_start() {
    start_thread = std::this_thread::get_id();
    starts.fetch_add(1);
  }
  void on_close() {
    close_thread = std::this_thread::get_id();
    closes.fetch_add(1);
  }
};

struct MinimalAgent {
  std::atomic<int> calls{0};
  int do_work() { return ++calls; }
  const char* name() const { return "minimal"; }
};

struct NotAnAgent {
  const char* name() const { return "x"; }
};

static_assert(Agent<CountingAgent>);
static_assert(Agent<MinimalAgent>);
static_assert(!Agent<NotAnAgent>);

TEST(AgentRunner, RunsDutyCycleOnItsOwnThreadAndStopsCleanly) {
  CountingAgent agent;
  AgentRunner runner(agent);
  EXPECT_FALSE(runner.running());
  ASSERT_TRUE(runner.start());
  EXPECT_EQ(agent.starts.load(), 1);  // start() returns after on_start
  EXPECT_TRUE(runner.running());
  ASSERT_TRUE(eventually([&] { return agent.cycles.load() > 1000; }));

  runner.stop();
  EXPECT_TRUE(runner.stopped());
  EXPECT_FALSE(runner.running());
  EXPECT_FALSE(runner.failed());
  EXPECT_EQ(runner.failure(), "");
  EXPECT_EQ(agent.closes.load(), 1);
  EXPECT_FALSE(agent.work_before_start.load());
  EXPECT_EQ(agent.start_thread, agent.close_thread);
  EXPECT_NE(agent.start_thread, std::this_thread::get_id());

  const auto cycles = agent.cycles.load();
  runner.stop();  // idempotent
  EXPECT_EQ(agent.cycles.load(), cycles);
  EXPECT_EQ(agent.closes.load(), 1);
}

TEST(AgentRunner, AgentWithoutHooksRuns) {
  MinimalAgent agent;
  {
    AgentRunner runner(agent);
    ASSERT_TRUE(runner.start());
    ASSERT_TRUE(eventually([&] { return agent.calls.load() > 10; }));
  }  // the destructor stops and joins
  EXPECT_GT(agent.calls.load(), 10);
}

TEST(AgentRunner, StartingTwiceThrows) {
  MinimalAgent agent;
  AgentRunner runner(agent);
  ASSERT_TRUE(runner.start());
  EXPECT_THROW(runner.start(), std::logic_error);
}

TEST(AgentRunner, StopBeforeStartIsHarmless) {
  MinimalAgent agent;
  AgentRunner runner(agent);
  runner.stop();
  EXPECT_FALSE(runner.running());
  EXPECT_EQ(agent.calls.load(), 0);
}

TEST(AgentRunner, RequestStopThenStopFromOwner) {
  CountingAgent a;
  CountingAgent b;
  AgentRunner ra(a);
  AgentRunner rb(b);
  ASSERT_TRUE(ra.start());
  ASSERT_TRUE(rb.start());
  ra.request_stop();
  rb.request_stop();
  ASSERT_TRUE(eventually([&] { return ra.stopped() && rb.stopped(); }));
  ra.stop();
  rb.stop();
  EXPECT_EQ(a.closes.load(), 1);
  EXPECT_EQ(b.closes.load(), 1);
}

struct ThrowingAgent {
  int throw_on = 10;
  bool throw_non_std = false;
  std::atomic<int> calls{0};
  std::atomic<int> closes{0};
  int do_work() {
    if (++calls == throw_on) {
      if (throw_non_std) throw 42;
      throw std::runtime_error("book invariant broken");
    }
    return 1;
  }
  const char* name() const { return "thrower"; }
  void on_close() { ++closes; }
};

TEST(AgentRunner, ExceptionFromDoWorkIsReportedAndStopsTheAgent) {
  ThrowingAgent agent;
  std::atomic<int> reports{0};
  std::string reported_agent;
  std::string reported_what;
  AgentRunnerOptions options;
  options.on_error = [&](std::string_view name, std::string_view what) {
    reported_agent = name;
    reported_what = what;
    ++reports;
  };
  AgentRunner runner(agent, BusySpinIdle{}, std::move(options));
  ASSERT_TRUE(runner.start());
  ASSERT_TRUE(eventually([&] { return runner.stopped(); }));

  EXPECT_TRUE(runner.failed());
  EXPECT_EQ(runner.failure(), "do_work: book invariant broken");
  EXPECT_EQ(agent.calls.load(), 10);  // not run again after the failure
  EXPECT_EQ(agent.closes.load(), 1);
  EXPECT_EQ(reports.load(), 1);
  EXPECT_EQ(reported_agent, "thrower");
  EXPECT_EQ(reported_what, "do_work: book invariant broken");
  runner.stop();
}

TEST(AgentRunner, NonStandardExceptionIsReported) {
  ThrowingAgent agent;
  agent.throw_on = 1;
  agent.throw_non_std = true;
  AgentRunner runner(agent);
  runner.start();
  ASSERT_TRUE(eventually([&] { return runner.stopped(); }));
  EXPECT_TRUE(runner.failed());
  EXPECT_EQ(runner.failure(), "do_work: unknown exception");
}

struct FailingStartAgent {
  std::atomic<int> calls{0};
  std::atomic<int> closes{0};
  int do_work() { return ++calls; }
  const char* name() const { return "bad-start"; }
  void on_start() { throw std::runtime_error("no socket"); }
  void on_close() { ++closes; }
};

TEST(AgentRunner, ExceptionFromOnStartFailsStartWithoutRunning) {
  FailingStartAgent agent;
  AgentRunner runner(agent);
  EXPECT_FALSE(runner.start());
  ASSERT_TRUE(eventually([&] { return runner.stopped(); }));
  EXPECT_TRUE(runner.failed());
  EXPECT_EQ(runner.failure(), "on_start: no socket");
  EXPECT_EQ(agent.calls.load(), 0);
  EXPECT_EQ(agent.closes.load(), 1);  // may have acquired resources before throwing
}

struct ThrowingCloseAgent {
  int do_work() { return 0; }
  const char* name() const { return "bad-close"; }
  void on_close() { throw std::runtime_error("flush failed"); }
};

TEST(AgentRunner, ExceptionFromOnCloseIsReported) {
  ThrowingCloseAgent agent;
  AgentRunner runner(agent);
  ASSERT_TRUE(runner.start());
  runner.stop();
  EXPECT_TRUE(runner.failed());
  EXPECT_EQ(runner.failure(), "on_close: flush failed");
}

struct ProbeAgent {
  std::string name_value = "probe";
  std::atomic<int> cpu_seen{-2};
  std::atomic<bool> other_cpu{false};
  std::atomic<std::uint64_t> cycles{0};
  char thread_name[32] = {};

  void on_start() { pthread_getname_np(pthread_self(), thread_name, sizeof(thread_name)); }
  int do_work() {
    const int cpu = current_cpu();
    if (cycles.load() > 0 && cpu != cpu_seen.load()) other_cpu = true;
    cpu_seen = cpu;
    cycles.fetch_add(1);
    return 0;
  }
  const char* name() const { return name_value.c_str(); }
};

bool process_may_use_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return false;
  return CPU_ISSET(cpu, &set);
}

TEST(AgentRunner, PinsToCpuZero) {
  if (!process_may_use_cpu(0)) GTEST_SKIP() << "cpu 0 is not in this process's cpuset";
  ProbeAgent agent;
  AgentRunnerOptions options;
  options.cpu = 0;
  AgentRunner runner(agent, BackoffIdle{}, std::move(options));
  ASSERT_TRUE(runner.start());
  EXPECT_EQ(runner.pin_error(), "");
  ASSERT_TRUE(eventually([&] { return agent.cycles.load() > 100; }));
  runner.stop();
  EXPECT_EQ(agent.cpu_seen.load(), 0);
  EXPECT_FALSE(agent.other_cpu.load());
}

TEST(AgentRunner, PinningFailureIsReportedAndAgentStillRuns) {
  ProbeAgent agent;
  AgentRunnerOptions options;
  options.cpu = 1 << 20;  // beyond any cpu_set_t
  AgentRunner runner(agent, BackoffIdle{}, std::move(options));
  ASSERT_TRUE(runner.start());
  EXPECT_NE(runner.pin_error(), "");
  ASSERT_TRUE(eventually([&] { return agent.cycles.load() > 10; }));
  runner.stop();
  EXPECT_FALSE(runner.failed());
}

TEST(AgentRunner, ThreadNameIsTruncatedToFifteenChars) {
  ProbeAgent agent;
  agent.name_value = "engine-shard-0123456789";
  {
    AgentRunner runner(agent);
    ASSERT_TRUE(runner.start());
  }
  EXPECT_STREQ(agent.thread_name, "engine-shard-01");

  ProbeAgent named;
  AgentRunnerOptions options;
  options.thread_name = "net-rx";
  {
    AgentRunner runner(named, BusySpinIdle{}, std::move(options));
    ASSERT_TRUE(runner.start());
  }
  EXPECT_STREQ(named.thread_name, "net-rx");
}

// An agent as the engine side of a ring: the shape every shard will have.
struct RingConsumerAgent {
  SpscRing<std::uint64_t>& ring;
  std::uint64_t expected = 0;
  std::atomic<std::uint64_t> received{0};
  std::atomic<bool> out_of_order{false};

  int do_work() {
    const std::size_t n = ring.drain(
        [&](const std::uint64_t& v) {
          if (v != expected) out_of_order = true;
          ++expected;
        },
        256);
    received.fetch_add(n, std::memory_order_release);
    return static_cast<int>(n);
  }
  const char* name() const { return "ring-consumer"; }
};

TEST(AgentRunner, ConsumesARingFedFromAnotherThread) {
  constexpr std::uint64_t kCount = 200'000;
  SpscRing<std::uint64_t> ring(512);
  RingConsumerAgent agent{ring};
  auto idle = AnyIdle::from_name("backoff");
  ASSERT_TRUE(idle.has_value());
  AgentRunner runner(agent, *idle);
  ASSERT_TRUE(runner.start());
  for (std::uint64_t i = 0; i < kCount;) {
    if (ring.try_push(i)) {
      ++i;
    } else {
      std::this_thread::yield();
    }
  }
  ASSERT_TRUE(eventually([&] { return agent.received.load(std::memory_order_acquire) == kCount; }));
  runner.stop();
  EXPECT_FALSE(agent.out_of_order.load());
  EXPECT_FALSE(runner.failed());
}

TEST(IdleStrategy, AnyIdleFromName) {
  auto spin = AnyIdle::from_name("spin");
  ASSERT_TRUE(spin.has_value());
  EXPECT_EQ(spin->name(), "spin");
  auto backoff = AnyIdle::from_name("backoff");
  ASSERT_TRUE(backoff.has_value());
  EXPECT_EQ(backoff->name(), "backoff");
  EXPECT_FALSE(AnyIdle::from_name("sleep").has_value());
  EXPECT_FALSE(AnyIdle::from_name("").has_value());
  EXPECT_EQ(AnyIdle().name(), "spin");
  spin->idle(0);
  backoff->idle(0);
  backoff->idle(3);
}

TEST(IdleStrategy, BackoffSpinsThenYieldsThenParksWithGrowingCappedSleep) {
  BackoffIdle::Config cfg;
  cfg.max_spins = 3;
  cfg.max_yields = 2;
  cfg.min_park = 1000ns;
  cfg.max_park = 5000ns;
  BackoffIdle idle(cfg);
  using Phase = BackoffIdle::Phase;

  EXPECT_EQ(idle.phase(), Phase::Spinning);
  for (int i = 0; i < 3; ++i) idle.idle(0);
  EXPECT_EQ(idle.phase(), Phase::Yielding);
  for (int i = 0; i < 2; ++i) idle.idle(0);
  EXPECT_EQ(idle.phase(), Phase::Parking);
  EXPECT_EQ(idle.next_park(), 1000ns);
  idle.idle(0);
  EXPECT_EQ(idle.next_park(), 2000ns);
  idle.idle(0);
  EXPECT_EQ(idle.next_park(), 4000ns);
  idle.idle(0);
  EXPECT_EQ(idle.next_park(), 5000ns);
  idle.idle(0);
  EXPECT_EQ(idle.next_park(), 5000ns);

  idle.idle(1);  // work resets the backoff
  EXPECT_EQ(idle.phase(), Phase::Spinning);
  EXPECT_EQ(idle.next_park(), 1000ns);
}

TEST(IdleStrategy, BackoffRejectsNonsenseConfig) {
  BackoffIdle::Config zero;
  zero.min_park = 0ns;
  EXPECT_THROW(BackoffIdle{zero}, std::invalid_argument);
  BackoffIdle::Config inverted;
  inverted.min_park = 10us;
  inverted.max_park = 1us;
  EXPECT_THROW(BackoffIdle{inverted}, std::invalid_argument);
}

// Counts what the runner hands its idle strategy. The strategy is moved into
// the runner, so the counts live outside it.
struct IdleCalls {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> idle_calls{0};  // with work_count == 0
  std::atomic<std::uint64_t> work_total{0};
};

struct RecordingIdle {
  IdleCalls* seen;
  void idle(int work_count) {
    seen->calls.fetch_add(1);
    if (work_count == 0) seen->idle_calls.fetch_add(1);
    seen->work_total.fetch_add(static_cast<std::uint64_t>(work_count));
  }
  void reset() {}
};
static_assert(IdleStrategy<RecordingIdle>);

// Does work on two of every three cycles, nothing on the third.
struct SometimesBusyAgent {
  std::atomic<std::uint64_t> cycles{0};
  std::atomic<std::uint64_t> empty_cycles{0};
  std::atomic<std::uint64_t> work_total{0};
  int do_work() {
    const std::uint64_t n = cycles.fetch_add(1);
    const int work = n % 3 == 2 ? 0 : static_cast<int>(n % 3) + 1;
    if (work == 0) empty_cycles.fetch_add(1);
    work_total.fetch_add(static_cast<std::uint64_t>(work));
    return work;
  }
  const char* name() const { return "sometimes"; }
};

TEST(AgentRunner, EveryDutyCycleIsFollowedByIdleWithItsWorkCount) {
  SometimesBusyAgent agent;
  IdleCalls seen;
  AgentRunner runner(agent, RecordingIdle{&seen});
  ASSERT_TRUE(runner.start());
  ASSERT_TRUE(eventually([&] { return agent.cycles.load() > 300; }));
  runner.stop();  // joined: every count below is final
  EXPECT_EQ(seen.calls.load(), agent.cycles.load());
  EXPECT_EQ(seen.idle_calls.load(), agent.empty_cycles.load());
  EXPECT_GT(seen.idle_calls.load(), 0U);
  EXPECT_EQ(seen.work_total.load(), agent.work_total.load());
}

}  // namespace
