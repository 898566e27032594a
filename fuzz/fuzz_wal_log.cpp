// Fuzz target: wal::scan_log, the reader recovery and `matchgate-wal
// verify` trust with whatever is on disk, over a log directory holding one
// fuzzed segment file.
//
// Input: one flags byte, then the segment file. Flags bit 0: seals are
// checked against the fixed key of fuzz/keys (otherwise no key, as `dump`
// and `stats` read a log). Bit 1: repair what a mutation breaks first, so
// that mutations reach the records: the header's CRC is recomputed, the
// file is zero-padded to the size its header names (up to 1 MiB; the seeds
// are stored without the zeros), and every block's chain hash and CRC are
// recomputed in order from the header's prev_hash. The file is named
// after the index and business date its header names when they make a
// segment file name.
//
// Besides sanitizer reports: the scan must stop at a problem or a torn
// tail, never throw, deliver records in order with their whole payloads,
// and a clean scan must have delivered every record it counts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "matchgate/util/crc32c.hpp"
#include "matchgate/wal/format.hpp"
#include "matchgate/wal/wal_reader.hpp"
#include "wal_fuzz_support.hpp"

namespace matchgate::fuzz {
namespace {

using namespace wal;

constexpr std::size_t kMaxPaddedBytes = std::size_t{1} << 20;
constexpr std::size_t kHeaderCrcAt = 124;
constexpr std::size_t kSegmentBytesAt = 24;
constexpr std::size_t kPrevHashAt = 56;
constexpr std::size_t kBlockCrcAt = 24;
constexpr std::size_t kBlockHashAt = 32;

void repair_blocks(std::vector<std::byte>& file) {
  Hash prev{};
  std::memcpy(prev.data(), file.data() + kPrevHashAt, prev.size());
  std::size_t off = kSegmentHeaderRegion;
  while (off + kBlockHeaderSize <= file.size()) {
    std::byte* block = file.data() + off;
    const std::uint32_t length = get_u32(block);
    if (length < kMinBlockBytes || length > file.size() - off) return;
    prev = block_hash(prev, block, length);
    std::memcpy(block + kBlockHashAt, prev.data(), prev.size());
    put_u32(block + kBlockCrcAt, block_crc(block, length));
    off += padded(length);
  }
}

void repair(std::vector<std::byte>& file) {
  if (file.size() < kSegmentHeaderSize) return;
  put_u32(file.data() + kHeaderCrcAt, util::crc32c(0, file.data(), kHeaderCrcAt));
  const std::uint64_t size = get_u64(file.data() + kSegmentBytesAt);
  if (size > file.size() && size <= kMaxPaddedBytes) file.resize(size);
  repair_blocks(file);
}

std::string file_name(const std::vector<std::byte>& file) {
  const auto h = decode_segment_header(file);
  std::uint32_t date = 0;
  std::uint64_t index = 0;
  if (h) {
    const std::string name = segment_file_name(h->business_date, h->index);
    if (parse_segment_file_name(name, date, index)) return name;
  }
  return segment_file_name(20240315, 1);
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_wal_log: %s\n", what);
  std::abort();
}

void scan(const std::filesystem::path& dir, bool with_key) {
  ScanOptions options;
  if (with_key) options.key = &fuzz_public_key();
  std::uint64_t delivered = 0;
  std::uint64_t last_seq = 0;
  const ScanResult r = scan_log(dir, options, [&](const RecordView& v) {
    if (v.header.seq <= last_seq && delivered > 0) fail("records delivered out of order");
    if (v.payload.size() != v.header.length) fail("payload length differs from its header");
    last_seq = v.header.seq;
    ++delivered;
  });
  if (r.ok() && r.summary.records != delivered) {
    fail("a clean scan delivered another number of records than it counts");
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
  if ((flags & 2) != 0) repair(file);
  const std::filesystem::path dir = scratch.fresh("wal");
  write_bytes(dir / file_name(file), file);
  scan(dir, (flags & 1) != 0);
  return 0;
}
