// Clearing end to end, as members, operators and auditors see it: fees on
// the fill reports, positions over FIX (35=AN -> 35=AO + 35=AP), the same
// positions after kill -9, and at the operator's close a signed settlement
// report that `matchgate-clearing verify` accepts, `matchgate-clearing
// report` regenerates byte for byte from the log, and any change to which
// is detected.
#include <filesystem>
#include <fstream>

#include "controls/clearing_support.hpp"

namespace matchgate::testing::controls {
namespace {

namespace fs = std::filesystem;

// 35=AN for every account and instrument of the member; the AO, then the APs.
std::vector<FixMessage> positions(FixClient& c, const std::string& id) {
  c.send("AN", {{710, id}, {724, "0"}, {60, "20260101-00:00:00.000"}});
  std::vector<FixMessage> out;
  const auto ack = await_message(c, Wanted{"AO", {{710, id}}});
  if (!ack) return out;
  out.push_back(*ack);
  const int n = ack->get(727).empty() ? 0 : std::stoi(ack->get(727));
  for (int i = 0; i < n; ++i) {
    const auto ap = await_message(c, Wanted{"AP", {{710, id}}});
    if (!ap) break;
    out.push_back(*ap);
  }
  return out;
}

// The one settlement report directory the daemon wrote.
fs::path only_report(const Daemon& d) {
  std::vector<fs::path> dirs;
  if (fs::exists(d.settlement_dir())) {
    for (const auto& e : fs::directory_iterator(d.settlement_dir())) {
      if (e.is_directory() && e.path().filename().string()[0] != '.') dirs.push_back(e.path());
    }
  }
  return dirs.size() == 1 ? dirs[0] : fs::path();
}

// MEMBER2 rests a sell of 10 ACME at 100.00; MEMBER1 takes 4, then 6.
void trade(FixClient& m1, FixClient& m2) {
  EXPECT_EQ(order_answer(m2, "S1", "ACME", '2', "10", "100.00").get(150), "0");
  gw::new_order(m1, "B1", "ACME", '1', "4", "100.00");
  // Taker: 2 bp of 400.00 = 0.08; maker: -0.5 bp of 400.00 = -0.02.
  const auto taker = await_message(m1, Wanted{"8", {{11, "B1"}, {150, "F"}}});
  ASSERT_TRUE(taker);
  EXPECT_EQ(taker->get(12), "0.08") << taker->printable();
  EXPECT_EQ(taker->get(13), "3");
  const auto maker = await_message(m2, Wanted{"8", {{11, "S1"}, {150, "F"}}});
  ASSERT_TRUE(maker);
  EXPECT_EQ(maker->get(12), "-0.02") << maker->printable();
  gw::new_order(m1, "B2", "ACME", '1', "6", "100.00");
  const auto second = await_message(m1, Wanted{"8", {{11, "B2"}, {150, "F"}}});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->get(12), "0.12");  // 2 bp of 600.00
  EXPECT_TRUE(await_message(m2, Wanted{"8", {{11, "S1"}, {150, "F"}, {39, "2"}}}));
}

void expect_member1_position(FixClient& m1, const std::string& id) {
  const std::vector<FixMessage> answer = positions(m1, id);
  ASSERT_EQ(answer.size(), 2U);
  EXPECT_EQ(answer[0].get(728), "0") << answer[0].printable();
  EXPECT_EQ(answer[0].get(727), "1");
  const std::string ap = answer[1].printable();
  EXPECT_EQ(answer[1].get(55), "ACME") << ap;
  EXPECT_EQ(answer[1].get(1), "M1-A") << ap;
  // Bought 10 today (TQ long 10), net long 10 at the end of day (FIN).
  EXPECT_NE(ap.find("703=TQ|704=10|705=0"), std::string::npos) << ap;
  EXPECT_NE(ap.find("703=FIN|704=10|705=0"), std::string::npos) << ap;
}

TEST(ClearingEndToEnd, FeesPositionsAndASignedReportThatRegenerates) {
  Daemon d(clearing_options());
  auto m1 = gw::logged_on(d, "MEMBER1");
  auto m2 = gw::logged_on(d, "MEMBER2");
  trade(*m1, *m2);
  expect_member1_position(*m1, "P1");

  // A crash: the positions come back from the log.
  m1.reset();
  m2.reset();
  d.kill();
  ASSERT_TRUE(d.restart()) << d.log();
  m1 = gw::logged_on(d, "MEMBER1");
  expect_member1_position(*m1, "P2");

  // The operator closes the day: the report appears, signed.
  admin_ok(d, "session close");
  fs::path report;
  EXPECT_TRUE(polled_until([&] {
    report = only_report(d);
    return !report.empty() && fs::exists(report / "manifest.sig");
  })) << d.log();
  ASSERT_FALSE(report.empty());
  const std::string obligations = read_file(report / "obligations.csv");
  // MEMBER1 receives 10 ACME and pays 1000.00 + 0.20 in fees; MEMBER2
  // delivers 10 and receives 1000.00 + 0.05 of rebates.
  EXPECT_NE(obligations.find("MEMBER1,ACME,10,-1000.2"), std::string::npos) << obligations;
  EXPECT_NE(obligations.find("MEMBER2,ACME,-10,1000.05"), std::string::npos) << obligations;

  const CommandRun verified =
      clearing_tool("verify " + report.string() + " --pubkey " + d.public_key_path());
  EXPECT_EQ(verified.status, 0) << verified.out;
  const fs::path again = fs::path(d.dir()) / "regenerated";
  const CommandRun regenerated = clearing_tool("report --config " + d.config_path() + " --out " +
                                               again.string() + " --compare " + report.string());
  EXPECT_EQ(regenerated.status, 0) << regenerated.out;

  // Any change to a signed report is found.
  std::string changed = obligations;
  changed[changed.find("1000.2")] = '2';
  std::ofstream(report / "obligations.csv", std::ios::binary | std::ios::trunc) << changed;
  const CommandRun tampered =
      clearing_tool("verify " + report.string() + " --pubkey " + d.public_key_path());
  EXPECT_EQ(tampered.status, 1) << tampered.out;
  EXPECT_NE(tampered.out.find("obligations.csv"), std::string::npos) << tampered.out;
  EXPECT_EQ(d.stop(), 0);
  if (::testing::Test::HasFailure()) std::cerr << d.log().substr(0, 100000);
}

}  // namespace
}  // namespace matchgate::testing::controls
