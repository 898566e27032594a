// Per-operation and replay benchmarks of engine::Engine, each run against the
// reference engine (tests/support/reference_book.hpp) in the same binary so
// that the two are compared under the same machine conditions.
//
// Per-operation benchmarks work on one instrument whose book holds ~1000
// resting orders (50 levels x 10 orders per side). Work that only restores
// the book (cancelling what a batch added, refilling swept levels) runs
// outside the timed region: they use manual timing around the operations
// themselves, so the book size stays steady without being measured.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <numeric>
#include <vector>

#include "support/reference_book.hpp"
#include "workload.hpp"

namespace {

using namespace matchgate;
using engine::CancelOrder;
using engine::NewOrder;
using engine::OrderId;
using engine::Price;
using engine::Qty;
using engine::ReplaceOrder;
using engine::Side;
using Engine = engine::Engine;
using Reference = matchgate::testing::ReferenceEngine;
using Clock = std::chrono::steady_clock;

constexpr int kLevelsPerSide = 50;
constexpr int kOrdersPerLevel = 10;
constexpr std::uint32_t kMembers = 8;
constexpr Price kTick = bench::detail::kTick;
constexpr Qty kLot = bench::detail::kLot;
constexpr std::int64_t kMidTicks = bench::detail::kMidStartTicks;
// Lots of one seeded level: orders carry 1..5 lots, twice over.
constexpr Qty kLevelLots = 30;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct RestingOrder {
  OrderId id;
  engine::MemberId member;
  Side side;
  Price price;
  Qty qty;
};

Price level_price(Side side, int distance) {
  return (side == Side::Buy ? kMidTicks - distance : kMidTicks + distance) * kTick;
}

NewOrder passive(Side side, int distance, int k, Qty lots_scale) {
  NewOrder o;
  o.client_ref = static_cast<std::uint64_t>(k);
  o.member = static_cast<engine::MemberId>(k) % kMembers;
  o.account = o.member * 100;
  o.side = side;
  o.type = engine::OrdType::Limit;
  o.tif = engine::TimeInForce::Day;
  o.price = level_price(side, distance);
  o.qty = (1 + k % 5) * kLot * lots_scale;
  return o;
}

// Adds one level's orders; both engines accept every one, so ids are the
// engine's next_order_id() in submission order.
template <class E>
void fill_level(E& e, Side side, int distance, Qty lots_scale, bench::SinkListener& l,
                std::vector<RestingOrder>* out = nullptr) {
  for (int k = 0; k < kOrdersPerLevel; ++k) {
    const NewOrder o = passive(side, distance, k, lots_scale);
    const OrderId id = e.next_order_id();
    e.submit(o, l);
    if (out != nullptr) out->push_back({id, o.member, side, o.price, o.qty});
  }
}

// ~1000 resting orders, bids and asks interleaved level by level.
template <class E>
std::unique_ptr<E> seeded_book(bench::SinkListener& l, Qty lots_scale = 1,
                               std::vector<RestingOrder>* out = nullptr) {
  auto e = std::make_unique<E>(bench::detail::make_instruments(1),
                               std::vector<engine::MemberSpec>(kMembers), engine::EngineOptions{});
  for (int d = 1; d <= kLevelsPerSide; ++d) {
    fill_level(*e, Side::Buy, d, lots_scale, l, out);
    fill_level(*e, Side::Sell, d, lots_scale, l, out);
  }
  return e;
}

// Passive orders anywhere in the seeded range, plus a few beyond it so some
// adds open a new level.
std::vector<NewOrder> random_passive(std::size_t n, std::uint64_t seed) {
  bench::SplitMix64 rng(seed);
  std::vector<NewOrder> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Side side = rng.chance(1, 2) ? Side::Buy : Side::Sell;
    const int distance = 1 + static_cast<int>(rng.below(kLevelsPerSide + 5));
    out.push_back(passive(side, distance, static_cast<int>(rng.below(1000)), 1));
  }
  return out;
}

// items_per_second is operations per second; "per_op" is its inverse, shown
// with a unit (e.g. 35.2ns) because batched benchmarks report batch time.
void per_op_counters(benchmark::State& state, std::int64_t ops_per_iteration) {
  state.SetItemsProcessed(state.iterations() * ops_per_iteration);
  state.counters["per_op"] = benchmark::Counter(
      static_cast<double>(ops_per_iteration),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// What two back-to-back clock reads cost (median of many), subtracted from
// single-operation timings. Small next to a multi-level sweep, but on some
// virtual machines a read is ~90 ns.
double clock_overhead() {
  static const double overhead = [] {
    std::vector<double> v(4001);
    for (double& x : v) {
      const auto t0 = Clock::now();
      const auto t1 = Clock::now();
      x = seconds(t0, t1);
    }
    std::nth_element(v.begin(), v.begin() + 2000, v.end());
    return v[2000];
  }();
  return overhead;
}

constexpr std::size_t kBatch = 256;

// Adding a resting order to a ~1000-order book. Each timed batch of adds is
// cancelled untimed afterwards, so the book oscillates between 1000 and 1256.
template <class E>
void BM_AddResting(benchmark::State& state) {
  bench::SinkListener l;
  auto e = seeded_book<E>(l);
  const std::vector<NewOrder> orders = random_passive(kBatch * 64, 1);
  std::size_t cursor = 0;
  for (auto _ : state) {
    const OrderId first = e->next_order_id();
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < kBatch; ++i) e->submit(orders[cursor + i], l);
    const auto t1 = Clock::now();
    state.SetIterationTime(seconds(t0, t1));
    for (std::size_t i = 0; i < kBatch; ++i) {
      e->cancel(CancelOrder{0, orders[cursor + i].member, first + i}, l);
    }
    cursor = (cursor + kBatch) % orders.size();
  }
  if (e->live_orders() != 2 * kLevelsPerSide * kOrdersPerLevel)
    state.SkipWithError("book size drifted");
  l.publish();
  per_op_counters(state, kBatch);
}

// Cancelling a resting order (in random order) of a ~1000-order book; the
// batch to cancel is added untimed before each timed batch.
template <class E>
void BM_Cancel(benchmark::State& state) {
  bench::SinkListener l;
  auto e = seeded_book<E>(l);
  const std::vector<NewOrder> orders = random_passive(kBatch * 64, 2);
  bench::SplitMix64 rng(3);
  std::vector<CancelOrder> cancels(kBatch);
  std::size_t cursor = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      cancels[i] = CancelOrder{i, orders[cursor + i].member, e->next_order_id()};
      e->submit(orders[cursor + i], l);
    }
    for (std::size_t i = kBatch - 1; i > 0; --i) std::swap(cancels[i], cancels[rng.below(i + 1)]);
    const auto t0 = Clock::now();
    for (const CancelOrder& c : cancels) e->cancel(c, l);
    const auto t1 = Clock::now();
    state.SetIterationTime(seconds(t0, t1));
    cursor = (cursor + kBatch) % orders.size();
  }
  if (e->live_orders() != 2 * kLevelsPerSide * kOrdersPerLevel)
    state.SkipWithError("book size drifted");
  l.publish();
  per_op_counters(state, kBatch);
}

// One IOC limit order that exactly takes the best `range(0)` levels
// (10 orders each), alternating buy and sell. The swept levels are refilled
// untimed, so each sweep is timed alone, less the measured clock overhead.
template <class E>
void BM_Sweep(benchmark::State& state) {
  const int levels = static_cast<int>(state.range(0));
  bench::SinkListener l;
  auto e = seeded_book<E>(l);
  const double overhead = clock_overhead();
  std::uint64_t n = 0;
  for (auto _ : state) {
    const Side side = (n++ & 1U) == 0 ? Side::Buy : Side::Sell;
    NewOrder taker;
    taker.client_ref = n;
    taker.member = 7;
    taker.side = side;
    taker.type = engine::OrdType::Limit;
    taker.tif = engine::TimeInForce::Ioc;
    taker.price = level_price(engine::opposite(side), levels);
    taker.qty = levels * kLevelLots * kLot;
    const auto t0 = Clock::now();
    e->submit(taker, l);
    const auto t1 = Clock::now();
    state.SetIterationTime(std::max(seconds(t0, t1) - overhead, 1e-9));
    for (int d = 1; d <= levels; ++d) fill_level(*e, engine::opposite(side), d, 1, l);
  }
  if (e->live_orders() != 2 * kLevelsPerSide * kOrdersPerLevel)
    state.SkipWithError("book size drifted");
  l.publish();
  per_op_counters(state, 1);
  state.counters["trades_per_op"] = static_cast<double>(levels * kOrdersPerLevel);
  state.counters["clock_ns"] = overhead * 1e9;
}

std::vector<std::size_t> shuffled_indices(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  bench::SplitMix64 rng(seed);
  for (std::size_t i = n - 1; i > 0; --i) std::swap(idx[i], idx[rng.below(i + 1)]);
  return idx;
}

// Quantity down by one lot at the same price: the order keeps its place.
// Orders start with a million lots so the loop never runs them out.
template <class E>
void BM_ReplaceKeepPriority(benchmark::State& state) {
  bench::SinkListener l;
  std::vector<RestingOrder> book;
  auto e = seeded_book<E>(l, 1'000'000, &book);
  const std::vector<std::size_t> order = shuffled_indices(book.size(), 4);
  std::size_t k = 0;
  std::uint64_t ref = 0;
  for (auto _ : state) {
    RestingOrder& o = book[order[k]];
    o.qty -= kLot;
    e->replace(ReplaceOrder{++ref, o.member, o.id, o.price, o.qty}, l);
    k = k + 1 == order.size() ? 0 : k + 1;
  }
  l.publish();
  per_op_counters(state, 1);
}

// Price moved one tick away from the touch and back on the next visit: the
// order leaves its level and joins the back of another, never crossing.
template <class E>
void BM_ReplaceLosePriority(benchmark::State& state) {
  bench::SinkListener l;
  std::vector<RestingOrder> book;
  auto e = seeded_book<E>(l, 1, &book);
  std::vector<Price> home(book.size());
  for (std::size_t i = 0; i < book.size(); ++i) home[i] = book[i].price;
  const std::vector<std::size_t> order = shuffled_indices(book.size(), 5);
  std::size_t k = 0;
  std::uint64_t ref = 0;
  for (auto _ : state) {
    const std::size_t i = order[k];
    RestingOrder& o = book[i];
    const Price away = o.side == Side::Buy ? home[i] - kTick : home[i] + kTick;
    o.price = o.price == home[i] ? away : home[i];
    e->replace(ReplaceOrder{++ref, o.member, o.id, o.price, o.qty}, l);
    k = k + 1 == order.size() ? 0 : k + 1;
  }
  if (e->live_orders() != book.size()) state.SkipWithError("an order traded or vanished");
  l.publish();
  per_op_counters(state, 1);
}

const bench::Workload& mix() {
  static const bench::Workload w = bench::make_workload(bench::WorkloadParams{});
  return w;
}

// The whole mix (docs/BENCHMARKS.md) replayed into a fresh engine per
// iteration; construction and the state-hash check are untimed.
template <class E>
void BM_Replay(benchmark::State& state) {
  const bench::Workload& w = mix();
  for (auto _ : state) {
    auto e = std::make_unique<E>(w.instruments, w.members, w.options);
    bench::SinkListener l;
    const auto t0 = Clock::now();
    bench::replay(*e, w.commands, l);
    const auto t1 = Clock::now();
    state.SetIterationTime(seconds(t0, t1));
    l.publish();
    if (e->state_hash() != w.expected_hash) {
      state.SkipWithError("state hash differs from the generator's");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(w.commands.size()));
  state.counters["messages"] = static_cast<double>(w.commands.size());
}

BENCHMARK_TEMPLATE(BM_AddResting, Engine)->UseManualTime();
BENCHMARK_TEMPLATE(BM_AddResting, Reference)->UseManualTime();
BENCHMARK_TEMPLATE(BM_Cancel, Engine)->UseManualTime();
BENCHMARK_TEMPLATE(BM_Cancel, Reference)->UseManualTime();
BENCHMARK_TEMPLATE(BM_Sweep, Engine)->Arg(1)->Arg(5)->UseManualTime();
BENCHMARK_TEMPLATE(BM_Sweep, Reference)->Arg(1)->Arg(5)->UseManualTime();
// Not manually timed, so these report CPU time, which a busy shared machine
// disturbs far less than the wall time the batched rows have to use.
BENCHMARK_TEMPLATE(BM_ReplaceKeepPriority, Engine);
BENCHMARK_TEMPLATE(BM_ReplaceKeepPriority, Reference);
BENCHMARK_TEMPLATE(BM_ReplaceLosePriority, Engine);
BENCHMARK_TEMPLATE(BM_ReplaceLosePriority, Reference);
BENCHMARK_TEMPLATE(BM_Replay, Engine)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Replay, Reference)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
