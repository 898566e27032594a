// Writes the WAL fuzz targets' seeds with the log's own code: a small log
// (Start, application records, seals, Shutdown) by the real WalWriter and
// a snapshot by write_snapshot, both signed with the fixed key of
// fuzz/keys (made here when it is missing). Run it again after a change of
// the log or snapshot format:
//   build-fuzz/bin/fuzz_make_wal_seeds fuzz
// It writes fuzz/corpus/fuzz_wal_log/* and fuzz/corpus/fuzz_wal_snapshot/*,
// each file the target's flags byte followed by the file, a segment
// without its trailing zeros (the target pads it back in repair mode).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "matchgate/crypto/sm2.hpp"
#include "matchgate/wal/snapshot.hpp"
#include "matchgate/wal/wal_reader.hpp"
#include "matchgate/wal/wal_writer.hpp"

namespace {

using namespace matchgate;
namespace fs = std::filesystem;

constexpr std::int64_t kT0 = 1'710'495'000LL * 1'000'000'000;  // 2024-03-15 09:30:00 UTC

std::vector<char> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_seed(const fs::path& path, char flags, std::vector<char> bytes, bool trim_zeros) {
  while (trim_zeros && !bytes.empty() && bytes.back() == 0) bytes.pop_back();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.put(flags);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::printf("wrote %s (%zu bytes)\n", path.c_str(), bytes.size() + 1);
}

// Twelve records of three application types in a few blocks, sealed.
void write_log(const fs::path& dir, const fs::path& key_pem) {
  wal::WalOptions o;
  o.dir = dir;
  o.sync = wal::SyncMode::None;
  o.segment_bytes = 1 << 20;  // the smallest the writer takes
  o.producer_ring_bytes = 1 << 16;
  o.seal_interval = std::chrono::milliseconds(0);
  wal::WalWriter w(o, {}, crypto::Sm2PrivateKey::load_pem(key_pem));
  wal::WalProducer& p = w.add_producer();
  for (int i = 0; i < 12; ++i) {
    const std::string payload = "record " + std::to_string(i) + std::string(i * 3, 'x');
    p.append(static_cast<std::uint16_t>(16 + i % 3), kT0 + i * 1000,
             std::as_bytes(std::span(payload)));
    if (i % 4 == 3) {
      while (p.durable() < p.appended()) w.do_work();
    }
  }
  w.close();
}

// A snapshot of the last record that ends a block before the Shutdown.
void write_snap(const fs::path& dir, const crypto::Sm2PrivateKey& key) {
  wal::SnapshotInfo info;
  wal::scan_log(dir, {}, [&](const wal::RecordView& v) {
    if (v.ends_block() && v.header.type >= 16) {
      info.seq = v.header.seq;
      info.chain_hash = v.block->hash;
    }
  });
  info.boots = 1;
  info.created_ns = kT0;
  const std::string payload = "the gateway's state up to this record";
  wal::write_snapshot(dir, info, std::as_bytes(std::span(payload)), key, crypto::kDefaultSm2Id);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FUZZ_DIR (the repository's fuzz/)\n", argv[0]);
    return 2;
  }
  const fs::path fuzz = argv[1];
  const fs::path keys = fuzz / "keys";
  if (!fs::exists(keys / "fuzz-key.pem")) {
    fs::create_directories(keys);
    crypto::generate_sm2_key_pair(keys / "fuzz-key.pem", keys / "fuzz-key.pub.pem");
  }
  const fs::path work = fs::temp_directory_path() / "matchgate-fuzz-seeds";
  fs::remove_all(work);
  write_log(work, keys / "fuzz-key.pem");
  write_snap(work, crypto::Sm2PrivateKey::load_pem(keys / "fuzz-key.pem"));
  fs::create_directories(fuzz / "corpus/fuzz_wal_log");
  fs::create_directories(fuzz / "corpus/fuzz_wal_snapshot");
  for (const wal::SegmentFile& s : wal::list_segments(work)) {
    const auto bytes = read_file(s.path);
    write_seed(fuzz / "corpus/fuzz_wal_log/segment_with_key", 3, bytes, true);
    write_seed(fuzz / "corpus/fuzz_wal_log/segment_without_key", 2, bytes, true);
  }
  for (const wal::SnapshotFile& s : wal::list_snapshots(work)) {
    const auto bytes = read_file(s.path);
    write_seed(fuzz / "corpus/fuzz_wal_snapshot/snapshot", 2, bytes, false);
    write_seed(fuzz / "corpus/fuzz_wal_snapshot/snapshot_repaired", 3, bytes, false);
  }
  fs::remove_all(work);
  return 0;
}
