#include "matchgate/wal/file_io.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace matchgate::wal {

namespace {

class PosixFileIo final : public FileIo {
 public:
  int open(const char* path, int flags, mode_t mode) override { return ::open(path, flags, mode); }
  ssize_t pwrite(int fd, const void* data, std::size_t size, off_t offset) override {
    return ::pwrite(fd, data, size, offset);
  }
  int fdatasync(int fd) override { return ::fdatasync(fd); }
  int fsync(int fd) override { return ::fsync(fd); }
  int close(int fd) override { return ::close(fd); }
  int rename_no_replace(const char* from, const char* to) override {
    if (::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
    if (::link(from, to) != 0) return -1;
    ::unlink(from);
    return 0;
  }
};

bool is_segment_name(std::string_view path) noexcept {
  const std::size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return name.starts_with("wal-") && name.ends_with(".log");
}

}  // namespace

FileIo& posix_file_io() noexcept {
  static PosixFileIo io;
  return io;
}

int FailingFileIo::open(const char* path, int flags, mode_t mode) {
  const int fd = base_.open(path, flags, mode);
  if (fd >= 0 && is_segment_name(path)) {
    for (auto& slot : segment_fds_) {
      int free_slot = -1;
      if (slot.compare_exchange_strong(free_slot, fd)) break;
    }
  }
  return fd;
}

int FailingFileIo::close(int fd) {
  for (auto& slot : segment_fds_) {
    int open_fd = fd;
    slot.compare_exchange_strong(open_fd, -1);
  }
  return base_.close(fd);
}

bool FailingFileIo::is_segment(int fd) const noexcept {
  for (const auto& slot : segment_fds_) {
    if (slot.load() == fd) return true;
  }
  return false;
}

bool FailingFileIo::due(FileOp op, int fd) noexcept {
  if (op != hook_.op || !is_segment(fd)) return false;
  return calls_.fetch_add(1) + 1 >= hook_.nth;
}

ssize_t FailingFileIo::pwrite(int fd, const void* data, std::size_t size, off_t offset) {
  if (due(FileOp::pwrite, fd)) {
    errno = hook_.error;
    return -1;
  }
  return base_.pwrite(fd, data, size, offset);
}

int FailingFileIo::fdatasync(int fd) {
  if (due(FileOp::fdatasync, fd)) {
    errno = hook_.error;
    return -1;
  }
  return base_.fdatasync(fd);
}

bool parse_fault_hook(const char* text, FaultHook& out) noexcept {
  if (text == nullptr) return false;
  const std::string_view s(text);
  const std::size_t first = s.find(':');
  const std::size_t second = first == std::string_view::npos ? first : s.find(':', first + 1);
  if (second == std::string_view::npos) return false;
  const std::string_view op = s.substr(0, first);
  const std::string_view nth = s.substr(first + 1, second - first - 1);
  const std::string_view error = s.substr(second + 1);
  FaultHook hook;
  if (op == "pwrite") {
    hook.op = FileOp::pwrite;
  } else if (op == "fdatasync") {
    hook.op = FileOp::fdatasync;
  } else {
    return false;
  }
  const auto [end, ec] = std::from_chars(nth.data(), nth.data() + nth.size(), hook.nth);
  if (ec != std::errc{} || end != nth.data() + nth.size() || hook.nth == 0) return false;
  if (error == "EIO") {
    hook.error = EIO;
  } else if (error == "ENOSPC") {
    hook.error = ENOSPC;
  } else {
    return false;
  }
  out = hook;
  return true;
}

}  // namespace matchgate::wal
