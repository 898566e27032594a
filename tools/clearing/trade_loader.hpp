#pragma once
// matchgate-clearing load's engine: reads the log's Trade records and
// loads them into PostgreSQL exactly once by log sequence number. Each
// batch (its trade rows and the new load_progress row) is one
// transaction, so a loader killed at any point leaves either the whole
// batch or none of it, and the next run goes on after the last committed
// record. The progress row also keeps the last block end at or before it
// (sequence number, chain hash, Start records so far): the next scan
// starts there (wal::ScanOptions::start), which both skips the log
// already loaded and checks that the log is still the one loaded from.
// The scanning thread reads, verifies and formats the log while a second
// thread commits the batch before (batch_committer.hpp); a scan returns
// once everything it read is committed.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "matchgate/clearing/clearing_options.hpp"
#include "matchgate/crypto/sm2.hpp"
#include "matchgate/wal/wal_reader.hpp"

namespace matchgate::clearing_load {

// The log is damaged or not the one the database was loaded from, or the
// database is in use by another loader: not retried.
struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct LoadSettings {
  std::filesystem::path wal_dir;
  // The seals are checked against the SM2 public key `pubkey`, or when it
  // is empty the public half of the private key `sign_key` (the daemon's).
  std::filesystem::path pubkey;
  std::filesystem::path sign_key;
  std::string sm2_id = std::string(crypto::kDefaultSm2Id);
  std::string conninfo;
  // Names and carry flags for the reference tables (the `trades` view
  // joins the names by number); empty vectors without a config.
  clearing::ClearingOptions names;
  std::size_t batch_trades = 1000;
  bool follow = false;
  std::chrono::milliseconds poll{200};
  // --follow gives up after this many scans in a row that end in the same
  // problem (one may be a segment caught mid-rotation).
  int problem_retries = 20;
  // Test hook (MATCHGATE_CLEARING_PAUSE_IN_BATCH): in the batch with this
  // number (1 = the run's first), after sending its rows and progress but
  // before COMMIT, say so on stderr and wait for a signal forever. 0: off.
  int pause_in_batch = 0;
  // Set (e.g. by SIGINT/SIGTERM) to stop after the current batch.
  const std::atomic<bool>* stop = nullptr;
  // Progress lines for the operator; none when empty.
  std::function<void(const std::string&)> note;
};

// Where the database stands (load_progress).
struct LoadProgress {
  std::uint64_t last_seq = 0;     // every record up to here is loaded
  std::uint64_t chain_seq = 0;    // a block end <= last_seq (0: none yet)
  wal::Hash chain_hash{};         // that block's chain hash
  std::uint64_t chain_boots = 0;  // Start records up to chain_seq
  // Where that block is in its segment: the next scan reads it there
  // (wal::StartPoint::block_offset) instead of framing the blocks before it.
  std::uint64_t chain_offset = 0;
  std::uint64_t trades_loaded = 0;
};

struct LoadStats {
  std::uint64_t trades = 0;   // trade rows loaded by this run
  std::uint64_t batches = 0;  // transactions committed by this run
  std::uint64_t scans = 0;
  // The scanning thread waiting for commits (the server the slower side
  // when large), and the committing thread inside transactions.
  std::chrono::nanoseconds scanner_waited{0};
  std::chrono::nanoseconds committing{0};
  LoadProgress progress;  // at the end
};

// Connects, creates the schema if absent, stores the reference data, then
// loads (once, or following the log until `stop`). Throws LoadError or
// PgError; what was committed before stays.
LoadStats run_load(const LoadSettings& settings);

}  // namespace matchgate::clearing_load
