#include "trade_loader.hpp"

#include <string>
#include <thread>

#include "batch_committer.hpp"
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
      "SELECT last_seq, chain_seq, encode(chain_hash, 'hex'), chain_boots, trades_loaded, "
      "chain_offset FROM load_progress WHERE id = 1");
  if (r.rows() != 1) throw LoadError("load_progress has no row: not a matchgate clearing schema");
  LoadProgress p;
  p.last_seq = std::stoull(r.text(0, 0));
  p.chain_seq = std::stoull(r.text(0, 1));
  if (const auto hex = r.get(0, 2)) p.chain_hash = hash_from_hex(*hex);
  p.chain_boots = std::stoull(r.text(0, 3));
  p.trades_loaded = std::stoull(r.text(0, 4));
  p.chain_offset = std::stoull(r.text(0, 5));
  return p;
}

// One loader over one database connection: scans the log from where the
// database stands, formats batches as they fill and hands them to a
// BatchCommitter, which commits them on its own thread in order.
class TradeLoader {
 public:
  TradeLoader(PgConnection& db, const LoadSettings& settings, const crypto::Sm2PublicKey& key)
      : settings_(settings),
        key_(key),
        committer_(db, read_progress(db), settings.pause_in_batch),
        handed_(committer_.committed()) {}

  // One pass over the log after what is committed; returns once every
  // batch it handed over is committed: what it read unless the scan found
  // a problem (then only the full batches before it). A follow scan ends
  // at the last segment's first zero length field
  // (wal::ScanOptions::end_at_zero_length).
  wal::ScanResult scan(bool follow_scan);
  // Between scans (scan() has returned).
  LoadProgress committed() const { return committer_.committed(); }
  LoadStats stats() const;

 private:
  void take(const wal::RecordView& v);
  void hand_over();
  void reset_pending();

  const LoadSettings& settings_;
  const crypto::Sm2PublicKey& key_;
  BatchCommitter committer_;
  LoadProgress handed_;      // where the batches handed over lead
  LoadProgress pending_;     // handed_ plus the records taken since
  std::uint64_t boots_ = 0;  // Start records up to the record being taken
  std::uint64_t scans_ = 0;
};

LoadStats TradeLoader::stats() const {
  LoadStats s;
  s.trades = committer_.trades_committed();
  s.batches = committer_.batches_committed();
  s.scans = scans_;
  s.scanner_waited = committer_.scanner_waited();
  s.committing = committer_.committing();
  s.progress = committer_.committed();
  return s;
}

void TradeLoader::reset_pending() {
  pending_ = handed_;
  TradeBatch& batch = committer_.filling();
  batch.rows.clear();
  batch.trades = 0;
}

wal::ScanResult TradeLoader::scan(bool follow_scan) {
  handed_ = committer_.committed();  // the previous scan handed over nothing uncommitted
  reset_pending();
  wal::ScanOptions options;
  options.key = &key_;
  options.sm2_id = settings_.sm2_id;
  options.end_at_zero_length = follow_scan;
  boots_ = 0;
  if (handed_.chain_seq > 0) {
    options.start = wal::StartPoint{handed_.chain_seq, handed_.chain_hash, handed_.chain_boots,
                                    handed_.chain_offset};
    boots_ = handed_.chain_boots;
  }
  ++scans_;
  wal::ScanResult result;
  try {
    result =
        wal::scan_log(settings_.wal_dir, options, [this](const wal::RecordView& v) { take(v); });
  } catch (const StopScan&) {
    committer_.finish();  // the batches before the stop are committed
    return result;
  }
  if (result.ok() && pending_.last_seq > handed_.last_seq) hand_over();
  committer_.finish();
  return result;
}

void TradeLoader::take(const wal::RecordView& v) {
  const std::uint64_t seq = v.header.seq;
  if (v.header.type == kStartType) ++boots_;
  TradeBatch& batch = committer_.filling();
  if (seq > handed_.last_seq) {
    MATCHGATE_ASSERT(seq == pending_.last_seq + 1, "the log delivers records in sequence");
    if (v.header.type == kTradeType) {
      const std::optional<records::TradeRecord> trade = records::decode_trade(v.payload);
      if (!trade) throw LoadError("record " + std::to_string(seq) + ": malformed Trade record");
      append_trade_row(batch.rows, seq, v.header.time_ns, *trade);
      ++batch.trades;
    }
    pending_.last_seq = seq;
  }
  if (v.ends_block()) {
    pending_.chain_seq = seq;
    pending_.chain_hash = v.block->hash;
    pending_.chain_boots = boots_;
    pending_.chain_offset = v.block->offset;
  }
  if (batch.trades >= settings_.batch_trades) {
    hand_over();
    if (settings_.stop != nullptr && settings_.stop->load()) throw StopScan{};
  }
}

// The batch leads load_progress to pending_; the next one starts there.
void TradeLoader::hand_over() {
  TradeBatch& batch = committer_.filling();
  pending_.trades_loaded = handed_.trades_loaded + batch.trades;
  batch.progress = pending_;
  handed_ = pending_;
  committer_.hand_over();
  reset_pending();
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
    const std::uint64_t before = loader.stats().trades;
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
      // Behind (the scan found a batch's worth or more): scan again at once;
      // waiting would only let the lag grow while the daemon trades.
      if (loader.stats().trades - before >= s.batch_trades) continue;
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
  const LoadStats stats = loader.stats();
  note(s, "loaded " + std::to_string(stats.trades) + " trade rows in " +
              std::to_string(stats.batches) + " transactions; database at record " +
              std::to_string(stats.progress.last_seq));
  return stats;
}

}  // namespace matchgate::clearing_load
