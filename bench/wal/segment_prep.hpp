#pragma once
// wal_bench --prepare-segments: what getting a new segment ready costs, and
// what each way of preparing it costs every later commit into it.
#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace matchgate::wal_bench {

struct SegmentPrepOptions {
  std::filesystem::path dir;         // scratch directory on the disk to measure
  std::uint64_t segment_bytes = 0;   // size of each prepared file
  std::size_t appends_per_size = 0;  // pwrite + fdatasync samples per append size
  int reps = 0;                      // interleaved repetitions; medians are printed
};

// Prints one line per repetition and a table of medians; returns the exit
// status (0, or 1 when a file operation failed).
int run_segment_preparation(const SegmentPrepOptions& options);

}  // namespace matchgate::wal_bench
