// The log as its users rely on it: what is written reads back in order with
// an intact chain and valid seals; a crash mid-write is told from damage;
// and every kind of tampering is found and located.
#include <sys/stat.h>

#include <cstring>
#include <map>

#include "wal/wal_test_util.hpp"

namespace matchgate::wal {
namespace {

using testing::payload_of;
using testing::pump;
using testing::read_file;
using testing::TempLog;
using testing::write_file;
using testing::write_log;

struct Located {
  std::filesystem::path segment;
  std::uint64_t offset;
  std::uint64_t seq;
  std::uint16_t type;
  std::uint32_t length;
};

std::vector<Located> locate(const TempLog& log) {
  std::vector<Located> out;
  const ScanResult r = log.scan([&](const RecordView& v) {
    out.push_back({*v.segment, v.offset, v.header.seq, v.header.type, v.header.length});
  });
  EXPECT_TRUE(r.ok()) << r.problem->describe();
  return out;
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
  write_log(log, 6000);  // ~1.3 MiB of records: more than one 1 MiB segment
  ScanResult first = log.scan();
  ASSERT_TRUE(first.ok()) << first.problem->describe();
  EXPECT_GE(first.summary.segments, 2U);
  // A second run continues the same chain in a new segment.
  write_log(log, 100, false, first.tail);
  const ScanResult second = log.scan();
  ASSERT_TRUE(second.ok()) << second.problem->describe();
  EXPECT_EQ(second.summary.boots, 2U);
  EXPECT_EQ(second.summary.segments, first.summary.segments + 1);
  EXPECT_EQ(second.summary.records_by_type.at(16), 6100U);
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
  const Located last = records.back();
  // A crash in the middle of writing one more record: half of it reached
  // the disk.
  const auto seg = last.segment;
  auto bytes = read_file(seg);
  const std::size_t end = last.offset + padded(last.length);
  std::memcpy(bytes.data() + end, bytes.data() + last.offset, padded(last.length) / 2);
  bytes[end + 8] ^= 0x01;  // another sequence number, so it is not a copy
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
  void flip(const std::filesystem::path& file, std::uint64_t offset, int bit = 0) {
    auto bytes = read_file(file);
    bytes[offset] = static_cast<char>(bytes[offset] ^ (1 << bit));
    write_file(file, bytes);
  }
  ScanResult expect_problem(const std::string& what_contains) {
    const ScanResult r = log.scan();
    EXPECT_FALSE(r.ok()) << "tampering not detected";
    if (r.problem) {
      EXPECT_NE(r.problem->what.find(what_contains), std::string::npos) << r.problem->describe();
    }
    return r;
  }

  TempLog log;
  std::vector<Located> records;
};

TEST_F(WalTamper, BitFlipInAPayloadIsLocated) {
  const Located& r = nth_of_type(16, 100);
  flip(r.segment, r.offset + kRecordHeaderSize + 3);
  const ScanResult s = expect_problem("CRC");
  ASSERT_TRUE(s.problem);
  EXPECT_EQ(s.problem->offset, r.offset);
  EXPECT_EQ(s.problem->seq, r.seq);
  EXPECT_EQ(s.problem->segment, r.segment);
}

TEST_F(WalTamper, PayloadChangedWithAFreshCrcBreaksTheChain) {
  const Located& r = nth_of_type(16, 50);
  auto bytes = read_file(r.segment);
  auto* rec = reinterpret_cast<std::byte*>(bytes.data() + r.offset);
  rec[kRecordHeaderSize] ^= std::byte{0x40};
  put_u32(rec + 24, record_crc(rec, r.length));
  write_file(r.segment, bytes);
  const ScanResult s = expect_problem("chain hash");
  EXPECT_EQ(s.problem->seq, r.seq);
}

TEST_F(WalTamper, RewrittenChainIsCaughtByTheSeal) {
  // The thorough forger recomputes every CRC and chain hash after the
  // change; only the signature, which needs the private key, gives it away.
  const Located& target = nth_of_type(16, 10);
  auto bytes = read_file(target.segment);
  Hash prev{};
  bool changed = false;
  for (const Located& r : records) {
    if (r.segment != target.segment) break;
    auto* rec = reinterpret_cast<std::byte*>(bytes.data() + r.offset);
    if (r.seq == target.seq) {
      rec[kRecordHeaderSize + 9] ^= std::byte{0x01};
      changed = true;
    }
    if (changed) {
      const Hash h = chain_hash(prev, rec, r.length);
      std::memcpy(rec + 32, h.data(), 32);
      put_u32(rec + 24, record_crc(rec, r.length));
    }
    std::memcpy(prev.data(), rec + 32, 32);
  }
  write_file(target.segment, bytes);
  expect_problem("seal");
}

TEST_F(WalTamper, BitFlipInASealIsFound) {
  const Located& seal = nth_of_type(static_cast<std::uint16_t>(RecordType::Seal), 0);
  flip(seal.segment, seal.offset + kRecordHeaderSize + kSealFixedSize + 10);
  const ScanResult s = expect_problem("CRC");
  EXPECT_EQ(s.problem->seq, seal.seq);
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

TEST_F(WalTamper, DeletedRecordIsFound) {
  const Located& r = nth_of_type(16, 700);
  auto bytes = read_file(r.segment);
  const std::size_t size = padded(r.length);
  bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(r.offset),
              bytes.begin() + static_cast<std::ptrdiff_t>(r.offset + size));
  bytes.insert(bytes.end(), size, 0);  // keep the file size
  write_file(r.segment, bytes);
  const ScanResult s = expect_problem("sequence number");
  EXPECT_EQ(s.problem->offset, r.offset);
  EXPECT_EQ(s.problem->seq, r.seq);
}

TEST_F(WalTamper, SwappedRecordsAreFound) {
  // Two neighbours exchanged: the bytes from the first's start to the
  // second's end become second-then-first.
  const Located& a = nth_of_type(16, 400);
  const Located& b = nth_of_type(16, 401);
  ASSERT_EQ(a.seq + 1, b.seq);
  ASSERT_EQ(a.segment, b.segment);
  auto bytes = read_file(a.segment);
  const std::size_t na = padded(a.length);
  const std::size_t nb = padded(b.length);
  std::vector<char> swapped(bytes.begin() + static_cast<std::ptrdiff_t>(b.offset),
                            bytes.begin() + static_cast<std::ptrdiff_t>(b.offset + nb));
  swapped.insert(swapped.end(), bytes.begin() + static_cast<std::ptrdiff_t>(a.offset),
                 bytes.begin() + static_cast<std::ptrdiff_t>(a.offset + na));
  std::memcpy(bytes.data() + a.offset, swapped.data(), swapped.size());
  write_file(a.segment, bytes);
  const ScanResult s = expect_problem("sequence number");
  EXPECT_EQ(s.problem->offset, a.offset);
  EXPECT_EQ(s.problem->seq, a.seq);
}

TEST_F(WalTamper, DroppedSegmentIsFound) {
  write_log(log, 6000, false, log.scan().tail);
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
  // Same length, same fingerprint, CRC and chain recomputed for the seal and
  // everything after it: only the signature check can tell.
  const Located& seal = nth_of_type(static_cast<std::uint16_t>(RecordType::Seal), 0);
  auto bytes = read_file(seal.segment);
  auto* rec = reinterpret_cast<std::byte*>(bytes.data() + seal.offset);
  const std::size_t sig_at = kRecordHeaderSize + kSealFixedSize;
  rec[sig_at + 20] ^= std::byte{0x01};  // inside the DER r value
  Hash prev{};
  for (const Located& r : records) {
    if (r.segment != seal.segment) break;
    auto* p = reinterpret_cast<std::byte*>(bytes.data() + r.offset);
    if (r.seq >= seal.seq) {
      const Hash h = chain_hash(prev, p, r.length);
      std::memcpy(p + 32, h.data(), 32);
      put_u32(p + 24, record_crc(p, r.length));
    }
    std::memcpy(prev.data(), p + 32, 32);
  }
  write_file(seal.segment, bytes);
  const ScanResult s = expect_problem("SM2 signature does not verify");
  EXPECT_EQ(s.problem->seq, seal.seq);
}

}  // namespace
}  // namespace matchgate::wal
