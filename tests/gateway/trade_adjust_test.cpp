// An operator's trade bust and correction, in process: the real Controls
// command on the real OrderEntry (ledger, pre-trade risk, reports), with
// the engine shard stepped by the fixture. docs/ADMIN.md (commands),
// docs/FIX.md (ExecType H / G), docs/CLEARING.md (figures).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/order_entry_fixture.hpp"
#include "matchgate/fix/field_check.hpp"
#include "matchgate/gateway/controls.hpp"

namespace matchgate::gateway {
namespace {

constexpr std::int32_t kToday = 20240315;

// ACME: maker 0.01 per unit, taker 10 bp of the notional; tick 0.01.
NetworkOptions clearing_options() {
  NetworkOptions o = options();
  o.instruments[0].tick = kScale / 100;
  clearing::FeeRates acme;
  acme.maker.per_unit = kScale / 100;
  acme.taker.bps_e4 = 10 * 10'000;
  o.clearing.instruments = {{"ACME", false, acme}, {"BOLT", false, {}}};
  // M1's back office: a drop copy of M1's ExecutionReports.
  MemberOptions drop_copy{"DC1", "", {"DC1-A"}, false, {}, {}};
  drop_copy.drop_copy_for = {0};
  o.members.push_back(drop_copy);
  return o;
}

class TradeAdjustTest : public OrderEntryTest {
 protected:
  TradeAdjustTest()
      : OrderEntryTest({{}, {}}, clearing_options()),
        controls_cmd_(options_, controls_, entry_, router_, answers_, sessions_, clock_) {
    controls_.set_phase(risk::TradingPhase::Open, kToday, kT0);
  }

  // M2 rests 10 @ 100 (the maker), M1 takes 4 (the taker): one trade.
  // Returns its id, read from M1's fill report as an operator would.
  std::string trade() {
    order(1, "S1", "2", "10", "100");
    order(0, "B1", "1", "4", "100");
    const auto taker_reports = out(0);
    EXPECT_EQ(taker_reports.size(), 2U);  // its New, then its fill
    const Sent& taker_fill = *taker_reports.back();
    EXPECT_EQ(taker_fill.get(fix::tag::ExecType), "F");
    taker_exec_id_ = taker_fill.get(fix::tag::ExecID);
    const auto maker_reports = out(1);
    EXPECT_EQ(maker_reports.size(), 2U);  // its New, then its fill
    maker_exec_id_ = maker_reports.back()->get(fix::tag::ExecID);
    EXPECT_EQ(out(2).size(), 2U);  // the copies of M1's two reports
    return std::to_string(std::stoull(taker_exec_id_) / 2);
  }
  ControlAnswer command(std::vector<std::string> words) {
    return controls_cmd_.execute("uid 0 (root) as \"test\"", words);
  }
  const clearing::Ledger& ledger() { return entry_.trade_book().ledger(); }
  clearing::Position position(engine::MemberId member, engine::AccountId account = 0) {
    const clearing::Position* p = ledger().find({member, account, 0});
    return p != nullptr ? *p : clearing::Position{};
  }
  void expect_risk_recounted() {
    for (engine::MemberId m = 0; m < 2; ++m) {
      const risk::MemberRisk running = entry_.risk().member(m);
      const risk::MemberRisk recount = entry_.recount_risk(m);
      EXPECT_EQ(static_cast<std::int64_t>(running.held), static_cast<std::int64_t>(recount.held));
      EXPECT_EQ(static_cast<std::int64_t>(running.exposure),
                static_cast<std::int64_t>(recount.exposure));
    }
  }
  // The report passes the profile check a member's engine makes.
  void expect_in_profile(const Sent& m) {
    const fix::FieldProblem p = fix::check_fields(m.view, fix::FieldValidation::Strict);
    EXPECT_TRUE(p.ok()) << fix::to_text(p.reason) << " tag " << p.tag << " in " << m.bytes;
  }

  Controls controls_cmd_;
  std::string taker_exec_id_;
  std::string maker_exec_id_;
};

TEST_F(TradeAdjustTest, ABustTakesTheTradeBackAndTellsBothMembers) {
  const std::string id = trade();
  ASSERT_EQ(position(0).bought, 4);
  ASSERT_EQ(entry_.risk().position(0, 0), 4);
  ASSERT_GT(entry_.risk().member(0).exposure, 0);

  const ControlAnswer a = command({"bust", id});
  ASSERT_TRUE(a.ok) << a.text;
  EXPECT_NE(a.text.find("busted trade " + id), std::string::npos) << a.text;

  // The taker's order was filled and stays so; nothing of it is executed now.
  const Sent& m1 = one(0);
  expect(m1, {{fix::tag::MsgType, "8"},
              {fix::tag::ExecType, "H"},
              {fix::tag::ExecRefID, taker_exec_id_},
              {fix::tag::ClOrdID, "B1"},
              {fix::tag::Symbol, "ACME"},
              {fix::tag::Side, "1"},
              {fix::tag::LastQty, "4"},
              {fix::tag::LastPx, "100"},
              {fix::tag::OrdStatus, "2"},
              {fix::tag::CumQty, "0"},
              {fix::tag::LeavesQty, "0"},
              {fix::tag::AvgPx, "0"}});
  EXPECT_EQ(m1.get(fix::tag::ExecID).front(), 'G');
  EXPECT_FALSE(m1.has(fix::tag::Commission));
  expect_in_profile(m1);
  // The maker's order rests with 6 left; its 4 are no longer executed.
  const Sent& m2 = one(1);
  expect(m2, {{fix::tag::ExecType, "H"},
              {fix::tag::ExecRefID, maker_exec_id_},
              {fix::tag::ClOrdID, "S1"},
              {fix::tag::Side, "2"},
              {fix::tag::OrdStatus, "1"},
              {fix::tag::CumQty, "0"},
              {fix::tag::LeavesQty, "6"}});
  expect_in_profile(m2);
  // M1's drop copy gets the bust too.
  const Sent& copy = one(2);
  expect(copy, {{fix::tag::ExecType, "H"},
                {fix::tag::ExecRefID, taker_exec_id_},
                {fix::tag::OnBehalfOfCompID, "M1"},
                {fix::tag::CopyMsgIndicator, "Y"}});

  EXPECT_EQ(position(0), (clearing::Position{}));
  EXPECT_EQ(position(1), (clearing::Position{}));
  EXPECT_TRUE(ledger().obligations().empty());
  EXPECT_EQ(ledger().fees_collected(), 0);
  EXPECT_EQ(ledger().check(), std::nullopt);
  EXPECT_EQ(entry_.risk().position(0, 0), 0);
  EXPECT_EQ(entry_.risk().position(1, 0), 0);
  EXPECT_EQ(entry_.risk().member(0).exposure, 0);
  expect_risk_recounted();
}

TEST_F(TradeAdjustTest, ACorrectionBooksTheNewValuesWithFeesComputedAgain) {
  const std::string id = trade();
  // 4 @ 100: taker fee 0.4 (10 bp of 400), maker fee 0.04.
  ASSERT_EQ(position(0).fees, 40'000'000);

  const ControlAnswer a = command({"correct", id, "101.5", "3"});
  ASSERT_TRUE(a.ok) << a.text;

  // 3 @ 101.5: the taker pays 10 bp of 304.5 = 0.3045 -> 0.30; the maker
  // 0.01 x 3 = 0.03.
  const Sent& m1 = one(0);
  expect(m1, {{fix::tag::ExecType, "G"},
              {fix::tag::ExecRefID, taker_exec_id_},
              {fix::tag::LastQty, "3"},
              {fix::tag::LastPx, "101.5"},
              {fix::tag::Commission, "0.3"},
              {fix::tag::CommType, "3"},
              {fix::tag::CumQty, "3"},
              {fix::tag::AvgPx, "101.5"}});
  expect_in_profile(m1);
  const Sent& m2 = one(1);
  expect(m2, {{fix::tag::ExecType, "G"},
              {fix::tag::ExecRefID, maker_exec_id_},
              {fix::tag::Commission, "0.03"},
              {fix::tag::CumQty, "3"},
              {fix::tag::LeavesQty, "6"}});
  expect_in_profile(m2);

  const clearing::Position buyer = position(0);
  EXPECT_EQ(buyer.bought, 3);
  EXPECT_EQ(buyer.bought_value, 3 * 10'150'000'000LL);
  EXPECT_EQ(buyer.fees, 30'000'000);
  EXPECT_EQ(buyer.trades, 1);
  EXPECT_EQ(position(1).sold, 3);
  EXPECT_EQ(position(1).fees, 3'000'000);
  EXPECT_EQ(ledger().fees_collected(), 33'000'000);
  EXPECT_EQ(ledger().member_cash(0), -(3 * 10'150'000'000LL + 30'000'000));
  EXPECT_EQ(ledger().check(), std::nullopt);
  EXPECT_EQ(entry_.risk().position(0, 0), 3);
  EXPECT_EQ(entry_.risk().position(1, 0), -3);
  expect_risk_recounted();

  // The corrected trade can be busted: its corrected values are taken back.
  ASSERT_TRUE(command({"bust", id}).ok);
  EXPECT_EQ(one(0).get(fix::tag::LastPx), "101.5");
  EXPECT_EQ(position(0).bought, 0);
  EXPECT_EQ(entry_.risk().position(0, 0), 0);
  EXPECT_EQ(ledger().check(), std::nullopt);
  expect_risk_recounted();
}

TEST_F(TradeAdjustTest, BadOrUnknownTradesAndValuesAreRefusedAndChangeNothing) {
  const std::string id = trade();
  const clearing::Ledger before = ledger();
  const auto refused = [&](std::vector<std::string> words, const std::string& why) {
    const ControlAnswer a = command(words);
    EXPECT_FALSE(a.ok) << words[0];
    EXPECT_NE(a.text.find(why), std::string::npos) << a.text;
    EXPECT_EQ(a.logged_at, 0U);
  };
  refused({"bust", "999"}, "no trade 999 on business date 20240315");
  refused({"bust", "x1"}, "not a number");
  refused({"bust", "0"}, "not a number > 0");
  refused({"correct", id, "100.001", "4"}, "tick (0.01)");
  refused({"correct", id, "0", "4"}, "not a price > 0");
  refused({"correct", id, "100", "0"}, "whole number > 0");
  refused({"correct", id, "100", "2.5"}, "whole number > 0");
  refused({"correct", id, "100", "-1"}, "whole number > 0");
  EXPECT_TRUE(out(0).empty());
  EXPECT_TRUE(out(1).empty());
  EXPECT_TRUE(ledger() == before);
  // The same values: nothing to correct.
  const ControlAnswer same = command({"correct", id, "100", "4"});
  EXPECT_TRUE(same.ok);
  EXPECT_NE(same.text.find("nothing done"), std::string::npos) << same.text;

  ASSERT_TRUE(command({"bust", id}).ok);
  out(0);
  out(1);
  refused({"bust", id}, "already busted");
  EXPECT_TRUE(out(0).empty());
  EXPECT_EQ(entry_.risk().position(0, 0), 0);
  // A correction of a busted trade reinstates it at the new values (what
  // completes a correction a crash cut short after its bust).
  const ControlAnswer reinstated = command({"correct", id, "100", "2"});
  ASSERT_TRUE(reinstated.ok) << reinstated.text;
  EXPECT_NE(reinstated.text.find("reinstated busted trade"), std::string::npos) << reinstated.text;
  EXPECT_EQ(entry_.risk().position(0, 0), 2);
  bool busted = true;
  const records::TradeRecord* now = ledger().find_trade(std::stoull(id), &busted);
  ASSERT_NE(now, nullptr);
  EXPECT_FALSE(busted);
  EXPECT_EQ(now->qty, 2);
  EXPECT_EQ(ledger().check(), std::nullopt);
  const auto told = out(0);
  ASSERT_EQ(told.size(), 1U);
  EXPECT_EQ(told[0]->get(fix::tag::ExecType), "G");
  EXPECT_EQ(told[0]->get(fix::tag::LastQty), "2");
}

TEST_F(TradeAdjustTest, OnlyTheCurrentBusinessDatesTradesCanBeAdjusted) {
  const std::string id = trade();
  // The trading day moved on but the ledger has not rolled yet (no phase
  // change applied to it): the trade is of an earlier date.
  controls_.set_phase(risk::TradingPhase::Open, 20240318, kT0 + 1);
  const ControlAnswer earlier = command({"bust", id});
  EXPECT_FALSE(earlier.ok);
  EXPECT_NE(earlier.text.find("of business date 20240315, not the current one (20240318)"),
            std::string::npos)
      << earlier.text;
  // Rolled: the earlier date's trades are gone from the ledger.
  entry_.trade_book().roll_to(20240318);
  const ControlAnswer gone = command({"bust", id});
  EXPECT_FALSE(gone.ok);
  EXPECT_NE(gone.text.find("no trade " + id + " on business date 20240318"), std::string::npos)
      << gone.text;
  EXPECT_TRUE(out(0).empty());
  EXPECT_EQ(entry_.risk().position(0, 0), 4);
}

class TradeAdjustWithoutClearingTest : public OrderEntryTest {
 protected:
  static NetworkOptions without_clearing() {
    NetworkOptions o = options();
    o.clearing.enabled = false;
    return o;
  }
  TradeAdjustWithoutClearingTest() : OrderEntryTest({{}, {}}, without_clearing()) {}
};

TEST_F(TradeAdjustWithoutClearingTest, IsRefusedWhenClearingIsOff) {
  Controls controls(options_, controls_, entry_, router_, answers_, sessions_, clock_);
  order(1, "S1", "2", "10", "100");
  order(0, "B1", "1", "4", "100");
  const ControlAnswer a = controls.execute("test", std::vector<std::string>{"bust", "1"});
  EXPECT_FALSE(a.ok);
  EXPECT_NE(a.text.find("clearing is off"), std::string::npos) << a.text;
}

}  // namespace
}  // namespace matchgate::gateway
