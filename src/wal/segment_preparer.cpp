#include "matchgate/wal/segment_preparer.hpp"

#include <pthread.h>

#include <stdexcept>

#include "matchgate/wal/wal_segment.hpp"

namespace matchgate::wal {

SegmentPreparer::SegmentPreparer(std::filesystem::path dir, std::uint64_t segment_bytes, FileIo& io)
    : dir_(std::move(dir)), bytes_(segment_bytes), io_(io) {
  thread_ = std::thread([this] { run(); });
}

SegmentPreparer::~SegmentPreparer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // A prepared file nobody took is not part of the log.
  if (ready_ != 0) {
    std::error_code ignored;
    std::filesystem::remove(temp_path(dir_, ready_), ignored);
  }
}

std::filesystem::path SegmentPreparer::temp_path(const std::filesystem::path& dir,
                                                 std::uint64_t index) {
  return dir / ("prepare-" + std::to_string(index) + ".tmp");
}

void SegmentPreparer::remove_leftovers(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("prepare-") && name.ends_with(".tmp")) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

void SegmentPreparer::request(std::uint64_t index) {
  {
    std::lock_guard lock(mutex_);
    requested_ = index;
  }
  cv_.notify_all();
}

std::filesystem::path SegmentPreparer::take(std::uint64_t index) {
  std::unique_lock lock(mutex_);
  if (requested_ != index && ready_ != index) {
    requested_ = index;
    cv_.notify_all();
  }
  cv_.wait(lock, [&] { return ready_ == index || !error_.empty(); });
  if (ready_ != index) throw std::runtime_error("cannot prepare the next log segment: " + error_);
  ready_ = 0;
  return temp_path(dir_, index);
}

void SegmentPreparer::run() {
  pthread_setname_np(pthread_self(), "wal-prepare");
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || (requested_ != 0 && requested_ != ready_); });
    if (stop_) return;
    const std::uint64_t index = requested_;
    lock.unlock();
    std::string error;
    try {
      const std::filesystem::path path = temp_path(dir_, index);
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
      WalSegment::create(path, bytes_, io_);
    } catch (const std::exception& e) {
      error = e.what();
    }
    lock.lock();
    if (error.empty()) {
      ready_ = index;
    } else {
      error_ = error;
    }
    if (requested_ == index) requested_ = 0;
    cv_.notify_all();
  }
}

}  // namespace matchgate::wal
