#include "block_checks.hpp"

#include "matchgate/util/assert.hpp"

namespace matchgate::wal {

bool all_zero(const std::byte* p, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    if (get_u64(p + i) != 0) return false;
  }
  for (; i < n; ++i) {
    if (p[i] != std::byte{0}) return false;
  }
  return true;
}

std::size_t last_non_zero(const std::byte* p, std::size_t from, std::size_t size) noexcept {
  std::size_t last = from;
  for (std::size_t i = from; i < size; ++i) {
    if (p[i] != std::byte{0}) last = i + 1;
  }
  return last;
}

std::string check_block_frame(const std::byte* base, std::size_t size, std::size_t off,
                              std::uint64_t seq) {
  if (off + kBlockHeaderSize > size) return "bytes after the last block";
  const std::byte* b = base + off;
  const std::uint32_t length = get_u32(b);
  if (length < kMinBlockBytes || length > kMaxBlockBytes) {
    return "invalid block length " + std::to_string(length);
  }
  if (off + padded(length) > size) return "block runs past the end of the segment";
  if (get_u32(b + 24) != block_crc(b, length)) return "CRC mismatch";
  const std::uint64_t first = get_u64(b + 8);
  if (first != seq) {
    return "block starts with record " + std::to_string(first) + " where " + std::to_string(seq) +
           " was expected (a record or block is missing, repeated or out of order)";
  }
  if (get_u32(b + 28) != 0) return "reserved header bits set";
  if (!all_zero(b + length, padded(length) - length)) return "non-zero padding";
  return {};
}

std::string check_block_records(const std::byte* b) {
  const std::uint32_t length = get_u32(b);
  const std::uint32_t count = get_u32(b + 4);
  std::size_t pos = kBlockHeaderSize;
  for (std::uint32_t i = 0; i < count && pos + kRecordHeaderSize <= length; ++i) {
    const RecordHeader rh = decode_record_header(b + pos);
    if (rh.length > kMaxPayload || pos + record_size(rh.length) > length) break;
    if (rh.flags != 0) return "reserved header bits set";
    pos += record_size(rh.length);
    if (i + 1 == count && pos == length) return {};
  }
  return "malformed block (its " + std::to_string(count) +
         " records do not fill its length exactly)";
}

std::string check_block(const std::byte* base, std::size_t size, std::size_t off, std::uint64_t seq,
                        const Hash& prev, bool chained) {
  std::string bad = check_block_frame(base, size, off, seq);
  if (!bad.empty()) return bad;
  const std::byte* b = base + off;
  const std::uint32_t length = get_u32(b);
  if (chained && block_hash(prev, b, length) != decode_block_header(b).hash) {
    return "SM3 chain hash mismatch (the block or one before it was altered)";
  }
  return check_block_records(b);
}

bool blocks_end_at(const std::byte* base, std::size_t size, std::size_t off) noexcept {
  // check_block_frame keeps every block inside the file, so the next one
  // starts at its end at the latest.
  MATCHGATE_ASSERT(off <= size, "a block position lies past the end of its segment");
  if (off + kBlockHeaderSize > size || get_u32(base + off) == 0) {
    return all_zero(base + off, size - off);
  }
  return false;
}

bool valid_block_after(const std::byte* base, std::size_t size, std::size_t off,
                       std::uint64_t seq) {
  for (std::size_t p = off + kBlockAlign; p + kBlockHeaderSize <= size; p += kBlockAlign) {
    const std::uint32_t length = get_u32(base + p);
    if (length < kMinBlockBytes || length > kMaxBlockBytes) continue;
    if (p + padded(length) > size) continue;
    const std::uint64_t s = get_u64(base + p + 8);
    if (s < seq || s > seq + (std::uint64_t{1} << 40)) continue;
    if (get_u32(base + p + 24) == block_crc(base + p, length)) return true;
  }
  return false;
}

}  // namespace matchgate::wal
