// FIX 4.4 session layer against the real daemon: heartbeats, sequence
// numbers, gaps and resends, garbled input, reconnects.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "gateway/gateway_test_util.hpp"

namespace matchgate::testing {
namespace {

using namespace gw;

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override { daemon_ = std::make_unique<Daemon>(small()); }
  void TearDown() override { stop_and_check(*daemon_); }
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(SessionTest, HeartbeatThenTestRequestThenLogoutWhenTheClientStaysSilent) {
  auto c = logged_on(*daemon_, "MEMBER1", true, 1);
  // Silence from both sides: after about HeartBtInt the gateway sends a
  // Heartbeat (no TestReqID).
  auto hb = c->receive(5s);
  ASSERT_TRUE(hb.has_value());
  EXPECT_EQ(hb->type, "0") << hb->printable();
  EXPECT_FALSE(hb->has(112));
  EXPECT_EQ(hb->seq(), 2U);
  // The client still says nothing: a TestRequest follows.
  std::optional<FixMessage> m;
  std::uint64_t last_seq = hb->seq();
  int heartbeats = 0;
  do {
    m = c->receive(5s);
    ASSERT_TRUE(m.has_value()) << "no TestRequest";
    EXPECT_EQ(m->seq(), ++last_seq);
    ASSERT_LT(++heartbeats, 10) << "only Heartbeats";
  } while (m->type == "0");
  EXPECT_EQ(m->type, "1") << m->printable();
  EXPECT_FALSE(m->get(112).empty());
  // And still nothing: Logout with a reason, then the connection closes.
  heartbeats = 0;
  do {
    m = c->receive(5s);
    ASSERT_TRUE(m.has_value()) << "no Logout";
    EXPECT_EQ(m->seq(), ++last_seq);
    ASSERT_LT(++heartbeats, 10) << "only Heartbeats";
  } while (m->type == "0");
  EXPECT_EQ(m->type, "5") << m->printable();
  EXPECT_EQ(m->get(58), "heartbeat timeout");
  EXPECT_TRUE(c->peer_closed(10s));
}

TEST_F(SessionTest, AnsweringTheTestRequestKeepsTheSessionUp) {
  auto c = logged_on(*daemon_, "MEMBER1", true, 1);
  auto tr = c->receive_type("1", 5s);
  ASSERT_TRUE(tr.has_value());
  ASSERT_EQ(tr->type, "1");
  c->send("0", {{112, tr->get(112)}});
  // Keep answering for a while: no Logout comes while the client talks.
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    auto m = c->receive(300ms);
    if (m) {
      ASSERT_NE(m->type, "5") << m->printable();
      if (m->type == "1") c->send("0", {{112, m->get(112)}});
    } else {
      c->send("0", {});
    }
  }
  EXPECT_TRUE(alive(*c));
}

TEST_F(SessionTest, TestRequestIsAnsweredWithHeartbeatCarryingTheSameId) {
  auto c = logged_on(*daemon_, "MEMBER1");
  c->send("1", {{112, "abc-123"}});
  auto hb = c->receive(5s);
  ASSERT_TRUE(hb.has_value());
  EXPECT_EQ(hb->type, "0");
  EXPECT_EQ(hb->get(112), "abc-123");
  EXPECT_EQ(hb->seq(), 2U);
  EXPECT_EQ(hb->get(49), "MATCHGATE");
  EXPECT_EQ(hb->get(56), "MEMBER1");
}

TEST_F(SessionTest, TestRequestWithoutIdIsRejected) {
  auto c = logged_on(*daemon_, "MEMBER1");
  c->send("1", {});
  auto r = next_of(*c, "3");
  EXPECT_EQ(r.get(45), "2");
  EXPECT_EQ(r.get(371), "112");
  EXPECT_EQ(r.get(373), "1");
  EXPECT_TRUE(alive(*c));
}

TEST_F(SessionTest, SeqTooHighAsksForResendAndHoldsTheMessageUntilTheGapIsFilled) {
  auto c = logged_on(*daemon_, "MEMBER1");  // our Logon was 1
  const std::string gap_order = FixClient::encode("D", "MEMBER1", "MATCHGATE", 2,
                                                  order_fields("gap-2", "ACME", '1', "5", "100"));
  // Message 3 arrives before 2.
  c->send("D", order_fields("gap-3", "ACME", '1', "7", "100"), 3);
  auto rr = c->receive(5s);
  ASSERT_TRUE(rr.has_value());
  EXPECT_EQ(rr->type, "2") << rr->printable();
  EXPECT_EQ(rr->get(7), "2");
  EXPECT_EQ(rr->get(16), "0");
  // Message 3 was not processed: nothing else comes.
  for (const FixMessage& m : c->drain(300ms)) {
    EXPECT_NE(m.type, "8") << "processed before the gap was filled: " << m.printable();
  }
  // Fill the gap: 2 and 3 again, as possible duplicates.
  c->send("D", order_fields("gap-2", "ACME", '1', "5", "100"), 2, true);
  c->send("D", order_fields("gap-3", "ACME", '1', "7", "100"), 3, true);
  c->set_next_seq(4);
  auto a = next_er(*c);
  auto b = next_er(*c);
  EXPECT_EQ(a.get(11), "gap-2");
  EXPECT_EQ(a.get(150), "0");
  EXPECT_EQ(b.get(11), "gap-3");
  EXPECT_EQ(b.get(150), "0");
  // Exactly once each: the session goes on with 4 and nothing else arrives.
  std::vector<FixMessage> extra;
  EXPECT_TRUE(alive(*c, "after-gap", &extra));
  for (const FixMessage& m : extra) ADD_FAILURE() << "unexpected " << m.printable();
  (void)gap_order;
}

TEST_F(SessionTest, SeqTooHighIsAskedForOnlyOnceWhileTheResendIsOutstanding) {
  auto c = logged_on(*daemon_, "MEMBER1");
  c->send("1", {{112, "x"}}, 5);
  c->send("1", {{112, "y"}}, 6);
  auto rr = c->receive(5s);
  ASSERT_TRUE(rr.has_value());
  EXPECT_EQ(rr->type, "2");
  EXPECT_EQ(rr->get(7), "2");
  for (const FixMessage& m : c->drain(300ms)) {
    EXPECT_NE(m.type, "2") << "second ResendRequest: " << m.printable();
  }
  // Gap fill 2..4, then 5 and 6 again: both TestRequests answered.
  c->send("4", {{123, "Y"}, {36, "5"}}, 2, true);
  c->send("1", {{112, "x"}}, 5, true);
  c->send("1", {{112, "y"}}, 6, true);
  c->set_next_seq(7);
  auto x = next_of(*c, "0");
  EXPECT_EQ(x.get(112), "x");
  auto y = next_of(*c, "0");
  EXPECT_EQ(y.get(112), "y");
  EXPECT_TRUE(alive(*c));
}

TEST_F(SessionTest, SeqTooLowWithoutPossDupIsALogoutWithTextThenClose) {
  auto c = logged_on(*daemon_, "MEMBER1");
  ASSERT_TRUE(alive(*c));  // seq 2
  c->send("1", {{112, "old"}}, 2);
  auto lo = c->receive_type("5", 5s);
  ASSERT_TRUE(lo.has_value());
  EXPECT_EQ(lo->type, "5");
  EXPECT_EQ(lo->get(58), "MsgSeqNum too low, expecting 3 but received 2");
  EXPECT_TRUE(c->peer_closed(10s));
}

TEST_F(SessionTest, SeqTooLowWithPossDupIsIgnored) {
  auto c = logged_on(*daemon_, "MEMBER1");
  ASSERT_TRUE(alive(*c, "first"));  // seq 2
  c->send("1", {{112, "dup"}}, 2, true);
  std::vector<FixMessage> before;
  ASSERT_TRUE(alive(*c, "second", &before));
  for (const FixMessage& m : before) ADD_FAILURE() << "answered a duplicate: " << m.printable();
}

TEST_F(SessionTest, ResendRequestReplaysApplicationMessagesAndGapFillsAdminOnes) {
  auto c = logged_on(*daemon_, "MEMBER1");          // out 1: Logon
  new_order(*c, "rs-1", "ACME", '1', "10", "100");  // out 2: ER new
  auto er2 = next_er(*c);
  ASSERT_EQ(er2.seq(), 2U);
  ASSERT_TRUE(alive(*c, "t1"));  // out 3: Heartbeat
  c->send("D", {{11, "rs-bad"}, {54, "1"}, {38, "1"}, {40, "2"}, {44, "100"}, {60, utc_now()}});
  auto rej = next_of(*c, "3");  // out 4: Reject (no 55)
  ASSERT_EQ(rej.seq(), 4U);
  new_order(*c, "rs-2", "ACME", '1', "11", "100");  // out 5: ER new
  auto er5 = next_er(*c);
  ASSERT_EQ(er5.seq(), 5U);

  c->send("2", {{7, "1"}, {16, "0"}});
  std::vector<FixMessage> got;
  for (int i = 0; i < 4; ++i) {
    auto m = c->receive(5s);
    ASSERT_TRUE(m.has_value()) << "resend stopped after " << got.size();
    got.push_back(*m);
  }
  // 1 (Logon) -> gap fill to 2; 2 again; 3-4 (Heartbeat, Reject) -> gap fill to 5; 5 again.
  EXPECT_EQ(got[0].type, "4");
  EXPECT_EQ(got[0].seq(), 1U);
  EXPECT_EQ(got[0].get(123), "Y");
  EXPECT_EQ(got[0].get(36), "2");
  EXPECT_EQ(got[0].get(43), "Y");
  EXPECT_EQ(got[1].type, "8");
  EXPECT_EQ(got[1].seq(), 2U);
  EXPECT_EQ(got[1].get(43), "Y");
  EXPECT_TRUE(got[1].has(122));
  EXPECT_EQ(got[1].get(11), "rs-1");
  EXPECT_EQ(got[1].get(17), er2.get(17));
  EXPECT_EQ(got[2].type, "4");
  EXPECT_EQ(got[2].seq(), 3U);
  EXPECT_EQ(got[2].get(123), "Y");
  EXPECT_EQ(got[2].get(36), "5");
  EXPECT_EQ(got[3].type, "8");
  EXPECT_EQ(got[3].seq(), 5U);
  EXPECT_EQ(got[3].get(43), "Y");
  EXPECT_TRUE(got[3].has(122));
  EXPECT_EQ(got[3].get(11), "rs-2");
  // The resend used no new sequence numbers: the next message is 6.
  c->send("1", {{112, "after"}});
  auto hb = next_of(*c, "0");
  EXPECT_EQ(hb.seq(), 6U);
  EXPECT_EQ(hb.get(112), "after");
}

TEST_F(SessionTest, ResendRequestForARangeEndingInAdminMessages) {
  auto c = logged_on(*daemon_, "MEMBER1");         // 1 Logon
  new_order(*c, "rr-1", "ACME", '1', "1", "100");  // 2 ER
  next_er(*c);
  ASSERT_TRUE(alive(*c, "a"));  // 3 Heartbeat
  ASSERT_TRUE(alive(*c, "b"));  // 4 Heartbeat
  c->send("2", {{7, "2"}, {16, "3"}});
  auto er = c->receive(5s);
  ASSERT_TRUE(er.has_value());
  EXPECT_EQ(er->type, "8");
  EXPECT_EQ(er->seq(), 2U);
  EXPECT_EQ(er->get(43), "Y");
  auto gf = c->receive(5s);
  ASSERT_TRUE(gf.has_value());
  EXPECT_EQ(gf->type, "4");
  EXPECT_EQ(gf->seq(), 3U);
  EXPECT_EQ(gf->get(36), "4");
  EXPECT_EQ(gf->get(123), "Y");
  EXPECT_TRUE(alive(*c, "c"));
}

TEST_F(SessionTest, ResendRequestBeyondTheLastMessageSent) {
  auto c = logged_on(*daemon_, "MEMBER1");  // out 1
  // Nothing was sent from 50 on: nothing to resend, no answer.
  c->send("2", {{7, "50"}, {16, "0"}});
  std::vector<FixMessage> before;
  ASSERT_TRUE(alive(*c, "x", &before));  // out 2
  for (const FixMessage& m : before) ADD_FAILURE() << "unexpected " << m.printable();
  // An EndSeqNo past the last message means "up to the last".
  c->send("2", {{7, "1"}, {16, "60"}});
  before.clear();
  ASSERT_TRUE(alive(*c, "y", &before));
  ASSERT_EQ(before.size(), 1U);
  EXPECT_EQ(before[0].type, "4");
  EXPECT_EQ(before[0].seq(), 1U);
  EXPECT_EQ(before[0].get(36), "3");
  EXPECT_EQ(before[0].get(123), "Y");
}

TEST_F(SessionTest, SequenceResetResetModeMovesTheExpectedNumber) {
  auto c = logged_on(*daemon_, "MEMBER1");
  c->send("4", {{36, "20"}});  // seq 2, reset mode
  c->set_next_seq(20);
  ASSERT_TRUE(alive(*c, "at-20"));
  // 19 would now be too low.
  c->send("1", {{112, "low"}}, 19);
  auto lo = c->receive_type("5", 5s);
  ASSERT_TRUE(lo.has_value());
  EXPECT_EQ(lo->get(58), "MsgSeqNum too low, expecting 21 but received 19");
}

TEST_F(SessionTest, SequenceResetToALowerNumberIsRejectedWithValueIncorrect) {
  auto c = logged_on(*daemon_, "MEMBER1");
  ASSERT_TRUE(alive(*c, "x"));  // 2
  ASSERT_TRUE(alive(*c, "y"));  // 3
  c->send("4", {{36, "2"}});    // 4: reset to 2 < expected 4
  auto r = next_of(*c, "3");
  EXPECT_EQ(r.get(373), "5");
  EXPECT_EQ(r.get(371), "36");
  EXPECT_EQ(r.get(45), "4");
  EXPECT_EQ(r.get(372), "4");
  // The expected number did not move: 4 again is accepted (a reset-mode
  // SequenceReset does not consume its own number).
  c->set_next_seq(4);
  EXPECT_TRUE(alive(*c, "z"));
}

TEST_F(SessionTest, SequenceResetGapFillBelowExpectedIsRejected) {
  auto c = logged_on(*daemon_, "MEMBER1");
  ASSERT_TRUE(alive(*c, "x"));            // 2
  c->send("4", {{123, "Y"}, {36, "2"}});  // 3, gap fill to 2 < 3
  auto r = next_of(*c, "3");
  EXPECT_EQ(r.get(373), "5");
  EXPECT_EQ(r.get(371), "36");
  EXPECT_EQ(r.get(45), "3");
  EXPECT_TRUE(alive(*c, "y"));  // 4
}

TEST_F(SessionTest, GarbledMessagesAreIgnoredWithoutConsumingTheSequenceNumber) {
  auto c = logged_on(*daemon_, "MEMBER1");
  // Bad checksum.
  std::string bad = FixClient::encode("1", "MEMBER1", "MATCHGATE", 2, {{112, "bad-sum"}});
  bad[bad.size() - 2] = bad[bad.size() - 2] == '0' ? '1' : '0';
  c->send_raw(bad);
  // BodyLength too short and too long.
  std::string good = FixClient::encode("1", "MEMBER1", "MATCHGATE", 2, {{112, "bad-len"}});
  const std::size_t at = good.find(
                             "\x01"
                             "9=") +
                         3;
  const std::size_t end = good.find('\x01', at);
  const int len = std::stoi(good.substr(at, end - at));
  for (int delta : {-3, 5}) {
    std::string m = good.substr(0, at) + std::to_string(len + delta) + good.substr(end);
    // Recompute the checksum so that only the length is wrong.
    const std::size_t cs = m.rfind("10=");
    unsigned sum = 0;
    for (std::size_t i = 0; i < cs; ++i) sum += static_cast<unsigned char>(m[i]);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%03u", sum % 256);
    m.replace(cs + 3, 3, buf);
    c->send_raw(m);
  }
  // None of them was answered, and 2 is still the expected number.
  c->set_next_seq(2);
  std::vector<FixMessage> before;
  ASSERT_TRUE(alive(*c, "good", &before));
  for (const FixMessage& m : before) ADD_FAILURE() << "answered garbled input: " << m.printable();
}

TEST_F(SessionTest, ResetSeqNumFlagOnLogonStartsBothSidesAtOne) {
  {
    auto c = logged_on(*daemon_, "MEMBER1");
    ASSERT_TRUE(alive(*c, "a"));
    ASSERT_TRUE(alive(*c, "b"));
    c->send("5", {});
    ASSERT_TRUE(c->receive_type("5", 5s).has_value());
    ASSERT_TRUE(c->peer_closed());
  }
  FixClient c(daemon_->port(), "MEMBER1");
  c.send("A", {{98, "0"}, {108, "30"}, {141, "Y"}, {554, "secret-1"}});
  auto logon = c.receive(5s);
  ASSERT_TRUE(logon.has_value());
  EXPECT_EQ(logon->type, "A");
  EXPECT_EQ(logon->seq(), 1U);
  EXPECT_EQ(logon->get(141), "Y");
  auto hb = [&] {
    c.send("1", {{112, "r"}});
    return c.receive(5s);
  }();
  ASSERT_TRUE(hb.has_value());
  EXPECT_EQ(hb->seq(), 2U);
}

TEST_F(SessionTest, SequenceNumbersSurviveAReconnectWithoutReset) {
  std::uint64_t in_next = 0;
  std::uint64_t out_last = 0;
  {
    auto c = logged_on(*daemon_, "MEMBER1");  // in 1, out 1
    new_order(*c, "rc-1", "ACME", '1', "1", "95");
    new_order(*c, "rc-2", "ACME", '1', "1", "95");
    next_er(*c);
    out_last = next_er(*c).seq();  // 3
    c->send("5", {});              // in 4
    auto lo = c->receive_type("5", 5s);
    ASSERT_TRUE(lo.has_value());
    out_last = lo->seq();  // 4
    in_next = c->next_seq();
    ASSERT_TRUE(c->peer_closed());
  }
  ASSERT_EQ(in_next, 5U);
  ASSERT_EQ(out_last, 4U);
  {
    FixClient c(daemon_->port(), "MEMBER1");
    c.set_next_seq(in_next);
    c.send("A", {{98, "0"}, {108, "30"}, {141, "N"}, {554, "secret-1"}});
    auto logon = c.receive(5s);
    ASSERT_TRUE(logon.has_value());
    EXPECT_EQ(logon->type, "A");
    EXPECT_EQ(logon->seq(), out_last + 1);
    EXPECT_FALSE(logon->has(141));
    ASSERT_TRUE(alive(c, "continued"));
    // The ClOrdIDs of before the reconnect are still known.
    c.send("H", {{11, "rc-1"}, {55, "ACME"}, {54, "1"}});
    auto st = next_er(c);
    EXPECT_EQ(st.get(150), "I");
    EXPECT_EQ(st.get(39), "0");
    in_next = c.next_seq();
    c.send("5", {});
    ASSERT_TRUE(c.receive_type("5", 5s).has_value());
    out_last = 0;
    ASSERT_TRUE(c.peer_closed());
    ++in_next;
  }
  {
    // The client comes back with a number above the expected one: Logon,
    // then a ResendRequest for what is missing.
    FixClient c(daemon_->port(), "MEMBER1");
    c.set_next_seq(in_next + 3);
    c.send("A", {{98, "0"}, {108, "30"}, {554, "secret-1"}});
    auto logon = c.receive(5s);
    ASSERT_TRUE(logon.has_value());
    EXPECT_EQ(logon->type, "A");
    auto rr = c.receive(5s);
    ASSERT_TRUE(rr.has_value());
    EXPECT_EQ(rr->type, "2") << rr->printable();
    EXPECT_EQ(rr->get(7), std::to_string(in_next));
    EXPECT_EQ(rr->get(16), "0");
    // Gap fill over everything up to and including the Logon.
    c.send("4", {{123, "Y"}, {36, std::to_string(in_next + 4)}}, in_next, true);
    EXPECT_TRUE(alive(c, "filled"));
  }
}

TEST_F(SessionTest, LogonWithSeqBelowExpectedIsRefused) {
  {
    auto c = logged_on(*daemon_, "MEMBER1");
    ASSERT_TRUE(alive(*c));
    ASSERT_TRUE(alive(*c));
    c->send("5", {});
    ASSERT_TRUE(c->receive_type("5", 5s).has_value());
    ASSERT_TRUE(c->peer_closed());
  }
  FixClient c(daemon_->port(), "MEMBER1");
  c.set_next_seq(2);  // expected: 5
  c.send("A", {{98, "0"}, {108, "30"}, {554, "secret-1"}});
  auto lo = c.receive(5s);
  ASSERT_TRUE(lo.has_value());
  EXPECT_EQ(lo->type, "5");
  EXPECT_EQ(lo->get(58), "MsgSeqNum too low, expecting 5 but received 2");
  EXPECT_TRUE(c.peer_closed());
}

TEST_F(SessionTest, FillsWhileDisconnectedAreDeliveredByResendAfterTheNextLogon) {
  std::uint64_t in_next = 0;
  std::uint64_t out_last = 0;
  {
    auto m1 = logged_on(*daemon_, "MEMBER1");
    new_order(*m1, "away-1", "ACME", '2', "10", "101");
    out_last = next_er(*m1).seq();
    m1->send("5", {});
    auto lo = m1->receive_type("5", 5s);
    ASSERT_TRUE(lo.has_value());
    out_last = lo->seq();
    in_next = m1->next_seq();
    ASSERT_TRUE(m1->peer_closed());
  }
  auto m2 = logged_on(*daemon_, "MEMBER2");
  new_order(*m2, "take-1", "ACME", '1', "4", "101");
  auto own = next_er(*m2);
  while (own.get(150) != "F") own = next_er(*m2);
  EXPECT_EQ(own.get(32), "4");

  FixClient m1(daemon_->port(), "MEMBER1");
  m1.set_next_seq(in_next);
  m1.send("A", {{98, "0"}, {108, "30"}, {554, "secret-1"}});
  auto logon = m1.receive(5s);
  ASSERT_TRUE(logon.has_value());
  ASSERT_EQ(logon->type, "A");
  // The fill took out_last + 1; the Logon is one above it.
  EXPECT_EQ(logon->seq(), out_last + 2);
  m1.send("2", {{7, std::to_string(out_last + 1)}, {16, "0"}});
  auto fill = m1.receive(5s);
  ASSERT_TRUE(fill.has_value());
  EXPECT_EQ(fill->type, "8") << fill->printable();
  EXPECT_EQ(fill->seq(), out_last + 1);
  EXPECT_EQ(fill->get(43), "Y");
  EXPECT_EQ(fill->get(11), "away-1");
  EXPECT_EQ(fill->get(150), "F");
  EXPECT_EQ(fill->get(32), "4");
  EXPECT_EQ(fill->get(151), "6");
  auto gf = m1.receive(5s);  // the Logon, as a gap fill
  ASSERT_TRUE(gf.has_value());
  EXPECT_EQ(gf->type, "4");
  EXPECT_EQ(gf->seq(), out_last + 2);
  EXPECT_EQ(gf->get(36), std::to_string(out_last + 3));
  EXPECT_TRUE(alive(m1));
}

TEST_F(SessionTest, MessagesSentRightBehindTheLogonAreProcessedAfterIt) {
  FixClient c(daemon_->port(), "MEMBER1");
  std::string bytes = FixClient::encode("A", "MEMBER1", "MATCHGATE", 1,
                                        {{98, "0"}, {108, "30"}, {141, "Y"}, {554, "secret-1"}});
  bytes += FixClient::encode("D", "MEMBER1", "MATCHGATE", 2,
                             order_fields("piped", "ACME", '1', "3", "99"));
  bytes += FixClient::encode("1", "MEMBER1", "MATCHGATE", 3, {{112, "piped-t"}});
  c.send_raw(bytes);  // one write: the gateway sees them together
  c.set_next_seq(4);
  auto logon = c.receive(5s);
  ASSERT_TRUE(logon.has_value());
  EXPECT_EQ(logon->type, "A");
  // The Heartbeat comes from the network thread at once, the report only
  // after the shard: either order.
  bool got_er = false;
  bool got_hb = false;
  for (int i = 0; i < 2; ++i) {
    auto m = c.receive(5s);
    ASSERT_TRUE(m.has_value());
    if (m->type == "8") {
      got_er = true;
      EXPECT_EQ(m->get(11), "piped");
      EXPECT_EQ(m->get(150), "0");
    } else {
      got_hb = true;
      EXPECT_EQ(m->type, "0");
      EXPECT_EQ(m->get(112), "piped-t");
    }
  }
  EXPECT_TRUE(got_er && got_hb);
  EXPECT_TRUE(alive(c));
}

TEST_F(SessionTest, LogonWithHeartBtIntOutOfRangeIsRefused) {
  for (const std::string hb : {"-1", "3601", "x"}) {
    FixClient c(daemon_->port(), "MEMBER1");
    c.send("A", {{98, "0"}, {108, hb}, {141, "Y"}, {554, "secret-1"}});
    auto lo = c.receive(5s);
    ASSERT_TRUE(lo.has_value());
    EXPECT_EQ(lo->type, "5");
    EXPECT_EQ(lo->get(58), "HeartBtInt(108) missing or out of range") << hb;
    EXPECT_TRUE(c.peer_closed());
  }
}

TEST_F(SessionTest, InvalidMsgSeqNumOnALoggedOnSessionIsALogout) {
  auto c = logged_on(*daemon_, "MEMBER1");
  std::string body =
      "35=1\x01"
      "49=MEMBER1\x01"
      "56=MATCHGATE\x01"
      "34=abc\x01"
      "112=q\x01";
  c->send_raw(FixClient::frame(body));
  auto lo = c->receive_type("5", 5s);
  ASSERT_TRUE(lo.has_value());
  EXPECT_EQ(lo->get(58), "MsgSeqNum(34) missing or invalid");
}

TEST_F(SessionTest, DaemonShutdownLogsSessionsOut) {
  auto c = logged_on(*daemon_, "MEMBER1");
  int status = -1;
  std::thread stopper([&] { status = daemon_->stop(); });
  auto lo = c->receive_type("5", 10s);
  ASSERT_TRUE(lo.has_value());
  EXPECT_EQ(lo->type, "5");
  EXPECT_EQ(lo->get(58), "gateway shutting down");
  c->send("5", {});
  EXPECT_TRUE(c->peer_closed(10s));
  stopper.join();
  EXPECT_EQ(status, 0);
}

TEST_F(SessionTest, DaemonShutdownIsNotHeldUpByASessionThatIgnoresTheLogout) {
  auto c = logged_on(*daemon_, "MEMBER1");
  auto d = logged_on(*daemon_, "MEMBER2");
  EXPECT_EQ(daemon_->stop(std::chrono::milliseconds(15'000)), 0);
  EXPECT_TRUE(c->peer_closed(1s));
  auto lo = d->receive_type("5", 1s);
  ASSERT_TRUE(lo.has_value());
  EXPECT_EQ(lo->get(58), "gateway shutting down");
}

TEST_F(SessionTest, ResendRequestAcrossAGapIsAnsweredWhenBothSidesMissedMessages) {
  std::uint64_t in_next = 0;
  std::uint64_t out_last = 0;
  {
    auto m1 = logged_on(*daemon_, "MEMBER1");
    new_order(*m1, "both-1", "ACME", '2', "10", "101");
    next_er(*m1);
    m1->send("5", {});
    auto lo = m1->receive_type("5", 5s);
    ASSERT_TRUE(lo.has_value());
    out_last = lo->seq();
    in_next = m1->next_seq();
    ASSERT_TRUE(m1->peer_closed());
  }
  auto m2 = logged_on(*daemon_, "MEMBER2");
  new_order(*m2, "both-2", "ACME", '1', "10", "101");
  next_er(*m2);
  ASSERT_EQ(next_er(*m2).get(150), "F");  // MEMBER1's fill is out_last + 1, unsent

  // MEMBER1 comes back having lost two of its own messages as well.
  FixClient c(daemon_->port(), "MEMBER1");
  c.set_next_seq(in_next + 2);
  c.send("A", {{98, "0"}, {108, "30"}, {554, "secret-1"}});
  auto logon = c.receive(5s);
  ASSERT_TRUE(logon.has_value());
  ASSERT_EQ(logon->type, "A");
  EXPECT_EQ(logon->seq(), out_last + 2);
  auto rr = c.receive(5s);
  ASSERT_TRUE(rr.has_value());
  ASSERT_EQ(rr->type, "2");
  EXPECT_EQ(rr->get(7), std::to_string(in_next));
  // Each side asks the other: the gateway's ResendRequest must not stop it
  // from answering the member's, whose MsgSeqNum is itself beyond the gap
  // (FIX: process the ResendRequest first, then ask for the gap).
  c.send("2", {{7, std::to_string(out_last + 1)}, {16, "0"}});  // seq in_next + 3
  bool got_fill = false;
  for (int i = 0; i < 6 && !got_fill; ++i) {
    auto m = c.receive(5s);
    ASSERT_TRUE(m.has_value()) << "the member's ResendRequest was not answered";
    if (m->type == "8") {
      got_fill = true;
      EXPECT_EQ(m->seq(), out_last + 1);
      EXPECT_EQ(m->get(43), "Y");
      EXPECT_EQ(m->get(11), "both-1");
      EXPECT_EQ(m->get(150), "F");
    }
  }
  EXPECT_TRUE(got_fill);
  // The member fills its own gap (lost 2 messages, the Logon and the
  // ResendRequest are administrative): the session goes on.
  c.send("4", {{123, "Y"}, {36, std::to_string(in_next + 4)}}, in_next, true);
  c.set_next_seq(in_next + 4);
  EXPECT_TRUE(alive(c, "both-done"));
}

TEST_F(SessionTest, LogoutFromTheClientIsAnsweredAndTheConnectionCloses) {
  auto c = logged_on(*daemon_, "MEMBER1");
  c->send("5", {{58, "bye"}});
  auto lo = c->receive(5s);
  ASSERT_TRUE(lo.has_value());
  EXPECT_EQ(lo->type, "5");
  EXPECT_EQ(lo->seq(), 2U);
  EXPECT_TRUE(c->peer_closed());
}

TEST_F(SessionTest, SecondLogonOnALiveSessionIsALogout) {
  auto c = logged_on(*daemon_, "MEMBER1");
  c->send("A", {{98, "0"}, {108, "30"}, {554, "secret-1"}});
  auto lo = c->receive_type("5", 5s);
  ASSERT_TRUE(lo.has_value());
  EXPECT_EQ(lo->get(58), "Logon received while logged on");
}

TEST_F(SessionTest, WrongCompIdOnALoggedOnSessionIsRejectedAndLoggedOut) {
  auto c = logged_on(*daemon_, "MEMBER1");
  c->send_raw(FixClient::encode("1", "MEMBER2", "MATCHGATE", 2, {{112, "x"}}));
  auto r = c->receive(5s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->type, "3") << r->printable();
  EXPECT_EQ(r->get(373), "9");
  EXPECT_EQ(r->get(371), "49");
  auto lo = c->receive(5s);
  ASSERT_TRUE(lo.has_value());
  EXPECT_EQ(lo->type, "5");
  EXPECT_EQ(lo->get(58), "CompID problem");
}

}  // namespace
}  // namespace matchgate::testing
