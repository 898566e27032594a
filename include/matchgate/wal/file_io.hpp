#pragma once
// The log's file system calls behind one interface, so that tests can fail
// them, tear writes and simulate power loss (tests/support/
// fault_injecting_io.hpp) against the real writer, segment preparer and
// snapshot writer. The functions keep POSIX's contract: -1 (or a short
// count) with errno set on failure.
//
// Cost: one virtual call per system call. The writer's hot path makes two
// per group commit (pwrite + fdatasync), never one per record.
#include <fcntl.h>
#include <sys/types.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace matchgate::wal {

class FileIo {
 public:
  virtual ~FileIo() = default;
  virtual int open(const char* path, int flags, mode_t mode) = 0;
  virtual ssize_t pwrite(int fd, const void* data, std::size_t size, off_t offset) = 0;
  virtual int fdatasync(int fd) = 0;
  virtual int fsync(int fd) = 0;  // also of a directory
  virtual int close(int fd) = 0;
  // rename() that never replaces `to` (renameat2 RENAME_NOREPLACE, or
  // link + unlink where the file system lacks it).
  virtual int rename_no_replace(const char* from, const char* to) = 0;
};

// The real system calls; what every writer uses unless told otherwise.
FileIo& posix_file_io() noexcept;

// Test hook (docs/WAL.md 6.8): a FileIo that fails the `nth` pwrite or
// fdatasync (1-based, counted on segment files only, from its creation; one
// of each per commit, the first commit being the run's Start record) and
// every later one with `error`, passing everything else to `base`. The
// daemon uses it when MATCHGATE_TEST_WAL_FAULT is set (see
// parse_fault_hook); never in production.
enum class FileOp : std::uint8_t { pwrite, fdatasync };
struct FaultHook {
  FileOp op = FileOp::fdatasync;
  std::uint64_t nth = 1;
  int error = EIO;
};
class FailingFileIo final : public FileIo {
 public:
  FailingFileIo(FileIo& base, FaultHook hook) noexcept : base_(base), hook_(hook) {}
  int open(const char* path, int flags, mode_t mode) override;
  ssize_t pwrite(int fd, const void* data, std::size_t size, off_t offset) override;
  int fdatasync(int fd) override;
  int fsync(int fd) override { return base_.fsync(fd); }
  int close(int fd) override;
  int rename_no_replace(const char* from, const char* to) override {
    return base_.rename_no_replace(from, to);
  }

 private:
  bool is_segment(int fd) const noexcept;
  bool due(FileOp op, int fd) noexcept;

  FileIo& base_;
  FaultHook hook_;
  // Open segment files (wal-*.log): the writer's. The preparer's files
  // (prepare-N.tmp) and directories are not counted; it runs on its own
  // thread, hence atomics.
  static constexpr int kMaxFds = 4;
  std::atomic<int> segment_fds_[kMaxFds] = {-1, -1, -1, -1};
  std::atomic<std::uint64_t> calls_{0};
};

// "fdatasync:N:EIO", "pwrite:N:ENOSPC" (N >= 1, either error name);
// false when the text is not of that form.
bool parse_fault_hook(const char* text, FaultHook& out) noexcept;

}  // namespace matchgate::wal
