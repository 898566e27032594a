// matchgate-wal as an operator or auditor runs it on a log with snapshots:
// no log is not an empty log; verify checks every snapshot and ties it to
// the log; after retention it verifies from the oldest snapshot left.
#include <set>

#include "matchgate/wal/snapshot.hpp"
#include "support/command.hpp"
#include "wal/wal_test_util.hpp"

namespace matchgate::wal {
namespace {

using testing::block_end_before;
using testing::block_end_from;
using testing::chain_points;
using testing::Point;
using testing::read_file;
using testing::TempLog;
using testing::write_file;
using testing::write_log;
using testing::write_long_log;

using ToolRun = matchgate::testing::CommandRun;

ToolRun tool(const std::string& args) {
  return matchgate::testing::run_command(std::string(MATCHGATE_WAL_BIN) + " " + args);
}

std::string on(const TempLog& log) {
  return " --dir " + log.dir().string() + " --pubkey " + log.pub_path().string();
}

std::filesystem::path snapshot(const TempLog& log, const std::vector<Point>& points,
                               std::uint64_t seq) {
  SnapshotInfo info;
  info.seq = seq;
  info.chain_hash = points.at(seq - 1).hash;
  info.boots = points.at(seq - 1).boots;
  const std::vector<std::byte> payload(1234, std::byte{0x42});
  return write_snapshot(log.dir(), info, payload, log.key(), crypto::kDefaultSm2Id);
}

TEST(WalTool, NoLogIsNotAnEmptyLog) {
  TempLog log;
  // The directory does not exist.
  for (const char* cmd : {"verify", "stats", "dump"}) {
    const ToolRun r = tool(std::string(cmd) + on(log));
    EXPECT_EQ(r.status, 1) << cmd << ": " << r.out;
    EXPECT_TRUE(r.has(log.dir().string() + " does not exist")) << r.out;
    EXPECT_FALSE(r.has("OK")) << r.out;
  }
  // It exists but holds no segment (a snapshot alone is no log either).
  std::filesystem::create_directories(log.dir());
  write_file(log.dir() / "notes.txt", {'x'});
  const ToolRun empty = tool("verify" + on(log));
  EXPECT_EQ(empty.status, 1) << empty.out;
  EXPECT_TRUE(empty.has("no log in " + log.dir().string())) << empty.out;
  EXPECT_TRUE(empty.has("no segment files")) << empty.out;
  const ToolRun none = tool("snapshots" + on(log));
  EXPECT_EQ(none.status, 0) << none.out;
  EXPECT_TRUE(none.has("no snapshots in")) << none.out;
}

TEST(WalTool, VerifyChecksEverySnapshotAgainstTheLog) {
  TempLog log;
  write_log(log, 400);
  const auto points = chain_points(log);
  // A snapshot names the last record of a block.
  const std::uint64_t sa = block_end_from(points, 100);
  const std::uint64_t sb = block_end_from(points, 300);
  ASSERT_LT(sa, sb);
  const auto a = snapshot(log, points, sa);
  const auto b = snapshot(log, points, sb);

  ToolRun r = tool("verify" + on(log));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(r.has("OK: ")) << r.out;
  EXPECT_TRUE(r.has("snapshots: 2 verified (records " + std::to_string(sa) + ", " +
                    std::to_string(sb) + ")"))
      << r.out;
  r = tool("snapshots" + on(log));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(r.has(a.filename().string() + "  record " + std::to_string(sa) + "  ")) << r.out;
  EXPECT_TRUE(r.has("payload 1234 bytes  valid")) << r.out;

  // A changed payload.
  auto bytes = read_file(b);
  bytes[kSnapshotHeaderSize + 5] ^= 0x01;
  write_file(b, bytes);
  r = tool("verify" + on(log));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(r.has("OK: ")) << r.out;  // the log itself is fine
  EXPECT_TRUE(r.has("DAMAGED: snapshot " + b.filename().string() + ": payload SM3 mismatch"))
      << r.out;
  r = tool("snapshots" + on(log));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(r.has("INVALID: payload SM3 mismatch")) << r.out;
  std::filesystem::remove(b);

  // Signed with the log's key, but its position is not the log's.
  // (At the end of a block of several records, not a's.)
  SnapshotInfo wrong;
  for (const Point& p : points) {
    if (p.ends_block && p.seq > p.block_first && p.block_first > 1 && p.seq != sa) {
      wrong.seq = p.seq;
      break;
    }
  }
  ASSERT_NE(wrong.seq, 0U);
  wrong.chain_hash = points.at(block_end_before(points, wrong.seq) - 1).hash;  // the block before's
  wrong.boots = 1;
  const auto c = write_snapshot(log.dir(), wrong, {}, log.key(), crypto::kDefaultSm2Id);
  r = tool("verify" + on(log));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(r.has("DAMAGED: snapshot " + c.filename().string() +
                    ": its chain hash differs from the log's record " + std::to_string(wrong.seq)))
      << r.out;
  std::filesystem::remove(c);

  // A record inside a block has no chain hash a snapshot could be tied to.
  wrong.seq -= 1;
  ASSERT_FALSE(points.at(wrong.seq - 1).ends_block);
  const auto inside = write_snapshot(log.dir(), wrong, {}, log.key(), crypto::kDefaultSm2Id);
  r = tool("verify" + on(log));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(r.has("DAMAGED: snapshot " + inside.filename().string() + ": its record " +
                    std::to_string(wrong.seq) + " does not end a block of the log"))
      << r.out;
  std::filesystem::remove(inside);

  // A snapshot of records the log no longer has at its end.
  wrong.seq = points.back().seq + 10;
  const auto d = write_snapshot(log.dir(), wrong, {}, log.key(), crypto::kDefaultSm2Id);
  r = tool("verify" + on(log));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(r.has("DAMAGED: snapshot " + d.filename().string())) << r.out;
  EXPECT_TRUE(r.has("the end of the log is missing")) << r.out;
}

TEST(WalTool, DumpShowsBlocksAndStatsCountThem) {
  TempLog log;
  write_log(log, 400);
  const auto points = chain_points(log);
  std::set<std::uint64_t> blocks;
  for (const Point& p : points) blocks.insert(p.block_first);

  ToolRun r = tool("dump" + on(log));
  EXPECT_EQ(r.status, 0) << r.out;
  // Each block is shown once, before its records, with its chain hash.
  const Point& last = points.back();
  EXPECT_TRUE(r.has("block " + std::to_string(last.block_first) + ".." + std::to_string(last.seq) +
                    " records=" + std::to_string(last.seq - last.block_first + 1) + " hash=\"" +
                    crypto::to_hex(last.hash) + "\""))
      << r.out;
  std::size_t block_lines = 0;
  for (std::size_t at = r.out.find("\nblock "); at != std::string::npos;
       at = r.out.find("\nblock ", at + 1)) {
    ++block_lines;
  }
  EXPECT_EQ(block_lines + (r.out.rfind("block ", 0) == 0 ? 1 : 0), blocks.size()) << r.out;
  r = tool("dump --json" + on(log));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(r.has("{\"block\":{\"first_seq\":1,\"records\":1,")) << r.out;

  r = tool("stats" + on(log));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(r.has("blocks          " + std::to_string(blocks.size()) + "\n")) << r.out;
  EXPECT_TRUE(r.has("bytes/record    ")) << r.out;
  // bench/gateway/run.sh reads the log's size from this line.
  EXPECT_TRUE(r.has("\nrecord bytes    ")) << r.out;
}

TEST(WalTool, AfterRetentionVerifiesFromTheOldestSnapshot) {
  TempLog log;
  write_long_log(log);
  const auto points = chain_points(log);
  const auto segments = log.segments();
  ASSERT_GE(segments.size(), 4U);
  std::uint64_t end_of_second = 0;
  for (const Point& p : points) {
    if (p.segment == segments[1]) end_of_second = p.seq;
  }
  const std::uint64_t sa = block_end_from(points, end_of_second + 20);
  const auto a = snapshot(log, points, sa);
  const auto b = snapshot(log, points, block_end_before(points, points.back().seq - 50));
  // Retention removes the segments before the one holding record a + 1.
  std::size_t k = 0;
  while (segments[k] != points.at(sa).segment) ++k;
  ASSERT_GE(k, 2U);
  RetentionOptions o;
  o.keep_snapshots = 2;
  const RetentionReport rr =
      remove_covered_segments(log.dir(), log.pub(), crypto::kDefaultSm2Id, o);
  ASSERT_EQ(rr.segments.size(), k);

  ToolRun r = tool("verify" + on(log));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(r.has("from snapshot " + a.filename().string() + ": the segments before " +
                    segments[k].filename().string() + " were removed"))
      << r.out;
  EXPECT_TRUE(r.has("OK: " + std::to_string(points.back().seq - sa) + " records")) << r.out;
  EXPECT_TRUE(r.has("snapshots: 2 verified")) << r.out;
  EXPECT_FALSE(r.has("missing")) << r.out;
  r = tool("stats" + on(log));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(r.has("starts          3")) << r.out;
  EXPECT_TRUE(r.has("clean shutdown  yes")) << r.out;

  // Without a valid snapshot to start from, the missing segments are damage.
  auto bytes = read_file(a);
  bytes[kSnapshotHeaderSize] ^= 0x01;
  write_file(a, bytes);
  std::filesystem::remove(b);
  r = tool("verify" + on(log));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(r.has("DAMAGED: " + segments[k].filename().string() +
                    " offset 0 (record 1): segment 1 is missing"))
      << r.out;
  EXPECT_TRUE(r.has("no valid snapshot covers the records before")) << r.out;
}

}  // namespace
}  // namespace matchgate::wal
