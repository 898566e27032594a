#pragma once
// The on-disk format of the write-ahead log. docs/WAL.md describes it byte by
// byte for auditors; this header is the single place the code takes it from.
// Everything is little-endian.
//
// A log is a directory of segment files wal-YYYYMMDD-NNNNNN.log (business
// date, then a segment index that counts up across dates and never repeats).
// Each segment is preallocated to a fixed size: a 4096-byte header region,
// then records back to back, each starting at a multiple of 8, then zeros.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "matchgate/crypto/sm3.hpp"

namespace matchgate::wal {

using Hash = crypto::Sm3Digest;

// ---- segment header (first 128 bytes of the 4096-byte header region) ----
inline constexpr std::array<char, 8> kSegmentMagic = {'M', 'G', 'W', 'A', 'L', 'S', 'E', 'G'};
// 2: Outbound records (gateway type 17) carry the cause of the message.
inline constexpr std::uint32_t kFormatVersion = 2;
inline constexpr std::size_t kSegmentHeaderRegion = 4096;
inline constexpr std::size_t kSegmentHeaderSize = 128;

struct SegmentHeader {
  std::uint64_t index = 0;          // 1, 2, 3 ... across the whole log
  std::uint64_t segment_bytes = 0;  // preallocated file size
  std::uint64_t first_seq = 0;      // sequence number of the first record in this segment
  std::int64_t created_ns = 0;      // UTC nanoseconds
  std::uint32_t business_date = 0;  // YYYYMMDD
  Hash prev_hash{};                 // chain hash before this segment's first record
  Hash key_fingerprint{};           // SM3 of the sealing public key (SubjectPublicKeyInfo DER)
};

void encode_segment_header(const SegmentHeader& h, std::span<std::byte, kSegmentHeaderSize> out);
// nullopt when the magic, version or CRC does not match.
std::optional<SegmentHeader> decode_segment_header(std::span<const std::byte> in);

// ---- records ----
inline constexpr std::size_t kRecordHeaderSize = 64;
inline constexpr std::size_t kRecordAlign = 8;
inline constexpr std::size_t kMaxPayload = 1U << 20;

// Record types below 16 belong to the log itself; 16 and up to its users
// (the application's types are in the records module, records/record_types.hpp).
enum class RecordType : std::uint16_t {
  Seal = 1,      // SM2 signature over the chain head
  Start = 2,     // a daemon start
  Shutdown = 3,  // a clean stop: nothing was in flight
  FirstUserType = 16,
};

struct RecordHeader {
  std::uint32_t length = 0;  // header + payload, without padding
  std::uint16_t type = 0;
  std::uint16_t flags = 0;  // reserved, 0
  std::uint64_t seq = 0;    // 1, 2, 3 ... across the whole log
  std::int64_t time_ns = 0;
  std::uint32_t crc = 0;  // CRC-32C over every byte of the record except these 4
  Hash hash{};            // SM3(previous hash || bytes [0, 24) || payload)
};

constexpr std::size_t padded(std::size_t n) noexcept {
  return (n + kRecordAlign - 1) & ~(kRecordAlign - 1);
}
constexpr std::size_t record_size(std::size_t payload) noexcept {
  return padded(kRecordHeaderSize + payload);
}

// Writes a complete record (header, chain hash, CRC, payload, padding) into
// `out`, which must hold record_size(payload.size()) bytes, and returns the
// new chain hash.
Hash encode_record(std::uint16_t type, std::uint64_t seq, std::int64_t time_ns,
                   const Hash& prev_hash, std::span<const std::byte> payload, std::byte* out);

// Reads the fixed fields; no checks beyond what fits.
RecordHeader decode_record_header(const std::byte* in) noexcept;
// CRC-32C a record should carry (`record` is `length` bytes).
std::uint32_t record_crc(const std::byte* record, std::size_t length) noexcept;
// Chain hash a record should carry after `prev`.
Hash chain_hash(const Hash& prev, const std::byte* record, std::size_t length) noexcept;

// ---- seal payload ----
// The signed message: "MGWAL-SEAL-v1" (13 bytes) || sealed_seq (8) || sealed_hash (32).
inline constexpr std::string_view kSealDomain = "MGWAL-SEAL-v1";
inline constexpr std::size_t kSealMessageSize = 13 + 8 + 32;
inline constexpr std::size_t kMaxSignature = 72;

struct Seal {
  std::uint64_t sealed_seq = 0;  // the last record the signature covers
  Hash sealed_hash{};            // the chain hash after that record
  Hash key_fingerprint{};
  std::uint16_t signature_length = 0;
  std::array<std::uint8_t, kMaxSignature> signature{};
};
inline constexpr std::size_t kSealFixedSize = 8 + 32 + 32 + 2;

std::array<std::uint8_t, kSealMessageSize> seal_message(std::uint64_t seq, const Hash& hash);
std::size_t encode_seal(const Seal& s, std::byte* out);  // returns bytes written
std::optional<Seal> decode_seal(std::span<const std::byte> payload);

// ---- start payload ----
struct Start {
  std::uint64_t boot = 0;  // 1 for the first start of this log, then counting
  std::uint32_t format = kFormatVersion;
  std::string software;  // e.g. "matchgated 0.1.0"
};
std::size_t encode_start(const Start& s, std::byte* out, std::size_t capacity);
std::optional<Start> decode_start(std::span<const std::byte> payload);

// ---- file names ----
std::string segment_file_name(std::uint32_t business_date, std::uint64_t index);
// Parses wal-YYYYMMDD-NNNNNN.log; false for any other name.
bool parse_segment_file_name(std::string_view name, std::uint32_t& business_date,
                             std::uint64_t& index);
// YYYYMMDD of a UTC time.
std::uint32_t business_date_of(std::int64_t utc_ns) noexcept;

// Little-endian helpers shared by the encoders.
inline void put_u16(std::byte* p, std::uint16_t v) noexcept {
  std::memcpy(p, &v, 2);
}
inline void put_u32(std::byte* p, std::uint32_t v) noexcept {
  std::memcpy(p, &v, 4);
}
inline void put_u64(std::byte* p, std::uint64_t v) noexcept {
  std::memcpy(p, &v, 8);
}
inline std::uint16_t get_u16(const std::byte* p) noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
inline std::uint32_t get_u32(const std::byte* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline std::uint64_t get_u64(const std::byte* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
static_assert(std::endian::native == std::endian::little, "the log format is little-endian");

}  // namespace matchgate::wal
