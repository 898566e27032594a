#include "matchgate/util/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <memory_resource>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using matchgate::util::SpscRing;

// The size of the gateway-to-engine messages the ring is built for.
struct Msg {
  std::uint64_t seq;
  std::uint64_t payload[7];
};
static_assert(sizeof(Msg) == 64);

std::uint64_t mix(std::uint64_t x) {
  // splitmix64 finaliser: every payload word depends on every bit of seq, so
  // a torn or stale slot shows up as a mismatch.
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Msg make_msg(std::uint64_t seq) {
  Msg m{};
  m.seq = seq;
  for (int i = 0; i < 7; ++i) m.payload[i] = mix(seq * 8 + static_cast<std::uint64_t>(i));
  return m;
}

bool msg_ok(const Msg& m) {
  for (int i = 0; i < 7; ++i) {
    if (m.payload[i] != mix(m.seq * 8 + static_cast<std::uint64_t>(i))) return false;
  }
  return true;
}

static_assert(!std::is_copy_constructible_v<SpscRing<int>>);
static_assert(!std::is_copy_assignable_v<SpscRing<int>>);
static_assert(!std::is_move_constructible_v<SpscRing<int>>);
static_assert(!std::is_move_assignable_v<SpscRing<int>>);

TEST(SpscRing, CapacityRoundsUpToPowerOfTwo) {
  EXPECT_EQ(SpscRing<int>(1).capacity(), 1u);
  EXPECT_EQ(SpscRing<int>(2).capacity(), 2u);
  EXPECT_EQ(SpscRing<int>(3).capacity(), 4u);
  EXPECT_EQ(SpscRing<int>(5).capacity(), 8u);
  EXPECT_EQ(SpscRing<int>(1000).capacity(), 1024u);
  EXPECT_EQ(SpscRing<int>(1024).capacity(), 1024u);
  EXPECT_EQ(SpscRing<int>(1025).capacity(), 2048u);
}

TEST(SpscRing, RejectsZeroAndOverflowingCapacity) {
  EXPECT_THROW(SpscRing<int>(0), std::invalid_argument);
  EXPECT_THROW(SpscRing<Msg>(std::size_t{1} << 62), std::length_error);
  EXPECT_THROW(SpscRing<int>(8, nullptr), std::invalid_argument);
}

TEST(SpscRing, EmptyRingPopsNothing) {
  SpscRing<int> ring(8);
  int out = -1;
  EXPECT_FALSE(ring.try_pop(out));
  EXPECT_EQ(out, -1);
  EXPECT_EQ(ring.size_approx(), 0u);
  EXPECT_TRUE(ring.empty_approx());
  EXPECT_EQ(ring.drain([](const int&) { ADD_FAILURE(); }), 0u);
}

TEST(SpscRing, FullRingRefusesPushUntilPopped) {
  SpscRing<int> ring(4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ring.try_push(i));
  EXPECT_EQ(ring.size_approx(), 4u);
  EXPECT_FALSE(ring.try_push(99));
  EXPECT_FALSE(ring.try_push(99));

  int out = -1;
  ASSERT_TRUE(ring.try_pop(out));
  EXPECT_EQ(out, 0);
  EXPECT_TRUE(ring.try_push(4));
  EXPECT_FALSE(ring.try_push(99));

  for (int want = 1; want <= 4; ++want) {
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, want);
  }
  EXPECT_FALSE(ring.try_pop(out));
}

TEST(SpscRing, CapacityOneAlternates) {
  SpscRing<int> ring(1);
  int out = 0;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(ring.try_push(i));
    ASSERT_FALSE(ring.try_push(i));
    ASSERT_TRUE(ring.try_pop(out));
    ASSERT_EQ(out, i);
    ASSERT_FALSE(ring.try_pop(out));
  }
}

TEST(SpscRing, WrapsAroundManyTimesInOrder) {
  SpscRing<Msg> ring(8);
  std::uint64_t next_push = 0;
  std::uint64_t next_pop = 0;
  // Varying fill levels put the head and tail at every offset across wraps.
  for (int round = 0; round < 1000; ++round) {
    const int pushes = 1 + round % 8;
    for (int i = 0; i < pushes; ++i) {
      if (ring.try_push(make_msg(next_push))) ++next_push;
    }
    const int pops = 1 + (round * 5) % 8;
    for (int i = 0; i < pops; ++i) {
      Msg m{};
      if (!ring.try_pop(m)) break;
      ASSERT_EQ(m.seq, next_pop);
      ASSERT_TRUE(msg_ok(m));
      ++next_pop;
    }
    ASSERT_EQ(ring.size_approx(), next_push - next_pop);
  }
  EXPECT_GT(next_push, 8u * 100);
}

TEST(SpscRing, PushBatchPushesWhatFitsAcrossTheWrap) {
  SpscRing<int> ring(8);
  std::array<int, 12> in{};
  for (int i = 0; i < 12; ++i) in[static_cast<std::size_t>(i)] = i;

  EXPECT_EQ(ring.push_batch(in.data(), 0), 0u);
  EXPECT_EQ(ring.push_batch(in.data(), 5), 5u);
  int out = 0;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ring.try_pop(out));
  // Tail is now at slot 5: a full batch must split over the end of the buffer.
  EXPECT_EQ(ring.push_batch(in.data(), 12), 8u);
  EXPECT_EQ(ring.push_batch(in.data(), 1), 0u);
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, i);
  }
  EXPECT_FALSE(ring.try_pop(out));
}

TEST(SpscRing, DrainRespectsMaxAndOrder) {
  SpscRing<int> ring(16);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(ring.try_push(i));

  std::vector<int> seen;
  EXPECT_EQ(ring.drain([&](const int& v) { seen.push_back(v); }, 0), 0u);
  EXPECT_EQ(ring.drain([&](const int& v) { seen.push_back(v); }, 4), 4u);
  EXPECT_EQ(ring.size_approx(), 6u);
  EXPECT_EQ(ring.drain([&](const int& v) { seen.push_back(v); }), 6u);
  EXPECT_EQ(ring.drain([&](const int& v) { seen.push_back(v); }), 0u);
  ASSERT_EQ(seen.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
}

TEST(SpscRing, DrainFreesSlotsForTheProducer) {
  SpscRing<int> ring(4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(ring.try_push(i));
  ASSERT_FALSE(ring.try_push(4));
  EXPECT_EQ(ring.drain([](const int&) {}, 3), 3u);
  for (int i = 4; i < 7; ++i) EXPECT_TRUE(ring.try_push(i));
  EXPECT_FALSE(ring.try_push(7));
}

TEST(SpscRing, DrainThatThrowsConsumesUpToTheThrowingMessage) {
  SpscRing<int> ring(8);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(ring.try_push(i));
  int calls = 0;
  EXPECT_THROW(ring.drain([&](const int& v) {
    ++calls;
    if (v == 2) throw std::runtime_error("bad message");
  }),
               std::runtime_error);
  EXPECT_EQ(calls, 3);
  int out = -1;
  ASSERT_TRUE(ring.try_pop(out));
  EXPECT_EQ(out, 3);
  EXPECT_EQ(ring.size_approx(), 2u);
}

// Records what the ring asks of its memory resource.
class RecordingResource : public std::pmr::memory_resource {
 public:
  std::size_t allocations = 0;
  std::size_t deallocations = 0;
  std::size_t last_bytes = 0;
  std::size_t last_alignment = 0;
  void* last_ptr = nullptr;
  bool mismatch = false;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    ++allocations;
    last_bytes = bytes;
    last_alignment = alignment;
    last_ptr = std::pmr::new_delete_resource()->allocate(bytes, alignment);
    return last_ptr;
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    ++deallocations;
    if (p != last_ptr || bytes != last_bytes || alignment != last_alignment) mismatch = true;
    std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

TEST(SpscRing, StorageComesFromTheGivenResource) {
  RecordingResource res;
  {
    SpscRing<Msg> ring(100, &res);
    EXPECT_EQ(res.allocations, 1u);
    EXPECT_GE(res.last_bytes, 128 * sizeof(Msg));
    EXPECT_GE(res.last_alignment, 64u);
    ASSERT_TRUE(ring.try_push(make_msg(1)));  // a message left in the ring is fine at teardown
  }
  EXPECT_EQ(res.deallocations, 1u);
  EXPECT_FALSE(res.mismatch);
}

TEST(SpscRing, IndicesSitOnSeparateCacheLines) {
  EXPECT_GE(alignof(SpscRing<int>), 64u);
  EXPECT_GE(sizeof(SpscRing<int>), 4 * 64u);
}

// Which API each side of the stress test uses. Each form gets its own run so
// a weakened memory order in any one of them cannot hide behind another
// form's release/acquire pair (TSan then reports the slot copy as a race).
enum class Api { Single, Batch, Mixed };

// Two threads, millions of sequenced messages: every message must arrive
// exactly once, in order, intact. The ring is small, so full and empty are
// hit constantly and the indices wrap thousands of times.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::uint64_t kStressMessages = 200'000;
#else
constexpr std::uint64_t kStressMessages = 10'000'000;
#endif

void run_stress(Api api, std::uint64_t kMessages) {
  SpscRing<Msg> ring(1024);
  auto use_batch = [api](std::uint64_t seq, std::uint64_t every) {
    return api == Api::Batch || (api == Api::Mixed && seq % every == 0);
  };

  std::uint64_t produced_sum = 0;
  std::thread producer([&] {
    std::array<Msg, 32> batch{};
    std::uint64_t seq = 0;
    unsigned failures = 0;
    while (seq < kMessages) {
      bool progressed = false;
      if (use_batch(seq, 3)) {
        const std::uint64_t n = std::min<std::uint64_t>(batch.size(), kMessages - seq);
        for (std::uint64_t i = 0; i < n; ++i) batch[i] = make_msg(seq + i);
        const std::size_t pushed = ring.push_batch(batch.data(), n);
        for (std::size_t i = 0; i < pushed; ++i) produced_sum += mix(seq + i);
        seq += pushed;
        progressed = pushed > 0;
      } else if (ring.try_push(make_msg(seq))) {
        produced_sum += mix(seq);
        ++seq;
        progressed = true;
      }
      // Yield now and then so a descheduled consumer on a busy (or
      // sanitised) machine gets to run; correctness does not depend on it.
      if (!progressed && ++failures % 16 == 0) std::this_thread::yield();
    }
  });

  std::uint64_t expected = 0;
  std::uint64_t consumed_sum = 0;
  std::uint64_t bad = 0;
  unsigned failures = 0;
  auto check = [&](const Msg& m) {
    if (m.seq != expected || !msg_ok(m)) ++bad;
    consumed_sum += mix(m.seq);
    ++expected;
  };
  while (expected < kMessages) {
    std::size_t got = 0;
    if (use_batch(expected, 2)) {
      got = ring.drain(check, 64);
    } else {
      Msg m{};
      if (ring.try_pop(m)) {
        check(m);
        got = 1;
      }
    }
    if (got == 0 && ++failures % 16 == 0) std::this_thread::yield();
  }
  producer.join();

  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(expected, kMessages);
  EXPECT_EQ(consumed_sum, produced_sum);
  Msg extra{};
  EXPECT_FALSE(ring.try_pop(extra));
}

// One handoff per message makes this form the slowest when the two threads
// share an oversubscribed core (CI), so it gets a fifth of the messages.
TEST(SpscRing, TwoThreadStressSingleMessageApi) {
  run_stress(Api::Single, kStressMessages / 5);
}
TEST(SpscRing, TwoThreadStressBatchApi) {
  run_stress(Api::Batch, kStressMessages);
}
TEST(SpscRing, TwoThreadStressMixedApi) {
  run_stress(Api::Mixed, kStressMessages);
}

}  // namespace
