// Acknowledged means synced, under the real daemon (docs/WAL.md 12): the
// daemon runs with the test hook MATCHGATE_TEST_POWER_JOURNAL, so its log's
// writes and syncs are journaled; it is killed with SIGKILL while three
// members trade through it, then every write to its files after the file's
// last fdatasync is undone (apply_power_cut: what a power cut would have
// left), and after a restart each member logs on, asks for a resend from
// MsgSeqNum 1, and checks that every message it was ever told comes back
// identical. SIGKILL alone keeps the page cache (crash_test.cpp); the undo
// is what makes this "synced before sent".
//
// The same run with sync = "none" and "async" must find something a member
// was told missing: the negative controls, proving the check can fail.
// Every fdatasync is slowed down by the hook (a slow disk, kSyncDelay), the
// same in all three: in "async" the writer then always has records in
// flight that members were already told about, so one kill almost always
// catches some, and the control stops at the first kill that does (it
// allows up to kControlKills).
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "gateway/gateway_test_util.hpp"
#include "recovery/member_trading.hpp"
#include "support/power_cut.hpp"
#include "support/temp_dir.hpp"

namespace matchgate::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSyncDelayUs = "20000";
constexpr int kControlKills = 6;

struct PowerCutPlan {
  std::string sync;  // [wal] sync
  int kills = 4;
  bool stop_at_first_loss = false;
  bool snapshots = false;  // snapshots every 200 records, so recoveries start from one
  std::uint64_t seed = 0;
};

struct PowerCutOutcome {
  int kills = 0;
  int first_loss_after = 0;  // the power cut after which a member's check first failed
  int cuts_that_undid_writes = 0;
  std::vector<std::string> failures;
  std::size_t writes_undone = 0;  // over all power cuts
  std::size_t messages_received = 0;
};

// A directory for the journal, outside the daemon's (which the fixture
// makes when it starts the daemon, the hook already set).
class JournalDir {
 public:
  std::string journal() const { return (dir_.path() / "power.journal").string(); }

 private:
  TempDir dir_{"matchgate-power"};
};

DaemonOptions daemon_options(const PowerCutPlan& plan, const std::string& journal) {
  DaemonOptions base;
  base.gateway_extra = "max_tracked_orders = 262144\n";
  DaemonOptions o = gw::three_members(base);
  o.members[2].cancel_on_disconnect = false;
  o.wal_extra += "sync = \"" + plan.sync + "\"\n";
  if (plan.snapshots) o.wal_extra += "snapshot_every_records = 200\nsnapshot_min_interval_s = 0\n";
  o.env.push_back("MATCHGATE_TEST_POWER_JOURNAL=" + journal + ":" + kSyncDelayUs);
  return o;
}

// One life: every member checks what the previous lives told it and then
// trades, each on its own thread, until the daemon is killed (`kill_it`) or,
// for the last life, at once (a check only). Returns the failures found.
std::vector<std::string> live(Daemon& d, std::vector<MemberBook>& books, std::mt19937_64& rng,
                              bool kill_it) {
  std::atomic<bool> stop{!kill_it};
  std::vector<std::thread> threads;
  for (MemberBook& b : books) {
    threads.emplace_back(trade, std::cref(d), std::ref(b), rng(), std::ref(stop));
  }
  if (kill_it) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 350));
    d.kill();
  }
  for (std::thread& t : threads) t.join();
  std::vector<std::string> failures;
  for (MemberBook& b : books) {
    failures.insert(failures.end(), b.failures.begin(), b.failures.end());
    b.failures.clear();
  }
  return failures;
}

// After a kill: the power cut (torn writes after every other kill), a
// fresh journal for the next life. Returns how many writes it undid.
std::size_t cut_power(const std::string& journal, int kill) {
  const PowerCutReport cut = apply_power_cut(journal, kill % 2 == 0 ? Tear::none : Tear::half);
  std::filesystem::remove(journal);
  return cut.writes_undone;
}

// Lives of trading, each ended by SIGKILL and a power cut, then a last
// life, without the hook, that only checks.
PowerCutOutcome run_with_power_cuts(const PowerCutPlan& plan) {
  JournalDir journal_dir;
  Daemon d(daemon_options(plan, journal_dir.journal()));
  std::vector<MemberBook> books(3);
  for (std::size_t i = 0; i < books.size(); ++i)
    books[i].comp_id = "MEMBER" + std::to_string(i + 1);
  std::mt19937_64 rng(plan.seed);
  PowerCutOutcome out;
  for (int life = 0; life <= plan.kills; ++life) {
    const bool last = life == plan.kills || (plan.stop_at_first_loss && out.first_loss_after > 0);
    if (last) {
      DaemonOptions without_hook = d.options();
      without_hook.env.clear();
      d.set_options(without_hook);
    }
    if (life > 0 && !d.restart()) {
      out.failures.push_back("life " + std::to_string(life) + ": no restart:\n" + d.log());
      break;
    }
    const std::vector<std::string> failures = live(d, books, rng, !last);
    for (const std::string& f : failures) {
      out.failures.push_back("life " + std::to_string(life) + ": " + f);
    }
    if (!failures.empty() && out.first_loss_after == 0) out.first_loss_after = life;
    if (last) break;
    ++out.kills;
    const std::size_t undone = cut_power(journal_dir.journal(), life);
    out.writes_undone += undone;
    if (undone > 0) ++out.cuts_that_undid_writes;
  }
  for (const MemberBook& b : books) out.messages_received += b.received.size();
  if (d.running()) {
    EXPECT_EQ(d.stop(), 0) << d.log();
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

TEST(PowerCut, GroupCommitLosesNothingAnyMemberWasTold) {
  PowerCutPlan plan;
  plan.sync = "group";
  plan.kills = 4;
  plan.snapshots = true;
  plan.seed = 20261203;
  const PowerCutOutcome out = run_with_power_cuts(plan);
  EXPECT_TRUE(out.failures.empty()) << joined(out.failures);
  EXPECT_EQ(out.kills, plan.kills);
  // The power cuts took writes away (the check is not of a log that was
  // synced whole anyway), and members were told enough to matter.
  EXPECT_GT(out.writes_undone, 0U);
  EXPECT_GT(out.messages_received, 200U);
  std::cout << out.kills << " power cuts undid " << out.writes_undone << " writes ("
            << out.cuts_that_undid_writes << " cuts undid any); members kept "
            << out.messages_received << " messages\n";
}

// Negative controls: the same check, with sync modes that tell members
// before the log is synced, must find a loss.
class PowerCutControl : public ::testing::TestWithParam<std::string> {};

TEST_P(PowerCutControl, FindsWhatMembersWereToldMissing) {
  PowerCutPlan plan;
  plan.sync = GetParam();
  plan.kills = kControlKills;
  plan.stop_at_first_loss = true;
  plan.seed = 20261204;
  const PowerCutOutcome out = run_with_power_cuts(plan);
  EXPECT_GT(out.first_loss_after, 0) << "sync = " << GetParam() << ": " << out.kills
                                     << " power cuts and no member noticed a loss:\n"
                                     << joined(out.failures);
  std::cout << "sync = " << GetParam() << ": loss found after power cut " << out.first_loss_after
            << ":\n"
            << joined(out.failures).substr(0, 2000);
}

INSTANTIATE_TEST_SUITE_P(SyncModes, PowerCutControl, ::testing::Values("none", "async"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace matchgate::testing
