#pragma once
// How a write-ahead log is written. The daemon fills this from [wal] in its
// config (docs/CONFIG.md); docs/WAL.md explains each choice.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace matchgate::wal {

class FileIo;

enum class SyncMode : std::uint8_t {
  Group,  // results leave only after their records are fdatasync'd
  Async,  // results leave at once; each commit is fdatasync'd right after it is written
  None,   // records are written, never fdatasync'd (benchmarks); "durable" means written
};

struct WalOptions {
  std::filesystem::path dir = "var/wal";  // relative: to the working directory
  SyncMode sync = SyncMode::Group;
  // Group mode: a group is committed when its first record has waited
  // group_commit or it holds group_commit_bytes, whichever comes first
  // (async and none commit every duty cycle). Records arriving while a
  // commit's fdatasync runs form the next group by themselves, so 0 still
  // batches under load.
  std::chrono::microseconds group_commit{0};
  std::size_t group_commit_bytes = std::size_t{1} << 20;
  // Group mode: after group_commit, a group also waits (at most this long)
  // until its producers have settled it (WalProducer::settle), so that an
  // acknowledgement and the request it answers share one fdatasync instead
  // of waiting for two. 0: no wait.
  std::chrono::microseconds hold_for_reports{100};
  std::uint64_t segment_bytes = std::uint64_t{64} << 20;
  std::chrono::milliseconds seal_interval{10};
  std::string sm2_id = "1234567812345678";
  std::size_t producer_ring_bytes = std::size_t{64} << 20;
  std::string software = "matchgate";  // written into Start records
  // The file system calls of the writer and its segment preparer; nullptr:
  // the real ones (posix_file_io()). Tests put a fault-injecting one here.
  FileIo* file_io = nullptr;
};

// Where an existing log ends: what a writer continues from.
struct LogTail {
  std::uint64_t next_seq = 1;
  std::array<std::uint8_t, 32> last_hash{};
  std::uint64_t next_segment_index = 1;
  std::uint64_t boots = 0;  // Start records so far
};

const char* to_string(SyncMode m) noexcept;

}  // namespace matchgate::wal
