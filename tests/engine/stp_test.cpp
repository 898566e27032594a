// Self-trade prevention, one test per mode, plus its interaction with FOK.
#include "engine_fixture.hpp"

namespace matchgate::engine::test {
namespace {

using ET = EventType;
// Members: 2 none, 3 cancel_resting, 4 cancel_incoming, 5 cancel_both.

TEST_F(EngineTest, StpNoneLetsAMemberTradeWithItself) {
  rest(2, Side::Sell, cents(10000), 5);
  auto ev = submit(limit(2, Side::Buy, cents(10000), 5));
  EXPECT_EQ(types(ev), (std::vector{ET::Accepted, ET::Trade}));
}

TEST_F(EngineTest, StpCancelRestingCancelsOwnOrderAndContinues) {
  const OrderId own = rest(3, Side::Sell, cents(10000), 5);
  const OrderId other = rest(0, Side::Sell, cents(10000), 5);
  auto ev = submit(limit(3, Side::Buy, cents(10000), 4));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Canceled, ET::Trade}));
  EXPECT_EQ(ev[1].order.id, own);
  EXPECT_EQ(ev[1].cancel_reason, CancelReason::SelfTradeResting);
  EXPECT_EQ(ev[2].maker.id, other);
  EXPECT_EQ(engine.depth(kAcme, Side::Sell), (std::vector<LevelView>{{cents(10000), 1, 1}}));
}

TEST_F(EngineTest, StpCancelIncomingCancelsTheRestOfTheIncomingOrder) {
  const OrderId other = rest(0, Side::Sell, cents(10000), 2);
  const OrderId own = rest(4, Side::Sell, cents(10000), 5);
  rest(0, Side::Sell, cents(10000), 5);
  auto ev = submit(limit(4, Side::Buy, cents(10000), 6));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Trade, ET::Canceled}));
  EXPECT_EQ(ev[1].maker.id, other);
  EXPECT_EQ(ev[2].cancel_reason, CancelReason::SelfTradeIncoming);
  EXPECT_EQ(ev[2].order.filled, 2);
  ASSERT_TRUE(engine.find(own).has_value());
  EXPECT_EQ(engine.depth(kAcme, Side::Sell), (std::vector<LevelView>{{cents(10000), 10, 2}}));
  EXPECT_TRUE(engine.depth(kAcme, Side::Buy).empty());
}

TEST_F(EngineTest, StpCancelBothCancelsRestingThenIncoming) {
  const OrderId own = rest(5, Side::Buy, cents(10000), 5);
  auto ev = submit(limit(5, Side::Sell, cents(9900), 3));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Canceled, ET::Canceled}));
  EXPECT_EQ(ev[1].order.id, own);
  EXPECT_EQ(ev[1].cancel_reason, CancelReason::SelfTradeResting);
  EXPECT_EQ(ev[2].order.id, ev[0].order.id);
  EXPECT_EQ(ev[2].cancel_reason, CancelReason::SelfTradeIncoming);
  EXPECT_EQ(engine.live_orders(), 0U);
}

TEST_F(EngineTest, StpOnlyConcernsTheSameMember) {
  rest(4, Side::Sell, cents(10000), 5);
  auto ev = submit(limit(5, Side::Buy, cents(10000), 5));
  EXPECT_EQ(types(ev), (std::vector{ET::Accepted, ET::Trade}));
}

TEST_F(EngineTest, FokDoesNothingWhenItsOwnOrderWouldStopTheFill) {
  rest(4, Side::Sell, cents(10000), 5);
  rest(0, Side::Sell, cents(10001), 5);
  auto ev = submit(limit(4, Side::Buy, cents(10001), 5, TimeInForce::Fok));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Canceled}));
  EXPECT_EQ(ev[1].cancel_reason, CancelReason::Unfilled);
  EXPECT_EQ(engine.live_orders(), 2U);
}

TEST_F(EngineTest, FokWithCancelRestingCountsOnlyOtherMembersLiquidity) {
  rest(3, Side::Sell, cents(10000), 5);
  rest(0, Side::Sell, cents(10001), 4);
  auto short_ev = submit(limit(3, Side::Buy, cents(10001), 5, TimeInForce::Fok));
  ASSERT_EQ(types(short_ev), (std::vector{ET::Accepted, ET::Canceled}));
  EXPECT_EQ(engine.live_orders(), 2U);  // nothing canceled by a FOK that did nothing
  auto ev = submit(limit(3, Side::Buy, cents(10001), 4, TimeInForce::Fok));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Canceled, ET::Trade}));
  EXPECT_EQ(ev[1].cancel_reason, CancelReason::SelfTradeResting);
  EXPECT_EQ(ev[2].order.filled, 4);
  EXPECT_EQ(engine.live_orders(), 0U);
}

TEST_F(EngineTest, StpAppliesToReplacesThatCross) {
  rest(4, Side::Sell, cents(10005), 5);
  const OrderId a = rest(4, Side::Buy, cents(10000), 5);
  auto ev = replace(4, a, cents(10005), 5);
  ASSERT_EQ(types(ev), (std::vector{ET::Replaced, ET::Canceled}));
  EXPECT_EQ(ev[1].cancel_reason, CancelReason::SelfTradeIncoming);
  EXPECT_FALSE(engine.find(a).has_value());
  EXPECT_TRUE(engine.depth(kAcme, Side::Buy).empty());
}

}  // namespace
}  // namespace matchgate::engine::test
