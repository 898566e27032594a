#pragma once
// Test hook (docs/WAL.md 12): a FileIo that forwards every call and keeps,
// in a journal file, what a power cut could still take away. Before each
// pwrite it appends an undo entry (the file, the range, the bytes the range
// held and the file's size before); after each successful fdatasync or
// fsync a "synced" entry; creating and renaming files are entered as they
// happen (the log fsyncs the directory right after each, so they count as
// durable at once). A test that killed the process can then undo, per
// file, every write after its last "synced" entry: the files as a power
// cut would have left them (tests/support/power_cut.hpp).
//
// The journal is written with plain write(2) on an O_APPEND descriptor and
// never synced: a SIGKILL keeps the page cache, so every entry written
// before the kill is there for the test to read. An entry cut short by the
// kill is one whose pwrite never started (entries are written before the
// call) or whose sync was not yet reported to the caller; the reader drops
// it, which is the power cut a moment earlier.
//
// The daemon uses it when MATCHGATE_TEST_POWER_JOURNAL is set; never in
// production. Cost: a lock, an fstat, a pread and a write(2) per pwrite.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "matchgate/wal/file_io.hpp"

namespace matchgate::wal {

class JournalingFileIo final : public FileIo {
 public:
  // Appends to `journal` (created if missing); throws std::system_error when
  // it cannot be opened. Each successful fdatasync/fsync is delayed by
  // `sync_delay` first (a slow disk: widens the time between a write and
  // its sync, for tests that must catch what a sync mode sends too early).
  JournalingFileIo(FileIo& base, const std::filesystem::path& journal,
                   std::chrono::microseconds sync_delay = {});
  ~JournalingFileIo() override;
  JournalingFileIo(const JournalingFileIo&) = delete;
  JournalingFileIo& operator=(const JournalingFileIo&) = delete;

  int open(const char* path, int flags, mode_t mode) override;
  ssize_t pwrite(int fd, const void* data, std::size_t size, off_t offset) override;
  int fdatasync(int fd) override;
  int fsync(int fd) override;
  int close(int fd) override;
  int rename_no_replace(const char* from, const char* to) override;

 private:
  int synced(int fd, int rc);
  bool append_locked();  // false (errno set) if the journal cannot be written

  FileIo& base_;
  const std::chrono::microseconds sync_delay_;
  int journal_fd_ = -1;
  std::mutex mutex_;                  // the maps and the entry buffer, across threads
  std::map<int, std::string> paths_;  // open fd -> path it was opened by
  std::vector<std::byte> entry_;      // the entry being written, reused
};

enum class JournalKind : char {
  created = 'C',  // `path` was created (did not exist before the open)
  write = 'W',    // a pwrite to `path` is about to happen
  synced = 'S',   // fdatasync/fsync of `path` succeeded
  renamed = 'R',  // `path` is now called `to`
};

struct JournalEntry {
  JournalKind kind = JournalKind::write;
  std::string path;
  std::string to;                 // renamed: the new name
  std::uint64_t offset = 0;       // write: where it starts
  std::uint64_t size = 0;         // write: how many bytes it writes
  std::uint64_t old_size = 0;     // write: the file's size before it
  std::vector<std::byte> before;  // write: what [offset, min(offset + size, old_size)) held
};

// The journal's complete entries, in the order written (a last entry cut
// short is left out). Throws std::runtime_error if the file cannot be read
// or an entry is malformed.
std::vector<JournalEntry> read_journal(const std::filesystem::path& journal);

// MATCHGATE_TEST_POWER_JOURNAL's value: "PATH" or "PATH:SYNC_DELAY_US".
// False when the delay is not a number or the path is empty.
bool parse_power_journal_hook(const char* text, std::filesystem::path& journal,
                              std::chrono::microseconds& sync_delay);

}  // namespace matchgate::wal
