#pragma once
// Zero-fills the next segment file on its own thread while the current one
// is being written, so that a rotation costs a rename, not 64 MiB of writes
// in the commit loop.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include "matchgate/wal/file_io.hpp"

namespace matchgate::wal {

class SegmentPreparer {
 public:
  SegmentPreparer(std::filesystem::path dir, std::uint64_t segment_bytes,
                  FileIo& io = posix_file_io());
  ~SegmentPreparer();
  SegmentPreparer(const SegmentPreparer&) = delete;
  SegmentPreparer& operator=(const SegmentPreparer&) = delete;

  // Starts preparing the file for segment `index` (one at a time).
  void request(std::uint64_t index);
  // Waits until segment `index` (requested before) is ready and returns its
  // temporary path. Throws std::runtime_error if preparing it failed.
  std::filesystem::path take(std::uint64_t index);
  // prepare-<index>.tmp: not a segment name, so readers never mistake it
  // for part of the log; leftovers of a crash are removed at start.
  static std::filesystem::path temp_path(const std::filesystem::path& dir, std::uint64_t index);
  static void remove_leftovers(const std::filesystem::path& dir);

 private:
  void run();

  std::filesystem::path dir_;
  std::uint64_t bytes_;
  FileIo& io_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t requested_ = 0;
  std::uint64_t ready_ = 0;
  std::string error_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace matchgate::wal
