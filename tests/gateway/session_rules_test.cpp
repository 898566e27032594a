// The FIX 4.4 session rules of Volume 2's test cases against the real
// daemon, over TCP, for the rules the session unit enforces beyond framing
// and sequence numbers: SendingTime accuracy, PossDup and OrigSendingTime,
// header fields, CompIDs, session reset, another BeginString, field
// validation, timestamp precision. (tests/fix/session_test.cpp holds the
// same cases in-process with a fake clock.)
#include <gtest/gtest.h>

#include <ctime>

#include "gateway/gateway_test_util.hpp"

namespace matchgate::testing {
namespace {

using namespace gw;

// UTCTimestamp `seconds` away from now.
std::string utc_at(std::int64_t seconds) {
  const std::time_t t = std::time(nullptr) + seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H:%M:%S", &tm);
  return buf;
}

// "35=<type>|49=MEMBER1|56=MATCHGATE|34=<seq>|52=<time>|" + body, framed.
std::string member1_message(const std::string& type, std::uint64_t seq, const std::string& body,
                            const std::string& sending_time = utc_at(0)) {
  std::string b = "35=" + type + "\x01" + "49=MEMBER1\x01" + "56=MATCHGATE\x01" +
                  "34=" + std::to_string(seq) + "\x01" + "52=" + sending_time + "\x01" + body;
  for (char& c : b) {
    if (c == '|') c = '\x01';
  }
  return FixClient::frame(b);
}

class SessionRulesTest : public ::testing::Test {
 protected:
  void SetUp() override { daemon_ = std::make_unique<Daemon>(small()); }
  void TearDown() override { stop_and_check(*daemon_); }
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(SessionRulesTest, T1d_LogonWithASendingTimeFromLongAgoIsRefused) {
  FixClient c(daemon_->port(), "MEMBER1");
  c.send_raw(member1_message("A", 1, "98=0|108=30|554=" + password_of("MEMBER1") + "|",
                             "20010101-00:00:00"));
  auto m = c.receive(5s);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, "5") << m->printable();
  EXPECT_EQ(m->get(58), "SendingTime accuracy problem");
  EXPECT_TRUE(c.peer_closed());
}

TEST_F(SessionRulesTest, T2o_SendingTimeOffByMoreThanTwoMinutesIsARejectThenLogout) {
  for (const std::int64_t off : {-121, 121}) {
    auto c = logged_on(*daemon_, "MEMBER1");
    c->send_raw(member1_message("0", 2, "", utc_at(off)));
    const FixMessage rej = next_of(*c, "3");
    EXPECT_EQ(rej.get(373), "10") << off;
    EXPECT_EQ(rej.get(45), "2");
    EXPECT_EQ(rej.get(58), "SendingTime accuracy problem");
    const FixMessage out = next_of(*c, "5");
    EXPECT_EQ(out.get(58), "SendingTime accuracy problem");
    c->send_raw(member1_message("5", 3, "", utc_at(off)));  // the answer carries the same skew
    EXPECT_TRUE(c->peer_closed());
  }
}

TEST_F(SessionRulesTest, T2g_PossDupWithoutOrigSendingTimeIsRejectedAndTheSessionGoesOn) {
  auto c = logged_on(*daemon_, "MEMBER1");
  c->send_raw(member1_message("1", 2, "43=Y|112=x|"));
  const FixMessage rej = next_of(*c, "3");
  EXPECT_EQ(rej.get(373), "1");
  EXPECT_EQ(rej.get(371), "122");
  c->set_next_seq(3);
  EXPECT_TRUE(alive(*c));
}

TEST_F(SessionRulesTest, T2f_PossDupWithOrigSendingTimeAfterSendingTimeIsRejectedAndLoggedOut) {
  auto c = logged_on(*daemon_, "MEMBER1");
  c->send_raw(member1_message("1", 2, "43=Y|122=" + utc_at(10) + "|112=x|"));
  EXPECT_EQ(next_of(*c, "3").get(373), "10");
  EXPECT_EQ(next_of(*c, "5").get(58), "SendingTime accuracy problem");
}

TEST_F(SessionRulesTest, T14b_MissingTargetCompIdIsARejectAndTheSessionGoesOn) {
  auto c = logged_on(*daemon_, "MEMBER1");
  std::string body =
      "35=0\x01"
      "49=MEMBER1\x01"
      "34=2\x01"
      "52=" +
      utc_at(0) + "\x01";
  c->send_raw(FixClient::frame(body));
  const FixMessage rej = next_of(*c, "3");
  EXPECT_EQ(rej.get(373), "1");
  EXPECT_EQ(rej.get(371), "56");
  c->set_next_seq(3);
  EXPECT_TRUE(alive(*c));
}

TEST_F(SessionRulesTest, T2k_ACompIdProblemUsesUpItsMsgSeqNum) {
  auto c = logged_on(*daemon_, "MEMBER1");
  std::string body =
      "35=0\x01"
      "49=MEMBER1\x01"
      "56=SOMEONE\x01"
      "34=2\x01"
      "52=" +
      utc_at(0) + "\x01";
  c->send_raw(FixClient::frame(body));
  EXPECT_EQ(next_of(*c, "3").get(373), "9");
  EXPECT_EQ(next_of(*c, "5").get(58), "CompID problem");
  c->set_next_seq(3);
  c->send("5", {});
  EXPECT_TRUE(c->peer_closed());
  // Number 2 was received (and rejected): after a reconnect at 4 nothing is
  // asked for again.
  auto again = relogon(*daemon_, "MEMBER1", 4);
  ASSERT_TRUE(again);
  std::vector<FixMessage> before;
  EXPECT_TRUE(alive(*again, "after", &before));
  for (const FixMessage& m : before) EXPECT_NE(m.type, "2") << m.printable();
}

TEST_F(SessionRulesTest, LogonWithResetDuringASessionStartsBothSidesAgainAtOne) {
  auto c = logged_on(*daemon_, "MEMBER1");
  for (int i = 0; i < 5; ++i) c->send("0", {});
  ASSERT_TRUE(alive(*c));
  c->set_next_seq(1);
  c->send("A", {{98, "0"}, {108, "30"}, {141, "Y"}});
  const FixMessage logon = next_of(*c, "A");
  EXPECT_EQ(logon.seq(), 1U);
  EXPECT_EQ(logon.get(141), "Y");
  c->send("1", {{112, "after-reset"}});
  const FixMessage hb = next_of(*c, "0");
  EXPECT_EQ(hb.get(112), "after-reset");
  EXPECT_EQ(hb.seq(), 2U);
}

TEST_F(SessionRulesTest, T2i_AMessageOfAnotherFixVersionIsALogout) {
  auto c = logged_on(*daemon_, "MEMBER1");
  std::string other = FixClient::frame(
      "35=1\x01"
      "49=MEMBER1\x01"
      "56=MATCHGATE\x01"
      "34=2\x01"
      "52=" +
      utc_at(0) +
      "\x01"
      "112=x\x01");
  other.replace(0, 9, "8=FIX.4.1");  // same length; the checksum follows
  unsigned sum = 0;
  const std::size_t trailer = other.rfind("10=");
  for (std::size_t i = 0; i < trailer; ++i) sum += static_cast<unsigned char>(other[i]);
  char cs[4];
  std::snprintf(cs, sizeof cs, "%03u", sum % 256);
  other.replace(trailer + 3, 3, cs);
  c->send_raw(other);
  EXPECT_EQ(next_of(*c, "5").get(58), "Incorrect BeginString");
}

TEST_F(SessionRulesTest, T14_FieldsAgainstTheProfile) {
  auto c = logged_on(*daemon_, "MEMBER1");
  c->send("0", {{999, "HI"}});
  FixMessage rej = next_of(*c, "3");
  EXPECT_EQ(rej.get(373), "0");
  EXPECT_EQ(rej.get(371), "999");
  EXPECT_EQ(rej.get(58), "Invalid tag number");
  new_order(*c, "v-1", "ACME", '1', "1", "99", {{21, "4"}});
  rej = next_of(*c, "3");
  EXPECT_EQ(rej.get(373), "5");
  EXPECT_EQ(rej.get(371), "21");
  EXPECT_EQ(rej.get(372), "D");
  // HandlInst 1..3 and a Text are accepted and ignored.
  new_order(*c, "v-2", "ACME", '1', "1", "99", {{21, "1"}, {58, "note"}});
  EXPECT_EQ(next_er(*c).get(150), "0");
}

TEST_F(SessionRulesTest, AReportOfTheGatewayCarriesMillisecondTimestamps) {
  auto c = logged_on(*daemon_, "MEMBER1");
  new_order(*c, "ms-1", "ACME", '1', "1", "99");
  const FixMessage er = next_er(*c);
  const std::string sending = er.get(52);
  const std::string transact = er.get(60);
  ASSERT_EQ(sending.size(), 21U) << sending;  // YYYYMMDD-HH:MM:SS.sss
  EXPECT_EQ(sending[17], '.');
  EXPECT_EQ(transact.size(), 21U) << transact;
}

TEST(SessionRulesConfig, MicrosecondTimestampsWhenConfigured) {
  DaemonOptions o = small();
  o.gateway_extra += "\ntimestamp_precision = \"micros\"\n";
  Daemon d(o);
  auto c = logged_on(d, "MEMBER1");
  new_order(*c, "us-1", "ACME", '1', "1", "99");
  const FixMessage er = next_er(*c);
  EXPECT_EQ(er.get(52).size(), 24U) << er.get(52);
  EXPECT_EQ(er.get(60).size(), 24U) << er.get(60);
  c.reset();
  stop_and_check(d);
}

TEST(SessionRulesConfig, RelaxedValidationIgnoresTagsOutsideTheProfile) {
  DaemonOptions o = small();
  o.gateway_extra += "\nfield_validation = \"relaxed\"\n";
  Daemon d(o);
  auto c = logged_on(d, "MEMBER1");
  new_order(*c, "rx-1", "ACME", '1', "1", "99", {{5001, "desk-7"}, {167, "CS"}});
  EXPECT_EQ(next_er(*c).get(150), "0");
  c.reset();
  stop_and_check(d);
}

}  // namespace
}  // namespace matchgate::testing
