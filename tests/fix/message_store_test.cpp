// The per-member store that answers ResendRequests: a fixed ring that keeps
// the newest messages it has room for, each in one piece.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <string>
#include <vector>

#include "matchgate/fix/message_store.hpp"

namespace matchgate::fix {
namespace {

std::string numbered(std::uint64_t seq, std::size_t length) {
  std::string m = "message-" + std::to_string(seq) + "-";
  m.resize(length, static_cast<char>('a' + seq % 26));
  return m;
}

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
  MessageStore store(1000);
  store.append(1, "a", false);
  store.append(2, "b", false);
  store.reset(1);
  EXPECT_TRUE(store.message(2).empty());
  EXPECT_EQ(store.stored_bytes(), 0U);
  store.append(1, "c", false);
  EXPECT_EQ(store.message(1), "c");
  EXPECT_TRUE(store.message(2).empty());
  EXPECT_EQ(store.dropped(), 0U);  // a reset forgets; it does not drop
}

TEST(MessageStore, ANumberOutOfSequenceStartsAfresh) {
  MessageStore store(1000);
  store.append(1, "a", false);
  store.append(2, "b", false);
  store.append(10, "j", false);
  EXPECT_EQ(store.first_seq(), 10U);
  EXPECT_EQ(store.last_seq(), 10U);
  EXPECT_TRUE(store.message(2).empty());
  EXPECT_EQ(store.message(10), "j");
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

TEST(MessageStore, AMessageThatWouldRunPastTheEndGoesToTheStartInOnePiece) {
  MessageStore store(100);
  store.append(1, numbered(1, 40), false);  // ring bytes 0..40
  store.append(2, numbered(2, 40), false);  // 40..80
  // 80 + 30 > 100: the last 20 bytes are skipped; 3 goes to 0..30, over 1.
  store.append(3, numbered(3, 30), false);
  EXPECT_EQ(store.first_seq(), 2U);
  EXPECT_EQ(store.message(2), numbered(2, 40));
  EXPECT_EQ(store.message(3), numbered(3, 30));
  EXPECT_EQ(store.stored_bytes(), 90U);  // 40..100 (with the skipped end) and 0..30
  // 30..60 is over 2 (40..80), though 3 alone would leave room for 70 bytes.
  store.append(4, numbered(4, 30), false);
  EXPECT_EQ(store.first_seq(), 3U);
  EXPECT_EQ(store.message(3), numbered(3, 30));
  EXPECT_EQ(store.message(4), numbered(4, 30));
  EXPECT_EQ(store.dropped(), 2U);
}

TEST(MessageStore, KeepsTheNewestAcrossManyTurnsOfTheRing) {
  MessageStore store(1000);
  std::vector<std::string> sent(1);
  for (std::uint64_t seq = 1; seq <= 2000; ++seq) {
    sent.push_back(numbered(seq, 20 + seq * 7 % 90));
    store.append(seq, sent.back(), seq % 5 == 0);
    ASSERT_LE(store.stored_bytes(), store.capacity_bytes());
    // Whatever it holds is what was sent, down to the oldest.
    for (std::uint64_t n = store.first_seq(); n <= seq; ++n) {
      ASSERT_EQ(store.message(n), sent[n]) << n << " after " << seq;
      ASSERT_EQ(store.is_admin(n), n % 5 == 0);
    }
  }
  EXPECT_EQ(store.dropped(), store.first_seq() - 1);
  // Most of the ring is in use: at most one message and one skipped end are
  // not (each under 110 bytes).
  EXPECT_GE(store.stored_bytes(), store.capacity_bytes() - 220);
}

TEST(MessageStore, HoldsAtMostItsMessageSlots) {
  MessageStore store(MessageStore::kBytesPerEntry * 64);
  ASSERT_EQ(store.capacity_messages(), 64U);
  for (std::uint64_t seq = 1; seq <= 200; ++seq) store.append(seq, "x", false);
  EXPECT_EQ(store.first_seq(), 200U - 64 + 1);
  EXPECT_EQ(store.last_seq(), 200U);
  EXPECT_EQ(store.message(137), "x");
  EXPECT_TRUE(store.message(136).empty());
  EXPECT_EQ(store.dropped(), 136U);
}

TEST(MessageStore, AMessageLargerThanTheRingIsNotKeptButKeepsItsNumber) {
  MessageStore store(100);
  store.append(1, "small", false);
  store.append(2, std::string(101, 'x'), false);
  store.append(3, "after", false);
  EXPECT_EQ(store.message(1), "small");  // nothing older had to make room
  EXPECT_TRUE(store.message(2).empty());
  EXPECT_TRUE(store.is_admin(2));  // resent as a gap fill
  EXPECT_EQ(store.message(3), "after");
  EXPECT_EQ(store.last_seq(), 3U);
  EXPECT_EQ(store.dropped(), 1U);
  // Exactly the ring's size still fits, in place of everything else.
  store.append(4, std::string(100, 'y'), false);
  EXPECT_EQ(store.message(4), std::string(100, 'y'));
  EXPECT_EQ(store.first_seq(), 4U);
}

TEST(MessageStore, SaveAndLoadRoundTrip) {
  MessageStore store(1000);
  for (std::uint64_t seq = 5; seq <= 300; ++seq) store.append(seq, numbered(seq, 33), seq % 3 == 0);
  std::vector<std::byte> bytes;
  util::ByteWriter out(bytes);
  store.save(out);

  MessageStore same(1000);
  same.append(1, "to be replaced", false);
  util::ByteReader in(bytes);
  same.load(in);
  EXPECT_EQ(in.remaining(), 0U);
  EXPECT_EQ(same.first_seq(), store.first_seq());
  EXPECT_EQ(same.last_seq(), 300U);
  EXPECT_EQ(same.dropped(), store.dropped());
  EXPECT_TRUE(same.message(1).empty());
  for (std::uint64_t seq = store.first_seq(); seq <= 300; ++seq) {
    ASSERT_EQ(same.message(seq), store.message(seq)) << seq;
    ASSERT_EQ(same.is_admin(seq), store.is_admin(seq)) << seq;
  }
  // Appending goes on after the loaded messages.
  same.append(301, "next", false);
  EXPECT_EQ(same.message(301), "next");
  EXPECT_EQ(same.message(300), store.message(300));
}

TEST(MessageStore, LoadingIntoASmallerRingKeepsTheNewest) {
  MessageStore store(1000);
  for (std::uint64_t seq = 1; seq <= 20; ++seq) store.append(seq, numbered(seq, 40), false);
  std::vector<std::byte> bytes;
  util::ByteWriter out(bytes);
  store.save(out);
  MessageStore small(100);
  util::ByteReader in(bytes);
  small.load(in);
  EXPECT_EQ(small.last_seq(), 20U);
  EXPECT_EQ(small.message(20), numbered(20, 40));
  EXPECT_EQ(small.message(19), numbered(19, 40));
  EXPECT_TRUE(small.message(18).empty());
  EXPECT_EQ(small.dropped(), 18U);
}

// AddressSanitizer faults its own shadow pages in on the first check of
// each page, so the page-fault count means nothing in that build: the test
// is not compiled there (the release build runs it) rather than skipped,
// since CI fails on every skipped test.
#if defined(__SANITIZE_ADDRESS__)
#define MATCHGATE_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MATCHGATE_TEST_UNDER_ASAN 1
#endif
#endif

#ifndef MATCHGATE_TEST_UNDER_ASAN
long minor_faults() {
  rusage usage{};
  ::getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_minflt;
}

// What prefault is for: no page fault on the order path, however much of
// the ring is new.
TEST(MessageStore, APrefaultedStoreTakesNoPageFaultWhileAppending) {
  const std::string message = numbered(1, 256);
  MessageStore store(std::size_t{4} << 20, true);
  const std::uint64_t messages = store.capacity_bytes() / message.size();
  const long before = minor_faults();
  for (std::uint64_t seq = 1; seq <= messages; ++seq) store.append(seq, message, false);
  const long faults = minor_faults() - before;
  EXPECT_EQ(store.first_seq(), 1U);
  EXPECT_LT(faults, 16) << "writing " << messages << " messages over 1024 pages";
}

#endif  // MATCHGATE_TEST_UNDER_ASAN

}  // namespace
}  // namespace matchgate::fix
