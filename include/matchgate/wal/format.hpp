#pragma once
// The on-disk format of the write-ahead log. docs/WAL.md describes it byte by
// byte for auditors; this header is the single place the code takes it from.
// Everything is little-endian.
//
// A log is a directory of segment files wal-YYYYMMDD-NNNNNN.log (business
// date, then a segment index that counts up across dates and never repeats).
// Each segment is preallocated to a fixed size: a 4096-byte header region,
// then blocks of records back to back, each starting at a multiple of 8,
// then zeros.
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
// 3: records grouped in blocks, one CRC and one chain hash per block.
// 2: a 64-byte header with its own CRC and chain hash per record (not read).
inline constexpr std::uint32_t kFormatVersion = 3;
inline constexpr std::size_t kSegmentHeaderRegion = 4096;
inline constexpr std::size_t kSegmentHeaderSize = 128;

struct SegmentHeader {
  std::uint64_t index = 0;          // 1, 2, 3 ... across the whole log
  std::uint64_t segment_bytes = 0;  // preallocated file size
  std::uint64_t first_seq = 0;      // sequence number of the first record in this segment
  std::int64_t created_ns = 0;      // UTC nanoseconds
  std::uint32_t business_date = 0;  // YYYYMMDD
  Hash prev_hash{};                 // chain hash of the block before this segment's first one
  Hash key_fingerprint{};           // SM3 of the sealing public key (SubjectPublicKeyInfo DER)
};

void encode_segment_header(const SegmentHeader& h, std::span<std::byte, kSegmentHeaderSize> out);
// nullopt when the magic, version or CRC does not match.
std::optional<SegmentHeader> decode_segment_header(std::span<const std::byte> in);
// The version of a header whose magic and CRC are right but whose version
// is not this build's (a log of another format), else nullopt.
std::optional<std::uint32_t> foreign_format_version(std::span<const std::byte> in);
// What a reader says about a segment of another format version.
std::string foreign_format_problem(std::uint32_t version);

// ---- blocks and records ----
// Records are grouped in blocks; a block has one header with the CRC and
// the chain hash of all its records. Blocks start at multiples of 8.
inline constexpr std::size_t kBlockHeaderSize = 64;
inline constexpr std::size_t kRecordHeaderSize = 12;
inline constexpr std::size_t kBlockAlign = 8;
inline constexpr std::size_t kMaxPayload = 1U << 20;
// The largest block: its header and 8 MiB of records (the writer's staging
// buffer is smaller; a record of the largest payload fits many times).
inline constexpr std::size_t kMaxBlockBytes = kBlockHeaderSize + (std::size_t{8} << 20);
// The smallest: one record with an empty payload.
inline constexpr std::size_t kMinBlockBytes = kBlockHeaderSize + kRecordHeaderSize;

// Record types below 16 belong to the log itself; 16 and up to its users
// (the application's types are in the records module, records/record_types.hpp).
enum class RecordType : std::uint16_t {
  Seal = 1,      // SM2 signature over the chain head
  Start = 2,     // a daemon start
  Shutdown = 3,  // a clean stop: nothing was in flight
  FirstUserType = 16,
};

struct BlockHeader {
  std::uint32_t length = 0;        // header + records, without padding
  std::uint32_t record_count = 0;  // >= 1
  std::uint64_t first_seq = 0;     // the records are first_seq, first_seq + 1, ...
  std::int64_t base_time_ns = 0;   // time of the first record
  std::uint32_t crc = 0;           // CRC-32C over every byte of the block except these 4
  std::uint32_t reserved = 0;      // 0
  Hash hash{};                     // SM3(previous block's hash || bytes [0, 24) || records)
};

// A record's 12-byte header inside a block.
struct RecordHeader {
  std::uint32_t length = 0;  // payload bytes
  std::uint16_t type = 0;
  std::uint16_t flags = 0;         // reserved, 0
  std::int32_t time_delta_ns = 0;  // the record's time - the block's base_time_ns
};

constexpr std::size_t padded(std::size_t n) noexcept {
  return (n + kBlockAlign - 1) & ~(kBlockAlign - 1);
}
constexpr std::size_t record_size(std::size_t payload) noexcept {
  return kRecordHeaderSize + payload;
}

BlockHeader decode_block_header(const std::byte* in) noexcept;
RecordHeader decode_record_header(const std::byte* in) noexcept;
// CRC-32C a block should carry (`block` is `length` bytes).
std::uint32_t block_crc(const std::byte* block, std::size_t length) noexcept;
// Chain hash a block should carry after `prev`.
Hash block_hash(const Hash& prev, const std::byte* block, std::size_t length) noexcept;

// Builds one block in place: begin() at a position of a buffer, add() its
// records, end() writes the header (hash, CRC) and the zero padding. The
// caller keeps room for padded(bytes()) bytes at the position.
class BlockEncoder {
 public:
  void begin(std::byte* out, std::uint64_t first_seq, std::int64_t base_time_ns) noexcept;
  bool open() const noexcept { return out_ != nullptr; }
  std::size_t bytes() const noexcept { return length_; }
  std::uint32_t records() const noexcept { return count_; }
  std::uint64_t next_seq() const noexcept { return first_seq_ + count_; }
  // Whether a record of that time can go into this block (its delta fits i32).
  bool takes_time(std::int64_t time_ns) const noexcept;
  void add(std::uint16_t type, std::int64_t time_ns, std::span<const std::byte> payload) noexcept;
  // Finishes the block after `prev` and returns its chain hash.
  Hash end(const Hash& prev) noexcept;

 private:
  std::byte* out_ = nullptr;
  std::size_t length_ = 0;
  std::uint32_t count_ = 0;
  std::uint64_t first_seq_ = 0;
  std::int64_t base_time_ns_ = 0;
};

// ---- seal payload ----
// The signed message: "MGWAL-SEAL-v3" (13 bytes) || sealed_seq (8) || sealed_hash (32).
// The domain names the format: a version 2 seal (over a record's hash) can
// never pass for a version 3 one (over a block's).
inline constexpr std::string_view kSealDomain = "MGWAL-SEAL-v3";
inline constexpr std::size_t kSealMessageSize = 13 + 8 + 32;
inline constexpr std::size_t kMaxSignature = 72;

struct Seal {
  std::uint64_t sealed_seq = 0;  // the last record the signature covers, the last of a block
  Hash sealed_hash{};            // that block's chain hash
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
