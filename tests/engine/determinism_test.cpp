// Same inputs, same events, same state_hash(); the id map under churn.
#include <random>
#include <unordered_map>

#include "engine_fixture.hpp"
#include "matchgate/engine/order_id_map.hpp"
#include "matchgate/engine/order_pool.hpp"

namespace matchgate::engine::test {
namespace {

struct HashingListener {
  std::uint64_t count = 0;
  std::uint64_t digest = 0;
  void on_event(const Event& e) {
    ++count;
    digest = digest * 1099511628211ULL ^ (e.exec_id + static_cast<std::uint64_t>(e.type) * 31 +
                                          e.order.id * 7 + static_cast<std::uint64_t>(e.trade_qty));
  }
};

template <class Fn>
void random_flow(std::uint32_t seed, int n, Fn&& apply) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < n; ++i) {
    const int kind = static_cast<int>(rng() % 10);
    const auto m = static_cast<MemberId>(rng() % 6);
    if (kind < 6) {
      const Side s = rng() % 2 ? Side::Buy : Side::Sell;
      NewOrder o{static_cast<std::uint64_t>(i),
                 m,
                 0,
                 0,
                 s,
                 rng() % 8 == 0 ? OrdType::Market : OrdType::Limit,
                 static_cast<TimeInForce>(rng() % 4),
                 cents(9990 + static_cast<int>(rng() % 20)),
                 1 + static_cast<Qty>(rng() % 20)};
      apply(o);
    } else if (kind < 9) {
      apply(CancelOrder{static_cast<std::uint64_t>(i), m, 1 + rng() % (i + 1)});
    } else {
      apply(ReplaceOrder{static_cast<std::uint64_t>(i), m, 1 + rng() % (i + 1),
                         cents(9990 + static_cast<int>(rng() % 20)),
                         1 + static_cast<Qty>(rng() % 20)});
    }
  }
}

TEST(Determinism, SameInputsGiveSameEventsAndStateHash) {
  Engine a(EngineTest::instruments(), EngineTest::members(), {4096, 0, nullptr});
  Engine b(EngineTest::instruments(), EngineTest::members(), {4096, 0, nullptr});
  HashingListener la, lb;
  auto drive = [](Engine& e, HashingListener& l) {
    return [&](const auto& cmd) {
      using T = std::decay_t<decltype(cmd)>;
      if constexpr (std::is_same_v<T, NewOrder>) e.submit(cmd, l);
      if constexpr (std::is_same_v<T, CancelOrder>) e.cancel(cmd, l);
      if constexpr (std::is_same_v<T, ReplaceOrder>) e.replace(cmd, l);
    };
  };
  random_flow(7, 50'000, drive(a, la));
  random_flow(7, 50'000, drive(b, lb));
  EXPECT_GT(la.count, 50'000U);
  EXPECT_EQ(la.count, lb.count);
  EXPECT_EQ(la.digest, lb.digest);
  EXPECT_EQ(a.state_hash(), b.state_hash());

  // The sweeps are deterministic too, and change the state.
  const auto before = a.state_hash();
  a.mass_cancel(2, InstrumentId{0}, la);
  b.mass_cancel(2, InstrumentId{0}, lb);
  a.expire_day_orders(la);
  b.expire_day_orders(lb);
  EXPECT_EQ(la.digest, lb.digest);
  EXPECT_EQ(a.state_hash(), b.state_hash());
  EXPECT_NE(a.state_hash(), before);

  // A different input sequence leads somewhere else.
  Engine c(EngineTest::instruments(), EngineTest::members(), {4096, 0, nullptr});
  HashingListener lc;
  random_flow(8, 50'000, drive(c, lc));
  EXPECT_NE(a.state_hash(), c.state_hash());
}

TEST_F(EngineTest, StateHashCoversRestingOrderFields) {
  const OrderId a = rest(0, Side::Buy, cents(10000), 10);
  const auto h1 = engine.state_hash();
  Engine twin(instruments(), members(), {1024, 0, nullptr});
  Recorder r;
  twin.submit(limit(0, Side::Buy, cents(10000), 10), r);  // different client_ref
  EXPECT_NE(twin.state_hash(), h1);
  replace(0, a, cents(10000), 9);
  EXPECT_NE(engine.state_hash(), h1);
}

TEST(OrderIdMap, MatchesAStandardMapUnderRandomChurn) {
  // Live ids spread over several table sizes' worth of id space, so that
  // low-bit homes collide and the backward-shift path is exercised.
  constexpr std::uint32_t kCap = 512;
  OrderPool pool(kCap, std::pmr::get_default_resource());
  OrderIdMap map(pool, kCap, std::pmr::get_default_resource());
  std::unordered_map<OrderId, std::uint32_t> truth;
  std::vector<OrderId> live;
  std::mt19937_64 rng(3);
  OrderId next = 1;
  for (int step = 0; step < 200'000; ++step) {
    if (live.size() < kCap && (live.empty() || rng() % 2 == 0)) {
      const OrderId id = next;
      next += 1 + rng() % 3000;
      const std::uint32_t slot = pool.acquire();
      ASSERT_NE(slot, kNil);
      pool[slot].id = id;
      map.insert(id, slot);
      truth[id] = slot;
      live.push_back(id);
    } else {
      const std::size_t i = rng() % live.size();
      const std::uint32_t slot = truth.at(live[i]);
      map.erase(live[i]);
      pool.release(slot);
      truth.erase(live[i]);
      live[i] = live.back();
      live.pop_back();
    }
    if (step % 997 == 0) {
      for (const auto& [id, slot] : truth) ASSERT_EQ(map.find(id), slot) << "step " << step;
      ASSERT_EQ(map.find(next), kNil);
    }
  }
}

}  // namespace
}  // namespace matchgate::engine::test
