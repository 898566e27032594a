// Fuzz target: the snapshot file reader (wal::read_snapshot, through
// newest_valid_snapshot as recovery calls it) over a log directory holding
// one fuzzed snapshot file.
//
// Input: one flags byte, then the file. Flags bit 0: repair what a
// mutation breaks first, so that mutations reach the later checks: the
// payload's SM3 (over the payload bytes the header's length names, when
// the file holds them) and then the header's CRC are recomputed; the SM2
// signature is left as it is. Bit 1: the file is named after the record
// its header names (otherwise snap-<1>.snap).
//
// Besides sanitizer reports: the reader never throws, a snapshot it calls
// valid has the payload the file holds, and one it refuses says why.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "matchgate/util/crc32c.hpp"
#include "matchgate/wal/format.hpp"
#include "matchgate/wal/snapshot.hpp"
#include "wal_fuzz_support.hpp"

namespace matchgate::fuzz {
namespace {

using namespace wal;

constexpr std::size_t kHeaderCrcAt = kSnapshotHeaderSize - 4;
constexpr std::size_t kSeqAt = 16;
constexpr std::size_t kPayloadBytesAt = 80;
constexpr std::size_t kPayloadDigestAt = 88;

void repair(std::vector<std::byte>& file) {
  if (file.size() < kSnapshotHeaderSize) return;
  const std::uint64_t payload_bytes = get_u64(file.data() + kPayloadBytesAt);
  if (payload_bytes <= file.size() - kSnapshotHeaderSize) {
    const Hash digest = snapshot_payload_digest(
        std::span<const std::byte>(file.data() + kSnapshotHeaderSize, payload_bytes));
    std::memcpy(file.data() + kPayloadDigestAt, digest.data(), digest.size());
  }
  put_u32(file.data() + kHeaderCrcAt, util::crc32c(0, file.data(), kHeaderCrcAt));
}

std::string file_name(const std::vector<std::byte>& file, bool from_header) {
  if (from_header && file.size() >= kSnapshotHeaderSize) {
    return snapshot_file_name(get_u64(file.data() + kSeqAt));
  }
  return snapshot_file_name(1);
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_wal_snapshot: %s\n", what);
  std::abort();
}

void read(const std::filesystem::path& dir, const std::vector<std::byte>& file) {
  const NewestSnapshot newest =
      newest_valid_snapshot(dir, fuzz_public_key(), crypto::kDefaultSm2Id);
  for (const SnapshotRead& r : newest.skipped) {
    if (r.ok() || r.problem->empty()) fail("a skipped snapshot without a problem");
    if (!r.payload.empty()) fail("a refused snapshot kept its payload");
  }
  if (!newest.snapshot) return;
  const SnapshotRead& r = *newest.snapshot;
  if (!r.ok() || !r.info) fail("a valid snapshot with a problem or without its header");
  if (r.payload.size() != r.info->payload_bytes ||
      (!r.payload.empty() &&
       std::memcmp(r.payload.data(), file.data() + kSnapshotHeaderSize, r.payload.size()) != 0)) {
    fail("a valid snapshot whose payload is not the file's");
  }
}

}  // namespace
}  // namespace matchgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace matchgate::fuzz;
  if (size == 0) return 0;
  static const ScratchDir scratch;
  const std::uint8_t flags = data[0];
  const auto* bytes = reinterpret_cast<const std::byte*>(data + 1);
  std::vector<std::byte> file(bytes, bytes + size - 1);
  if ((flags & 1) != 0) repair(file);
  const std::filesystem::path dir = scratch.fresh("wal");
  write_bytes(dir / file_name(file, (flags & 2) != 0), file);
  read(dir, file);
  return 0;
}
