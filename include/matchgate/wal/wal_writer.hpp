#pragma once
// The log writer: one agent on its own thread that takes records from its
// producers' rings, frames them into blocks, chains (SM3) and checksums each
// block once, commits them in groups
// (one pwrite + one fdatasync per group), publishes to each producer how far
// its records are durable, and appends SM2 seals made by the Sealer.
//
// Producers never wait for the disk; they hold their results until
// durable() has passed the records that caused them (docs/WAL.md).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "matchgate/crypto/sm2.hpp"
#include "matchgate/ops/metrics.hpp"
#include "matchgate/util/doorbell.hpp"
#include "matchgate/util/spsc_byte_ring.hpp"
#include "matchgate/wal/format.hpp"
#include "matchgate/wal/sealer.hpp"
#include "matchgate/wal/segment_preparer.hpp"
#include "matchgate/wal/wal_options.hpp"
#include "matchgate/wal/wal_segment.hpp"

namespace matchgate::wal {

class WalWriter;

// Whether the writer ends the current block after a record: a snapshot or
// a seal can only name the last record of a block (docs/WAL.md 4.3).
enum class EndBlock : bool { no, yes };

// Where one record landed in the log.
struct RecordPosition {
  std::uint64_t seq = 0;
  Hash hash{};  // the chain hash of the block it ends (the record was appended with EndBlock::yes)
  std::uint64_t segment_index = 0;
  std::uint64_t boots = 0;  // Start records up to and including this run's
};

// One record of a group that append_together() puts into one block.
struct GroupedRecord {
  std::uint16_t type = 0;
  std::span<const std::byte> payload;
};

// The most records append_together() takes at once.
inline constexpr std::size_t kMaxGroupedRecords = 8;

// The producing side, one per producing thread. Positions count this
// producer's records: append() returns the position of the record it added
// (1, 2, 3 ...), durable() how many of them are durable.
class WalProducer {
 public:
  // Copies `head` then `body` into one record; with EndBlock::yes the
  // writer ends the block after it. Waits (yielding) while the ring is
  // full; throws std::runtime_error if the writer has failed, since
  // nothing may be acknowledged any more.
  std::uint64_t append(std::uint16_t type, std::int64_t time_ns, std::span<const std::byte> head,
                       std::span<const std::byte> body = {}, EndBlock end = EndBlock::no);
  // Appends `records` (1..kMaxGroupedRecords, all of time `time_ns`) so
  // that they share one block: a crash or a power cut keeps all of them or
  // none, since recovery keeps or drops whole blocks (docs/WAL.md 6). An
  // operator's trade correction is such a group: its Control record, the
  // bust and the corrected trade. Returns the position of the last; with
  // EndBlock::yes the block ends after it. Throws as append().
  std::uint64_t append_together(std::int64_t time_ns, std::span<const GroupedRecord> records,
                                EndBlock end = EndBlock::no);
  std::uint64_t appended() const noexcept { return appended_; }
  std::uint64_t durable() const noexcept { return durable_.load(std::memory_order_acquire); }
  // Wakes the writer if it sleeps; once per duty cycle is enough.
  void notify() noexcept;

  // The producer has nothing in flight that will add records caused by the
  // ones up to `position` (for the gateway: every request logged so far has
  // been answered by its shard and the reports are logged). With sync =
  // "group" the writer commits a group early once every producer has
  // settled what it handed over, instead of holding it for the reports.
  void settle(std::uint64_t position) noexcept {
    settled_.store(position, std::memory_order_release);
  }

  // Asks the writer to note where this producer's record `position` lands
  // (one watch at a time; a snapshot names the record it is tied to). The
  // record must be appended with EndBlock::yes: its position carries the
  // hash of the block it ends.
  // From any thread, then poll watched() from any one thread.
  void watch(std::uint64_t position) noexcept { watch_.store(position, std::memory_order_release); }
  std::optional<RecordPosition> watched(std::uint64_t position) const noexcept {
    if (watched_.load(std::memory_order_acquire) != position) return std::nullopt;
    return watched_position_;
  }

 private:
  friend class WalWriter;
  // Claims a ring entry of `payload` bytes (waiting while the ring is full)
  // and writes its header; the caller writes the payload and publishes.
  std::byte* claim_entry(std::uint16_t type, std::uint16_t flags, std::size_t payload,
                         std::int64_t time_ns);
  WalProducer(WalWriter& writer, std::size_t ring_bytes) : writer_(writer), ring_(ring_bytes) {}

  WalWriter& writer_;
  util::SpscByteRing ring_;
  std::uint64_t appended_ = 0;                         // producer thread only
  alignas(64) std::atomic<std::uint64_t> durable_{0};  // written by the writer
  std::uint64_t consumed_ = 0;                         // writer thread only
  alignas(64) std::atomic<std::uint64_t> settled_{0};  // written by the producer
  std::atomic<std::uint64_t> watch_{0};
  RecordPosition watched_position_;  // written by the writer before watched_
  std::atomic<std::uint64_t> watched_{0};
};

// The writer's metrics (docs/METRICS.md), written by the writer's thread;
// handles that were never registered count nowhere.
struct WalMetrics {
  ops::Counter records;
  ops::Counter blocks;
  ops::Counter commits;
  ops::Counter bytes;
  ops::Counter seals;
  ops::Counter segments;
  ops::Histogram commit_ns;  // pwrite + fdatasync of one group
  static WalMetrics registered(ops::MetricGroup& group);
};

class WalWriter {
 public:
  // Continues the log in options.dir after `tail` (a fresh LogTail for a new
  // log): opens a new segment and stages a Start record.
  WalWriter(WalOptions options, LogTail tail, crypto::Sm2PrivateKey key, WalMetrics metrics = {});
  ~WalWriter();
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Before the writer runs.
  WalProducer& add_producer();
  void set_durable_doorbells(std::vector<util::Doorbell*> bells) { bells_ = std::move(bells); }

  int do_work();
  const char* name() const noexcept { return "wal-writer"; }
  void park(std::chrono::microseconds timeout) noexcept;
  util::Doorbell& doorbell() noexcept { return bell_; }

  // Clean stop, on whichever thread runs the writer after its producers have
  // stopped: takes what they left, appends Shutdown, seals, commits, closes.
  void close();

  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  const WalMetrics& metrics() const noexcept { return metrics_; }
  std::uint64_t boot() const noexcept { return boot_; }
  std::uint64_t last_seq() const noexcept { return next_seq_ - 1; }
  const WalOptions& options() const noexcept { return options_; }

 private:
  int work();
  int drain_producers();
  // Stages the records a producer packed with append_together() into one
  // block, first ending the open block or the segment when they would not
  // fit; returns how many there were.
  std::size_t stage_group(std::int64_t time_ns, std::span<const std::byte> packed);
  // Every producer has settled everything the writer has taken from it.
  bool producers_settled() const noexcept;
  // Frames one record into the open block of the staging buffer (rotating
  // first, or beginning a new block, if needed). `closing`: a seal that
  // closes the segment (rotation, stop), staged into the room every other
  // record leaves free.
  void stage(std::uint16_t type, std::int64_t time_ns, std::span<const std::byte> payload,
             bool closing = false);
  void stage_seal(const Seal& seal, std::int64_t time_ns, bool closing);
  // The open block can take a record of that time and payload size.
  bool block_takes(std::int64_t time_ns, std::size_t record_bytes) const noexcept;
  // Ends the open block, if any: its hash becomes the chain head.
  void end_block();
  // Staged bytes, the open block's included (with its padding).
  std::size_t pending_bytes() const noexcept;
  // Ends the block and signs the chain head on this thread.
  Seal seal_head_now();
  void commit();
  void maybe_seal(std::int64_t now_ns);
  void rotate(std::int64_t time_ns);
  void open_segment(std::int64_t time_ns);
  std::int64_t wall_ns() const noexcept;
  std::int64_t mono_ns() const noexcept;

  WalOptions options_;
  FileIo& io_;
  Sealer sealer_;
  SegmentPreparer preparer_;
  std::vector<std::unique_ptr<WalProducer>> producers_;
  std::vector<util::Doorbell*> bells_;
  util::Doorbell bell_;

  WalSegment segment_;
  std::uint64_t segment_index_ = 0;
  std::uint32_t segment_date_ = 0;
  std::int64_t segment_day_end_ns_ = 0;  // a record from this time on starts a new segment
  std::uint64_t write_offset_ = 0;       // in the segment: where staged bytes go

  std::vector<std::byte> staging_;
  std::size_t staged_ = 0;             // bytes of ended blocks, padded
  BlockEncoder block_;                 // the open block, after them
  std::int64_t staged_since_ns_ = 0;   // monotonic; 0 while nothing is staged
  std::int64_t holding_until_ns_ = 0;  // monotonic; a group held for reports until then

  std::uint64_t next_seq_ = 1;
  Hash head_{};  // the hash of the last ended block
  std::uint64_t boot_ = 0;
  std::uint64_t last_user_seq_ = 0;  // the newest record that is not a Seal
  std::uint64_t seal_requested_seq_ = 0;
  std::int64_t last_seal_request_ns_ = 0;

  std::atomic<bool> failed_{false};
  bool closed_ = false;
  bool opened_a_segment_ = false;
  WalMetrics metrics_;
};

}  // namespace matchgate::wal
