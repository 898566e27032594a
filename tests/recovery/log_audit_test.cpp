// The log from the outside: what matchgate-wal tells an auditor about a
// daemon's log, and how the daemon itself treats a damaged log, a crash
// mid-write and an unsafe key.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gateway/gateway_test_util.hpp"
#include "support/command.hpp"

namespace matchgate::testing {
namespace {

using namespace std::chrono_literals;

using ToolRun = CommandRun;

ToolRun wal_tool(const Daemon& d, const std::string& args) {
  return run_command(Daemon::binary("matchgate-wal") + " " + args + " --dir " + d.wal_dir() +
                     " --pubkey " + d.public_key_path());
}

// A few orders that trade, so the log holds requests, reports and seals.
void trade_a_little(const Daemon& d) {
  auto buyer = gw::logged_on(d, "MEMBER1");
  auto seller = gw::logged_on(d, "MEMBER2");
  for (int i = 0; i < 20; ++i) {
    buyer->send("D", {{11, "B" + std::to_string(i)},
                      {55, "ACME"},
                      {54, "1"},
                      {38, "10"},
                      {40, "2"},
                      {44, "100.00"},
                      {59, "0"},
                      {60, utc_now()}});
    seller->send("D", {{11, "S" + std::to_string(i)},
                       {55, "ACME"},
                       {54, "2"},
                       {38, "10"},
                       {40, "2"},
                       {44, "100.00"},
                       {59, "0"},
                       {60, utc_now()}});
  }
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(seller->receive_type("8", 5s, true));
}

// The daemon's segment files in log order (their names sort that way).
std::vector<std::filesystem::path> segments(const Daemon& d) {
  std::vector<std::filesystem::path> segs;
  for (const auto& e : std::filesystem::directory_iterator(d.wal_dir())) {
    if (e.path().extension() == ".log") segs.push_back(e.path());
  }
  std::sort(segs.begin(), segs.end());
  return segs;
}

TEST(LogAudit, VerifyDumpAndStatsDescribeACleanLog) {
  Daemon d(gw::small());
  trade_a_little(d);
  ASSERT_EQ(d.stop(), 0);
  const ToolRun verify = wal_tool(d, "verify");
  EXPECT_EQ(verify.status, 0) << verify.out;
  EXPECT_NE(verify.out.find("OK: "), std::string::npos) << verify.out;
  EXPECT_NE(verify.out.find("chain intact"), std::string::npos) << verify.out;

  const ToolRun stats = wal_tool(d, "stats");
  EXPECT_EQ(stats.status, 0) << stats.out;
  EXPECT_NE(stats.out.find("clean shutdown  yes"), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("OrderRequest"), std::string::npos) << stats.out;

  const ToolRun dump = wal_tool(d, "dump --json");
  EXPECT_EQ(dump.status, 0) << dump.out;
  std::size_t lines = 0, requests = 0, regenerated = 0, maker_side = 0, logons = 0;
  std::istringstream in(dump.out);
  for (std::string line; std::getline(in, line); ++lines) {
    EXPECT_EQ(line.front(), '{') << line;
    EXPECT_EQ(line.back(), '}') << line;
    requests += line.find("\"type\":\"OrderRequest\"") != std::string::npos;
    logons += line.find("|35=A|") != std::string::npos;  // verbatim: the text is there
    if (line.find("\"form\":\"regenerated\"") == std::string::npos) continue;
    ++regenerated;
    EXPECT_NE(line.find("\"message_crc\":"), std::string::npos) << line;
    EXPECT_EQ(line.find("\"fix\""), std::string::npos) << line;
    const auto cause = line.find("\"cause\":");
    ASSERT_NE(cause, std::string::npos) << line;
    maker_side += std::stoull(line.substr(cause + 8)) % 2;
  }
  EXPECT_EQ(requests, 40U);
  // Reports of engine events carry no text: 40 acks and both sides of 20
  // trades, 20 of them to the maker.
  EXPECT_EQ(regenerated, 80U);
  EXPECT_EQ(maker_side, 20U);
  EXPECT_EQ(logons, 2U);
}

TEST(LogAudit, ADamagedLogIsNamedByTheToolAndRefusedByTheDaemon) {
  Daemon d(gw::small());
  trade_a_little(d);
  ASSERT_EQ(d.stop(), 0);
  // One bit in the middle of the records.
  const auto seg = segments(d).front();
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(4096 + 3000);
    char c = 0;
    f.read(&c, 1);
    c ^= 0x10;
    f.seekp(4096 + 3000);
    f.write(&c, 1);
  }
  const ToolRun verify = wal_tool(d, "verify");
  EXPECT_EQ(verify.status, 1) << verify.out;
  EXPECT_NE(verify.out.find("DAMAGED: " + seg.filename().string() + " offset "), std::string::npos)
      << verify.out;
  EXPECT_NE(verify.out.find("(record "), std::string::npos) << verify.out;

  EXPECT_FALSE(d.restart());
  const std::string log = d.log();
  EXPECT_NE(log.find("is damaged: " + seg.filename().string() + " offset"), std::string::npos)
      << log;
  EXPECT_NE(log.find("refusing to start"), std::string::npos);
}

TEST(LogAudit, ToolUsageErrorsExitTwo) {
  const ToolRun none = run_command(Daemon::binary("matchgate-wal"));
  EXPECT_EQ(none.status, 2) << none.out;
  const ToolRun missing =
      run_command(Daemon::binary("matchgate-wal") + " verify --dir /nonexistent");
  EXPECT_EQ(missing.status, 2) << missing.out;
}

TEST(LogAudit, ACrashMidWriteIsCutAndTheDaemonContinues) {
  Daemon d(gw::small());
  trade_a_little(d);
  d.kill();
  // Half a record after the last complete one, as a crash inside pwrite
  // leaves it: find the end of the data and put a partial copy there.
  const auto seg = segments(d).back();
  std::vector<char> bytes;
  {
    std::ifstream in(seg, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::size_t end = bytes.size();
  while (end > 4096 && bytes[end - 1] == 0) --end;
  end = (end + 7) & ~std::size_t{7};
  for (std::size_t i = 0; i < 40; ++i) bytes[end + i] = static_cast<char>(0x5a + i);
  std::ofstream(seg, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));

  ASSERT_TRUE(d.restart()) << d.log();
  // Trading goes on after the cut, and the log verifies end to end.
  auto c = gw::logged_on(d, "MEMBER1");
  c->send("D", {{11, "AFTER"},
                {55, "ACME"},
                {54, "1"},
                {38, "1"},
                {40, "2"},
                {44, "99.00"},
                {59, "0"},
                {60, utc_now()}});
  ASSERT_TRUE(c->receive_type("8", 5s, true));
  c.reset();
  ASSERT_EQ(d.stop(), 0);
  EXPECT_NE(d.log().find("cutting an incomplete tail"), std::string::npos) << d.log();
  const ToolRun verify = wal_tool(d, "verify");
  EXPECT_EQ(verify.status, 0) << verify.out;
}

TEST(LogAudit, ASigningKeyReadableByOthersIsRefused) {
  Daemon d(gw::small());
  ASSERT_EQ(d.stop(), 0);
  const std::string key = d.dir() + "/wal-key.pem";
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  EXPECT_FALSE(d.restart());
  EXPECT_NE(d.log().find("chmod 600"), std::string::npos) << d.log();
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  EXPECT_TRUE(d.restart()) << d.log();
}

TEST(LogAudit, MessagesSentBeforeARestartAreResentAfterIt) {
  Daemon d(gw::small());
  auto c = gw::logged_on(d, "MEMBER1");
  c->send("D", {{11, "KEEP1"},
                {55, "ACME"},
                {54, "1"},
                {38, "5"},
                {40, "2"},
                {44, "98.00"},
                {59, "1"},
                {60, utc_now()}});
  const auto ack = c->receive_type("8", 5s, true);
  ASSERT_TRUE(ack);
  const std::uint64_t next_out = c->next_seq();
  c.reset();
  ASSERT_EQ(d.stop(), 0);
  ASSERT_TRUE(d.restart());
  auto again = gw::relogon(d, "MEMBER1", next_out);
  ASSERT_TRUE(again);
  again->send("2", {{7, std::to_string(ack->seq())}, {16, std::to_string(ack->seq())}});
  const auto resent = again->receive_type("8", 5s, true);
  ASSERT_TRUE(resent);
  EXPECT_EQ(resent->seq(), ack->seq());
  EXPECT_EQ(resent->get(43), "Y");
  EXPECT_EQ(resent->get(37), ack->get(37));
  EXPECT_EQ(resent->get(17), ack->get(17));
  // The order itself survived: a status request finds it resting.
  again->send("H", {{11, "KEEP1"}, {55, "ACME"}, {54, "1"}});
  const auto status = again->receive_type("8", 5s, true);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->get(39), "0") << status->printable();
  EXPECT_EQ(status->get(37), ack->get(37));
}

TEST(LogAudit, AfterACrashCancelOnDisconnectMembersFindTheirOrdersCancelled) {
  Daemon d(gw::three_members());  // MEMBER3 has cancel_on_disconnect
  auto keeps = gw::logged_on(d, "MEMBER1");
  auto cancels = gw::logged_on(d, "MEMBER3");
  for (auto* c : {keeps.get(), cancels.get()}) {
    c->send("D", {{11, "REST"},
                  {55, "ACME"},
                  {54, "1"},
                  {38, "5"},
                  {40, "2"},
                  {44, "97.00"},
                  {59, "1"},
                  {60, utc_now()}});
    ASSERT_TRUE(c->receive_type("8", 5s, true));
  }
  d.kill();  // while both are logged on: no disconnect was ever processed
  keeps.reset();
  cancels.reset();
  ASSERT_TRUE(d.restart()) << d.log();
  const auto status_of = [&](const std::string& member) {
    auto c = gw::logged_on(d, member);
    c->send("H", {{11, "REST"}, {55, "ACME"}, {54, "1"}});
    auto s = c->receive_type("8", 5s, true);
    return s ? s->get(39) : std::string("no answer");
  };
  EXPECT_EQ(status_of("MEMBER1"), "0");  // still resting
  EXPECT_EQ(status_of("MEMBER3"), "4");  // cancelled: its session ended with the crash
}

}  // namespace
}  // namespace matchgate::testing
