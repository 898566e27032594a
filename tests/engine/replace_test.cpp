// Cancel/replace: priority kept or lost, crossing replaces, rejects.
#include "engine_fixture.hpp"

namespace matchgate::engine::test {
namespace {

using ET = EventType;

TEST_F(EngineTest, QuantityDecreaseAtSamePriceKeepsPriority) {
  const OrderId a = rest(0, Side::Buy, cents(10000), 10);
  const OrderId b = rest(1, Side::Buy, cents(10000), 10);
  auto ev = replace(0, a, cents(10000), 4);
  ASSERT_EQ(types(ev), (std::vector{ET::Replaced}));
  EXPECT_EQ(ev[0].order.qty, 4);
  EXPECT_EQ(ev[0].order.client_ref, ref);
  EXPECT_EQ(queue(Side::Buy), (std::vector{a, b}));
  EXPECT_EQ(engine.depth(kAcme, Side::Buy), (std::vector<LevelView>{{cents(10000), 14, 2}}));
}

TEST_F(EngineTest, QuantityIncreaseLosesPriority) {
  const OrderId a = rest(0, Side::Buy, cents(10000), 10);
  const OrderId b = rest(1, Side::Buy, cents(10000), 10);
  ASSERT_EQ(types(replace(0, a, cents(10000), 11)), (std::vector{ET::Replaced}));
  EXPECT_EQ(queue(Side::Buy), (std::vector{b, a}));
  EXPECT_EQ(engine.depth(kAcme, Side::Buy), (std::vector<LevelView>{{cents(10000), 21, 2}}));
}

TEST_F(EngineTest, PriceChangeLosesPriorityEvenWhenItComesBack) {
  const OrderId a = rest(0, Side::Buy, cents(10000), 10);
  const OrderId b = rest(1, Side::Buy, cents(10000), 10);
  replace(0, a, cents(9999), 10);
  EXPECT_EQ(queue(Side::Buy), (std::vector{b, a}));
  replace(0, a, cents(10000), 10);
  EXPECT_EQ(queue(Side::Buy), (std::vector{b, a}));
  EXPECT_EQ(engine.depth(kAcme, Side::Buy), (std::vector<LevelView>{{cents(10000), 20, 2}}));
}

TEST_F(EngineTest, ReplaceThatCrossesTradesAtOnceAtTheMakersPrice) {
  const OrderId maker = rest(0, Side::Sell, cents(10005), 3);
  const OrderId a = rest(1, Side::Buy, cents(10000), 5);
  auto ev = replace(1, a, cents(10010), 5);
  ASSERT_EQ(types(ev), (std::vector{ET::Replaced, ET::Trade}));
  EXPECT_EQ(ev[0].order.price, cents(10010));
  EXPECT_EQ(ev[1].maker.id, maker);
  EXPECT_EQ(ev[1].order.id, a);
  EXPECT_EQ(ev[1].trade_price, cents(10005));
  EXPECT_EQ(ev[1].trade_qty, 3);
  EXPECT_EQ(engine.depth(kAcme, Side::Buy), (std::vector<LevelView>{{cents(10010), 2, 1}}));
  EXPECT_TRUE(engine.depth(kAcme, Side::Sell).empty());
}

TEST_F(EngineTest, ReplaceToAtOrBelowFilledIsRejected) {
  const OrderId a = rest(0, Side::Buy, cents(10000), 10);
  submit(limit(1, Side::Sell, cents(10000), 4));
  for (Qty q : {Qty{4}, Qty{2}}) {
    auto ev = replace(0, a, cents(10000), q);
    ASSERT_EQ(types(ev), (std::vector{ET::Rejected}));
    EXPECT_EQ(ev[0].reject_reason, RejectReason::ReplaceBelowFilled);
    EXPECT_EQ(ev[0].order.filled, 4);  // the member's own order: current state shown
    EXPECT_EQ(ev[0].order.qty, 10);
  }
  auto ok = replace(0, a, cents(10000), 5);
  ASSERT_EQ(types(ok), (std::vector{ET::Replaced}));
  EXPECT_EQ(ok[0].order.leaves(), 1);
  EXPECT_EQ(engine.depth(kAcme, Side::Buy), (std::vector<LevelView>{{cents(10000), 1, 1}}));
}

TEST_F(EngineTest, ReplaceRejectsInvalidValuesAndLeavesTheOrder) {
  const OrderId a = rest(0, Side::Buy, cents(10000), 10);
  EXPECT_EQ(replace(0, a, cents(10000) + 1, 10).at(0).reject_reason, RejectReason::PriceOffTick);
  EXPECT_EQ(replace(0, a, cents(8000), 10).at(0).reject_reason, RejectReason::PriceOutsideBand);
  EXPECT_EQ(replace(0, a, 0, 10).at(0).reject_reason, RejectReason::InvalidPrice);
  EXPECT_EQ(replace(0, a, cents(10000), 0).at(0).reject_reason, RejectReason::InvalidQuantity);
  EXPECT_EQ(replace(0, a, cents(10000), 20'000).at(0).reject_reason,
            RejectReason::QuantityAboveMax);
  EXPECT_EQ(replace(1, a, cents(10000), 5).at(0).reject_reason, RejectReason::NotOwner);
  EXPECT_EQ(replace(0, 12345, cents(10000), 5).at(0).reject_reason, RejectReason::UnknownOrder);
  EXPECT_EQ(engine.find(a)->qty, 10);
  EXPECT_EQ(engine.find(a)->client_ref, 1U);
}

TEST_F(EngineTest, ReplaceAtTheSameQuantityAndPriceKeepsPriority) {
  const OrderId a = rest(0, Side::Sell, cents(10000), 10);
  const OrderId b = rest(1, Side::Sell, cents(10000), 10);
  replace(0, a, cents(10000), 10);
  EXPECT_EQ(queue(Side::Sell), (std::vector{a, b}));
}

}  // namespace
}  // namespace matchgate::engine::test
