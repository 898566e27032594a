// Pre-trade risk in order entry (docs/RISK.md), in-process: each limit at
// its edge (at the limit passes, one unit over is refused), holds taken by
// orders and released or converted by cancels, fills, expiries and
// replaces, market orders at their band edge, the message rate, the
// controls (halt, kill, stop, session phase), and a randomized session in
// which the running figures always equal a recount from scratch and never
// exceed the limit, with requests answered at once or left in flight.
#include <random>

#include "gateway/order_entry_fixture.hpp"

namespace matchgate::gateway {
namespace {

using risk::LimitKey;

constexpr std::int64_t money(std::int64_t units) {
  return units * engine::kPriceScale;
}

class RiskTest : public OrderEntryTest {
 protected:
  const risk::MemberRisk& m1() { return entry_.risk().member(0); }
  void expect_recount_matches(engine::MemberId m) {
    const risk::MemberRisk running = entry_.risk().member(m);
    const risk::MemberRisk recount = entry_.recount_risk(m);
    EXPECT_EQ(static_cast<std::int64_t>(running.held), static_cast<std::int64_t>(recount.held));
    EXPECT_EQ(static_cast<std::int64_t>(running.exposure),
              static_cast<std::int64_t>(recount.exposure));
    EXPECT_EQ(running.open_orders, recount.open_orders);
  }
  void market(engine::MemberId member, const std::string& id, const std::string& side,
              const std::string& qty) {
    in(member, "D",
       "11=" + id + "|55=ACME|54=" + side + "|38=" + qty + "|40=1|60=20240315-09:30:00.000|");
  }
};

TEST_F(RiskTest, ACreditLimitIsReachedExactlyAndNotPassedByOneUnit) {
  entry_.risk().set_limit(0, LimitKey::CreditLimit, money(1000));
  order(0, "A", "1", "10", "100");  // 10 x 100.00 = 1000.00: exactly the limit
  expect(one(0), {{fix::tag::ExecType, "0"}});
  EXPECT_EQ(m1().credit_in_use(), money(1000));
  order(0, "B", "1", "1", "100");
  const Sent& r = one(0);
  expect(r, {{fix::tag::ExecType, "8"},
             {fix::tag::ClOrdID, "B"},
             {fix::tag::OrdRejReason, "3"},
             {fix::tag::Text, "credit limit 1000.00: in use 1000.00, order needs 100.00"}});
  // One unit (10^-8) below what the order needs: refused.
  cancel(0, "Ac", "A");
  one(0);
  entry_.risk().set_limit(0, LimitKey::CreditLimit, money(1000) - 1);
  order(0, "C", "1", "10", "100");
  expect(one(0), {{fix::tag::ExecType, "8"},
                  {fix::tag::Text, "credit limit 999.99999999: in use 0.00, order needs 1000.00"}});
  EXPECT_EQ(m1().credit_in_use(), 0);
}

TEST_F(RiskTest, AnOrderIsValuedAtTheHigherOfItsPriceAndTheReferencePrice) {
  entry_.risk().set_limit(0, LimitKey::CreditLimit, money(1000));
  order(0, "S", "2", "10", "60");  // a sell at 60.00 holds 10 x 100.00 (the reference)
  expect(one(0), {{fix::tag::ExecType, "0"}});
  EXPECT_EQ(m1().held, money(1000));
  order(0, "B", "1", "1", "60");
  expect(one(0), {{fix::tag::OrdRejReason, "3"}});
}

TEST_F(RiskTest, ACancelReleasesTheHoldAndAFillConvertsItIntoAPosition) {
  entry_.risk().set_limit(0, LimitKey::CreditLimit, money(1000));
  order(0, "A", "1", "10", "100");
  one(0);
  order(1, "X", "2", "4", "100");  // M2 sells 4 into it
  out(0);
  EXPECT_EQ(m1().held, money(600));
  EXPECT_EQ(m1().exposure, money(400));
  EXPECT_EQ(entry_.risk().position(0, 0), 4);
  expect_recount_matches(0);
  cancel(0, "Ac", "A");
  expect(one(0), {{fix::tag::ExecType, "4"}});
  EXPECT_EQ(m1().held, 0);
  EXPECT_EQ(m1().open_orders, 0);
  EXPECT_EQ(m1().credit_in_use(), money(400));  // the position stays
  order(0, "B", "1", "6", "100");               // 400 + 600 = the limit
  expect(one(0), {{fix::tag::ExecType, "0"}});
  // Selling reduces the position but, until it fills, holds like any order.
  order(0, "C", "2", "1", "100");
  expect(one(0), {{fix::tag::OrdRejReason, "3"}});
}

TEST_F(RiskTest, TheClosesExpiryReleasesDayOrdersHoldsAndGtcOrdersKeepTheirs) {
  entry_.risk().set_limit(0, LimitKey::CreditLimit, money(1500));
  order(0, "D", "1", "10", "100");          // Day: 1000
  order(0, "G", "1", "5", "100", "59=1|");  // GTC: 500
  out(0);
  EXPECT_EQ(m1().held, money(1500));
  router_.expire_day_orders();
  settle();
  expect(one(0), {{fix::tag::ExecType, "C"}, {fix::tag::ClOrdID, "D"}});
  EXPECT_EQ(m1().held, money(500));
  EXPECT_EQ(m1().open_orders, 1);
  expect_recount_matches(0);
  order(0, "N", "1", "10", "100");  // the released 1000 can be used again
  expect(one(0), {{fix::tag::ExecType, "0"}});
}

TEST_F(RiskTest, ReplacesRaiseTheHoldOnlyWithinTheLimitAndLowerItAlways) {
  entry_.risk().set_limit(0, LimitKey::CreditLimit, money(1100));
  order(0, "A", "1", "10", "100");
  one(0);
  replace(0, "A2", "A", "12", "100");  // needs 200 more: 1200 > 1100
  const Sent& r = one(0);
  expect(r, {{fix::tag::MsgType, "9"},
             {fix::tag::ClOrdID, "A2"},
             {fix::tag::OrigClOrdID, "A"},
             {fix::tag::CxlRejReason, "2"},
             {fix::tag::Text, "credit limit 1100.00: in use 1000.00, order needs 200.00"}});
  replace(0, "A3", "A", "11", "100");  // needs 100 more: exactly the limit
  expect(one(0), {{fix::tag::ExecType, "5"}});
  EXPECT_EQ(m1().credit_in_use(), money(1100));
  replace(0, "A4", "A3", "5", "100");
  expect(one(0), {{fix::tag::ExecType, "5"}});
  EXPECT_EQ(m1().held, money(500));
  EXPECT_EQ(m1().open_orders, 1);
  expect_recount_matches(0);
}

TEST_F(RiskTest, AMarketOrderIsValuedAtItsBandEdge) {
  entry_.risk().set_limit(0, LimitKey::CreditLimit, money(2000));
  market(0, "M", "1", "3");  // 3 x 1000.00 (the band's top) > 2000
  expect(one(0), {{fix::tag::ExecType, "8"},
                  {fix::tag::Text, "credit limit 2000.00: in use 0.00, order needs 3000.00"}});
  market(0, "M2", "1", "2");  // 2000: passes, finds nothing, its rest is canceled
  out(0);
  EXPECT_EQ(m1().credit_in_use(), 0);
  EXPECT_EQ(m1().open_orders, 0);
}

TEST_F(RiskTest, MaxOrderValueAndMaxOpenOrdersAtTheirEdges) {
  entry_.risk().set_limit(0, LimitKey::MaxOrderValue, money(500));
  entry_.risk().set_limit(0, LimitKey::MaxOpenOrders, 2);
  order(0, "A", "1", "5", "100");  // 500.00: at the limit
  expect(one(0), {{fix::tag::ExecType, "0"}});
  order(0, "B", "1", "1", "100.01");
  expect(one(0), {{fix::tag::ExecType, "0"}});
  order(0, "C", "1", "5", "100.01");  // 500.05
  expect(one(0), {{fix::tag::OrdRejReason, "3"},
                  {fix::tag::Text, "max order value 500.00: order value 500.05"}});
  order(0, "D", "1", "1", "100");
  expect(one(0), {{fix::tag::OrdRejReason, "3"}, {fix::tag::Text, "max open orders 2: open 2"}});
  cancel(0, "Bc", "B");
  one(0);
  order(0, "E", "1", "1", "100");
  expect(one(0), {{fix::tag::ExecType, "0"}});
  // Another member is not limited by M1's limits.
  order(1, "F", "1", "100", "100");
  expect(one(1), {{fix::tag::ExecType, "0"}});
}

TEST_F(RiskTest, TheMessageRateRefusesTheExcessAndRefillsWithTime) {
  entry_.risk().set_limit(0, LimitKey::MaxMessagesPerS, 2);
  order(0, "A", "1", "1", "100");
  order(0, "B", "1", "1", "100");
  order(0, "C", "1", "1", "100");
  const auto sent = out(0);
  ASSERT_EQ(sent.size(), 3U);
  expect(*sent[2], {{fix::tag::ExecType, "8"},
                    {fix::tag::ClOrdID, "C"},
                    {fix::tag::OrdRejReason, "99"},
                    {fix::tag::Text, "message rate limit 2/s (burst 2) exceeded"}});
  cancel(0, "Ac", "A");  // cancels are never refused for the rate
  expect(one(0), {{fix::tag::ExecType, "4"}});
  clock_.wall_ns += 500'000'000;  // half a second: one message
  order(0, "D", "1", "1", "100");
  expect(one(0), {{fix::tag::ExecType, "0"}});
  order(0, "E", "1", "1", "100");
  expect(one(0), {{fix::tag::ExecType, "8"}});
  order(1, "F", "1", "1", "100");  // M2 has no rate limit
  expect(one(1), {{fix::tag::ExecType, "0"}});
}

TEST_F(RiskTest, AHaltRefusesNewOrdersAndReplacesButNotCancels) {
  order(0, "A", "1", "10", "100");
  one(0);
  controls_.halt(0);
  order(0, "B", "1", "1", "100");
  expect(one(0), {{fix::tag::ExecType, "8"},
                  {fix::tag::OrdRejReason, "0"},
                  {fix::tag::Text, "instrument halted: ACME"}});
  replace(0, "A2", "A", "5", "100");
  expect(one(0), {{fix::tag::MsgType, "9"}, {fix::tag::CxlRejReason, "2"}});
  in(0, "D", "11=C|55=BOLT|54=1|38=1|40=2|44=10|60=20240315-09:30:00.000|");
  expect(one(0), {{fix::tag::ExecType, "0"}});  // another instrument trades on
  cancel(0, "Ac", "A");
  expect(one(0), {{fix::tag::ExecType, "4"}});
  controls_.resume(0);
  order(0, "D", "1", "1", "100");
  expect(one(0), {{fix::tag::ExecType, "0"}});
}

TEST_F(RiskTest, AKilledMemberAndAStoppedVenueAndAClosedSessionRefuseWithTheirReasons) {
  controls_.kill(0);
  order(0, "A", "1", "1", "100");
  expect(one(0), {{fix::tag::OrdRejReason, "0"},
                  {fix::tag::Text, "member stopped by the operator (kill switch)"}});
  order(1, "B", "1", "1", "100");
  expect(one(1), {{fix::tag::ExecType, "0"}});
  controls_.release(0);
  controls_.stop();
  order(1, "C", "1", "1", "100");
  expect(one(1),
         {{fix::tag::OrdRejReason, "2"}, {fix::tag::Text, "trading stopped by the operator"}});
  controls_.resume_all();
  controls_.set_phase(risk::TradingPhase::PreOpen, 20240315, kT0);
  order(1, "D", "1", "1", "100");
  expect(one(1), {{fix::tag::OrdRejReason, "2"}});
  controls_.set_phase(risk::TradingPhase::Closed, 20240315, kT0);
  order(1, "E", "1", "1", "100");
  expect(one(1), {{fix::tag::OrdRejReason, "2"}, {fix::tag::Text, "trading session closed"}});
  // A refused order leaves its ClOrdID free for the same order later.
  controls_.set_phase(risk::TradingPhase::Open, 20240315, kT0);
  order(1, "E", "1", "1", "100");
  expect(one(1), {{fix::tag::ExecType, "0"}});
}

// Self-trade prevention cancels the resting order: its hold is released.
class SelfTradeRiskTest : public OrderEntryTest {
 protected:
  SelfTradeRiskTest() : OrderEntryTest({{engine::StpMode::CancelResting}, {}}) {}
};

TEST_F(SelfTradeRiskTest, AnOrderCanceledBySelfTradePreventionReleasesItsHold) {
  entry_.risk().set_limit(0, LimitKey::CreditLimit, money(2000));
  order(0, "A", "2", "10", "100");
  one(0);
  order(0, "B", "1", "10", "100");  // would trade with A: A is canceled, B rests
  out(0);
  EXPECT_EQ(entry_.risk().member(0).held, money(1000));
  EXPECT_EQ(entry_.risk().member(0).open_orders, 1);
  EXPECT_EQ(entry_.risk().position(0, 0), 0);
}

// Two replaces of one order in flight at once, both naming its first
// ClOrdID: the second replaces the order as the first left it, and the
// order has one record, one hold, one open order.
TEST_F(RiskTest, TwoReplacesInFlightLeaveOneOpenOrderHoldingItsLastTerms) {
  order(0, "A", "1", "10", "100");
  out(0);
  const auto unsettled = [&](const std::string& body) {
    const std::uint64_t seq = next_seq_[0]++;
    frames_.push_back(std::make_unique<std::string>(make_message(
        "35=G|49=M1|56=GW|34=" + std::to_string(seq) + "|52=20240315-09:30:00.000|" + body)));
    fix::MessageView m;
    ASSERT_TRUE(m.parse(*frames_.back()).ok());
    entry_.on_message(0, seq, m);
  };
  unsettled("11=A2|41=A|55=ACME|54=1|38=12|40=2|44=100|60=20240315-09:30:00.000|");
  unsettled("11=A3|41=A|55=ACME|54=1|38=5|40=2|44=100|60=20240315-09:30:00.000|");
  settle();
  const auto sent = out(0);
  ASSERT_EQ(sent.size(), 2U);
  expect(*sent[1],
         {{fix::tag::ExecType, "5"}, {fix::tag::ClOrdID, "A3"}, {fix::tag::OrigClOrdID, "A"}});
  EXPECT_EQ(m1().open_orders, 1);
  EXPECT_EQ(m1().held, money(500));
  expect_recount_matches(0);
  status(0, "A2");  // the intermediate ClOrdID finds the order as it is now
  expect(one(0), {{fix::tag::OrderQty, "5"}, {fix::tag::OrdStatus, "0"}});
  cancel(0, "Ac", "A3");
  expect(one(0), {{fix::tag::ExecType, "4"}});
  EXPECT_EQ(m1().open_orders, 0);
  EXPECT_EQ(m1().held, 0);
}

TEST_F(RiskTest, ARandomSessionKeepsRunningFiguresEqualToARecountAndWithinTheLimit) {
  const std::int64_t limit = money(5000);
  entry_.risk().set_limit(0, LimitKey::CreditLimit, limit);
  entry_.risk().set_limit(1, LimitKey::CreditLimit, limit);
  std::mt19937_64 rng(12345);
  std::vector<std::vector<std::string>> live(2);
  std::map<engine::MemberId, engine::Qty> positions;  // from the fills reported
  int next_id = 0;
  for (int step = 0; step < 3000; ++step) {
    // A third of the messages go out before the earlier ones are answered.
    settle_each_ = rng() % 3 != 0;
    const auto member = static_cast<engine::MemberId>(rng() % 2);
    const unsigned action = rng() % 10;
    std::vector<std::string>& ids = live[member];
    if (action < 6 || ids.empty()) {
      const std::string id = "O" + std::to_string(next_id++);
      const std::string price = std::to_string(90 + rng() % 21);
      order(member, id, rng() % 2 == 0 ? "1" : "2", std::to_string(1 + rng() % 20), price);
      ids.push_back(id);
    } else if (action < 8) {
      const std::size_t k = rng() % ids.size();
      cancel(member, "C" + std::to_string(next_id++), ids[k]);
      ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(k));
    } else {
      const std::size_t k = rng() % ids.size();
      const std::string id = "R" + std::to_string(next_id++);
      replace(member, id, ids[k], std::to_string(1 + rng() % 25), std::to_string(90 + rng() % 21));
      ids[k] = id;
    }
    for (engine::MemberId m = 0; m < 2; ++m) {
      for (const Sent* s : out(m)) {
        if (s->type() == "8" && s->get(fix::tag::ExecType) == "F") {
          const engine::Qty q = std::stoll(s->get(fix::tag::LastQty));
          positions[m] += s->get(fix::tag::Side) == "1" ? q : -q;
        }
      }
      expect_recount_matches(m);
      EXPECT_EQ(entry_.risk().position(m, 0), positions[m]);
      ASSERT_LE(entry_.risk().member(m).credit_in_use(), limit) << "step " << step;
    }
  }
  settle();
  for (engine::MemberId m = 0; m < 2; ++m) expect_recount_matches(m);
}

}  // namespace
}  // namespace matchgate::gateway
