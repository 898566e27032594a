// Logon, authentication and logout against the real daemon.
#include <gtest/gtest.h>

#include "support/clean_exit.hpp"
#include "support/daemon.hpp"
#include "support/fix_client.hpp"

namespace matchgate::testing {
namespace {

class LogonTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { daemon_ = new Daemon(); }
  // The daemon served every test of the suite; it must still stop cleanly.
  static void TearDownTestSuite() {
    if (daemon_ != nullptr) {
      const int status = daemon_->stop();
      EXPECT_EQ(unclean_exit(status, daemon_->log()), "");
    }
    delete daemon_;
    daemon_ = nullptr;
  }
  static Daemon* daemon_;
};
Daemon* LogonTest::daemon_ = nullptr;

TEST_F(LogonTest, GoodLogonIsAnsweredWithLogonAndLogoutHandshake) {
  FixClient c(daemon_->port(), "MEMBER1");
  c.send("A", {{98, "0"}, {108, "30"}, {141, "Y"}, {554, "secret-1"}});
  auto reply = c.receive();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->type, "A");
  EXPECT_EQ(reply->get(49), "MATCHGATE");
  EXPECT_EQ(reply->get(56), "MEMBER1");
  EXPECT_EQ(reply->get(108), "30");
  EXPECT_EQ(reply->get(141), "Y");
  EXPECT_EQ(reply->seq(), 1U);
  c.send("5", {});
  auto bye = c.receive_type("5");
  ASSERT_TRUE(bye.has_value()) << "no Logout in reply";
  EXPECT_TRUE(c.peer_closed());
}

TEST_F(LogonTest, WrongPasswordGetsLogoutWithTextThenClose) {
  FixClient c(daemon_->port(), "MEMBER1");
  c.send("A", {{98, "0"}, {108, "30"}, {141, "Y"}, {554, "wrong"}});
  auto reply = c.receive();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->type, "5");
  EXPECT_EQ(reply->get(58), "invalid password");
  EXPECT_TRUE(c.peer_closed());
}

TEST_F(LogonTest, UnknownCompIdGetsLogoutThenClose) {
  FixClient c(daemon_->port(), "NOBODY");
  c.send("A", {{98, "0"}, {108, "30"}, {141, "Y"}, {554, "x"}});
  auto reply = c.receive();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->type, "5");
  EXPECT_EQ(reply->get(58), "unknown SenderCompID");
  EXPECT_TRUE(c.peer_closed());
}

TEST_F(LogonTest, WrongTargetCompIdGetsLogoutThenClose) {
  FixClient c(daemon_->port(), "MEMBER1", "SOMEONE-ELSE");
  c.send("A", {{98, "0"}, {108, "30"}, {141, "Y"}, {554, "secret-1"}});
  auto reply = c.receive();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->type, "5");
  EXPECT_NE(reply->get(58).find("TargetCompID"), std::string::npos);
  EXPECT_TRUE(c.peer_closed());
}

TEST_F(LogonTest, SecondConcurrentLogonForTheSameMemberIsRefused) {
  FixClient first(daemon_->port(), "MEMBER2");
  ASSERT_TRUE(first.logon("secret-2"));
  FixClient second(daemon_->port(), "MEMBER2");
  second.send("A", {{98, "0"}, {108, "30"}, {141, "Y"}, {554, "secret-2"}});
  auto reply = second.receive();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->type, "5");
  EXPECT_EQ(reply->get(58), "already logged on");
  EXPECT_TRUE(second.peer_closed());
  // The first session is unharmed.
  first.send("1", {{112, "still-there"}});
  auto hb = first.receive_type("0");
  ASSERT_TRUE(hb.has_value());
  EXPECT_EQ(hb->get(112), "still-there");
}

TEST_F(LogonTest, ApplicationMessageBeforeLogonClosesTheConnection) {
  FixClient c(daemon_->port(), "MEMBER1");
  c.send(
      "D",
      {{11, "early"}, {55, "ACME"}, {54, "1"}, {38, "1"}, {40, "2"}, {44, "100"}, {60, utc_now()}});
  EXPECT_TRUE(c.peer_closed());
}

}  // namespace
}  // namespace matchgate::testing
