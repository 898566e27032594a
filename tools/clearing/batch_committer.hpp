#pragma once
// matchgate-clearing load's second thread: it commits the batches the
// scanning thread hands it, in order, while the scanning thread reads,
// verifies and formats the next one, so the loader's CPU and the
// PostgreSQL server's run side by side instead of one after the other.
//
// Each batch is one transaction holding its trade rows and the
// load_progress row it leads to; the progress update names the last_seq of
// the batch committed before (WHERE last_seq = ...), so a row another
// loader moved fails the batch instead of doubling records. Two buffers:
// the scanning thread fills one while the other commits; handing a full
// buffer over waits only while the other is still being committed. After
// a batch fails nothing after it commits, and its error is thrown to the
// scanning thread at its next hand_over() or finish().
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "pg_connection.hpp"
#include "trade_loader.hpp"

namespace matchgate::clearing_load {

// One transaction's worth of trades, as the scanning thread hands it over.
struct TradeBatch {
  std::string rows;  // its trade rows in binary COPY format; capacity kept across batches
  std::uint64_t trades = 0;
  // load_progress once the batch is committed (trades_loaded: the total).
  LoadProgress progress;
};

class BatchCommitter {
 public:
  // `db` is the committing thread's from here until destruction;
  // `committed` is what load_progress holds now. pause_in_batch:
  // LoadSettings::pause_in_batch (the test hook), counted from 1 here.
  BatchCommitter(PgConnection& db, const LoadProgress& committed, int pause_in_batch);
  // Commits what was handed over (errors are dropped: call finish() to see
  // them), then stops the thread.
  ~BatchCommitter();
  BatchCommitter(const BatchCommitter&) = delete;
  BatchCommitter& operator=(const BatchCommitter&) = delete;

  // The scanning thread's buffer, empty after hand_over().
  TradeBatch& filling() noexcept { return buffers_[filling_]; }
  // Queues filling() behind the batches handed over before it, then waits
  // until the next buffer is free. Throws the error of a batch that failed.
  void hand_over();
  // Waits until every batch handed over is committed; throws the error of
  // a batch that failed.
  void finish();

  // What the last batch committed left in load_progress.
  LoadProgress committed() const;
  std::uint64_t batches_committed() const;
  std::uint64_t trades_committed() const;
  // Where the time went, to tell which side is the bottleneck: the
  // scanning thread waiting in hand_over() and finish() for commits, and
  // the committing thread inside transactions.
  std::chrono::nanoseconds scanner_waited() const;
  std::chrono::nanoseconds committing() const;

 private:
  static constexpr std::size_t kBuffers = 2;

  void run();
  void commit(const TradeBatch& batch);
  void claim_progress(const TradeBatch& batch);
  void pause_for_test_hook(const TradeBatch& batch) const;
  void throw_if_failed() const;  // mutex_ held
  // Waits (mutex_ held by `lock`) until `ready`, counting the time in scanner_waited_.
  template <class Ready>
  void scanner_wait(std::unique_lock<std::mutex>& lock, Ready ready);

  PgConnection& db_;
  const int pause_in_batch_;
  const std::string copy_statement_;
  std::array<TradeBatch, kBuffers> buffers_;
  std::size_t filling_ = 0;  // only the scanning thread touches it and its buffer

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  // Handed over, not yet committed: queued_ buffers from next_ on.
  std::size_t queued_ = 0;
  std::size_t next_ = 0;
  bool closing_ = false;
  std::exception_ptr failure_;
  LoadProgress committed_;
  std::uint64_t batches_ = 0;
  std::uint64_t trades_ = 0;
  std::chrono::nanoseconds scanner_waited_{0};
  std::chrono::nanoseconds committing_{0};

  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace matchgate::clearing_load
