// The operator's controls and the members' limits survive a crash (kill
// -9), a clean stop and a recovery from a snapshot: `matchgate-admin
// status` reads the same before and after, and the daemon behaves the same
// (a killed member stays killed, a halted instrument halted, a limit is
// enforced with the same numbers).
#include <regex>

#include "controls/controls_support.hpp"
#include "recovery/log_lines.hpp"

namespace matchgate::testing::controls {
namespace {

enum class Down { Kill9, CleanStop, FromSnapshot };

std::string name_of(const ::testing::TestParamInfo<Down>& info) {
  switch (info.param) {
    case Down::Kill9:
      return "Kill9";
    case Down::CleanStop:
      return "CleanStop";
    case Down::FromSnapshot:
      return "FromSnapshot";
  }
  return "?";
}

DaemonOptions options_for(Down down) {
  DaemonOptions o = gw::small();
  // A snapshot every few records: the controls below are long covered by
  // one when the daemon goes down.
  if (down == Down::FromSnapshot) {
    o.wal_extra += "snapshot_every_records = 5\nsnapshot_min_interval_s = 0\n";
  }
  return o;
}

// Every member's session closed as far as the daemon knows (status says so).
void log_out_all(const Daemon& d, std::unique_ptr<FixClient>& a, std::unique_ptr<FixClient>& b) {
  a.reset();
  b.reset();
  EXPECT_TRUE(polled_until([&] { return count_lines(status_of(d), {"not logged on"}) == 2; }));
}

// Takes the daemon down the way the test says; brings it back up.
void take_down_and_restart(Daemon& d, Down down) {
  if (down == Down::CleanStop) {
    ASSERT_EQ(d.stop(), 0) << d.log();
  } else {
    d.kill();
  }
  ASSERT_TRUE(d.restart()) << d.log();
}

// The second start began from a snapshot taken after the last Control
// record of the first life: the controls came from the snapshot, not from
// a replay of their records.
void expect_started_after_the_controls(const Daemon& d) {
  const std::vector<std::string> from = matches(
      d.log(), R"(log: starting from snapshot snap-\d+\.snap \(the state up to record (\d+)\))");
  ASSERT_EQ(from.size(), 1U) << d.log();
  const std::vector<std::string> controls = matches(wal_dump(d), R"((?:^|\n)(\d+) \S+ Control )");
  ASSERT_FALSE(controls.empty());
  EXPECT_GT(std::stoull(from[0]), std::stoull(controls.back()));
}

class ControlsAcrossRestart : public ::testing::TestWithParam<Down> {};

// MEMBER1 killed with an order open; MEMBER2 under a credit limit of 1000
// with 700 in use after an operator's mass cancel of its LOTS order; LOTS
// halted; the venue stopped and resumed.
void apply_controls(const Daemon& d, FixClient& m1, FixClient& m2) {
  EXPECT_TRUE(admin_ok(d, "set-limit MEMBER2 credit_limit 1000").find("none -> 1000.00") !=
              std::string::npos);
  EXPECT_EQ(order_answer(m2, "A1", "ACME", '1', "7", "100.00").get(150), "0");  // 700.00
  EXPECT_EQ(order_answer(m2, "L1", "LOTS", '1', "10", "20.00").get(150), "0");  // 200.00
  EXPECT_EQ(order_answer(m1, "K1", "ACME", '1', "5", "99.00").get(150), "0");
  EXPECT_TRUE(admin_ok(d, "kill MEMBER1").find("1 open orders being canceled") !=
              std::string::npos);
  EXPECT_TRUE(await_message(m1, Wanted{"8", {{11, "K1"}, {150, "4"}, {39, "4"}}}));
  admin_ok(d, "halt LOTS");
  admin_ok(d, "stop");
  admin_ok(d, "resume-all");
  EXPECT_TRUE(admin_ok(d, "mass-cancel MEMBER2 LOTS").find("1 open orders being canceled") !=
              std::string::npos);
  EXPECT_TRUE(await_message(m2, Wanted{"8", {{11, "L1"}, {150, "4"}}}));
}

// What the daemon must do after coming back.
void expect_same_behaviour(const Daemon& d) {
  auto m1 = gw::logged_on(d, "MEMBER1");
  auto m2 = gw::logged_on(d, "MEMBER2");
  // A member logging on is told of the halt.
  EXPECT_TRUE(await_message(*m2, Wanted{"f", {{55, "LOTS"}, {326, "2"}}}));
  const FixMessage killed = order_answer(*m1, "K2", "ACME", '1', "1", "99.00");
  EXPECT_EQ(killed.get(150), "8") << killed.printable();
  EXPECT_EQ(killed.get(103), "0");
  EXPECT_EQ(killed.get(58), "member stopped by the operator (kill switch)");
  const FixMessage halted = order_answer(*m2, "L2", "LOTS", '1', "10", "20.00");
  EXPECT_EQ(halted.get(150), "8") << halted.printable();
  EXPECT_EQ(halted.get(58), "instrument halted: LOTS");
  const FixMessage over = order_answer(*m2, "A2", "ACME", '1', "4", "100.00");
  EXPECT_EQ(over.get(150), "8") << over.printable();
  EXPECT_EQ(over.get(103), "3");
  EXPECT_EQ(over.get(58), "credit limit 1000.00: in use 700.00, order needs 400.00");
  // Exactly up to the limit still passes: the hold was not lost either.
  EXPECT_EQ(order_answer(*m2, "A3", "ACME", '1', "3", "100.00").get(150), "0");
  EXPECT_EQ(ord_status(*m2, "A1", "ACME", '1'), "0");
}

TEST_P(ControlsAcrossRestart, StatusAndBehaviourAreTheSame) {
  Daemon d(options_for(GetParam()));
  auto m1 = gw::logged_on(d, "MEMBER1");
  auto m2 = gw::logged_on(d, "MEMBER2");
  apply_controls(d, *m1, *m2);
  if (GetParam() == Down::FromSnapshot) {
    // Traffic after the controls, so that a snapshot covers them.
    for (int i = 0; i < 6; ++i) EXPECT_EQ(ord_status(*m2, "A1", "ACME", '1'), "0");
  }
  log_out_all(d, m1, m2);
  const std::string before = status_of(d);
  EXPECT_NE(before.find("member MEMBER1: KILLED, not logged on, credit in use 0.00 / none, "
                        "open orders 0 / none"),
            std::string::npos)
      << before;
  EXPECT_NE(before.find("member MEMBER2: active, not logged on, credit in use 700.00 / 1000.00, "
                        "open orders 1 / none"),
            std::string::npos)
      << before;
  EXPECT_NE(before.find("instrument LOTS: HALTED"), std::string::npos) << before;
  EXPECT_NE(before.find("instrument ACME: trading"), std::string::npos) << before;
  EXPECT_EQ(before.find("STOPPED"), std::string::npos) << before;

  take_down_and_restart(d, GetParam());
  EXPECT_EQ(status_of(d), before);
  expect_same_behaviour(d);
  ASSERT_EQ(d.stop(), 0);
  if (GetParam() == Down::FromSnapshot) expect_started_after_the_controls(d);
  if (::testing::Test::HasFailure()) std::cerr << d.log().substr(0, 100000);
}

INSTANTIATE_TEST_SUITE_P(Down, ControlsAcrossRestart,
                         ::testing::Values(Down::Kill9, Down::CleanStop, Down::FromSnapshot),
                         name_of);

TEST(Controls, AKillCancelsTheMembersOrdersAndItsSessionStaysUpUntilRelease) {
  Daemon d(gw::small());
  auto m1 = gw::logged_on(d, "MEMBER1");
  auto m2 = gw::logged_on(d, "MEMBER2");
  EXPECT_EQ(order_answer(*m1, "A", "ACME", '1', "5", "99.00").get(150), "0");
  EXPECT_EQ(order_answer(*m1, "B", "LOTS", '2', "10", "21.00").get(150), "0");
  EXPECT_EQ(order_answer(*m2, "C", "ACME", '1', "5", "98.00").get(150), "0");
  const std::string killed = admin_ok(d, "kill MEMBER1");
  EXPECT_NE(killed.find("killed MEMBER1: 2 open orders being canceled"), std::string::npos)
      << killed;
  EXPECT_TRUE(await_message(*m1, Wanted{"8", {{11, "A"}, {150, "4"}, {39, "4"}}}));
  EXPECT_TRUE(await_message(*m1, Wanted{"8", {{11, "B"}, {150, "4"}, {39, "4"}}}));
  // The session is up and in sequence; its new orders are refused with the reason.
  EXPECT_TRUE(gw::alive(*m1));
  const FixMessage refused = order_answer(*m1, "D", "ACME", '1', "1", "99.00");
  EXPECT_EQ(refused.get(150), "8") << refused.printable();
  EXPECT_EQ(refused.get(58), "member stopped by the operator (kill switch)");
  // Other members are not touched.
  EXPECT_EQ(ord_status(*m2, "C", "ACME", '1'), "0");
  EXPECT_NE(admin_ok(d, "kill MEMBER1").find("already killed"), std::string::npos);

  admin_ok(d, "release MEMBER1");
  EXPECT_EQ(order_answer(*m1, "E", "ACME", '1', "1", "99.00").get(150), "0");
  EXPECT_NE(status_of(d).find("member MEMBER1: active, logged on"), std::string::npos);
}

TEST(Controls, HaltResumeAndStopAreAnnouncedToLoggedOnMembers) {
  Daemon d(gw::small());
  auto m1 = gw::logged_on(d, "MEMBER1");
  auto m2 = gw::logged_on(d, "MEMBER2");
  admin_ok(d, "halt ACME");
  for (FixClient* c : {m1.get(), m2.get()}) {
    EXPECT_TRUE(await_message(*c, Wanted{"f", {{55, "ACME"}, {326, "2"}}}));
  }
  EXPECT_EQ(order_answer(*m1, "A", "ACME", '1', "1", "99.00").get(58), "instrument halted: ACME");
  EXPECT_EQ(order_answer(*m1, "B", "LOTS", '1', "10", "20.00").get(150), "0");
  admin_ok(d, "resume ACME");
  for (FixClient* c : {m1.get(), m2.get()}) {
    EXPECT_TRUE(await_message(*c, Wanted{"f", {{55, "ACME"}, {326, "3"}}}));
  }
  EXPECT_EQ(order_answer(*m1, "C", "ACME", '1', "1", "99.00").get(150), "0");

  // Without a [trading_day] the business date is the one status shows.
  const std::vector<std::string> date = matches(status_of(d), R"(business date (\d{8}))");
  ASSERT_EQ(date.size(), 1U);
  admin_ok(d, "stop");
  for (FixClient* c : {m1.get(), m2.get()}) {
    EXPECT_TRUE(await_message(
        *c, Wanted{"h", {{340, "1"}, {58, date[0] + " trading stopped by the operator"}}}));
  }
  const FixMessage stopped = order_answer(*m2, "D", "ACME", '2', "1", "101.00");
  EXPECT_EQ(stopped.get(103), "2") << stopped.printable();
  EXPECT_EQ(stopped.get(58), "trading stopped by the operator");
  // Cancels are still accepted while stopped; open orders stay.
  m1->send("F", {{41, "B"}, {11, "Bc"}, {55, "LOTS"}, {54, "1"}, {60, utc_now()}});
  EXPECT_TRUE(await_message(*m1, Wanted{"8", {{11, "Bc"}, {150, "4"}}}));
  EXPECT_EQ(ord_status(*m1, "C", "ACME", '1'), "0");
  EXPECT_NE(status_of(d).find(", STOPPED"), std::string::npos);
  admin_ok(d, "resume-all");
  for (FixClient* c : {m1.get(), m2.get()}) {
    EXPECT_TRUE(await_message(*c, Wanted{"h", {{340, "2"}}}));
  }
  EXPECT_EQ(order_answer(*m2, "E", "ACME", '2', "1", "101.00").get(150), "0");
}

// The limit from the config, reached exactly with an open order and a
// position (a fill converts the hold into exposure at the reference price).
TEST(Controls, ACreditLimitIsNeverExceededAcrossKillAndRestart) {
  DaemonOptions o = gw::small();
  o.members[0].extra = "credit_limit = \"1000\"\n";
  Daemon d(o);
  auto m1 = gw::logged_on(d, "MEMBER1");
  auto m2 = gw::logged_on(d, "MEMBER2");
  EXPECT_EQ(order_answer(*m1, "B1", "ACME", '1', "6", "100.00").get(150), "0");
  gw::new_order(*m2, "S1", "ACME", '2', "2", "100.00");
  EXPECT_TRUE(await_message(*m2, Wanted{"8", {{11, "S1"}, {150, "F"}, {39, "2"}}}));
  EXPECT_TRUE(await_message(*m1, Wanted{"8", {{11, "B1"}, {150, "F"}}}));
  EXPECT_EQ(order_answer(*m1, "B2", "ACME", '1', "4", "100.00").get(150), "0");
  const std::string over_text = "credit limit 1000.00: in use 1000.00, order needs 100.00";
  EXPECT_EQ(order_answer(*m1, "B3", "ACME", '1', "1", "100.00").get(58), over_text);
  const std::uint64_t next_out = m1->next_seq();
  m1.reset();
  m2.reset();

  d.kill();
  ASSERT_TRUE(d.restart()) << d.log();
  EXPECT_NE(status_of(d).find("member MEMBER1: active, not logged on, credit in use 1000.00 / "
                              "1000.00, open orders 2 / none"),
            std::string::npos)
      << status_of(d);
  m1 = gw::relogon(d, "MEMBER1", next_out);
  ASSERT_TRUE(m1);
  const FixMessage again = order_answer(*m1, "B4", "ACME", '1', "1", "100.00");
  EXPECT_EQ(again.get(103), "3") << again.printable();
  EXPECT_EQ(again.get(58), over_text);
  // A cancel releases the hold, after the restart as before it.
  m1->send("F", {{41, "B2"}, {11, "B2c"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  EXPECT_TRUE(await_message(*m1, Wanted{"8", {{11, "B2c"}, {150, "4"}}}));
  EXPECT_EQ(order_answer(*m1, "B5", "ACME", '1', "4", "100.00").get(150), "0");
  EXPECT_EQ(order_answer(*m1, "B6", "ACME", '1', "1", "100.00").get(58), over_text);
  if (::testing::Test::HasFailure()) std::cerr << d.log().substr(0, 100000);
}

}  // namespace
}  // namespace matchgate::testing::controls
