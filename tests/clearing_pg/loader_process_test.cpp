// matchgate-clearing load as a program: SIGKILLed in the middle of a batch
// (the MATCHGATE_CLEARING_PAUSE_IN_BATCH hook holds it between sending a
// batch and COMMIT) and restarted, nothing is doubled and nothing lost;
// with --follow it keeps up with a log that is being written, across
// segment rotations, and stops cleanly on SIGTERM; damage that its follow
// scans take for the log's end still stops it.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "load_support.hpp"
#include "pg_server.hpp"
#include "trade_log.hpp"

namespace matchgate::testing {
namespace {

using clearing_load::PgConnection;

// The loader as a child process, its stderr in a pipe.
class LoaderProcess {
 public:
  LoaderProcess(const std::vector<std::string>& args, const std::string& env = {}) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 2);
      ::close(fds[0]);
      ::close(fds[1]);
      if (!env.empty()) ::putenv(const_cast<char*>(env.c_str()));
      std::vector<char*> argv{const_cast<char*>(MATCHGATE_CLEARING_BIN)};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    err_ = fds[0];
  }
  ~LoaderProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(err_);
  }
  // Reads stderr until `text` appears (true) or it closes (false).
  bool wait_for(const std::string& text) {
    char buf[512];
    while (stderr_.find(text) == std::string::npos) {
      const ssize_t n = ::read(err_, buf, sizeof buf);
      if (n <= 0) return false;
      stderr_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  // Sends `sig`, waits, returns the exit status (-1: killed by a signal).
  int stop(int sig) {
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    wait_for("\x01");  // drain
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  int wait_exit() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    wait_for("\x01");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  const std::string& err() const { return stderr_; }

 private:
  pid_t pid_ = -1;
  int err_ = -1;
  std::string stderr_;
};

class LoaderProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<PgServer>();
    server_->create_database("clearing");
  }
  std::vector<std::string> args(std::vector<std::string> more = {}) const {
    std::vector<std::string> a = {"load",
                                  "--dir",
                                  log_.dir().string(),
                                  "--pubkey",
                                  log_.pub_path().string(),
                                  "--db",
                                  server_->conninfo("clearing")};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
  Rows loaded_seqs() {
    PgConnection db(server_->conninfo("clearing"));
    return select_rows(db, "SELECT seq FROM trades ORDER BY seq");
  }
  static Rows seqs_of(const std::vector<std::pair<std::uint64_t, records::TradeRecord>>& trades,
                      std::size_t count) {
    Rows out;
    for (std::size_t i = 0; i < count; ++i) out.push_back({std::to_string(trades[i].first)});
    return out;
  }

  LogDir log_;
  std::unique_ptr<PgServer> server_;
};

TEST_F(LoaderProcessTest, KilledInTheMiddleOfABatchThenRestartedLoadsEachTradeOnce) {
  TradeScript script(sample_names(), 77);
  script.day(20261118, 600);
  script.day(20261119, 400);
  {
    TradeLogWriter w(log_);
    for (const auto& r : script.records()) w.append(r);
    w.close();
  }
  const auto trades = logged_trades(log_);
  {
    LoaderProcess loader(args({"--batch", "50"}), "MATCHGATE_CLEARING_PAUSE_IN_BATCH=7");
    ASSERT_TRUE(loader.wait_for("paused in batch 7 before COMMIT")) << loader.err();
    EXPECT_EQ(loader.stop(SIGKILL), -1);
  }
  // Six batches committed, the seventh not at all.
  EXPECT_EQ(loaded_seqs(), seqs_of(trades, 6 * 50));
  {
    PgConnection db(server_->conninfo("clearing"));
    EXPECT_EQ(select_rows(db, "SELECT last_seq, trades_loaded FROM load_progress"),
              (Rows{{std::to_string(trades[299].first), "300"}}));
  }
  LoaderProcess again(args({"--batch", "50"}));
  EXPECT_EQ(again.wait_exit(), 0) << again.err();
  EXPECT_EQ(loaded_seqs(), seqs_of(trades, trades.size()));
}

TEST_F(LoaderProcessTest, KilledAtArbitraryMomentsLosesAndDoublesNothing) {
  TradeScript script(sample_names(), 78);
  script.day(20261118, 3000);
  {
    TradeLogWriter w(log_);
    for (const auto& r : script.records()) w.append(r);
    w.close();
  }
  const auto trades = logged_trades(log_);
  for (int round = 0; round < 4; ++round) {
    LoaderProcess loader(args({"--batch", "3"}));
    ASSERT_TRUE(loader.wait_for("database at record")) << loader.err();
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + 70 * round));
    loader.stop(SIGKILL);
    // Whatever was committed is a prefix of the log's trades, each once.
    const Rows loaded = loaded_seqs();
    EXPECT_EQ(loaded, seqs_of(trades, loaded.size()));
  }
  LoaderProcess last(args());
  EXPECT_EQ(last.wait_exit(), 0) << last.err();
  EXPECT_EQ(loaded_seqs(), seqs_of(trades, trades.size()));
}

// Polls the database until it holds `count` trade rows (or 60 s pass).
bool wait_for_rows(PgServer& server, std::size_t count) {
  PgConnection db(server.conninfo("clearing"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (select_rows(db, "SELECT count(*) FROM trades") == Rows{{std::to_string(count)}}) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST_F(LoaderProcessTest, FollowKeepsUpWithALogBeingWrittenAndStopsOnSigterm) {
  TradeScript script(sample_names(), 79);
  script.day(20261118, 12000);  // 24000 records: a few 1 MiB segments
  LoaderProcess loader(args({"--follow", "--poll-ms", "20", "--batch", "500"}));
  ASSERT_TRUE(loader.wait_for("database at record")) << loader.err();
  TradeLogWriter w(log_);
  std::size_t written = 0;
  const std::size_t total = script.records().size();
  for (const std::size_t burst : {1UL, 700UL, 3000UL, 5000UL, total - 8701}) {
    for (std::size_t i = 0; i < burst; ++i) w.append(script.records()[written++]);
    w.commit();
    ASSERT_TRUE(wait_for_rows(*server_, written)) << loader.err();
  }
  w.close();
  EXPECT_EQ(loader.stop(SIGTERM), 0) << loader.err();
  EXPECT_EQ(loaded_seqs(), seqs_of(logged_trades(log_), written));
  EXPECT_GE(log_.tail().next_segment_index, 3U);  // rotated while followed
}

// The last segment's first block after `from_seq`'s: where it starts and
// the first record in it.
std::pair<std::filesystem::path, std::uint64_t> block_after(const LogDir& log,
                                                            std::uint64_t from_seq,
                                                            std::uint64_t& first_seq) {
  const crypto::Sm2PublicKey key = crypto::Sm2PublicKey::load_pem(log.pub_path());
  wal::ScanOptions so;
  so.key = &key;
  std::pair<std::filesystem::path, std::uint64_t> at;
  wal::scan_log(log.dir(), so, [&](const wal::RecordView& v) {
    if (first_seq == 0 && v.header.seq > from_seq && v.header.seq == v.block->first_seq) {
      at = {*v.segment, v.block->offset};
      first_seq = v.header.seq;
    }
  });
  return at;
}

TEST_F(LoaderProcessTest, FollowStopsAtABlockWhoseLengthFieldWasZeroedWithBlocksAfterIt) {
  // A follow scan takes a zero length field in the active segment for the
  // log's end; once the end stays put the loader checks the whole tail,
  // finds blocks after it, and stops as at any damage.
  TradeScript script(sample_names(), 80);
  script.day(20261118, 600);
  TradeLogWriter w(log_);
  for (const auto& r : script.records()) w.append(r);
  w.commit();  // the segment stays open, as the daemon's is
  const auto trades = logged_trades(log_);
  std::uint64_t cut_seq = 0;
  const auto [segment, offset] = block_after(log_, trades[300].first, cut_seq);
  ASSERT_NE(cut_seq, 0U);
  {
    const int fd = ::open(segment.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    const std::uint32_t zero = 0;
    ASSERT_EQ(::pwrite(fd, &zero, sizeof zero, static_cast<off_t>(offset)), 4);
    ::close(fd);
  }
  LoaderProcess loader(args({"--follow", "--poll-ms", "10", "--batch", "100"}));
  EXPECT_EQ(loader.wait_exit(), 1) << loader.err();
  EXPECT_NE(loader.err().find("invalid block length 0"), std::string::npos) << loader.err();
  std::size_t before = 0;
  while (trades[before].first < cut_seq) ++before;
  EXPECT_EQ(loaded_seqs(), seqs_of(trades, before));
}

}  // namespace
}  // namespace matchgate::testing
