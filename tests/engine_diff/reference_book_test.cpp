// Directed tests of the ReferenceEngine on its own, for the rules of
// docs/ENGINE.md that are easiest to get wrong, so the oracle of the
// differential test is trusted independently of the real engine.
#include <gtest/gtest.h>

#include <vector>

#include "engine_diff/diff_support.hpp"
#include "support/reference_book.hpp"

namespace {

using namespace matchgate::engine;
using matchgate::testing::describe;
using matchgate::testing::Recorder;
using matchgate::testing::ReferenceEngine;

constexpr Price P(std::int64_t units) {
  return units * kPriceScale;
}

InstrumentSpec spec(Price tick = 1'000'000, Qty lot = 1, Qty max_qty = 1'000'000, Price lo = P(1),
                    Price hi = P(1000)) {
  InstrumentSpec s;
  s.symbol = "X";
  s.tick = tick;
  s.lot = lot;
  s.max_qty = max_qty;
  s.band_low = lo;
  s.band_high = hi;
  return s;
}

// Members: 0 None, 1 CancelResting, 2 CancelIncoming, 3 CancelBoth, 4 None.
std::vector<MemberSpec> members() {
  return {MemberSpec{StpMode::None}, MemberSpec{StpMode::CancelResting},
          MemberSpec{StpMode::CancelIncoming}, MemberSpec{StpMode::CancelBoth},
          MemberSpec{StpMode::None}};
}

NewOrder limit(MemberId m, Side s, Price px, Qty q, TimeInForce tif = TimeInForce::Gtc,
               std::uint64_t ref = 0, InstrumentId inst = 0) {
  NewOrder n;
  n.client_ref = ref;
  n.member = m;
  n.account = 100 + m;
  n.instrument = inst;
  n.side = s;
  n.type = OrdType::Limit;
  n.tif = tif;
  n.price = px;
  n.qty = q;
  return n;
}

NewOrder market(MemberId m, Side s, Qty q, TimeInForce tif = TimeInForce::Ioc, Price px = 0) {
  NewOrder n = limit(m, s, px, q, tif);
  n.type = OrdType::Market;
  return n;
}

struct RefBook : ::testing::Test {
  ReferenceEngine eng{{spec()}, members()};
  Recorder rec;

  std::vector<Event> submit(const NewOrder& n) {
    rec.events.clear();
    eng.submit(n, rec);
    return rec.events;
  }
  std::vector<Event> cancel(MemberId m, OrderId id, std::uint64_t ref = 0) {
    rec.events.clear();
    eng.cancel(CancelOrder{ref, m, id}, rec);
    return rec.events;
  }
  std::vector<Event> replace(MemberId m, OrderId id, Price px, Qty q, std::uint64_t ref = 0) {
    rec.events.clear();
    eng.replace(ReplaceOrder{ref, m, id, px, q}, rec);
    return rec.events;
  }
  // Rests an order and returns its id.
  OrderId rest(const NewOrder& n) {
    auto ev = submit(n);
    EXPECT_EQ(ev.size(), 1u) << describe(ev);
    return ev.at(0).order.id;
  }
};

std::vector<EventType> types(const std::vector<Event>& ev) {
  std::vector<EventType> t;
  t.reserve(ev.size());
  for (const auto& e : ev) t.push_back(e.type);
  return t;
}

TEST(ReferenceBook, IdsStartAfterBaseAndRejectsGetNoOrderId) {
  ReferenceEngine eng({spec()}, members(), EngineOptions{.max_orders = 16, .id_base = 100});
  Recorder rec;
  eng.submit(limit(9, Side::Buy, P(10), 1), rec);  // unknown member
  eng.submit(limit(0, Side::Buy, P(10), 1), rec);
  ASSERT_EQ(rec.events.size(), 2u);
  EXPECT_EQ(rec.events[0].type, EventType::Rejected);
  EXPECT_EQ(rec.events[0].exec_id, 101u);
  EXPECT_EQ(rec.events[0].order.id, kNoOrder);
  EXPECT_EQ(rec.events[1].type, EventType::Accepted);
  EXPECT_EQ(rec.events[1].exec_id, 102u);
  EXPECT_EQ(rec.events[1].order.id, 101u);
  EXPECT_EQ(eng.next_order_id(), 102u);
  EXPECT_EQ(eng.next_exec_id(), 103u);
}

TEST(ReferenceBook, NewOrderChecksInDocumentedOrder) {
  ReferenceEngine eng({spec(1'000'000, 10, 1000, P(5), P(20))}, members(),
                      EngineOptions{.max_orders = 1});
  Recorder rec;
  auto reason = [&](const NewOrder& n) {
    rec.events.clear();
    eng.submit(n, rec);
    EXPECT_EQ(rec.events.size(), 1u);
    return rec.events.at(0).reject_reason;
  };
  NewOrder bad = limit(7, Side::Buy, -1, 3);
  bad.instrument = 5;
  EXPECT_EQ(reason(bad), RejectReason::UnknownMember);
  bad.member = 0;
  EXPECT_EQ(reason(bad), RejectReason::UnknownInstrument);
  bad.instrument = 0;
  EXPECT_EQ(reason(bad), RejectReason::InvalidQuantity);  // not a lot multiple
  bad.qty = 0;
  EXPECT_EQ(reason(bad), RejectReason::InvalidQuantity);
  bad.qty = 1010;
  EXPECT_EQ(reason(bad), RejectReason::QuantityAboveMax);
  bad.qty = 10;
  EXPECT_EQ(reason(bad), RejectReason::InvalidPrice);
  bad.price = kMaxPrice + 1;
  EXPECT_EQ(reason(bad), RejectReason::InvalidPrice);
  bad.price = P(10) + 1;
  EXPECT_EQ(reason(bad), RejectReason::PriceOffTick);
  bad.price = P(21);
  EXPECT_EQ(reason(bad), RejectReason::PriceOutsideBand);
  bad.price = P(4);
  EXPECT_EQ(reason(bad), RejectReason::PriceOutsideBand);
  bad.price = P(5);
  rec.events.clear();
  eng.submit(bad, rec);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].type, EventType::Accepted);
  // Pool (max_orders = 1) is now full: even an IOC is rejected, after the other checks.
  NewOrder ioc = limit(0, Side::Sell, P(30), 10, TimeInForce::Ioc);
  EXPECT_EQ(reason(ioc), RejectReason::PriceOutsideBand);
  ioc.price = P(6);
  EXPECT_EQ(reason(ioc), RejectReason::CapacityExceeded);
  EXPECT_EQ(rec.events[0].order, (OrderView{kNoOrder, 0, 0, 100, Side::Sell, OrdType::Limit,
                                            TimeInForce::Ioc, P(6), 10, 0}));
}

TEST_F(RefBook, PriceTimePriorityTradesAtMakerPrice) {
  const OrderId a = rest(limit(0, Side::Sell, P(101), 5));
  const OrderId b = rest(limit(4, Side::Sell, P(100), 5));
  const OrderId c = rest(limit(0, Side::Sell, P(100), 5));
  auto ev = submit(limit(4, Side::Buy, P(102), 12, TimeInForce::Ioc, 77));
  ASSERT_EQ(types(ev), (std::vector<EventType>{EventType::Accepted, EventType::Trade,
                                               EventType::Trade, EventType::Trade}))
      << describe(ev);
  EXPECT_EQ(ev[1].maker.id, b);
  EXPECT_EQ(ev[1].trade_price, P(100));
  EXPECT_EQ(ev[1].order.filled, 5);
  EXPECT_EQ(ev[2].maker.id, c);
  EXPECT_EQ(ev[3].maker.id, a);
  EXPECT_EQ(ev[3].trade_price, P(101));
  EXPECT_EQ(ev[3].trade_qty, 2);
  EXPECT_EQ(ev[3].maker.filled, 2);
  EXPECT_EQ(ev[3].order.filled, 12);
  EXPECT_EQ(ev[3].order.client_ref, 77u);
  EXPECT_EQ(ev[3].order.price, P(102));
  EXPECT_EQ(eng.depth(0, Side::Sell), (std::vector<LevelView>{{P(101), 3, 1}}));
  EXPECT_EQ(eng.live_orders(), 1u);
}

TEST_F(RefBook, FokCancelRestingSkipsOwnOrdersInPrecheck) {
  rest(limit(1, Side::Sell, P(100), 5));  // own, would be skipped
  rest(limit(0, Side::Sell, P(100), 3));
  rest(limit(0, Side::Sell, P(105), 3));  // does not cross
  const auto hash = eng.state_hash();
  auto ev = submit(limit(1, Side::Buy, P(101), 4, TimeInForce::Fok));
  ASSERT_EQ(types(ev), (std::vector<EventType>{EventType::Accepted, EventType::Canceled}))
      << describe(ev);
  EXPECT_EQ(ev[1].cancel_reason, CancelReason::Unfilled);
  EXPECT_EQ(ev[1].order.filled, 0);
  EXPECT_EQ(eng.live_orders(), 3u);
  EXPECT_NE(eng.state_hash(), hash);  // ids advanced, book unchanged
  EXPECT_EQ(eng.depth(0, Side::Sell), (std::vector<LevelView>{{P(100), 8, 2}, {P(105), 3, 1}}));

  // Enough without the own order: the own order is canceled when reached.
  auto ev2 = submit(limit(1, Side::Buy, P(105), 6, TimeInForce::Fok));
  ASSERT_EQ(types(ev2), (std::vector<EventType>{EventType::Accepted, EventType::Canceled,
                                                EventType::Trade, EventType::Trade}))
      << describe(ev2);
  EXPECT_EQ(ev2[1].cancel_reason, CancelReason::SelfTradeResting);
  EXPECT_EQ(ev2[1].order.member, 1u);
  EXPECT_EQ(ev2[3].order.filled, 6);
  EXPECT_EQ(eng.live_orders(), 0u);
}

TEST_F(RefBook, FokCancelIncomingWalkEndsAtOwnOrder) {
  rest(limit(0, Side::Sell, P(100), 2));
  rest(limit(2, Side::Sell, P(100), 1));  // own: ends the walk
  rest(limit(0, Side::Sell, P(100), 10));
  auto ev = submit(limit(2, Side::Buy, P(100), 3, TimeInForce::Fok));
  ASSERT_EQ(types(ev), (std::vector<EventType>{EventType::Accepted, EventType::Canceled}))
      << describe(ev);
  EXPECT_EQ(ev[1].cancel_reason, CancelReason::Unfilled);
  // Fillable before the own order: trades, never reaches it.
  auto ev2 = submit(limit(2, Side::Buy, P(100), 2, TimeInForce::Fok));
  ASSERT_EQ(types(ev2), (std::vector<EventType>{EventType::Accepted, EventType::Trade}))
      << describe(ev2);
  EXPECT_EQ(eng.live_orders(), 2u);
}

TEST_F(RefBook, FokCancelBothEndsWalkAndStpNoneCountsOwnOrders) {
  rest(limit(3, Side::Buy, P(100), 5));
  rest(limit(0, Side::Buy, P(99), 5));
  auto ev = submit(limit(3, Side::Sell, P(99), 5, TimeInForce::Fok));
  ASSERT_EQ(types(ev), (std::vector<EventType>{EventType::Accepted, EventType::Canceled}))
      << describe(ev);
  EXPECT_EQ(ev[1].cancel_reason, CancelReason::Unfilled);
  // Member 0 (STP None) trades with itself.
  auto ev2 = submit(limit(0, Side::Sell, P(99), 10, TimeInForce::Fok));
  ASSERT_EQ(types(ev2),
            (std::vector<EventType>{EventType::Accepted, EventType::Trade, EventType::Trade}))
      << describe(ev2);
  EXPECT_EQ(ev2[2].maker.member, 0u);
}

TEST_F(RefBook, StpCancelBothCancelsMakerThenIncoming) {
  rest(limit(0, Side::Sell, P(100), 1));
  const OrderId own = rest(limit(3, Side::Sell, P(100), 4));
  rest(limit(0, Side::Sell, P(100), 1));
  auto ev = submit(limit(3, Side::Buy, P(100), 5, TimeInForce::Gtc));
  ASSERT_EQ(types(ev), (std::vector<EventType>{EventType::Accepted, EventType::Trade,
                                               EventType::Canceled, EventType::Canceled}))
      << describe(ev);
  EXPECT_EQ(ev[2].order.id, own);
  EXPECT_EQ(ev[2].cancel_reason, CancelReason::SelfTradeResting);
  EXPECT_EQ(ev[3].cancel_reason, CancelReason::SelfTradeIncoming);
  EXPECT_EQ(ev[3].order.filled, 1);
  EXPECT_EQ(eng.depth(0, Side::Buy).size(), 0u);  // GTC incoming did not rest
  EXPECT_EQ(eng.depth(0, Side::Sell), (std::vector<LevelView>{{P(100), 1, 1}}));
}

TEST_F(RefBook, StpCancelIncomingLeavesMaker) {
  const OrderId own = rest(limit(2, Side::Sell, P(100), 4));
  auto ev = submit(limit(2, Side::Buy, P(101), 5, TimeInForce::Day));
  ASSERT_EQ(types(ev), (std::vector<EventType>{EventType::Accepted, EventType::Canceled}))
      << describe(ev);
  EXPECT_EQ(ev[1].cancel_reason, CancelReason::SelfTradeIncoming);
  EXPECT_TRUE(eng.find(own).has_value());
  EXPECT_EQ(eng.live_orders(), 1u);
}

TEST_F(RefBook, ReplaceQtyDownSamePriceKeepsPriority) {
  const OrderId a = rest(limit(0, Side::Buy, P(100), 10, TimeInForce::Gtc, 1));
  const OrderId b = rest(limit(4, Side::Buy, P(100), 10, TimeInForce::Gtc, 2));
  auto ev = replace(0, a, P(100), 6, 11);
  ASSERT_EQ(types(ev), (std::vector<EventType>{EventType::Replaced})) << describe(ev);
  EXPECT_EQ(ev[0].order.qty, 6);
  EXPECT_EQ(ev[0].order.client_ref, 11u);
  EXPECT_EQ(eng.depth(0, Side::Buy), (std::vector<LevelView>{{P(100), 16, 2}}));
  auto hit = submit(limit(4, Side::Sell, P(100), 1, TimeInForce::Ioc));
  ASSERT_EQ(hit.size(), 2u);
  EXPECT_EQ(hit[1].maker.id, a);
  EXPECT_EQ(hit[1].maker.client_ref, 11u);
  // Same quantity, same price: still keeps its place.
  replace(0, a, P(100), 6, 12);
  hit = submit(limit(4, Side::Sell, P(100), 1, TimeInForce::Ioc));
  EXPECT_EQ(hit.at(1).maker.id, a);
  // Quantity up: loses priority.
  ev = replace(0, a, P(100), 8, 13);
  ASSERT_EQ(types(ev), (std::vector<EventType>{EventType::Replaced})) << describe(ev);
  EXPECT_EQ(ev[0].order.filled, 2);
  hit = submit(limit(4, Side::Sell, P(100), 1, TimeInForce::Ioc));
  EXPECT_EQ(hit.at(1).maker.id, b);
  EXPECT_EQ(eng.orders(0, Side::Buy).at(1).id, a);
}

TEST_F(RefBook, ReplacePriceChangeAndCrossingReplace) {
  const OrderId a = rest(limit(0, Side::Buy, P(100), 10));
  const OrderId b = rest(limit(4, Side::Buy, P(99), 10));
  rest(limit(4, Side::Sell, P(102), 4));
  // Price change: goes to the back of its new level.
  auto ev = replace(0, a, P(99), 10);
  ASSERT_EQ(types(ev), (std::vector<EventType>{EventType::Replaced}));
  EXPECT_EQ(eng.orders(0, Side::Buy).at(0).id, b);
  // Crossing replace: Replaced, then trades at the maker's price, rest remains at 103.
  ev = replace(0, a, P(103), 12, 5);
  ASSERT_EQ(types(ev), (std::vector<EventType>{EventType::Replaced, EventType::Trade}))
      << describe(ev);
  EXPECT_EQ(ev[0].order.price, P(103));
  EXPECT_EQ(ev[0].order.qty, 12);
  EXPECT_EQ(ev[1].trade_price, P(102));
  EXPECT_EQ(ev[1].order.id, a);
  EXPECT_EQ(ev[1].order.client_ref, 5u);
  EXPECT_EQ(eng.depth(0, Side::Buy), (std::vector<LevelView>{{P(103), 8, 1}, {P(99), 10, 1}}));
  // Below filled and the reject shows current state with the request's client_ref.
  ev = replace(0, a, P(103), 4, 99);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].reject_reason, RejectReason::ReplaceBelowFilled);
  EXPECT_EQ(ev[0].order,
            (OrderView{a, 99, 0, 100, Side::Buy, OrdType::Limit, TimeInForce::Gtc, P(103), 12, 4}));
  EXPECT_EQ(ev[0].instrument, 0u);
  ev = replace(0, a, P(103) + 1, 6);
  EXPECT_EQ(ev.at(0).reject_reason, RejectReason::PriceOffTick);
  ev = replace(0, a, 0, 0);
  EXPECT_EQ(ev.at(0).reject_reason, RejectReason::InvalidQuantity);  // quantity checks come first
}

TEST_F(RefBook, ReplaceWithStpCancelIncomingEndsOrder) {
  rest(limit(2, Side::Sell, P(101), 5));
  const OrderId a = rest(limit(2, Side::Buy, P(100), 5));
  auto ev = replace(2, a, P(101), 5);
  ASSERT_EQ(types(ev), (std::vector<EventType>{EventType::Replaced, EventType::Canceled}))
      << describe(ev);
  EXPECT_EQ(ev[1].cancel_reason, CancelReason::SelfTradeIncoming);
  EXPECT_FALSE(eng.find(a).has_value());
  EXPECT_EQ(cancel(2, a).at(0).reject_reason, RejectReason::OrderDone);
}

TEST_F(RefBook, CancelRejectsShowOnlyRequestFields) {
  const OrderId a = rest(limit(0, Side::Buy, P(100), 10, TimeInForce::Gtc, 5));
  auto ev = cancel(4, a, 9);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].reject_reason, RejectReason::NotOwner);
  OrderView expect{};
  expect.id = a;
  expect.client_ref = 9;
  expect.member = 4;
  EXPECT_EQ(ev[0].order, expect);
  EXPECT_EQ(ev[0].instrument, 0u);
  EXPECT_EQ(cancel(0, a + 1).at(0).reject_reason, RejectReason::UnknownOrder);
  EXPECT_EQ(cancel(0, kNoOrder).at(0).reject_reason, RejectReason::UnknownOrder);
  EXPECT_EQ(cancel(12, a).at(0).reject_reason, RejectReason::UnknownMember);
  ev = cancel(0, a, 3);
  ASSERT_EQ(types(ev), (std::vector<EventType>{EventType::Canceled}));
  EXPECT_EQ(ev[0].cancel_reason, CancelReason::Requested);
  EXPECT_EQ(ev[0].order.client_ref, 5u);  // the order's own client_ref
  EXPECT_EQ(cancel(0, a).at(0).reject_reason, RejectReason::OrderDone);
  EXPECT_EQ(replace(0, a, P(100), 5).at(0).reject_reason, RejectReason::OrderDone);
}

TEST(ReferenceBook, MarketOrdersSkipPriceChecksAndMatchInsideBand) {
  ReferenceEngine eng({spec(1'000'000, 1, 100, P(90), P(110))}, members());
  Recorder rec;
  eng.submit(limit(0, Side::Sell, P(100), 3), rec);
  eng.submit(limit(0, Side::Sell, P(110), 3), rec);  // band edge: inside
  rec.events.clear();
  // Price is ignored (here absurd) and reported as 0 once accepted.
  eng.submit(market(4, Side::Buy, 10, TimeInForce::Day, -5), rec);
  ASSERT_EQ(types(rec.events), (std::vector<EventType>{EventType::Accepted, EventType::Trade,
                                                       EventType::Trade, EventType::Canceled}))
      << describe(rec.events);
  EXPECT_EQ(rec.events[0].order.price, 0);
  EXPECT_EQ(rec.events[2].trade_price, P(110));
  EXPECT_EQ(rec.events[3].cancel_reason, CancelReason::Unfilled);  // market Day never rests
  EXPECT_EQ(rec.events[3].order.filled, 6);
  EXPECT_EQ(eng.live_orders(), 0u);
  // A rejected market order reports its price as given.
  rec.events.clear();
  eng.submit(market(4, Side::Buy, 1000, TimeInForce::Ioc, 12345), rec);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].reject_reason, RejectReason::QuantityAboveMax);
  EXPECT_EQ(rec.events[0].order.price, 12345);
  EXPECT_EQ(rec.events[0].order.type, OrdType::Market);
  // Market FOK: pre-check over every in-band level.
  eng.submit(limit(0, Side::Buy, P(90), 4), rec);
  eng.submit(limit(0, Side::Buy, P(95), 4), rec);
  rec.events.clear();
  eng.submit(market(4, Side::Sell, 9, TimeInForce::Fok), rec);
  ASSERT_EQ(types(rec.events), (std::vector<EventType>{EventType::Accepted, EventType::Canceled}));
  rec.events.clear();
  eng.submit(market(4, Side::Sell, 8, TimeInForce::Fok), rec);
  ASSERT_EQ(types(rec.events),
            (std::vector<EventType>{EventType::Accepted, EventType::Trade, EventType::Trade}));
  EXPECT_EQ(rec.events[1].trade_price, P(95));
  EXPECT_EQ(rec.events[2].trade_price, P(90));
}

TEST(ReferenceBook, MassCancelAndExpiryInCanonicalOrder) {
  ReferenceEngine eng({spec(), spec()}, members());
  Recorder rec;
  eng.submit(limit(0, Side::Sell, P(105), 1, TimeInForce::Day, 0, 1), rec);  // id 1
  eng.submit(limit(0, Side::Buy, P(99), 1, TimeInForce::Gtc, 0, 1), rec);    // id 2
  eng.submit(limit(0, Side::Sell, P(101), 1, TimeInForce::Day, 0, 0), rec);  // id 3
  eng.submit(limit(4, Side::Sell, P(101), 1, TimeInForce::Day, 0, 0), rec);  // id 4
  eng.submit(limit(0, Side::Sell, P(101), 1, TimeInForce::Gtc, 0, 0), rec);  // id 5
  eng.submit(limit(0, Side::Buy, P(98), 1, TimeInForce::Day, 0, 0), rec);    // id 6
  eng.submit(limit(0, Side::Buy, P(99), 1, TimeInForce::Day, 0, 0), rec);    // id 7
  rec.events.clear();
  eng.expire_day_orders(rec);
  std::vector<OrderId> ids;
  for (const auto& e : rec.events) {
    EXPECT_EQ(e.type, EventType::Expired);
    ids.push_back(e.order.id);
  }
  EXPECT_EQ(ids, (std::vector<OrderId>{7, 6, 3, 4, 1}));
  EXPECT_EQ(rec.events.back().instrument, 1u);
  rec.events.clear();
  eng.mass_cancel(0, rec);
  ids.clear();
  for (const auto& e : rec.events) {
    EXPECT_EQ(e.cancel_reason, CancelReason::MassCancel);
    ids.push_back(e.order.id);
  }
  EXPECT_EQ(ids, (std::vector<OrderId>{5, 2}));
  EXPECT_EQ(eng.live_orders(), 0u);
  rec.events.clear();
  eng.mass_cancel(77, rec);  // unknown member: nothing to cancel, no event
  EXPECT_TRUE(rec.events.empty());
}

TEST(ReferenceBook, StateHashWalksDocumentedWords) {
  ReferenceEngine eng({spec(), spec()}, members(), EngineOptions{.max_orders = 8, .id_base = 10});
  StateHasher empty;
  empty.add(11);
  empty.add(11);
  EXPECT_EQ(eng.state_hash(), empty.value());
  Recorder rec;
  eng.submit(limit(0, Side::Sell, P(105), 2, TimeInForce::Day, 42, 1), rec);  // id 11, inst 1
  eng.submit(limit(4, Side::Buy, P(99), 3, TimeInForce::Gtc, 43, 0), rec);    // id 12, inst 0
  StateHasher h;
  using W = std::vector<std::uint64_t>;
  for (std::uint64_t w : W{13, 13}) h.add(w);
  for (std::uint64_t w : W{12, 43, 4, 104, 0, 0, 1, static_cast<std::uint64_t>(P(99)), 3, 0})
    h.add(w);
  for (std::uint64_t w : W{11, 42, 0, 100, 1, 0, 0, static_cast<std::uint64_t>(P(105)), 2, 0})
    h.add(w);
  EXPECT_EQ(eng.state_hash(), h.value());
}

}  // namespace
