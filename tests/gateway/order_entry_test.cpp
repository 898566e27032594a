// Order entry in-process: the real OrderEntry, Answers, sessions and shard
// router, a real engine shard driven step by step, and a sink that records
// every message the members' sessions send (the Parity recording-listener
// pattern). Covers the correlation rules (every answer carries the
// request's ClOrdID, and OrigClOrdID / OrdStatusReqID where it named one),
// retries before and after replace, cancel and fill, status by every
// ClOrdID of an order's chain, and each reject shape.
#include <set>

#include "gateway/order_entry_fixture.hpp"
#include "matchgate/fix/field_check.hpp"

namespace matchgate::gateway {
namespace {

// ---- Correlation: every answer carries the request's identifiers ----

TEST_F(OrderEntryTest, ARetryAfterAReplaceIsAnsweredWithTheRetrysClOrdId) {
  order(0, "R1", "1", "10", "100");
  const std::string order_id = one(0).get(fix::tag::OrderID);
  replace(0, "R1r", "R1", "7", "100");
  expect(one(0),
         {{fix::tag::ExecType, "5"}, {fix::tag::ClOrdID, "R1r"}, {fix::tag::OrigClOrdID, "R1"}});
  order(0, "R1", "1", "10", "100");  // the member's engine retries the original
  const Sent& a = one(0);
  expect(a, {{fix::tag::ExecType, "I"},
             {fix::tag::ClOrdID, "R1"},
             {fix::tag::OrderID, order_id},
             {fix::tag::OrdStatus, "0"},
             {fix::tag::OrderQty, "7"}});
  EXPECT_FALSE(a.has(fix::tag::OrigClOrdID));
}

TEST_F(OrderEntryTest, ARetryAfterACancelOrAFillShowsTheOrdersStateUnderItsOwnClOrdId) {
  order(0, "C1", "1", "10", "100");
  out(0);
  cancel(0, "C1x", "C1");
  out(0);
  order(0, "C1", "1", "10", "100");
  expect(one(0),
         {{fix::tag::ExecType, "I"}, {fix::tag::ClOrdID, "C1"}, {fix::tag::OrdStatus, "4"}});
  order(0, "F1", "1", "5", "100");
  out(0);
  order(1, "S1", "2", "5", "100");
  out(0);
  order(0, "F1", "1", "5", "100");
  expect(one(0), {{fix::tag::ExecType, "I"},
                  {fix::tag::ClOrdID, "F1"},
                  {fix::tag::OrdStatus, "2"},
                  {fix::tag::CumQty, "5"},
                  {fix::tag::AvgPx, "100"}});
}

TEST_F(OrderEntryTest, ARepeatedCancelCarriesItsClOrdIdAndOrigClOrdId) {
  order(0, "Y1", "1", "10", "100");
  out(0);
  cancel(0, "CY1", "Y1");
  expect(one(0),
         {{fix::tag::ExecType, "4"}, {fix::tag::ClOrdID, "CY1"}, {fix::tag::OrigClOrdID, "Y1"}});
  cancel(0, "CY1", "Y1");
  expect(one(0), {{fix::tag::ExecType, "I"},
                  {fix::tag::ClOrdID, "CY1"},
                  {fix::tag::OrigClOrdID, "Y1"},
                  {fix::tag::OrdStatus, "4"}});
}

TEST_F(OrderEntryTest, ARepeatedReplaceCarriesItsClOrdIdAndOrigClOrdId) {
  order(0, "P1", "1", "10", "100");
  out(0);
  replace(0, "P2", "P1", "8", "101");
  out(0);
  replace(0, "P2", "P1", "8", "101");
  expect(one(0), {{fix::tag::ExecType, "I"},
                  {fix::tag::ClOrdID, "P2"},
                  {fix::tag::OrigClOrdID, "P1"},
                  {fix::tag::OrderQty, "8"},
                  {fix::tag::Price, "101"}});
}

TEST_F(OrderEntryTest, EveryClOrdIdOfAChainFindsTheOrderAndTheAnswerCarriesTheOneAsked) {
  order(0, "A", "1", "10", "100");
  const std::string order_id = one(0).get(fix::tag::OrderID);
  replace(0, "B", "A", "9", "100");
  out(0);
  replace(0, "C", "B", "8", "100");
  out(0);
  cancel(0, "D", "C");
  expect(one(0),
         {{fix::tag::ExecType, "4"}, {fix::tag::ClOrdID, "D"}, {fix::tag::OrigClOrdID, "C"}});
  for (const char* id : {"A", "B", "C", "D"}) {
    status(0, id, "790=req-" + std::string(id) + "|");
    expect(one(0), {{fix::tag::ExecType, "I"},
                    {fix::tag::ClOrdID, id},
                    {fix::tag::OrdStatusReqID, "req-" + std::string(id)},
                    {fix::tag::OrderID, order_id},
                    {fix::tag::OrdStatus, "4"},
                    {fix::tag::OrderQty, "8"}});
  }
}

TEST_F(OrderEntryTest, AStatusRequestForAnUnknownClOrdIdSaysSoAndEchoesWhatItCan) {
  status(0, "nope", "790=s1|");
  expect(one(0), {{fix::tag::ExecType, "I"},
                  {fix::tag::OrdStatus, "8"},
                  {fix::tag::ClOrdID, "nope"},
                  {fix::tag::OrdStatusReqID, "s1"},
                  {fix::tag::OrderID, "NONE"},
                  {fix::tag::Symbol, "ACME"},
                  {fix::tag::Side, "1"},
                  {fix::tag::Text, "unknown order"}});
}

TEST_F(OrderEntryTest, ACancelNamingAnEarlierClOrdIdIsAnsweredWithTheOneItNamed) {
  order(0, "E1", "1", "10", "100");
  out(0);
  replace(0, "E2", "E1", "9", "100");
  out(0);
  cancel(0, "E3", "E1");
  expect(one(0),
         {{fix::tag::ExecType, "4"}, {fix::tag::ClOrdID, "E3"}, {fix::tag::OrigClOrdID, "E1"}});
}

// ---- Trades report to both sides ----

TEST_F(OrderEntryTest, ATradeIsReportedToBothSidesWithDistinctExecIds) {
  order(0, "B1", "1", "10", "100.25");
  out(0);
  order(1, "S1", "2", "4", "100");
  const auto seller = out(1);
  ASSERT_EQ(seller.size(), 2U);
  expect(*seller[1], {{fix::tag::ExecType, "F"},
                      {fix::tag::LastQty, "4"},
                      {fix::tag::LastPx, "100.25"},
                      {fix::tag::OrdStatus, "2"},
                      {fix::tag::LeavesQty, "0"}});
  const Sent& buyer = one(0);
  expect(buyer, {{fix::tag::ExecType, "F"},
                 {fix::tag::ClOrdID, "B1"},
                 {fix::tag::OrdStatus, "1"},
                 {fix::tag::LeavesQty, "6"},
                 {fix::tag::CumQty, "4"}});
  EXPECT_NE(buyer.get(fix::tag::ExecID), seller[1]->get(fix::tag::ExecID));
}

// ---- Each reject shape ----

TEST_F(OrderEntryTest, NewOrdersTheGatewayRefusesGetAnExecutionReportWithReasonAndText) {
  in(0, "D", "11=x1|55=NOPE|54=1|38=1|40=2|44=1|60=20240315-09:30:00.000|");
  expect(one(0), {{fix::tag::ExecType, "8"},
                  {fix::tag::OrdRejReason, "1"},
                  {fix::tag::Text, "unknown symbol"},
                  {fix::tag::ClOrdID, "x1"},
                  {fix::tag::OrderID, "NONE"},
                  {fix::tag::Symbol, "NOPE"}});
  order(0, "x2", "1", "1", "100", "1=ZZZ|");
  expect(one(0), {{fix::tag::OrdRejReason, "99"},
                  {fix::tag::Text, "unknown account"},
                  {fix::tag::Account, "ZZZ"}});
  order(0, "x3", "1", "1.5", "100");
  expect(one(0),
         {{fix::tag::OrdRejReason, "13"}, {fix::tag::Text, "quantity must be a whole number"}});
  order(0, "x4", "1", "1", "100.001");  // off the 0.01 tick: the engine decides
  const Sent& tick = one(0);
  expect(tick, {{fix::tag::ExecType, "8"},
                {fix::tag::OrdRejReason, "99"},
                {fix::tag::Text, "price not a multiple of the tick size"},
                {fix::tag::OrderID, "NONE"},
                {fix::tag::OrdType, "2"},
                {fix::tag::TimeInForce, "0"}});
  order(0, "x5", "1", "1", "100");
  out(0);
  order(0, "x5", "1", "2", "100");  // same ClOrdID, another request
  expect(one(0), {{fix::tag::OrdRejReason, "6"},
                  {fix::tag::Text, "duplicate ClOrdID"},
                  {fix::tag::ClOrdID, "x5"}});
}

TEST_F(OrderEntryTest, MalformedOrderMessagesGetASessionRejectNamingTheTag) {
  in(0, "D", "11=m1|55=ACME|54=1|40=2|44=1|60=20240315-09:30:00.000|");
  const Sent& r = one(0);
  expect(r, {{fix::tag::MsgType, "3"},
             {fix::tag::RefTagID, "38"},
             {fix::tag::RefMsgType, "D"},
             {fix::tag::SessionRejectReason, "1"},
             {fix::tag::RefSeqNum, "2"}});
  in(0, "D", "11=m2|55=ACME|54=7|38=1|40=2|44=1|60=20240315-09:30:00.000|");
  expect(one(0), {{fix::tag::RefTagID, "54"}, {fix::tag::SessionRejectReason, "5"}});
  in(0, "D", "11=m3|55=ACME|54=1|38=1|40=2|44=1.2.3|60=20240315-09:30:00.000|");
  expect(one(0), {{fix::tag::RefTagID, "44"}, {fix::tag::SessionRejectReason, "6"}});
}

TEST_F(OrderEntryTest, AnUnsupportedMessageTypeGetsABusinessMessageReject) {
  in(0, "R", "131=q1|");
  expect(one(0), {{fix::tag::MsgType, "j"},
                  {fix::tag::RefMsgType, "R"},
                  {fix::tag::BusinessRejectReason, "3"},
                  {fix::tag::RefSeqNum, "2"}});
}

TEST_F(OrderEntryTest, CancelsTheGatewayRefusesGetAnOrderCancelRejectWithTheRequestsIds) {
  cancel(0, "k1", "ghost");
  expect(one(0), {{fix::tag::MsgType, "9"},
                  {fix::tag::CxlRejReason, "1"},
                  {fix::tag::ClOrdID, "k1"},
                  {fix::tag::OrigClOrdID, "ghost"},
                  {fix::tag::OrdStatus, "8"},
                  {fix::tag::CxlRejResponseTo, "1"}});
  order(0, "k2", "1", "10", "100");
  out(0);
  in(0, "G", "11=k3|41=k2|55=BOLT|38=5|40=2|44=100|60=20240315-09:30:00.000|");
  expect(one(0), {{fix::tag::CxlRejReason, "99"},
                  {fix::tag::Text, "Symbol and Side cannot change"},
                  {fix::tag::CxlRejResponseTo, "2"},
                  {fix::tag::OrdStatus, "0"}});
  cancel(0, "k4", "k2");
  out(0);
  cancel(0, "k5", "k2");
  expect(one(0), {{fix::tag::CxlRejReason, "0"},
                  {fix::tag::Text, "order already done"},
                  {fix::tag::OrdStatus, "4"}});
  cancel(0, "k4", "k2x");  // the cancel's ClOrdID again, for another request
  expect(one(0), {{fix::tag::CxlRejReason, "6"}, {fix::tag::Text, "duplicate ClOrdID"}});
}

TEST_F(OrderEntryTest, AReplaceTheEngineRefusesIsAnOrderCancelRejectAndItsRetryTheSameReject) {
  order(0, "g1", "1", "10", "100");
  order(1, "g-s", "2", "6", "100");  // fills 6
  out(0);
  replace(0, "g2", "g1", "5", "100");  // at or below the filled quantity
  const Sent& rej = one(0);
  expect(rej, {{fix::tag::MsgType, "9"},
               {fix::tag::ClOrdID, "g2"},
               {fix::tag::OrigClOrdID, "g1"},
               {fix::tag::CxlRejReason, "99"},
               {fix::tag::Text, "new quantity at or below the filled quantity"}});
  replace(0, "g2", "g1", "5", "100");
  const Sent& again = one(0);
  EXPECT_EQ(again.get(fix::tag::Text), rej.get(fix::tag::Text));
  EXPECT_EQ(again.get(fix::tag::ClOrdID), "g2");
}

// ---- OrderMassCancelRequest (q), and the close's Day-order expiry ----

class MassCancelTest : public OrderEntryTest {
 protected:
  void mass_cancel(engine::MemberId member, const std::string& id, const std::string& body) {
    in(member, "q", "11=" + id + "|" + body + "60=20240315-09:30:00.000|");
  }
  void order_in(engine::MemberId member, const std::string& id, const std::string& symbol,
                const std::string& tif = "0") {
    in(member, "D",
       "11=" + id + "|55=" + symbol + "|54=1|38=10|40=2|44=100|59=" + tif +
           "|60=20240315-09:30:00.000|");
    out(member);
  }
  std::string ord_status_of(engine::MemberId member, const std::string& id) {
    status(member, id);
    return one(member).get(fix::tag::OrdStatus);
  }
};

TEST_F(MassCancelTest, AllOrdersCancelsEveryOrderOfTheMemberAndNoOtherMembers) {
  order_in(0, "a1", "ACME");
  order_in(0, "a2", "BOLT");
  order_in(1, "b1", "ACME");
  mass_cancel(0, "MC1", "530=7|");
  const auto sent = out(0);
  ASSERT_EQ(sent.size(), 3U);
  expect(*sent[0], {{fix::tag::MsgType, "r"},
                    {fix::tag::ClOrdID, "MC1"},
                    {fix::tag::OrderID, "NONE"},
                    {fix::tag::MassCancelRequestType, "7"},
                    {fix::tag::MassCancelResponse, "7"},
                    {fix::tag::TotalAffectedOrders, "2"}});
  EXPECT_FALSE(sent[0]->has(fix::tag::MassCancelRejectReason));
  EXPECT_FALSE(sent[0]->has(fix::tag::Symbol));
  EXPECT_TRUE(sent[0]->has(fix::tag::TransactTime));
  std::set<std::string> canceled;
  for (std::size_t i = 1; i < sent.size(); ++i) {
    expect(*sent[i], {{fix::tag::MsgType, "8"},
                      {fix::tag::ExecType, "4"},
                      {fix::tag::OrdStatus, "4"},
                      {fix::tag::Text, "mass cancel"}});
    canceled.insert(sent[i]->get(fix::tag::ClOrdID));
  }
  EXPECT_EQ(canceled, (std::set<std::string>{"a1", "a2"}));
  EXPECT_TRUE(out(1).empty());
  EXPECT_EQ(ord_status_of(1, "b1"), "0");
  mass_cancel(0, "MC2", "530=7|");  // nothing left: an answer all the same
  expect(one(0), {{fix::tag::ClOrdID, "MC2"},
                  {fix::tag::MassCancelResponse, "7"},
                  {fix::tag::TotalAffectedOrders, "0"}});
}

TEST_F(MassCancelTest, OneSecurityCancelsOnlyThatSymbolsOrders) {
  order_in(0, "a1", "ACME");
  order_in(0, "a2", "ACME");
  order_in(0, "a3", "BOLT");
  order_in(1, "b1", "ACME");
  mass_cancel(0, "MC1", "530=1|55=ACME|");
  const auto sent = out(0);
  ASSERT_EQ(sent.size(), 3U);
  expect(*sent[0], {{fix::tag::MsgType, "r"},
                    {fix::tag::ClOrdID, "MC1"},
                    {fix::tag::MassCancelRequestType, "1"},
                    {fix::tag::MassCancelResponse, "1"},
                    {fix::tag::TotalAffectedOrders, "2"},
                    {fix::tag::Symbol, "ACME"}});
  for (std::size_t i = 1; i < sent.size(); ++i) {
    expect(*sent[i], {{fix::tag::ExecType, "4"}, {fix::tag::Symbol, "ACME"}});
  }
  EXPECT_EQ(ord_status_of(0, "a3"), "0");
  EXPECT_EQ(ord_status_of(1, "b1"), "0");
}

TEST_F(MassCancelTest, RequestsTheGatewayDoesNotCarryOutGetAReportWithResponseZero) {
  order_in(0, "a1", "ACME");
  const auto refused = [&](const std::string& id, const std::string& body, const char* type,
                           const char* reason) {
    mass_cancel(0, id, body);
    const Sent& r = one(0);
    expect(r, {{fix::tag::MsgType, "r"},
               {fix::tag::ClOrdID, id},
               {fix::tag::MassCancelRequestType, type},
               {fix::tag::MassCancelResponse, "0"},
               {fix::tag::MassCancelRejectReason, reason},
               {fix::tag::TotalAffectedOrders, "0"}});
    EXPECT_TRUE(r.has(fix::tag::Text)) << id;
  };
  refused("u1", "530=1|55=NOPE|", "1", "1");  // unknown symbol
  refused("u2", "530=3|", "3", "0");          // by product: not supported
  refused("u3", "530=7|54=1|", "7", "99");    // a Side filter: not supported
  EXPECT_EQ(ord_status_of(0, "a1"), "0");
}

TEST_F(MassCancelTest, MalformedRequestsGetASessionRejectNamingTheTag) {
  const auto rejected = [&](const std::string& body, const char* tag, const char* reason) {
    in(0, "q", body);
    expect(one(0), {{fix::tag::MsgType, "3"},
                    {fix::tag::RefMsgType, "q"},
                    {fix::tag::RefTagID, tag},
                    {fix::tag::SessionRejectReason, reason}});
  };
  rejected("530=7|60=20240315-09:30:00.000|", "11", "1");
  rejected("11=x1|60=20240315-09:30:00.000|", "530", "1");
  rejected("11=x2|530=9|60=20240315-09:30:00.000|", "530", "5");
  rejected("11=x3|530=1|60=20240315-09:30:00.000|", "55", "1");  // 1 needs a Symbol
  rejected("11=x4|530=7|", "60", "1");
  rejected("11=x5|530=7|60=soon|", "60", "6");
}

TEST_F(MassCancelTest, ExpiringDayOrdersEndsThemWithExpiredAndKeepsGoodTillCancel) {
  order_in(0, "d1", "ACME");
  order_in(0, "g1", "ACME", "1");
  order_in(1, "d2", "BOLT");
  router_.expire_day_orders();
  settle();
  expect(one(0), {{fix::tag::ClOrdID, "d1"},
                  {fix::tag::ExecType, "C"},
                  {fix::tag::OrdStatus, "C"},
                  {fix::tag::LeavesQty, "0"},
                  {fix::tag::Text, "day order expired"}});
  expect(one(1),
         {{fix::tag::ClOrdID, "d2"}, {fix::tag::ExecType, "C"}, {fix::tag::OrdStatus, "C"}});
  EXPECT_EQ(ord_status_of(0, "g1"), "0");
}

// The announcements, and every OrderMassCancelReport shape, are what the
// published profile says the gateway sends.
TEST_F(MassCancelTest, AnnouncementsAndReportsFollowThePublishedProfile) {
  answers_.trading_session_status(0, static_cast<int>(fix::TradSesStatus::Open), 20240315, "open");
  const Sent& h = one(0);
  expect(h, {{fix::tag::MsgType, "h"},
             {fix::tag::TradingSessionID, "DAY"},
             {fix::tag::TradSesStatus, "2"},
             {fix::tag::Text, "20240315 open"}});
  EXPECT_TRUE(fix::check_fields(h.view, fix::FieldValidation::Strict).ok()) << h.bytes;
  answers_.security_status(1, "BOLT", static_cast<int>(fix::SecurityTradingStatus::TradingHalt),
                           "halted by the operator");
  const Sent& f = one(1);
  expect(f, {{fix::tag::MsgType, "f"},
             {fix::tag::Symbol, "BOLT"},
             {fix::tag::SecurityTradingStatus, "2"},
             {fix::tag::Text, "halted by the operator"}});
  EXPECT_TRUE(f.has(fix::tag::TransactTime));
  EXPECT_TRUE(fix::check_fields(f.view, fix::FieldValidation::Strict).ok()) << f.bytes;
  order_in(0, "a1", "ACME");
  mass_cancel(0, "r1", "530=1|55=ACME|");
  mass_cancel(0, "r2", "530=7|");
  mass_cancel(0, "r3", "530=1|55=NOPE|");
  mass_cancel(0, "r4", "530=5|");
  for (const Sent* m : out(0)) {
    if (m->type() != "r") continue;
    const fix::FieldProblem p = fix::check_fields(m->view, fix::FieldValidation::Strict);
    EXPECT_TRUE(p.ok()) << m->bytes << " tag " << p.tag;
  }
}

// A sweep that finds a ring full waits, in order, and nothing overtakes it.
TEST(ShardRouterSweeps, WaitForRoomAndGoOnlyToTheShardsTheyConcern) {
  util::ThreadClock clock;
  RequestRing shard0(1);
  RequestRing shard1(1);
  ShardRouter router({&shard0, &shard1}, {{"ACME", 0, 0}, {"BOLT", 1, 3}}, clock);
  records::OrderRequestRecord r;
  r.shard = 1;
  router.push(r);  // shard 1's ring is full now
  EXPECT_FALSE(router.has_room());
  router.mass_cancel(4, 1);  // BOLT: shard 1, its local id 3
  router.expire_day_orders();
  EXPECT_TRUE(router.has_pending());
  EXPECT_TRUE(shard0.empty_approx());  // the expiry waits behind the mass cancel
  std::vector<ShardRequest> taken;
  const auto drain = [&](RequestRing& ring) {
    ring.drain([&](const ShardRequest& q) { taken.push_back(q); });
  };
  drain(shard1);
  taken.clear();
  EXPECT_EQ(router.poll(), 1);  // the mass cancel; the rings are full again
  ASSERT_TRUE(shard0.empty_approx());
  drain(shard1);
  ASSERT_EQ(taken.size(), 1U);
  EXPECT_EQ(taken[0].kind, records::RequestKind::MassCancelInstrument);
  EXPECT_EQ(taken[0].member, 4U);
  EXPECT_EQ(taken[0].instrument, 3U);
  taken.clear();
  EXPECT_EQ(router.poll(), 1);  // the expiry, to both shards
  drain(shard0);
  drain(shard1);
  ASSERT_EQ(taken.size(), 2U);
  for (const ShardRequest& q : taken) EXPECT_EQ(q.kind, records::RequestKind::ExpireDay);
  EXPECT_FALSE(router.has_pending());
  EXPECT_TRUE(router.has_room());
}

}  // namespace
}  // namespace matchgate::gateway
