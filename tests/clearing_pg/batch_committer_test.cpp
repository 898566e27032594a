// The loader's committing thread against a real PostgreSQL server: the
// batches handed to it are committed in order, each with the progress row
// it leads to; a batch that fails stops every batch after it and its error
// reaches the scanning thread; a progress row another writer moved fails
// the batch; batches handed over before the committer is destroyed (the
// scanning thread failing) are still committed.
#include "batch_committer.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "clearing_schema.hpp"
#include "load_support.hpp"
#include "pg_server.hpp"
#include "trade_log.hpp"
#include "trade_rows.hpp"

namespace matchgate::testing {
namespace {

using clearing_load::BatchCommitter;
using clearing_load::LoadProgress;
using clearing_load::PgConnection;
using clearing_load::TradeBatch;

class BatchCommitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<PgServer>();
    server_->create_database("clearing");
    committer_db_ = std::make_unique<PgConnection>(server_->conninfo("clearing"));
    clearing_load::ensure_schema(*committer_db_);
    check_db_ = std::make_unique<PgConnection>(server_->conninfo("clearing"));
    script_.day(20261118, 400);
  }

  // Fills `batch` with the trades of records `first`..`first + count - 1`
  // (sequence numbers = record numbers), leading the progress to the last.
  void fill(TradeBatch& batch, std::uint64_t first, std::uint64_t count,
            std::uint64_t trades_before) {
    for (std::uint64_t seq = first; seq < first + count; ++seq) {
      clearing_load::append_trade_row(batch.rows, seq,
                                      1'795'000'000'000'000'000 + static_cast<std::int64_t>(seq),
                                      script_.records().at(seq - 1));
      ++batch.trades;
    }
    batch.progress.last_seq = first + count - 1;
    batch.progress.trades_loaded = trades_before + count;
  }

  Rows loaded_seqs() { return select_rows(*check_db_, "SELECT seq FROM trades ORDER BY seq"); }
  Rows progress() {
    return select_rows(*check_db_, "SELECT last_seq, trades_loaded FROM load_progress");
  }
  static Rows seqs(std::uint64_t first, std::uint64_t last) {
    Rows out;
    for (std::uint64_t s = first; s <= last; ++s) out.push_back({std::to_string(s)});
    return out;
  }

  std::unique_ptr<PgServer> server_;
  std::unique_ptr<PgConnection> committer_db_;
  std::unique_ptr<PgConnection> check_db_;
  TradeScript script_{sample_names(), 31};
};

TEST_F(BatchCommitterTest, CommitsTheBatchesHandedOverInOrderWithTheirProgress) {
  BatchCommitter committer(*committer_db_, LoadProgress{}, 0);
  for (std::uint64_t b = 0; b < 40; ++b) {
    fill(committer.filling(), b * 7 + 1, 7, b * 7);
    committer.hand_over();
  }
  committer.finish();
  EXPECT_EQ(loaded_seqs(), seqs(1, 280));
  EXPECT_EQ(progress(), (Rows{{"280", "280"}}));
  EXPECT_EQ(committer.committed().last_seq, 280U);
  EXPECT_EQ(committer.batches_committed(), 40U);
  EXPECT_EQ(committer.trades_committed(), 280U);
}

TEST_F(BatchCommitterTest, AFailedBatchStopsEveryBatchAfterItAndItsErrorReachesTheScanner) {
  BatchCommitter committer(*committer_db_, LoadProgress{}, 0);
  fill(committer.filling(), 1, 10, 0);
  committer.hand_over();
  // Record 5 again: the primary key refuses the batch.
  fill(committer.filling(), 11, 10, 10);
  fill(committer.filling(), 5, 1, 20);
  committer.filling().progress.last_seq = 21;
  // Thrown at the hand-over after the failed batch or at the end, whichever
  // comes after the failure; the batches after it never commit.
  EXPECT_THROW(
      {
        committer.hand_over();
        for (std::uint64_t b = 0; b < 5; ++b) {
          fill(committer.filling(), 22 + b * 10, 10, 21 + b * 10);
          committer.hand_over();
        }
        committer.finish();
      },
      clearing_load::PgError);
  EXPECT_EQ(loaded_seqs(), seqs(1, 10));
  EXPECT_EQ(progress(), (Rows{{"10", "10"}}));
  EXPECT_EQ(committer.committed().last_seq, 10U);
  EXPECT_EQ(committer.batches_committed(), 1U);
  EXPECT_THROW(committer.finish(), clearing_load::PgError);  // and stays failed
}

TEST_F(BatchCommitterTest, AProgressRowAnotherWriterMovedFailsTheBatch) {
  BatchCommitter committer(*committer_db_, LoadProgress{}, 0);
  check_db_->exec("UPDATE load_progress SET last_seq = 5");
  fill(committer.filling(), 1, 10, 0);
  committer.hand_over();
  try {
    committer.finish();
    FAIL() << "committed over a moved progress row";
  } catch (const clearing_load::LoadError& e) {
    EXPECT_NE(std::string(e.what()).find("load_progress moved to record 5 under this loader (0)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(loaded_seqs(), Rows{});
  EXPECT_EQ(progress(), (Rows{{"5", "0"}}));
}

TEST_F(BatchCommitterTest, BatchesHandedOverBeforeDestructionAreCommitted) {
  {
    BatchCommitter committer(*committer_db_, LoadProgress{}, 0);
    fill(committer.filling(), 1, 30, 0);
    committer.hand_over();
    fill(committer.filling(), 31, 30, 30);
    committer.hand_over();
    fill(committer.filling(), 61, 30, 60);  // never handed over
  }
  EXPECT_EQ(loaded_seqs(), seqs(1, 60));
  EXPECT_EQ(progress(), (Rows{{"60", "60"}}));
}

}  // namespace
}  // namespace matchgate::testing
