#include "matchgate/wal/wal_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
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

struct Segment {
  std::filesystem::path path;
  std::uint32_t date = 0;
  std::uint64_t index = 0;
};

// Why a record at `off` is not the valid record `seq`, or empty if it is.
std::string check_record(const std::byte* base, std::size_t size, std::size_t off,
                         std::uint64_t seq, const Hash& prev) {
  const std::byte* r = base + off;
  const std::uint32_t length = get_u32(r);
  if (length < kRecordHeaderSize || length > kRecordHeaderSize + kMaxPayload) {
    return "invalid record length " + std::to_string(length);
  }
  if (off + padded(length) > size) return "record runs past the end of the segment";
  if (get_u32(r + 24) != record_crc(r, length)) return "CRC mismatch";
  const RecordHeader h = decode_record_header(r);
  if (h.seq != seq) {
    return "sequence number " + std::to_string(h.seq) + " where " + std::to_string(seq) +
           " was expected (a record is missing, repeated or out of order)";
  }
  if (h.flags != 0 || get_u32(r + 28) != 0) return "reserved header bits set";
  if (!all_zero(r + length, padded(length) - length)) return "non-zero padding";
  if (chain_hash(prev, r, length) != h.hash) {
    return "SM3 chain hash mismatch (the record or one before it was altered)";
  }
  return {};
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

ScanResult scan_log(const std::filesystem::path& dir, const ScanOptions& options,
                    const RecordCallback& on_record) {
  ScanResult result;
  LogSummary& sum = result.summary;
  auto problem = [&](const std::filesystem::path& seg, std::uint64_t off, std::uint64_t seq,
                     std::string what) {
    result.problem = LogProblem{seg, off, seq, std::move(what)};
    return result;
  };

  std::vector<Segment> segments;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return result;  // no log yet
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    Segment s;
    if (!parse_segment_file_name(entry.path().filename().string(), s.date, s.index)) continue;
    s.path = entry.path();
    segments.push_back(std::move(s));
  }
  std::sort(segments.begin(), segments.end(),
            [](const Segment& a, const Segment& b) { return a.index < b.index; });

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

  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& seg = segments[i];
    const bool last = i + 1 == segments.size();
    if (seg.index != i + 1) {
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
    if (!h) return problem(seg.path, 0, seq, "segment header damaged (magic, version or CRC)");
    if (h->index != seg.index || h->business_date != seg.date) {
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
    if (h->first_seq != seq || h->prev_hash != hash) {
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

    std::size_t off = kSegmentHeaderRegion;
    while (off < size) {
      if (off + kRecordHeaderSize > size || get_u32(base + off) == 0) {
        if (all_zero(base + off, size - off)) break;  // the end of this segment's records
      }
      std::string bad = off + kRecordHeaderSize > size ? std::string("bytes after the last record")
                                                       : check_record(base, size, off, seq, hash);
      if (!bad.empty()) {
        if (last && !valid_record_after(base, size, off, seq)) {
          result.torn_tail = TornTail{seg.path, off, last_non_zero(base, off, size) - off, seq};
          break;
        }
        return problem(seg.path, off, seq, bad);
      }
      const RecordHeader rh = decode_record_header(base + off);
      const std::span<const std::byte> payload(base + off + kRecordHeaderSize,
                                               rh.length - kRecordHeaderSize);
      if (rh.type == static_cast<std::uint16_t>(RecordType::Seal)) {
        const std::optional<Seal> s = decode_seal(payload);
        if (!s) return problem(seg.path, off, seq, "malformed seal");
        auto it = std::find_if(unsealed.begin(), unsealed.end(),
                               [&](const Link& l) { return l.seq == s->sealed_seq; });
        if (it == unsealed.end()) {
          return problem(seg.path, off, seq,
                         "seal names record " + std::to_string(s->sealed_seq) +
                             ", which is not between the previous seal and this one");
        }
        if (it->hash != s->sealed_hash) {
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
        unsealed.erase(unsealed.begin(), it + 1);
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
