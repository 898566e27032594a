// Resends after a restart are the original messages: reports of engine
// events are logged without their text and composed again at recovery, so
// a member who asks for everything again after a clean restart, after
// kill -9, and after a recovery from a snapshot must get back exactly the
// bytes it first received, apart from the fields FIX changes on a resend.
#include <map>
#include <set>

#include "gateway/gateway_test_util.hpp"
#include "recovery/log_lines.hpp"

namespace matchgate::testing {
namespace {

using namespace std::chrono_literals;

// The raw message without the fields a resend changes or adds:
// BodyLength(9), CheckSum(10), PossDupFlag(43), SendingTime(52),
// OrigSendingTime(122). Everything else must be byte for byte the same,
// in the same order.
std::string resend_invariant(const std::string& raw) {
  static const std::set<std::string> changed{"9", "10", "43", "52", "122"};
  std::string out;
  std::size_t start = 0;
  while (start < raw.size()) {
    std::size_t end = raw.find('\x01', start);
    if (end == std::string::npos) end = raw.size();
    const std::string field = raw.substr(start, end - start);
    if (changed.count(field.substr(0, field.find('='))) == 0) out += field + '|';
    start = end + 1;
  }
  return out;
}

bool is_application(const FixMessage& m) {
  return m.type == "8" || m.type == "9" || m.type == "3" || m.type == "j";
}

// What one member received, by MsgSeqNum, and where its own numbers are.
struct Received {
  std::string comp_id;
  std::map<std::uint64_t, FixMessage> messages;
  std::uint64_t next_out = 1;
};

// Everything the daemon sent `c` until it has been quiet after answering a
// TestRequest.
void collect(FixClient& c, Received& r) {
  std::vector<FixMessage> before;
  ASSERT_TRUE(gw::alive(c, "sync-" + std::to_string(c.next_seq()), &before)) << r.comp_id;
  // The Heartbeat answers at once; reports of the shard may follow it.
  for (FixMessage& m : c.drain(300ms)) before.push_back(std::move(m));
  for (FixMessage& m : before) r.messages.emplace(m.seq(), std::move(m));
  r.next_out = c.next_seq();
}

void settle(FixClient& a, Received& ra, FixClient& b, Received& rb) {
  collect(a, ra);
  collect(b, rb);
}

// A history with both sides of trades, partial fills, a replace, cancels,
// an engine reject and a gateway reject. `tag` keeps ClOrdIDs unique.
void trade(FixClient& m1, Received& r1, FixClient& m2, Received& r2, const std::string& tag) {
  gw::new_order(m1, "B1" + tag, "ACME", '1', "10", "100.00");  // rests
  gw::new_order(m2, "S1" + tag, "ACME", '2', "4", "100.00");   // fills 4 of B1: both sides
  settle(m1, r1, m2, r2);
  m1.send("G", {{11, "B1R" + tag},
                {41, "B1" + tag},
                {55, "ACME"},
                {54, "1"},
                {38, "12"},
                {40, "2"},
                {44, "101.00"},
                {60, utc_now()}});
  settle(m1, r1, m2, r2);
  gw::new_order(m2, "S2" + tag, "ACME", '2', "12", "101.00");  // fills B1R's 8: partial for S2
  settle(m1, r1, m2, r2);
  m2.send("F", {{11, "C2" + tag}, {41, "S2" + tag}, {55, "ACME"}, {54, "2"}, {60, utc_now()}});
  gw::new_order(m1, "B2" + tag, "ACME", '1', "5", "99.00");
  settle(m1, r1, m2, r2);
  m1.send("F", {{11, "C3" + tag}, {41, "B2" + tag}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  m1.send("F", {{11, "C4" + tag}, {41, "none" + tag}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  gw::new_order(m2, "X" + tag, "ACME", '2', "3", "0.001");  // off tick: the engine rejects it
  gw::new_order(m2, "I" + tag, "ACME", '1', "2", "90.00", {{59, "3"}});  // IOC, nothing to hit
  settle(m1, r1, m2, r2);
}

// Logs on again without a reset, asks for everything from 1 and checks each
// application message against the one first received.
void expect_identical_resend(const Daemon& d, Received& r, const std::string& when) {
  auto c = gw::relogon(d, r.comp_id, r.next_out);
  ASSERT_TRUE(c) << when;
  c->send("2", {{7, "1"}, {16, "0"}});
  // The gateway answers a ResendRequest whole before it reads the next
  // message, so the Heartbeat answering this TestRequest ends the resend.
  std::vector<FixMessage> resent;
  ASSERT_TRUE(gw::alive(*c, "resent", &resent)) << when << ": " << r.comp_id;
  std::size_t compared = 0;
  std::uint64_t covered = 0;
  for (const FixMessage& m : resent) {
    if (m.type == "4" && m.get(123) == "Y") {
      covered = std::max<std::uint64_t>(covered, std::stoull(m.get(36)) - 1);
      const auto it = r.messages.lower_bound(m.seq());
      if (it != r.messages.end() && it->first < std::stoull(m.get(36))) {
        EXPECT_FALSE(is_application(it->second))
            << when << ": " << r.comp_id << " got a gap fill over " << it->second.printable();
      }
      continue;
    }
    if (!is_application(m) || m.get(43) != "Y") continue;
    covered = std::max(covered, m.seq());
    const auto it = r.messages.find(m.seq());
    ASSERT_NE(it, r.messages.end()) << when << ": never sent before: " << m.printable();
    EXPECT_EQ(resend_invariant(m.raw), resend_invariant(it->second.raw))
        << when << ": " << r.comp_id << " MsgSeqNum " << m.seq();
    EXPECT_EQ(m.get(122), it->second.get(52)) << "OrigSendingTime is the first SendingTime";
    ++compared;
  }
  std::size_t sent = 0;
  for (const auto& [seq, m] : r.messages) sent += is_application(m) ? 1 : 0;
  EXPECT_EQ(compared, sent) << when << ": " << r.comp_id;
  EXPECT_GE(covered + 1, r.messages.rbegin()->first) << when;
  c->send("5", {});
  r.next_out = c->next_seq();
  c->peer_closed(2s);
}

TEST(Resend, AfterCleanRestartCrashAndSnapshotIsByteIdentical) {
  DaemonOptions o = gw::small();
  o.wal_extra += "snapshot_every_records = 40\nsnapshot_min_interval_s = 0\n";
  Daemon d(o);
  Received r1{"MEMBER1", {}, 1};
  Received r2{"MEMBER2", {}, 1};
  {
    auto m1 = gw::logged_on(d, "MEMBER1");
    auto m2 = gw::logged_on(d, "MEMBER2");
    trade(*m1, r1, *m2, r2, "a");
    r1.next_out = m1->next_seq();
    r2.next_out = m2->next_seq();
  }
  std::size_t reports = 0;
  for (const auto& [seq, m] : r1.messages) reports += m.type == "8" ? 1 : 0;
  std::string history;
  for (const auto& [seq, m] : r1.messages) history += "\n  " + m.printable();
  for (const auto& [seq, m] : r2.messages) history += "\n  " + m.printable();
  ASSERT_GE(reports, 6U) << "the history is too short to mean anything:" << history;

  ASSERT_EQ(d.stop(), 0) << d.log();
  ASSERT_TRUE(d.restart()) << d.log();
  expect_identical_resend(d, r1, "after a clean restart");
  expect_identical_resend(d, r2, "after a clean restart");

  // More history after the restart (snapshots fall into it), then kill -9:
  // the next recovery starts from a snapshot and regenerates the reports
  // logged after it.
  {
    auto m1 = gw::relogon(d, "MEMBER1", r1.next_out);
    auto m2 = gw::relogon(d, "MEMBER2", r2.next_out);
    ASSERT_TRUE(m1 && m2);
    for (const char* tag : {"b", "c", "d"}) trade(*m1, r1, *m2, r2, tag);
    r1.next_out = m1->next_seq();
    r2.next_out = m2->next_seq();
    d.kill();
  }
  ASSERT_TRUE(d.restart()) << d.log();
  expect_identical_resend(d, r1, "after kill -9, from a snapshot");
  expect_identical_resend(d, r2, "after kill -9, from a snapshot");
  ASSERT_EQ(d.stop(), 0) << d.log();
  // The daemon's log is complete once it has stopped.
  const std::string log = d.log();
  const auto kill_recovery = log.rfind("the last run did not stop cleanly");
  ASSERT_NE(kill_recovery, std::string::npos) << log;
  const auto from_snapshot = log.rfind("log: starting from snapshot", kill_recovery);
  const auto previous_start = log.rfind("starting: config", kill_recovery);
  EXPECT_TRUE(from_snapshot != std::string::npos && from_snapshot > previous_start)
      << "the recovery after the kill did not start from a snapshot:\n"
      << log;
  EXPECT_EQ(log.find("differ from the ones sent"), std::string::npos) << log;
}

}  // namespace
}  // namespace matchgate::testing
