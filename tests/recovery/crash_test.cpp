// Acknowledged means durable: the daemon is killed with SIGKILL at random
// moments while several FIX sessions trade through it, and after every
// restart each member checks what it was told against what the daemon
// remembers. Seeds are fixed; MATCHGATE_CRASH_KILLS raises the number of
// kills (default 20) for a longer run. SIGKILL keeps the page cache, so this
// shows "written before sent"; "fdatasync'd before sent" is tested with
// simulated power loss in tests/wal/wal_power_loss_test.cpp (in process)
// and tests/recovery/power_cut_test.cpp (the daemon).
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "gateway/gateway_test_util.hpp"
#include "recovery/log_lines.hpp"
#include "recovery/member_trading.hpp"

namespace matchgate::testing {
namespace {

using namespace std::chrono_literals;
using gw::password_of;

TEST(CrashRecovery, SigkillUnderLoadLosesNothingAcknowledgedAndAppliesNothingTwice) {
  int kills = 20;
  if (const char* k = std::getenv("MATCHGATE_CRASH_KILLS")) kills = std::atoi(k);
  // Room to remember every ClOrdID of the run, so that the status check at
  // the end can ask about any of them (finished ones are recycled when full).
  DaemonOptions base;
  base.gateway_extra = "max_tracked_orders = 262144\n";
  DaemonOptions o = gw::three_members(base);
  o.members[2].cancel_on_disconnect = false;
  // Snapshots are taken under load and at random moments before kills; the
  // first life recovers by replaying the whole log, later ones from the
  // newest snapshot. A life logs one to two thousand records: every 200
  // gives several snapshots per life, so kills land at all distances from
  // the newest one.
  o.wal_extra += "snapshot_every_records = 200\nsnapshot_min_interval_s = 0\n";
  // MATCHGATE_CRASH_SYNC=async|none runs it without group commit. It need
  // not fail then: SIGKILL keeps the page cache, so only a message sent
  // before its record was even written is caught (one run each, 2026-12-02:
  // async failed at the 17th kill, none passed). That async and none lose
  // acknowledged records at a power cut, and group does not, is asserted by
  // tests/wal/wal_power_loss_test.cpp (docs/WAL.md 12).
  if (const char* sync = std::getenv("MATCHGATE_CRASH_SYNC")) {
    o.wal_extra += std::string("sync = \"") + sync + "\"\n";
  }
  Daemon d(o);
  std::vector<MemberBook> books;
  for (const char* m : {"MEMBER1", "MEMBER2", "MEMBER3"}) {
    MemberBook b;
    b.comp_id = m;
    books.push_back(std::move(b));
  }
  std::mt19937_64 rng(20261121);

  for (int life = 0; life <= kills; ++life) {
    if (life > 0) {
      ASSERT_TRUE(d.restart()) << "restart " << life << " failed:\n" << d.log();
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < books.size(); ++i) {
      threads.emplace_back(trade, std::cref(d), std::ref(books[i]), rng(), std::ref(stop));
    }
    const auto alive = std::chrono::milliseconds(100 + rng() % 400);
    std::this_thread::sleep_for(alive);
    if (life < kills) {
      d.kill();
    } else {
      stop = true;
    }
    for (auto& t : threads) t.join();
    for (const MemberBook& b : books) {
      for (const std::string& f : b.failures) ADD_FAILURE() << "life " << life << ": " << f;
    }
    if (::testing::Test::HasFailure()) {
      std::cerr << d.log().substr(0, 100000);
      return;
    }
  }

  // Order ids continue across lives: no two acknowledged orders share one,
  // and no execution is reported twice under different ids.
  std::map<std::string, std::string> order_of_ack;
  std::set<std::string> exec_ids;
  std::uint64_t acks = 0;
  std::uint64_t fills = 0;
  for (const MemberBook& b : books) {
    for (const auto& [seq, m] : b.received) {
      if (m.type != "8") continue;
      const std::string exec_type = m.get(150);
      if (exec_type == "0") {
        ++acks;
        const auto [it, fresh] = order_of_ack.emplace(m.get(37), b.comp_id + "/" + m.get(11));
        EXPECT_TRUE(fresh) << "OrderID " << m.get(37) << " given to " << it->second << " and "
                           << b.comp_id << "/" << m.get(11);
      }
      if (exec_type == "F") ++fills;
      if (exec_type != "I") {
        EXPECT_TRUE(exec_ids.insert(b.comp_id + "/" + m.get(17)).second)
            << "ExecID " << m.get(17) << " reported twice to " << b.comp_id;
      }
    }
  }
  EXPECT_GT(acks, 100U) << "the test traded too little to mean anything";
  EXPECT_GT(fills, 20U);
  std::cout << kills << " kills; " << acks << " orders acknowledged, " << fills
            << " fills, across 3 members\n";

  // Every member catches up on what was sent to it after it stopped
  // reading (fills of its resting orders by others' last orders): a logon
  // and a resend from 1, nothing more.
  // The daemon may still be working through the last orders sent, so
  // rounds repeat until one brings nothing new.
  {
    std::atomic<bool> stopped{true};
    std::size_t before = 0;
    for (int round = 0; round < 20; ++round) {
      std::size_t after = 0;
      for (MemberBook& b : books) {
        trade(d, b, 0, stopped);
        after += b.received.size();
      }
      if (after == before) break;
      before = after;
      std::this_thread::sleep_for(200ms);
    }
    for (const MemberBook& b : books) {
      for (const std::string& f : b.failures) ADD_FAILURE() << "catching up: " << f;
    }
  }

  // Every fill a member was told of is still there, and every fill that is
  // there was told: the daemon's state of each order equals the member's
  // last report of it. (A fill whose request was durable but whose report
  // was not when the daemon was killed is replayed into the book; recovery
  // makes its report again, and the member gets it in the catch-up above.)
  std::size_t checked = 0;
  for (MemberBook& b : books) {
    std::map<std::string, const FixMessage*> last;  // OrderID -> its latest report
    for (const auto& [seq, m] : b.received) {
      if (m.type == "8" && m.get(150) != "8" && m.get(150) != "I") last[m.get(37)] = &m;
    }
    auto c = gw::logged_on(d, b.comp_id);  // a fresh session: only order state matters now
    std::size_t asked = 0;
    for (const auto& [order_id, m] : last) {
      if (asked++ % 4 != 0) continue;  // a quarter of them keeps the test short
      // A cancel's report names the cancel request; the order is its 41.
      const std::string id = m->get(150) == "4" ? m->get(41) : m->get(11);
      c->send("H", {{11, id}, {55, "ACME"}, {54, m->get(54)}});
      const auto s = c->receive_type("8", 5s, true);
      ASSERT_TRUE(s) << b.comp_id << " status of " << id;
      EXPECT_EQ(s->get(150), "I") << s->printable();
      EXPECT_EQ(s->get(37), order_id) << s->printable();
      const long long daemon_cum = std::stoll(s->get(14));
      const long long told_cum = std::stoll(m->get(14));
      ++checked;
      if (daemon_cum == told_cum && s->get(39) == m->get(39)) continue;
      std::string history;
      for (const auto& [seq, r] : b.received) {
        if (r.get(37) == order_id) history += "\n  " + r.printable();
      }
      ADD_FAILURE() << b.comp_id << " " << id
                    << (daemon_cum < told_cum   ? " lost fills"
                        : daemon_cum > told_cum ? " has fills never reported"
                                                : " OrdStatus differs")
                    << ": daemon " << s->printable() << "\nmember's reports:" << history;
    }
  }
  EXPECT_GT(checked, 20U);
  std::cout << checked << " orders checked\n";
  // The state built live equals a fresh replay of the same log.
  ASSERT_EQ(d.stop(), 0) << d.log();
  // A killed life's log lines may die in its buffers; the last life, just
  // stopped cleanly, has all of its own: from its start line on.
  const std::string log = d.log();
  const std::size_t last_start = log.rfind(" starting: config ");
  ASSERT_NE(last_start, std::string::npos) << log;
  const std::string last_life = log.substr(last_start);
  std::size_t made_again = 0;
  for (const std::string& n : matches(last_life, R"(log: (\d+) reports of replayed events)")) {
    made_again += std::stoul(n);
  }
  const std::size_t snapshots = matches(last_life, "(snapshot: the state up to)").size();
  const std::size_t from_snapshot = matches(last_life, "(log: starting from snapshot)").size();
  std::cout << "last life: took " << snapshots << " snapshots, made " << made_again
            << " reports again (their first copy died with the daemon)\n";
  // Earlier lives took snapshots (every 200 records): the last recovery
  // started from the newest, not from a replay of the whole log.
  EXPECT_EQ(from_snapshot, 1U) << "the last life did not start from a snapshot:\n" << last_life;
  const std::vector<std::string> live = matches(d.log(), R"(shard \d+ state_hash ([0-9a-f]{16}))");
  // A fresh daemon on the same log, so nothing of the live run is left.
  ASSERT_TRUE(d.restart());
  ASSERT_EQ(d.stop(), 0);
  const std::vector<std::string> replayed =
      matches(d.log(), R"(shard \d+ recovered state_hash ([0-9a-f]{16}))");
  ASSERT_GE(live.size(), 2U);
  ASSERT_GE(replayed.size(), 2U);
  // The clean stop wrote the live hashes last; the start after it recovered.
  const std::vector<std::string> last_live(live.end() - 2, live.end());
  const std::vector<std::string> last_replayed(replayed.end() - 2, replayed.end());
  EXPECT_EQ(last_live, last_replayed);
}

}  // namespace
}  // namespace matchgate::testing
