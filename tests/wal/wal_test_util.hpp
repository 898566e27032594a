#pragma once
// A temporary log directory with its own SM2 key pair, and helpers to write
// a log through the real WalWriter and to damage it in the ways an attacker
// or a failing disk would.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "matchgate/crypto/sm2.hpp"
#include "matchgate/wal/wal_reader.hpp"
#include "matchgate/wal/wal_writer.hpp"
#include "support/temp_dir.hpp"

namespace matchgate::wal::testing {

class TempLog {
 public:
  TempLog() { crypto::generate_sm2_key_pair(root() / "key.pem", root() / "key.pub.pem"); }
  std::filesystem::path dir() const { return root() / "wal"; }
  std::filesystem::path key_path() const { return root() / "key.pem"; }
  std::filesystem::path pub_path() const { return root() / "key.pub.pem"; }
  crypto::Sm2PrivateKey key() const { return crypto::Sm2PrivateKey::load_pem(key_path()); }
  crypto::Sm2PublicKey pub() const { return crypto::Sm2PublicKey::load_pem(pub_path()); }
  const std::filesystem::path& root() const { return temp_.path(); }

  WalOptions options(std::uint64_t segment_bytes = 1 << 20) const {
    WalOptions o;
    o.dir = dir();
    o.segment_bytes = segment_bytes;
    o.producer_ring_bytes = 1 << 20;
    o.seal_interval = std::chrono::milliseconds(1);
    return o;
  }

  ScanResult scan(const RecordCallback& cb = {}) const {
    const crypto::Sm2PublicKey k = pub();
    ScanOptions so;
    so.key = &k;
    return scan_log(dir(), so, cb);
  }

  // The segment files in index order (file names sort by date first).
  std::vector<std::filesystem::path> segments() const {
    std::vector<std::filesystem::path> out;
    for (const SegmentFile& s : list_segments(dir())) out.push_back(s.path);
    return out;
  }

 private:
  ::matchgate::testing::TempDir temp_{"matchgate-wal"};
};

// Payload i: a few bytes that say which record it is, of varying length.
inline std::vector<std::byte> payload_of(std::uint64_t i) {
  std::vector<std::byte> p(8 + (i * 37) % 300);
  for (std::size_t k = 0; k < p.size(); ++k) p[k] = static_cast<std::byte>((i * 131 + k) & 0xff);
  std::memcpy(p.data(), &i, 8);
  return p;
}

// Drives a writer on the calling thread until every appended record is
// durable (and, if `sealed`, a seal covers the last one).
inline void pump(WalWriter& w, WalProducer& p) {
  for (int spins = 0; p.durable() < p.appended() && spins < 10'000'000; ++spins) w.do_work();
}

// Writes `n` user records (type 16), then closes the log cleanly unless
// `crash` (then the writer is simply dropped, as a killed process would).
inline LogTail write_log(const TempLog& log, std::uint64_t n, bool crash = false, LogTail tail = {},
                         std::uint64_t segment_bytes = 1 << 20) {
  WalWriter w(log.options(segment_bytes), tail, log.key());
  WalProducer& p = w.add_producer();
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto body = payload_of(i);
    p.append(16, 1'700'000'000'000'000'000 + static_cast<std::int64_t>(i), body);
    if (i % 64 == 63) {
      p.settle(p.appended());  // nothing more comes of them: commit (one block per group)
      w.do_work();
    }
  }
  pump(w, p);
  if (!crash) w.close();
  LogTail out;
  out.next_seq = w.last_seq() + 1;
  return out;
}

// Three runs of the log in 1 MiB segments: about five segments, with
// restarts (Start records 2 and 3) inside it.
inline void write_long_log(const TempLog& log) {
  write_log(log, 8000);
  write_log(log, 8000, false, log.scan().tail);
  write_log(log, 4000, false, log.scan().tail);
}

// One record as a whole scan sees it, with its block, the chain hash (of
// the block it ends; zero for a record inside a block) and the number of
// Start records up to and including it.
struct Point {
  std::uint64_t seq = 0;
  Hash hash{};
  bool ends_block = false;
  std::uint64_t boots = 0;
  std::uint16_t type = 0;
  std::filesystem::path segment;
  std::uint64_t offset = 0;  // of the record's header
  std::uint32_t length = 0;  // payload bytes
  std::uint64_t block_offset = 0;
  std::uint32_t block_length = 0;
  std::uint64_t block_first = 0;
};

// Every record of the log; element i is record i + 1.
inline std::vector<Point> chain_points(const TempLog& log) {
  std::vector<Point> out;
  std::uint64_t boots = 0;
  const ScanResult r = log.scan([&](const RecordView& v) {
    if (v.header.type == static_cast<std::uint16_t>(RecordType::Start)) ++boots;
    out.push_back(Point{v.header.seq, v.ends_block() ? v.block->hash : Hash{}, v.ends_block(),
                        boots, v.header.type, *v.segment, v.offset, v.header.length,
                        v.block->offset, v.block->length, v.block->first_seq});
  });
  EXPECT_TRUE(r.ok()) << r.problem->describe();
  return out;
}

// The first record at or after `seq` that ends a block: a snapshot or a
// seal can only name such a record.
inline std::uint64_t block_end_from(const std::vector<Point>& points, std::uint64_t seq) {
  for (std::size_t i = seq - 1; i < points.size(); ++i) {
    if (points[i].ends_block) return points[i].seq;
  }
  throw std::runtime_error("no block ends at or after record " + std::to_string(seq));
}
// The last record before `seq` that ends a block.
inline std::uint64_t block_end_before(const std::vector<Point>& points, std::uint64_t seq) {
  for (std::size_t i = seq - 1; i-- > 0;) {
    if (points[i].ends_block) return points[i].seq;
  }
  throw std::runtime_error("no block ends before record " + std::to_string(seq));
}

// Recomputes the chain hash and CRC of the block at `at` of `bytes` (a
// segment file's), after `prev`, as a forger would; returns its new hash.
inline Hash rechain_block(std::vector<char>& bytes, std::uint64_t at, const Hash& prev) {
  auto* b = reinterpret_cast<std::byte*>(bytes.data() + at);
  const std::uint32_t length = get_u32(b);
  const Hash h = block_hash(prev, b, length);
  std::memcpy(b + 32, h.data(), h.size());
  put_u32(b + 24, block_crc(b, length));
  return h;
}

inline std::vector<char> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}
inline void write_file(const std::filesystem::path& path, const std::vector<char>& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace matchgate::wal::testing
