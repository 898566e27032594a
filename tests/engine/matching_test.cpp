// Price-time priority, order types and time in force.
#include "engine_fixture.hpp"

namespace matchgate::engine::test {
namespace {

using ET = EventType;

TEST_F(EngineTest, LimitOrderRestsWithOneAcceptedEvent) {
  auto ev = submit(limit(0, Side::Buy, cents(10000), 5));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted}));
  EXPECT_EQ(ev[0].order.id, 1U);
  EXPECT_EQ(ev[0].order.qty, 5);
  EXPECT_EQ(ev[0].order.filled, 0);
  EXPECT_EQ(engine.depth(kAcme, Side::Buy), (std::vector<LevelView>{{cents(10000), 5, 1}}));
  EXPECT_TRUE(engine.depth(kAcme, Side::Sell).empty());
}

TEST_F(EngineTest, TradeExecutesAtTheRestingOrdersPrice) {
  const OrderId maker = rest(0, Side::Sell, cents(10000), 10);
  auto ev = submit(limit(1, Side::Buy, cents(10100), 4));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Trade}));
  const Event& t = ev[1];
  EXPECT_EQ(t.trade_price, cents(10000));
  EXPECT_EQ(t.trade_qty, 4);
  EXPECT_EQ(t.maker.id, maker);
  EXPECT_EQ(t.maker.filled, 4);
  EXPECT_EQ(t.order.filled, 4);
  EXPECT_EQ(t.order.leaves(), 0);
  EXPECT_EQ(engine.depth(kAcme, Side::Sell), (std::vector<LevelView>{{cents(10000), 6, 1}}));
}

TEST_F(EngineTest, BetterPriceFirstThenOlderOrderFirst) {
  const OrderId a = rest(0, Side::Sell, cents(10001), 1);
  const OrderId b = rest(0, Side::Sell, cents(10000), 1);
  const OrderId c = rest(0, Side::Sell, cents(10000), 1);
  auto ev = submit(limit(1, Side::Buy, cents(10001), 3));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Trade, ET::Trade, ET::Trade}));
  EXPECT_EQ(ev[1].maker.id, b);
  EXPECT_EQ(ev[2].maker.id, c);
  EXPECT_EQ(ev[3].maker.id, a);
  EXPECT_EQ(ev[3].trade_price, cents(10001));
  EXPECT_EQ(engine.live_orders(), 0U);
}

TEST_F(EngineTest, PartiallyFilledIncomingOrderRestsWithItsRemainder) {
  rest(0, Side::Sell, cents(10000), 3);
  auto ev = submit(limit(1, Side::Buy, cents(10000), 10));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Trade}));
  EXPECT_EQ(engine.depth(kAcme, Side::Buy), (std::vector<LevelView>{{cents(10000), 7, 1}}));
  EXPECT_TRUE(engine.depth(kAcme, Side::Sell).empty());
  EXPECT_EQ(engine.find(ev[0].order.id)->filled, 3);
}

TEST_F(EngineTest, NonCrossingOrdersDoNotTrade) {
  rest(0, Side::Sell, cents(10001), 3);
  auto ev = submit(limit(1, Side::Buy, cents(10000), 3));
  EXPECT_EQ(types(ev), (std::vector{ET::Accepted}));
  EXPECT_EQ(engine.live_orders(), 2U);
}

TEST_F(EngineTest, CancelInTheMiddleOfALevelThenSweepTheLevel) {
  const OrderId a = rest(0, Side::Sell, cents(10000), 2);
  const OrderId b = rest(0, Side::Sell, cents(10000), 3);
  const OrderId c = rest(0, Side::Sell, cents(10000), 4);
  auto cx = cancel(0, b);
  ASSERT_EQ(types(cx), (std::vector{ET::Canceled}));
  EXPECT_EQ(cx[0].cancel_reason, CancelReason::Requested);
  EXPECT_EQ(engine.depth(kAcme, Side::Sell), (std::vector<LevelView>{{cents(10000), 6, 2}}));
  auto ev = submit(limit(1, Side::Buy, cents(10000), 6));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Trade, ET::Trade}));
  EXPECT_EQ(ev[1].maker.id, a);
  EXPECT_EQ(ev[1].trade_qty, 2);
  EXPECT_EQ(ev[2].maker.id, c);
  EXPECT_EQ(ev[2].trade_qty, 4);
  EXPECT_TRUE(engine.depth(kAcme, Side::Sell).empty());
}

TEST_F(EngineTest, IocRemainderIsCanceledAndNeverRests) {
  rest(0, Side::Sell, cents(10000), 3);
  auto ev = submit(limit(1, Side::Buy, cents(10000), 5, TimeInForce::Ioc));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Trade, ET::Canceled}));
  EXPECT_EQ(ev[2].cancel_reason, CancelReason::Unfilled);
  EXPECT_EQ(ev[2].order.filled, 3);
  EXPECT_EQ(engine.live_orders(), 0U);
}

TEST_F(EngineTest, IocWithNothingToMatchIsCanceled) {
  auto ev = submit(limit(1, Side::Buy, cents(10000), 5, TimeInForce::Ioc));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Canceled}));
  EXPECT_EQ(ev[1].order.filled, 0);
  EXPECT_EQ(engine.live_orders(), 0U);
}

TEST_F(EngineTest, FokFillsAcrossSeveralLevelsWhenThereIsEnough) {
  rest(0, Side::Sell, cents(10000), 2);
  rest(0, Side::Sell, cents(10001), 3);
  rest(0, Side::Sell, cents(10002), 5);
  auto ev = submit(limit(1, Side::Buy, cents(10002), 10, TimeInForce::Fok));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Trade, ET::Trade, ET::Trade}));
  EXPECT_EQ(ev[3].order.filled, 10);
  EXPECT_EQ(ev[3].trade_price, cents(10002));
  EXPECT_EQ(engine.live_orders(), 0U);
}

TEST_F(EngineTest, FokOneLotShortDoesNothing) {
  rest(0, Side::Sell, cents(10000), 2);
  rest(0, Side::Sell, cents(10001), 3);
  rest(0, Side::Sell, cents(10003), 100);  // beyond the limit: does not count
  const auto before = engine.state_hash();
  const auto depth_before = engine.depth(kAcme, Side::Sell);
  auto ev = submit(limit(1, Side::Buy, cents(10002), 6, TimeInForce::Fok));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Canceled}));
  EXPECT_EQ(ev[1].cancel_reason, CancelReason::Unfilled);
  EXPECT_EQ(ev[1].order.filled, 0);
  EXPECT_EQ(engine.depth(kAcme, Side::Sell), depth_before);
  EXPECT_NE(engine.state_hash(), before);  // ids advanced, nothing else
}

TEST_F(EngineTest, MarketOrderOnAnEmptyBookIsCanceled) {
  auto ev = submit(market(1, Side::Buy, 5));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Canceled}));
  EXPECT_EQ(ev[0].order.price, 0);
  EXPECT_EQ(ev[1].cancel_reason, CancelReason::Unfilled);
  EXPECT_EQ(engine.live_orders(), 0U);
}

TEST_F(EngineTest, MarketOrderSweepsLevelsAndNeverRestsEvenAsDay) {
  rest(0, Side::Buy, cents(10000), 2);
  rest(0, Side::Buy, cents(9000), 2);  // at the lower band edge
  auto ev = submit(market(1, Side::Sell, 10, TimeInForce::Day));
  ASSERT_EQ(types(ev), (std::vector{ET::Accepted, ET::Trade, ET::Trade, ET::Canceled}));
  EXPECT_EQ(ev[1].trade_price, cents(10000));
  EXPECT_EQ(ev[2].trade_price, cents(9000));
  EXPECT_EQ(ev[3].order.filled, 4);
  EXPECT_EQ(engine.live_orders(), 0U);
}

TEST_F(EngineTest, GtcAndDayOrdersRest) {
  rest(0, Side::Buy, cents(10000), 1, TimeInForce::Gtc);
  rest(0, Side::Buy, cents(10000), 1, TimeInForce::Day);
  EXPECT_EQ(engine.depth(kAcme, Side::Buy), (std::vector<LevelView>{{cents(10000), 2, 2}}));
}

TEST_F(EngineTest, ExpireDayOrdersRemovesOnlyDayOrdersInCanonicalOrder) {
  const OrderId d1 = rest(0, Side::Buy, cents(9999), 1, TimeInForce::Day);
  const OrderId g = rest(0, Side::Buy, cents(10000), 1, TimeInForce::Gtc);
  const OrderId d2 = rest(1, Side::Buy, cents(10000), 1, TimeInForce::Day);
  const OrderId d3 = rest(1, Side::Sell, cents(10100), 1, TimeInForce::Day);
  engine.expire_day_orders(rec);
  auto ev = rec.take();
  ASSERT_EQ(types(ev), (std::vector{ET::Expired, ET::Expired, ET::Expired}));
  EXPECT_EQ(ev[0].order.id, d2);  // best bid level first
  EXPECT_EQ(ev[1].order.id, d1);
  EXPECT_EQ(ev[2].order.id, d3);
  EXPECT_EQ(queue(Side::Buy), (std::vector{g}));
  EXPECT_TRUE(queue(Side::Sell).empty());
}

TEST_F(EngineTest, MassCancelRemovesOnlyThatMembersOrdersAcrossInstruments) {
  const OrderId a = rest(0, Side::Buy, cents(10000), 1);
  const OrderId b = rest(1, Side::Buy, cents(10000), 1);
  const OrderId c = rest(0, Side::Sell, cents(10100), 1);
  const OrderId d = rest(0, Side::Sell, cents(100), 10, TimeInForce::Gtc, kLots);
  engine.mass_cancel(0, rec);
  auto ev = rec.take();
  ASSERT_EQ(types(ev), (std::vector{ET::Canceled, ET::Canceled, ET::Canceled}));
  EXPECT_EQ(ev[0].order.id, a);
  EXPECT_EQ(ev[1].order.id, c);
  EXPECT_EQ(ev[2].order.id, d);
  EXPECT_EQ(ev[2].instrument, kLots);
  for (const Event& e : ev) EXPECT_EQ(e.cancel_reason, CancelReason::MassCancel);
  EXPECT_EQ(queue(Side::Buy), (std::vector{b}));
  EXPECT_EQ(engine.live_orders(), 1U);
}

TEST_F(EngineTest, MassCancelOfOneInstrumentLeavesTheMembersOtherBooksAlone) {
  const OrderId a = rest(0, Side::Buy, cents(10000), 1);
  const OrderId other_member = rest(1, Side::Buy, cents(9900), 1);
  const OrderId c = rest(0, Side::Sell, cents(10100), 1);
  const OrderId other_book = rest(0, Side::Sell, cents(100), 10, TimeInForce::Gtc, kLots);
  engine.mass_cancel(0, kAcme, rec);
  auto ev = rec.take();
  ASSERT_EQ(types(ev), (std::vector{ET::Canceled, ET::Canceled}));
  EXPECT_EQ(ev[0].order.id, a);
  EXPECT_EQ(ev[1].order.id, c);
  for (const Event& e : ev) {
    EXPECT_EQ(e.cancel_reason, CancelReason::MassCancel);
    EXPECT_EQ(e.instrument, kAcme);
  }
  EXPECT_EQ(queue(Side::Buy), (std::vector{other_member}));
  EXPECT_TRUE(queue(Side::Sell).empty());
  EXPECT_EQ(queue(Side::Sell, kLots), (std::vector{other_book}));
  engine.mass_cancel(0, InstrumentId{99}, rec);  // no such book: nothing happens
  EXPECT_TRUE(rec.take().empty());
  EXPECT_EQ(engine.live_orders(), 2U);
}

TEST_F(EngineTest, ExecIdsAreSequentialAcrossEventsAndIdsStartAfterBase) {
  Engine based(instruments(), members(), EngineOptions{64, 7ULL << 48, nullptr});
  Recorder r;
  based.submit(
      NewOrder{1, 0, 0, kAcme, Side::Sell, OrdType::Limit, TimeInForce::Day, cents(10000), 1}, r);
  based.submit(
      NewOrder{2, 1, 0, kAcme, Side::Buy, OrdType::Limit, TimeInForce::Day, cents(10000), 1}, r);
  ASSERT_EQ(r.events.size(), 3U);
  EXPECT_EQ(r.events[0].order.id, (7ULL << 48) + 1);
  EXPECT_EQ(r.events[1].order.id, (7ULL << 48) + 2);
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    EXPECT_EQ(r.events[i].exec_id, (7ULL << 48) + 1 + i);
  }
}

}  // namespace
}  // namespace matchgate::engine::test
