// Settlement reports from a log written by the real WalWriter: figures
// worked by hand, regeneration byte for byte, verification that catches a
// changed byte anywhere, an earlier close, and the errors an operator meets.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "matchgate/clearing/settlement_report.hpp"
#include "matchgate/records/control.hpp"
#include "matchgate/records/record_types.hpp"
#include "matchgate/risk/trading_schedule.hpp"
#include "wal/wal_test_util.hpp"

namespace matchgate::clearing {
namespace {

using records::TradeAction;
using records::TradeRecord;
using records::TradeSide;
using wal::testing::TempLog;

// settlement_build.cpp repeats this value (clearing may not depend on risk).
static_assert(static_cast<int>(risk::TradingPhase::Closed) == 0);

constexpr engine::Price kUnit = engine::kPriceScale;
constexpr std::int64_t kCent = kUnit / 100;
constexpr std::int32_t kDay1 = 20240102;
constexpr std::int32_t kDay2 = 20240103;
// 2024-01-02T09:00:00Z and 2024-01-03T09:00:00Z.
constexpr std::int64_t kDay1Ns = 1'704'186'000'000'000'000;
constexpr std::int64_t kDay2Ns = kDay1Ns + 86'400'000'000'000;
constexpr std::uint32_t kXau = 0;  // carries positions
constexpr std::uint32_t kAbc = 1;  // settles flat each day
constexpr engine::MemberId kA = 0;
constexpr engine::MemberId kB = 1;

ClearingOptions options(const std::filesystem::path& report_dir) {
  ClearingOptions o;
  o.report_dir = report_dir;
  o.members = {MemberNames{"FIRM-A", {"A1", "A2"}}, MemberNames{"FIRM,B", {"B1"}}};
  o.instruments = {InstrumentClearing{"XAU", true, {}}, InstrumentClearing{"ABC", false, {}}};
  return o;
}

TradeRecord trade(std::uint64_t id, std::uint32_t instrument, engine::Price price, engine::Qty qty,
                  TradeSide buyer, TradeSide seller, std::int32_t date,
                  TradeAction action = TradeAction::Trade) {
  TradeRecord r;
  r.action = action;
  r.trade_id = id;
  r.business_date = date;
  r.instrument = instrument;
  r.price = price;
  r.qty = qty;
  r.buyer = buyer;
  r.seller = seller;
  return r;
}

TradeRecord as(TradeAction action, TradeRecord r) {
  r.action = action;
  return r;
}

// One run of the daemon's log writer: Trade and phase records, each a
// second after the last.
class LogRun {
 public:
  LogRun(const TempLog& log, std::int64_t start_ns, wal::LogTail tail = {})
      : writer_(log.options(), tail, log.key()),
        producer_(writer_.add_producer()),
        time_ns_(start_ns) {}

  void add(const TradeRecord& r) {
    std::byte buf[records::kTradeRecordSize];
    records::encode_trade(r, buf);
    producer_.append(records::to_wire(records::RecordType::Trade), next_time(), buf);
  }
  void phase(std::int32_t date, risk::TradingPhase phase) {
    records::ControlRecord c;
    c.action = records::ControlAction::Phase;
    c.origin = records::ControlOrigin::Schedule;
    c.business_date = date;
    c.phase = static_cast<std::uint8_t>(phase);
    std::byte buf[records::kControlMaxSize];
    const std::size_t n = records::encode_control(c, buf);
    producer_.append(records::to_wire(records::RecordType::Control), next_time(),
                     std::span<const std::byte>(buf, n));
  }
  void close(std::int32_t date) { phase(date, risk::TradingPhase::Closed); }
  void finish() {
    wal::testing::pump(writer_, producer_);
    writer_.close();
  }

 private:
  std::int64_t next_time() { return time_ns_ += 1'000'000'000; }
  wal::WalWriter writer_;
  wal::WalProducer& producer_;
  std::int64_t time_ns_;
};

// Day 1: two members, two instruments, a bust, a bust and correction, a
// close, a reopening with one more trade, a second close. Day 2 (a second
// run of the writer, so a second segment): one trade on the carried
// instrument and a close.
void write_two_days(const TempLog& log) {
  {
    LogRun run(log, kDay1Ns);
    run.phase(kDay1, risk::TradingPhase::Open);
    run.add(trade(101, kXau, 10050 * kCent, 10, {kA, 0, 11, 10 * kCent}, {kB, 0, 21, -2 * kCent},
                  kDay1));
    TradeRecord t2 =
        trade(102, kXau, 101 * kUnit, 5, {kB, 0, 22, 5 * kCent}, {kA, 1, 12, 1 * kCent}, kDay1);
    t2.aggressor = engine::Side::Sell;
    run.add(t2);
    const TradeRecord t3 =
        trade(103, kAbc, 20 * kUnit, 100, {kA, 0, 13, kUnit}, {kB, 0, 23, kUnit}, kDay1);
    run.add(t3);
    run.add(as(TradeAction::Bust, t3));
    const TradeRecord t4 =
        trade(104, kAbc, 2025 * kCent, 40, {kB, 0, 24, 50 * kCent}, {kA, 0, 14, 40 * kCent}, kDay1);
    run.add(t4);
    run.add(as(TradeAction::Bust, t4));
    run.add(trade(104, kAbc, 2020 * kCent, 40, {kB, 0, 24, 48 * kCent}, {kA, 0, 14, 38 * kCent},
                  kDay1, TradeAction::Correction));
    run.close(kDay1);
    run.phase(kDay1, risk::TradingPhase::Open);  // an operator reopens the day
    run.add(trade(105, kXau, 100 * kUnit, 1, {kA, 0, 15, 0}, {kB, 0, 25, 0}, kDay1));
    run.close(kDay1);
    run.finish();
  }
  LogRun run(log, kDay2Ns, log.scan().tail);
  run.phase(kDay2, risk::TradingPhase::Open);
  run.add(trade(201, kXau, 99 * kUnit, 3, {kB, 0, 31, 3 * kCent}, {kA, 1, 41, 3 * kCent}, kDay2));
  run.close(kDay2);
  run.finish();
}

// The sequence numbers of the closes, in log order.
std::vector<std::uint64_t> close_seqs(const TempLog& log) {
  std::vector<std::uint64_t> out;
  log.scan([&](const wal::RecordView& v) {
    if (v.header.type != records::to_wire(records::RecordType::Control)) return;
    const auto c = records::decode_control(v.payload);
    if (c && c->phase == static_cast<std::uint8_t>(risk::TradingPhase::Closed)) {
      out.push_back(v.header.seq);
    }
  });
  return out;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class SettlementReportTest : public ::testing::Test {
 protected:
  void SetUp() override { write_two_days(log_); }

  SettlementReport build(std::int32_t date, std::optional<std::uint64_t> through = {}) {
    const crypto::Sm2PublicKey pub = log_.pub();
    return build_settlement_report(LogSource{log_.dir(), &pub}, opts_, date, through);
  }
  std::filesystem::path write(std::int32_t date, const std::filesystem::path& dir,
                              std::optional<std::uint64_t> through = {}) {
    const crypto::Sm2PrivateKey key = log_.key();
    ClearingOptions o = opts_;
    o.report_dir = dir;
    ReportRequest req;
    req.log_dir = log_.dir();
    req.key = &key;
    req.options = &o;
    req.business_date = date;
    req.through = through;
    const ReportOutcome out = write_settlement_report(req);
    EXPECT_TRUE(out.ok()) << out.error;
    return out.dir;
  }

  TempLog log_;
  ClearingOptions opts_ = options(log_.root() / "settlement");
};

TEST_F(SettlementReportTest, FiguresOfTheLastCloseWorkedByHand) {
  const std::filesystem::path dir = write(kDay1, log_.root() / "out");
  EXPECT_EQ(dir, log_.root() / "out" / "20240102");
  // A1 bought 10 @ 100.50 and 1 @ 100: 1105 / 11 = 100.454545454.. -> 100.45454545.
  // A1's ABC: 100 bought then busted (nothing left of it); 40 sold @ 20.25,
  // busted and corrected to 20.20: 808, fee 0.38, one trade.
  // B1 sold 10 @ 100.50 (rebate 0.02) and 1 @ 100, bought 5 @ 101 (fee 0.05).
  EXPECT_EQ(read_text(dir / "positions.csv"),
            "member,account,symbol,opening,bought,bought_value,avg_buy_price,sold,sold_value,"
            "avg_sell_price,day_qty,net,fees,cash,trades\n"
            "FIRM-A,A1,XAU,0,11,1105,100.45454545,0,0,,11,11,0.1,-1105.1,2\n"
            "FIRM-A,A1,ABC,0,0,0,,40,808,20.2,-40,-40,0.38,807.62,1\n"
            "FIRM-A,A2,XAU,0,0,0,,5,505,101,-5,-5,0.01,504.99,1\n"
            "\"FIRM,B\",B1,XAU,0,5,505,101,11,1105,100.45454545,-6,-6,0.03,599.97,3\n"
            "\"FIRM,B\",B1,ABC,0,40,808,20.2,0,0,,40,40,0.48,-808.48,1\n");
  // Per member and instrument, accounts netted: A's XAU 11 - 5 = 6, cash
  // -1105.10 + 504.99 = -600.11.
  EXPECT_EQ(read_text(dir / "obligations.csv"),
            "member,symbol,qty,cash\n"
            "FIRM-A,XAU,6,-600.11\n"
            "FIRM-A,ABC,-40,807.62\n"
            "\"FIRM,B\",XAU,-6,599.97\n"
            "\"FIRM,B\",ABC,40,-808.48\n");
  // The cash column sums to zero: 207.51 - 208.51 + 1.00.
  EXPECT_EQ(read_text(dir / "cash.csv"),
            "role,party,fees,cash\n"
            "member,FIRM-A,0.49,207.51\n"
            "member,\"FIRM,B\",0.51,-208.51\n"
            "venue,venue,1,1\n");
}

TEST_F(SettlementReportTest, TradesListEveryRecordOfTheDateUpToTheClose) {
  const SettlementReport r = build(kDay1);
  const std::vector<std::uint64_t> closes = close_seqs(log_);
  ASSERT_EQ(closes.size(), 3U);
  EXPECT_EQ(r.close_seq, closes[1]);  // the later close of the same date
  ASSERT_EQ(r.trades.size(), 8U);     // 5 trades, 2 busts, 1 correction
  EXPECT_EQ(r.trades[3].record.action, TradeAction::Bust);
  EXPECT_EQ(r.trades[6].record.action, TradeAction::Correction);
  EXPECT_EQ(r.trades.back().record.trade_id, 105U);
  EXPECT_LT(r.trades.back().seq, r.close_seq);
  const std::string csv = read_text(write(kDay1, log_.root() / "out") / "trades.csv");
  // The first trade: its seq and time, then the values as logged.
  const std::string line = "," + std::string("2024-01-02T09:00:02.000000000Z") +
                           ",trade,101,XAU,100.5,10,buy,FIRM-A,A1,11,0.1,\"FIRM,B\",B1,21,-0.02\n";
  EXPECT_NE(csv.find(std::to_string(r.trades[0].seq) + line), std::string::npos) << csv;
}

TEST_F(SettlementReportTest, ThroughPicksAnEarlierClose) {
  const std::vector<std::uint64_t> closes = close_seqs(log_);
  const SettlementReport first = build(kDay1, closes[0]);
  EXPECT_EQ(first.close_seq, closes[0]);
  EXPECT_EQ(first.trades.size(), 7U);  // without trade 105
  const Position* a1 = nullptr;
  for (const auto& [k, p] : first.positions) {
    if (k == PositionKey{kA, 0, kXau}) a1 = &p;
  }
  ASSERT_NE(a1, nullptr);
  EXPECT_EQ(a1->bought, 10);
  EXPECT_EQ(first.fees_collected, Money{100} * kCent);  // trade 105 had no fees
  // Any seq between the two closes still picks the first.
  EXPECT_EQ(build(kDay1, closes[1] - 1).close_seq, closes[0]);
}

TEST_F(SettlementReportTest, ANewDateOpensWithTheCarriedPositionsOnly) {
  const std::filesystem::path dir = write(kDay2, log_.root() / "out");
  // XAU carries (A1 +11, A2 -5, B1 -6); ABC does not.
  EXPECT_EQ(read_text(dir / "positions.csv"),
            "member,account,symbol,opening,bought,bought_value,avg_buy_price,sold,sold_value,"
            "avg_sell_price,day_qty,net,fees,cash,trades\n"
            "FIRM-A,A1,XAU,11,0,0,,0,0,,0,11,0,0,0\n"
            "FIRM-A,A2,XAU,-5,0,0,,3,297,99,-3,-8,0.03,296.97,1\n"
            "\"FIRM,B\",B1,XAU,-6,3,297,99,0,0,,3,-3,0.03,-297.03,1\n");
  EXPECT_EQ(read_text(dir / "obligations.csv"),
            "member,symbol,qty,cash\n"
            "FIRM-A,XAU,-3,296.97\n"
            "\"FIRM,B\",XAU,3,-297.03\n");
}

TEST_F(SettlementReportTest, RegeneratedReportIsByteIdentical) {
  const std::filesystem::path a = write(kDay1, log_.root() / "a");
  const std::filesystem::path b = write(kDay1, log_.root() / "b");
  EXPECT_TRUE(compare_reports(a, b).empty());
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(a)) {
    const std::string name = e.path().filename().string();
    ++files;
    if (name == "manifest.sig") continue;  // SM2 signatures are randomized
    EXPECT_EQ(read_text(e.path()), read_text(b / name)) << name;
  }
  EXPECT_EQ(files, 7U);
  // Another date's report differs, and compare says where.
  const std::filesystem::path c = write(kDay2, log_.root() / "c");
  EXPECT_FALSE(compare_reports(a, c).empty());
}

TEST_F(SettlementReportTest, ManifestTiesTheReportToTheLog) {
  const SettlementReport r = build(kDay1);
  const std::string manifest = read_text(write(kDay1, log_.root() / "out") / "manifest.json");
  EXPECT_NE(manifest.find("\"close_seq\": " + std::to_string(r.close_seq)), std::string::npos);
  // The chain hash is the one the log stores for the block holding the close.
  const std::optional<wal::Hash> logged = wal::logged_chain_hash(log_.dir(), r.chain_hash_seq);
  ASSERT_TRUE(logged.has_value());
  EXPECT_EQ(*logged, r.chain_hash);
  EXPECT_GE(r.chain_hash_seq, r.close_seq);
  const crypto::Sm3Digest fp = log_.pub().fingerprint();
  EXPECT_NE(manifest.find(crypto::to_hex(fp)), std::string::npos);
}

TEST_F(SettlementReportTest, VerifyCatchesAChangedByteInAnyFile) {
  const std::filesystem::path dir = write(kDay1, log_.root() / "out");
  const crypto::Sm2PublicKey pub = log_.pub();
  ASSERT_TRUE(verify_report(dir, pub).empty());
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    std::vector<char> bytes = wal::testing::read_file(e.path());
    ASSERT_FALSE(bytes.empty()) << name;
    for (const std::size_t at : {std::size_t{0}, bytes.size() / 2, bytes.size() - 1}) {
      bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
      wal::testing::write_file(e.path(), bytes);
      const std::vector<std::string> problems = verify_report(dir, pub);
      ASSERT_FALSE(problems.empty()) << name << " byte " << at;
      EXPECT_NE(problems.front().find(name), std::string::npos) << problems.front();
      bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
      wal::testing::write_file(e.path(), bytes);
    }
  }
  EXPECT_TRUE(verify_report(dir, pub).empty());
}

TEST_F(SettlementReportTest, VerifyCatchesExtraAndMissingFilesAndAnotherKey) {
  const std::filesystem::path dir = write(kDay1, log_.root() / "out");
  const crypto::Sm2PublicKey pub = log_.pub();
  wal::testing::write_file(dir / "extra.csv", {'x'});
  std::vector<std::string> problems = verify_report(dir, pub);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("extra.csv"), std::string::npos);
  std::filesystem::remove(dir / "extra.csv");
  std::filesystem::rename(dir / "cash.csv", log_.root() / "cash.csv");
  problems = verify_report(dir, pub);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("cash.csv: missing"), std::string::npos);
  std::filesystem::rename(log_.root() / "cash.csv", dir / "cash.csv");
  const TempLog other;
  problems = verify_report(dir, other.pub());
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("manifest.sig"), std::string::npos);
}

TEST_F(SettlementReportTest, RewritingReplacesTheOldReportWhole) {
  const std::filesystem::path root = log_.root() / "out";
  const std::vector<std::uint64_t> closes = close_seqs(log_);
  write(kDay1, root, closes[0]);
  const std::filesystem::path dir = write(kDay1, root);  // the later close replaces it
  EXPECT_TRUE(verify_report(dir, log_.pub()).empty());
  EXPECT_NE(read_text(dir / "manifest.json").find("\"close_seq\": " + std::to_string(closes[1])),
            std::string::npos);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(root)) ++entries;
  EXPECT_EQ(entries, 1U);  // no temporary or old directory left behind
}

TEST_F(SettlementReportTest, ADateWithoutACloseIsAClearError) {
  try {
    build(20240104);
    FAIL() << "a report without a close";
  } catch (const ReportError& e) {
    EXPECT_NE(std::string(e.what()).find("no close of business date 20240104"), std::string::npos)
        << e.what();
  }
  // Through a seq before the date's first close: none either.
  EXPECT_THROW(build(kDay1, close_seqs(log_)[0] - 1), ReportError);
  // The daemon's entry reports it instead of throwing.
  const crypto::Sm2PrivateKey key = log_.key();
  ReportRequest req;
  req.log_dir = log_.dir();
  req.key = &key;
  req.options = &opts_;
  req.business_date = 20240104;
  const ReportOutcome out = write_settlement_report(req);
  EXPECT_FALSE(out.ok());
  EXPECT_NE(out.error.find("no close"), std::string::npos) << out.error;
}

TEST_F(SettlementReportTest, RegeneratingWithoutSegmentOneSaysTheWholeLogIsNeeded) {
  const auto segments = log_.segments();
  ASSERT_GE(segments.size(), 2U);
  std::filesystem::remove(segments.front());
  try {
    build(kDay2);
    FAIL() << "a report from a log without its start";
  } catch (const ReportError& e) {
    EXPECT_NE(std::string(e.what()).find("regenerating needs the whole log"), std::string::npos)
        << e.what();
  }
}

TEST_F(SettlementReportTest, LastClosedDateIsTheNewest) {
  const crypto::Sm2PublicKey pub = log_.pub();
  EXPECT_EQ(last_closed_business_date(LogSource{log_.dir(), &pub}), kDay2);
  EXPECT_EQ(last_closed_business_date(LogSource{log_.dir(), &pub}, close_seqs(log_)[1]), kDay1);
}

TEST_F(SettlementReportTest, ADamagedLogIsRefused) {
  // One bit of the first trade's price, on disk.
  std::filesystem::path segment;
  std::uint64_t offset = 0;
  log_.scan([&](const wal::RecordView& v) {
    if (offset == 0 && v.header.type == records::to_wire(records::RecordType::Trade)) {
      segment = *v.segment;
      offset = v.offset + 12 + 24;
    }
  });
  ASSERT_NE(offset, 0U);
  std::vector<char> bytes = wal::testing::read_file(segment);
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x40);
  wal::testing::write_file(segment, bytes);
  try {
    build(kDay1);
    FAIL() << "a report from a damaged log";
  } catch (const ReportError& e) {
    EXPECT_NE(std::string(e.what()).find("the log does not verify"), std::string::npos) << e.what();
  }
}

// Runs a command line; its exit status and what it printed (stdout and stderr).
std::pair<int, std::string> run(const std::string& command) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen " + command);
  std::string out;
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST_F(SettlementReportTest, ToolRegeneratesComparesAndVerifies) {
  const std::filesystem::path config = log_.root() / "matchgate.toml";
  const std::string member_tail =
      "password_hash = \"pbkdf2-sha256$200000$UAzXEion4I4qhARKCF5fjQ==$"
      "ZTNIE0ZGY13hc5PAyJeuBM4unN5mMh87hJ90TVT84MI=\"\n";
  const std::string instrument_tail =
      "tick_size = \"0.01\"\nlot_size = 1\nreference_price = \"100\"\nprice_band_pct = "
      "10\nmax_order_qty = 1000\n";
  std::ofstream(config) << "[wal]\ndir = \"" << log_.dir().string() << "\"\nsign_key = \""
                        << log_.key_path().string() << "\"\n"
                        << "[[members]]\ncomp_id = \"FIRM-A\"\naccounts = [\"A1\", \"A2\"]\n"
                        << member_tail << "[[members]]\ncomp_id = \"FIRM,B\"\naccounts = [\"B1\"]\n"
                        << member_tail << "[[instruments]]\nsymbol = \"XAU\"\n"
                        << instrument_tail << "[[instruments]]\nsymbol = \"ABC\"\n"
                        << instrument_tail;
  const std::filesystem::path daemons = write(kDay1, log_.root() / "daemon");
  const std::string tool = MATCHGATE_CLEARING_BIN;
  const auto [rc, out] =
      run(tool + " report --config " + config.string() + " --date 20240102" + " --out " +
          (log_.root() / "regen").string() + " --compare " + daemons.string());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("byte-identical"), std::string::npos) << out;
  const std::string pub = " --pubkey " + log_.pub_path().string();
  const std::filesystem::path regen = log_.root() / "regen" / "20240102";
  const auto [vrc, vout] = run(tool + " verify " + regen.string() + pub);
  EXPECT_EQ(vrc, 0) << vout;
  std::vector<char> bytes = wal::testing::read_file(regen / "positions.csv");
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x20);
  wal::testing::write_file(regen / "positions.csv", bytes);
  const auto [brc, bout] = run(tool + " verify " + regen.string() + pub);
  EXPECT_EQ(brc, 1) << bout;
  EXPECT_NE(bout.find("positions.csv"), std::string::npos) << bout;
  // Against the changed report, a regeneration is no longer identical.
  const auto [crc, cout] = run(
      tool + " report --config " + config.string() + " --out " + (log_.root() / "again").string() +
      " --through " + std::to_string(close_seqs(log_)[1]) + " --compare " + regen.string());
  EXPECT_EQ(crc, 1) << cout;
  EXPECT_NE(cout.find("positions.csv: differs"), std::string::npos) << cout;
}

}  // namespace
}  // namespace matchgate::clearing
