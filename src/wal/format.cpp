#include "matchgate/wal/format.hpp"

#include <cstdio>
#include <ctime>

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

std::optional<SegmentHeader> decode_segment_header(std::span<const std::byte> in) {
  if (in.size() < kSegmentHeaderSize) return std::nullopt;
  const std::byte* p = in.data();
  if (std::memcmp(p, kSegmentMagic.data(), kSegmentMagic.size()) != 0) return std::nullopt;
  if (get_u32(p + 124) != util::crc32c(0, p, 124)) return std::nullopt;
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

std::uint32_t record_crc(const std::byte* record, std::size_t length) noexcept {
  const std::uint32_t head = util::crc32c(0, record, 24);
  return util::crc32c(head, record + 28, length - 28);
}

Hash chain_hash(const Hash& prev, const std::byte* record, std::size_t length) noexcept {
  crypto::Sm3 h;
  h.update(prev.data(), prev.size());
  h.update(record, 24);
  h.update(record + kRecordHeaderSize, length - kRecordHeaderSize);
  return h.finish();
}

Hash encode_record(std::uint16_t type, std::uint64_t seq, std::int64_t time_ns,
                   const Hash& prev_hash, std::span<const std::byte> payload, std::byte* out) {
  const std::size_t length = kRecordHeaderSize + payload.size();
  put_u32(out, static_cast<std::uint32_t>(length));
  put_u16(out + 4, type);
  put_u16(out + 6, 0);
  put_u64(out + 8, seq);
  put_u64(out + 16, static_cast<std::uint64_t>(time_ns));
  put_u32(out + 28, 0);
  if (!payload.empty()) std::memcpy(out + kRecordHeaderSize, payload.data(), payload.size());
  std::memset(out + length, 0, padded(length) - length);
  const Hash hash = chain_hash(prev_hash, out, length);
  std::memcpy(out + 32, hash.data(), hash.size());
  put_u32(out + 24, record_crc(out, length));
  return hash;
}

RecordHeader decode_record_header(const std::byte* in) noexcept {
  RecordHeader h;
  h.length = get_u32(in);
  h.type = get_u16(in + 4);
  h.flags = get_u16(in + 6);
  h.seq = get_u64(in + 8);
  h.time_ns = static_cast<std::int64_t>(get_u64(in + 16));
  h.crc = get_u32(in + 24);
  std::memcpy(h.hash.data(), in + 32, 32);
  return h;
}

std::array<std::uint8_t, kSealMessageSize> seal_message(std::uint64_t seq, const Hash& hash) {
  std::array<std::uint8_t, kSealMessageSize> m{};
  std::memcpy(m.data(), kSealDomain.data(), kSealDomain.size());
  std::memcpy(m.data() + 13, &seq, 8);
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
