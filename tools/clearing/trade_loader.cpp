#include "trade_loader.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include "clearing_schema.hpp"
#include "matchgate/records/record_types.hpp"
#include "matchgate/util/assert.hpp"
#include "pg_connection.hpp"
#include "trade_rows.hpp"

namespace matchgate::clearing_load {

namespace {

// Held for the session: one loader per database at a time.
constexpr const char* kLoaderLock = "SELECT pg_try_advisory_lock(7736002)";
constexpr std::uint16_t kTradeType = records::to_wire(records::RecordType::Trade);
constexpr std::uint16_t kStartType = static_cast<std::uint16_t>(wal::RecordType::Start);

// Thrown from the scan's callback to end a scan early (stop requested).
struct StopScan {};

wal::Hash hash_from_hex(const std::string& hex) {
  wal::Hash h{};
  if (hex.size() != h.size() * 2) throw LoadError("load_progress.chain_hash is not 32 bytes");
  for (std::size_t i = 0; i < h.size(); ++i) {
    h[i] = static_cast<std::uint8_t>(std::stoul(hex.substr(i * 2, 2), nullptr, 16));
  }
  return h;
}

LoadProgress read_progress(PgConnection& db) {
  PgRows r = db.query(
      "SELECT last_seq, chain_seq, encode(chain_hash, 'hex'), chain_boots, trades_loaded "
      "FROM load_progress WHERE id = 1");
  if (r.rows() != 1) throw LoadError("load_progress has no row: not a matchgate clearing schema");
  LoadProgress p;
  p.last_seq = std::stoull(r.text(0, 0));
  p.chain_seq = std::stoull(r.text(0, 1));
  if (const auto hex = r.get(0, 2)) p.chain_hash = hash_from_hex(*hex);
  p.chain_boots = std::stoull(r.text(0, 3));
  p.trades_loaded = std::stoull(r.text(0, 4));
  return p;
}

// One loader over one database connection: scans the log from where the
// database stands and commits batches as they fill.
class TradeLoader {
 public:
  TradeLoader(PgConnection& db, const LoadSettings& settings, const crypto::Sm2PublicKey& key)
      : db_(db),
        settings_(settings),
        key_(key),
        committed_(read_progress(db)),
        row_writer_(settings.names) {}

  // One pass over the log after committed_; commits what it read unless
  // the scan found a problem (then only the full batches before it). A
  // follow scan ends at the last segment's first zero length field
  // (wal::ScanOptions::end_at_zero_length).
  wal::ScanResult scan(bool follow_scan);
  const LoadProgress& committed() const noexcept { return committed_; }
  LoadStats& stats() noexcept { return stats_; }

 private:
  void take(const wal::RecordView& v);
  void commit();
  void pause_for_test_hook() const;
  void reset_pending();

  PgConnection& db_;
  const LoadSettings& settings_;
  const crypto::Sm2PublicKey& key_;
  LoadProgress committed_;
  LoadProgress pending_;  // committed_ plus the records taken since
  std::uint64_t pending_trades_ = 0;
  std::uint64_t boots_ = 0;  // Start records up to the record being taken
  TradeRowWriter row_writer_;
  std::string rows_;  // the batch's COPY text, its capacity kept across batches
  LoadStats stats_;
};

void TradeLoader::reset_pending() {
  pending_ = committed_;
  pending_trades_ = 0;
  rows_.clear();
}

wal::ScanResult TradeLoader::scan(bool follow_scan) {
  reset_pending();
  wal::ScanOptions options;
  options.key = &key_;
  options.sm2_id = settings_.sm2_id;
  options.end_at_zero_length = follow_scan;
  boots_ = 0;
  if (committed_.chain_seq > 0) {
    options.start =
        wal::StartPoint{committed_.chain_seq, committed_.chain_hash, committed_.chain_boots};
    boots_ = committed_.chain_boots;
  }
  ++stats_.scans;
  wal::ScanResult result;
  try {
    result =
        wal::scan_log(settings_.wal_dir, options, [this](const wal::RecordView& v) { take(v); });
  } catch (const StopScan&) {
    return result;  // the batches before the stop are committed
  }
  if (result.ok() && pending_.last_seq > committed_.last_seq) commit();
  return result;
}

void TradeLoader::take(const wal::RecordView& v) {
  const std::uint64_t seq = v.header.seq;
  if (v.header.type == kStartType) ++boots_;
  if (seq > committed_.last_seq) {
    MATCHGATE_ASSERT(seq == pending_.last_seq + 1, "the log delivers records in sequence");
    if (v.header.type == kTradeType) {
      const std::optional<records::TradeRecord> trade = records::decode_trade(v.payload);
      if (!trade) throw LoadError("record " + std::to_string(seq) + ": malformed Trade record");
      row_writer_.append(rows_, seq, v.header.time_ns, *trade);
      ++pending_trades_;
    }
    pending_.last_seq = seq;
  }
  if (v.ends_block()) {
    pending_.chain_seq = seq;
    pending_.chain_hash = v.block->hash;
    pending_.chain_boots = boots_;
  }
  if (pending_trades_ >= settings_.batch_trades) {
    commit();
    if (settings_.stop != nullptr && settings_.stop->load()) throw StopScan{};
  }
}

// The batch and the progress row in one transaction; the progress row is
// locked and must still say what this loader last committed.
void TradeLoader::commit() {
  db_.exec("BEGIN");
  try {
    PgRows now = db_.query("SELECT last_seq FROM load_progress WHERE id = 1 FOR UPDATE");
    if (now.text(0, 0) != std::to_string(committed_.last_seq)) {
      throw LoadError("load_progress moved to record " + now.text(0, 0) + " under this loader (" +
                      std::to_string(committed_.last_seq) + "): another loader wrote it");
    }
    if (!rows_.empty())
      db_.copy_in("COPY trades (" + std::string(kTradeColumns) + ") FROM STDIN", rows_);
    const bool has_chain = pending_.chain_seq > 0;
    db_.query(
        "UPDATE load_progress SET last_seq = $1, chain_seq = $2, chain_hash = $3::bytea, "
        "chain_boots = $4, trades_loaded = trades_loaded + $5, updated_at = now() WHERE id = 1",
        {std::to_string(pending_.last_seq), std::to_string(pending_.chain_seq),
         has_chain ? std::optional<std::string>("\\x" + crypto::to_hex(pending_.chain_hash))
                   : std::nullopt,
         std::to_string(pending_.chain_boots), std::to_string(pending_trades_)});
    if (settings_.pause_in_batch > 0 &&
        stats_.batches + 1 == static_cast<std::uint64_t>(settings_.pause_in_batch)) {
      pause_for_test_hook();
    }
    db_.exec("COMMIT");
  } catch (...) {
    try {
      db_.exec("ROLLBACK");
    } catch (const PgError&) {
      // The connection is gone; the server rolls the transaction back itself.
    }
    throw;
  }
  pending_.trades_loaded = committed_.trades_loaded + pending_trades_;
  committed_ = pending_;
  stats_.trades += pending_trades_;
  ++stats_.batches;
  reset_pending();
}

void TradeLoader::pause_for_test_hook() const {
  std::fprintf(stderr,
               "matchgate-clearing: test hook: paused in batch %d before COMMIT (records up to "
               "%llu)\n",
               settings_.pause_in_batch, static_cast<unsigned long long>(pending_.last_seq));
  std::fflush(stderr);
  for (;;) ::pause();
}

void note(const LoadSettings& s, const std::string& what) {
  if (s.note) s.note(what);
}

// Sleeps `poll`, waking early when a stop is requested.
void wait_poll(const LoadSettings& s) {
  const auto until = std::chrono::steady_clock::now() + s.poll;
  while (std::chrono::steady_clock::now() < until && !(s.stop != nullptr && s.stop->load())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool stop_requested(const LoadSettings& s) {
  return s.stop != nullptr && s.stop->load();
}

// Which scans of a follow run check the active segment's zero tail. A
// follow scan stops at the first zero length field; once the log's end has
// stayed where it was for a poll (the daemon idle, or a block whose length
// field was zeroed with blocks after it, damage that looks like the end to
// a follow scan), the next scan checks the whole tail, once per end.
class TailChecks {
 public:
  bool next_is_whole() const noexcept { return whole_next_; }
  void scanned(const wal::ScanResult& r, bool was_whole) {
    if (!r.ok()) return;  // retried the same way
    const std::uint64_t end = r.tail.next_seq;
    if (was_whole) checked_end_ = end;
    whole_next_ = end == previous_end_ && end != checked_end_;
    previous_end_ = end;
  }

 private:
  std::uint64_t previous_end_ = 0;  // the log's next seq after the previous scan
  std::uint64_t checked_end_ = 0;   // ... after the last scan that checked the tail
  bool whole_next_ = false;
};

void follow(TradeLoader& loader, const LoadSettings& s) {
  std::string last_problem;
  int repeats = 0;
  TailChecks tail;
  while (!stop_requested(s)) {
    if (wal::list_segments(s.wal_dir).empty()) {
      wait_poll(s);  // the daemon has not started its log yet
      continue;
    }
    const bool whole = tail.next_is_whole();
    const wal::ScanResult r = loader.scan(!whole);
    tail.scanned(r, whole);
    if (r.problem) {
      const std::string what = r.problem->describe();
      repeats = what == last_problem ? repeats + 1 : 1;
      if (repeats >= s.problem_retries) throw LoadError("the log is damaged: " + what);
      if (repeats == 1) note(s, "scan stopped at a problem, retrying: " + what);
      last_problem = what;
    } else {
      repeats = 0;
      last_problem.clear();
    }
    wait_poll(s);
  }
}

}  // namespace

LoadStats run_load(const LoadSettings& s) {
  MATCHGATE_ASSERT(s.batch_trades > 0, "a batch holds at least one trade");
  const crypto::Sm2PublicKey key = s.pubkey.empty()
                                       ? crypto::Sm2PrivateKey::load_pem(s.sign_key).public_key()
                                       : crypto::Sm2PublicKey::load_pem(s.pubkey);
  PgConnection db(s.conninfo);
  if (db.query(kLoaderLock).text(0, 0) != "t") {
    throw LoadError("another matchgate-clearing load is connected to this database");
  }
  ensure_schema(db);
  if (!s.names.members.empty() || !s.names.instruments.empty()) {
    store_reference_data(db, s.names);
  }
  TradeLoader loader(db, s, key);
  note(s, "database at record " + std::to_string(loader.committed().last_seq) + " (" +
              std::to_string(loader.committed().trades_loaded) + " trade rows)");
  if (s.follow) {
    follow(loader, s);
  } else {
    if (wal::list_segments(s.wal_dir).empty()) {
      throw LoadError("no log in " + s.wal_dir.string() + ": no segment files");
    }
    const wal::ScanResult r = loader.scan(false);
    if (r.problem) throw LoadError("the log is damaged: " + r.problem->describe());
  }
  LoadStats stats = loader.stats();
  stats.progress = loader.committed();
  note(s, "loaded " + std::to_string(stats.trades) + " trade rows in " +
              std::to_string(stats.batches) + " transactions; database at record " +
              std::to_string(stats.progress.last_seq));
  return stats;
}

}  // namespace matchgate::clearing_load
