#include "matchgate/wal/journaling_file_io.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>

namespace matchgate::wal {

namespace {

// An entry: kind (1 byte), path length (u32), new name length (u32),
// offset, size, old size, saved bytes' length (u64 each, host order: the
// journal is read back on the same machine), then the path, the new name
// and the saved bytes.
constexpr std::size_t kHeaderBytes = 1 + 4 + 4 + 8 * 4;

template <class T>
void put(std::vector<std::byte>& out, T value) {
  const auto* p = reinterpret_cast<const std::byte*>(&value);
  out.insert(out.end(), p, p + sizeof value);
}

template <class T>
T get(const std::byte* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

void start_entry(std::vector<std::byte>& out, JournalKind kind, std::string_view path,
                 std::string_view to, std::uint64_t offset, std::uint64_t size,
                 std::uint64_t old_size, std::uint64_t saved) {
  out.clear();
  out.push_back(static_cast<std::byte>(kind));
  put(out, static_cast<std::uint32_t>(path.size()));
  put(out, static_cast<std::uint32_t>(to.size()));
  put(out, offset);
  put(out, size);
  put(out, old_size);
  put(out, saved);
  const auto* p = reinterpret_cast<const std::byte*>(path.data());
  out.insert(out.end(), p, p + path.size());
  const auto* t = reinterpret_cast<const std::byte*>(to.data());
  out.insert(out.end(), t, t + to.size());
}

// Reads [offset, offset + size) of the file into `out`: through `fd`, or,
// when it was opened write-only, through a descriptor of its own.
bool read_range(int fd, const std::string& path, std::uint64_t offset, std::byte* out,
                std::size_t size) {
  int read_fd = fd;
  for (std::size_t done = 0; done < size;) {
    const ssize_t n = ::pread(read_fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EBADF && read_fd == fd) {
      read_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (read_fd < 0) return false;
      continue;
    }
    if (n <= 0) {
      if (read_fd != fd) ::close(read_fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  if (read_fd != fd) ::close(read_fd);
  return true;
}

}  // namespace

JournalingFileIo::JournalingFileIo(FileIo& base, const std::filesystem::path& journal,
                                   std::chrono::microseconds sync_delay)
    : base_(base), sync_delay_(sync_delay) {
  journal_fd_ = ::open(journal.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (journal_fd_ < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot open power journal " + journal.string());
  }
}

JournalingFileIo::~JournalingFileIo() {
  if (journal_fd_ >= 0) ::close(journal_fd_);
}

int JournalingFileIo::open(const char* path, int flags, mode_t mode) {
  const bool existed = (flags & O_CREAT) == 0 || ::access(path, F_OK) == 0;
  const int fd = base_.open(path, flags, mode);
  if (fd < 0) return fd;
  std::lock_guard lock(mutex_);
  paths_[fd] = path;
  if (!existed) {
    start_entry(entry_, JournalKind::created, path, {}, 0, 0, 0, 0);
    if (!append_locked()) {
      paths_.erase(fd);
      base_.close(fd);
      errno = EIO;
      return -1;
    }
  }
  return fd;
}

ssize_t JournalingFileIo::pwrite(int fd, const void* data, std::size_t size, off_t offset) {
  {
    std::lock_guard lock(mutex_);
    const auto it = paths_.find(fd);
    struct stat st {};
    if (it == paths_.end() || ::fstat(fd, &st) != 0) {
      errno = EBADF;  // not opened through this FileIo: its writes could not be undone
      return -1;
    }
    const auto at = static_cast<std::uint64_t>(offset);
    const auto old_size = static_cast<std::uint64_t>(st.st_size);
    const std::uint64_t saved = at < old_size ? std::min<std::uint64_t>(size, old_size - at) : 0;
    start_entry(entry_, JournalKind::write, it->second, {}, at, size, old_size, saved);
    const std::size_t header_end = entry_.size();
    entry_.resize(header_end + saved);
    if (!read_range(fd, it->second, at, entry_.data() + header_end, saved) || !append_locked()) {
      errno = EIO;  // the journal would be wrong: fail the write, visibly
      return -1;
    }
  }
  return base_.pwrite(fd, data, size, offset);
}

int JournalingFileIo::fdatasync(int fd) {
  if (sync_delay_.count() > 0) std::this_thread::sleep_for(sync_delay_);
  return synced(fd, base_.fdatasync(fd));
}

int JournalingFileIo::fsync(int fd) {
  if (sync_delay_.count() > 0) std::this_thread::sleep_for(sync_delay_);
  return synced(fd, base_.fsync(fd));
}

// Entered only after the sync returned: until then the caller cannot have
// counted on it.
int JournalingFileIo::synced(int fd, int rc) {
  if (rc != 0) return rc;
  const int saved_errno = errno;
  std::lock_guard lock(mutex_);
  const auto it = paths_.find(fd);
  if (it == paths_.end()) return rc;
  start_entry(entry_, JournalKind::synced, it->second, {}, 0, 0, 0, 0);
  if (!append_locked()) {
    errno = EIO;
    return -1;
  }
  errno = saved_errno;
  return rc;
}

int JournalingFileIo::close(int fd) {
  {
    std::lock_guard lock(mutex_);
    paths_.erase(fd);
  }
  return base_.close(fd);
}

int JournalingFileIo::rename_no_replace(const char* from, const char* to) {
  const int rc = base_.rename_no_replace(from, to);
  if (rc != 0) return rc;
  std::lock_guard lock(mutex_);
  for (auto& [fd, path] : paths_) {
    if (path == from) path = to;
  }
  start_entry(entry_, JournalKind::renamed, from, to, 0, 0, 0, 0);
  return append_locked() ? 0 : (errno = EIO, -1);
}

// One write(2) per entry as a rule; a kill can still cut it short, which
// read_journal() allows for at the end.
bool JournalingFileIo::append_locked() {
  for (std::size_t done = 0; done < entry_.size();) {
    const ssize_t n = ::write(journal_fd_, entry_.data() + done, entry_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::vector<JournalEntry> read_journal(const std::filesystem::path& journal) {
  std::ifstream in(journal, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read power journal " + journal.string());
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto* bytes = reinterpret_cast<const std::byte*>(chars.data());
  std::vector<JournalEntry> out;
  std::size_t at = 0;
  while (chars.size() - at >= kHeaderBytes) {
    const std::byte* h = bytes + at;
    JournalEntry e;
    e.kind = static_cast<JournalKind>(h[0]);
    const auto path_len = get<std::uint32_t>(h + 1);
    const auto to_len = get<std::uint32_t>(h + 5);
    e.offset = get<std::uint64_t>(h + 9);
    e.size = get<std::uint64_t>(h + 17);
    e.old_size = get<std::uint64_t>(h + 25);
    const auto saved = get<std::uint64_t>(h + 33);
    const std::uint64_t length = kHeaderBytes + path_len + to_len + saved;
    if (length > chars.size() - at) break;  // cut short by the kill
    const char* text = chars.data() + at + kHeaderBytes;
    e.path.assign(text, path_len);
    e.to.assign(text + path_len, to_len);
    e.before.assign(h + kHeaderBytes + path_len + to_len, h + length);
    if (std::string_view("CWSR").find(static_cast<char>(e.kind)) == std::string_view::npos) {
      throw std::runtime_error("power journal " + journal.string() + ": bad entry at byte " +
                               std::to_string(at));
    }
    out.push_back(std::move(e));
    at += length;
  }
  return out;
}

bool parse_power_journal_hook(const char* text, std::filesystem::path& journal,
                              std::chrono::microseconds& sync_delay) {
  if (text == nullptr) return false;
  const std::string_view s(text);
  const std::size_t colon = s.rfind(':');
  std::string_view path = s;
  std::uint64_t delay_us = 0;
  if (colon != std::string_view::npos) {
    const std::string_view delay = s.substr(colon + 1);
    const auto [end, ec] = std::from_chars(delay.data(), delay.data() + delay.size(), delay_us);
    if (ec != std::errc{} || end != delay.data() + delay.size()) return false;
    path = s.substr(0, colon);
  }
  if (path.empty()) return false;
  journal = std::filesystem::path(path);
  sync_delay = std::chrono::microseconds(delay_us);
  return true;
}

}  // namespace matchgate::wal
