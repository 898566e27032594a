#include "matchgate/wal/wal_segment.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

namespace matchgate::wal {

namespace {
[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}
}  // namespace

WalSegment::~WalSegment() {
  close();
}

WalSegment::WalSegment(WalSegment&& other) noexcept
    : io_(other.io_), fd_(other.fd_), size_(other.size_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

WalSegment& WalSegment::operator=(WalSegment&& other) noexcept {
  if (this != &other) {
    close();
    io_ = other.io_;
    fd_ = other.fd_;
    size_ = other.size_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

WalSegment WalSegment::create(const std::filesystem::path& path, std::uint64_t bytes, FileIo& io) {
  WalSegment s;
  s.io_ = &io;
  s.path_ = path;
  s.size_ = bytes;
  s.fd_ = io.open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (s.fd_ < 0) fail("cannot create", path);
  // Real zeros, not just fallocate(): writing into unwritten extents makes
  // every fdatasync commit extent conversions too.
  std::vector<std::byte> zeros(std::size_t{1} << 20);
  for (std::uint64_t at = 0; at < bytes;) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), bytes - at));
    s.write_at(at, std::span<const std::byte>(zeros.data(), n));
    at += n;
  }
  if (io.fsync(s.fd_) != 0) fail("cannot fsync", path);
  sync_directory(path.parent_path(), io);
  return s;
}

WalSegment WalSegment::adopt(const std::filesystem::path& prepared,
                             const std::filesystem::path& path, std::uint64_t bytes,
                             std::span<const std::byte> header, FileIo& io) {
  if (std::filesystem::exists(path)) {
    errno = EEXIST;
    fail("refusing to replace", path);
  }
  {
    WalSegment prepared_file;
    prepared_file.io_ = &io;
    prepared_file.path_ = prepared;
    prepared_file.size_ = bytes;
    prepared_file.fd_ = io.open(prepared.c_str(), O_RDWR | O_CLOEXEC, 0);
    if (prepared_file.fd_ < 0) fail("cannot open", prepared);
    prepared_file.write_at(0, header);
    prepared_file.sync();
  }  // closed: the file is opened again under its name below
  if (io.rename_no_replace(prepared.c_str(), path.c_str()) != 0) fail("cannot rename into", path);
  WalSegment s;
  s.io_ = &io;
  s.path_ = path;
  s.size_ = bytes;
  s.fd_ = io.open(path.c_str(), O_RDWR | O_CLOEXEC, 0);
  if (s.fd_ < 0) fail("cannot open", path);
  sync_directory(path.parent_path(), io);
  return s;
}

void WalSegment::write_at(std::uint64_t offset, std::span<const std::byte> data) {
  const std::byte* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = io_->pwrite(fd_, p, left, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", path_);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

void WalSegment::sync() {
  if (io_->fdatasync(fd_) != 0) fail("cannot fdatasync", path_);
}

void WalSegment::close() {
  if (fd_ >= 0) io_->close(fd_);
  fd_ = -1;
}

void sync_directory(const std::filesystem::path& dir, FileIo& io) {
  const int fd = io.open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) fail("cannot open directory", dir);
  const int rc = io.fsync(fd);
  io.close(fd);
  if (rc != 0) fail("cannot fsync directory", dir);
}

}  // namespace matchgate::wal
