// Drop copy end to end (docs/FIX.md "Drop copy"): a drop-copy session of
// MEMBER1 receives a copy (797=Y, 115=MEMBER1) of every ExecutionReport
// MEMBER1 gets (new, fill with its fee, cancel, reject) and nothing of
// MEMBER2; its own orders are refused; after kill -9 a ResendRequest
// returns exactly the copies it was sent, as PossDup resends.
#include <map>

#include "controls/controls_support.hpp"

namespace matchgate::testing::controls {
namespace {

constexpr const char* kDropCopy = "DROPCOPY";
constexpr const char* kDropCopyPassword = "secret-dc";

DaemonOptions drop_copy_options() {
  DaemonOptions o = gw::small();
  o.clearing = "taker_fee_bps = \"2\"\nmaker_fee_bps = \"-0.5\"\nfee_decimals = 2\n";
  TestMember dc{kDropCopy, kDropCopyPassword, {}, "none", false};
  dc.drop_copy_for = {"MEMBER1"};
  o.members.push_back(dc);
  return o;
}

std::unique_ptr<FixClient> drop_copy_session(const Daemon& d) {
  auto c = std::make_unique<FixClient>(d.port(), kDropCopy);
  EXPECT_TRUE(c->logon(kDropCopyPassword));
  return c;
}

// The fields of a message other than those a resend changes.
Fields application_fields(const FixMessage& m) {
  Fields out;
  for (const auto& [tag, value] : m.fields) {
    if (tag != 8 && tag != 9 && tag != 10 && tag != 43 && tag != 52 && tag != 122) {
      out.emplace_back(tag, value);
    }
  }
  return out;
}

// MEMBER1's reports of this test, each awaited on MEMBER1 and then as a
// copy on the drop-copy session.
std::vector<Wanted> member1_activity(FixClient& m1, FixClient& m2) {
  EXPECT_EQ(order_answer(m2, "S1", "ACME", '2', "10", "100.00").get(150), "0");
  // First the gateway's own answer (the others come back from the shard, in order).
  gw::new_order(m1, "R1", "NOPE", '1', "1", "1.00");    // rejected: unknown symbol
  gw::new_order(m1, "B1", "ACME", '1', "4", "100.00");  // new + fill (fee 0.08)
  gw::new_order(m1, "B2", "ACME", '1', "5", "99.00");   // rests
  m1.send("F", {{11, "C2"}, {41, "B2"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  return {Wanted{"8", {{11, "R1"}, {150, "8"}}}, Wanted{"8", {{11, "B1"}, {150, "0"}}},
          Wanted{"8", {{11, "B1"}, {150, "F"}, {12, "0.08"}}},
          Wanted{"8", {{11, "B2"}, {150, "0"}}}, Wanted{"8", {{11, "C2"}, {150, "4"}}}};
}

TEST(DropCopyEndToEnd, CopiesOfEveryReportReadOnlyAndResentAfterACrash) {
  Daemon d(drop_copy_options());
  auto dc = drop_copy_session(d);
  auto m1 = gw::logged_on(d, "MEMBER1");
  auto m2 = gw::logged_on(d, "MEMBER2");
  std::map<std::uint64_t, FixMessage> copies;  // by MsgSeqNum
  for (const Wanted& report : member1_activity(*m1, *m2)) {
    const auto original = await_message(*m1, report);
    Wanted copy = report;
    copy.fields.emplace_back(115, "MEMBER1");
    copy.fields.emplace_back(797, "Y");
    const auto received = await_message(*dc, copy);
    ASSERT_TRUE(original && received);
    EXPECT_EQ(received->get(56), kDropCopy);
    EXPECT_FALSE(original->has(797)) << original->printable();
    // The same message but for the header's target, number and 115, and 797.
    const auto strip = [](Fields f) {
      std::erase_if(f, [](const auto& field) {
        return field.first == 56 || field.first == 34 || field.first == 115 || field.first == 797;
      });
      return f;
    };
    EXPECT_EQ(strip(application_fields(*received)), strip(application_fields(*original)))
        << received->printable() << "\n"
        << original->printable();
    EXPECT_EQ(application_fields(*received).back(), (std::pair<int, std::string>{797, "Y"}));
    copies.emplace(received->seq(), *received);
  }
  // MEMBER2's reports (S1's new and fill) are not copied; a drop copy may not trade.
  dc->send(
      "D",
      {{11, "X1"}, {55, "ACME"}, {54, "2"}, {38, "1"}, {40, "2"}, {44, "100.00"}, {60, utc_now()}});
  std::vector<FixMessage> skipped;
  const auto refused = await_message(*dc, Wanted{"j", {{380, "6"}, {372, "D"}}}, 5s, &skipped);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->get(58), "drop copy session: read only");
  for (const FixMessage& m : skipped) EXPECT_NE(m.type, "8") << m.printable();
  EXPECT_EQ(ord_status(*m2, "S1", "ACME", '2'), "1");  // 4 of 10 filled, nothing more

  // kill -9: the copies come back from the log, on a ResendRequest.
  const std::uint64_t dc_next = dc->next_seq();
  dc.reset();
  m1.reset();
  m2.reset();
  d.kill();
  ASSERT_TRUE(d.restart()) << d.log();
  auto again = std::make_unique<FixClient>(d.port(), kDropCopy);
  again->set_next_seq(dc_next);
  again->send("A", {{98, "0"}, {108, "30"}, {554, kDropCopyPassword}});
  ASSERT_TRUE(await_message(*again, Wanted{"A", {}}));
  again->send("2", {{7, std::to_string(copies.begin()->first)}, {16, "0"}});
  for (const auto& [seq, copy] : copies) {
    const auto resent = await_message(*again, Wanted{"8", {{34, std::to_string(seq)}}});
    ASSERT_TRUE(resent) << "copy " << seq << " was not resent";
    EXPECT_EQ(resent->get(43), "Y");
    EXPECT_EQ(application_fields(*resent), application_fields(copy)) << resent->printable();
  }
  gw::stop_and_check(d);
}

}  // namespace
}  // namespace matchgate::testing::controls
