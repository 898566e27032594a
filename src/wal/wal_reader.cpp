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

 private:
  int fd_ = -1;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

bool all_zero(const std::byte* p, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    if (get_u64(p + i) != 0) return false;
  }
  for (; i < n; ++i) {
    if (p[i] != std::byte{0}) return false;
  }
  return true;
}

std::size_t last_non_zero(const std::byte* p, std::size_t from, std::size_t size) noexcept {
  std::size_t last = from;
  for (std::size_t i = from; i < size; ++i) {
    if (p[i] != std::byte{0}) last = i + 1;
  }
  return last;
}

// Why the bytes at `off` do not frame record `seq` (length, CRC, sequence,
// reserved bits, padding), or empty if they do. The chain hash is not
// checked.
std::string check_frame(const std::byte* base, std::size_t size, std::size_t off,
                        std::uint64_t seq) {
  const std::byte* r = base + off;
  const std::uint32_t length = get_u32(r);
  if (length < kRecordHeaderSize || length > kRecordHeaderSize + kMaxPayload) {
    return "invalid record length " + std::to_string(length);
  }
  if (off + padded(length) > size) return "record runs past the end of the segment";
  if (get_u32(r + 24) != record_crc(r, length)) return "CRC mismatch";
  const std::uint64_t s = get_u64(r + 8);
  if (s != seq) {
    return "sequence number " + std::to_string(s) + " where " + std::to_string(seq) +
           " was expected (a record is missing, repeated or out of order)";
  }
  if (get_u16(r + 6) != 0 || get_u32(r + 28) != 0) return "reserved header bits set";
  if (!all_zero(r + length, padded(length) - length)) return "non-zero padding";
  return {};
}

// Why a record at `off` is not the valid record `seq`, or empty if it is.
std::string check_record(const std::byte* base, std::size_t size, std::size_t off,
                         std::uint64_t seq, const Hash& prev) {
  std::string bad = check_frame(base, size, off, seq);
  if (!bad.empty()) return bad;
  const std::byte* r = base + off;
  const RecordHeader h = decode_record_header(r);
  if (chain_hash(prev, r, h.length) != h.hash) {
    return "SM3 chain hash mismatch (the record or one before it was altered)";
  }
  return {};
}

// Where the records of a mapped segment end: the first record position
// whose length field is 0 (or with fewer than 64 bytes left) and all zeros
// after it.
bool records_end_at(const std::byte* base, std::size_t size, std::size_t off) noexcept {
  if (off + kRecordHeaderSize > size || get_u32(base + off) == 0) {
    return all_zero(base + off, size - off);
  }
  return false;
}

// Is there anything after `off` that frames and checksums like a record of
// this log? If so the damage at `off` is in the middle, not a torn tail.
bool valid_record_after(const std::byte* base, std::size_t size, std::size_t off,
                        std::uint64_t seq) {
  for (std::size_t p = off + kRecordAlign; p + kRecordHeaderSize <= size; p += kRecordAlign) {
    const std::uint32_t length = get_u32(base + p);
    if (length < kRecordHeaderSize || length > kRecordHeaderSize + kMaxPayload) continue;
    if (p + padded(length) > size) continue;
    const std::uint64_t s = get_u64(base + p + 8);
    if (s < seq || s > seq + (std::uint64_t{1} << 40)) continue;
    if (get_u32(base + p + 24) == record_crc(base + p, length)) return true;
  }
  return false;
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

}  // namespace

std::optional<Hash> logged_chain_hash(const std::filesystem::path& dir, std::uint64_t seq) {
  const std::vector<SegmentFile> segments = list_segments(dir);
  if (seq == 0) return std::nullopt;
  const std::optional<std::size_t> at = segment_starting_by(segments, seq + 1);
  if (!at) return std::nullopt;
  MappedFile file(segments[*at].path);
  const std::byte* base = file.data();
  const std::size_t size = file.size();
  const std::optional<SegmentHeader> h =
      decode_segment_header(std::span<const std::byte>(base, size));
  if (!h || h->segment_bytes != size || size < kSegmentHeaderRegion) return std::nullopt;
  if (h->first_seq == seq + 1) return h->prev_hash;
  std::uint64_t s = h->first_seq;
  for (std::size_t off = kSegmentHeaderRegion; off < size && s <= seq;) {
    if (records_end_at(base, size, off)) break;
    if (off + kRecordHeaderSize > size || !check_frame(base, size, off, s).empty()) break;
    const RecordHeader rh = decode_record_header(base + off);
    if (s == seq) return rh.hash;
    ++s;
    off += padded(rh.length);
  }
  return std::nullopt;
}

ScanResult scan_log(const std::filesystem::path& dir, const ScanOptions& options,
                    const RecordCallback& on_record) {
  ScanResult result;
  LogSummary& sum = result.summary;
  auto problem = [&](const std::filesystem::path& seg, std::uint64_t off, std::uint64_t seq,
                     std::string what) {
    result.problem = LogProblem{seg, off, seq, std::move(what)};
    return result;
  };

  const StartPoint* start = options.start ? &*options.start : nullptr;
  if (start != nullptr && start->seq == 0) {
    throw std::invalid_argument("a scan's start point must be a record (seq >= 1)");
  }
  const std::vector<SegmentFile> segments = list_segments(dir);
  if (segments.empty() && start == nullptr) return result;  // no log yet

  std::optional<Hash> fingerprint;
  if (options.key != nullptr) fingerprint = options.key->fingerprint();
  std::uint64_t seq = 1;
  Hash hash{};
  // Chain hashes of the records since the last seal: a seal names one of them.
  struct Link {
    std::uint64_t seq;
    Hash hash;
    bool seal;
  };
  std::deque<Link> unsealed;
  std::uint64_t expected_boot = 1;
  std::uint16_t last_user_type = 0;
  // From a start point: the first segment to read, and whether the records
  // being read are still those up to the start point (framed, not delivered).
  std::size_t first = 0;
  bool skipping = false;
  if (start != nullptr) {
    sum.start_seq = start->seq;
    sum.boots = start->boots;
    expected_boot = start->boots + 1;
    // The start point stands for the records up to it, which its own
    // signature covers: a seal may name it, and it is not "unsealed".
    unsealed.push_back(Link{start->seq, start->chain_hash, true});
    if (segments.empty()) {
      return problem({}, 0, start->seq + 1,
                     "no segment files, but the log must continue after record " +
                         std::to_string(start->seq) + " (the start point)");
    }
    const std::optional<std::size_t> at = segment_starting_by(segments, start->seq + 1);
    if (!at) {
      const SegmentFile& oldest = segments.front();
      const std::optional<SegmentHeader> h = read_segment_header(oldest.path);
      if (!h) {
        return problem(oldest.path, 0, start->seq + 1,
                       "segment header damaged (magic, version or CRC)");
      }
      return problem(oldest.path, 0, start->seq + 1,
                     "the log does not reach back to the start point: its oldest segment starts "
                     "at record " +
                         std::to_string(h->first_seq) + ", record " +
                         std::to_string(start->seq + 1) + " is missing");
    }
    first = *at;
  }

  for (std::size_t i = first; i < segments.size(); ++i) {
    const SegmentFile& seg = segments[i];
    const bool last = i + 1 == segments.size();
    if (start == nullptr ? seg.index != i + 1
                         : i > first && seg.index != segments[i - 1].index + 1) {
      const std::uint64_t missing = i == 0 ? 1 : segments[i - 1].index + 1;
      if (i > 0 && seg.index == segments[i - 1].index) {
        return problem(seg.path, 0, seq,
                       "two segment files with index " + std::to_string(seg.index));
      }
      return problem(seg.path, 0, seq,
                     "segment " + std::to_string(missing) + " is missing before this one");
    }
    MappedFile file(seg.path);
    const std::byte* base = file.data();
    const std::size_t size = file.size();
    const std::optional<SegmentHeader> h =
        decode_segment_header(std::span<const std::byte>(base, size));
    if (i == first && start != nullptr) seq = h ? h->first_seq : start->seq + 1;
    if (!h) return problem(seg.path, 0, seq, "segment header damaged (magic, version or CRC)");
    if (h->index != seg.index || h->business_date != seg.business_date) {
      return problem(seg.path, 0, seq, "segment header does not match the file name");
    }
    if (h->segment_bytes != size || size < kSegmentHeaderRegion) {
      return problem(seg.path, size, seq,
                     "file is " + std::to_string(size) + " bytes, its header says " +
                         std::to_string(h->segment_bytes) + " (truncated or extended)");
    }
    if (!all_zero(base + kSegmentHeaderSize, kSegmentHeaderRegion - kSegmentHeaderSize)) {
      return problem(seg.path, kSegmentHeaderSize, seq, "non-zero bytes in the header region");
    }
    if (i == first && start != nullptr) {
      // The segment was chosen by its first_seq; where the chain stands
      // follows from the start point.
      skipping = h->first_seq <= start->seq;
      if (!skipping) {
        hash = start->chain_hash;
        if (h->prev_hash != hash) {
          return problem(seg.path, 0, seq,
                         "segment does not continue the chain from the start point (its "
                         "prev_hash is not the start point's chain hash: the snapshot does not "
                         "belong to this log)");
        }
      }
    } else if (h->first_seq != seq || (!skipping && h->prev_hash != hash)) {
      return problem(seg.path, 0, seq,
                     "segment does not continue the chain (its first record is " +
                         std::to_string(h->first_seq) + ", expected " + std::to_string(seq) + ")");
    }
    if (fingerprint && h->key_fingerprint != *fingerprint) {
      return problem(seg.path, 0, seq,
                     "segment was written for another signing key (fingerprint " +
                         crypto::to_hex(h->key_fingerprint) + ")");
    }
    ++sum.segments;
    if (sum.segments == 1) sum.first_segment = seg.index;

    std::size_t off = kSegmentHeaderRegion;
    while (off < size) {
      if (records_end_at(base, size, off)) break;  // the end of this segment's records
      std::string bad = off + kRecordHeaderSize > size ? std::string("bytes after the last record")
                        : skipping                     ? check_frame(base, size, off, seq)
                                                       : check_record(base, size, off, seq, hash);
      if (!bad.empty()) {
        if (last && !valid_record_after(base, size, off, seq)) {
          if (skipping) {
            return problem(seg.path, off, seq,
                           "the log ends here (an incomplete write) before record " +
                               std::to_string(start->seq) + ", which the start point includes");
          }
          result.torn_tail = TornTail{seg.path, off, last_non_zero(base, off, size) - off, seq};
          break;
        }
        return problem(seg.path, off, seq, bad);
      }
      const RecordHeader rh = decode_record_header(base + off);
      if (skipping) {
        // Up to the start point: framed only, not delivered (the type is
        // kept: a log whose last records are before the point still ends
        // with a Shutdown or not).
        if (rh.type != static_cast<std::uint16_t>(RecordType::Seal)) last_user_type = rh.type;
        if (seq == start->seq) {
          if (rh.hash != start->chain_hash) {
            return problem(seg.path, off, seq,
                           "the start point's chain hash differs from this record's (the "
                           "snapshot does not belong to this log)");
          }
          hash = start->chain_hash;
          skipping = false;
        }
        ++seq;
        off += padded(rh.length);
        continue;
      }
      const std::span<const std::byte> payload(base + off + kRecordHeaderSize,
                                               rh.length - kRecordHeaderSize);
      if (rh.type == static_cast<std::uint16_t>(RecordType::Seal)) {
        const std::optional<Seal> s = decode_seal(payload);
        if (!s) return problem(seg.path, off, seq, "malformed seal");
        auto it = std::find_if(unsealed.begin(), unsealed.end(),
                               [&](const Link& l) { return l.seq == s->sealed_seq; });
        // A seal naming a record before the start point (none has named the
        // start point or a later record yet): its chain hash cannot be
        // compared, its key and signature still can.
        const bool before_start = start != nullptr && it == unsealed.end() &&
                                  s->sealed_seq < start->seq && !unsealed.empty() &&
                                  unsealed.front().seq == start->seq &&
                                  s->sealed_seq > sum.last_sealed_seq;
        if (it == unsealed.end() && !before_start) {
          return problem(seg.path, off, seq,
                         "seal names record " + std::to_string(s->sealed_seq) +
                             ", which is not between the previous seal and this one");
        }
        if (!before_start && it->hash != s->sealed_hash) {
          return problem(seg.path, off, seq, "seal's chain hash differs from the log's");
        }
        if (fingerprint) {
          if (s->key_fingerprint != *fingerprint) {
            return problem(seg.path, off, seq,
                           "seal made with another key (fingerprint " +
                               crypto::to_hex(s->key_fingerprint) + ")");
          }
          const auto message = seal_message(s->sealed_seq, s->sealed_hash);
          if (!options.key->verify(
                  message, std::span<const std::uint8_t>(s->signature.data(), s->signature_length),
                  options.sm2_id)) {
            return problem(seg.path, off, seq, "SM2 signature does not verify");
          }
        }
        if (!before_start) unsealed.erase(unsealed.begin(), it + 1);
        sum.last_sealed_seq = s->sealed_seq;
        ++sum.seals;
      } else {
        last_user_type = rh.type;
        if (rh.type == static_cast<std::uint16_t>(RecordType::Start)) {
          const std::optional<Start> st = decode_start(payload);
          if (!st) return problem(seg.path, off, seq, "malformed start record");
          if (st->boot != expected_boot) {
            return problem(seg.path, off, seq,
                           "start record " + std::to_string(st->boot) + " where " +
                               std::to_string(expected_boot) + " was expected");
          }
          ++expected_boot;
          sum.boots = st->boot;
        }
      }
      if (on_record) on_record(RecordView{rh, payload, &seg.path, off});
      unsealed.push_back(
          Link{seq, rh.hash, rh.type == static_cast<std::uint16_t>(RecordType::Seal)});
      hash = rh.hash;
      if (sum.records == 0) {
        sum.first_seq = seq;
        sum.first_time_ns = rh.time_ns;
      }
      sum.last_seq = seq;
      sum.last_time_ns = rh.time_ns;
      ++sum.records;
      ++sum.records_by_type[rh.type];
      sum.bytes += padded(rh.length);
      ++seq;
      off += padded(rh.length);
    }
    if (skipping && last && !result.torn_tail) {
      return problem(seg.path, off, seq,
                     "the log ends at record " + std::to_string(seq - 1) + ", before record " +
                         std::to_string(start->seq) + ", which the start point includes");
    }
  }
  sum.unsealed_records = static_cast<std::uint64_t>(
      std::count_if(unsealed.begin(), unsealed.end(), [](const Link& l) { return !l.seal; }));
  sum.clean_shutdown = last_user_type == static_cast<std::uint16_t>(RecordType::Shutdown) &&
                       sum.unsealed_records == 0;
  result.tail.next_seq = seq;
  std::memcpy(result.tail.last_hash.data(), hash.data(), hash.size());
  result.tail.next_segment_index = segments.empty() ? 1 : segments.back().index + 1;
  result.tail.boots = sum.boots;
  return result;
}

void cut_torn_tail(const TornTail& torn) {
  const int fd = ::open(torn.segment.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "cannot open " + torn.segment.string());
  }
  std::vector<std::byte> zeros(std::min<std::uint64_t>(torn.bytes, std::uint64_t{1} << 20));
  std::uint64_t done = 0;
  int rc = 0;
  while (done < torn.bytes && rc == 0) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), torn.bytes - done));
    const ssize_t w = ::pwrite(fd, zeros.data(), n, static_cast<off_t>(torn.offset + done));
    if (w < 0) {
      rc = errno;
    } else {
      done += static_cast<std::uint64_t>(w);
    }
  }
  if (rc == 0 && ::fdatasync(fd) != 0) rc = errno;
  ::close(fd);
  if (rc != 0) {
    throw std::system_error(rc, std::generic_category(), "cannot cut " + torn.segment.string());
  }
}

}  // namespace matchgate::wal
