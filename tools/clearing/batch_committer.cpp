#include "batch_committer.hpp"

#include <unistd.h>

#include <cstdio>
#include <optional>
#include <utility>

#include "matchgate/crypto/sm3.hpp"
#include "matchgate/util/assert.hpp"
#include "trade_rows.hpp"

namespace matchgate::clearing_load {

BatchCommitter::BatchCommitter(PgConnection& db, const LoadProgress& committed, int pause_in_batch)
    : db_(db),
      pause_in_batch_(pause_in_batch),
      copy_statement_("COPY trade_records (" + std::string(kTradeColumns) +
                      ") FROM STDIN (FORMAT binary)"),
      committed_(committed),
      thread_([this] { run(); }) {}

BatchCommitter::~BatchCommitter() {
  {
    const std::lock_guard lock(mutex_);
    closing_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BatchCommitter::hand_over() {
  std::unique_lock lock(mutex_);
  throw_if_failed();
  MATCHGATE_ASSERT(queued_ < kBuffers, "the buffer being filled is not queued");
  ++queued_;
  changed_.notify_all();
  filling_ = (filling_ + 1) % kBuffers;
  // The next buffer is free once every batch queued before it is committed.
  scanner_wait(lock, [this] { return queued_ < kBuffers || failure_; });
  throw_if_failed();
  lock.unlock();
  TradeBatch& next = buffers_[filling_];
  next.rows.clear();
  next.trades = 0;
}

void BatchCommitter::finish() {
  std::unique_lock lock(mutex_);
  scanner_wait(lock, [this] { return queued_ == 0 || failure_; });
  throw_if_failed();
}

LoadProgress BatchCommitter::committed() const {
  const std::lock_guard lock(mutex_);
  return committed_;
}

std::uint64_t BatchCommitter::batches_committed() const {
  const std::lock_guard lock(mutex_);
  return batches_;
}

std::uint64_t BatchCommitter::trades_committed() const {
  const std::lock_guard lock(mutex_);
  return trades_;
}

std::chrono::nanoseconds BatchCommitter::scanner_waited() const {
  const std::lock_guard lock(mutex_);
  return scanner_waited_;
}

std::chrono::nanoseconds BatchCommitter::committing() const {
  const std::lock_guard lock(mutex_);
  return committing_;
}

template <class Ready>
void BatchCommitter::scanner_wait(std::unique_lock<std::mutex>& lock, Ready ready) {
  if (ready()) return;
  const auto start = std::chrono::steady_clock::now();
  changed_.wait(lock, ready);
  scanner_waited_ += std::chrono::steady_clock::now() - start;
}

void BatchCommitter::throw_if_failed() const {
  if (failure_) std::rethrow_exception(failure_);
}

// Commits the queued buffers oldest first until closing with none left;
// stops at the first that fails (the batches after it stay uncommitted).
void BatchCommitter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return queued_ > 0 || closing_; });
    if (queued_ == 0) return;
    const TradeBatch& batch = buffers_[next_];
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    std::exception_ptr failure;
    try {
      commit(batch);
    } catch (...) {
      failure = std::current_exception();
    }
    const auto took = std::chrono::steady_clock::now() - start;
    lock.lock();
    committing_ += took;
    if (failure) {
      failure_ = failure;
      changed_.notify_all();
      return;
    }
    committed_ = batch.progress;
    ++batches_;
    trades_ += batch.trades;
    next_ = (next_ + 1) % kBuffers;
    --queued_;
    changed_.notify_all();
  }
}

void BatchCommitter::commit(const TradeBatch& batch) {
  db_.exec("BEGIN");
  try {
    claim_progress(batch);
    if (!batch.rows.empty()) {
      db_.copy_in(copy_statement_, {kCopyBinaryHeader, batch.rows, kCopyBinaryTrailer});
    }
    // Only this thread writes batches_: reading it unlocked is no race.
    if (pause_in_batch_ > 0 && batches_ + 1 == static_cast<std::uint64_t>(pause_in_batch_)) {
      pause_for_test_hook(batch);
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
}

// Moves load_progress to the batch's end if it still holds what this
// loader committed last; the update locks the row until COMMIT, so no other
// loader can move it in between either.
void BatchCommitter::claim_progress(const TradeBatch& batch) {
  const LoadProgress& p = batch.progress;
  const std::string expected = std::to_string(committed_.last_seq);
  PgRows updated = db_.query(
      "UPDATE load_progress SET last_seq = $1, chain_seq = $2, chain_hash = $3::bytea, "
      "chain_boots = $4, trades_loaded = trades_loaded + $5, chain_offset = $7, "
      "updated_at = now() WHERE id = 1 AND last_seq = $6",
      {std::to_string(p.last_seq), std::to_string(p.chain_seq),
       p.chain_seq > 0 ? std::optional<std::string>("\\x" + crypto::to_hex(p.chain_hash))
                       : std::nullopt,
       std::to_string(p.chain_boots), std::to_string(batch.trades), expected,
       std::to_string(p.chain_offset)});
  if (updated.affected_rows() == 1) return;
  PgRows now = db_.query("SELECT last_seq FROM load_progress WHERE id = 1");
  const std::string moved_to = now.rows() == 1 ? now.text(0, 0) : "(no row)";
  throw LoadError("load_progress moved to record " + moved_to + " under this loader (" + expected +
                  "): another loader wrote it");
}

void BatchCommitter::pause_for_test_hook(const TradeBatch& batch) const {
  std::fprintf(stderr,
               "matchgate-clearing: test hook: paused in batch %d before COMMIT (records up to "
               "%llu)\n",
               pause_in_batch_, static_cast<unsigned long long>(batch.progress.last_seq));
  std::fflush(stderr);
  for (;;) ::pause();
}

}  // namespace matchgate::clearing_load
