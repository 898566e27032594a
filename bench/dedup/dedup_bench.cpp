// Dedup store throughput.
//
//   dedup_bench --benchmark_filter=Embedded
//   dedup_bench --benchmark_filter=Redis
//
// Embedded: set_nx in steady state. The simulated clock advances ttl/live per
// request, so `live` keys are unexpired at any time and every new key is
// matched by about one expiring key, reclaimed by expire() every 64 requests
// (as an event loop would). Mix: 90% new ClOrdIDs, 8% retries of one of the
// last 1024 (same fingerprint), 2% reuses with a different fingerprint;
// 16-character ClOrdIDs over 8 members. prepare_ahead 0 is one plain set_nx()
// after another; 8 prepares each key 8 requests before using it, as a gateway
// can for the orders of one socket read. items_per_second is per CPU second.
//
// Redis: requests pipelined through one RedisStore against a redis-server this
// program starts on a free 127.0.0.1 port, with `window` requests in flight;
// the client sleeps in poll() on the socket when nothing is ready.
// items_per_second is per wall-clock second. Without redis-server that part is
// skipped with a note.
#include <benchmark/benchmark.h>
#include <poll.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dedup/redis_server.hpp"
#include "matchgate/dedup/embedded_store.hpp"
#include "matchgate/dedup/redis_store.hpp"

namespace {

using matchgate::dedup::EmbeddedStore;
using matchgate::dedup::PreparedKey;
using matchgate::dedup::RedisOptions;
using matchgate::dedup::RedisResult;
using matchgate::dedup::RedisStore;
using namespace std::chrono_literals;

constexpr std::int64_t kTtlSeconds = 1800;
constexpr std::int64_t kT0 = 1'700'000'000LL * 1'000'000'000LL;

// ClOrdID number n as 16 hex digits, built in two registers so that making
// keys costs little next to what is measured.
class ClOrdIds {
 public:
  std::string_view format(std::uint64_t n) {
    const std::uint64_t high = hex8(static_cast<std::uint32_t>(n >> 32));
    const std::uint64_t low = hex8(static_cast<std::uint32_t>(n));
    std::memcpy(buf_, &high, 8);
    std::memcpy(buf_ + 8, &low, 8);
    return {buf_, 16};
  }

 private:
  // The 8 nibbles of x as ASCII hex digits, most significant first in memory.
  static std::uint64_t hex8(std::uint32_t x) {
    std::uint64_t v = x;
    v = (v | (v << 16)) & 0x0000ffff0000ffffULL;
    v = (v | (v << 8)) & 0x00ff00ff00ff00ffULL;
    v = (v | (v << 4)) & 0x0f0f0f0f0f0f0f0fULL;
    const std::uint64_t letters = ((v + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
    v += 0x3030303030303030ULL + letters * 7;  // '0'..'9', then 'A'..'F'
    return __builtin_bswap64(v);
  }

  char buf_[16];
};

std::uint64_t xorshift(std::uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

std::uint64_t fingerprint_of(std::uint64_t n) {
  return n * 0x9e3779b97f4a7c15ULL;
}

// One request of the mix: which ClOrdID number, and with which fingerprint.
struct Request {
  std::uint64_t id;
  std::uint64_t fingerprint;
};

class Mix {
 public:
  Request next() {
    const std::uint64_t r = xorshift(rng_);
    const unsigned pct = static_cast<unsigned>(r % 100);
    if (pct < 90 || issued_ < 1024) {
      const std::uint64_t id = issued_++;
      return {id, fingerprint_of(id)};
    }
    const std::uint64_t id = issued_ - 1 - ((r >> 8) & 1023);
    return {id, pct < 98 ? fingerprint_of(id) : ~fingerprint_of(id)};
  }

 private:
  std::uint64_t rng_ = 0x2545F4914F6CDD1DULL;
  std::uint64_t issued_ = 0;
};

// Requests are made `depth` ahead: with depth > 0 each key is prepare()d that
// many requests before its set_nx(), as a gateway can for one socket read's
// batch of orders; depth 0 is one plain set_nx() after another.
void run_embedded(benchmark::State& state, std::size_t depth) {
  const auto live = static_cast<std::size_t>(state.range(0));
  // Room for the live keys plus the expired ones between expire() calls.
  EmbeddedStore store(live + live / 4, std::chrono::seconds(kTtlSeconds));
  const std::int64_t step = kTtlSeconds * 1'000'000'000LL / static_cast<std::int64_t>(live);
  constexpr std::size_t kRing = 64;  // > any depth used
  struct Ahead {
    Request request;
    char id[16];
    PreparedKey key;
  };
  std::vector<Ahead> ahead(kRing);
  ClOrdIds ids;
  Mix mix;
  std::int64_t now = kT0;
  std::uint64_t ops = 0;
  std::uint64_t counts[4] = {};
  auto make = [&](std::uint64_t n) {
    Ahead& a = ahead[n % kRing];
    a.request = mix.next();
    std::memcpy(a.id, ids.format(a.request.id).data(), 16);
    a.key = store.prepare(static_cast<std::uint32_t>(a.request.id & 7), {a.id, 16});
  };
  for (std::size_t n = 0; n < depth; ++n) make(n);
  auto run = [&](std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      make(ops + depth);
      const Ahead& a = ahead[ops % kRing];
      now += step;
      const auto result = store.set_nx(a.key, ops, a.request.fingerprint, now);
      ++counts[static_cast<int>(result.status) & 3];
      if ((++ops & 63) == 0) store.expire(now);
    }
  };
  run(3 * live);  // past one TTL: the table is full of live keys and expiring
  counts[0] = counts[1] = counts[2] = counts[3] = 0;
  constexpr std::size_t kBatch = 1024;
  for (auto _ : state) run(kBatch);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
  const double total = static_cast<double>(state.iterations() * kBatch);
  state.counters["created%"] = 100.0 * static_cast<double>(counts[0]) / total;
  state.counters["exists%"] = 100.0 * static_cast<double>(counts[1]) / total;
  state.counters["full%"] = 100.0 * static_cast<double>(counts[2]) / total;
  state.counters["keys"] = static_cast<double>(store.size());
}

void BM_EmbeddedSetNx(benchmark::State& state) {
  run_embedded(state, static_cast<std::size_t>(state.range(1)));
}
BENCHMARK(BM_EmbeddedSetNx)
    ->ArgNames({"live", "prepare_ahead"})
    ->ArgsProduct({{64 << 10, 1 << 20, 4 << 20}, {0, 8}})
    ->Unit(benchmark::kMillisecond);

std::unique_ptr<matchgate::testing::RedisServer> redis_server;

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void BM_RedisPipelined(benchmark::State& state) {
  const auto window = static_cast<std::size_t>(state.range(0));
  RedisOptions options;
  options.port = redis_server->port();
  options.timeout = 1000ms;
  options.max_in_flight = window;
  RedisStore store(options);
  ClOrdIds ids;
  Mix mix;
  static std::uint64_t run_id = 0;  // fresh keys for every run
  const auto member = static_cast<std::uint32_t>(++run_id);
  std::uint64_t completed = 0;
  std::uint64_t counts[3] = {};
  auto on_result = [&](const RedisResult& r) {
    ++completed;
    ++counts[static_cast<int>(r.status)];
  };
  constexpr std::uint64_t kBatch = 1000;
  for (auto _ : state) {
    const std::uint64_t target = completed + kBatch;
    while (completed < target) {
      while (store.in_flight() < window) {
        const Request req = mix.next();
        if (!store.submit(member, ids.format(req.id), req.id, req.fingerprint, req.id,
                          steady_ns())) {
          break;
        }
      }
      if (store.poll(steady_ns(), on_result) == 0 && store.fd() >= 0) {
        // Nothing yet: sleep on the socket like an event loop would, leaving
        // the CPU to redis-server on this small machine.
        pollfd pfd{store.fd(), static_cast<short>(POLLIN | (store.wants_write() ? POLLOUT : 0)), 0};
        ::poll(&pfd, 1, 1);
      }
    }
  }
  // Results of the last batch's surplus submissions are not waited for.
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
  const double total = static_cast<double>(counts[0] + counts[1] + counts[2]);
  state.counters["unavailable%"] = 100.0 * static_cast<double>(counts[2]) / total;
  state.counters["exists%"] = 100.0 * static_cast<double>(counts[1]) / total;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (matchgate::testing::find_redis_server().empty()) {
    std::printf("note: %s; Redis benchmarks skipped\n", matchgate::testing::kRedisServerMissing);
  } else {
    try {
      redis_server = std::make_unique<matchgate::testing::RedisServer>();
    } catch (const std::exception& e) {
      std::printf("note: %s; Redis benchmarks skipped\n", e.what());
    }
  }
  if (redis_server) {
    benchmark::RegisterBenchmark("BM_RedisPipelined", BM_RedisPipelined)
        ->Arg(1)
        ->Arg(16)
        ->Arg(256)
        ->Arg(4096)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  redis_server.reset();
  return 0;
}
