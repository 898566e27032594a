#include "matchgate/wal/snapshot.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#include "matchgate/util/clock.hpp"
#include "matchgate/util/crc32c.hpp"
#include "matchgate/wal/wal_segment.hpp"

namespace matchgate::wal {

namespace {

constexpr std::size_t kHeaderCrcAt = kSnapshotHeaderSize - 4;
constexpr std::size_t kReservedAt = 152;
constexpr std::size_t kSignatureLengthSize = 2;
constexpr std::string_view kTempSuffix = ".tmp";

[[noreturn]] void fail(int err, const std::string& what, const std::filesystem::path& path) {
  throw std::system_error(err, std::generic_category(), what + " " + path.string());
}

class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  int close() noexcept {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Writes all of `data` at `offset` (short writes continued); returns the
// offset after it.
std::uint64_t write_all_at(FileIo& io, int fd, const void* data, std::size_t size,
                           std::uint64_t offset, const std::filesystem::path& path) {
  const auto* p = static_cast<const std::byte*>(data);
  while (size > 0) {
    const ssize_t n = io.pwrite(fd, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno, "cannot write", path);
    }
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return offset;
}

// Reads exactly `size` bytes; returns an errno text on failure, "" on
// success, "end of file" when the file is shorter.
std::string read_exact(int fd, void* data, std::size_t size) {
  auto* p = static_cast<std::byte*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::strerror(errno);
    }
    if (n == 0) return "end of file";
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

bool is_temp_name(std::string_view name) {
  if (name.size() <= kTempSuffix.size()) return false;
  if (name.substr(name.size() - kTempSuffix.size()) != kTempSuffix) return false;
  std::uint64_t seq = 0;
  return parse_snapshot_file_name(name.substr(0, name.size() - kTempSuffix.size()), seq);
}

// The newest segment whose header says it starts at or before record `next`.
std::optional<std::uint64_t> segment_index_for(const std::filesystem::path& dir,
                                               std::uint64_t next) {
  const std::vector<SegmentFile> segments = list_segments(dir);
  for (std::size_t i = segments.size(); i-- > 0;) {
    const std::optional<SegmentHeader> h = read_segment_header(segments[i].path);
    if (h && h->first_seq <= next) return segments[i].index;
  }
  return std::nullopt;
}

}  // namespace

Hash snapshot_payload_digest(std::span<const std::byte> payload, unsigned threads) {
  const std::size_t chunks = (payload.size() + kSnapshotChunkBytes - 1) / kSnapshotChunkBytes;
  std::vector<Hash> digests(chunks);
  std::atomic<std::size_t> next{0};
  const auto hash_chunks = [&] {
    for (std::size_t i = next.fetch_add(1); i < chunks; i = next.fetch_add(1)) {
      const std::span<const std::byte> chunk =
          payload.subspan(i * kSnapshotChunkBytes,
                          std::min(kSnapshotChunkBytes, payload.size() - i * kSnapshotChunkBytes));
      digests[i] = crypto::Sm3::digest(chunk.data(), chunk.size());
    }
  };
  std::vector<std::thread> helpers;
  const std::size_t wanted = std::min<std::size_t>(std::max(1U, threads), chunks);
  for (std::size_t t = 1; t < wanted; ++t) helpers.emplace_back(hash_chunks);
  hash_chunks();
  for (std::thread& h : helpers) h.join();
  return crypto::Sm3::digest(digests.data(), digests.size() * sizeof(Hash));
}

void encode_snapshot_header(const SnapshotInfo& info,
                            std::span<std::byte, kSnapshotHeaderSize> out) {
  std::byte* p = out.data();
  std::memset(p, 0, kSnapshotHeaderSize);
  std::memcpy(p, kSnapshotMagic.data(), kSnapshotMagic.size());
  put_u32(p + 8, kSnapshotVersion);
  put_u32(p + 12, static_cast<std::uint32_t>(kSnapshotHeaderSize));
  put_u64(p + 16, info.seq);
  std::memcpy(p + 24, info.chain_hash.data(), 32);
  put_u64(p + 56, info.segment_index);
  put_u64(p + 64, static_cast<std::uint64_t>(info.created_ns));
  put_u64(p + 72, info.boots);
  put_u64(p + 80, info.payload_bytes);
  std::memcpy(p + 88, info.payload_digest.data(), 32);
  std::memcpy(p + 120, info.key_fingerprint.data(), 32);
  put_u32(p + kHeaderCrcAt, util::crc32c(0, p, kHeaderCrcAt));
}

std::optional<SnapshotInfo> decode_snapshot_header(std::span<const std::byte> in) {
  if (in.size() < kSnapshotHeaderSize) return std::nullopt;
  const std::byte* p = in.data();
  if (std::memcmp(p, kSnapshotMagic.data(), kSnapshotMagic.size()) != 0) return std::nullopt;
  if (get_u32(p + kHeaderCrcAt) != util::crc32c(0, p, kHeaderCrcAt)) return std::nullopt;
  if (get_u32(p + 8) != kSnapshotVersion || get_u32(p + 12) != kSnapshotHeaderSize) {
    return std::nullopt;
  }
  SnapshotInfo info;
  info.seq = get_u64(p + 16);
  std::memcpy(info.chain_hash.data(), p + 24, 32);
  info.segment_index = get_u64(p + 56);
  info.created_ns = static_cast<std::int64_t>(get_u64(p + 64));
  info.boots = get_u64(p + 72);
  info.payload_bytes = get_u64(p + 80);
  std::memcpy(info.payload_digest.data(), p + 88, 32);
  std::memcpy(info.key_fingerprint.data(), p + 120, 32);
  return info;
}

std::array<std::uint8_t, kSnapshotMessageSize> snapshot_message(
    std::span<const std::byte, kSnapshotHeaderSize> header) {
  std::array<std::uint8_t, kSnapshotMessageSize> m{};
  std::memcpy(m.data(), kSnapshotDomain.data(), kSnapshotDomain.size());
  std::memcpy(m.data() + kSnapshotDomain.size(), header.data(), kSnapshotHeaderSize);
  return m;
}

std::string snapshot_file_name(std::uint64_t seq) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "snap-%020llu.snap", static_cast<unsigned long long>(seq));
  return buf;
}

bool parse_snapshot_file_name(std::string_view name, std::uint64_t& seq) {
  constexpr std::size_t kDigits = 20;
  if (name.size() != 5 + kDigits + 5 || name.substr(0, 5) != "snap-" ||
      name.substr(5 + kDigits) != ".snap") {
    return false;
  }
  std::uint64_t n = 0;
  for (char c : name.substr(5, kDigits)) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (~std::uint64_t{0} - d) / 10) return false;  // beyond 2^64 - 1
    n = n * 10 + d;
  }
  seq = n;
  return true;
}

std::filesystem::path write_snapshot(const std::filesystem::path& dir, const SnapshotInfo& in,
                                     std::span<const std::byte> payload,
                                     const crypto::Sm2PrivateKey& key, std::string_view sm2_id,
                                     FileIo& io) {
  if (in.seq == 0) throw std::invalid_argument("a snapshot must include at least record 1");
  SnapshotInfo info = in;
  info.payload_bytes = payload.size();
  // One thread: a live daemon writes snapshots while it trades.
  info.payload_digest = snapshot_payload_digest(payload, 1);
  info.key_fingerprint = key.public_key().fingerprint();
  if (info.created_ns == 0) info.created_ns = util::clock_ns(CLOCK_REALTIME);
  if (info.segment_index == 0) {
    const std::optional<std::uint64_t> index = segment_index_for(dir, info.seq + 1);
    if (!index) {
      throw std::invalid_argument("no segment of the log in " + dir.string() +
                                  " starts at or before record " + std::to_string(info.seq + 1) +
                                  ": nothing to tie a snapshot of record " +
                                  std::to_string(info.seq) + " to");
    }
    info.segment_index = *index;
  }
  std::array<std::byte, kSnapshotHeaderSize> header{};
  encode_snapshot_header(info, header);
  const auto message = snapshot_message(header);
  std::array<std::uint8_t, crypto::kMaxSm2SignatureSize> signature{};
  const std::size_t signature_length = key.sign(message, signature, sm2_id);
  std::array<std::byte, kSignatureLengthSize> length{};
  put_u16(length.data(), static_cast<std::uint16_t>(signature_length));

  // Not const: it is returned, and a const local cannot be moved out.
  std::filesystem::path path = dir / snapshot_file_name(info.seq);
  const std::filesystem::path temp = path.string() + std::string(kTempSuffix);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) fail(EEXIST, "refusing to replace", path);
  // Leftovers of a crash while writing: never part of the log.
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (is_temp_name(entry.path().filename().string())) std::filesystem::remove(entry.path());
  }
  int fd = io.open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) fail(errno, "cannot create", temp);
  try {
    std::uint64_t at = write_all_at(io, fd, header.data(), header.size(), 0, temp);
    at = write_all_at(io, fd, payload.data(), payload.size(), at, temp);
    at = write_all_at(io, fd, length.data(), length.size(), at, temp);
    write_all_at(io, fd, signature.data(), signature_length, at, temp);
    if (io.fdatasync(fd) != 0) fail(errno, "cannot fdatasync", temp);
    const int closed = io.close(std::exchange(fd, -1));
    if (closed != 0) fail(errno, "cannot close", temp);
    if (io.rename_no_replace(temp.c_str(), path.c_str()) != 0) {
      fail(errno, "cannot rename into", path);
    }
  } catch (...) {
    if (fd >= 0) io.close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  sync_directory(dir, io);
  return path;
}

std::vector<SnapshotFile> list_snapshots(const std::filesystem::path& dir) {
  std::vector<SnapshotFile> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    SnapshotFile f;
    if (!parse_snapshot_file_name(entry.path().filename().string(), f.seq)) continue;
    f.path = entry.path();
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(),
            [](const SnapshotFile& a, const SnapshotFile& b) { return a.seq < b.seq; });
  return out;
}

SnapshotRead read_snapshot(const std::filesystem::path& path, const crypto::Sm2PublicKey& key,
                           std::string_view sm2_id) {
  SnapshotRead r;
  r.path = path;
  const auto bad = [&](std::string what) {
    r.problem = std::move(what);
    r.payload.clear();
    r.payload.shrink_to_fit();
    return std::move(r);
  };
  std::uint64_t name_seq = 0;
  if (!parse_snapshot_file_name(path.filename().string(), name_seq)) {
    return bad("not a snapshot file name (snap-<20 digits>.snap)");
  }
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return bad(std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return bad(std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return bad("not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < kSnapshotHeaderSize + kSignatureLengthSize) {
    return bad("file is " + std::to_string(size) + " bytes, too short for a snapshot");
  }
  std::array<std::byte, kSnapshotHeaderSize> header{};
  if (std::string e = read_exact(fd.get(), header.data(), header.size()); !e.empty()) {
    return bad("cannot read: " + e);
  }
  r.info = decode_snapshot_header(header);
  if (!r.info) return bad("snapshot header damaged (magic, version or CRC)");
  const SnapshotInfo& info = *r.info;
  if (std::any_of(header.begin() + kReservedAt, header.begin() + kHeaderCrcAt,
                  [](std::byte b) { return b != std::byte{0}; })) {
    return bad("non-zero reserved bytes in the header");
  }
  if (info.seq != name_seq) return bad("snapshot header does not match the file name");
  if (info.payload_bytes > size - kSnapshotHeaderSize - kSignatureLengthSize) {
    return bad("file is " + std::to_string(size) + " bytes, too short for its payload of " +
               std::to_string(info.payload_bytes) + " bytes (truncated)");
  }
  if (info.key_fingerprint != key.fingerprint()) {
    return bad("snapshot was made with another signing key (fingerprint " +
               crypto::to_hex(info.key_fingerprint) + ")");
  }
  // The payload, hashed once it is all read (below).
  r.payload.resize(static_cast<std::size_t>(info.payload_bytes));
  if (std::string e = read_exact(fd.get(), r.payload.data(), r.payload.size()); !e.empty()) {
    return bad("cannot read: " + e);
  }
  std::array<std::byte, kSignatureLengthSize> length{};
  if (std::string e = read_exact(fd.get(), length.data(), length.size()); !e.empty()) {
    return bad("cannot read: " + e);
  }
  const std::uint16_t signature_length = get_u16(length.data());
  const std::uint64_t expected =
      kSnapshotHeaderSize + info.payload_bytes + kSignatureLengthSize + signature_length;
  if (signature_length > crypto::kMaxSm2SignatureSize || size != expected) {
    return bad("file is " + std::to_string(size) + " bytes, its header and signature length say " +
               std::to_string(expected) + " (truncated or extended)");
  }
  std::array<std::uint8_t, crypto::kMaxSm2SignatureSize> signature{};
  if (std::string e = read_exact(fd.get(), signature.data(), signature_length); !e.empty()) {
    return bad("cannot read: " + e);
  }
  // At start nothing else runs yet: every core hashes.
  if (snapshot_payload_digest(r.payload, std::thread::hardware_concurrency()) !=
      info.payload_digest) {
    return bad("payload SM3 mismatch (the payload was altered or damaged)");
  }
  const auto message = snapshot_message(header);
  if (!key.verify(message, std::span<const std::uint8_t>(signature.data(), signature_length),
                  sm2_id)) {
    return bad("SM2 signature does not verify");
  }
  return r;
}

NewestSnapshot newest_valid_snapshot(const std::filesystem::path& dir,
                                     const crypto::Sm2PublicKey& key, std::string_view sm2_id,
                                     std::uint64_t max_seq) {
  NewestSnapshot out;
  const std::vector<SnapshotFile> files = list_snapshots(dir);
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    if (it->seq > max_seq) continue;
    SnapshotRead r = read_snapshot(it->path, key, sm2_id);
    if (r.ok()) {
      out.snapshot = std::move(r);
      break;
    }
    out.skipped.push_back(std::move(r));
  }
  return out;
}

}  // namespace matchgate::wal
