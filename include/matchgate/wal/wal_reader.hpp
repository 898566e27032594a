#pragma once
// Reads and verifies a whole log: segment order and headers, every record's
// framing, CRC, sequence and SM3 chain link, and every seal's SM2 signature.
// The daemon recovers through it and `matchgate-wal verify` audits with it.
//
// A bad record is a torn tail only when it lies in the last segment and no
// valid record follows it (a crash mid-write leaves exactly that); anything
// else is damage, reported with the segment, byte offset and sequence.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "matchgate/crypto/sm2.hpp"
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
  std::uint64_t offset = 0;  // where the last valid record ends
  std::uint64_t bytes = 0;   // from there to the last non-zero byte
  std::uint64_t first_lost_seq = 0;
};

struct LogSummary {
  std::uint64_t segments = 0;
  std::uint64_t records = 0;
  std::uint64_t seals = 0;
  std::uint64_t boots = 0;
  std::uint64_t bytes = 0;  // record bytes, padding included
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t last_sealed_seq = 0;
  std::int64_t first_time_ns = 0;
  std::int64_t last_time_ns = 0;
  bool clean_shutdown = false;  // ends with Shutdown, sealed
  std::map<std::uint16_t, std::uint64_t> records_by_type;
  std::uint64_t unsealed_records = 0;  // after the last seal, seals themselves not counted
};

struct ScanResult {
  std::optional<LogProblem> problem;
  std::optional<TornTail> torn_tail;
  LogSummary summary;
  LogTail tail;  // where a writer continues
  bool ok() const noexcept { return !problem; }
};

struct ScanOptions {
  // Seals are checked against this key; without one, signatures are not
  // checked (dump and stats of a log whose key one does not have).
  const crypto::Sm2PublicKey* key = nullptr;
  std::string sm2_id = std::string(crypto::kDefaultSm2Id);
};

struct RecordView {
  RecordHeader header;
  std::span<const std::byte> payload;
  const std::filesystem::path* segment = nullptr;
  std::uint64_t offset = 0;
};
using RecordCallback = std::function<void(const RecordView&)>;

// Stops at the first problem. Records before it have been passed to
// `on_record` (recovery refuses to start on a problem anyway).
ScanResult scan_log(const std::filesystem::path& dir, const ScanOptions& options,
                    const RecordCallback& on_record = {});

// Zeroes a torn tail found by scan_log and fdatasyncs the segment, so the
// log ends cleanly where the last valid record ends.
void cut_torn_tail(const TornTail& torn);

}  // namespace matchgate::wal
