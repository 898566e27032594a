// Idempotent order entry end to end (issue 5, docs/DEDUP.md) with the
// embedded ClOrdID store: retries answered with the order's state, reuses
// rejected, across reconnects and restarts, expiry, the capacity bound, and
// repeated cancels and replaces.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>

#include "gateway/gateway_test_util.hpp"

namespace matchgate::testing {
namespace {

using namespace gw;

void expect_fields(const FixMessage& m, const std::map<int, std::string>& want) {
  for (const auto& [tag, value] : want) {
    EXPECT_EQ(m.get(tag), value) << "tag " << tag << " in " << m.printable();
  }
}

// SendingTime(52) "YYYYMMDD-HH:MM:SS[.sss]" as seconds since the epoch.
std::int64_t sending_time_s(const FixMessage& m) {
  const std::string t = m.get(52);
  std::tm tm{};
  if (t.size() < 17 || ::strptime(t.c_str(), "%Y%m%d-%H:%M:%S", &tm) == nullptr) return -1;
  return static_cast<std::int64_t>(::timegm(&tm));
}

class DedupTest : public ::testing::Test {
 protected:
  // The daemon's wall clock follows skew_file_ (seconds added), a test-only hook.
  void start(DaemonOptions o = small()) {
    skew_file_ = std::string(::testing::TempDir()) + "/matchgate-skew-" +
                 std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::ofstream(skew_file_) << 0 << "\n";
    o.env.push_back("MATCHGATE_TEST_CLOCK_SKEW_FILE=" + skew_file_);
    // The members' clocks stay where they are while the daemon's moves by
    // minutes: SendingTime(52) must not be refused for it.
    o.gateway_extra += "\nmax_sending_time_skew_s = 3600\n";
    daemon_ = std::make_unique<Daemon>(o);
    m1_ = logged_on(*daemon_, "MEMBER1");
    m2_ = logged_on(*daemon_, "MEMBER2");
  }
  void TearDown() override {
    m1_.reset();
    m2_.reset();
    if (daemon_) stop_and_check(*daemon_);
    if (!skew_file_.empty()) std::remove(skew_file_.c_str());
  }
  // Moves the daemon's wall clock `seconds` ahead of real time and waits
  // until it shows in a Heartbeat's SendingTime.
  void skew_clock(FixClient& c, std::int64_t seconds) {
    std::ofstream(skew_file_) << seconds << "\n";
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      c.send("1", {{112, "clock"}});
      auto hb = c.receive_type("0", 5s);
      ASSERT_TRUE(hb) << "no Heartbeat";
      if (sending_time_s(*hb) >= std::time(nullptr) + seconds - 5) return;
    }
    FAIL() << "the daemon's clock did not move";
  }
  // Logs both members on again after a restart, continuing their sequences.
  void relog_both() {
    const std::uint64_t n1 = m1_->next_seq();
    const std::uint64_t n2 = m2_->next_seq();
    m1_ = relogon(*daemon_, "MEMBER1", n1);
    m2_ = relogon(*daemon_, "MEMBER2", n2);
    ASSERT_TRUE(m1_ && m2_);
    // Reports the previous life sent after we stopped reading may follow the
    // Logon; a TestRequest marks the end of them.
    ASSERT_TRUE(alive(*m1_, "relog-1"));
    ASSERT_TRUE(alive(*m2_, "relog-2"));
  }

  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<FixClient> m1_;
  std::unique_ptr<FixClient> m2_;
  std::string skew_file_;
};

TEST_F(DedupTest, RetryGetsTheOrdersCurrentStateWithOrWithoutPossDup) {
  start();
  new_order(*m1_, "r-1", "ACME", '1', "10", "100");
  const FixMessage ack = next_er(*m1_);
  expect_fields(ack, {{150, "0"}, {39, "0"}});
  const std::string order_id = ack.get(37);

  // The same request again: no second order, the order's state.
  new_order(*m1_, "r-1", "ACME", '1', "10", "100");
  expect_fields(next_er(*m1_), {{150, "I"},
                                {39, "0"},
                                {37, order_id},
                                {11, "r-1"},
                                {38, "10"},
                                {14, "0"},
                                {151, "10"},
                                {54, "1"},
                                {55, "ACME"}});

  // A partial fill, then the retry shows it; PossDupFlag makes no difference.
  new_order(*m2_, "s-1", "ACME", '2', "4", "100");
  expect_fields(next_er(*m2_), {{150, "0"}});
  expect_fields(next_er(*m2_), {{150, "F"}, {32, "4"}});
  expect_fields(next_er(*m1_), {{150, "F"}, {32, "4"}, {39, "1"}});
  m1_->send("D", order_fields("r-1", "ACME", '1', "10", "100"), std::nullopt, /*poss_dup=*/true);
  const FixMessage retried = next_er(*m1_);
  expect_fields(retried, {{150, "I"}, {39, "1"}, {37, order_id}, {14, "4"}, {151, "6"}, {43, ""}});
  EXPECT_DOUBLE_EQ(num(retried.get(6)), 100);
  new_order(*m1_, "r-1", "ACME", '1', "10", "100");
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "1"}, {14, "4"}});

  // Exactly one order: a sell of 10 fills only its 6 remaining.
  new_order(*m2_, "s-2", "ACME", '2', "10", "100");
  expect_fields(next_er(*m2_), {{150, "0"}});
  expect_fields(next_er(*m2_), {{150, "F"}, {32, "6"}, {39, "1"}, {151, "4"}});
  expect_fields(next_er(*m1_), {{150, "F"}, {32, "6"}, {39, "2"}});
  // Filled: the retry says so.
  new_order(*m1_, "r-1", "ACME", '1', "10", "100");
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "2"}, {14, "10"}, {151, "0"}, {37, order_id}});
  std::vector<FixMessage> extra;
  ASSERT_TRUE(alive(*m1_, "end", &extra));
  for (const FixMessage& m : extra) ADD_FAILURE() << "unexpected: " << m.printable();
}

TEST_F(DedupTest, AnotherRequestWithTheClOrdIdIsRejectedAndTheOriginalIsUntouched) {
  start();
  new_order(*m1_, "d-1", "ACME", '1', "10", "99");
  const FixMessage ack = next_er(*m1_);
  ASSERT_EQ(ack.get(150), "0");
  // Each field of the fingerprint counts.
  const std::vector<Fields> others = {
      order_fields("d-1", "ACME", '1', "11", "99"),
      order_fields("d-1", "ACME", '2', "10", "99"),
      order_fields("d-1", "ACME", '1', "10", "99.01"),
      order_fields("d-1", "ACME", '1', "10", "99", {{59, "1"}}),
      order_fields("d-1", "ACME", '1', "10", "99", {{1, "M1-B"}}),
      order_fields("d-1", "ACME", '1', "10", ""),
  };
  for (const Fields& f : others) {
    m1_->send("D", f);
    expect_fields(
        next_er(*m1_),
        {{150, "8"}, {39, "8"}, {103, "6"}, {37, "NONE"}, {11, "d-1"}, {58, "duplicate ClOrdID"}});
  }
  // TimeInForce 0 is the default, and the same price written differently is
  // the same request: a retry.
  new_order(*m1_, "d-1", "ACME", '1', "10.00", "99.000", {{59, "0"}});
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "0"}, {37, ack.get(37)}});
  // A cancel or a replace reusing the order's ClOrdID is another request.
  m1_->send("F", {{11, "d-1"}, {41, "d-1"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  expect_fields(next_of(*m1_, "9"), {{102, "6"}, {39, "0"}, {58, "duplicate ClOrdID"}});
  m1_->send("H", {{11, "d-1"}, {55, "ACME"}, {54, "1"}});
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "0"}, {38, "10"}, {151, "10"}, {37, ack.get(37)}});
  // Another member's ClOrdIDs are its own.
  new_order(*m2_, "d-1", "ACME", '2', "1", "105");
  expect_fields(next_er(*m2_), {{150, "0"}});
}

TEST_F(DedupTest, RetryAcrossAReconnect) {
  start();
  new_order(*m1_, "rc-1", "ACME", '1', "5", "98");
  const FixMessage ack = next_er(*m1_);
  ASSERT_EQ(ack.get(150), "0");
  const std::uint64_t next = m1_->next_seq();
  m1_.reset();  // the connection drops
  m1_ = relogon(*daemon_, "MEMBER1", next);
  ASSERT_TRUE(m1_);
  m1_->send("D", order_fields("rc-1", "ACME", '1', "5", "98"), std::nullopt, true);
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "0"}, {37, ack.get(37)}});
  new_order(*m1_, "rc-1", "ACME", '1', "5", "98");
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "0"}, {37, ack.get(37)}});
}

TEST_F(DedupTest, KeysAreRebuiltFromTheLogAfterARestartAndACrash) {
  start();
  new_order(*m1_, "k-1", "ACME", '1', "10", "99");
  const FixMessage ack = next_er(*m1_);
  ASSERT_EQ(ack.get(150), "0");
  new_order(*m1_, "k-2", "ACME", '1', "3", "97");
  const FixMessage ack2 = next_er(*m1_);
  m1_->send("F", {{11, "k-c"}, {41, "k-2"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  expect_fields(next_er(*m1_), {{150, "4"}, {11, "k-c"}});

  for (const bool crash : {false, true}) {
    SCOPED_TRACE(crash ? "after SIGKILL" : "after a clean stop");
    if (crash) {
      daemon_->kill();
    } else {
      ASSERT_EQ(daemon_->stop(), 0);
    }
    ASSERT_TRUE(daemon_->restart()) << daemon_->log();
    relog_both();
    new_order(*m1_, "k-1", "ACME", '1', "10", "99");
    expect_fields(next_er(*m1_), {{150, "I"}, {39, "0"}, {37, ack.get(37)}});
    new_order(*m1_, "k-1", "ACME", '1', "10", "98");
    expect_fields(next_er(*m1_), {{150, "8"}, {103, "6"}, {58, "duplicate ClOrdID"}});
    m1_->send("F", {{11, "k-c"}, {41, "k-2"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
    expect_fields(next_er(*m1_), {{150, "I"}, {39, "4"}, {37, ack2.get(37)}});
  }
  ASSERT_EQ(daemon_->stop(), 0);  // the log is written asynchronously: complete once stopped
  EXPECT_NE(daemon_->log().find("3 ClOrdID keys rebuilt from the log"), std::string::npos);
}

// The key outlives the order's record: the gateway forgets finished records
// when its table is full ([gateway] max_tracked_orders), the store keeps the
// key for the TTL. A retry then creates nothing, before and after a restart.
TEST_F(DedupTest, AKeyOutlivesItsForgottenRecord) {
  DaemonOptions o;  // max_tracked_orders at its minimum
  o.gateway_extra = "max_tracked_orders = 1024\n";
  start(o);
  const auto ioc = [&](const std::string& id) {
    new_order(*m1_, id, "ACME", '1', "1", "95", {{59, "3"}});
  };
  ioc("gone");
  expect_fields(next_er(*m1_), {{150, "0"}});
  expect_fields(next_er(*m1_), {{150, "4"}});  // nothing to trade with: canceled, finished
  // 1024 more finished records push it out of the table.
  for (int i = 0; i < 1024; ++i) ioc("fill-" + std::to_string(i));
  for (int i = 0; i < 2048; ++i) ASSERT_EQ(next_er(*m1_).get(11).substr(0, 5), "fill-");
  m1_->send("H", {{11, "gone"}, {55, "ACME"}, {54, "1"}});
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "8"}, {58, "unknown order"}});

  for (int life = 0; life < 2; ++life) {
    ioc("gone");
    expect_fields(next_er(*m1_),
                  {{150, "8"},
                   {103, "6"},
                   {37, "NONE"},
                   {58, "duplicate ClOrdID: repeat of an order this gateway does not track"}});
    new_order(*m1_, "gone", "ACME", '1', "2", "95");
    expect_fields(next_er(*m1_), {{150, "8"}, {103, "6"}, {58, "duplicate ClOrdID"}});
    if (life == 0) {
      ASSERT_EQ(daemon_->stop(), 0);
      ASSERT_TRUE(daemon_->restart()) << daemon_->log();
      relog_both();
    }
  }
}

TEST_F(DedupTest, AClOrdIdIsFreeAgainAfterTheTtl) {
  DaemonOptions o = small();
  o.dedup = "max_keys = 1024\nttl_s = 60\n";
  start(o);
  // A finished order (IOC, nothing to trade with) and a resting one.
  new_order(*m1_, "t-ioc", "ACME", '1', "1", "95", {{59, "3"}});
  const FixMessage first = next_er(*m1_);
  expect_fields(next_er(*m1_), {{150, "4"}});
  new_order(*m1_, "t-rest", "ACME", '1', "1", "95");
  const FixMessage rest = next_er(*m1_);
  ASSERT_EQ(rest.get(150), "0");
  // Just before the TTL: still a retry.
  skew_clock(*m1_, 50);
  new_order(*m1_, "t-ioc", "ACME", '1', "1", "95", {{59, "3"}});
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "4"}, {37, first.get(37)}});

  skew_clock(*m1_, 62);
  // The finished order's ClOrdID is a new order now.
  new_order(*m1_, "t-ioc", "ACME", '1', "1", "95", {{59, "3"}});
  const FixMessage again = next_er(*m1_);
  expect_fields(again, {{150, "0"}, {11, "t-ioc"}});
  EXPECT_NE(again.get(37), first.get(37));
  expect_fields(next_er(*m1_), {{150, "4"}});
  // An order still open keeps its ClOrdID whatever its age: a retry is
  // answered, another request is rejected.
  new_order(*m1_, "t-rest", "ACME", '1', "1", "95");
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "0"}, {37, rest.get(37)}});
  new_order(*m1_, "t-rest", "ACME", '1', "7", "95");
  expect_fields(next_er(*m1_), {{150, "8"}, {103, "6"}});

  // After a restart the expired keys are not rebuilt, the live one is.
  ASSERT_EQ(daemon_->stop(), 0);
  ASSERT_TRUE(daemon_->restart()) << daemon_->log();
  relog_both();
  new_order(*m1_, "t-ioc", "ACME", '1', "1", "95", {{59, "3"}});
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "4"}, {37, again.get(37)}});
  skew_clock(*m1_, 62 + 61);
  new_order(*m1_, "t-ioc", "ACME", '1', "1", "95", {{59, "3"}});
  const FixMessage third = next_er(*m1_);
  expect_fields(third, {{150, "0"}});
  EXPECT_NE(third.get(37), again.get(37));
  expect_fields(next_er(*m1_), {{150, "4"}});
}

TEST_F(DedupTest, AFullStoreRejectsNewOrdersAndNeverDropsKeys) {
  DaemonOptions o = small();
  o.dedup = "max_keys = 3\nttl_s = 60\n";
  start(o);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    new_order(*m1_, "cap-" + std::to_string(i), "ACME", '1', "1", "95", {{59, "3"}});
    ids.push_back(next_er(*m1_).get(37));
    expect_fields(next_er(*m1_), {{150, "4"}});
  }
  new_order(*m1_, "cap-3", "ACME", '1', "1", "95");
  expect_fields(
      next_er(*m1_),
      {{150, "8"},
       {103, "99"},
       {58, "ClOrdID store full ([dedup] max_keys): order not accepted, try again later"}});
  // Cancels need a key too.
  m1_->send("F", {{11, "cap-c"}, {41, "cap-0"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  expect_fields(next_of(*m1_, "9"), {{102, "0"}});  // the order is done: decided before the store
  // The old keys are intact: retries are still answered.
  new_order(*m1_, "cap-0", "ACME", '1', "1", "95", {{59, "3"}});
  expect_fields(next_er(*m1_), {{150, "I"}, {37, ids[0]}});
  // Once they expire there is room again.
  skew_clock(*m1_, 61);
  new_order(*m1_, "cap-3", "ACME", '1', "1", "95");
  expect_fields(next_er(*m1_), {{150, "0"}, {11, "cap-3"}});
}

TEST_F(DedupTest, RepeatedCancelAndReplaceAreAnsweredNotAppliedTwice) {
  start();
  new_order(*m1_, "o-1", "ACME", '1', "10", "99");
  const FixMessage ack = next_er(*m1_);
  ASSERT_EQ(ack.get(150), "0");
  const Fields replace{{11, "o-r1"}, {41, "o-1"}, {55, "ACME"}, {54, "1"},
                       {38, "12"},   {40, "2"},   {44, "98"},   {60, utc_now()}};
  m1_->send("G", replace);
  expect_fields(next_er(*m1_), {{150, "5"}, {11, "o-r1"}, {41, "o-1"}, {38, "12"}});
  // Again: the order's state, no second replace.
  m1_->send("G", replace, std::nullopt, true);
  const FixMessage again = next_er(*m1_);
  expect_fields(again,
                {{150, "I"}, {11, "o-r1"}, {39, "0"}, {38, "12"}, {37, ack.get(37)}, {151, "12"}});
  EXPECT_DOUBLE_EQ(num(again.get(44)), 98);
  // The same ClOrdID for another replace: rejected, nothing changes.
  Fields other = replace;
  other[4] = {38, "13"};
  m1_->send("G", other);
  expect_fields(next_of(*m1_, "9"), {{102, "6"}, {434, "2"}, {58, "duplicate ClOrdID"}});

  const Fields cancel{{11, "o-c1"}, {41, "o-r1"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}};
  m1_->send("F", cancel);
  expect_fields(next_er(*m1_), {{150, "4"}, {11, "o-c1"}, {41, "o-r1"}});
  m1_->send("F", cancel);
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "4"}, {37, ack.get(37)}});
  // The cancel's ClOrdID naming another order: rejected.
  m1_->send("F", {{11, "o-c1"}, {41, "o-1"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  expect_fields(next_of(*m1_, "9"), {{102, "6"}, {434, "1"}});
  // A new order reusing the cancel's ClOrdID: rejected.
  new_order(*m1_, "o-c1", "ACME", '1', "1", "99");
  expect_fields(next_er(*m1_), {{150, "8"}, {103, "6"}});

  // A replace the engine rejects (price off the tick): the retry gets the
  // same OrderCancelReject.
  new_order(*m1_, "o-2", "ACME", '2', "5", "105");
  ASSERT_EQ(next_er(*m1_).get(150), "0");
  const Fields bad{{11, "o-r2"}, {41, "o-2"}, {55, "ACME"},    {54, "2"},
                   {38, "5"},    {40, "2"},   {44, "105.005"}, {60, utc_now()}};
  m1_->send("G", bad);
  const FixMessage rej = next_of(*m1_, "9");
  expect_fields(rej, {{102, "99"}, {434, "2"}, {39, "0"}});
  m1_->send("G", bad);
  const FixMessage rej2 = next_of(*m1_, "9");
  expect_fields(rej2, {{102, "99"}, {434, "2"}, {39, "0"}, {58, rej.get(58)}, {11, "o-r2"}});
  // The order is unchanged.
  m1_->send("H", {{11, "o-2"}, {55, "ACME"}, {54, "2"}});
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "0"}, {38, "5"}, {11, "o-2"}});
}

}  // namespace
}  // namespace matchgate::testing
