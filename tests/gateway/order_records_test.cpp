// The network thread's ClOrdID table: lookup, capacity and recycling.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "matchgate/gateway/order_records.hpp"

namespace matchgate::gateway {
namespace {

// Built with append rather than "literal" + to_string(): GCC 12 warns
// (-Wrestrict) on the latter although it is correct.
std::string name(const char* prefix, std::uint64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

TEST(OrderRecordTable, FindsByMemberAndClOrdId) {
  OrderRecordTable t(16);
  const auto a = t.create(0, "A-1", RecordKind::Order);
  const auto b = t.create(1, "A-1", RecordKind::Order);  // same id, another member
  ASSERT_NE(a, kNoSlot);
  ASSERT_NE(b, kNoSlot);
  EXPECT_NE(a, b);
  EXPECT_EQ(t.find(0, "A-1"), a);
  EXPECT_EQ(t.find(1, "A-1"), b);
  EXPECT_EQ(t.find(2, "A-1"), kNoSlot);
  EXPECT_EQ(t.find(0, "A-2"), kNoSlot);
  EXPECT_EQ(t[a].cl_ord_id_view(), "A-1");
}

TEST(OrderRecordTable, RefusesIdsLongerThanTheLimit) {
  OrderRecordTable t(16);
  EXPECT_EQ(t.create(0, std::string(kMaxClOrdIdLength + 1, 'x'), RecordKind::Order), kNoSlot);
  EXPECT_NE(t.create(0, std::string(kMaxClOrdIdLength, 'x'), RecordKind::Order), kNoSlot);
}

TEST(OrderRecordTable, FullOfUnfinishedRecordsRefusesNewOnes) {
  OrderRecordTable t(4);
  for (int i = 0; i < 4; ++i)
    ASSERT_NE(t.create(0, name("o", static_cast<std::uint64_t>(i)), RecordKind::Order), kNoSlot);
  EXPECT_EQ(t.create(0, "o4", RecordKind::Order), kNoSlot);
  for (int i = 0; i < 4; ++i)
    EXPECT_NE(t.find(0, name("o", static_cast<std::uint64_t>(i))), kNoSlot);
}

TEST(OrderRecordTable, WhenFullTheOldestFinishedRecordIsForgottenFirst) {
  OrderRecordTable t(4);
  std::uint32_t slots[4];
  for (int i = 0; i < 4; ++i)
    slots[i] = t.create(0, name("o", static_cast<std::uint64_t>(i)), RecordKind::Order);
  t.finish(slots[2]);
  t.finish(slots[0]);
  const auto n = t.create(0, "new", RecordKind::Order);
  ASSERT_EQ(n, slots[2]);  // finished first, forgotten first
  EXPECT_EQ(t.find(0, "o2"), kNoSlot);
  EXPECT_NE(t.find(0, "o0"), kNoSlot);
  EXPECT_EQ(t.find(0, "new"), n);
  EXPECT_FALSE(t[n].done);
}

TEST(OrderRecordTable, MatchesAStandardMapUnderChurn) {
  constexpr std::uint32_t kCap = 256;
  OrderRecordTable t(kCap);
  std::map<std::pair<engine::MemberId, std::string>, std::uint32_t> live;  // unfinished
  std::map<std::pair<engine::MemberId, std::string>, std::uint32_t> finished;
  std::mt19937_64 rng(11);
  for (int step = 0; step < 100'000; ++step) {
    const auto member = static_cast<engine::MemberId>(rng() % 3);
    const std::string id = name("c", rng() % 5000);
    const auto key = std::make_pair(member, id);
    if (live.count(key) || finished.count(key)) {
      const std::uint32_t slot = live.count(key) ? live[key] : finished[key];
      ASSERT_EQ(t.find(member, id), slot) << "step " << step;
      if (live.count(key) && rng() % 2 == 0) {
        t.finish(slot);
        finished[key] = slot;
        live.erase(key);
      }
      continue;
    }
    ASSERT_EQ(t.find(member, id), kNoSlot) << "step " << step;
    const std::uint32_t slot = t.create(member, id, RecordKind::Order);
    if (live.size() == kCap) {
      ASSERT_EQ(slot, kNoSlot);
      continue;
    }
    ASSERT_NE(slot, kNoSlot);
    // A recycled slot takes a finished record's place, and its id is gone.
    for (auto it = finished.begin(); it != finished.end(); ++it) {
      if (it->second == slot) {
        ASSERT_EQ(t.find(it->first.first, it->first.second), kNoSlot);
        finished.erase(it);
        break;
      }
    }
    live[key] = slot;
  }
}

}  // namespace
}  // namespace matchgate::gateway
