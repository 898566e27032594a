// Drop-copy sessions in-process (docs/FIX.md "Drop copy"): every
// ExecutionReport of a member, whatever its shape, reaches each of the
// member's drop-copy sessions as a copy (OnBehalfOfCompID(115) the member,
// the body as the member got it, CopyMsgIndicator(797)=Y), and nothing of
// other members does; a drop-copy session's own requests are refused.
#include "gateway/order_entry_fixture.hpp"

namespace matchgate::gateway {
namespace {

constexpr engine::MemberId kM1 = 0;
constexpr engine::MemberId kM2 = 1;
constexpr engine::MemberId kCopyM1 = 2;    // drop copy of M1
constexpr engine::MemberId kCopyBoth = 3;  // drop copy of M1 and M2

NetworkOptions with_drop_copies() {
  NetworkOptions o = options();
  o.members.push_back({"DC1", "", {}, false, {}, {kM1}});
  o.members.push_back({"DCALL", "", {}, false, {}, {kM1, kM2}});
  return o;
}

// The fields after the standard header (35 49 56 34 52) up to CheckSum.
std::string body_of(const std::string& message) {
  const std::size_t at = message.find(
      "\x01"
      "52=");
  const std::size_t begin = message.find('\x01', at + 1) + 1;
  return message.substr(begin, message.size() - 7 - begin);
}

class DropCopyTest : public OrderEntryTest {
 protected:
  DropCopyTest() : OrderEntryTest({{}, {}, {}, {}}, with_drop_copies()) {
    next_seq_[kCopyM1] = 2;
    next_seq_[kCopyBoth] = 2;
  }

  // Checks that `copies` are exactly the copies of `originals` (each sent
  // to its member), in order.
  void expect_copies(const std::vector<const Sent*>& copies,
                     const std::vector<std::pair<engine::MemberId, const Sent*>>& originals,
                     const std::string& target) {
    ASSERT_EQ(copies.size(), originals.size()) << target;
    for (std::size_t i = 0; i < copies.size(); ++i) {
      const Sent& copy = *copies[i];
      const auto& [owner, original] = originals[i];
      SCOPED_TRACE(copy.bytes);
      EXPECT_EQ(copy.type(), "8");
      EXPECT_EQ(copy.get(56), target);
      EXPECT_EQ(copy.get(49), "GW");
      EXPECT_EQ(copy.get(fix::tag::OnBehalfOfCompID), options_.members[owner].comp_id);
      EXPECT_EQ(copy.get(fix::tag::CopyMsgIndicator), "Y");
      EXPECT_EQ(copy.get(52), original->get(52));
      // The body as the member got it, between the header field and 797=Y.
      EXPECT_EQ(body_of(copy.bytes), "115=" + options_.members[owner].comp_id + "\x01" +
                                         body_of(original->bytes) + "797=Y\x01");
      EXPECT_FALSE(original->has(fix::tag::CopyMsgIndicator));
      EXPECT_FALSE(original->has(fix::tag::OnBehalfOfCompID));
    }
  }
};

TEST_F(DropCopyTest, EveryReportOfAMemberReachesItsDropCopiesAndNoOthers) {
  order(kM1, "B1", "1", "10", "100");  // new
  order(kM2, "S1", "2", "4", "100");   // fills on both sides
  cancel(kM1, "C1", "B1");             // cancel
  in(kM1, "D", "11=R1|55=NOPE|54=1|38=1|40=2|44=1|60=20240315-09:30:00.000|");  // rejected
  status(kM2, "S1");                                                            // status of M2
  const auto m1 = out(kM1);
  const auto m2 = out(kM2);
  ASSERT_EQ(m1.size(), 4U);  // new, fill, canceled, rejected
  ASSERT_GE(m2.size(), 2U);  // the fill, the status
  EXPECT_EQ(m1[1]->get(150), "F");
  EXPECT_EQ(m1[3]->get(150), "8");
  EXPECT_EQ(m1[3]->get(37), "NONE");  // the shape without an order

  std::vector<std::pair<engine::MemberId, const Sent*>> of_m1;
  of_m1.reserve(m1.size());
  for (const Sent* s : m1) of_m1.emplace_back(kM1, s);
  expect_copies(out(kCopyM1), of_m1, "DC1");

  // The trade's two sides, in the order they were sent.
  std::vector<std::pair<engine::MemberId, const Sent*>> all;
  for (const auto& s : sink_.sent) {
    if (s->member == kM1 || s->member == kM2) all.emplace_back(s->member, s.get());
  }
  expect_copies(out(kCopyBoth), all, "DCALL");
}

TEST_F(DropCopyTest, ADropCopySessionCannotTrade) {
  order(kM1, "B1", "1", "10", "100");
  out(kM1);
  out(kCopyM1);
  order(kCopyM1, "X1", "2", "10", "100");
  status(kCopyM1, "B1");
  in(kCopyM1, "q", "11=MQ|530=7|60=20240315-09:30:00.000|");
  const auto answers = out(kCopyM1);
  ASSERT_EQ(answers.size(), 3U);
  const char* types[] = {"D", "H", "q"};
  for (std::size_t i = 0; i < answers.size(); ++i) {
    expect(*answers[i], {{35, "j"},
                         {45, std::to_string(2 + i)},
                         {372, types[i]},
                         {380, "6"},
                         {58, "drop copy session: read only"}});
  }
  // Nothing reached the book: M1's order still rests untouched.
  EXPECT_TRUE(out(kM1).empty());
  status(kM1, "B1");
  expect(one(kM1), {{39, "0"}, {151, "10"}});
}

}  // namespace
}  // namespace matchgate::gateway
