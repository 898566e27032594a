// Snapshots as recovery and retention rely on them: a snapshot reads back
// exactly as written and any change to it, or a key that is not the log's,
// is refused; a scan from a snapshot's point delivers exactly the records
// after it and checks that the log continues from it, even when the early
// segments are gone; retention removes covered segments and nothing else.
#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "matchgate/util/crc32c.hpp"
#include "matchgate/wal/snapshot.hpp"
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

constexpr std::string_view kId = crypto::kDefaultSm2Id;

std::vector<std::byte> state_bytes(std::size_t n, unsigned seed) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>((i * 7 + seed * 13) & 0xff);
  return out;
}

SnapshotInfo info_at(const std::vector<Point>& points, std::uint64_t seq) {
  SnapshotInfo info;
  info.seq = seq;
  info.chain_hash = points.at(seq - 1).hash;
  info.boots = points.at(seq - 1).boots;
  return info;
}

std::filesystem::path write_snap(const TempLog& log, const std::vector<Point>& points,
                                 std::uint64_t seq, std::size_t bytes = 1000) {
  return write_snapshot(log.dir(), info_at(points, seq),
                        state_bytes(bytes, static_cast<unsigned>(seq)), log.key(), kId);
}

bool contains(const std::optional<std::string>& problem, std::string_view what) {
  return problem && problem->find(what) != std::string::npos;
}

// Rewrites the header of a snapshot file with `change` applied and a fresh
// CRC, as a forger without the private key would.
void rewrite_header(const std::filesystem::path& path,
                    const std::function<void(SnapshotInfo&)>& change) {
  auto bytes = read_file(path);
  auto info = decode_snapshot_header(std::as_bytes(std::span<const char>(bytes)));
  ASSERT_TRUE(info);
  change(*info);
  std::array<std::byte, kSnapshotHeaderSize> header{};
  encode_snapshot_header(*info, header);
  std::memcpy(bytes.data(), header.data(), header.size());
  write_file(path, bytes);
}

// ---- the file ----

// The digest an independent verifier computes (docs/WAL.md 10.1): SM3 over
// the SM3 of each 16 MiB chunk, the last one shorter; the same on any
// number of threads.
TEST(SnapshotPayloadDigest, IsSm3OverTheChunksDigestsOnAnyNumberOfThreads) {
  std::vector<std::byte> payload(2 * kSnapshotChunkBytes + 1000);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<std::byte>((i * 2654435761U) >> 13);
  }
  std::vector<std::uint8_t> digests;
  for (std::size_t at = 0; at < payload.size(); at += kSnapshotChunkBytes) {
    const std::size_t n = std::min(kSnapshotChunkBytes, payload.size() - at);
    const Hash d = crypto::Sm3::digest(payload.data() + at, n);
    digests.insert(digests.end(), d.begin(), d.end());
  }
  const Hash expected = crypto::Sm3::digest(digests.data(), digests.size());
  EXPECT_EQ(snapshot_payload_digest(payload, 1), expected);
  EXPECT_EQ(snapshot_payload_digest(payload, 3), expected);
  EXPECT_EQ(snapshot_payload_digest(payload, 64), expected);
  payload.back() ^= std::byte{1};
  EXPECT_NE(snapshot_payload_digest(payload, 2), expected);
  EXPECT_EQ(snapshot_payload_digest({}, 2), crypto::Sm3::digest(nullptr, 0));
}

TEST(WalSnapshotFile, ReadsBackExactlyAsWritten) {
  TempLog log;
  write_log(log, 300);
  const auto points = chain_points(log);
  const auto payload = state_bytes(100'000, 7);
  const std::filesystem::path path =
      write_snapshot(log.dir(), info_at(points, 200), payload, log.key(), kId);
  EXPECT_EQ(path, log.dir() / "snap-00000000000000000200.snap");

  const SnapshotRead r = read_snapshot(path, log.pub(), kId);
  ASSERT_TRUE(r.ok()) << *r.problem;
  ASSERT_TRUE(r.info);
  EXPECT_EQ(r.info->seq, 200U);
  EXPECT_EQ(r.info->chain_hash, points[199].hash);
  EXPECT_EQ(r.info->boots, 1U);
  EXPECT_EQ(r.info->segment_index, 1U);  // filled in from the segment headers
  EXPECT_EQ(r.info->payload_bytes, payload.size());
  EXPECT_EQ(r.info->key_fingerprint, log.pub().fingerprint());
  EXPECT_GT(r.info->created_ns, 1'700'000'000'000'000'000);
  EXPECT_TRUE(r.payload == payload);
  const auto size = std::filesystem::file_size(path);
  EXPECT_GE(size, kSnapshotHeaderSize + payload.size() + 2 + 64);
  EXPECT_LE(size, kSnapshotHeaderSize + payload.size() + 2 + crypto::kMaxSm2SignatureSize);
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::others_all,
            std::filesystem::perms::none);

  // An empty state is a state too.
  const auto empty = read_snapshot(
      write_snapshot(log.dir(), info_at(points, 250), {}, log.key(), kId), log.pub(), kId);
  ASSERT_TRUE(empty.ok()) << *empty.problem;
  EXPECT_TRUE(empty.payload.empty());

  // The signature is bound to the SM2 ID.
  EXPECT_TRUE(contains(read_snapshot(path, log.pub(), "another-id").problem,
                       "SM2 signature does not verify"));
}

TEST(WalSnapshotFile, NeverOverwritesASnapshot) {
  TempLog log;
  write_log(log, 300);
  const auto points = chain_points(log);
  const auto path = write_snap(log, points, 100);
  const auto before = read_file(path);
  SnapshotInfo other = info_at(points, 100);
  other.boots = 9;
  EXPECT_THROW(write_snapshot(log.dir(), other, state_bytes(10, 1), log.key(), kId),
               std::system_error);
  EXPECT_EQ(read_file(path), before);
  EXPECT_TRUE(read_snapshot(path, log.pub(), kId).ok());
  // A snapshot must be tied to a record.
  EXPECT_THROW(write_snapshot(log.dir(), SnapshotInfo{}, {}, log.key(), kId),
               std::invalid_argument);
}

class WalSnapshotTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    write_log(log, 300);
    points = chain_points(log);
    path = write_snap(log, points, 200, 4096);
    original = read_file(path);
    ASSERT_TRUE(read_snapshot(path, log.pub(), kId).ok());
  }
  // Reads the changed file; it must be refused with `what`.
  void expect_refused(std::string_view what) {
    const SnapshotRead r = read_snapshot(path, log.pub(), kId);
    EXPECT_FALSE(r.ok()) << "tampering not detected";
    EXPECT_TRUE(contains(r.problem, what)) << r.problem.value_or("");
    EXPECT_TRUE(r.payload.empty());
  }
  void flip(std::size_t at) {
    auto bytes = original;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    write_file(path, bytes);
  }
  std::size_t signature_at() const { return kSnapshotHeaderSize + 4096 + 2; }

  TempLog log;
  std::vector<Point> points;
  std::filesystem::path path;
  std::vector<char> original;
};

TEST_F(WalSnapshotTamper, PayloadByte) {
  flip(kSnapshotHeaderSize + 1000);
  expect_refused("payload SM3 mismatch");
}

TEST_F(WalSnapshotTamper, HeaderByte) {
  flip(72);  // boots
  expect_refused("snapshot header damaged");
}

TEST_F(WalSnapshotTamper, HeaderFieldWithAFreshCrc) {
  rewrite_header(path, [](SnapshotInfo& i) { i.boots += 1; });
  expect_refused("SM2 signature does not verify");
  rewrite_header(path, [](SnapshotInfo& i) {
    i.boots -= 1;
    i.chain_hash[5] ^= 0x10;
  });
  expect_refused("SM2 signature does not verify");
}

TEST_F(WalSnapshotTamper, PayloadReplacedWithItsDigest) {
  // Another state with its own SM3 in the header: only the signature,
  // which covers the digest, gives it away.
  auto bytes = original;
  bytes[kSnapshotHeaderSize + 10] ^= 0x55;
  write_file(path, bytes);
  const auto payload =
      std::as_bytes(std::span<const char>(bytes).subspan(kSnapshotHeaderSize, 4096));
  rewrite_header(path,
                 [&](SnapshotInfo& i) { i.payload_digest = snapshot_payload_digest(payload); });
  expect_refused("SM2 signature does not verify");
}

TEST_F(WalSnapshotTamper, SignatureByte) {
  flip(signature_at() + 10);
  expect_refused("SM2 signature does not verify");
}

TEST_F(WalSnapshotTamper, ReservedBytes) {
  auto bytes = original;
  bytes[160] = 1;
  auto* h = reinterpret_cast<std::byte*>(bytes.data());
  put_u32(h + kSnapshotHeaderSize - 4, util::crc32c(0, h, kSnapshotHeaderSize - 4));
  write_file(path, bytes);
  expect_refused("non-zero reserved bytes");
}

TEST_F(WalSnapshotTamper, TruncatedOrExtended) {
  auto bytes = original;
  bytes.pop_back();
  write_file(path, bytes);
  expect_refused("truncated");
  bytes = original;
  bytes.push_back(0);
  write_file(path, bytes);
  expect_refused("truncated or extended");
  bytes.resize(kSnapshotHeaderSize + 100);
  write_file(path, bytes);
  expect_refused("too short for its payload");
}

TEST_F(WalSnapshotTamper, RenamedToAnotherRecord) {
  const auto renamed = log.dir() / snapshot_file_name(250);
  std::filesystem::rename(path, renamed);
  const SnapshotRead r = read_snapshot(renamed, log.pub(), kId);
  EXPECT_TRUE(contains(r.problem, "does not match the file name")) << r.problem.value_or("");
}

TEST_F(WalSnapshotTamper, AnotherKeysSnapshot) {
  // A perfect snapshot, by a key that is not the log's.
  TempLog other;
  std::filesystem::remove(path);
  write_snapshot(log.dir(), info_at(points, 200), state_bytes(4096, 200), other.key(), kId);
  expect_refused("another signing key");
  // Claiming the log's key in the header does not help.
  rewrite_header(path, [&](SnapshotInfo& i) { i.key_fingerprint = log.pub().fingerprint(); });
  expect_refused("SM2 signature does not verify");
}

TEST(WalSnapshotFile, NewestValidSkipsDamagedOnes) {
  TempLog log;
  write_log(log, 300);
  const auto points = chain_points(log);
  const auto a = write_snap(log, points, 100);
  const auto b = write_snap(log, points, 200);
  const auto c = write_snap(log, points, 250);
  auto bytes = read_file(c);
  bytes[kSnapshotHeaderSize + 3] ^= 0x01;
  write_file(c, bytes);

  const NewestSnapshot n = newest_valid_snapshot(log.dir(), log.pub(), kId);
  ASSERT_TRUE(n.snapshot);
  EXPECT_EQ(n.snapshot->path, b);
  EXPECT_EQ(n.snapshot->info->seq, 200U);
  EXPECT_TRUE(n.snapshot->payload == state_bytes(1000, 200));
  ASSERT_EQ(n.skipped.size(), 1U);
  EXPECT_EQ(n.skipped[0].path, c);
  EXPECT_TRUE(contains(n.skipped[0].problem, "payload SM3 mismatch"));

  const NewestSnapshot older = newest_valid_snapshot(log.dir(), log.pub(), kId, 199);
  ASSERT_TRUE(older.snapshot);
  EXPECT_EQ(older.snapshot->path, a);
  EXPECT_TRUE(older.skipped.empty());

  std::filesystem::remove(a);
  std::filesystem::remove(b);
  const NewestSnapshot none = newest_valid_snapshot(log.dir(), log.pub(), kId);
  EXPECT_FALSE(none.snapshot);
  EXPECT_EQ(none.skipped.size(), 1U);
}

TEST(WalSnapshotFile, LeftoverTempFilesAreIgnoredThenCleaned) {
  TempLog log;
  write_log(log, 300);
  const auto points = chain_points(log);
  const auto a = write_snap(log, points, 100);
  // A crash while writing snapshots 200 and 250 left their temp files.
  const auto t200 = log.dir() / (snapshot_file_name(200) + ".tmp");
  const auto t250 = log.dir() / (snapshot_file_name(250) + ".tmp");
  write_file(t200, std::vector<char>(500, 'x'));
  write_file(t250, std::vector<char>(10, 'y'));
  const auto listed = list_snapshots(log.dir());
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].path, a);
  EXPECT_EQ(newest_valid_snapshot(log.dir(), log.pub(), kId).snapshot->path, a);
  EXPECT_TRUE(newest_valid_snapshot(log.dir(), log.pub(), kId).skipped.empty());

  const auto b = write_snap(log, points, 200);
  EXPECT_TRUE(read_snapshot(b, log.pub(), kId).ok());
  EXPECT_FALSE(std::filesystem::exists(t200));
  EXPECT_FALSE(std::filesystem::exists(t250));
  EXPECT_EQ(list_snapshots(log.dir()).size(), 2U);
}

TEST(WalSnapshotFile, Names) {
  std::uint64_t seq = 0;
  EXPECT_TRUE(parse_snapshot_file_name("snap-00000000000000000042.snap", seq));
  EXPECT_EQ(seq, 42U);
  EXPECT_TRUE(parse_snapshot_file_name("snap-18446744073709551615.snap", seq));
  EXPECT_EQ(seq, ~std::uint64_t{0});
  EXPECT_FALSE(parse_snapshot_file_name("snap-18446744073709551616.snap", seq));   // 2^64
  EXPECT_FALSE(parse_snapshot_file_name("snap-0000000000000000042.snap", seq));    // 19 digits
  EXPECT_FALSE(parse_snapshot_file_name("snap-000000000000000000042.snap", seq));  // 21
  EXPECT_FALSE(parse_snapshot_file_name("snap-0000000000000000004x.snap", seq));
  EXPECT_FALSE(parse_snapshot_file_name("snap-00000000000000000042.snap.tmp", seq));
  EXPECT_EQ(snapshot_file_name(42), "snap-00000000000000000042.snap");
}

// ---- scanning from a snapshot's point ----

class WalScanFromPoint : public ::testing::Test {
 protected:
  void SetUp() override {
    write_long_log(log);
    points = chain_points(log);
    full = log.scan();
    ASSERT_TRUE(full.ok());
    segments = log.segments();
    for (std::size_t k = 0; k < segments.size(); ++k) {
      if (in_segment(k).size() >= 100) big.push_back(k);
    }
    // The test log's records carry 2023 timestamps, its Start and Shutdown
    // records the clock's: each clean stop opens a new segment for a new
    // business date, so small segments (Shutdown, Seal) lie between big ones.
    ASSERT_GE(big.size(), 4U);
    ASSERT_EQ(full.summary.boots, 3U);
  }
  ScanResult scan_from(const StartPoint& sp, std::vector<std::uint64_t>* seqs = nullptr) const {
    const crypto::Sm2PublicKey k = log.pub();
    ScanOptions so;
    so.key = &k;
    so.start = sp;
    return scan_log(log.dir(), so, [&](const RecordView& v) {
      if (seqs != nullptr) seqs->push_back(v.header.seq);
    });
  }
  // A snapshot's point: `seq` must end a block.
  StartPoint at(std::uint64_t seq) const {
    EXPECT_TRUE(points.at(seq - 1).ends_block) << seq;
    return info_at(points, seq).start_point();
  }
  std::uint64_t block_end(std::uint64_t seq) const { return block_end_from(points, seq); }
  // Records of the k-th segment file (0-based).
  std::vector<Point> in_segment(std::size_t k) const {
    std::vector<Point> out;
    for (const Point& p : points) {
      if (p.segment == segments[k]) out.push_back(p);
    }
    return out;
  }
  std::uint64_t last() const { return points.back().seq; }

  TempLog log;
  std::vector<Point> points;
  ScanResult full;
  std::vector<std::filesystem::path> segments;
  std::vector<std::size_t> big;  // positions in `segments` of those with 100 records or more
};

TEST_F(WalScanFromPoint, DeliversExactlyTheRecordsAfterIt) {
  const auto seg2 = in_segment(big[1]);
  const auto seg3 = in_segment(big[2]);
  const std::vector<std::uint64_t> starts = {
      1,                                     // the first record (the Start, a block of its own)
      block_end(seg2[seg2.size() / 2].seq),  // the middle of a segment
      seg2.back().seq,                       // a segment's last record: seq + 1 opens the next
      block_end(seg3.front().seq),           // a segment's first block
      block_end_before(points, last()),
      last()};  // the end of the log
  for (const std::uint64_t s : starts) {
    SCOPED_TRACE("start point " + std::to_string(s));
    std::vector<std::uint64_t> seqs;
    const ScanResult r = scan_from(at(s), &seqs);
    ASSERT_TRUE(r.ok()) << r.problem->describe();
    ASSERT_EQ(seqs.size(), last() - s);
    for (std::size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], s + 1 + i);
    EXPECT_EQ(r.summary.records, last() - s);
    EXPECT_EQ(r.summary.start_seq, s);
    // Where a writer continues is the same as after a whole scan, start
    // count included, though most Start records were not read.
    EXPECT_EQ(r.tail.next_seq, full.tail.next_seq);
    EXPECT_EQ(r.tail.last_hash, full.tail.last_hash);
    EXPECT_EQ(r.tail.next_segment_index, full.tail.next_segment_index);
    EXPECT_EQ(r.tail.boots, full.tail.boots);
    EXPECT_EQ(r.summary.boots, 3U);
    EXPECT_TRUE(r.summary.clean_shutdown);
    if (s < last()) {
      // It began in the segment that holds s + 1, not earlier.
      const auto& next_segment = points[s].segment;
      std::uint32_t date = 0;
      std::uint64_t index = 0;
      ASSERT_TRUE(parse_segment_file_name(next_segment.filename().string(), date, index));
      EXPECT_EQ(r.summary.first_segment, index);
    }
  }
}

// A start point with its block's offset (10.4b) reads that block alone
// instead of the blocks before it: the same records and summary; damage
// before the block goes unread; an offset that does not hold the block is
// ignored (the segment's blocks are framed as without one).
TEST_F(WalScanFromPoint, TheBlockOffsetHintSkipsTheBlocksBeforeThePointOnly) {
  const auto seg2 = in_segment(big[1]);
  const std::uint64_t s = block_end(seg2[seg2.size() / 2].seq);
  const Point& p = points.at(s - 1);
  std::vector<std::uint64_t> plain_seqs;
  const ScanResult plain = scan_from(at(s), &plain_seqs);
  ASSERT_TRUE(plain.ok()) << plain.problem->describe();
  StartPoint hinted = at(s);
  hinted.block_offset = p.block_offset;
  std::vector<std::uint64_t> hinted_seqs;
  const ScanResult with_hint = scan_from(hinted, &hinted_seqs);
  ASSERT_TRUE(with_hint.ok()) << with_hint.problem->describe();
  EXPECT_EQ(hinted_seqs, plain_seqs);
  EXPECT_EQ(with_hint.summary.records, plain.summary.records);
  EXPECT_EQ(with_hint.summary.clean_shutdown, plain.summary.clean_shutdown);
  EXPECT_EQ(with_hint.tail.next_seq, plain.tail.next_seq);
  EXPECT_EQ(with_hint.tail.last_hash, plain.tail.last_hash);

  // Offsets that do not hold the point's block: the segment's first
  // block, one inside the block, one past the file, a misaligned one.
  const std::uint64_t first_block = points.at(seg2.front().seq - 1).block_offset;
  ASSERT_NE(first_block, p.block_offset);
  for (const std::uint64_t wrong :
       {first_block, p.block_offset + 8, std::uint64_t{1} << 40, p.block_offset + 1}) {
    SCOPED_TRACE("offset " + std::to_string(wrong));
    StartPoint sp = at(s);
    sp.block_offset = wrong;
    std::vector<std::uint64_t> seqs;
    const ScanResult r = scan_from(sp, &seqs);
    ASSERT_TRUE(r.ok()) << r.problem->describe();
    EXPECT_EQ(seqs, plain_seqs);
  }

  // A byte of the segment's first record altered: the scan without the
  // hint frames that block (CRC), the one with it never reads it.
  ASSERT_LT(seg2.front().seq, p.block_first);
  std::vector<char> bytes = read_file(p.segment);
  bytes.at(points.at(seg2.front().seq - 1).offset + 12) ^= 0x5A;  // its first payload byte
  write_file(p.segment, bytes);
  const ScanResult damaged_plain = scan_from(at(s));
  ASSERT_FALSE(damaged_plain.ok());
  EXPECT_TRUE(contains(damaged_plain.problem->what, "CRC")) << damaged_plain.problem->what;
  std::vector<std::uint64_t> seqs;
  const ScanResult damaged_hinted = scan_from(hinted, &seqs);
  ASSERT_TRUE(damaged_hinted.ok()) << damaged_hinted.problem->describe();
  EXPECT_EQ(seqs, plain_seqs);
}

TEST_F(WalScanFromPoint, AStartPointThatIsNotThisLogsIsReported) {
  const auto seg2 = in_segment(big[1]);
  // In the middle of a segment: the stored hash of the block ending with
  // record s differs.
  const Point& mid = points.at(block_end(seg2[seg2.size() / 2].seq) - 1);
  StartPoint sp = at(mid.seq);
  sp.chain_hash[0] ^= 0x01;
  std::vector<std::uint64_t> seqs;
  ScanResult r = scan_from(sp, &seqs);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problem->what.find("does not belong to this log"), std::string::npos)
      << r.problem->describe();
  EXPECT_EQ(r.problem->seq, mid.block_first);
  EXPECT_EQ(r.problem->offset, mid.block_offset);
  EXPECT_TRUE(seqs.empty());

  // The hash of the block before: off by one block.
  sp = at(mid.seq);
  sp.chain_hash = points.at(block_end_before(points, mid.seq) - 1).hash;
  EXPECT_FALSE(scan_from(sp).ok());

  // A record inside a block has no chain hash of its own: no snapshot can
  // name it.
  ASSERT_GT(mid.seq, mid.block_first) << "the block holds one record";
  sp = at(mid.seq);
  sp.seq = mid.seq - 1;
  r = scan_from(sp);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problem->what.find("is not the last record of a block"), std::string::npos)
      << r.problem->describe();

  // At a segment boundary: the next segment's prev_hash differs.
  sp = at(seg2.back().seq);
  sp.chain_hash[31] ^= 0x80;
  r = scan_from(sp);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problem->what.find("does not belong to this log"), std::string::npos)
      << r.problem->describe();
  EXPECT_EQ(r.problem->segment, segments[big[1] + 1]);

  // A wrong start count shows at the next Start record.
  sp = at(block_end(seg2.front().seq));
  sp.boots += 2;
  r = scan_from(sp);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problem->what.find("start record 2 where 4 was expected"), std::string::npos)
      << r.problem->describe();
}

TEST_F(WalScanFromPoint, EarlySegmentsMayBeGone) {
  const std::size_t k = big[2];
  const std::uint64_t s = block_end(in_segment(k).at(10).seq);
  std::vector<std::uint64_t> before;
  ASSERT_TRUE(scan_from(at(s), &before).ok());
  for (std::size_t i = 0; i < k; ++i) std::filesystem::remove(segments[i]);

  // The whole log is damaged without its first segments ...
  const ScanResult whole = log.scan();
  ASSERT_FALSE(whole.ok());
  EXPECT_NE(whole.problem->what.find("segment 1 is missing"), std::string::npos)
      << whole.problem->describe();
  // ... but from the snapshot's point it is complete.
  std::vector<std::uint64_t> after;
  const ScanResult r = scan_from(at(s), &after);
  ASSERT_TRUE(r.ok()) << r.problem->describe();
  EXPECT_EQ(after, before);
  EXPECT_EQ(r.tail.next_seq, full.tail.next_seq);
  EXPECT_EQ(r.tail.boots, full.tail.boots);
  EXPECT_EQ(r.summary.segments, segments.size() - k);

  // A point whose continuation was removed is damage, not a shorter log.
  const ScanResult gone = scan_from(at(block_end(in_segment(0).at(5).seq)));
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.problem->what.find("does not reach back"), std::string::npos)
      << gone.problem->describe();
  // So is a gap after the start point (segments[i] has index i + 1).
  std::filesystem::remove(segments[k + 1]);
  const ScanResult gap = scan_from(at(s));
  ASSERT_FALSE(gap.ok());
  EXPECT_NE(gap.problem->what.find("segment " + std::to_string(k + 2) + " is missing"),
            std::string::npos)
      << gap.problem->describe();
}

TEST_F(WalScanFromPoint, APointBeyondTheLogsEndIsReported) {
  StartPoint sp = at(last());
  sp.seq = last() + 5;
  const ScanResult r = scan_from(sp);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problem->what.find("the log ends at record " + std::to_string(last())),
            std::string::npos)
      << r.problem->describe();
  // Without any log at all.
  std::filesystem::remove_all(log.dir());
  EXPECT_FALSE(scan_from(at(block_end(10))).ok());
}

TEST_F(WalScanFromPoint, SealsNamingRecordsBeforeThePointAreStillCheckedBySignature) {
  // A Seal record whose sealed_seq lies at least one block before its own
  // block: a start point in between makes it a seal "before the start point".
  const Point* seal = nullptr;
  std::uint64_t s = 0;
  for (const Point& p : points) {
    if (p.type != static_cast<std::uint16_t>(RecordType::Seal)) continue;
    auto bytes = read_file(p.segment);
    const auto payload =
        std::as_bytes(std::span<const char>(bytes)).subspan(p.offset + kRecordHeaderSize, p.length);
    const auto sealed = decode_seal(payload);
    ASSERT_TRUE(sealed);
    if (sealed->sealed_seq <= 1) continue;
    const std::uint64_t between = block_end(sealed->sealed_seq + 1);
    if (between < p.block_first) {
      seal = &p;
      s = between;  // sealed < s < the seal's block
      break;
    }
  }
  ASSERT_NE(seal, nullptr) << "no seal lags a block behind the chain head in this log";
  const ScanResult r = scan_from(at(s));
  ASSERT_TRUE(r.ok()) << r.problem->describe();
  EXPECT_EQ(r.summary.unsealed_records, 0U);

  // Its signature is still verified: a forged one (CRC and chain hash
  // recomputed for its block) is refused.
  auto bytes = read_file(seal->segment);
  bytes[seal->offset + kRecordHeaderSize + kSealFixedSize + 20] ^= 0x01;
  testing::rechain_block(bytes, seal->block_offset,
                         points.at(block_end_before(points, seal->block_first) - 1).hash);
  write_file(seal->segment, bytes);
  const ScanResult forged = scan_from(at(s));
  ASSERT_FALSE(forged.ok());
  EXPECT_NE(forged.problem->what.find("SM2 signature does not verify"), std::string::npos)
      << forged.problem->describe();
  EXPECT_EQ(forged.problem->seq, seal->seq);
}

TEST_F(WalScanFromPoint, LoggedChainHashFindsBlocksAndBoundaries) {
  const auto seg2 = in_segment(1);
  ASSERT_GE(seg2.size(), 100U);
  for (const std::uint64_t s : {std::uint64_t{1}, block_end(seg2.front().seq),
                                block_end(seg2[7].seq), seg2.back().seq, last()}) {
    const auto h = logged_chain_hash(log.dir(), s);
    ASSERT_TRUE(h) << s;
    EXPECT_EQ(*h, points[s - 1].hash) << s;
  }
  EXPECT_FALSE(logged_chain_hash(log.dir(), last() + 1));
  // A record inside a block has no chain hash of its own.
  const std::uint64_t inside = block_end(seg2[7].seq) - 1;
  ASSERT_FALSE(points.at(inside - 1).ends_block);
  EXPECT_FALSE(logged_chain_hash(log.dir(), inside));
  // The last record of a removed segment is still known from the next
  // segment's header.
  std::filesystem::remove(segments[0]);
  std::filesystem::remove(segments[1]);
  const auto h = logged_chain_hash(log.dir(), seg2.back().seq);
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, seg2.back().hash);
  EXPECT_FALSE(logged_chain_hash(log.dir(), seg2.back().seq - 1));
}

class WalRetention : public WalScanFromPoint {
 protected:
  std::set<std::filesystem::path> files() const {
    std::set<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(log.dir())) out.insert(e.path());
    return out;
  }
  RetentionReport retain(std::size_t keep, bool dry_run = false) const {
    RetentionOptions o;
    o.keep_snapshots = keep;
    o.dry_run = dry_run;
    return remove_covered_segments(log.dir(), log.pub(), kId, o);
  }
};

TEST_F(WalRetention, RemovesCoveredSegmentsOnly) {
  const auto seg2 = in_segment(1);
  const auto seg3 = in_segment(big[2]);
  ASSERT_GE(seg2.size(), 100U);
  // A: the block before the end of segment 2, so segment 2 still holds a
  // record after it. B: the last record of a later big segment.
  const auto a = write_snap(log, points, block_end_before(points, seg2.back().seq));
  const auto b = write_snap(log, points, seg3.back().seq);

  // Keeping both: A is the oldest kept; only segment 1 is wholly before it.
  RetentionReport r = retain(2, /*dry_run=*/true);
  ASSERT_TRUE(r.anchor);
  EXPECT_EQ(r.anchor->path, a);
  EXPECT_EQ(r.segments, std::vector<std::filesystem::path>{segments[0]});
  EXPECT_TRUE(r.snapshots.empty());
  EXPECT_EQ(files().size(), segments.size() + 2);  // a dry run removes nothing

  r = retain(2);
  EXPECT_EQ(r.segments, std::vector<std::filesystem::path>{segments[0]});
  EXPECT_FALSE(std::filesystem::exists(segments[0]));
  EXPECT_TRUE(std::filesystem::exists(segments[1]));
  EXPECT_TRUE(std::filesystem::exists(a));

  // Keeping one: B; segments 2 up to B's hold nothing after record B, A goes.
  r = retain(1);
  ASSERT_TRUE(r.anchor);
  EXPECT_EQ(r.anchor->path, b);
  EXPECT_EQ(r.segments, std::vector<std::filesystem::path>(segments.begin() + 1,
                                                           segments.begin() + big[2] + 1));
  EXPECT_EQ(r.snapshots, std::vector<std::filesystem::path>{a});
  EXPECT_FALSE(std::filesystem::exists(a));
  for (std::size_t k = big[2] + 1; k < segments.size(); ++k) {
    EXPECT_TRUE(std::filesystem::exists(segments[k])) << segments[k];
  }

  // What is left recovers from B: the records after it, all verified.
  std::vector<std::uint64_t> seqs;
  const ScanResult after = scan_from(at(seg3.back().seq), &seqs);
  ASSERT_TRUE(after.ok()) << after.problem->describe();
  EXPECT_EQ(seqs.size(), last() - seg3.back().seq);
  EXPECT_EQ(after.tail.next_seq, full.tail.next_seq);
  // Nothing more to do.
  r = retain(1);
  EXPECT_TRUE(r.segments.empty());
  EXPECT_TRUE(r.snapshots.empty());
}

TEST_F(WalRetention, ASegmentIndexTooHighDoesNotWidenIt) {
  // A snapshot whose segment_index names a later segment than the one
  // holding seq + 1 (signed, so written that way): the segment headers
  // still keep segment 2, which holds records after it.
  const auto seg2 = in_segment(1);
  SnapshotInfo info = info_at(points, block_end(seg2.at(seg2.size() / 2).seq));
  info.segment_index = segments.size();
  write_snapshot(log.dir(), info, state_bytes(10, 3), log.key(), kId);
  const RetentionReport r = retain(1);
  ASSERT_TRUE(r.anchor);
  EXPECT_EQ(r.segments, std::vector<std::filesystem::path>{segments[0]});
  EXPECT_TRUE(std::filesystem::exists(segments[1]));
}

TEST_F(WalRetention, NeverRemovesTheLastSegment) {
  write_snap(log, points, last());
  const RetentionReport r = retain(1);
  ASSERT_TRUE(r.anchor);
  EXPECT_EQ(r.segments.size(), segments.size() - 1);
  EXPECT_TRUE(std::filesystem::exists(segments.back()));
  const ScanResult after = scan_from(at(last()));
  ASSERT_TRUE(after.ok()) << after.problem->describe();
  EXPECT_EQ(after.summary.records, 0U);
  EXPECT_EQ(after.tail.next_seq, full.tail.next_seq);
  EXPECT_EQ(after.tail.boots, 3U);
}

TEST_F(WalRetention, WithoutAUsableSnapshotNothingIsTouched) {
  const auto before = files();
  EXPECT_FALSE(retain(1).anchor);

  // A damaged snapshot, and one signed properly that is not this log's.
  const auto damaged = write_snap(log, points, in_segment(big[2]).back().seq);
  auto bytes = read_file(damaged);
  bytes[kSnapshotHeaderSize] ^= 0x01;
  write_file(damaged, bytes);
  SnapshotInfo foreign = info_at(points, in_segment(big[3]).back().seq);
  foreign.chain_hash[3] ^= 0x01;
  const auto stranger = write_snapshot(log.dir(), foreign, state_bytes(10, 1), log.key(), kId);
  // And one ahead of the log.
  SnapshotInfo ahead = info_at(points, last());
  ahead.seq = last() + 100;
  const auto future = write_snapshot(log.dir(), ahead, state_bytes(10, 2), log.key(), kId);

  const RetentionReport r = retain(1);
  EXPECT_FALSE(r.anchor);
  EXPECT_TRUE(r.segments.empty());
  EXPECT_TRUE(r.snapshots.empty());
  ASSERT_EQ(r.ignored.size(), 3U);
  std::map<std::filesystem::path, std::string> why(r.ignored.begin(), r.ignored.end());
  EXPECT_NE(why[damaged].find("payload SM3 mismatch"), std::string::npos) << why[damaged];
  EXPECT_NE(why[stranger].find("differs from the log"), std::string::npos) << why[stranger];
  EXPECT_NE(why[future].find("does not hold record"), std::string::npos) << why[future];
  auto expected = before;
  expected.insert({damaged, stranger, future});
  EXPECT_EQ(files(), expected);

  // A valid older snapshot is used; the bad ones stay, as evidence.
  const auto good = write_snap(log, points, in_segment(1).back().seq);
  const RetentionReport g = retain(1);
  ASSERT_TRUE(g.anchor);
  EXPECT_EQ(g.anchor->path, good);
  EXPECT_EQ(g.segments, (std::vector<std::filesystem::path>{segments[0], segments[1]}));
  EXPECT_TRUE(std::filesystem::exists(damaged));
  EXPECT_TRUE(std::filesystem::exists(stranger));
  EXPECT_TRUE(std::filesystem::exists(future));
  EXPECT_THROW(retain(0), std::invalid_argument);
}

}  // namespace
}  // namespace matchgate::wal
