// The trading day through the real daemon, on the real clock: a time zone
// is chosen so that it is mid-day there now, and the schedule is written
// around that. A close missed while the daemon was down is applied once at
// the restart (Day orders expire, GTC orders stay, the business date rolls)
// and never again; the operator's session close/open.
//
// The close the daemon misses must fall after the last phase change the
// first life logged (the schedule takes over at its next boundary after
// that change), so the test moves the close to the second after the kill
// rather than to some time before the first start.
#include <ctime>

#include "controls/controls_support.hpp"
#include "recovery/log_lines.hpp"

namespace matchgate::testing::controls {
namespace {

// A zone Etc/GMT-N (UTC+N) in which the local time is now between 12:00
// and 13:00, so that a session from an hour ago to an hour ahead does not
// cross midnight.
struct MiddayZone {
  std::string name;
  int offset_s = 0;
  MiddayZone() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    int hours = 12 - utc.tm_hour;  // -11 .. 12: every one exists as Etc/GMT-N
    if (hours < -12) hours += 24;
    offset_s = hours * 3600;
    name = hours == 0  ? "UTC"
           : hours > 0 ? "Etc/GMT-" + std::to_string(hours)
                       : "Etc/GMT+" + std::to_string(-hours);
  }
  std::tm local_at(std::time_t t) const {
    const std::time_t shifted = t + offset_s;
    std::tm out{};
    ::gmtime_r(&shifted, &out);
    return out;
  }
  // "HH:MM:SS" local at `t`.
  std::string time_at(std::time_t t) const {
    char buf[16];
    const std::tm l = local_at(t);
    std::strftime(buf, sizeof buf, "%H:%M:%S", &l);
    return buf;
  }
  std::string time_of_day(std::int64_t shift_s) const {
    return time_at(std::time(nullptr) + shift_s);
  }
  // The local date ("YYYYMMDD") `shift_s` from now.
  std::string date(std::int64_t shift_s = 0) const {
    char buf[16];
    const std::tm l = local_at(std::time(nullptr) + shift_s);
    std::strftime(buf, sizeof buf, "%Y%m%d", &l);
    return buf;
  }
  // Every day a trading day, so that the test does not depend on the weekday.
  std::string schedule(const std::string& open, const std::string& close) const {
    return "time_zone = \"" + name + "\"\nopen = \"" + open + "\"\nclose = \"" + close +
           "\"\ntrading_days = [\"Sun\", \"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\"]\n";
  }
};

constexpr const char* kCloseRecord = "Control action=\"session\" origin=\"schedule\"";
constexpr const char* kExpireDay = "OrderRequest kind=\"expire-day\"";

std::size_t closes_logged(const std::string& dump) {
  return count_lines(dump, {kCloseRecord, " phase=0 "});
}

TEST(TradingDay, AMissedCloseIsAppliedOnceAtTheRestart) {
  const MiddayZone zone;
  DaemonOptions o = gw::small();
  const std::string open = zone.time_of_day(-3600);
  o.trading_day = zone.schedule(open, zone.time_of_day(3600));
  Daemon d(o);
  EXPECT_NE(status_of(d).find("venue: session open, business date " + zone.date()),
            std::string::npos)
      << status_of(d);
  auto m1 = gw::logged_on(d, "MEMBER1");
  EXPECT_TRUE(await_message(*m1, Wanted{"h", {{340, "2"}}}));  // told the phase at logon
  EXPECT_EQ(order_answer(*m1, "DAY1", "ACME", '1', "5", "99.00", {{59, "0"}}).get(150), "0");
  const FixMessage gtc = order_answer(*m1, "GTC1", "ACME", '1', "5", "98.00", {{59, "1"}});
  EXPECT_EQ(gtc.get(150), "0");
  const std::uint64_t next_out = m1->next_seq();
  const std::uint64_t expect_in = gtc.seq() + 1;
  m1.reset();
  d.kill();
  // Taking the first business date closed no session: nothing expired.
  const std::size_t expiries_before = count_lines(wal_dump(d), {kExpireDay});
  EXPECT_EQ(expiries_before, 0U);

  // Down across the close: the close moves to the next whole second, after
  // everything the first life logged, and the daemon stays down until it
  // has passed (a real clock and whole seconds in the schedule).
  const std::time_t close = std::time(nullptr) + 1;
  o.trading_day = zone.schedule(open, zone.time_at(close));
  d.set_options(o);
  ASSERT_TRUE(polled_until([&] { return std::time(nullptr) > close; }, 5s));
  ASSERT_TRUE(d.restart()) << d.log();
  const std::string closed = status_of(d);
  EXPECT_NE(closed.find("venue: session closed, business date " + zone.date(24 * 3600)),
            std::string::npos)
      << closed;
  m1 = gw::relogon(d, "MEMBER1", next_out);
  ASSERT_TRUE(m1);
  EXPECT_TRUE(
      await_message(*m1, Wanted{"h", {{340, "3"}, {58, zone.date(24 * 3600) + " closed"}}}));
  // The expiry was sent while MEMBER1 was away: it comes with the resend.
  m1->send("2", {{7, std::to_string(expect_in)}, {16, "0"}});
  EXPECT_TRUE(await_message(*m1, Wanted{"8", {{11, "DAY1"}, {150, "C"}, {39, "C"}}}));
  EXPECT_EQ(ord_status(*m1, "DAY1", "ACME", '1'), "C");
  EXPECT_EQ(ord_status(*m1, "GTC1", "ACME", '1'), "0");
  const FixMessage refused = order_answer(*m1, "N1", "ACME", '1', "1", "97.00");
  EXPECT_EQ(refused.get(103), "2") << refused.printable();
  EXPECT_EQ(refused.get(58), "trading session closed");
  const std::uint64_t next_out2 = m1->next_seq();
  m1.reset();
  d.kill();
  const std::string dump = wal_dump(d);
  EXPECT_EQ(closes_logged(dump), 1U) << dump;
  // One expiry sweep per shard, logged after the close's Control record.
  EXPECT_EQ(count_lines(dump, {kExpireDay}), expiries_before + 2) << dump;
  const auto close_at = matches(
      dump,
      R"((?:^|\n)(\d+) \S+ Control action="session" origin="schedule" business_date=\d+ phase=0 )");
  const auto expiries = matches(dump, R"((?:^|\n)(\d+) \S+ OrderRequest kind="expire-day")");
  ASSERT_EQ(close_at.size(), 1U);
  ASSERT_GE(expiries.size(), 2U);
  EXPECT_LT(std::stoull(close_at[0]), std::stoull(expiries[expiries.size() - 2]));

  // Once more: nothing left to apply.
  ASSERT_TRUE(d.restart()) << d.log();
  EXPECT_EQ(status_of(d), closed);
  m1 = gw::relogon(d, "MEMBER1", next_out2);
  ASSERT_TRUE(m1);
  EXPECT_EQ(ord_status(*m1, "GTC1", "ACME", '1'), "0");
  m1.reset();
  ASSERT_EQ(d.stop(), 0);
  const std::string dump2 = wal_dump(d);
  EXPECT_EQ(closes_logged(dump2), 1U);
  EXPECT_EQ(count_lines(dump2, {kExpireDay}), expiries_before + 2);
  if (::testing::Test::HasFailure()) std::cerr << d.log().substr(0, 100000);
}

TEST(TradingDay, TheOperatorClosesAndOpensTheSession) {
  Daemon d(gw::small());
  auto m1 = gw::logged_on(d, "MEMBER1");
  auto m2 = gw::logged_on(d, "MEMBER2");
  EXPECT_EQ(order_answer(*m1, "DAY1", "ACME", '1', "5", "99.00", {{59, "0"}}).get(150), "0");
  EXPECT_EQ(order_answer(*m1, "GTC1", "ACME", '1', "5", "98.00", {{59, "1"}}).get(150), "0");
  const std::string answer = admin_ok(d, "session close");
  EXPECT_NE(answer.find("session closed"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Day orders expire"), std::string::npos) << answer;
  for (FixClient* c : {m1.get(), m2.get()}) {
    EXPECT_TRUE(await_message(*c, Wanted{"h", {{340, "3"}}}));
  }
  EXPECT_TRUE(await_message(*m1, Wanted{"8", {{11, "DAY1"}, {150, "C"}, {39, "C"}}}));
  EXPECT_EQ(ord_status(*m1, "GTC1", "ACME", '1'), "0");
  EXPECT_EQ(order_answer(*m2, "N1", "ACME", '2', "1", "101.00").get(58), "trading session closed");
  EXPECT_NE(status_of(d).find("venue: session closed"), std::string::npos);
  EXPECT_NE(admin_ok(d, "session close").find("already closed"), std::string::npos);

  admin_ok(d, "session open");
  for (FixClient* c : {m1.get(), m2.get()}) {
    EXPECT_TRUE(await_message(*c, Wanted{"h", {{340, "2"}}}));
  }
  EXPECT_EQ(order_answer(*m2, "N2", "ACME", '2', "1", "101.00").get(150), "0");
  EXPECT_EQ(admin(d, "session later").status, 2);  // a usage error
}

}  // namespace
}  // namespace matchgate::testing::controls
