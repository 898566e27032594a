#pragma once
// Snapshots of the state the log describes, and the retention they allow.
// docs/WAL.md section 10 describes the file byte by byte.
//
// A snapshot file snap-<seq, 20 digits>.snap in the log directory holds a
// fixed header (the log position it is tied to: record seq and the chain
// hash after it), an opaque payload (the gateway's state up to and including
// record seq) and an SM2 signature by the log's key over the header, which
// carries the payload's SM3. Recovery reads the newest valid snapshot and
// then the log after it (ScanOptions::start); retention deletes the
// segments every kept snapshot has made unnecessary.
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "matchgate/crypto/sm2.hpp"
#include "matchgate/wal/file_io.hpp"
#include "matchgate/wal/format.hpp"
#include "matchgate/wal/wal_reader.hpp"

namespace matchgate::wal {

inline constexpr std::array<char, 8> kSnapshotMagic = {'M', 'G', 'W', 'A', 'L', 'S', 'N', 'P'};
// 2: the payload's digest is a two-level SM3 tree (payload_digest).
inline constexpr std::uint32_t kSnapshotVersion = 2;
inline constexpr std::size_t kSnapshotHeaderSize = 192;
// The signed message: "MGWAL-SNAP-v2" (13 bytes) || the 192 header bytes.
inline constexpr std::string_view kSnapshotDomain = "MGWAL-SNAP-v2";
// The payload is hashed in chunks of this many bytes (the last one
// shorter), so that a start can hash a large snapshot on every core.
inline constexpr std::size_t kSnapshotChunkBytes = std::size_t{16} << 20;
inline constexpr std::size_t kSnapshotMessageSize = 13 + kSnapshotHeaderSize;

struct SnapshotInfo {
  std::uint64_t seq = 0;  // the last record the state includes, >= 1
  Hash chain_hash{};      // the hash of the block that ends with record seq
  // The newest segment whose first record is at or before seq + 1 when the
  // snapshot is written: record seq + 1 is in it or, if it ends with record
  // seq, in a later one. write_snapshot fills it from the segment headers
  // when it is 0. Retention never deletes this segment or a later one.
  std::uint64_t segment_index = 0;
  std::int64_t created_ns = 0;  // UTC; write_snapshot uses the clock when it is 0
  std::uint64_t boots = 0;      // Start records up to and including seq
  // Filled by write_snapshot; read back from the file.
  std::uint64_t payload_bytes = 0;
  Hash payload_digest{};  // snapshot_payload_digest(payload)
  Hash key_fingerprint{};

  StartPoint start_point() const noexcept { return StartPoint{seq, chain_hash, boots}; }
};

void encode_snapshot_header(const SnapshotInfo& info,
                            std::span<std::byte, kSnapshotHeaderSize> out);
// nullopt when the magic, version, header size or CRC does not match.
std::optional<SnapshotInfo> decode_snapshot_header(std::span<const std::byte> in);
std::array<std::uint8_t, kSnapshotMessageSize> snapshot_message(
    std::span<const std::byte, kSnapshotHeaderSize> header);

// SM3 over the SM3 digests of the payload's chunks of kSnapshotChunkBytes,
// in order (SM3 of nothing for an empty payload); the chunks are hashed on
// up to `threads` threads (one if 0). docs/WAL.md 10.1.
Hash snapshot_payload_digest(std::span<const std::byte> payload, unsigned threads = 1);

std::string snapshot_file_name(std::uint64_t seq);
// Parses snap-<exactly 20 digits>.snap; false for any other name.
bool parse_snapshot_file_name(std::string_view name, std::uint64_t& seq);

// Writes dir/snap-<seq>.snap: the header (info with the payload's length
// and SM3 and the key's fingerprint filled in), the payload, the signature
// with `key` under `sm2_id`. Crash-safe: written to snap-<seq>.snap.tmp,
// fdatasync'd, renamed (never over an existing file), the directory
// fsync'd; leftover snap-*.snap.tmp files from an earlier crash are removed
// first (one process writes a directory's snapshots). Returns the path.
// Throws std::system_error (I/O, an existing snapshot of that record),
// std::invalid_argument (seq 0, no segment to tie the snapshot to when
// segment_index is 0) or crypto::CryptoError.
//
// The caller must only snapshot state whose records are durable, and give
// the chain hash (of the block record seq ends: a snapshot names the last
// record of a block) and boots of record seq (logged_chain_hash() reads the
// hash back from the log). `io`: the file system calls (tests inject faults).
std::filesystem::path write_snapshot(const std::filesystem::path& dir, const SnapshotInfo& info,
                                     std::span<const std::byte> payload,
                                     const crypto::Sm2PrivateKey& key, std::string_view sm2_id,
                                     FileIo& io = posix_file_io());

struct SnapshotFile {
  std::filesystem::path path;
  std::uint64_t seq = 0;  // from the name
};
// The snapshot files of `dir` by name, oldest (lowest seq) first; nothing is
// read. Empty if `dir` does not exist.
std::vector<SnapshotFile> list_snapshots(const std::filesystem::path& dir);

struct SnapshotRead {
  std::filesystem::path path;
  std::optional<SnapshotInfo> info;  // whenever the header could be decoded
  std::vector<std::byte> payload;    // only when valid
  std::optional<std::string> problem;
  bool ok() const noexcept { return !problem; }
};
// Reads and checks one snapshot file: name, header, size, key fingerprint,
// payload digest (on every core), SM2 signature. Never throws for a bad or unreadable file:
// that is a problem, stated in the words docs/WAL.md lists.
SnapshotRead read_snapshot(const std::filesystem::path& path, const crypto::Sm2PublicKey& key,
                           std::string_view sm2_id);

struct NewestSnapshot {
  std::optional<SnapshotRead> snapshot;  // the newest valid one, with its payload
  std::vector<SnapshotRead> skipped;     // newer ones that are not valid, newest first
};
// The newest valid snapshot of record max_seq or earlier. Snapshots that
// fail read_snapshot are skipped and reported.
NewestSnapshot newest_valid_snapshot(const std::filesystem::path& dir,
                                     const crypto::Sm2PublicKey& key, std::string_view sm2_id,
                                     std::uint64_t max_seq = ~std::uint64_t{0});

// ---- retention ----

struct RetentionOptions {
  std::size_t keep_snapshots = 2;  // at least 1
  bool dry_run = false;            // report what would be removed, remove nothing
};

struct RetentionReport {
  // The oldest kept snapshot: no segment holding a record after its seq is
  // removed. Empty when there is no usable snapshot; then nothing was done.
  std::optional<SnapshotFile> anchor;
  std::vector<SnapshotFile> kept;                // newest first
  std::vector<std::filesystem::path> segments;   // removed (dry run: would be), oldest first
  std::vector<std::filesystem::path> snapshots;  // removed (dry run: would be), oldest first
  std::vector<std::pair<std::filesystem::path, std::string>> ignored;  // snapshots not used, why
};

// Keeps the newest `keep_snapshots` usable snapshots (valid per
// read_snapshot, and their chain hash is the log's: logged_chain_hash), then
// removes, oldest first, every segment all of whose records are at or before
// the oldest kept snapshot's record (the next segment's header starts at or
// before seq + 1, and its index is below that snapshot's segment_index),
// stopping at the first segment that is not; the last segment is never
// removed. Then it removes the usable-or-unverifiable valid snapshots older
// than the oldest kept one. Snapshots that are damaged, signed by another
// key, or contradict the log are never removed (they are reported in
// `ignored`). Without a usable snapshot nothing is touched. Throws
// std::invalid_argument for keep_snapshots 0, std::system_error on I/O.
RetentionReport remove_covered_segments(const std::filesystem::path& dir,
                                        const crypto::Sm2PublicKey& key, std::string_view sm2_id,
                                        const RetentionOptions& options = {});

}  // namespace matchgate::wal
