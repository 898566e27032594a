// The log as its users rely on it: what is written reads back in order with
// an intact chain and valid seals; a crash mid-write is told from damage;
// and every kind of tampering is found and located.
#include <sys/stat.h>

#include <cstring>
#include <map>

#include "matchgate/util/crc32c.hpp"
#include "wal/wal_test_util.hpp"

namespace matchgate::wal {
namespace {

using testing::payload_of;
using testing::pump;
using testing::read_file;
using testing::TempLog;
using testing::write_file;
using testing::write_log;

using Located = testing::Point;

std::vector<Located> locate(const TempLog& log) {
  return testing::chain_points(log);
}

TEST(WalLog, RecordsReadBackInOrderWithSealsAndCleanShutdown) {
  TempLog log;
  write_log(log, 5000);
  std::uint64_t user = 0;
  const ScanResult r = log.scan([&](const RecordView& v) {
    if (v.header.type != 16) return;
    const auto expected = payload_of(user);
    ASSERT_EQ(v.payload.size(), expected.size());
    EXPECT_EQ(std::memcmp(v.payload.data(), expected.data(), expected.size()), 0) << user;
    ++user;
  });
  ASSERT_TRUE(r.ok()) << r.problem->describe();
  EXPECT_EQ(user, 5000U);
  EXPECT_FALSE(r.torn_tail);
  EXPECT_GE(r.summary.seals, 1U);
  EXPECT_EQ(r.summary.boots, 1U);
  EXPECT_TRUE(r.summary.clean_shutdown);
  EXPECT_EQ(r.summary.unsealed_records, 0U);
  EXPECT_EQ(r.summary.records_by_type.at(16), 5000U);
  EXPECT_EQ(r.tail.next_seq, r.summary.last_seq + 1);
}

TEST(WalLog, ChainAndSealsContinueAcrossSegmentsAndRestarts) {
  TempLog log;
  write_log(log, 8000);  // ~1.3 MiB of records: more than one 1 MiB segment
  ScanResult first = log.scan();
  ASSERT_TRUE(first.ok()) << first.problem->describe();
  EXPECT_GE(first.summary.segments, 2U);
  // A second run continues the same chain in a new segment.
  write_log(log, 100, false, first.tail);
  const ScanResult second = log.scan();
  ASSERT_TRUE(second.ok()) << second.problem->describe();
  EXPECT_EQ(second.summary.boots, 2U);
  EXPECT_EQ(second.summary.segments, first.summary.segments + 1);
  EXPECT_EQ(second.summary.records_by_type.at(16), 8100U);
  EXPECT_TRUE(second.summary.clean_shutdown);
  // Every segment file is named by date and index and is preallocated.
  for (const auto& seg : log.segments()) {
    std::uint32_t date = 0;
    std::uint64_t index = 0;
    EXPECT_TRUE(parse_segment_file_name(seg.filename().string(), date, index)) << seg;
    EXPECT_EQ(std::filesystem::file_size(seg), 1U << 20);
  }
}

// Seals the sealer finishes in the background arrive whenever they are done,
// also when a segment is nearly full: they must leave the room its closing
// seals need, or the segment overruns its preallocated size and the log no
// longer verifies (a background seal, then the pending one and the final
// one at the rotation: three seals where two were reserved; found on a
// loaded machine, where this suite failed about one run in four). A stress
// test of many rotations with seals requested every millisecond; with the
// assertion in WalWriter::stage an overrun aborts at once.
TEST(WalLog, SealsDeliveredNearASegmentsEndNeverOverrunIt) {
  for (int run = 0; run < 6; ++run) {
    TempLog log;
    {
      WalWriter w(log.options(), {}, log.key());
      WalProducer& p = w.add_producer();
      for (std::uint64_t i = 0; i < 20'000; ++i) {
        p.append(16, 1'700'000'000'000'000'000 + static_cast<std::int64_t>(i), payload_of(i));
        if (i % 64 == 63) w.do_work();
      }
      pump(w, p);
      w.close();
    }
    const ScanResult r = log.scan();
    ASSERT_TRUE(r.ok()) << "run " << run << ": " << r.problem->describe();
    EXPECT_GE(r.summary.segments, 4U);
    EXPECT_EQ(r.summary.records_by_type.at(16), 20'000U);
    for (const auto& seg : log.segments()) {
      ASSERT_EQ(std::filesystem::file_size(seg), 1U << 20) << "run " << run << ": " << seg;
    }
  }
}

TEST(WalLog, CloseTakesEveryRecordLeftInTheRingsHoweverMany) {
  // A writer that fell behind (sync "none" under load) has far more than one
  // group waiting when the daemon stops: close() must take all of it.
  TempLog log;
  WalOptions o = log.options(std::uint64_t{8} << 20);
  o.group_commit_bytes = 4096;
  std::uint64_t appended = 0;
  {
    WalWriter w(o, {}, log.key());
    WalProducer& p = w.add_producer();
    for (int i = 0; i < 3000; ++i) p.append(16, 1, payload_of(static_cast<std::uint64_t>(i)));
    appended = p.appended();
    w.close();
    EXPECT_EQ(p.durable(), appended);
  }
  std::uint64_t user = 0;
  const ScanResult r = log.scan([&](const RecordView& v) { user += v.header.type == 16; });
  ASSERT_TRUE(r.ok()) << r.problem->describe();
  EXPECT_EQ(user, appended);
  EXPECT_EQ(appended, 3000U);
  EXPECT_TRUE(r.summary.clean_shutdown);
}

TEST(WalLog, AGroupWaitsForItsProducerToSettleButNotPastTheHold) {
  TempLog log;
  WalOptions o = log.options();
  o.hold_for_reports = std::chrono::seconds(30);  // longer than the test could take
  WalWriter w(o, {}, log.key());
  WalProducer& p = w.add_producer();
  w.do_work();  // the Start record: nothing of the producer's to wait for
  p.append(16, 1, payload_of(1));
  for (int i = 0; i < 1000; ++i) w.do_work();
  EXPECT_EQ(p.durable(), 0U) << "committed although the producer had not settled";
  p.settle(p.appended());
  for (int i = 0; i < 1000 && p.durable() < 1; ++i) w.do_work();
  EXPECT_EQ(p.durable(), 1U) << "a settled group was still held";

  // Without a settle, the hold ends the wait.
  TempLog log2;
  WalOptions o2 = log2.options();
  o2.hold_for_reports = std::chrono::milliseconds(5);
  WalWriter w2(o2, {}, log2.key());
  WalProducer& p2 = w2.add_producer();
  p2.append(16, 1, payload_of(2));
  const auto start = std::chrono::steady_clock::now();
  while (p2.durable() < 1 && std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    w2.do_work();
  }
  EXPECT_EQ(p2.durable(), 1U);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(5));
}

TEST(WalLog, DurablePositionOnlyCoversWrittenRecords) {
  TempLog log;
  WalWriter w(log.options(), {}, log.key());
  WalProducer& p = w.add_producer();
  EXPECT_EQ(p.durable(), 0U);
  for (int i = 0; i < 10; ++i) p.append(16, 1, payload_of(i));
  EXPECT_EQ(p.appended(), 10U);
  EXPECT_EQ(p.durable(), 0U);  // nothing taken yet
  pump(w, p);
  EXPECT_EQ(p.durable(), 10U);
  // What is durable is on disk: a reader sees it without a clean close.
  std::uint64_t user = 0;
  const ScanResult r = log.scan([&](const RecordView& v) { user += v.header.type == 16; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(user, 10U);
  EXPECT_FALSE(r.summary.clean_shutdown);
}

TEST(WalLog, TornTailIsCutAndTheLogContinues) {
  TempLog log;
  write_log(log, 300, /*crash=*/true);
  const auto records = locate(log);
  const Located& last = records.back();
  // A crash in the middle of writing one more block: half of it reached
  // the disk.
  const auto seg = last.segment;
  auto bytes = read_file(seg);
  const std::size_t end = last.block_offset + padded(last.block_length);
  std::memcpy(bytes.data() + end, bytes.data() + last.block_offset, padded(last.block_length) / 2);
  bytes[end + 8] ^= 0x01;  // another first sequence number, so it is not a copy
  write_file(seg, bytes);

  const ScanResult r = log.scan();
  ASSERT_TRUE(r.ok()) << r.problem->describe();
  ASSERT_TRUE(r.torn_tail);
  EXPECT_EQ(r.torn_tail->offset, end);
  EXPECT_EQ(r.torn_tail->first_lost_seq, last.seq + 1);
  EXPECT_EQ(r.summary.last_seq, last.seq);
  cut_torn_tail(*r.torn_tail);
  const ScanResult cut = log.scan();
  ASSERT_TRUE(cut.ok());
  EXPECT_FALSE(cut.torn_tail);
  write_log(log, 10, false, cut.tail);
  const ScanResult after = log.scan();
  ASSERT_TRUE(after.ok()) << after.problem->describe();
  EXPECT_EQ(after.summary.records_by_type.at(16), 310U);
}

TEST(WalLog, RecordsShareBlocksAndEveryCommitEndsOne) {
  // Records appended together share a block (one header, one CRC, one
  // hash); a block never spans commits, and a record appended with
  // EndBlock::yes is the last of its block.
  TempLog log;
  {
    WalWriter w(log.options(), {}, log.key());
    WalProducer& p = w.add_producer();
    for (std::uint64_t i = 0; i < 10; ++i) p.append(16, 1'700'000'000'000'000'000, payload_of(i));
    p.append(16, 1'700'000'000'000'000'000, payload_of(10), {}, EndBlock::yes);
    p.append(16, 1'700'000'000'000'000'000, payload_of(11));
    pump(w, p);
    w.close();
  }
  const auto points = locate(log);
  std::map<std::uint64_t, std::vector<std::uint64_t>> blocks;  // first seq -> its records
  for (const Located& p : points) blocks[p.block_first].push_back(p.seq);
  // Record 1 is the Start, alone (committed when the writer opened the log).
  ASSERT_EQ(points.at(0).type, static_cast<std::uint16_t>(RecordType::Start));
  EXPECT_EQ(blocks.at(1), std::vector<std::uint64_t>{1});
  // Records 2..12 are the eleven user records up to the one that ended its block.
  EXPECT_EQ(blocks.at(2).size(), 11U);
  EXPECT_TRUE(points.at(11).ends_block);
  EXPECT_EQ(points.at(12).block_first, 13U);
  for (const Located& p : points) {
    EXPECT_EQ(p.ends_block, blocks.at(p.block_first).back() == p.seq) << p.seq;
    EXPECT_EQ(p.block_offset % kBlockAlign, 0U);
  }
}

TEST(WalLog, ARecordWhoseTimeIsFarFromItsBlocksStartsAnother) {
  // A record keeps its time as a 32-bit difference from its block's first
  // record (about 2.1 s either way): times further away start a new block,
  // and every time reads back exactly.
  TempLog log;
  constexpr std::int64_t t0 = 1'700'000'000'000'000'000;
  const std::vector<std::int64_t> times = {t0, t0 + 2'000'000'000, t0 - 2'000'000'000,
                                           t0 + 3'000'000'000, t0 + 3'000'000'001};
  {
    WalWriter w(log.options(), {}, log.key());
    WalProducer& p = w.add_producer();
    for (std::size_t i = 0; i < times.size(); ++i) p.append(16, times[i], payload_of(i));
    pump(w, p);
    w.close();
  }
  std::vector<std::int64_t> read;
  std::vector<std::uint64_t> firsts;
  const ScanResult r = log.scan([&](const RecordView& v) {
    if (v.header.type != 16) return;
    read.push_back(v.header.time_ns);
    firsts.push_back(v.block->first_seq);
  });
  ASSERT_TRUE(r.ok()) << r.problem->describe();
  EXPECT_EQ(read, times);
  ASSERT_EQ(firsts.size(), 5U);
  // The block's base is its first record's time, t0.
  EXPECT_EQ(firsts[1], firsts[0]);  // +2 s fits
  EXPECT_EQ(firsts[2], firsts[0]);  // -2 s fits
  EXPECT_NE(firsts[3], firsts[0]);  // +3 s does not: a new block, based at t0 + 3 s
  EXPECT_EQ(firsts[4], firsts[3]);
}

TEST(WalLog, RecordsAppendedTogetherShareOneBlockEvenAtASegmentsEnd) {
  // append_together()'s promise: a crash keeps all of a group or none,
  // because its records share a block. Groups of 2..5 records, mixed with
  // single records, through small segments: the writer rotates many times,
  // mostly with a group next, and must end the segment before a group that
  // does not fit rather than inside it.
  TempLog log;
  constexpr std::int64_t t0 = 1'700'000'000'000'000'000;
  std::map<std::uint64_t, std::uint64_t> group_of;  // record id -> group (0: appended alone)
  std::uint64_t id = 0;
  std::uint64_t groups = 0;
  {
    WalWriter w(log.options(), {}, log.key());
    WalProducer& p = w.add_producer();
    for (std::uint64_t g = 1; g <= 9000; ++g) {
      const auto t = t0 + static_cast<std::int64_t>(g);
      if (g % 16 == 0) w.do_work();
      if (g % 4 == 0) {
        group_of[id] = 0;
        p.append(16, t, payload_of(id++));
        continue;
      }
      std::vector<std::vector<std::byte>> payloads;
      std::vector<GroupedRecord> records;
      for (std::uint64_t k = 0; k < 2 + g % 4; ++k) {
        group_of[id] = g;
        payloads.push_back(payload_of(id++));
      }
      for (const auto& pl : payloads) records.push_back({16, pl});
      const std::uint64_t last = p.append_together(t, records);
      EXPECT_EQ(last, p.appended());
      ++groups;
    }
    pump(w, p);
    w.close();
  }
  std::map<std::uint64_t, std::uint64_t> block_of_group;
  std::uint64_t read = 0;
  const ScanResult r = log.scan([&](const RecordView& v) {
    if (v.header.type != 16) return;
    std::uint64_t rid = 0;
    std::memcpy(&rid, v.payload.data(), sizeof rid);
    EXPECT_EQ(rid, read) << "records read back in the order appended";
    ++read;
    const std::uint64_t g = group_of.at(rid);
    if (g == 0) return;
    const auto [it, first] = block_of_group.emplace(g, v.block->first_seq);
    EXPECT_EQ(it->second, v.block->first_seq)
        << "group " << g << " spans two blocks (record " << rid << ")";
  });
  ASSERT_TRUE(r.ok()) << r.problem->describe();
  EXPECT_EQ(read, id);
  EXPECT_EQ(block_of_group.size(), groups);
  EXPECT_GE(r.summary.segments, 6U);
}

TEST(WalLog, AGroupOfRecordsOutsideTheLimitsIsRefused) {
  TempLog log;
  WalWriter w(log.options(), {}, log.key());
  WalProducer& p = w.add_producer();
  const std::vector<std::byte> small(8);
  std::vector<GroupedRecord> nine(kMaxGroupedRecords + 1, GroupedRecord{16, small});
  EXPECT_THROW(p.append_together(1, {}), std::length_error);
  EXPECT_THROW(p.append_together(1, nine), std::length_error);
  const std::vector<std::byte> half(kMaxPayload / 2 + 1);
  const std::vector<GroupedRecord> two = {{16, half}, {16, half}};
  EXPECT_THROW(p.append_together(1, two), std::length_error);
  EXPECT_EQ(p.appended(), 0U);
  w.close();
}

TEST(WalLog, ALogOfAnotherFormatVersionIsRefusedByName) {
  // A log written by a build of format version 2: the header is intact
  // (magic, CRC), only its version is not this build's.
  TempLog log;
  write_log(log, 10);
  const auto seg = log.segments().front();
  auto bytes = read_file(seg);
  auto* h = reinterpret_cast<std::byte*>(bytes.data());
  put_u32(h + 8, 2);
  put_u32(h + 124, util::crc32c(0, h, 124));
  write_file(seg, bytes);
  const ScanResult r = log.scan();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->offset, 0U);
  EXPECT_NE(r.problem->what.find("segment format version 2; this build reads version 3"),
            std::string::npos)
      << r.problem->describe();
}

// ---- tampering: each is found, and located ----

class WalTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    write_log(log, 3000);
    records = locate(log);
    ASSERT_GE(log.segments().size(), 1U);
  }
  const Located& nth_of_type(std::uint16_t type, std::size_t n) {
    std::size_t seen = 0;
    for (const Located& r : records) {
      if (r.type == type && seen++ == n) return r;
    }
    throw std::runtime_error("no such record");
  }
  // The n-th user record that shares its block with the record after it.
  const Located& nth_inside_a_block(std::size_t n) {
    std::size_t seen = 0;
    for (const Located& r : records) {
      if (r.type == 16 && !r.ends_block && seen++ == n) return r;
    }
    throw std::runtime_error("no such record");
  }
  // The hash of the block before the one holding `r`.
  Hash hash_before(const Located& r) const {
    return r.block_first == 1 ? Hash{} : records.at(r.block_first - 2).hash;
  }
  // Recomputes the chain of `r`'s segment from `r`'s block on.
  void rechain_from(std::vector<char>& bytes, const Located& r) const {
    Hash prev = hash_before(r);
    for (const Located& p : records) {
      if (p.segment != r.segment || p.seq < r.block_first || !p.ends_block) continue;
      prev = testing::rechain_block(bytes, p.block_offset, prev);
    }
  }
  void flip(const std::filesystem::path& file, std::uint64_t offset, int bit = 0) {
    auto bytes = read_file(file);
    bytes[offset] = static_cast<char>(bytes[offset] ^ (1 << bit));
    write_file(file, bytes);
  }
  ScanResult expect_problem(const std::string& what_contains, const ScanOptions* so = nullptr) {
    ScanResult r = so == nullptr ? log.scan() : scan_log(log.dir(), *so);
    EXPECT_FALSE(r.ok()) << "tampering not detected";
    if (r.problem) {
      EXPECT_NE(r.problem->what.find(what_contains), std::string::npos) << r.problem->describe();
    }
    return r;
  }
  // A problem with the block holding `r`: located at the block, with the
  // sequence number of its first record.
  void expect_at_block_of(const ScanResult& s, const Located& r) {
    ASSERT_TRUE(s.problem);
    EXPECT_EQ(s.problem->offset, r.block_offset);
    EXPECT_EQ(s.problem->seq, r.block_first);
    EXPECT_EQ(s.problem->segment, r.segment);
  }

  TempLog log;
  std::vector<Located> records;
};

TEST_F(WalTamper, BitFlipInAPayloadIsLocated) {
  const Located& r = nth_of_type(16, 100);
  flip(r.segment, r.offset + kRecordHeaderSize + 3);
  expect_at_block_of(expect_problem("CRC"), r);
}

TEST_F(WalTamper, BitFlipInARecordHeaderIsLocated) {
  const Located& r = nth_inside_a_block(100);
  flip(r.segment, r.offset + 4);  // its type
  expect_at_block_of(expect_problem("CRC"), r);
}

TEST_F(WalTamper, PayloadChangedWithAFreshCrcBreaksTheChain) {
  const Located& r = nth_of_type(16, 50);
  auto bytes = read_file(r.segment);
  bytes[r.offset + kRecordHeaderSize] ^= 0x40;
  auto* b = reinterpret_cast<std::byte*>(bytes.data() + r.block_offset);
  put_u32(b + 24, block_crc(b, r.block_length));
  write_file(r.segment, bytes);
  expect_at_block_of(expect_problem("chain hash"), r);
}

TEST_F(WalTamper, RewrittenChainIsCaughtByTheSeal) {
  // The thorough forger recomputes every CRC and chain hash after the
  // change; only the signature, which needs the private key, gives it away.
  const Located& target = nth_of_type(16, 10);
  auto bytes = read_file(target.segment);
  bytes[target.offset + kRecordHeaderSize + 9] ^= 0x01;
  rechain_from(bytes, target);
  write_file(target.segment, bytes);
  expect_problem("seal");
}

TEST_F(WalTamper, BitFlipInASealIsFound) {
  const Located& seal = nth_of_type(static_cast<std::uint16_t>(RecordType::Seal), 0);
  flip(seal.segment, seal.offset + kRecordHeaderSize + kSealFixedSize + 10);
  expect_at_block_of(expect_problem("CRC"), seal);
}

TEST_F(WalTamper, ASealNamingARecordInsideABlockIsRefused) {
  // Per-block hashing: only a block's last record has a chain hash to
  // seal. A seal rewritten to name a record inside a block (its block and
  // the chain after it recomputed; no key, so no signature check) is refused.
  // A seal naming a block of more than one record.
  const Located* found = nullptr;
  std::vector<char> bytes;
  std::byte* payload = nullptr;
  for (std::size_t n = 0; found == nullptr; ++n) {
    const Located& seal = nth_of_type(static_cast<std::uint16_t>(RecordType::Seal), n);
    bytes = read_file(seal.segment);
    payload = reinterpret_cast<std::byte*>(bytes.data() + seal.offset + kRecordHeaderSize);
    const Located& named = records.at(get_u64(payload) - 1);
    ASSERT_TRUE(named.ends_block);
    if (named.seq > named.block_first) found = &seal;
  }
  const Located& seal = *found;
  put_u64(payload, get_u64(payload) - 1);
  rechain_from(bytes, seal);
  write_file(seal.segment, bytes);
  const ScanOptions no_key;
  const ScanResult s = expect_problem("is not the last record of a block", &no_key);
  EXPECT_EQ(s.problem->seq, seal.seq);
  EXPECT_EQ(s.problem->offset, seal.offset);
}

TEST_F(WalTamper, BitFlipInASegmentHeaderIsFound) {
  flip(log.segments().front(), 20);
  const ScanResult s = expect_problem("header");
  EXPECT_EQ(s.problem->offset, 0U);
}

TEST_F(WalTamper, TruncationInTheMiddleIsFound) {
  const Located& r = nth_of_type(16, 1500);
  std::filesystem::resize_file(r.segment, r.offset + 10);
  expect_problem("truncated");
}

TEST_F(WalTamper, ExtendedSegmentIsFound) {
  const auto seg = log.segments().front();
  std::filesystem::resize_file(seg, std::filesystem::file_size(seg) + 8);
  expect_problem("truncated or extended");
}

TEST_F(WalTamper, DeletedRecordIsFound) {
  // The block's later records move up over it; the blocks after it stay.
  const Located& r = nth_inside_a_block(300);
  auto bytes = read_file(r.segment);
  const std::size_t size = record_size(r.length);
  const std::size_t block_end = r.block_offset + r.block_length;
  std::memmove(bytes.data() + r.offset, bytes.data() + r.offset + size,
               block_end - r.offset - size);
  std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(block_end - size),
            bytes.begin() + static_cast<std::ptrdiff_t>(block_end), 0);
  write_file(r.segment, bytes);
  expect_at_block_of(expect_problem("CRC"), r);
}

TEST_F(WalTamper, InsertedRecordIsFound) {
  // A record repeated inside its block, the block's length and count
  // updated, its CRC and hash recomputed, and the blocks after it moved on
  // (still 8-aligned): the numbering after it breaks.
  const Located& r = nth_inside_a_block(200);
  auto bytes = read_file(r.segment);
  const std::size_t size = record_size(r.length);
  std::vector<char> block(
      bytes.begin() + static_cast<std::ptrdiff_t>(r.block_offset),
      bytes.begin() + static_cast<std::ptrdiff_t>(r.block_offset + r.block_length));
  const std::size_t at = r.offset - r.block_offset;
  block.insert(block.begin() + static_cast<std::ptrdiff_t>(at + size),
               block.begin() + static_cast<std::ptrdiff_t>(at),
               block.begin() + static_cast<std::ptrdiff_t>(at + size));
  block.resize(padded(block.size()), 0);
  auto* b = reinterpret_cast<std::byte*>(block.data());
  put_u32(b, static_cast<std::uint32_t>(r.block_length + size));
  put_u32(b + 4, get_u32(b + 4) + 1);
  const auto old_end = static_cast<std::ptrdiff_t>(r.block_offset + padded(r.block_length));
  bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(r.block_offset), bytes.begin() + old_end);
  bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(r.block_offset), block.begin(),
               block.end());
  bytes.resize(bytes.size() - (block.size() - padded(r.block_length)));  // zeros at the end
  testing::rechain_block(bytes, r.block_offset, hash_before(r));
  write_file(r.segment, bytes);
  const ScanResult s = expect_problem("missing, repeated or out of order");
  EXPECT_EQ(s.problem->offset, r.block_offset + block.size());
}

TEST_F(WalTamper, DeletedBlockIsFound) {
  const Located& r = nth_of_type(16, 700);
  auto bytes = read_file(r.segment);
  const std::size_t size = padded(r.block_length);
  bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(r.block_offset),
              bytes.begin() + static_cast<std::ptrdiff_t>(r.block_offset + size));
  bytes.insert(bytes.end(), size, 0);  // keep the file size
  write_file(r.segment, bytes);
  expect_at_block_of(expect_problem("missing, repeated or out of order"), r);
}

TEST_F(WalTamper, SwappedRecordsAreFound) {
  // Two neighbours inside a block exchanged.
  const Located& a = nth_inside_a_block(400);
  const Located& b = records.at(a.seq);
  ASSERT_EQ(a.block_first, b.block_first);
  auto bytes = read_file(a.segment);
  const std::size_t na = record_size(a.length);
  const std::size_t nb = record_size(b.length);
  std::vector<char> swapped(bytes.begin() + static_cast<std::ptrdiff_t>(b.offset),
                            bytes.begin() + static_cast<std::ptrdiff_t>(b.offset + nb));
  swapped.insert(swapped.end(), bytes.begin() + static_cast<std::ptrdiff_t>(a.offset),
                 bytes.begin() + static_cast<std::ptrdiff_t>(a.offset + na));
  std::memcpy(bytes.data() + a.offset, swapped.data(), swapped.size());
  write_file(a.segment, bytes);
  expect_at_block_of(expect_problem("CRC"), a);
}

TEST_F(WalTamper, SwappedBlocksAreFound) {
  // Two neighbouring blocks exchanged, each intact.
  const Located& a = nth_of_type(16, 400);
  const Located* next = nullptr;
  for (const Located& p : records) {
    if (p.segment == a.segment && p.block_offset > a.block_offset) {
      next = &p;
      break;
    }
  }
  ASSERT_NE(next, nullptr);
  auto bytes = read_file(a.segment);
  const std::size_t na = padded(a.block_length);
  const std::size_t nb = padded(next->block_length);
  ASSERT_EQ(a.block_offset + na, next->block_offset);
  std::vector<char> swapped(bytes.begin() + static_cast<std::ptrdiff_t>(next->block_offset),
                            bytes.begin() + static_cast<std::ptrdiff_t>(next->block_offset + nb));
  swapped.insert(swapped.end(), bytes.begin() + static_cast<std::ptrdiff_t>(a.block_offset),
                 bytes.begin() + static_cast<std::ptrdiff_t>(a.block_offset + na));
  std::memcpy(bytes.data() + a.block_offset, swapped.data(), swapped.size());
  write_file(a.segment, bytes);
  expect_at_block_of(expect_problem("missing, repeated or out of order"), a);
}

TEST_F(WalTamper, DroppedSegmentIsFound) {
  write_log(log, 8000, false, log.scan().tail);
  const auto segs = log.segments();
  ASSERT_GE(segs.size(), 3U);
  std::filesystem::remove(segs[1]);
  expect_problem("missing");
}

TEST_F(WalTamper, RemovedFirstSegmentIsFound) {
  write_log(log, 100, false, log.scan().tail);
  const auto segs = log.segments();
  std::filesystem::rename(segs.front(), log.root() / "first.log.bak");
  expect_problem("segment 1 is missing");
}

TEST_F(WalTamper, ALogSealedWithAnotherKeyIsRefused) {
  // A forger can write a perfect log, chain and seals included, with a key
  // of their own; it is not the exchange's.
  TempLog forged;
  write_log(forged, 500);
  ScanOptions so;
  const crypto::Sm2PublicKey ours = log.pub();
  so.key = &ours;
  const ScanResult whole = scan_log(forged.dir(), so);
  ASSERT_FALSE(whole.ok());
  EXPECT_NE(whole.problem->what.find("another signing key"), std::string::npos)
      << whole.problem->describe();

  // Claiming the exchange's key in the segment header does not help: the
  // seals name and verify against the key that made them.
  const auto seg = forged.segments().front();
  auto bytes = read_file(seg);
  auto header = decode_segment_header(std::as_bytes(std::span<const char>(bytes)));
  ASSERT_TRUE(header);
  header->key_fingerprint = ours.fingerprint();
  std::array<std::byte, kSegmentHeaderSize> encoded{};
  encode_segment_header(*header, encoded);
  std::memcpy(bytes.data(), encoded.data(), encoded.size());
  write_file(seg, bytes);
  const ScanResult claimed = scan_log(forged.dir(), so);
  ASSERT_FALSE(claimed.ok());
  EXPECT_NE(claimed.problem->what.find("seal made with another key"), std::string::npos)
      << claimed.problem->describe();
}

TEST_F(WalTamper, ASealWithAForgedSignatureIsRefused) {
  // Same length, same fingerprint, CRC and chain recomputed for the seal's
  // block and everything after it: only the signature check can tell.
  const Located& seal = nth_of_type(static_cast<std::uint16_t>(RecordType::Seal), 0);
  auto bytes = read_file(seal.segment);
  bytes[seal.offset + kRecordHeaderSize + kSealFixedSize + 20] ^= 0x01;  // inside the DER r value
  rechain_from(bytes, seal);
  write_file(seal.segment, bytes);
  const ScanResult s = expect_problem("SM2 signature does not verify");
  EXPECT_EQ(s.problem->seq, seal.seq);
  EXPECT_EQ(s.problem->offset, seal.offset);
}

}  // namespace
}  // namespace matchgate::wal
