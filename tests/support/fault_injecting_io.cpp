#include "support/fault_injecting_io.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace matchgate::testing {

namespace {
std::size_t index_of(wal::FileOp op) {
  return op == wal::FileOp::pwrite ? 0 : 1;
}
}  // namespace

bool FaultInjectingIo::counted(const std::string& path) const {
  return count_every_file_ || path.ends_with(".log");
}

std::vector<std::byte> FaultInjectingIo::read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars{std::istreambuf_iterator<char>(in), {}};
  std::vector<std::byte> out(chars.size());
  std::memcpy(out.data(), chars.data(), chars.size());
  return out;
}

int FaultInjectingIo::open(const char* path, int flags, mode_t mode) {
  std::lock_guard lock(mutex_);
  if (powered_off_) {
    errno = EIO;
    return -1;
  }
  const bool fresh = (flags & O_CREAT) != 0 && (flags & O_EXCL) != 0;
  const int fd = base_.open(path, flags, mode);
  const bool writes = (flags & O_ACCMODE) != O_RDONLY && (flags & O_DIRECTORY) == 0;
  if (fd < 0 || !writes) return fd;
  if (fresh) {
    files_[path] = FileState{};
  } else if (!files_.contains(path)) {
    files_[path].synced = read_whole(path);  // what was there before is durable
  }
  open_[fd] = path;
  return fd;
}

int FaultInjectingIo::check(wal::FileOp op, int fd) {
  if (powered_off_) return EIO;
  const auto it = open_.find(fd);
  if (it == open_.end() || !counted(it->second)) return 0;
  const std::uint64_t n = ++counted_[index_of(op)];
  if (!trigger_ || trigger_->op != op) return 0;
  if (n != trigger_->at && !(trigger_->every_after && n > trigger_->at)) return 0;
  if (trigger_->error != 0) return trigger_->error;
  powered_off_ = true;
  return EIO;
}

ssize_t FaultInjectingIo::pwrite(int fd, const void* data, std::size_t size, off_t offset) {
  std::lock_guard lock(mutex_);
  if (const int error = check(wal::FileOp::pwrite, fd); error != 0) {
    errno = error;
    return -1;
  }
  if (max_write_ != 0) size = std::min(size, max_write_);
  const ssize_t n = base_.pwrite(fd, data, size, offset);
  const auto it = open_.find(fd);
  if (n <= 0 || it == open_.end()) return n;
  const auto* bytes = static_cast<const std::byte*>(data);
  files_[it->second].unsynced.push_back(
      Write{static_cast<std::uint64_t>(offset), std::vector<std::byte>(bytes, bytes + n)});
  if (counted(it->second)) ++succeeded_[index_of(wal::FileOp::pwrite)];
  return n;
}

int FaultInjectingIo::sync_locked(int fd, bool data_only) {
  const int rc = data_only ? base_.fdatasync(fd) : base_.fsync(fd);
  const auto it = open_.find(fd);
  if (rc != 0 || it == open_.end()) return rc;
  if (data_only && counted(it->second)) ++succeeded_[index_of(wal::FileOp::fdatasync)];
  if (data_only && ignore_fdatasync_) return rc;
  FileState& file = files_[it->second];
  for (const Write& w : file.unsynced) {
    if (file.synced.size() < w.offset + w.bytes.size())
      file.synced.resize(w.offset + w.bytes.size());
    std::copy(w.bytes.begin(), w.bytes.end(), file.synced.begin() + static_cast<long>(w.offset));
  }
  file.unsynced.clear();
  return rc;
}

int FaultInjectingIo::fdatasync(int fd) {
  std::lock_guard lock(mutex_);
  if (const int error = check(wal::FileOp::fdatasync, fd); error != 0) {
    errno = error;
    return -1;
  }
  return sync_locked(fd, true);
}

int FaultInjectingIo::fsync(int fd) {
  std::lock_guard lock(mutex_);
  if (powered_off_) {
    errno = EIO;
    return -1;
  }
  return sync_locked(fd, false);
}

int FaultInjectingIo::close(int fd) {
  std::lock_guard lock(mutex_);
  open_.erase(fd);
  return base_.close(fd);
}

int FaultInjectingIo::rename_no_replace(const char* from, const char* to) {
  std::lock_guard lock(mutex_);
  if (powered_off_) {
    errno = EIO;
    return -1;
  }
  const int rc = base_.rename_no_replace(from, to);
  if (rc != 0) return rc;
  if (auto node = files_.extract(from)) {
    node.key() = to;
    files_.insert(std::move(node));
  }
  for (auto& [fd, path] : open_) {
    if (path == from) path = to;
  }
  return rc;
}

void FaultInjectingIo::fail(wal::FileOp op, std::uint64_t nth, int error, bool every_after) {
  std::lock_guard lock(mutex_);
  trigger_ = Trigger{op, counted_[index_of(op)] + nth, error, every_after};
}

void FaultInjectingIo::lose_power_at(wal::FileOp op, std::uint64_t nth) {
  std::lock_guard lock(mutex_);
  trigger_ = Trigger{op, counted_[index_of(op)] + nth, 0, false};
}

void FaultInjectingIo::lose_power() {
  std::lock_guard lock(mutex_);
  powered_off_ = true;
}

bool FaultInjectingIo::powered_off() const {
  std::lock_guard lock(mutex_);
  return powered_off_;
}

void FaultInjectingIo::rewrite(const std::string& path, const FileState& state, Tear tear) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;  // removed meanwhile (a temporary file)
  std::vector<std::byte> content = state.synced;
  if (tear == Tear::half && !state.unsynced.empty()) {
    const Write& last = state.unsynced.back();
    const std::size_t kept = last.bytes.size() / 2;
    if (content.size() < last.offset + kept) content.resize(last.offset + kept);
    std::copy_n(last.bytes.begin(), kept, content.begin() + static_cast<long>(last.offset));
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(content.data()),
             static_cast<std::streamsize>(content.size()));
}

void FaultInjectingIo::reboot(Tear tear) {
  std::lock_guard lock(mutex_);
  for (const auto& [path, state] : files_) rewrite(path, state, tear);
  // What is on disk now is all there is; files opened later are read anew.
  files_.clear();
  open_.clear();
  trigger_.reset();
  powered_off_ = false;
}

void FaultInjectingIo::limit_writes(std::size_t max_bytes) {
  std::lock_guard lock(mutex_);
  max_write_ = max_bytes;
}

void FaultInjectingIo::count_every_file(bool every) {
  std::lock_guard lock(mutex_);
  count_every_file_ = every;
}

void FaultInjectingIo::ignore_fdatasync(bool ignore) {
  std::lock_guard lock(mutex_);
  ignore_fdatasync_ = ignore;
}

std::uint64_t FaultInjectingIo::calls(wal::FileOp op) const {
  std::lock_guard lock(mutex_);
  return succeeded_[index_of(op)];
}

}  // namespace matchgate::testing
