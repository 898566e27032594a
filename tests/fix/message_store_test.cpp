// The per-member store that answers ResendRequests.
#include <gtest/gtest.h>

#include <string>

#include "matchgate/fix/message_store.hpp"

namespace matchgate::fix {
namespace {

TEST(MessageStore, KeepsMessagesBySequenceNumber) {
  MessageStore store;
  store.append(1, "logon", true);
  store.append(2, "report-2", false);
  store.append(3, "report-3", false);
  EXPECT_EQ(store.first_seq(), 1U);
  EXPECT_EQ(store.last_seq(), 3U);
  EXPECT_EQ(store.message(2), "report-2");
  EXPECT_TRUE(store.is_admin(1));
  EXPECT_FALSE(store.is_admin(3));
  EXPECT_TRUE(store.message(4).empty());
  EXPECT_TRUE(store.message(0).empty());
}

TEST(MessageStore, ResetStartsAfresh) {
  MessageStore store;
  store.append(1, "a", false);
  store.append(2, "b", false);
  store.reset(1);
  EXPECT_TRUE(store.message(2).empty());
  store.append(1, "c", false);
  EXPECT_EQ(store.message(1), "c");
}

TEST(MessageStore, DropsTheOldestPastItsBoundAndKeepsTheRestIntact) {
  MessageStore store(1000);
  for (std::uint64_t seq = 1; seq <= 500; ++seq) {
    store.append(seq, "message-" + std::to_string(seq), false);
    ASSERT_LE(store.stored_bytes(), 1000U);
  }
  EXPECT_EQ(store.last_seq(), 500U);
  EXPECT_GT(store.first_seq(), 1U);
  EXPECT_EQ(store.dropped(), store.first_seq() - 1);
  EXPECT_TRUE(store.message(1).empty());
  EXPECT_TRUE(store.is_admin(1));  // what is gone is gap-filled on resend
  for (std::uint64_t seq = store.first_seq(); seq <= 500; ++seq) {
    ASSERT_EQ(store.message(seq), "message-" + std::to_string(seq)) << seq;
  }
}

TEST(MessageStore, AnOversizedMessageIsStillKept) {
  MessageStore store(10);
  store.append(1, "small", false);
  store.append(2, std::string(50, 'x'), false);
  EXPECT_EQ(store.message(2).size(), 50U);
  EXPECT_TRUE(store.message(1).empty());
}

}  // namespace
}  // namespace matchgate::fix
