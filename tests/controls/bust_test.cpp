// An operator's trade bust and correction end to end (docs/ADMIN.md):
// matchgate-admin bust / correct, the 150=H / 150=G reports both members
// get with ExecRefID naming their fill, positions over FIX that follow, a
// refusal for a trade already busted, everything back after kill -9
// (ledger and credit in use), and the close's settlement report holding
// the bust and correction lines and regenerating byte for byte.
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "controls/clearing_support.hpp"
#include "matchgate/records/record_types.hpp"
#include "matchgate/records/trade.hpp"
#include "matchgate/wal/wal_reader.hpp"

namespace matchgate::testing::controls {
namespace {

namespace fs = std::filesystem;

// MEMBER1's TQ entry of its one ACME position, from 35=AN -> AO + AP.
std::string member1_traded(FixClient& m1, const std::string& id) {
  m1.send("AN", {{710, id}, {724, "0"}, {60, "20260101-00:00:00.000"}});
  const auto ack = await_message(m1, Wanted{"AO", {{710, id}}});
  if (!ack || ack->get(727) != "1") return "no single position: " + (ack ? ack->printable() : "");
  const auto ap = await_message(m1, Wanted{"AP", {{710, id}}});
  if (!ap) return "no AP";
  const std::string text = ap->printable();
  const std::size_t at = text.find("703=TQ|");
  return at == std::string::npos ? text : text.substr(at, text.find("|703=", at + 1) - at);
}

// The "credit in use X / Y" of MEMBER1 in `matchgate-admin status`.
std::string member1_credit(const Daemon& d) {
  const std::string s = status_of(d);
  const std::size_t line = s.find("member MEMBER1:");
  const std::size_t at = s.find("credit in use", line);
  return at == std::string::npos ? s : s.substr(at, s.find(',', at) - at);
}

// A record of the log and the block holding it.
struct LoggedRecord {
  std::uint16_t type = 0;
  std::optional<records::TradeRecord> trade;
  std::filesystem::path segment;
  std::uint64_t block_offset = 0;
  bool same_block(const LoggedRecord& o) const {
    return segment == o.segment && block_offset == o.block_offset;
  }
};

std::vector<LoggedRecord> logged_records(const Daemon& d) {
  std::vector<LoggedRecord> out;
  const wal::ScanResult r = wal::scan_log(d.wal_dir(), {}, [&](const wal::RecordView& v) {
    LoggedRecord l{v.header.type, std::nullopt, *v.segment, v.block->offset};
    if (v.header.type == records::to_wire(records::RecordType::Trade)) {
      l.trade = records::decode_trade(v.payload);
    }
    out.push_back(std::move(l));
  });
  EXPECT_TRUE(r.ok()) << r.problem->describe();
  return out;
}

// Whether each of the operator's adjustments of `trade_id` (a bust, a
// correction, or a bust and its correction) is in one block with the
// Control record before it, as Controls logs them (one group: a crash
// keeps all or none). Returns what is not.
std::string adjustments_share_a_block(const std::vector<LoggedRecord>& log,
                                      const std::string& trade_id, std::size_t expected) {
  std::size_t found = 0;
  for (std::size_t i = 1; i < log.size(); ++i) {
    const LoggedRecord& r = log[i];
    if (!r.trade || std::to_string(r.trade->trade_id) != trade_id ||
        r.trade->action == records::TradeAction::Trade) {
      continue;
    }
    // The first record of an adjustment follows its Control record.
    const bool follows_bust = log[i - 1].trade && log[i - 1].trade->trade_id == r.trade->trade_id &&
                              log[i - 1].trade->action == records::TradeAction::Bust;
    if (follows_bust) {
      if (!r.same_block(log[i - 1])) return "a correction outside its bust's block";
      continue;
    }
    ++found;
    if (log[i - 1].type != records::to_wire(records::RecordType::Control)) {
      return "an adjustment not right after a Control record";
    }
    if (!r.same_block(log[i - 1])) return "an adjustment outside its Control record's block";
  }
  return found == expected ? "" : std::to_string(found) + " adjustments";
}

struct Fill {
  std::string trade_id;  // the fill report's ExecID / 2
  std::string taker_exec_id;
  std::string maker_exec_id;
};

// MEMBER1 buys `qty` of MEMBER2's resting S1 at 100.00.
Fill take(FixClient& m1, FixClient& m2, const std::string& id, const std::string& qty) {
  gw::new_order(m1, id, "ACME", '1', qty, "100.00");
  const auto taker = await_message(m1, Wanted{"8", {{11, id}, {150, "F"}}});
  const auto maker = await_message(m2, Wanted{"8", {{11, "S1"}, {150, "F"}}});
  if (!taker || !maker) return {};
  return Fill{std::to_string(std::stoull(taker->get(17)) / 2), taker->get(17), maker->get(17)};
}

TEST(TradeBustEndToEnd, BustAndCorrectionReachMembersPositionsRestartsAndTheReport) {
  Daemon d(clearing_options());
  auto m1 = gw::logged_on(d, "MEMBER1");
  auto m2 = gw::logged_on(d, "MEMBER2");
  EXPECT_EQ(order_answer(*m2, "S1", "ACME", '2', "10", "100.00").get(150), "0");
  const Fill first = take(*m1, *m2, "B1", "4");
  const Fill second = take(*m1, *m2, "B2", "6");
  ASSERT_FALSE(first.trade_id.empty());
  EXPECT_EQ(member1_traded(*m1, "P1"), "703=TQ|704=10|705=0");

  // The bust: both members are told, each with the ExecID of its own fill.
  const std::string busted = admin_ok(d, "bust " + first.trade_id);
  EXPECT_NE(busted.find("busted trade " + first.trade_id), std::string::npos) << busted;
  const auto h1 = await_message(*m1, Wanted{"8", {{150, "H"}, {11, "B1"}}});
  ASSERT_TRUE(h1);
  EXPECT_EQ(h1->get(19), first.taker_exec_id) << h1->printable();
  EXPECT_EQ(h1->get(32), "4");
  const auto h2 = await_message(*m2, Wanted{"8", {{150, "H"}, {11, "S1"}}});
  ASSERT_TRUE(h2);
  EXPECT_EQ(h2->get(19), first.maker_exec_id) << h2->printable();
  EXPECT_EQ(member1_traded(*m1, "P2"), "703=TQ|704=6|705=0");
  const CommandRun again = admin(d, "bust " + first.trade_id);
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.out.find("already busted"), std::string::npos) << again.out;

  // The correction of the second trade: 5 at 101.00 instead of 6 at 100.00.
  admin_ok(d, "correct " + second.trade_id + " 101.00 5");
  const auto g1 = await_message(*m1, Wanted{"8", {{150, "G"}, {11, "B2"}}});
  ASSERT_TRUE(g1);
  EXPECT_EQ(g1->get(19), second.taker_exec_id);
  EXPECT_EQ(g1->get(31), "101");
  EXPECT_EQ(g1->get(12), "0.1") << g1->printable();  // 2 bp of 505.00 = 0.101
  EXPECT_TRUE(await_message(*m2, Wanted{"8", {{150, "G"}, {19, second.maker_exec_id}}}));
  EXPECT_EQ(member1_traded(*m1, "P3"), "703=TQ|704=5|705=0");
  const std::string credit = member1_credit(d);

  // A crash: the ledger and the credit in use come back from the log.
  m1.reset();
  m2.reset();
  d.kill();
  ASSERT_TRUE(d.restart()) << d.log();
  m1 = gw::logged_on(d, "MEMBER1");
  EXPECT_EQ(member1_traded(*m1, "P4"), "703=TQ|704=5|705=0");
  EXPECT_EQ(member1_credit(d), credit);
  const CommandRun after = admin(d, "bust " + first.trade_id);
  EXPECT_NE(after.status, 0);
  EXPECT_NE(after.out.find("already busted"), std::string::npos) << after.out;
  // A busted trade corrected: reinstated, at 1 @ 100.00, after the restart.
  EXPECT_NE(admin_ok(d, "correct " + first.trade_id + " 100.00 1").find("reinstated busted trade"),
            std::string::npos);
  const auto g0 = await_message(*m1, Wanted{"8", {{150, "G"}, {19, first.taker_exec_id}}});
  ASSERT_TRUE(g0);
  EXPECT_EQ(g0->get(32), "1") << g0->printable();
  EXPECT_EQ(g0->get(12), "0.02") << g0->printable();  // 2 bp of 100.00
  EXPECT_EQ(member1_traded(*m1, "P5"), "703=TQ|704=6|705=0");
  // Replayed after another crash: a correction without a bust before it.
  m1.reset();
  d.kill();
  ASSERT_TRUE(d.restart()) << d.log();
  m1 = gw::logged_on(d, "MEMBER1");
  EXPECT_EQ(member1_traded(*m1, "P6"), "703=TQ|704=6|705=0");

  // The close: the report has the bust and correction lines and regenerates.
  admin_ok(d, "session close");
  fs::path report;
  EXPECT_TRUE(polled_until([&] {
    if (!fs::exists(d.settlement_dir())) return false;
    for (const auto& e : fs::directory_iterator(d.settlement_dir())) {
      // A dot directory is the report being written (renamed when complete).
      const bool complete = e.path().filename().string()[0] != '.';
      if (e.is_directory() && complete && fs::exists(e.path() / "manifest.sig")) {
        report = e.path();
      }
    }
    return !report.empty();
  })) << d.log();
  ASSERT_FALSE(report.empty());
  const std::string trades = read_file(report / "trades.csv");
  EXPECT_EQ(count_lines(trades, {",bust," + first.trade_id + ",ACME,100,4,"}), 1U) << trades;
  EXPECT_EQ(count_lines(trades, {",bust," + second.trade_id + ",ACME,100,6,"}), 1U) << trades;
  EXPECT_EQ(count_lines(trades, {",correction," + second.trade_id + ",ACME,101,5,"}), 1U) << trades;
  EXPECT_EQ(count_lines(trades, {",correction," + first.trade_id + ",ACME,100,1,"}), 1U) << trades;
  const std::string obligations = read_file(report / "obligations.csv");
  // MEMBER1 receives 5 + 1 and pays 505.00 + 100.00 + fees 0.10 + 0.02;
  // MEMBER2 delivers 6 and receives 605.00 + rebates of 0.5 bp: 0.02525 ->
  // 0.03 and 0.005 -> 0.01 (half away from zero).
  EXPECT_NE(obligations.find("MEMBER1,ACME,6,-605.12\n"), std::string::npos) << obligations;
  EXPECT_NE(obligations.find("MEMBER2,ACME,-6,605.04\n"), std::string::npos) << obligations;
  const fs::path regenerated_dir = fs::path(d.dir()) / "regenerated";
  const CommandRun regenerated = run_command(
      "timeout 120 " + Daemon::binary("matchgate-clearing") + " report --config " +
      d.config_path() + " --out " + regenerated_dir.string() + " --compare " + report.string());
  EXPECT_EQ(regenerated.status, 0) << regenerated.out;

  // The log says who did it.
  const std::string dump = wal_dump(d);
  EXPECT_EQ(count_lines(dump, {" Control action=\"bust\"", "trade_id=" + first.trade_id}), 1U)
      << dump.substr(0, 20000);
  // Each adjustment is one group: its Control record, the bust and the
  // correction in one block.
  const std::vector<LoggedRecord> log = logged_records(d);
  EXPECT_EQ(adjustments_share_a_block(log, first.trade_id, 2), "");   // the bust, the reinstatement
  EXPECT_EQ(adjustments_share_a_block(log, second.trade_id, 1), "");  // bust + correction
  EXPECT_EQ(d.stop(), 0);
  if (::testing::Test::HasFailure()) std::cerr << d.log().substr(0, 100000);
}

}  // namespace
}  // namespace matchgate::testing::controls
