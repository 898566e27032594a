// The metrics registry: what an update costs the thread that owns the
// metric, next to a plain increment of a struct field (what the gateway's
// counter structs cost), and what an export costs the reader.
//
//   ops_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
// Single-threaded: the updates are uncontended by design (one writer per
// metric, its own cache lines), so this is the cost on the hot path.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "matchgate/ops/metrics.hpp"

namespace {

namespace ops = matchgate::ops;

// prefix + i + suffix (appended: GCC 12 warns, wrongly, on operator+ chains).
std::string numbered(std::string_view prefix, int i, std::string_view suffix = {}) {
  std::string s(prefix);
  s += std::to_string(i);
  s += suffix;
  return s;
}

struct PlainCounters {
  std::uint64_t messages_in = 0;
};

void BM_PlainFieldIncrement(benchmark::State& state) {
  PlainCounters counters;
  PlainCounters* p = &counters;
  benchmark::DoNotOptimize(p);
  for (auto _ : state) {
    ++p->messages_in;
    benchmark::ClobberMemory();  // keep the store, as a call in between would
  }
  benchmark::DoNotOptimize(counters.messages_in);
}
BENCHMARK(BM_PlainFieldIncrement);

void BM_CounterInc(benchmark::State& state) {
  ops::MetricsRegistry registry(4);
  ops::Counter c = registry.group("bench").counter({.name = "b_total", .help = "B."});
  for (auto _ : state) {
    c.inc();
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(c.value());
}
BENCHMARK(BM_CounterInc);

// The loops above chain every increment on the one before through the same
// word: a latency bound (store-to-load forwarding, or memory renaming for
// the plain `add [mem]`). On a real path increments of one counter are far
// apart, so the cost that counts is the throughput one: 16 counters in turn.
constexpr int kRotation = 16;

void per_increment(benchmark::State& state) {
  state.counters["per_inc"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kRotation,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_PlainFieldIncrement16(benchmark::State& state) {
  std::array<std::uint64_t, kRotation> fields{};
  std::uint64_t* p = fields.data();
  benchmark::DoNotOptimize(p);
  for (auto _ : state) {
    for (int i = 0; i < kRotation; ++i) {
      ++p[i];
      benchmark::ClobberMemory();  // one add to memory each, as on a real path (not SIMD)
    }
  }
  per_increment(state);
}
BENCHMARK(BM_PlainFieldIncrement16);

void BM_CounterInc16(benchmark::State& state) {
  ops::MetricsRegistry registry(4);
  ops::MetricGroup g = registry.group("bench");
  std::array<ops::Counter, kRotation> counters;
  for (int i = 0; i < kRotation; ++i) {
    counters[i] = g.counter({.name = numbered("b", i, "_total"), .help = "B."});
  }
  for (auto _ : state) {
    for (ops::Counter& c : counters) {
      c.inc();
      benchmark::ClobberMemory();
    }
  }
  per_increment(state);
}
BENCHMARK(BM_CounterInc16);

void BM_SharedCounterInc(benchmark::State& state) {
  ops::MetricsRegistry registry(4);
  ops::SharedCounter c = registry.shared_counter({.name = "b_total", .help = "B."});
  for (auto _ : state) {
    c.inc();
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(c.value());
}
BENCHMARK(BM_SharedCounterInc);

void BM_GaugeSet(benchmark::State& state) {
  ops::MetricsRegistry registry(4);
  ops::Gauge g = registry.group("bench").gauge({.name = "b", .help = "B."});
  std::int64_t v = 0;
  for (auto _ : state) {
    g.set(++v);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(g.value());
}
BENCHMARK(BM_GaugeSet);

// 4096 values spread over the latency layout's range (xorshift, fixed seed),
// so the bucket changes from one record to the next as it would in use.
std::array<std::uint64_t, 4096> spread_values() {
  std::array<std::uint64_t, 4096> values{};
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (std::uint64_t& v : values) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v = (x & 0xFFFF) << ((x >> 16) % 16);  // up to ~2^32 ns
  }
  return values;
}

void BM_HistogramRecord(benchmark::State& state) {
  ops::MetricsRegistry registry(8);
  ops::Histogram h = registry.group("bench").histogram({.name = "b_ns", .help = "B."},
                                                       ops::HistogramLayout::latency_ns());
  const auto values = spread_values();
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & (values.size() - 1)]);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_HistogramRecord);

// A registry shaped like the gateway's: 4 network threads of 24 counters and
// 2 latency histograms, 8 shards of 3 gauges; every metric non-zero.
void fill_gateway_like(ops::MetricsRegistry& registry) {
  for (int t = 0; t < 4; ++t) {
    const std::string name = numbered("net-", t);
    ops::MetricGroup g = registry.group(name, {{"thread", name}});
    for (int c = 0; c < 24; ++c) {
      g.counter({.name = numbered("matchgate_bench_", c, "_total"), .help = "Bench."})
          .add(1000 + c);
    }
    for (int h = 0; h < 2; ++h) {
      ops::Histogram hist =
          g.histogram({.name = numbered("matchgate_bench_", h, "_ns"), .help = "Bench."},
                      ops::HistogramLayout::latency_ns());
      for (const std::uint64_t v : spread_values()) hist.record(v);
    }
  }
  for (int s = 0; s < 8; ++s) {
    const std::string name = numbered("shard-", s);
    ops::MetricGroup g = registry.group(name, {{"thread", name}});
    for (int c = 0; c < 3; ++c) {
      g.gauge({.name = numbered("matchgate_bench_gauge_", c), .help = "Bench."}).set(7);
    }
  }
}

void BM_FormatText(benchmark::State& state) {
  ops::MetricsRegistry registry(256);
  fill_gateway_like(registry);
  std::string out;
  for (auto _ : state) {
    out.clear();
    registry.format_text(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
  state.counters["metrics"] = static_cast<double>(registry.size());
}
BENCHMARK(BM_FormatText);

void BM_FormatLogLine(benchmark::State& state) {
  ops::MetricsRegistry registry(256);
  fill_gateway_like(registry);
  std::string out;
  for (auto _ : state) {
    out.clear();
    registry.format_log_line(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_FormatLogLine);

}  // namespace

BENCHMARK_MAIN();
