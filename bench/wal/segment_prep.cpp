// Three ways to have the next segment ready before the writer needs it, each
// measured for the preparing thread (wall and CPU time) and for the appends
// that follow (pwrite + fdatasync latency, 200 B and 4 KiB):
//  - zero-fill: WalSegment::create, what the log does today (write every
//    byte as zero, fsync, fsync the directory);
//  - fallocate: reserve unwritten extents, fsync, fsync the directory; each
//    first write into an extent must then convert it, a metadata change that
//    fdatasync has to commit;
//  - recycle: rename a file that was written in full long ago (an old,
//    retired segment, evicted from the page cache) to the new name and fsync
//    the directory, as PostgreSQL recycles WAL files. Writing that old file
//    is set-up, not part of the preparation.
#include "segment_prep.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "bench_timing.hpp"
#include "matchgate/wal/wal_segment.hpp"

namespace matchgate::wal_bench {

namespace {

namespace mw = matchgate::wal;

enum class Method { kZeroFill, kFallocate, kRecycle };
constexpr std::array kMethods{Method::kZeroFill, Method::kFallocate, Method::kRecycle};
constexpr std::array<std::size_t, 2> kAppendBytes{200, 4096};
// Records start after the segment header region (docs/WAL.md 4.2).
constexpr std::uint64_t kFirstRecordOffset = 4096;

const char* name_of(Method m) {
  switch (m) {
    case Method::kZeroFill:
      return "zero-fill + fsync (today)";
    case Method::kFallocate:
      return "fallocate + fsync";
    case Method::kRecycle:
      return "recycle an old file";
  }
  return "?";
}

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

struct FileDescriptor {
  int fd = -1;
  FileDescriptor(const std::filesystem::path& path, int flags)
      : fd(::open(path.c_str(), flags, 0640)) {
    if (fd < 0) fail("cannot open", path);
  }
  ~FileDescriptor() { ::close(fd); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
};

void write_all(int fd, const std::vector<std::byte>& block, std::uint64_t offset,
               const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < block.size()) {
    const ssize_t n =
        ::pwrite(fd, block.data() + done, block.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write", path);
    done += static_cast<std::size_t>(n);
  }
}

// An old segment: written in full with non-zero bytes, synced, then dropped
// from the page cache as a file retired long ago would be.
void write_old_file(const std::filesystem::path& path, std::uint64_t bytes) {
  FileDescriptor f(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC);
  const std::vector<std::byte> chunk(std::size_t{1} << 20, std::byte{0xa5});
  for (std::uint64_t at = 0; at < bytes; at += chunk.size()) write_all(f.fd, chunk, at, path);
  if (::fsync(f.fd) != 0) fail("cannot fsync", path);
  ::posix_fadvise(f.fd, 0, 0, POSIX_FADV_DONTNEED);
}

void prepare_fallocated(const std::filesystem::path& path, std::uint64_t bytes) {
  FileDescriptor f(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC);
  if (::fallocate(f.fd, 0, 0, static_cast<off_t>(bytes)) != 0) fail("cannot fallocate", path);
  if (::fsync(f.fd) != 0) fail("cannot fsync", path);
  mw::sync_directory(path.parent_path());
}

void prepare_recycled(const std::filesystem::path& old_path, const std::filesystem::path& path) {
  if (::rename(old_path.c_str(), path.c_str()) != 0) fail("cannot rename into", path);
  mw::sync_directory(path.parent_path());
}

struct Preparation {
  double wall_us = 0;
  double cpu_us = 0;
};

// Makes `path` ready by `method`, timing only the preparation itself.
Preparation prepare(Method method, const std::filesystem::path& path, std::uint64_t bytes) {
  const auto old_path = path.parent_path() / "old-segment.bin";
  if (method == Method::kRecycle) write_old_file(old_path, bytes);
  const auto wall = Clock::now();
  const double cpu = thread_cpu_us();
  switch (method) {
    case Method::kZeroFill:
      mw::WalSegment::create(path, bytes).close();
      break;
    case Method::kFallocate:
      prepare_fallocated(path, bytes);
      break;
    case Method::kRecycle:
      prepare_recycled(old_path, path);
      break;
  }
  return {us_since(wall), thread_cpu_us() - cpu};
}

using PerMethod = std::array<std::vector<double>, kMethods.size()>;

std::filesystem::path segment_path(const SegmentPrepOptions& o, std::size_t method) {
  return o.dir / ("segment-" + std::to_string(method) + ".bin");
}

// Appends `count` blocks of `bytes` to each prepared file, one after another,
// each followed by fdatasync as a writer committing one record at a time
// does. The files take turns, so that the machine's changing load (other
// builds' I/O) hits every method alike, and take turns at going first, so
// that no method always follows the same one.
PerMethod append_latencies(const SegmentPrepOptions& o, std::size_t bytes) {
  std::vector<std::unique_ptr<FileDescriptor>> files;
  for (std::size_t m = 0; m < kMethods.size(); ++m) {
    files.push_back(std::make_unique<FileDescriptor>(segment_path(o, m), O_RDWR | O_CLOEXEC));
  }
  const std::vector<std::byte> block(bytes, std::byte{0x5a});
  PerMethod out;
  for (std::size_t i = 0; i < o.appends_per_size; ++i) {
    for (std::size_t k = 0; k < kMethods.size(); ++k) {
      const std::size_t m = (i + k) % kMethods.size();  // each goes first in turn
      const auto t = Clock::now();
      write_all(files[m]->fd, block, kFirstRecordOffset + i * bytes, segment_path(o, m));
      if (::fdatasync(files[m]->fd) != 0) fail("cannot fdatasync", segment_path(o, m));
      out[m].push_back(us_since(t));
    }
  }
  return out;
}

struct Samples {
  std::vector<double> wall_ms, cpu_ms;
  std::array<std::vector<double>, kAppendBytes.size()> p50_us, p99_us;
};

void measure_once(const SegmentPrepOptions& o, std::array<Samples, kMethods.size()>& out, int rep) {
  for (std::size_t s = 0; s < kAppendBytes.size(); ++s) {
    std::array<Preparation, kMethods.size()> prepared;
    for (std::size_t m = 0; m < kMethods.size(); ++m) {
      prepared[m] = prepare(kMethods[m], segment_path(o, m), o.segment_bytes);
    }
    const PerMethod lat = append_latencies(o, kAppendBytes[s]);
    for (std::size_t m = 0; m < kMethods.size(); ++m) {
      std::filesystem::remove(segment_path(o, m));
      const Preparation& p = prepared[m];
      Samples& x = out[m];
      x.wall_ms.push_back(p.wall_us / 1e3);
      x.cpu_ms.push_back(p.cpu_us / 1e3);
      x.p50_us[s].push_back(percentile(lat[m], 0.5));
      x.p99_us[s].push_back(percentile(lat[m], 0.99));
      std::printf(
          "rep %d: %-26s prepare %8.1f ms wall %8.1f ms cpu | %4zu B appends p50 %7.1f us p99 "
          "%7.1f us\n",
          rep, name_of(kMethods[m]), p.wall_us / 1e3, p.cpu_us / 1e3, kAppendBytes[s],
          x.p50_us[s].back(), x.p99_us[s].back());
    }
    std::fflush(stdout);
  }
}

void print_medians(const SegmentPrepOptions& o, const std::array<Samples, kMethods.size()>& all) {
  std::printf(
      "\nmedians of %d repetitions, %llu MiB segment, %zu appends per size (pwrite + "
      "fdatasync, one at a time)\n",
      o.reps, static_cast<unsigned long long>(o.segment_bytes >> 20), o.appends_per_size);
  std::printf("%-26s | %10s %10s | %9s %9s | %9s %9s\n", "preparation", "wall ms", "cpu ms",
              "200B p50", "p99 us", "4KiB p50", "p99 us");
  for (std::size_t m = 0; m < kMethods.size(); ++m) {
    const Samples& x = all[m];
    std::printf("%-26s | %10.1f %10.1f | %9.1f %9.1f | %9.1f %9.1f\n", name_of(kMethods[m]),
                median(x.wall_ms), median(x.cpu_ms), median(x.p50_us[0]), median(x.p99_us[0]),
                median(x.p50_us[1]), median(x.p99_us[1]));
  }
}

}  // namespace

int run_segment_preparation(const SegmentPrepOptions& o) {
  std::filesystem::create_directories(o.dir);
  for (std::size_t m = 0; m < kMethods.size(); ++m) std::filesystem::remove(segment_path(o, m));
  std::filesystem::remove(o.dir / "old-segment.bin");
  std::array<Samples, kMethods.size()> all;
  try {
    for (int rep = 1; rep <= o.reps; ++rep) measure_once(o, all, rep);
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "wal_bench: %s\n", e.what());
    return 1;
  }
  print_medians(o, all);
  return 0;
}

}  // namespace matchgate::wal_bench
