#include "matchgate/wal/format.hpp"

#include <cstdio>
#include <ctime>
#include <limits>

#include "matchgate/util/assert.hpp"
#include "matchgate/util/crc32c.hpp"

namespace matchgate::wal {

void encode_segment_header(const SegmentHeader& h, std::span<std::byte, kSegmentHeaderSize> out) {
  std::byte* p = out.data();
  std::memset(p, 0, kSegmentHeaderSize);
  std::memcpy(p, kSegmentMagic.data(), kSegmentMagic.size());
  put_u32(p + 8, kFormatVersion);
  put_u32(p + 12, static_cast<std::uint32_t>(kSegmentHeaderRegion));
  put_u64(p + 16, h.index);
  put_u64(p + 24, h.segment_bytes);
  put_u64(p + 32, h.first_seq);
  put_u64(p + 40, static_cast<std::uint64_t>(h.created_ns));
  put_u32(p + 48, h.business_date);
  std::memcpy(p + 56, h.prev_hash.data(), 32);
  std::memcpy(p + 88, h.key_fingerprint.data(), 32);
  put_u32(p + 124, util::crc32c(0, p, 124));
}

namespace {
// Long enough, the magic and the CRC: a header of some format version.
bool intact_segment_header(std::span<const std::byte> in) noexcept {
  if (in.size() < kSegmentHeaderSize) return false;
  const std::byte* p = in.data();
  return std::memcmp(p, kSegmentMagic.data(), kSegmentMagic.size()) == 0 &&
         get_u32(p + 124) == util::crc32c(0, p, 124);
}
}  // namespace

std::optional<SegmentHeader> decode_segment_header(std::span<const std::byte> in) {
  if (!intact_segment_header(in)) return std::nullopt;
  const std::byte* p = in.data();
  if (get_u32(p + 8) != kFormatVersion || get_u32(p + 12) != kSegmentHeaderRegion) {
    return std::nullopt;
  }
  SegmentHeader h;
  h.index = get_u64(p + 16);
  h.segment_bytes = get_u64(p + 24);
  h.first_seq = get_u64(p + 32);
  h.created_ns = static_cast<std::int64_t>(get_u64(p + 40));
  h.business_date = get_u32(p + 48);
  std::memcpy(h.prev_hash.data(), p + 56, 32);
  std::memcpy(h.key_fingerprint.data(), p + 88, 32);
  return h;
}

std::optional<std::uint32_t> foreign_format_version(std::span<const std::byte> in) {
  if (!intact_segment_header(in)) return std::nullopt;
  const std::uint32_t version = get_u32(in.data() + 8);
  if (version == kFormatVersion) return std::nullopt;
  return version;
}

std::string foreign_format_problem(std::uint32_t version) {
  return "segment format version " + std::to_string(version) + "; this build reads version " +
         std::to_string(kFormatVersion) +
         " (a log of another format: read it with the build that wrote it, start this one "
         "with a new [wal] dir)";
}

BlockHeader decode_block_header(const std::byte* in) noexcept {
  BlockHeader h;
  h.length = get_u32(in);
  h.record_count = get_u32(in + 4);
  h.first_seq = get_u64(in + 8);
  h.base_time_ns = static_cast<std::int64_t>(get_u64(in + 16));
  h.crc = get_u32(in + 24);
  h.reserved = get_u32(in + 28);
  std::memcpy(h.hash.data(), in + 32, 32);
  return h;
}

RecordHeader decode_record_header(const std::byte* in) noexcept {
  RecordHeader h;
  h.length = get_u32(in);
  h.type = get_u16(in + 4);
  h.flags = get_u16(in + 6);
  h.time_delta_ns = static_cast<std::int32_t>(get_u32(in + 8));
  return h;
}

std::uint32_t block_crc(const std::byte* block, std::size_t length) noexcept {
  const std::uint32_t head = util::crc32c(0, block, 24);
  return util::crc32c(head, block + 28, length - 28);
}

Hash block_hash(const Hash& prev, const std::byte* block, std::size_t length) noexcept {
  crypto::Sm3 h;
  h.update(prev.data(), prev.size());
  h.update(block, 24);
  h.update(block + kBlockHeaderSize, length - kBlockHeaderSize);
  return h.finish();
}

void BlockEncoder::begin(std::byte* out, std::uint64_t first_seq,
                         std::int64_t base_time_ns) noexcept {
  MATCHGATE_ASSERT(out_ == nullptr, "a block begins only after the previous one ended");
  out_ = out;
  length_ = kBlockHeaderSize;
  count_ = 0;
  first_seq_ = first_seq;
  base_time_ns_ = base_time_ns;
}

bool BlockEncoder::takes_time(std::int64_t time_ns) const noexcept {
  // Both times are UTC nanoseconds of this century: the difference cannot
  // overflow i64.
  const std::int64_t delta = time_ns - base_time_ns_;
  return delta >= std::numeric_limits<std::int32_t>::min() &&
         delta <= std::numeric_limits<std::int32_t>::max();
}

void BlockEncoder::add(std::uint16_t type, std::int64_t time_ns,
                       std::span<const std::byte> payload) noexcept {
  MATCHGATE_ASSERT(open() && takes_time(time_ns) && payload.size() <= kMaxPayload &&
                       length_ + record_size(payload.size()) <= kMaxBlockBytes,
                   "a record is added only to an open block that takes it");
  std::byte* r = out_ + length_;
  put_u32(r, static_cast<std::uint32_t>(payload.size()));
  put_u16(r + 4, type);
  put_u16(r + 6, 0);
  put_u32(r + 8, static_cast<std::uint32_t>(static_cast<std::int32_t>(time_ns - base_time_ns_)));
  if (!payload.empty()) std::memcpy(r + kRecordHeaderSize, payload.data(), payload.size());
  length_ += record_size(payload.size());
  ++count_;
}

Hash BlockEncoder::end(const Hash& prev) noexcept {
  MATCHGATE_ASSERT(open() && count_ > 0, "only an open block with records ends");
  std::byte* b = out_;
  put_u32(b, static_cast<std::uint32_t>(length_));
  put_u32(b + 4, count_);
  put_u64(b + 8, first_seq_);
  put_u64(b + 16, static_cast<std::uint64_t>(base_time_ns_));
  put_u32(b + 28, 0);
  std::memset(b + length_, 0, padded(length_) - length_);
  const Hash hash = block_hash(prev, b, length_);
  std::memcpy(b + 32, hash.data(), hash.size());
  put_u32(b + 24, block_crc(b, length_));
  out_ = nullptr;
  return hash;
}

std::array<std::uint8_t, kSealMessageSize> seal_message(std::uint64_t seq, const Hash& hash) {
  std::array<std::uint8_t, kSealMessageSize> m{};
  std::memcpy(m.data(), kSealDomain.data(), kSealDomain.size());
  std::memcpy(m.data() + kSealDomain.size(), &seq, 8);
  std::memcpy(m.data() + 21, hash.data(), 32);
  return m;
}

std::size_t encode_seal(const Seal& s, std::byte* out) {
  put_u64(out, s.sealed_seq);
  std::memcpy(out + 8, s.sealed_hash.data(), 32);
  std::memcpy(out + 40, s.key_fingerprint.data(), 32);
  put_u16(out + 72, s.signature_length);
  std::memcpy(out + kSealFixedSize, s.signature.data(), s.signature_length);
  return kSealFixedSize + s.signature_length;
}

std::optional<Seal> decode_seal(std::span<const std::byte> payload) {
  if (payload.size() < kSealFixedSize) return std::nullopt;
  const std::byte* p = payload.data();
  Seal s;
  s.sealed_seq = get_u64(p);
  std::memcpy(s.sealed_hash.data(), p + 8, 32);
  std::memcpy(s.key_fingerprint.data(), p + 40, 32);
  s.signature_length = get_u16(p + 72);
  if (s.signature_length > kMaxSignature || payload.size() != kSealFixedSize + s.signature_length) {
    return std::nullopt;
  }
  std::memcpy(s.signature.data(), p + kSealFixedSize, s.signature_length);
  return s;
}

std::size_t encode_start(const Start& s, std::byte* out, std::size_t capacity) {
  const std::size_t n = std::min<std::size_t>(s.software.size(), 255);
  if (capacity < 14 + n) return 0;
  put_u64(out, s.boot);
  put_u32(out + 8, s.format);
  put_u16(out + 12, static_cast<std::uint16_t>(n));
  std::memcpy(out + 14, s.software.data(), n);
  return 14 + n;
}

std::optional<Start> decode_start(std::span<const std::byte> payload) {
  if (payload.size() < 14) return std::nullopt;
  const std::byte* p = payload.data();
  Start s;
  s.boot = get_u64(p);
  s.format = get_u32(p + 8);
  const std::uint16_t n = get_u16(p + 12);
  if (payload.size() != 14U + n) return std::nullopt;
  s.software.assign(reinterpret_cast<const char*>(p + 14), n);
  return s;
}

std::string segment_file_name(std::uint32_t business_date, std::uint64_t index) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "wal-%08u-%06llu.log", business_date,
                static_cast<unsigned long long>(index));
  return buf;
}

bool parse_segment_file_name(std::string_view name, std::uint32_t& business_date,
                             std::uint64_t& index) {
  // wal- 8 digits - at least 6 digits .log
  if (name.size() < 4 + 8 + 1 + 6 + 4 || name.substr(0, 4) != "wal-" || name[12] != '-' ||
      name.substr(name.size() - 4) != ".log") {
    return false;
  }
  std::uint64_t date = 0;
  for (char c : name.substr(4, 8)) {
    if (c < '0' || c > '9') return false;
    date = date * 10 + static_cast<std::uint64_t>(c - '0');
  }
  const std::string_view digits = name.substr(13, name.size() - 13 - 4);
  if (digits.size() > 18) return false;
  std::uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  business_date = static_cast<std::uint32_t>(date);
  index = n;
  return true;
}

std::uint32_t business_date_of(std::int64_t utc_ns) noexcept {
  const std::time_t t = static_cast<std::time_t>(utc_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return static_cast<std::uint32_t>((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
                                    tm.tm_mday);
}

}  // namespace matchgate::wal
