#pragma once
// Reads and verifies a whole log: segment order and headers, every block's
// framing, CRC, sequence and SM3 chain link, the records inside each block,
// and every seal's SM2 signature.
// The daemon recovers through it and `matchgate-wal verify` audits with it.
// Given a start point (a snapshot's record and chain hash), it reads only the
// log after that record, from the segment that holds the next one.
//
// A bad block is a torn tail only when it lies in the last segment and no
// valid block follows it (a crash mid-write leaves exactly that); anything
// else is damage, reported with the segment, byte offset and sequence.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "matchgate/crypto/sm2.hpp"
#include "matchgate/wal/file_io.hpp"
#include "matchgate/wal/format.hpp"
#include "matchgate/wal/wal_options.hpp"

namespace matchgate::wal {

struct LogProblem {
  std::filesystem::path segment;
  std::uint64_t offset = 0;
  std::uint64_t seq = 0;  // the sequence number expected there
  std::string what;
  std::string describe() const;  // "<segment> offset <o> (record <seq>): <what>"
};

struct TornTail {
  std::filesystem::path segment;
  std::uint64_t offset = 0;  // where the last valid block ends
  std::uint64_t bytes = 0;   // from there to the last non-zero byte
  std::uint64_t first_lost_seq = 0;
};

struct LogSummary {
  std::uint64_t segments = 0;
  std::uint64_t records = 0;
  std::uint64_t seals = 0;
  std::uint64_t boots = 0;
  std::uint64_t blocks = 0;
  std::uint64_t bytes = 0;  // bytes of the blocks: their headers, records and padding
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t last_sealed_seq = 0;
  std::int64_t first_time_ns = 0;
  std::int64_t last_time_ns = 0;
  bool clean_shutdown = false;  // ends with Shutdown, sealed
  std::map<std::uint16_t, std::uint64_t> records_by_type;
  std::uint64_t unsealed_records = 0;  // after the last seal, seals themselves not counted
  // From a start point: records up to start_seq were not read (the counts
  // above are of the records after it, except boots, which is the log's),
  // and first_segment is the index of the first segment read.
  std::uint64_t start_seq = 0;
  std::uint64_t first_segment = 0;
};

struct ScanResult {
  std::optional<LogProblem> problem;
  std::optional<TornTail> torn_tail;
  LogSummary summary;
  LogTail tail;  // where a writer continues
  bool ok() const noexcept { return !problem; }
};

// A point of the log to read from: the state up to and including record
// `seq` is known from elsewhere (a snapshot, snapshot.hpp).
struct StartPoint {
  std::uint64_t seq = 0;    // the last record the state includes, >= 1
  Hash chain_hash{};        // the chain hash of the block that ends with record seq
  std::uint64_t boots = 0;  // Start records up to and including seq
  // Where that block's header is in its segment, if known (0: not known).
  // Only a hint (docs/WAL.md 10.4b): a block there that ends with record
  // seq, with chain_hash, is read alone instead of framing the start
  // segment's blocks before it; anything else there is ignored.
  std::uint64_t block_offset = 0;
};

struct ScanOptions {
  // Seals are checked against this key; without one, signatures are not
  // checked (dump and stats of a log whose key one does not have).
  const crypto::Sm2PublicKey* key = nullptr;
  std::string sm2_id = std::string(crypto::kDefaultSm2Id);
  // Without a start point the whole log is read from segment 1. With one,
  // reading starts in the newest segment whose header says it begins at or
  // before record seq + 1; earlier segments are not opened and may be
  // missing. Blocks up to seq are only framed (length, CRC, sequence,
  // records), record seq must end a block whose stored hash (or the
  // segment's prev_hash) is the start point's chain_hash, and the blocks
  // after it are verified and their records delivered as
  // in a whole scan, their chain starting from chain_hash. A seal naming a
  // record before the start point is checked for key and signature only.
  std::optional<StartPoint> start;
  // A follow scan, for a reader that polls a log being written (docs/WAL.md
  // 10.4a): in the last segment the blocks end at the first block position
  // whose length field is 0, without checking that the rest of the file is
  // zero. The rest of the active segment is megabytes of preallocated zeros
  // that a polling reader would otherwise read at every poll; damage there
  // (or a zeroed length field with blocks after it) looks like the log's
  // end to such a scan, and is found by one without this option. Other
  // segments are checked whole either way.
  bool end_at_zero_length = false;
};

// A block as a scan read it: checked whole (CRC, chain hash, records)
// before any of its records is delivered.
struct BlockView {
  std::uint64_t offset = 0;  // of its header in the segment
  std::uint32_t length = 0;  // header + records, padding not counted
  std::uint32_t record_count = 0;
  std::uint64_t first_seq = 0;
  std::int64_t base_time_ns = 0;
  Hash hash{};  // the chain hash after the block
  std::uint64_t last_seq() const noexcept { return first_seq + record_count - 1; }
};

// A record's header fields, its sequence number and time made absolute
// from its block's.
struct RecordInfo {
  std::uint32_t length = 0;  // payload bytes
  std::uint16_t type = 0;
  std::uint16_t flags = 0;
  std::uint64_t seq = 0;
  std::int64_t time_ns = 0;  // the block's base time + the record's delta
};

struct RecordView {
  RecordInfo header;
  std::span<const std::byte> payload;
  const std::filesystem::path* segment = nullptr;
  std::uint64_t offset = 0;          // of the record's 12-byte header in the segment
  const BlockView* block = nullptr;  // the block holding it, valid during the callback
  // Only the last record of a block has a chain hash: the block's.
  bool ends_block() const noexcept { return header.seq == block->last_seq(); }
};
using RecordCallback = std::function<void(const RecordView&)>;

// Stops at the first problem. Records before it have been passed to
// `on_record` (recovery refuses to start on a problem anyway).
ScanResult scan_log(const std::filesystem::path& dir, const ScanOptions& options,
                    const RecordCallback& on_record = {});

// The segment files of a log, sorted by index (empty if `dir` does not
// exist). Names that are not wal-YYYYMMDD-NNNNNN.log are left out.
struct SegmentFile {
  std::filesystem::path path;
  std::uint32_t business_date = 0;
  std::uint64_t index = 0;
};
std::vector<SegmentFile> list_segments(const std::filesystem::path& dir);

// The header of one segment file; nullopt if it is shorter than a header or
// its magic, version or CRC is wrong. Throws std::system_error if the file
// cannot be opened or read.
std::optional<SegmentHeader> read_segment_header(const std::filesystem::path& path);

// The chain hash stored for the block ending with record `seq`, found
// through the segment headers: the prev_hash of the segment that starts
// with record seq + 1, or else the hash field of that block in the segment
// holding it, reached by framing (length, CRC, sequence) the blocks before
// it. The chain is not recomputed. nullopt when the log does not hold
// record seq (nor a segment starting right after it), record seq does not
// end a block, or the framing on the way is broken.
std::optional<Hash> logged_chain_hash(const std::filesystem::path& dir, std::uint64_t seq);

// Zeroes a torn tail found by scan_log and fdatasyncs the segment, so the
// log ends cleanly where the last valid block ends.
void cut_torn_tail(const TornTail& torn, FileIo& io = posix_file_io());

}  // namespace matchgate::wal
