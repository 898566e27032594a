#pragma once
#include <gtest/gtest.h>

#include <vector>

#include "matchgate/engine/engine.hpp"

namespace matchgate::engine::test {

inline constexpr Price cents(std::int64_t c) {
  return c * (kPriceScale / 100);
}

struct Recorder {
  std::vector<Event> events;
  void on_event(const Event& e) { events.push_back(e); }
  std::vector<Event> take() { return std::exchange(events, {}); }
};

// ACME: tick 0.01, lot 1, max 10'000, band 90.00..110.00.
// LOTS: tick 0.05, lot 10, max 1'000, no band.
// Members 0 and 1 without STP; members 2..5 each STP mode in enum order
// (2 none, 3 cancel_resting, 4 cancel_incoming, 5 cancel_both).
class EngineTest : public ::testing::Test {
 public:
  static constexpr InstrumentId kAcme = 0;
  static constexpr InstrumentId kLots = 1;

  static std::vector<InstrumentSpec> instruments() {
    return {InstrumentSpec{"ACME", cents(1), 1, 10'000, cents(9000), cents(11000)},
            InstrumentSpec{"LOTS", cents(5), 10, 1'000, cents(5), kMaxPrice}};
  }
  static std::vector<MemberSpec> members() {
    return {{StpMode::None},          {StpMode::None},           {StpMode::None},
            {StpMode::CancelResting}, {StpMode::CancelIncoming}, {StpMode::CancelBoth}};
  }

 protected:
  explicit EngineTest(EngineOptions options = {1024, 0, nullptr})
      : engine(instruments(), members(), options) {}

  NewOrder limit(MemberId m, Side s, Price p, Qty q, TimeInForce tif = TimeInForce::Day,
                 InstrumentId inst = kAcme) {
    return NewOrder{++ref, m, 100 + m, inst, s, OrdType::Limit, tif, p, q};
  }
  NewOrder market(MemberId m, Side s, Qty q, TimeInForce tif = TimeInForce::Ioc) {
    return NewOrder{++ref, m, 100 + m, kAcme, s, OrdType::Market, tif, 0, q};
  }

  // Submits and returns the events it caused.
  std::vector<Event> submit(const NewOrder& o) {
    engine.submit(o, rec);
    return rec.take();
  }
  // Submits an order expected to rest and returns its id.
  OrderId rest(MemberId m, Side s, Price p, Qty q, TimeInForce tif = TimeInForce::Day,
               InstrumentId inst = kAcme) {
    auto ev = submit(limit(m, s, p, q, tif, inst));
    EXPECT_EQ(ev.size(), 1U);
    EXPECT_EQ(ev.at(0).type, EventType::Accepted);
    return ev.at(0).order.id;
  }
  std::vector<Event> cancel(MemberId m, OrderId id) {
    engine.cancel(CancelOrder{++ref, m, id}, rec);
    return rec.take();
  }
  std::vector<Event> replace(MemberId m, OrderId id, Price p, Qty q) {
    engine.replace(ReplaceOrder{++ref, m, id, p, q}, rec);
    return rec.take();
  }

  std::vector<OrderId> queue(Side s, InstrumentId inst = kAcme) const {
    std::vector<OrderId> ids;
    for (const OrderView& o : engine.orders(inst, s)) ids.push_back(o.id);
    return ids;
  }

  Engine engine;
  Recorder rec;
  std::uint64_t ref = 0;
};

inline std::vector<EventType> types(const std::vector<Event>& ev) {
  std::vector<EventType> t;
  for (const Event& e : ev) t.push_back(e.type);
  return t;
}

}  // namespace matchgate::engine::test
