// Snapshots from the outside: the daemon takes them while members trade,
// recovers from the newest valid one to the same state a replay of the whole
// log gives, answers resends from before the snapshot, skips a damaged
// snapshot, and with delete_covered_segments removes the segments snapshots
// make unnecessary without losing anything.
#include <filesystem>
#include <fstream>

#include "gateway/gateway_test_util.hpp"
#include "recovery/log_lines.hpp"
#include "support/command.hpp"

namespace matchgate::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The last `shards` values of a "state_hash" pattern in the daemon's log.
std::vector<std::string> last_hashes(const Daemon& d, const std::string& pattern,
                                     std::size_t shards = 2) {
  const std::vector<std::string> all = matches(d.log(), pattern);
  if (all.size() < shards) return {};
  return {all.end() - static_cast<std::ptrdiff_t>(shards), all.end()};
}
const char* const kLive = R"(shard \d+ state_hash ([0-9a-f]{16}))";
const char* const kRecovered = R"(shard \d+ recovered state_hash ([0-9a-f]{16}))";

std::vector<fs::path> files(const Daemon& d, const std::string& extension) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(d.wal_dir())) {
    if (e.path().extension() == extension) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

CommandRun wal_verify(const Daemon& d) {
  return run_command(Daemon::binary("matchgate-wal") + " verify --dir " + d.wal_dir() +
                     " --pubkey " + d.public_key_path());
}

// Resting orders on both sides and trades between two members; returns the
// messages MEMBER1 received, by MsgSeqNum, and its next outbound seq.
struct Session {
  std::map<std::uint64_t, FixMessage> received;
  std::uint64_t next_out = 0;
};
Session trade(const Daemon& d, int round) {
  Session s;
  auto buyer = gw::logged_on(d, "MEMBER1");
  auto seller = gw::logged_on(d, "MEMBER2");
  const std::string r = std::to_string(round);
  // In waves, so that snapshots fall between them (the daemon handles a
  // whole socket read before it looks at its snapshot schedule).
  for (int i = 0; i < 25; ++i) {
    const std::string n = r + "-" + std::to_string(i);
    gw::new_order(*buyer, "B" + n, "ACME", '1', "10", "100.00");
    gw::new_order(*buyer, "R" + n, "ACME", '1', "3", "95.00");  // rests
    gw::new_order(*seller, "S" + n, "ACME", '2', "4", "100.00");
    // B: ack and a fill of 4 (the S order); R: an ack.
    for (int k = 0; k < 3;) {
      auto m = buyer->receive(5s);
      if (!m) break;
      if (m->type == "8") ++k;
      s.received.emplace(m->seq(), *m);
    }
  }
  for (const auto& m : buyer->drain(300ms)) s.received.emplace(m.seq(), m);
  buyer->send("5", {});
  s.next_out = buyer->next_seq();
  buyer->peer_closed(2s);
  return s;
}

DaemonOptions with_snapshots(const std::string& extra = {}) {
  DaemonOptions o = gw::small();
  o.wal_extra += "snapshot_every_records = 25\nsnapshot_min_interval_s = 0\n" + extra;
  return o;
}

TEST(Snapshots, RecoveryFromTheNewestEqualsAReplayOfTheWholeLog) {
  Daemon d(with_snapshots());
  const Session first = trade(d, 1);
  ASSERT_GE(first.received.size(), 75U);
  ASSERT_EQ(d.stop(), 0) << d.log();
  const std::vector<std::string> live = last_hashes(d, kLive);
  ASSERT_EQ(live.size(), 2U) << d.log();
  EXPECT_FALSE(matches(d.log(), R"(snapshot: the state up to record (\d+))").empty()) << d.log();
  ASSERT_FALSE(files(d, ".snap").empty());

  // From the newest snapshot plus the log after it.
  ASSERT_TRUE(d.restart()) << d.log();

  // Messages from before the snapshot come back identical on a resend.
  auto again = gw::relogon(d, "MEMBER1", first.next_out);
  ASSERT_TRUE(again);
  again->send("2", {{7, "1"}, {16, "0"}});
  // The resend is answered whole before the next message is read: the
  // Heartbeat answering this TestRequest ends it.
  std::vector<FixMessage> resent;
  ASSERT_TRUE(gw::alive(*again, "resent", &resent));
  std::size_t compared = 0;
  for (const auto& m : resent) {
    if (m.type != "8") continue;
    const auto it = first.received.find(m.seq());
    ASSERT_NE(it, first.received.end()) << m.printable();
    EXPECT_EQ(m.get(43), "Y");
    for (int tag : {11, 17, 37, 39, 150, 14, 151}) {
      EXPECT_EQ(m.get(tag), it->second.get(tag)) << "tag " << tag << " of " << m.printable();
    }
    ++compared;
  }
  std::size_t reports = 0;
  for (const auto& [seq, m] : first.received) reports += m.type == "8" ? 1 : 0;
  EXPECT_EQ(compared, reports);
  // The resting orders are still known by ClOrdID.
  again->send("H", {{11, "R1-7"}, {55, "ACME"}, {54, "1"}});
  const auto status = again->receive_type("8", 5s, true);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->get(39), "0") << status->printable();
  again.reset();
  ASSERT_EQ(d.stop(), 0);
  EXPECT_FALSE(matches(d.log(), R"(log: starting from snapshot (snap-\d+\.snap))").empty());
  EXPECT_EQ(last_hashes(d, kRecovered), live);
  if (::testing::Test::HasFailure()) std::cerr << d.log();
  const std::size_t from_snapshot = matches(d.log(), "(log: starting from snapshot)").size();

  // Without snapshots the whole log is replayed, to the same state.
  const fs::path aside = fs::path(d.dir()) / "snapshots-aside";
  fs::create_directories(aside);
  for (const fs::path& p : files(d, ".snap")) fs::rename(p, aside / p.filename());
  ASSERT_TRUE(d.restart()) << d.log();
  ASSERT_EQ(d.stop(), 0);
  EXPECT_EQ(matches(d.log(), "(log: starting from snapshot)").size(), from_snapshot);
  EXPECT_EQ(last_hashes(d, kRecovered), live);
}

TEST(Snapshots, ADamagedSnapshotIsSkippedForAnOlderOne) {
  Daemon d(with_snapshots());
  trade(d, 1);
  ASSERT_EQ(d.stop(), 0);
  const std::vector<std::string> live = last_hashes(d, kLive);
  const std::vector<fs::path> snaps = files(d, ".snap");
  ASSERT_GE(snaps.size(), 2U) << "keep_snapshots defaults to 2";
  {
    std::fstream f(snaps.back(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(300);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x10);
    f.seekp(300);
    f.write(&c, 1);
  }
  ASSERT_TRUE(d.restart()) << d.log();
  ASSERT_EQ(d.stop(), 0);
  const std::vector<std::string> skipped =
      matches(d.log(), R"(log: snapshot (snap-\d+\.snap) is not used)");
  ASSERT_EQ(skipped.size(), 1U) << d.log();
  EXPECT_EQ(skipped[0], snaps.back().filename().string());
  const std::vector<std::string> used =
      matches(d.log(), R"(log: starting from snapshot (snap-\d+\.snap))");
  ASSERT_FALSE(used.empty());
  EXPECT_EQ(used.back(), snaps[snaps.size() - 2].filename().string());
  EXPECT_EQ(last_hashes(d, kRecovered), live);
}

TEST(Snapshots, RetentionRemovesOnlyWhatSnapshotsCover) {
  // Every start opens a new segment; snapshots taken later cover the
  // earlier ones.
  Daemon d(with_snapshots("delete_covered_segments = true\nkeep_snapshots = 1\n"));
  for (int round = 1; round <= 3; ++round) {
    trade(d, round);
    ASSERT_EQ(d.stop(), 0) << d.log();
    ASSERT_TRUE(d.restart()) << d.log();
  }
  trade(d, 4);
  ASSERT_EQ(d.stop(), 0);
  const std::vector<std::string> live = last_hashes(d, kLive);
  const std::vector<fs::path> segs = files(d, ".log");
  ASSERT_FALSE(segs.empty());
  // Segment 1 held the first start's records, all covered by later snapshots.
  EXPECT_NE(segs.front().filename().string().substr(13, 6), "000001") << segs.front();
  EXPECT_EQ(files(d, ".snap").size(), 1U);
  const CommandRun verify = wal_verify(d);
  EXPECT_EQ(verify.status, 0) << verify.out;
  ASSERT_TRUE(d.restart()) << d.log();
  ASSERT_EQ(d.stop(), 0);
  EXPECT_EQ(last_hashes(d, kRecovered), live);
}

TEST(Snapshots, ClOrdIdKeysOutliveTheirRecordsThroughASnapshot) {
  // Few records, so KEY1's record is recycled long before the snapshot the
  // daemon recovers from: only the dedup key, carried by the snapshot,
  // still knows KEY1 was used.
  DaemonOptions o;
  o.gateway_extra = "max_tracked_orders = 1024\n";
  o.wal_extra = "snapshot_every_records = 500\nsnapshot_min_interval_s = 0\n";
  Daemon d(o);
  {
    auto c = gw::logged_on(d, "MEMBER1");
    const Fields ioc = {{59, "3"}};
    gw::new_order(*c, "KEY1", "ACME", '1', "1", "100.00", ioc);  // nothing to trade: done at once
    ASSERT_EQ(gw::next_er(*c).get(150), "0");
    ASSERT_EQ(gw::next_er(*c).get(150), "4");
    for (int wave = 0; wave < 12; ++wave) {
      for (int i = 0; i < 100; ++i) {
        gw::new_order(*c, "F" + std::to_string(wave * 100 + i), "ACME", '1', "1", "100.00", ioc);
      }
      for (int i = 0; i < 200; ++i) ASSERT_TRUE(c->receive_type("8", 5s, true));
    }
    c->send("H", {{11, "KEY1"}, {55, "ACME"}, {54, "1"}});
    const auto status = c->receive_type("8", 5s, true);
    ASSERT_TRUE(status);
    ASSERT_EQ(status->get(39), "8") << "KEY1's record should be recycled: " << status->printable();
  }
  ASSERT_EQ(d.stop(), 0);
  const std::vector<std::string> snaps =
      matches(d.log(), R"(snapshot: the state up to record (\d+))");
  ASSERT_FALSE(snaps.empty());
  ASSERT_TRUE(d.restart()) << d.log();
  auto c = gw::logged_on(d, "MEMBER1");
  gw::new_order(*c, "KEY1", "ACME", '1', "1", "100.00", {{59, "3"}});
  const FixMessage again = gw::next_er(*c);
  EXPECT_EQ(again.get(150), "8") << again.printable();
  EXPECT_EQ(again.get(103), "6") << again.printable();
  c.reset();
  ASSERT_EQ(d.stop(), 0);
  EXPECT_FALSE(matches(d.log(), R"(log: starting from snapshot (snap-\d+\.snap))").empty());
}

}  // namespace
}  // namespace matchgate::testing
