#pragma once
// The files of a killed process as a power cut would have left them, from
// the journal its wal::JournalingFileIo kept (the daemon's
// MATCHGATE_TEST_POWER_JOURNAL hook, docs/WAL.md 12): for every file,
// every write after that file's last successful fdatasync/fsync is undone,
// newest first. Creating and renaming files count as durable at once (the
// log fsyncs the directory right after each); a file never synced comes
// back as it was created, empty. Files removed since (retention, leftovers)
// stay removed.
#include <cstddef>
#include <filesystem>

#include "support/fault_injecting_io.hpp"  // Tear

namespace matchgate::testing {

struct PowerCutReport {
  std::size_t files_changed = 0;  // files that lost at least one write
  std::size_t writes_undone = 0;  // over all files
  std::size_t writes_kept = 0;    // synced, over all files
};

// Applies the power cut to the files named in `journal`. With Tear::half,
// each file keeps the first half of its last unsynced write (a torn
// write). Throws std::runtime_error if the journal or a file cannot be
// read or rewritten.
PowerCutReport apply_power_cut(const std::filesystem::path& journal, Tear tear = Tear::none);

}  // namespace matchgate::testing
