// OrderMassCancelRequest end to end: the real daemon, FIX over TCP. A mass
// cancel is a logged request, so after SIGKILL and a restart (a replay of
// the log) the orders it canceled stay canceled and the others stay open.
#include <gtest/gtest.h>

#include <set>

#include "gateway/gateway_test_util.hpp"

namespace matchgate::testing {
namespace {

using namespace gw;

FixMessage mass_cancel(FixClient& c, const std::string& id, const Fields& extra) {
  Fields f{{11, id}};
  for (const auto& e : extra) f.push_back(e);
  f.emplace_back(60, utc_now());
  c.send("q", f);
  return next_of(c, "r");
}

// The ClOrdIDs of the next `n` ExecutionReports, each a mass cancel's.
std::set<std::string> canceled(FixClient& c, std::size_t n) {
  std::set<std::string> ids;
  for (std::size_t i = 0; i < n; ++i) {
    const FixMessage er = next_er(c);
    EXPECT_EQ(er.get(150), "4") << er.printable();
    EXPECT_EQ(er.get(39), "4") << er.printable();
    EXPECT_EQ(er.get(58), "mass cancel") << er.printable();
    ids.insert(er.get(11));
  }
  return ids;
}

std::string ord_status(FixClient& c, const std::string& id) {
  c.send("H", {{11, id}});
  const FixMessage s = next_er(c);
  EXPECT_EQ(s.get(11), id) << s.printable();
  return s.get(39);
}

TEST(MassCancel, CancelsTheMembersOrdersAndStaysAppliedAfterAKillAndRestart) {
  Daemon d(small());
  auto m1 = logged_on(d, "MEMBER1");
  auto m2 = logged_on(d, "MEMBER2");
  for (const char* id : {"A1", "A2"}) {
    new_order(*m1, id, "ACME", '1', "5", "99");
    EXPECT_EQ(next_er(*m1).get(150), "0");
  }
  new_order(*m1, "L1", "LOTS", '1', "10", "20");
  EXPECT_EQ(next_er(*m1).get(150), "0");
  new_order(*m2, "B1", "ACME", '2', "5", "101");
  EXPECT_EQ(next_er(*m2).get(150), "0");

  const FixMessage one = mass_cancel(*m1, "MC-1", {{530, "1"}, {55, "ACME"}});
  EXPECT_EQ(one.get(11), "MC-1") << one.printable();
  EXPECT_EQ(one.get(530), "1");
  EXPECT_EQ(one.get(531), "1");
  EXPECT_EQ(one.get(533), "2");
  EXPECT_EQ(one.get(55), "ACME");
  EXPECT_EQ(canceled(*m1, 2), (std::set<std::string>{"A1", "A2"}));

  const FixMessage unknown = mass_cancel(*m1, "MC-2", {{530, "1"}, {55, "NOPE"}});
  EXPECT_EQ(unknown.get(531), "0") << unknown.printable();
  EXPECT_EQ(unknown.get(532), "1");

  const FixMessage all = mass_cancel(*m1, "MC-3", {{530, "7"}});
  EXPECT_EQ(all.get(11), "MC-3") << all.printable();
  EXPECT_EQ(all.get(531), "7");
  EXPECT_EQ(all.get(533), "1");
  EXPECT_EQ(canceled(*m1, 1), (std::set<std::string>{"L1"}));
  new_order(*m1, "A3", "ACME", '1', "5", "98");  // after the mass cancel: stays
  EXPECT_EQ(next_er(*m1).get(150), "0");

  // A missing MassCancelRequestType is malformed: a session Reject.
  m1->send("q", {{11, "MC-4"}, {60, utc_now()}});
  const FixMessage reject = next_of(*m1, "3");
  EXPECT_EQ(reject.get(371), "530") << reject.printable();
  EXPECT_EQ(reject.get(373), "1");

  // Everything above was acknowledged, so it is durable: a crash keeps it.
  m1.reset();
  m2.reset();
  d.kill();
  ASSERT_TRUE(d.restart()) << d.log();
  auto after1 = logged_on(d, "MEMBER1");
  auto after2 = logged_on(d, "MEMBER2");
  for (const char* id : {"A1", "A2", "L1"}) EXPECT_EQ(ord_status(*after1, id), "4") << id;
  EXPECT_EQ(ord_status(*after1, "A3"), "0");
  EXPECT_EQ(ord_status(*after2, "B1"), "0");
  // The books agree: MEMBER2's sell at 101 is still there to trade with.
  new_order(*after1, "A4", "ACME", '1', "5", "101");
  EXPECT_EQ(next_er(*after1).get(150), "0");
  const FixMessage fill = next_er(*after1);
  EXPECT_EQ(fill.get(150), "F") << fill.printable();
  stop_and_check(d);
}

}  // namespace
}  // namespace matchgate::testing
