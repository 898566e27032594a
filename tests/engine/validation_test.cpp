// Every reject reason, and what a rejected request leaves behind.
#include "engine_fixture.hpp"

namespace matchgate::engine::test {
namespace {

using ET = EventType;

class ValidationTest : public EngineTest {
 protected:
  RejectReason reject_of(const NewOrder& o) {
    auto ev = submit(o);
    EXPECT_EQ(ev.size(), 1U);
    if (ev.empty() || ev[0].type != ET::Rejected) return RejectReason::None;
    EXPECT_EQ(ev[0].order.id, kNoOrder);
    EXPECT_EQ(ev[0].order.client_ref, o.client_ref);
    return ev[0].reject_reason;
  }
};

TEST_F(ValidationTest, UnknownInstrument) {
  EXPECT_EQ(reject_of(limit(0, Side::Buy, cents(10000), 1, TimeInForce::Day, 7)),
            RejectReason::UnknownInstrument);
}

TEST_F(ValidationTest, UnknownMember) {
  EXPECT_EQ(reject_of(limit(42, Side::Buy, cents(10000), 1)), RejectReason::UnknownMember);
}

TEST_F(ValidationTest, PriceOffTick) {
  EXPECT_EQ(reject_of(limit(0, Side::Buy, cents(10000) + 1, 1)), RejectReason::PriceOffTick);
  EXPECT_EQ(reject_of(limit(0, Side::Buy, cents(1002), 10, TimeInForce::Day, kLots)),
            RejectReason::PriceOffTick);
}

TEST_F(ValidationTest, QuantityMustBeAPositiveMultipleOfTheLot) {
  EXPECT_EQ(reject_of(limit(0, Side::Buy, cents(10000), 0)), RejectReason::InvalidQuantity);
  EXPECT_EQ(reject_of(limit(0, Side::Buy, cents(10000), -5)), RejectReason::InvalidQuantity);
  EXPECT_EQ(reject_of(limit(0, Side::Buy, cents(1000), 15, TimeInForce::Day, kLots)),
            RejectReason::InvalidQuantity);
  EXPECT_EQ(reject_of(market(0, Side::Buy, 0)), RejectReason::InvalidQuantity);
}

TEST_F(ValidationTest, QuantityAboveMax) {
  EXPECT_EQ(reject_of(limit(0, Side::Buy, cents(10000), 10'001)), RejectReason::QuantityAboveMax);
  EXPECT_EQ(types(submit(limit(0, Side::Buy, cents(10000), 10'000))), (std::vector{ET::Accepted}));
}

TEST_F(ValidationTest, InvalidPrice) {
  EXPECT_EQ(reject_of(limit(0, Side::Buy, 0, 10, TimeInForce::Day, kLots)),
            RejectReason::InvalidPrice);
  EXPECT_EQ(reject_of(limit(0, Side::Buy, -cents(100), 10, TimeInForce::Day, kLots)),
            RejectReason::InvalidPrice);
  EXPECT_EQ(reject_of(limit(0, Side::Buy, kMaxPrice + cents(5), 10, TimeInForce::Day, kLots)),
            RejectReason::InvalidPrice);
}

TEST_F(ValidationTest, BandEdgesAreInclusive) {
  EXPECT_EQ(types(submit(limit(0, Side::Buy, cents(9000), 1))), (std::vector{ET::Accepted}));
  EXPECT_EQ(types(submit(limit(0, Side::Sell, cents(11000), 1))), (std::vector{ET::Accepted}));
  EXPECT_EQ(reject_of(limit(0, Side::Buy, cents(8999), 1)), RejectReason::PriceOutsideBand);
  EXPECT_EQ(reject_of(limit(0, Side::Sell, cents(11001), 1)), RejectReason::PriceOutsideBand);
}

TEST_F(ValidationTest, MarketOrdersIgnoreThePriceField) {
  NewOrder m = market(0, Side::Buy, 1);
  m.price = cents(1) + 1;  // off tick and outside the band: irrelevant for a market order
  EXPECT_EQ(types(submit(m)), (std::vector{ET::Accepted, ET::Canceled}));
}

TEST_F(ValidationTest, ChecksRunInDocumentedOrder) {
  // Off-tick and above max: quantity is checked first.
  EXPECT_EQ(reject_of(limit(0, Side::Buy, cents(10000) + 1, 20'000)),
            RejectReason::QuantityAboveMax);
  // Unknown member wins over unknown instrument.
  EXPECT_EQ(reject_of(limit(99, Side::Buy, cents(10000), 1, TimeInForce::Day, 99)),
            RejectReason::UnknownMember);
}

TEST_F(ValidationTest, RejectedOrdersGetNoOrderIdAndChangeNoBook) {
  const auto hash_before = engine.state_hash();
  reject_of(limit(0, Side::Buy, cents(8999), 1));
  EXPECT_EQ(engine.live_orders(), 0U);
  EXPECT_EQ(engine.next_order_id(), 1U);
  EXPECT_NE(engine.state_hash(), hash_before);  // the exec id advanced
  EXPECT_EQ(rest(0, Side::Buy, cents(9000), 1), 1U);
}

class CapacityTest : public EngineTest {
 protected:
  CapacityTest() : EngineTest(EngineOptions{2, 0, nullptr}) {}
};

TEST_F(CapacityTest, PoolFullRejectsNewOrdersUntilOneLeaves) {
  const OrderId a = rest(0, Side::Buy, cents(10000), 1);
  rest(0, Side::Buy, cents(10000), 1);
  auto ev = submit(limit(0, Side::Buy, cents(10000), 1));
  ASSERT_EQ(types(ev), (std::vector{ET::Rejected}));
  EXPECT_EQ(ev[0].reject_reason, RejectReason::CapacityExceeded);
  cancel(0, a);
  rest(0, Side::Buy, cents(10000), 1);
}

TEST_F(EngineTest, CancelRejects) {
  const OrderId a = rest(0, Side::Buy, cents(10000), 1);
  auto unknown = cancel(0, 999);
  ASSERT_EQ(types(unknown), (std::vector{ET::Rejected}));
  EXPECT_EQ(unknown[0].reject_reason, RejectReason::UnknownOrder);
  EXPECT_EQ(unknown[0].order.id, 999U);

  auto other = cancel(1, a);
  ASSERT_EQ(types(other), (std::vector{ET::Rejected}));
  EXPECT_EQ(other[0].reject_reason, RejectReason::NotOwner);
  EXPECT_EQ(other[0].order.member, 1U);
  EXPECT_EQ(other[0].order.qty, 0);  // nothing of the other member's order leaks
  EXPECT_EQ(engine.live_orders(), 1U);

  auto bad_member = cancel(77, a);
  EXPECT_EQ(bad_member.at(0).reject_reason, RejectReason::UnknownMember);
}

TEST_F(EngineTest, CancelAfterAFullFillIsRejectedAsDone) {
  const OrderId a = rest(0, Side::Sell, cents(10000), 2);
  submit(limit(1, Side::Buy, cents(10000), 2));
  auto ev = cancel(0, a);
  ASSERT_EQ(types(ev), (std::vector{ET::Rejected}));
  EXPECT_EQ(ev[0].reject_reason, RejectReason::OrderDone);
}

TEST_F(EngineTest, CancelTwiceIsRejectedAsDone) {
  const OrderId a = rest(0, Side::Sell, cents(10000), 2);
  EXPECT_EQ(types(cancel(0, a)), (std::vector{ET::Canceled}));
  EXPECT_EQ(cancel(0, a).at(0).reject_reason, RejectReason::OrderDone);
}

TEST_F(EngineTest, OrderIdsAreNeverReusedWhenPoolSlotsAre) {
  // A done order's slot is recycled; its id must not reach the new occupant.
  const OrderId a = rest(0, Side::Sell, cents(10000), 1);
  submit(limit(1, Side::Buy, cents(10000), 1));
  const OrderId b = rest(0, Side::Sell, cents(10100), 1);
  EXPECT_NE(a, b);
  EXPECT_EQ(cancel(0, a).at(0).reject_reason, RejectReason::OrderDone);
  EXPECT_EQ(replace(0, a, cents(10100), 5).at(0).reject_reason, RejectReason::OrderDone);
  ASSERT_TRUE(engine.find(b).has_value());
  EXPECT_FALSE(engine.find(a).has_value());
  EXPECT_EQ(queue(Side::Sell), (std::vector{b}));
}

}  // namespace
}  // namespace matchgate::engine::test
