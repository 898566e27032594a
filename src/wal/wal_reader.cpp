#include "matchgate/wal/wal_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <deque>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "block_checks.hpp"
#include "matchgate/util/assert.hpp"
#include "matchgate/wal/wal_segment.hpp"

namespace matchgate::wal {

std::string LogProblem::describe() const {
  std::string s = segment.empty() ? std::string("log") : segment.filename().string();
  s += " offset " + std::to_string(offset);
  if (seq != 0) s += " (record " + std::to_string(seq) + ")";
  return s + ": " + what;
}

namespace {

// A read-only mapping of one segment file.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
    }
    struct stat st {};
    ::fstat(fd_, &st);
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
      if (p == MAP_FAILED) {
        ::close(fd_);
        throw std::system_error(errno, std::generic_category(), "cannot map " + path.string());
      }
      data_ = static_cast<const std::byte*>(p);
      ::madvise(p, size_, MADV_SEQUENTIAL);
    }
  }
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }

 private:
  int fd_ = -1;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

// The header describes this file: its size, which holds at least the
// header region (records start after it).
bool segment_fills_file(const SegmentHeader& h, std::size_t size) noexcept {
  return h.segment_bytes == size && size >= kSegmentHeaderRegion;
}

}  // namespace

std::vector<SegmentFile> list_segments(const std::filesystem::path& dir) {
  std::vector<SegmentFile> segments;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return segments;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    SegmentFile s;
    if (!parse_segment_file_name(entry.path().filename().string(), s.business_date, s.index)) {
      continue;
    }
    s.path = entry.path();
    segments.push_back(std::move(s));
  }
  std::sort(segments.begin(), segments.end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.index < b.index; });
  return segments;
}

std::optional<SegmentHeader> read_segment_header(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
  }
  std::array<std::byte, kSegmentHeaderSize> buf{};
  std::size_t got = 0;
  while (got < buf.size()) {
    const ssize_t n = ::pread(fd, buf.data() + got, buf.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw std::system_error(err, std::generic_category(), "cannot read " + path.string());
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return decode_segment_header(std::span<const std::byte>(buf.data(), got));
}

namespace {

// The newest segment whose header decodes and says it starts at or before
// record `next`: the one that holds `next`, or the one the log continued in.
std::optional<std::size_t> segment_starting_by(const std::vector<SegmentFile>& segments,
                                               std::uint64_t next) {
  for (std::size_t i = segments.size(); i-- > 0;) {
    const std::optional<SegmentHeader> h = read_segment_header(segments[i].path);
    if (h && h->first_seq <= next) return i;
  }
  return std::nullopt;
}

constexpr std::uint16_t kSealType = static_cast<std::uint16_t>(RecordType::Seal);
constexpr std::uint16_t kStartType = static_cast<std::uint16_t>(RecordType::Start);
constexpr std::uint16_t kShutdownType = static_cast<std::uint16_t>(RecordType::Shutdown);
constexpr const char* kSegmentHeaderDamaged = "segment header damaged (magic, version or CRC)";

// Why a segment's header does not decode: another format version, or damage.
std::string header_problem(std::span<const std::byte> segment) {
  const std::optional<std::uint32_t> version = foreign_format_version(segment);
  return version ? foreign_format_problem(*version) : kSegmentHeaderDamaged;
}

// A segment being read: the file, its mapped bytes, and whether it is the
// log's last (the only place a torn tail can be).
struct SegmentView {
  const SegmentFile& file;
  const std::byte* base;
  std::size_t size;
  bool last;
};

// A block since the last seal: the next seal must name the last record of
// one of them.
struct Link {
  std::uint64_t seq;  // its last record
  Hash hash;
  std::uint32_t user_records;  // records that are not seals
};

// One scan_log call (docs/WAL.md section 5, from a start point 10.4): where
// the log stands (the next sequence number E, the chain hash P), what a seal
// may name, and the result so far. Every check that fails records its
// problem and returns false, and the scan stops there: the result then has
// the summary up to the problem and no tail (a damaged log is not continued).
class LogScanner {
 public:
  LogScanner(const ScanOptions& options, const RecordCallback& on_record,
             std::vector<SegmentFile> segments)
      : options_(options),
        on_record_(on_record),
        segments_(std::move(segments)),
        start_(options.start ? &*options.start : nullptr) {
    if (options.key != nullptr) fingerprint_ = options.key->fingerprint();
  }
  LogScanner(const LogScanner&) = delete;
  LogScanner& operator=(const LogScanner&) = delete;

  ScanResult scan() {
    if (start_ != nullptr && !set_up_from_start_point()) return std::move(result_);
    for (std::size_t i = first_; i < segments_.size(); ++i) {
      if (!scan_segment(i)) return std::move(result_);
    }
    finish();
    return std::move(result_);
  }

 private:
  bool set_up_from_start_point();
  bool report_log_not_reaching_start_point();
  bool scan_segment(std::size_t i);
  bool check_segment_order(std::size_t i);
  bool check_segment_header(const SegmentView& seg, const std::optional<SegmentHeader>& h);
  bool check_segment_continues_chain(const SegmentView& seg, const SegmentHeader& h,
                                     bool start_segment);
  bool check_segment_key(const SegmentView& seg, const SegmentHeader& h);
  bool walk_blocks(const SegmentView& seg);
  std::optional<std::size_t> start_block_at_hint(const SegmentView& seg) const;
  bool blocks_end(const SegmentView& seg, std::size_t off) const noexcept;
  bool torn_tail_or_damage(const SegmentView& seg, std::size_t off, std::string what);
  bool pass_block_before_start(const SegmentView& seg, const BlockView& block);
  bool take_block(const SegmentView& seg, const BlockView& block);
  bool take_record(const SegmentView& seg, const BlockView& block, std::size_t off);
  bool check_seal(const SegmentView& seg, std::size_t off, std::span<const std::byte> payload);
  bool names_record_before_start(const Seal& s) const;
  bool check_seal_signature(const SegmentView& seg, std::size_t off, const Seal& s);
  bool check_start_record(const SegmentView& seg, std::size_t off,
                          std::span<const std::byte> payload);
  void deliver(const SegmentView& seg, const BlockView& block, std::size_t off,
               const RecordInfo& info, std::span<const std::byte> payload);
  void finish();

  bool fail(const std::filesystem::path& segment, std::uint64_t offset, std::uint64_t seq,
            std::string what) {
    result_.problem = LogProblem{segment, offset, seq, std::move(what)};
    return false;
  }
  // A problem in `seg`, at the sequence number expected there.
  bool fail_at(const SegmentView& seg, std::uint64_t offset, std::string what) {
    return fail(seg.file.path, offset, seq_, std::move(what));
  }

  const ScanOptions& options_;
  const RecordCallback& on_record_;
  const std::vector<SegmentFile> segments_;
  const StartPoint* start_;
  std::optional<Hash> fingerprint_;  // of options_.key, when there is one
  ScanResult result_;
  LogSummary& sum_ = result_.summary;
  std::uint64_t seq_ = 1;  // E: the sequence number the next record must have
  Hash hash_{};            // P: the chain hash after the last block read
  std::deque<Link> unsealed_;
  std::uint64_t expected_boot_ = 1;
  std::uint16_t last_user_type_ = 0;  // of the last non-Seal record
  // From a start point: the first segment to read, and whether the records
  // being read are still those up to the point (framed, not delivered).
  std::size_t first_ = 0;
  bool skipping_ = false;
};

// The summary and the seal list begin at the point, and reading begins in
// the segment that holds record seq + 1 (or the one the log went on in).
bool LogScanner::set_up_from_start_point() {
  sum_.start_seq = start_->seq;
  sum_.boots = start_->boots;
  expected_boot_ = start_->boots + 1;
  // The start point stands for the records up to it, which its own
  // signature covers: a seal may name it, and it is not "unsealed".
  unsealed_.push_back(Link{start_->seq, start_->chain_hash, 0});
  if (segments_.empty()) {
    return fail({}, 0, start_->seq + 1,
                "no segment files, but the log must continue after record " +
                    std::to_string(start_->seq) + " (the start point)");
  }
  const std::optional<std::size_t> at = segment_starting_by(segments_, start_->seq + 1);
  if (!at) return report_log_not_reaching_start_point();
  first_ = *at;
  return true;
}

// No segment header decodes and starts by record seq + 1: say what the
// oldest segment is, damaged or starting too late.
bool LogScanner::report_log_not_reaching_start_point() {
  const SegmentFile& oldest = segments_.front();
  const std::uint64_t next = start_->seq + 1;
  const std::optional<SegmentHeader> h = read_segment_header(oldest.path);
  if (!h) return fail(oldest.path, 0, next, header_problem(MappedFile(oldest.path).bytes()));
  return fail(oldest.path, 0, next,
              "the log does not reach back to the start point: its oldest segment starts "
              "at record " +
                  std::to_string(h->first_seq) + ", record " + std::to_string(next) +
                  " is missing");
}

// One segment: its place among the files, its header, then its records.
bool LogScanner::scan_segment(std::size_t i) {
  if (!check_segment_order(i)) return false;
  const SegmentFile& file = segments_[i];
  const MappedFile mapped(file.path);
  const SegmentView seg{file, mapped.data(), mapped.size(), i + 1 == segments_.size()};
  const std::optional<SegmentHeader> h = decode_segment_header(mapped.bytes());
  // The start segment was chosen by its first_seq: its records are
  // numbered from there (from the point's next one if the header is bad).
  const bool start_segment = start_ != nullptr && i == first_;
  if (start_segment) seq_ = h ? h->first_seq : start_->seq + 1;
  if (!check_segment_header(seg, h) || !check_segment_continues_chain(seg, *h, start_segment) ||
      !check_segment_key(seg, *h)) {
    return false;
  }
  ++sum_.segments;
  if (sum_.segments == 1) sum_.first_segment = file.index;
  return walk_blocks(seg);
}

// A whole scan needs segments 1, 2, 3, ...; from a start point, the
// segments before the first one read may be gone, the rest must follow on.
bool LogScanner::check_segment_order(std::size_t i) {
  const SegmentFile& seg = segments_[i];
  const bool in_order = start_ == nullptr ? seg.index == i + 1
                                          : i == first_ || seg.index == segments_[i - 1].index + 1;
  if (in_order) return true;
  if (i > 0 && seg.index == segments_[i - 1].index) {
    return fail(seg.path, 0, seq_, "two segment files with index " + std::to_string(seg.index));
  }
  const std::uint64_t missing = i == 0 ? 1 : segments_[i - 1].index + 1;
  return fail(seg.path, 0, seq_,
              "segment " + std::to_string(missing) + " is missing before this one");
}

// The header on its own: it decodes, matches the file's name and size,
// and the rest of the header region is zero.
bool LogScanner::check_segment_header(const SegmentView& seg,
                                      const std::optional<SegmentHeader>& h) {
  if (!h) return fail_at(seg, 0, header_problem(std::span<const std::byte>(seg.base, seg.size)));
  if (h->index != seg.file.index || h->business_date != seg.file.business_date) {
    return fail_at(seg, 0, "segment header does not match the file name");
  }
  if (!segment_fills_file(*h, seg.size)) {
    return fail_at(seg, seg.size,
                   "file is " + std::to_string(seg.size) + " bytes, its header says " +
                       std::to_string(h->segment_bytes) + " (truncated or extended)");
  }
  if (!all_zero(seg.base + kSegmentHeaderSize, kSegmentHeaderRegion - kSegmentHeaderSize)) {
    return fail_at(seg, kSegmentHeaderSize, "non-zero bytes in the header region");
  }
  return true;
}

// The segment goes on where the chain stands. The start segment instead
// either holds the point (its records up to it are only framed) or begins
// right after it, continuing the point's chain hash.
bool LogScanner::check_segment_continues_chain(const SegmentView& seg, const SegmentHeader& h,
                                               bool start_segment) {
  if (start_segment) {
    skipping_ = h.first_seq <= start_->seq;
    if (skipping_) return true;
    hash_ = start_->chain_hash;
    if (h.prev_hash == hash_) return true;
    return fail_at(seg, 0,
                   "segment does not continue the chain from the start point (its prev_hash is "
                   "not the start point's chain hash: the snapshot does not belong to this log)");
  }
  // Before the point the chain hash is unknown: only the numbering follows.
  if (h.first_seq == seq_ && (skipping_ || h.prev_hash == hash_)) return true;
  return fail_at(seg, 0,
                 "segment does not continue the chain (its first record is " +
                     std::to_string(h.first_seq) + ", expected " + std::to_string(seq_) + ")");
}

// With a key, the segment must have been written to be sealed by it.
bool LogScanner::check_segment_key(const SegmentView& seg, const SegmentHeader& h) {
  if (!fingerprint_ || h.key_fingerprint == *fingerprint_) return true;
  return fail_at(seg, 0,
                 "segment was written for another signing key (fingerprint " +
                     crypto::to_hex(h.key_fingerprint) + ")");
}

// The blocks of one segment, from the end of its header region to where
// they end, each checked whole before its records are taken.
bool LogScanner::walk_blocks(const SegmentView& seg) {
  std::size_t off = kSegmentHeaderRegion;
  if (skipping_ && start_->block_offset != 0) {
    if (const std::optional<std::size_t> at = start_block_at_hint(seg)) {
      off = *at;
      seq_ = decode_block_header(seg.base + off).first_seq;
    }
  }
  while (!blocks_end(seg, off)) {
    // Up to the start point the chain hash cannot be recomputed: the
    // blocks before the first one read were not read.
    const std::string bad = check_block(seg.base, seg.size, off, seq_, hash_, !skipping_);
    if (!bad.empty()) return torn_tail_or_damage(seg, off, bad);
    const BlockHeader bh = decode_block_header(seg.base + off);
    const BlockView block{off, bh.length, bh.record_count, bh.first_seq, bh.base_time_ns, bh.hash};
    const bool taken = skipping_ ? pass_block_before_start(seg, block) : take_block(seg, block);
    if (!taken) return false;
    off += padded(bh.length);
  }
  // The log ended cleanly before the point's record: the state the point
  // stands for includes records this log does not hold.
  if (skipping_ && seg.last) {
    return fail_at(seg, off,
                   "the log ends at record " + std::to_string(seq_ - 1) + ", before record " +
                       std::to_string(start_->seq) + ", which the start point includes");
  }
  return true;
}

// The start point's block, at the offset the point gives (10.4b), if it is
// there: a block that passes the checks of the blocks before the point,
// starts at or after the segment's first record, ends with the point's
// record, has its chain hash, and holds a record that is not a seal (the
// one clean_shutdown looks at, which the blocks skipped would otherwise
// give). Its offset, or nullopt for a hint that does not hold.
std::optional<std::size_t> LogScanner::start_block_at_hint(const SegmentView& seg) const {
  const std::uint64_t off = start_->block_offset;
  if (off < kSegmentHeaderRegion || off % kBlockAlign != 0 || off >= seg.size ||
      seg.size - off < kBlockHeaderSize) {
    return std::nullopt;
  }
  const BlockHeader bh = decode_block_header(seg.base + off);
  if (bh.record_count == 0 || bh.first_seq < seq_ ||
      bh.first_seq + bh.record_count - 1 != start_->seq || bh.hash != start_->chain_hash ||
      !check_block(seg.base, seg.size, off, bh.first_seq, hash_, false).empty()) {
    return std::nullopt;
  }
  std::size_t pos = off + kBlockHeaderSize;
  for (std::uint32_t i = 0; i < bh.record_count; ++i) {
    const RecordHeader rh = decode_record_header(seg.base + pos);
    if (rh.type != kSealType) return off;
    pos += record_size(rh.length);
  }
  return std::nullopt;
}

// Where the blocks of `seg` end (section 5, step 3.7.1). A follow scan
// takes the last segment's first zero length field for its end unread
// after it: the writer fills the preallocated zeros block by block, so
// that is where the next poll goes on.
bool LogScanner::blocks_end(const SegmentView& seg, std::size_t off) const noexcept {
  if (options_.end_at_zero_length && seg.last && off + kBlockHeaderSize <= seg.size &&
      get_u32(seg.base + off) == 0) {
    return true;
  }
  return blocks_end_at(seg.base, seg.size, off);
}

// A bad block is a torn tail, which ends the scan without a problem, only
// in the last segment with nothing valid after it (a crash mid-write leaves
// exactly that). Before the start point even a torn tail is damage: the
// point's record is gone with it.
bool LogScanner::torn_tail_or_damage(const SegmentView& seg, std::size_t off, std::string what) {
  if (!seg.last || valid_block_after(seg.base, seg.size, off, seq_)) {
    return fail_at(seg, off, std::move(what));
  }
  if (skipping_) {
    return fail_at(seg, off,
                   "the log ends here (an incomplete write) before record " +
                       std::to_string(start_->seq) + ", which the start point includes");
  }
  result_.torn_tail =
      TornTail{seg.file.path, off, last_non_zero(seg.base, off, seg.size) - off, seq_};
  return true;
}

// A block up to the start point: framed only, its records neither
// delivered nor counted. Their types are kept: a log whose last records
// are before the point still ends with a Shutdown or not. The point's
// record must end a block, whose hash is the point's chain hash; the full
// checks begin after it.
bool LogScanner::pass_block_before_start(const SegmentView& seg, const BlockView& block) {
  MATCHGATE_ASSERT(start_ != nullptr && block.first_seq <= start_->seq,
                   "blocks are passed over only up to a scan's start point");
  std::size_t pos = block.offset + kBlockHeaderSize;
  for (std::uint32_t i = 0; i < block.record_count; ++i) {
    const RecordHeader rh = decode_record_header(seg.base + pos);
    if (rh.type != kSealType) last_user_type_ = rh.type;
    pos += record_size(rh.length);
  }
  const std::uint64_t last = block.first_seq + block.record_count - 1;
  if (last < start_->seq) {
    seq_ = last + 1;
    return true;
  }
  if (last > start_->seq) {
    return fail_at(seg, block.offset,
                   "the start point, record " + std::to_string(start_->seq) +
                       ", is not the last record of a block (the snapshot does not belong to "
                       "this log)");
  }
  if (block.hash != start_->chain_hash) {
    return fail_at(seg, block.offset,
                   "the start point's chain hash differs from this block's (the snapshot does "
                   "not belong to this log)");
  }
  seq_ = last + 1;
  hash_ = start_->chain_hash;
  skipping_ = false;
  return true;
}

// A block the scan reads in full: each record in turn, then the block
// joins the chain and the list a seal may name.
bool LogScanner::take_block(const SegmentView& seg, const BlockView& block) {
  const std::uint64_t user_before = sum_.records - sum_.seals;
  std::size_t pos = block.offset + kBlockHeaderSize;
  for (std::uint32_t i = 0; i < block.record_count; ++i) {
    if (!take_record(seg, block, pos)) return false;
    pos += record_size(get_u32(seg.base + pos));
  }
  const auto user = static_cast<std::uint32_t>(sum_.records - sum_.seals - user_before);
  unsealed_.push_back(Link{seq_ - 1, block.hash, user});
  hash_ = block.hash;
  ++sum_.blocks;
  sum_.bytes += padded(block.length);
  return true;
}

// A record at `off` of a checked block: the log's own types carry
// payloads it checks (Seal, Start); then it is delivered.
bool LogScanner::take_record(const SegmentView& seg, const BlockView& block, std::size_t off) {
  const RecordHeader rh = decode_record_header(seg.base + off);
  const std::span<const std::byte> payload(seg.base + off + kRecordHeaderSize, rh.length);
  if (rh.type == kSealType) {
    if (!check_seal(seg, off, payload)) return false;
  } else {
    last_user_type_ = rh.type;
    if (rh.type == kStartType && !check_start_record(seg, off, payload)) return false;
  }
  const RecordInfo info{rh.length, rh.type, rh.flags, seq_, block.base_time_ns + rh.time_delta_ns};
  deliver(seg, block, off, info, payload);
  return true;
}

// A seal names the last record of a block since the previous seal, with
// that block's chain hash, and then becomes the previous seal.
bool LogScanner::check_seal(const SegmentView& seg, std::size_t off,
                            std::span<const std::byte> payload) {
  const std::optional<Seal> s = decode_seal(payload);
  if (!s) return fail_at(seg, off, "malformed seal");
  const auto named = std::find_if(unsealed_.begin(), unsealed_.end(),
                                  [&](const Link& l) { return l.seq == s->sealed_seq; });
  const bool before_start = named == unsealed_.end() && names_record_before_start(*s);
  if (named == unsealed_.end() && !before_start) {
    return fail_at(seg, off,
                   "seal names record " + std::to_string(s->sealed_seq) +
                       ", which is not the last record of a block between the previous seal "
                       "and this one");
  }
  if (!before_start && named->hash != s->sealed_hash) {
    return fail_at(seg, off, "seal's chain hash differs from the log's");
  }
  if (!check_seal_signature(seg, off, *s)) return false;
  if (!before_start) unsealed_.erase(unsealed_.begin(), named + 1);
  sum_.last_sealed_seq = s->sealed_seq;
  ++sum_.seals;
  return true;
}

// A seal naming a record before the start point, while none has named the
// point or a later record yet (and after any earlier such seal's record):
// the records it names were not read, so its chain hash cannot be
// compared; its key and signature still can.
bool LogScanner::names_record_before_start(const Seal& s) const {
  return start_ != nullptr && s.sealed_seq < start_->seq && !unsealed_.empty() &&
         unsealed_.front().seq == start_->seq && s.sealed_seq > sum_.last_sealed_seq;
}

// With a key: the seal was made with it and its SM2 signature verifies.
bool LogScanner::check_seal_signature(const SegmentView& seg, std::size_t off, const Seal& s) {
  if (!fingerprint_) return true;
  if (s.key_fingerprint != *fingerprint_) {
    return fail_at(
        seg, off,
        "seal made with another key (fingerprint " + crypto::to_hex(s.key_fingerprint) + ")");
  }
  const auto message = seal_message(s.sealed_seq, s.sealed_hash);
  const std::span<const std::uint8_t> signature(s.signature.data(), s.signature_length);
  if (options_.key->verify(message, signature, options_.sm2_id)) return true;
  return fail_at(seg, off, "SM2 signature does not verify");
}

// Start records number the daemon's starts 1, 2, 3, ... (from a start
// point, on from the point's count): the writer numbers the next from them.
bool LogScanner::check_start_record(const SegmentView& seg, std::size_t off,
                                    std::span<const std::byte> payload) {
  const std::optional<Start> st = decode_start(payload);
  if (!st) return fail_at(seg, off, "malformed start record");
  if (st->boot != expected_boot_) {
    return fail_at(seg, off,
                   "start record " + std::to_string(st->boot) + " where " +
                       std::to_string(expected_boot_) + " was expected");
  }
  ++expected_boot_;
  sum_.boots = st->boot;
  return true;
}

// Hands a checked record to the caller, then moves the summary past it.
void LogScanner::deliver(const SegmentView& seg, const BlockView& block, std::size_t off,
                         const RecordInfo& info, std::span<const std::byte> payload) {
  if (on_record_) on_record_(RecordView{info, payload, &seg.file.path, off, &block});
  if (sum_.records == 0) {
    sum_.first_seq = seq_;
    sum_.first_time_ns = info.time_ns;
  }
  sum_.last_seq = seq_;
  sum_.last_time_ns = info.time_ns;
  ++sum_.records;
  ++sum_.records_by_type[info.type];
  ++seq_;
}

// A scan without a problem: what the last seal leaves uncovered, whether
// the log ended cleanly, and where a writer continues it.
void LogScanner::finish() {
  // The last segment either reached the start point or reported that it
  // did not; and a scan with no segment to read ended before getting here.
  MATCHGATE_ASSERT(!skipping_, "a scan ended before its start point without a problem");
  MATCHGATE_ASSERT(!segments_.empty(), "a scan of no segment has no tail to give");
  sum_.unsealed_records = 0;
  for (const Link& l : unsealed_) sum_.unsealed_records += l.user_records;
  sum_.clean_shutdown = last_user_type_ == kShutdownType && sum_.unsealed_records == 0;
  result_.tail.next_seq = seq_;
  result_.tail.last_hash = hash_;
  result_.tail.next_segment_index = segments_.back().index + 1;
  result_.tail.boots = sum_.boots;
}

}  // namespace

std::optional<Hash> logged_chain_hash(const std::filesystem::path& dir, std::uint64_t seq) {
  const std::vector<SegmentFile> segments = list_segments(dir);
  if (seq == 0) return std::nullopt;
  const std::optional<std::size_t> at = segment_starting_by(segments, seq + 1);
  if (!at) return std::nullopt;
  const MappedFile file(segments[*at].path);
  const std::optional<SegmentHeader> h = decode_segment_header(file.bytes());
  if (!h || !segment_fills_file(*h, file.size())) return std::nullopt;
  if (h->first_seq == seq + 1) return h->prev_hash;
  // As a scan does up to its start point: framed, the chain not recomputed.
  std::size_t off = kSegmentHeaderRegion;
  for (std::uint64_t first = h->first_seq; first <= seq;) {
    if (blocks_end_at(file.data(), file.size(), off)) break;
    if (!check_block_frame(file.data(), file.size(), off, first).empty()) break;
    const BlockHeader bh = decode_block_header(file.data() + off);
    const std::uint64_t last = first + bh.record_count - 1;
    if (last == seq) return bh.hash;
    first = last + 1;
    off += padded(bh.length);
  }
  return std::nullopt;
}

ScanResult scan_log(const std::filesystem::path& dir, const ScanOptions& options,
                    const RecordCallback& on_record) {
  if (options.start && options.start->seq == 0) {
    throw std::invalid_argument("a scan's start point must be a record (seq >= 1)");
  }
  std::vector<SegmentFile> segments = list_segments(dir);
  if (segments.empty() && !options.start) return {};  // no log yet
  return LogScanner(options, on_record, std::move(segments)).scan();
}

void cut_torn_tail(const TornTail& torn, FileIo& io) {
  const int fd = io.open(torn.segment.c_str(), O_WRONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "cannot open " + torn.segment.string());
  }
  std::vector<std::byte> zeros(std::min<std::uint64_t>(torn.bytes, std::uint64_t{1} << 20));
  std::uint64_t done = 0;
  int rc = 0;
  while (done < torn.bytes && rc == 0) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), torn.bytes - done));
    const ssize_t w = io.pwrite(fd, zeros.data(), n, static_cast<off_t>(torn.offset + done));
    if (w < 0) {
      rc = errno;
    } else {
      done += static_cast<std::uint64_t>(w);
    }
  }
  if (rc == 0 && io.fdatasync(fd) != 0) rc = errno;
  io.close(fd);
  if (rc != 0) {
    throw std::system_error(rc, std::generic_category(), "cannot cut " + torn.segment.string());
  }
}

}  // namespace matchgate::wal
