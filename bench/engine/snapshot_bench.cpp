// Engine::save_snapshot and Engine::load_snapshot on a large book: how fast
// recovery can get the engine's state back from a snapshot.
//
//   engine_snapshot_bench [--orders N] [--instruments K] [--reps R] [--seed S]
//
// Builds N resting orders spread over K instruments (both sides, uniformly
// within 500 ticks of the mid; a fifth of the orders submitted are canceled
// again, so the survivors are scattered through the order pool as in a
// long-running shard), then times R saves and R loads, each load into a
// freshly constructed engine (construction not timed). Prints the median and
// the range. The load includes its state-hash check; state_hash() alone is
// timed too so its share is visible.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "matchgate/engine/engine.hpp"
#include "workload.hpp"

namespace {

using namespace matchgate;
using Clock = std::chrono::steady_clock;

struct Options {
  std::size_t orders = 1'000'000;
  std::uint32_t instruments = 4;
  int reps = 5;
  std::uint64_t seed = 20240601;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (v == nullptr) {
      std::fprintf(stderr, "usage: %s [--orders N] [--instruments K] [--reps R] [--seed S]\n",
                   argv[0]);
      std::exit(2);
    }
    if (a == "--orders") {
      o.orders = std::strtoull(v, nullptr, 10);
    } else if (a == "--instruments") {
      o.instruments = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    } else if (a == "--reps") {
      o.reps = std::atoi(v);
    } else if (a == "--seed") {
      o.seed = std::strtoull(v, nullptr, 10);
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      std::exit(2);
    }
    ++i;
  }
  if (o.orders == 0 || o.instruments == 0 || o.reps < 1) std::exit(2);
  return o;
}

struct Counter {
  std::size_t events = 0;
  void on_event(const engine::Event&) { ++events; }
};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Stats {
  double median, min, max;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse(argc, argv);
  const std::vector<engine::InstrumentSpec> instruments =
      bench::detail::make_instruments(opt.instruments);
  const std::vector<engine::MemberSpec> members(8, engine::MemberSpec{engine::StpMode::None});
  engine::EngineOptions options;
  options.max_orders = static_cast<std::uint32_t>(std::max<std::size_t>(
      options.max_orders, opt.orders + opt.orders / 4 + 1));  // room before the cancels

  auto source = std::make_unique<engine::Engine>(instruments, members, options);
  bench::SplitMix64 rng(opt.seed);
  Counter counter;
  std::vector<engine::OrderId> ids;
  ids.reserve(opt.orders + opt.orders / 4);
  const auto t_build = Clock::now();
  std::uint64_t client_ref = 0;
  const std::size_t submitted = opt.orders + opt.orders / 4;
  for (std::size_t n = 0; n < submitted; ++n) {
    engine::NewOrder o;
    o.client_ref = ++client_ref;
    o.member = static_cast<engine::MemberId>(rng.below(members.size()));
    o.account = o.member * 100 + static_cast<engine::AccountId>(rng.below(4));
    o.instrument = static_cast<engine::InstrumentId>(rng.below(opt.instruments));
    o.side = rng.chance(1, 2) ? engine::Side::Buy : engine::Side::Sell;
    o.tif = rng.chance(1, 5) ? engine::TimeInForce::Gtc : engine::TimeInForce::Day;
    const std::int64_t mid = bench::detail::kMidStartTicks + 1000 * o.instrument;
    const auto away = static_cast<std::int64_t>(1 + rng.below(500));
    o.price = (o.side == engine::Side::Buy ? mid - away : mid + away) * bench::detail::kTick;
    o.qty = static_cast<engine::Qty>(1 + rng.below(20)) * bench::detail::kLot;
    source->submit(o, counter);
    ids.push_back(source->next_order_id() - 1);
  }
  // Cancel a random fifth, leaving holes all over the pool.
  for (std::size_t k = 0; k < opt.orders / 4; ++k) {
    const std::size_t i = k + rng.below(ids.size() - k);
    std::swap(ids[k], ids[i]);
    const engine::OrderView v = *source->find(ids[k]);
    source->cancel(engine::CancelOrder{++client_ref, v.member, v.id}, counter);
  }
  const double build_s = seconds_since(t_build);
  const std::size_t live = source->live_orders();
  std::size_t levels = 0;
  for (engine::InstrumentId i = 0; i < opt.instruments; ++i) {
    levels +=
        source->depth(i, engine::Side::Buy).size() + source->depth(i, engine::Side::Sell).size();
  }
  std::printf("state: %zu resting orders, %u instruments, %zu price levels (built in %.2f s)\n",
              live, opt.instruments, levels, build_s);

  std::vector<std::byte> snapshot;
  std::vector<double> save_s, load_s, hash_s;
  for (int r = 0; r < opt.reps; ++r) {
    snapshot.clear();  // keeps its capacity: the first rep also pays for growing it
    auto t0 = Clock::now();
    source->save_snapshot(snapshot);
    save_s.push_back(seconds_since(t0));

    auto target = std::make_unique<engine::Engine>(instruments, members, options);
    t0 = Clock::now();
    const std::size_t used = target->load_snapshot(snapshot);
    load_s.push_back(seconds_since(t0));

    t0 = Clock::now();
    const std::uint64_t h = target->state_hash();
    hash_s.push_back(seconds_since(t0));
    if (used != snapshot.size() || h != source->state_hash()) {
      std::fprintf(stderr, "FAIL: the loaded engine differs from the saved one\n");
      return 1;
    }
  }

  const double bytes = static_cast<double>(snapshot.size());
  const double n = static_cast<double>(live);
  std::printf("snapshot: %zu bytes, %.1f bytes per order\n", snapshot.size(), bytes / n);
  auto report = [&](const char* what, const std::vector<double>& v, bool rate) {
    const Stats s = stats(v);
    std::printf("%-28s median %7.1f ms (min %7.1f, max %7.1f)  %6.2f M orders/s", what,
                s.median * 1e3, s.min * 1e3, s.max * 1e3, n / s.median / 1e6);
    if (rate) std::printf("  %7.1f MB/s", bytes / s.median / 1e6);
    std::printf("\n");
  };
  std::printf("%d reps:\n", opt.reps);
  report("save_snapshot", save_s, true);
  report("load_snapshot", load_s, true);
  report("  state_hash() (part of it)", hash_s, false);
  return 0;
}
