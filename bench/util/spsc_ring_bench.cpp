// SpscRing between two threads: throughput of 64-byte messages and
// round-trip latency over a pair of rings.
//
//   util_bench --benchmark_filter=Throughput
//   util_bench --benchmark_filter=PingPong
//
// The two sides are pinned to different CPUs (0 and 1 unless MATCHGATE_BENCH_CPUS
// says e.g. "2,3"); on a loaded or virtualised host expect noisy tails.
#include <benchmark/benchmark.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "matchgate/util/cache_line.hpp"
#include "matchgate/util/cpu_affinity.hpp"
#include "matchgate/util/numa_memory_resource.hpp"
#include "matchgate/util/spsc_ring.hpp"

namespace {

using matchgate::util::cpu_relax;
using matchgate::util::SpscRing;

struct Msg {
  std::uint64_t seq;
  std::uint64_t payload[7];
};
static_assert(sizeof(Msg) == 64);

struct CpuPair {
  int a = 0;
  int b = 1;
};

CpuPair bench_cpus() {
  CpuPair cpus;
  if (const char* env = std::getenv("MATCHGATE_BENCH_CPUS")) {
    std::sscanf(env, "%d,%d", &cpus.a, &cpus.b);
  }
  return cpus;
}

// Pins the benchmark's own thread for one run and restores its old mask, so
// one benchmark's placement does not leak into the next.
class ScopedPin {
 public:
  explicit ScopedPin(int cpu) {
    saved_ok_ = sched_getaffinity(0, sizeof(saved_), &saved_) == 0;
    error_ = matchgate::util::pin_current_thread(cpu);
  }
  ~ScopedPin() {
    if (saved_ok_) sched_setaffinity(0, sizeof(saved_), &saved_);
  }
  const std::string& error() const { return error_; }

 private:
  cpu_set_t saved_{};
  bool saved_ok_ = false;
  std::string error_;
};

// Producer on the benchmark thread, consumer on a second thread. One
// iteration = one message pushed; the ring bounds how far the producer can
// run ahead, so the rate measured is the rate the consumer sustains.
// range(0): ring capacity; range(1): batch size (1 = try_push/try_pop).
void BM_RingThroughput(benchmark::State& state) {
  const auto capacity = static_cast<std::size_t>(state.range(0));
  const auto batch = static_cast<std::size_t>(state.range(1));
  const CpuPair cpus = bench_cpus();
  matchgate::util::NumaMemoryResource numa(matchgate::util::numa_node_of_cpu(cpus.b));
  SpscRing<Msg> ring(capacity, &numa);

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> consumed_total{0};
  std::thread consumer([&] {
    (void)matchgate::util::pin_current_thread(cpus.b);
    std::uint64_t consumed = 0;
    std::uint64_t sink = 0;
    Msg m{};
    // After stop, keep draining until the ring is empty so the producer's
    // final tally can be checked.
    for (;;) {
      std::size_t n = 0;
      if (batch == 1) {
        if (ring.try_pop(m)) {
          sink += m.seq;
          n = 1;
        }
      } else {
        n = ring.drain([&](const Msg& msg) { sink += msg.seq + msg.payload[6]; }, batch);
      }
      consumed += n;
      if (n == 0) {
        if (stop.load(std::memory_order_acquire) && ring.empty_approx()) break;
        cpu_relax();
      }
    }
    benchmark::DoNotOptimize(sink);
    consumed_total.store(consumed, std::memory_order_release);
  });

  ScopedPin pin(cpus.a);
  std::vector<Msg> out(batch);
  std::uint64_t seq = 0;
  std::uint64_t full = 0;
  if (batch == 1) {
    for (auto _ : state) {
      Msg m{};
      m.seq = seq++;
      while (!ring.try_push(m)) {
        ++full;
        cpu_relax();
      }
    }
  } else {
    // One iteration = one batch, reported per message via SetItemsProcessed.
    for (auto _ : state) {
      for (std::size_t i = 0; i < batch; ++i) out[i].seq = seq++;
      std::size_t sent = 0;
      while (sent < batch) {
        const std::size_t n = ring.push_batch(out.data() + sent, batch - sent);
        if (n == 0) {
          ++full;
          cpu_relax();
        }
        sent += n;
      }
    }
  }
  stop.store(true, std::memory_order_release);
  consumer.join();

  if (consumed_total.load() != seq) state.SkipWithError("consumer lost messages");
  if (!pin.error().empty()) state.SetLabel("unpinned: " + pin.error());
  state.SetItemsProcessed(static_cast<std::int64_t>(seq));
  state.SetBytesProcessed(static_cast<std::int64_t>(seq * sizeof(Msg)));
  state.counters["full_spins_per_msg"] =
      benchmark::Counter(static_cast<double>(full) / static_cast<double>(seq ? seq : 1));
}
BENCHMARK(BM_RingThroughput)
    ->ArgNames({"cap", "batch"})
    ->Args({1024, 1})
    ->Args({65536, 1})
    ->Args({1024, 16})
    ->Args({65536, 64})
    ->UseRealTime()
    ->MinTime(1.0);

// Round trip: the benchmark thread pushes a message into one ring, the echo
// thread pops it and pushes it back on a second ring. Each round trip is
// timed on its own, so besides the mean we can report percentiles.
void BM_RingPingPong(benchmark::State& state) {
  const CpuPair cpus = bench_cpus();
  SpscRing<Msg> to_echo(1024);
  SpscRing<Msg> from_echo(1024);
  std::atomic<bool> stop{false};

  std::thread echo([&] {
    (void)matchgate::util::pin_current_thread(cpus.b);
    Msg m{};
    while (!stop.load(std::memory_order_relaxed)) {
      if (to_echo.try_pop(m)) {
        while (!from_echo.try_push(m)) cpu_relax();
      } else {
        cpu_relax();
      }
    }
  });

  ScopedPin pin(cpus.a);
  std::vector<std::int64_t> samples;
  samples.reserve(1 << 22);
  std::uint64_t seq = 0;
  Msg m{};
  Msg back{};
  for (auto _ : state) {
    m.seq = seq++;
    const auto t0 = std::chrono::steady_clock::now();
    while (!to_echo.try_push(m)) cpu_relax();
    while (!from_echo.try_pop(back)) cpu_relax();
    const auto t1 = std::chrono::steady_clock::now();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    state.SetIterationTime(static_cast<double>(ns) * 1e-9);
    if (samples.size() < samples.capacity()) samples.push_back(ns);
    if (back.seq != m.seq) state.SkipWithError("echo returned the wrong message");
  }
  stop.store(true, std::memory_order_relaxed);
  echo.join();

  if (!samples.empty()) {
    std::sort(samples.begin(), samples.end());
    auto pct = [&](double p) {
      const auto idx = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1));
      return static_cast<double>(samples[idx]);
    };
    state.counters["p50_ns"] = pct(0.50);
    state.counters["p99_ns"] = pct(0.99);
    state.counters["p99.9_ns"] = pct(0.999);
    state.counters["max_ns"] = static_cast<double>(samples.back());
  }
  if (!pin.error().empty()) state.SetLabel("unpinned: " + pin.error());
}
BENCHMARK(BM_RingPingPong)->UseManualTime()->MinTime(1.0);

// Cost of the ring's bookkeeping alone, with no second core involved.
void BM_RingPushPopSameThread(benchmark::State& state) {
  SpscRing<Msg> ring(1024);
  Msg m{};
  Msg out{};
  for (auto _ : state) {
    ++m.seq;
    benchmark::DoNotOptimize(ring.try_push(m));
    benchmark::DoNotOptimize(ring.try_pop(out));
  }
  benchmark::DoNotOptimize(out);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RingPushPopSameThread);

}  // namespace

BENCHMARK_MAIN();
