#include "support/power_cut.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "matchgate/wal/journaling_file_io.hpp"

namespace matchgate::testing {

namespace {

using wal::JournalEntry;
using wal::JournalKind;

// One file's writes, in order, under the name it has now.
struct FileHistory {
  std::string path;
  std::vector<const JournalEntry*> writes;
  std::size_t synced = 0;  // writes[0, synced) are durable
};

// The journal replayed file by file. A path created again (after a remove)
// is a new file; the old one is gone and is left out.
std::vector<FileHistory> file_histories(const std::vector<JournalEntry>& entries) {
  std::vector<FileHistory> files;
  std::map<std::string, std::size_t> by_path;  // current name -> files index
  const auto file_at = [&](const std::string& path) -> FileHistory& {
    const auto [it, fresh] = by_path.try_emplace(path, files.size());
    if (fresh) files.push_back(FileHistory{path, {}, 0});
    return files[it->second];
  };
  for (const JournalEntry& e : entries) {
    switch (e.kind) {
      case JournalKind::created:
        by_path.erase(e.path);
        file_at(e.path);
        break;
      case JournalKind::write:
        file_at(e.path).writes.push_back(&e);
        break;
      case JournalKind::synced: {
        FileHistory& f = file_at(e.path);
        f.synced = f.writes.size();
        break;
      }
      case JournalKind::renamed: {
        file_at(e.path);  // made before the journal began: nothing of it to undo
        const std::size_t index = by_path.at(e.path);
        by_path.erase(e.path);
        by_path[e.to] = index;
        files[index].path = e.to;
        break;
      }
    }
  }
  std::vector<FileHistory> live;
  for (const auto& [path, index] : by_path) live.push_back(std::move(files[index]));
  return live;
}

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error("power cut: " + what + " " + path + ": " + std::strerror(errno));
}

void write_all(int fd, const std::string& path, const std::byte* data, std::size_t size,
               std::uint64_t offset) {
  for (std::size_t done = 0; done < size;) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(offset + done));
    if (n <= 0) fail("cannot write", path);
    done += static_cast<std::size_t>(n);
  }
}

// The first half of the last unsynced write, as it is in the file now (the
// file's current bytes in that range are that write's, nothing came after).
std::vector<std::byte> torn_prefix(int fd, const FileHistory& f) {
  const JournalEntry& last = *f.writes.back();
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail("cannot stat", f.path);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const std::uint64_t end = std::min(last.offset + last.size / 2, size);
  std::vector<std::byte> prefix(end > last.offset ? end - last.offset : 0);
  if (!prefix.empty() &&
      ::pread(fd, prefix.data(), prefix.size(), static_cast<off_t>(last.offset)) !=
          static_cast<ssize_t>(prefix.size())) {
    fail("cannot read", f.path);
  }
  return prefix;
}

// Undoes f's unsynced writes, newest first; returns how many.
std::size_t undo_unsynced(const FileHistory& f, Tear tear) {
  if (f.synced == f.writes.size()) return 0;
  const int fd = ::open(f.path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return 0;  // removed since: a removal is durable at once
    fail("cannot open", f.path);
  }
  const std::vector<std::byte> kept =
      tear == Tear::half ? torn_prefix(fd, f) : std::vector<std::byte>{};
  for (std::size_t i = f.writes.size(); i-- > f.synced;) {
    const JournalEntry& w = *f.writes[i];
    write_all(fd, f.path, w.before.data(), w.before.size(), w.offset);
    if (::ftruncate(fd, static_cast<off_t>(w.old_size)) != 0) fail("cannot truncate", f.path);
  }
  write_all(fd, f.path, kept.data(), kept.size(), f.writes.back()->offset);
  ::close(fd);
  return f.writes.size() - f.synced;
}

}  // namespace

PowerCutReport apply_power_cut(const std::filesystem::path& journal, Tear tear) {
  const std::vector<JournalEntry> entries = wal::read_journal(journal);
  PowerCutReport report;
  for (const FileHistory& f : file_histories(entries)) {
    const std::size_t undone = undo_unsynced(f, tear);
    report.writes_undone += undone;
    report.writes_kept += f.synced;
    if (undone > 0) ++report.files_changed;
  }
  return report;
}

}  // namespace matchgate::testing
