// A failed write or fdatasync of the log, in the real daemon (docs/WAL.md
// 6.8): the test hook MATCHGATE_TEST_WAL_FAULT makes the log's Nth pwrite
// or fdatasync of the run fail. The daemon must exit with status 1 and say
// why, must have sent nothing whose record was not durable, and the next
// start must give back every message the member received.
#include <cctype>
#include <map>
#include <string>
#include <thread>

#include "gateway/gateway_test_util.hpp"
#include "recovery/member_trading.hpp"

namespace matchgate::testing {
namespace {

using namespace std::chrono_literals;

struct WriterFault {
  std::string hook;          // MATCHGATE_TEST_WAL_FAULT
  std::string error_in_log;  // what the daemon must say
};
// Stable test names in ctest (not the struct's bytes).
void PrintTo(const WriterFault& f, std::ostream* os) {
  *os << f.hook;
}

class DaemonWriterFailure : public ::testing::TestWithParam<WriterFault> {};

TEST_P(DaemonWriterFailure, ExitsOneAndLosesNothingItSent) {
  DaemonOptions o = gw::small();
  o.wal_extra += "segment_mb = 4\n";
  o.env.push_back("MATCHGATE_TEST_WAL_FAULT=" + GetParam().hook);
  Daemon d(o);
  auto c = gw::logged_on(d, "MEMBER1");
  ASSERT_TRUE(c);
  // One resting order at a time, until the daemon stops answering.
  std::map<std::uint64_t, FixMessage> received;  // every message, by MsgSeqNum
  int answered = 0;
  bool stopped_answering = false;
  for (int n = 0; n < 400 && !stopped_answering; ++n) {
    gw::new_order(*c, "O" + std::to_string(n), "ACME", '1', "1", "90.00");
    std::optional<FixMessage> m = c->receive_type("8", 3s);
    if (!m) {
      stopped_answering = true;
      break;
    }
    received.emplace(m->seq(), *m);
    ++answered;
  }
  ASSERT_TRUE(stopped_answering) << "the injected fault never stopped the daemon";
  EXPECT_GT(answered, 3) << "the fault came before any order was answered";
  for (const FixMessage& m : c->drain(500ms)) {
    if (!m.type.empty()) received.emplace(m.seq(), m);
  }
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (d.running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  const int status = d.stop();
  const std::string log = d.log();
  EXPECT_EQ(status, 1) << log;
  EXPECT_NE(log.find("agent thread failed: wal-writer"), std::string::npos) << log;
  EXPECT_NE(log.find(GetParam().error_in_log), std::string::npos) << log;
  c.reset();

  // The next start, without the fault: everything the member received is
  // in the log, so the daemon's MsgSeqNum did not go back and a resend from
  // 1 repeats each message as it was sent.
  DaemonOptions healthy = d.options();
  healthy.env.clear();
  d.set_options(healthy);
  ASSERT_TRUE(d.restart()) << d.log();
  auto again = gw::relogon(d, "MEMBER1", 2 + static_cast<std::uint64_t>(answered) + 1);
  ASSERT_TRUE(again);
  const std::uint64_t last_received = received.empty() ? 1 : received.rbegin()->first;
  again->send("2", {{7, "1"}, {16, "0"}});
  std::map<std::uint64_t, FixMessage> resent;
  for (auto m = again->receive(3s); m; m = again->receive(1s)) {
    if (m->get(43) == "Y" && m->type != "4") resent.emplace(m->seq(), *m);
  }
  for (const auto& [seq, m] : received) {
    const auto it = resent.find(seq);
    ASSERT_NE(it, resent.end()) << "message " << seq
                                << " was sent and then lost: " << m.printable();
    EXPECT_EQ(stable_fields(it->second), stable_fields(m)) << "message " << seq << " changed";
  }
  EXPECT_GE(resent.size(), received.size());
  EXPECT_GT(last_received, 1u);
  gw::stop_and_check(d);
}

// Counted on segment files (the writer's commits: 1 is the Start record's).
// An order is about one commit (its request and report in one block), but
// Seals (every seal_interval_ms, 10 by default) add commits of their own,
// more of them per order in a slow (sanitizer) build: at the 12th commit an
// ASan run had answered only 3 orders; the 40th leaves room for several.
INSTANTIATE_TEST_SUITE_P(Faults, DaemonWriterFailure,
                         ::testing::Values(WriterFault{"fdatasync:40:EIO", "cannot fdatasync"},
                                           WriterFault{"fdatasync:40:ENOSPC",
                                                       "No space left on device"},
                                           WriterFault{"pwrite:40:EIO", "cannot write"}),
                         [](const auto& info) {
                           std::string name;
                           for (const char ch : info.param.hook) {
                             if (std::isalnum(static_cast<unsigned char>(ch))) name += ch;
                           }
                           return name;
                         });

}  // namespace
}  // namespace matchgate::testing
