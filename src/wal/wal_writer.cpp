#include "matchgate/wal/wal_writer.hpp"

#include "matchgate/util/assert.hpp"
#include "matchgate/util/clock.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace matchgate::wal {

using util::clock_ns;

namespace {
// Producer ring entries: type (2), flags (2), payload length (4), time (8), payload.
constexpr std::size_t kEntryHeader = 16;
constexpr std::uint16_t kEntryEndsBlock = 1;
// The entry packs the records of append_together(), each as type (2),
// payload length (4), payload; the entry's own type is unused.
constexpr std::uint16_t kEntryGroup = 2;
constexpr std::size_t kGroupItemHeader = 6;
// The most a record can add to the staged bytes: a new block's header, the
// record and padding.
constexpr std::size_t most_added(std::size_t payload) noexcept {
  return kBlockHeaderSize + padded(record_size(payload));
}
// Room kept at the end of every segment for the seals that close it: the
// one the Sealer may still deliver and the final one, each in a block of
// its own. Every record staged otherwise (a background seal too) leaves it
// free.
constexpr std::size_t kSealBlockSize = most_added(kSealFixedSize + kMaxSignature);
constexpr std::size_t kCloseReserve = 2 * kSealBlockSize + most_added(0);
constexpr std::int64_t kNsPerDay = 86'400'000'000'000;
}  // namespace

const char* to_string(SyncMode m) noexcept {
  switch (m) {
    case SyncMode::Group:
      return "group";
    case SyncMode::Async:
      return "async";
    case SyncMode::None:
      return "none";
  }
  return "?";
}

std::byte* WalProducer::claim_entry(std::uint16_t type, std::uint16_t flags, std::size_t payload,
                                    std::int64_t time_ns) {
  std::byte* p = ring_.try_claim(kEntryHeader + payload);
  while (p == nullptr) {
    if (writer_.failed()) throw std::runtime_error("the write-ahead log writer has failed");
    notify();
    std::this_thread::yield();
    p = ring_.try_claim(kEntryHeader + payload);
  }
  put_u16(p, type);
  put_u16(p + 2, flags);
  put_u32(p + 4, static_cast<std::uint32_t>(payload));
  put_u64(p + 8, static_cast<std::uint64_t>(time_ns));
  return p;
}

std::uint64_t WalProducer::append(std::uint16_t type, std::int64_t time_ns,
                                  std::span<const std::byte> head, std::span<const std::byte> body,
                                  EndBlock end) {
  const std::size_t payload = head.size() + body.size();
  if (payload > kMaxPayload) throw std::length_error("log record payload too large");
  std::byte* p = claim_entry(type, end == EndBlock::yes ? kEntryEndsBlock : 0, payload, time_ns);
  if (!head.empty()) std::memcpy(p + kEntryHeader, head.data(), head.size());
  if (!body.empty()) std::memcpy(p + kEntryHeader + head.size(), body.data(), body.size());
  ring_.publish();
  return ++appended_;
}

std::uint64_t WalProducer::append_together(std::int64_t time_ns,
                                           std::span<const GroupedRecord> records, EndBlock end) {
  if (records.empty() || records.size() > kMaxGroupedRecords) {
    throw std::length_error("a group of log records holds 1 to 8 records");
  }
  std::size_t packed = 0;
  for (const GroupedRecord& r : records) {
    if (r.payload.size() > kMaxPayload) throw std::length_error("log record payload too large");
    packed += kGroupItemHeader + r.payload.size();
  }
  // Also keeps the group within one block (kMaxBlockBytes is larger).
  if (packed > kMaxPayload) throw std::length_error("group of log records too large");
  const auto flags =
      static_cast<std::uint16_t>(kEntryGroup | (end == EndBlock::yes ? kEntryEndsBlock : 0));
  std::byte* p = claim_entry(0, flags, packed, time_ns);
  std::byte* at = p + kEntryHeader;
  for (const GroupedRecord& r : records) {
    put_u16(at, r.type);
    put_u32(at + 2, static_cast<std::uint32_t>(r.payload.size()));
    if (!r.payload.empty()) std::memcpy(at + kGroupItemHeader, r.payload.data(), r.payload.size());
    at += kGroupItemHeader + r.payload.size();
  }
  ring_.publish();
  appended_ += records.size();
  return appended_;
}

void WalProducer::notify() noexcept {
  writer_.doorbell().ring();
}

WalMetrics WalMetrics::registered(ops::MetricGroup& g) {
  WalMetrics m;
  m.records = g.counter({"matchgate_wal_records_total", "records appended to the log"});
  m.blocks = g.counter({"matchgate_wal_blocks_total", "blocks of records written to the log"});
  m.commits = g.counter({"matchgate_wal_commits_total", "group commits (pwrite + fdatasync)"});
  m.bytes = g.counter({"matchgate_wal_written_bytes_total", "bytes written to the log"});
  m.seals = g.counter({"matchgate_wal_seals_total", "SM2 seals appended"});
  m.segments = g.counter({"matchgate_wal_segments_opened_total", "log segments opened"});
  m.commit_ns =
      g.histogram({"matchgate_wal_commit_latency_ns", "pwrite + fdatasync of one commit group, ns"},
                  ops::HistogramLayout::latency_ns());
  return m;
}

WalWriter::WalWriter(WalOptions options, LogTail tail, crypto::Sm2PrivateKey key,
                     WalMetrics metrics)
    : options_(std::move(options)),
      io_(options_.file_io != nullptr ? *options_.file_io : posix_file_io()),
      sealer_(std::move(key), options_.sm2_id),
      preparer_(options_.dir, options_.segment_bytes, io_),
      metrics_(metrics) {
  if (options_.segment_bytes < (std::uint64_t{1} << 20)) {
    throw std::invalid_argument("log segments must be at least 1 MiB");
  }
  std::filesystem::create_directories(options_.dir);
  SegmentPreparer::remove_leftovers(options_.dir);
  next_seq_ = tail.next_seq;
  std::memcpy(head_.data(), tail.last_hash.data(), head_.size());
  segment_index_ = tail.next_segment_index - 1;
  boot_ = tail.boots + 1;
  staging_.resize(std::max<std::size_t>(options_.group_commit_bytes, std::size_t{1} << 20) +
                  most_added(kMaxPayload));
  const std::int64_t now = wall_ns();
  open_segment(now);
  Start start;
  start.boot = boot_;
  start.software = options_.software;
  std::byte buf[300];
  const std::size_t n = encode_start(start, buf, sizeof buf);
  stage(static_cast<std::uint16_t>(RecordType::Start), now, std::span<const std::byte>(buf, n));
  commit();
}

WalWriter::~WalWriter() = default;

WalProducer& WalWriter::add_producer() {
  producers_.push_back(
      std::unique_ptr<WalProducer>(new WalProducer(*this, options_.producer_ring_bytes)));
  return *producers_.back();
}

std::int64_t WalWriter::wall_ns() const noexcept {
  return clock_ns(CLOCK_REALTIME);
}
std::int64_t WalWriter::mono_ns() const noexcept {
  return clock_ns(CLOCK_MONOTONIC);
}

int WalWriter::do_work() {
  if (closed_) return 0;
  // Never commit again after a failure: the staged group would be written
  // and synced anew, and a second fdatasync can succeed although the data
  // of the failed one is gone (Linux reports a writeback error once), which
  // would make unsynced records durable in the producers' eyes.
  if (failed()) throw std::runtime_error("the write-ahead log writer has failed");
  try {
    return work();
  } catch (...) {
    failed_.store(true, std::memory_order_release);
    throw;
  }
}

int WalWriter::work() {
  int work = drain_producers();
  const std::int64_t now = mono_ns();
  maybe_seal(now);
  if (pending_bytes() > 0) {
    if (staged_since_ns_ == 0) staged_since_ns_ = now;
    const std::int64_t waited = now - staged_since_ns_;
    const std::int64_t fill_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.group_commit).count();
    const std::int64_t hold_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.hold_for_reports).count();
    bool window_over =
        options_.sync != SyncMode::Group || pending_bytes() >= options_.group_commit_bytes;
    // After the fill window, the group goes as soon as nothing it holds
    // still has reports coming, or when the hold is over.
    if (!window_over && waited >= fill_ns) {
      window_over = waited >= fill_ns + hold_ns || producers_settled();
    }
    holding_until_ns_ = window_over ? 0 : staged_since_ns_ + fill_ns + hold_ns;
    if (window_over) {
      commit();
      ++work;
    } else if (waited < fill_ns) {
      ++work;  // a group waiting for its fill window keeps the writer awake
    }
    // A group held for reports lets the writer sleep: the producer rings
    // the doorbell when it appends or settles (park() wakes for the deadline).
  }
  if (sealer_.failed()) throw std::runtime_error("sealing failed: " + sealer_.error());
  return work;
}

bool WalWriter::producers_settled() const noexcept {
  for (const auto& p : producers_) {
    if (p->settled_.load(std::memory_order_acquire) < p->consumed_) return false;
  }
  return true;
}

int WalWriter::drain_producers() {
  int taken = 0;
  for (auto& p : producers_) {
    while (pending_bytes() < options_.group_commit_bytes) {
      const std::span<const std::byte> e = p->ring_.peek();
      if (e.empty()) break;
      const std::uint16_t type = get_u16(e.data());
      const std::uint16_t flags = get_u16(e.data() + 2);
      const std::uint32_t length = get_u32(e.data() + 4);
      const auto time_ns = static_cast<std::int64_t>(get_u64(e.data() + 8));
      std::size_t records = 1;
      if ((flags & kEntryGroup) != 0) {
        records = stage_group(time_ns, e.subspan(kEntryHeader, length));
      } else {
        stage(type, time_ns, e.subspan(kEntryHeader, length));
      }
      if ((flags & kEntryEndsBlock) != 0) end_block();
      p->ring_.release();
      // Only now: a rotation inside stage() commits, and must not count these.
      p->consumed_ += records;
      taken += static_cast<int>(records);
      const std::uint64_t watch = p->watch_.load(std::memory_order_relaxed);
      MATCHGATE_ASSERT(watch <= p->consumed_ - records || watch >= p->consumed_,
                       "a watched record is the last of its group");
      if (p->consumed_ == watch) {
        MATCHGATE_ASSERT(!block_.open(),
                         "a watched record ends its block (append it with EndBlock::yes)");
        p->watched_position_ = RecordPosition{next_seq_ - 1, head_, segment_index_, boot_};
        p->watched_.store(p->consumed_, std::memory_order_release);
      }
    }
  }
  return taken;
}

std::size_t WalWriter::stage_group(std::int64_t time_ns, std::span<const std::byte> packed) {
  std::size_t records = 0;
  std::size_t bytes = 0;  // the records' bytes in a block
  std::size_t most = 0;   // at most staged: as if every record began a block
  for (std::size_t pos = 0; pos < packed.size(); ++records) {
    const std::uint32_t length = get_u32(packed.data() + pos + 2);
    bytes += record_size(length);
    most += most_added(length);
    pos += kGroupItemHeader + length;
  }
  // Make room first, so that neither a segment's end nor a new day nor a
  // full block or staging buffer ends the block inside the group: each
  // record's own checks in stage() then pass (each adds at most its
  // most_added()).
  const bool full = write_offset_ + pending_bytes() + most + kCloseReserve > segment_.size();
  if (full || time_ns >= segment_day_end_ns_) rotate(time_ns);
  if (block_.open() && !block_takes(time_ns, bytes)) end_block();
  if (!block_.open() && staged_ + most > staging_.size()) commit();
  const std::uint64_t first = next_seq_;
  for (std::size_t pos = 0; pos < packed.size();) {
    const std::uint16_t type = get_u16(packed.data() + pos);
    const std::uint32_t length = get_u32(packed.data() + pos + 2);
    stage(type, time_ns, packed.subspan(pos + kGroupItemHeader, length));
    pos += kGroupItemHeader + length;
  }
  MATCHGATE_ASSERT(block_.open() && block_.next_seq() - block_.records() <= first,
                   "the records of a group share one block");
  return records;
}

void WalWriter::stage(std::uint16_t type, std::int64_t time_ns, std::span<const std::byte> payload,
                      bool closing) {
  const std::size_t most = most_added(payload.size());
  if (closing) {
    // The seals that close a segment use the room every other record kept
    // free (kCloseReserve): at most the pending one and the final one.
    MATCHGATE_ASSERT(write_offset_ + pending_bytes() + most <= segment_.size(),
                     "a segment's closing seals overran its reserve");
  } else {
    // Every other record, a seal the sealer finished meanwhile included,
    // leaves the reserve free; a seal never starts a segment for a new day.
    const bool full = write_offset_ + pending_bytes() + most + kCloseReserve > segment_.size();
    const bool new_day =
        type != static_cast<std::uint16_t>(RecordType::Seal) && time_ns >= segment_day_end_ns_;
    if (full || new_day) rotate(time_ns);
  }
  const std::size_t size = record_size(payload.size());
  if (block_.open() && !block_takes(time_ns, size)) end_block();
  if (!block_.open()) {
    if (staged_ + most > staging_.size()) commit();
    block_.begin(staging_.data() + staged_, next_seq_, time_ns);
  }
  block_.add(type, time_ns, payload);
  if (type != static_cast<std::uint16_t>(RecordType::Seal)) last_user_seq_ = next_seq_;
  ++next_seq_;
  metrics_.records.inc();
}

bool WalWriter::block_takes(std::int64_t time_ns, std::size_t record_bytes) const noexcept {
  const std::size_t length = block_.bytes() + record_bytes;
  return block_.takes_time(time_ns) && length <= kMaxBlockBytes &&
         staged_ + padded(length) <= staging_.size();
}

void WalWriter::end_block() {
  if (!block_.open()) return;
  const std::size_t size = padded(block_.bytes());
  head_ = block_.end(head_);
  staged_ += size;
  metrics_.blocks.inc();
}

std::size_t WalWriter::pending_bytes() const noexcept {
  return staged_ + (block_.open() ? padded(block_.bytes()) : 0);
}

Seal WalWriter::seal_head_now() {
  end_block();
  return sealer_.sign_now(next_seq_ - 1, head_);
}

void WalWriter::stage_seal(const Seal& seal, std::int64_t time_ns, bool closing) {
  std::byte buf[kSealFixedSize + kMaxSignature];
  const std::size_t n = encode_seal(seal, buf);
  stage(static_cast<std::uint16_t>(RecordType::Seal), time_ns, std::span<const std::byte>(buf, n),
        closing);
  metrics_.seals.inc();
}

void WalWriter::commit() {
  end_block();  // a commit writes whole blocks only
  if (staged_ == 0) return;
  const std::int64_t started_ns = mono_ns();
  segment_.write_at(write_offset_, std::span<const std::byte>(staging_.data(), staged_));
  if (options_.sync != SyncMode::None) segment_.sync();
  metrics_.commit_ns.record(static_cast<std::uint64_t>(mono_ns() - started_ns));
  write_offset_ += staged_;
  metrics_.bytes.add(staged_);
  metrics_.commits.inc();
  staged_ = 0;
  staged_since_ns_ = 0;
  holding_until_ns_ = 0;
  bool advanced = false;
  for (auto& p : producers_) {
    if (p->durable_.load(std::memory_order_relaxed) != p->consumed_) {
      p->durable_.store(p->consumed_, std::memory_order_release);
      advanced = true;
    }
  }
  if (advanced) {
    for (util::Doorbell* bell : bells_) bell->ring();
  }
}

void WalWriter::maybe_seal(std::int64_t now_ns) {
  if (std::optional<Seal> done = sealer_.take()) {
    // A finished seal takes room like any record. Where it would eat into
    // the segment's closing reserve, it becomes the segment's closing seal
    // and the segment is closed now.
    const std::uint64_t left = segment_.size() - write_offset_ - pending_bytes();
    if (left >= kSealBlockSize + kCloseReserve) {
      stage_seal(*done, wall_ns(), false);
    } else {
      stage_seal(*done, wall_ns(), true);
      rotate(wall_ns());
    }
  }
  if (last_user_seq_ <= seal_requested_seq_) return;
  if (now_ns - last_seal_request_ns_ <
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.seal_interval).count()) {
    return;
  }
  // A seal names the last record of a block: end the open one, but only
  // when the sealer can take the request (no needless small blocks).
  if (!sealer_.idle()) return;
  end_block();
  // The head may be staged but not yet written: the seal record comes after
  // it in the same stream, so it can never reach the disk first.
  if (sealer_.try_request(next_seq_ - 1, head_)) {
    seal_requested_seq_ = next_seq_ - 1;
    last_seal_request_ns_ = now_ns;
  }
}

void WalWriter::rotate(std::int64_t time_ns) {
  commit();
  // Close the segment with a seal over its last record.
  if (std::optional<Seal> pending = sealer_.finish_pending()) {
    stage_seal(*pending, wall_ns(), true);
  }
  if (last_user_seq_ > seal_requested_seq_ || pending_bytes() > 0) {
    stage_seal(seal_head_now(), wall_ns(), true);
    seal_requested_seq_ = next_seq_ - 1;
  }
  commit();
  segment_.close();
  open_segment(time_ns);
}

void WalWriter::open_segment(std::int64_t time_ns) {
  const std::uint64_t index = segment_index_ + 1;
  const std::uint32_t date = business_date_of(time_ns);
  const std::filesystem::path path = options_.dir / segment_file_name(date, index);
  SegmentHeader h;
  h.index = index;
  h.segment_bytes = options_.segment_bytes;
  h.first_seq = next_seq_;
  h.created_ns = time_ns;
  h.business_date = date;
  h.prev_hash = head_;
  h.key_fingerprint = sealer_.key_fingerprint();
  std::array<std::byte, kSegmentHeaderSize> header{};
  encode_segment_header(h, header);
  // A file gets a segment's name only once it is zero-filled and its header
  // is durable (WalSegment::adopt: one fdatasync per rotation, on the writer
  // thread), so no crash or power cut leaves a last segment without a
  // header. The first segment of a run is made like a prepared one, here.
  std::filesystem::path prepared;
  if (segment_.is_open() || opened_a_segment_) {
    prepared = preparer_.take(index);
  } else {
    prepared = SegmentPreparer::temp_path(options_.dir, index);
    WalSegment::create(prepared, options_.segment_bytes, io_).close();
  }
  segment_ = WalSegment::adopt(prepared, path, options_.segment_bytes, header, io_);
  segment_index_ = index;
  segment_date_ = date;
  // UTC days are whole multiples of 86400 s in POSIX time.
  segment_day_end_ns_ = (time_ns / kNsPerDay + 1) * kNsPerDay;
  write_offset_ = kSegmentHeaderRegion;
  opened_a_segment_ = true;
  metrics_.segments.inc();
  preparer_.request(index + 1);
}

void WalWriter::park(std::chrono::microseconds timeout) noexcept {
  const std::uint32_t armed = bell_.arm();
  bool idle = pending_bytes() == 0 || holding_until_ns_ != 0;
  for (const auto& p : producers_) idle = idle && p->ring_.empty_approx();
  if (idle && holding_until_ns_ != 0) {
    if (producers_settled()) idle = false;
    const std::int64_t left_ns = holding_until_ns_ - mono_ns();
    if (left_ns <= 0) idle = false;
    timeout = std::min(timeout, std::chrono::microseconds(left_ns / 1000 + 1));
  }
  if (idle) bell_.wait(armed, timeout);
  bell_.disarm();
}

void WalWriter::close() {
  if (closed_ || failed()) return;
  // drain_producers() stops at a full group: commit it and go on until
  // every ring is empty (a writer behind its producers holds many groups).
  while (drain_producers() > 0) {
    if (pending_bytes() >= options_.group_commit_bytes) commit();
  }
  const std::int64_t now = wall_ns();
  stage(static_cast<std::uint16_t>(RecordType::Shutdown), now, {});
  commit();
  if (std::optional<Seal> pending = sealer_.finish_pending()) stage_seal(*pending, now, true);
  stage_seal(seal_head_now(), now, true);
  // Whatever the sync mode, a clean stop leaves everything on disk.
  const SyncMode mode = options_.sync;
  options_.sync = SyncMode::Group;
  commit();
  options_.sync = mode;
  segment_.close();
  closed_ = true;
}

}  // namespace matchgate::wal
