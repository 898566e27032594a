#pragma once
// A wal::FileIo for tests that remembers, per file, what has been made
// durable (fdatasync / fsync) and can
//   - lose power: every file is rewritten to exactly its synced bytes
//     (writes since the last sync dropped, or the last one torn: a prefix
//     kept), as after a power cut on storage that honours fdatasync;
//   - fail the Nth pwrite or fdatasync (and optionally every later one) with
//     an errno such as EIO or ENOSPC;
//   - tear writes: every pwrite writes at most a given number of bytes
//     (a short write, which POSIX allows);
//   - ignore fdatasync: it succeeds without making anything durable (the
//     writer's commit without its fdatasync, or a disk that lies about
//     flushes; fsync, which creating a segment uses, still works), the
//     negative control proving that the power-loss checks can fail.
//
// Model and its limits: file contents are tracked; metadata (create,
// rename, unlink) is taken as durable at once (the log fsyncs its
// directory right after each anyway). A file never synced comes back empty.
// Faults and power-loss points count calls on segment files (names ending
// in ".log") only, so the segment preparer's concurrent zero-filling of
// prepare-N.tmp does not shift them (count_every_file() counts all files:
// for a writer's start, before the preparer runs); files of every name are
// tracked.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "matchgate/wal/file_io.hpp"

namespace matchgate::testing {

// What survives of each file's last unsynced write at a power loss.
enum class Tear : std::uint8_t {
  none,  // nothing: the file is exactly as last synced
  half,  // the first half of its last unsynced write (a torn write)
};

class FaultInjectingIo final : public wal::FileIo {
 public:
  explicit FaultInjectingIo(wal::FileIo& base = wal::posix_file_io()) : base_(base) {}

  int open(const char* path, int flags, mode_t mode) override;
  ssize_t pwrite(int fd, const void* data, std::size_t size, off_t offset) override;
  int fdatasync(int fd) override;
  int fsync(int fd) override;
  int close(int fd) override;
  int rename_no_replace(const char* from, const char* to) override;

  // The `nth` call of `op` on a segment file from now (1: the next one)
  // fails with `error`, and so does every later one if `every_after`.
  void fail(wal::FileOp op, std::uint64_t nth, int error, bool every_after);
  // The power goes off just before the `nth` call of `op` on a segment file
  // from now: that call and every later one (any file) fail with EIO until
  // reboot().
  void lose_power_at(wal::FileOp op, std::uint64_t nth);
  // The power goes off now (the same as above, at once).
  void lose_power();
  bool powered_off() const;
  // The machine comes back: every file is rewritten to its synced bytes
  // (see Tear), faults are cleared, calls work again.
  void reboot(Tear tear = Tear::none);

  void limit_writes(std::size_t max_bytes);  // 0: no limit
  void count_every_file(bool every);
  void ignore_fdatasync(bool ignore);

  // Successful calls on segment files so far.
  std::uint64_t calls(wal::FileOp op) const;

 private:
  struct Write {
    std::uint64_t offset = 0;
    std::vector<std::byte> bytes;
  };
  struct FileState {
    std::vector<std::byte> synced;  // the durable content
    std::vector<Write> unsynced;    // since the last sync, in order
  };
  struct Trigger {
    wal::FileOp op = wal::FileOp::pwrite;
    std::uint64_t at = 0;  // counted in calls_ of op
    int error = 0;         // 0: a power loss
    bool every_after = false;
  };

  // errno for a call of `op` on `fd` now, or 0 to go ahead; counts it.
  int check(wal::FileOp op, int fd);
  int sync_locked(int fd, bool data_only);
  bool counted(const std::string& path) const;
  static std::vector<std::byte> read_whole(const std::string& path);
  static void rewrite(const std::string& path, const FileState& state, Tear tear);

  wal::FileIo& base_;
  mutable std::mutex mutex_;
  std::map<int, std::string> open_;         // fd -> path, files tracked
  std::map<std::string, FileState> files_;  // by path
  std::optional<Trigger> trigger_;
  std::uint64_t counted_[2] = {0, 0};  // calls on segment files, by FileOp
  std::uint64_t succeeded_[2] = {0, 0};
  bool powered_off_ = false;
  std::size_t max_write_ = 0;
  bool ignore_fdatasync_ = false;
  bool count_every_file_ = false;
};

}  // namespace matchgate::testing
