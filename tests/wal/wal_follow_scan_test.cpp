// A follow scan (ScanOptions::end_at_zero_length, docs/WAL.md 10.4a), as a
// reader polling a log that is being written uses it: it reads the same
// records and ends where a whole scan ends, tells a torn tail as a whole
// scan does, and checks every segment but the last whole; only what lies
// after the last segment's first zero length field goes unread.
#include <cstring>

#include "wal/wal_test_util.hpp"

namespace matchgate::wal {
namespace {

using testing::Point;
using testing::read_file;
using testing::TempLog;
using testing::write_file;
using testing::write_log;

ScanResult scan(const TempLog& log, bool follow, std::vector<std::uint64_t>* seqs = nullptr) {
  const crypto::Sm2PublicKey key = log.pub();
  ScanOptions options;
  options.key = &key;
  options.end_at_zero_length = follow;
  return scan_log(log.dir(), options, [&](const RecordView& v) {
    if (seqs != nullptr) seqs->push_back(v.header.seq);
  });
}

// The first block of the last segment after its first one: a block with
// valid blocks after it.
Point middle_block_of_last_segment(const std::vector<Point>& points) {
  const std::filesystem::path last = points.back().segment;
  std::uint64_t first_block = 0;
  for (const Point& p : points) {
    if (p.segment != last) continue;
    if (first_block == 0) first_block = p.block_offset;
    if (p.block_offset != first_block) return p;
  }
  throw std::runtime_error("the last segment holds a single block");
}

void zero_length_field(const std::filesystem::path& segment, std::uint64_t block_offset) {
  auto bytes = read_file(segment);
  std::memset(bytes.data() + block_offset, 0, 4);
  write_file(segment, bytes);
}

TEST(WalFollowScan, ReadsTheRecordsAndEndsWhereAWholeScanEnds) {
  TempLog log;
  write_log(log, 8000, /*crash=*/true);  // two segments, the last one still open
  std::vector<std::uint64_t> whole_seqs;
  std::vector<std::uint64_t> follow_seqs;
  const ScanResult whole = scan(log, false, &whole_seqs);
  const ScanResult follow = scan(log, true, &follow_seqs);
  ASSERT_TRUE(whole.ok()) << whole.problem->describe();
  ASSERT_TRUE(follow.ok()) << follow.problem->describe();
  ASSERT_GE(follow.summary.segments, 2U);
  EXPECT_EQ(follow_seqs, whole_seqs);
  EXPECT_EQ(follow.tail.next_seq, whole.tail.next_seq);
  EXPECT_EQ(follow.tail.last_hash, whole.tail.last_hash);
  EXPECT_EQ(follow.summary.seals, whole.summary.seals);
}

TEST(WalFollowScan, ATornTailIsATornTailToBoth) {
  TempLog log;
  write_log(log, 300, /*crash=*/true);
  const Point last = testing::chain_points(log).back();
  auto bytes = read_file(last.segment);
  const std::size_t end = last.block_offset + padded(last.block_length);
  std::memcpy(bytes.data() + end, bytes.data() + last.block_offset, padded(last.block_length) / 2);
  bytes[end + 8] ^= 0x01;  // another first sequence number, so it is not a copy
  write_file(last.segment, bytes);
  for (const bool follow : {false, true}) {
    const ScanResult r = scan(log, follow);
    ASSERT_TRUE(r.ok()) << r.problem->describe();
    ASSERT_TRUE(r.torn_tail) << "follow " << follow;
    EXPECT_EQ(r.torn_tail->offset, end);
    EXPECT_EQ(r.tail.next_seq, last.seq + 1);
  }
}

TEST(WalFollowScan, StopsAtAZeroLengthFieldOfTheLastSegmentThatAWholeScanCallsDamage) {
  TempLog log;
  write_log(log, 8000, /*crash=*/true);
  const Point block = middle_block_of_last_segment(testing::chain_points(log));
  zero_length_field(block.segment, block.block_offset);

  const ScanResult whole = scan(log, false);
  ASSERT_TRUE(whole.problem);
  EXPECT_EQ(whole.problem->offset, block.block_offset);
  EXPECT_NE(whole.problem->what.find("invalid block length 0"), std::string::npos)
      << whole.problem->what;
  // The follow scan takes it for the log's end; the next whole scan (the
  // loader makes one once the end stays put) finds the damage.
  const ScanResult follow = scan(log, true);
  ASSERT_TRUE(follow.ok()) << follow.problem->describe();
  EXPECT_EQ(follow.tail.next_seq, block.block_first);
}

TEST(WalFollowScan, ChecksTheZeroTailOfEverySegmentButTheLast) {
  TempLog log;
  write_log(log, 8000, /*crash=*/true);
  const std::vector<Point> points = testing::chain_points(log);
  ASSERT_NE(points.front().segment, points.back().segment);
  // A non-zero byte in the zero tail of the first segment, and in the last's.
  const Point end_of_first = [&] {
    Point p = points.front();
    for (const Point& q : points) {
      if (q.segment == points.front().segment) p = q;
    }
    return p;
  }();
  for (const std::filesystem::path& segment : {points.front().segment, points.back().segment}) {
    auto bytes = read_file(segment);
    bytes[bytes.size() - 100] = 1;
    write_file(segment, bytes);
  }
  const ScanResult follow = scan(log, true);
  ASSERT_TRUE(follow.problem) << "the first segment's tail is read whole";
  EXPECT_EQ(follow.problem->segment, end_of_first.segment);
  EXPECT_EQ(follow.problem->offset, end_of_first.block_offset + padded(end_of_first.block_length));
}

TEST(WalFollowScan, LeavesTheLastSegmentsZeroTailUnreadWhereAWholeScanSeesATornTail) {
  TempLog log;
  write_log(log, 300, /*crash=*/true);
  const Point last = testing::chain_points(log).back();
  auto bytes = read_file(last.segment);
  bytes[bytes.size() - 100] = 1;  // a stray byte far after the blocks
  write_file(last.segment, bytes);
  const ScanResult whole = scan(log, false);
  ASSERT_TRUE(whole.ok()) << whole.problem->describe();
  ASSERT_TRUE(whole.torn_tail);
  EXPECT_EQ(whole.torn_tail->offset, last.block_offset + padded(last.block_length));
  const ScanResult follow = scan(log, true);
  ASSERT_TRUE(follow.ok()) << follow.problem->describe();
  EXPECT_FALSE(follow.torn_tail);
  EXPECT_EQ(follow.tail.next_seq, whole.tail.next_seq);
}

}  // namespace
}  // namespace matchgate::wal
