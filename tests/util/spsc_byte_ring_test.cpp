// SpscByteRing carries log records between threads: entries of any size
// arrive whole, in order, across the wrap, and a full ring says so.
#include "matchgate/util/spsc_byte_ring.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

namespace matchgate::util {
namespace {

std::size_t size_of_entry(std::uint64_t i) {
  return 1 + (i * 7919) % 700;
}

TEST(SpscByteRing, EntriesArriveWholeAndInOrderAcrossTheWrap) {
  SpscByteRing ring(4096);
  std::uint64_t produced = 0;
  std::uint64_t consumed = 0;
  while (consumed < 5000) {
    // Fill until full, then drain a few: exercises wrap and skip markers.
    for (;;) {
      const std::size_t n = size_of_entry(produced);
      std::byte* p = ring.try_claim(n);
      if (p == nullptr) break;
      for (std::size_t k = 0; k < n; ++k) p[k] = static_cast<std::byte>((produced + k) & 0xff);
      ring.publish();
      ++produced;
    }
    for (int j = 0; j < 3; ++j) {
      const auto e = ring.peek();
      ASSERT_FALSE(e.empty());
      ASSERT_EQ(e.size(), size_of_entry(consumed));
      for (std::size_t k = 0; k < e.size(); ++k) {
        ASSERT_EQ(e[k], static_cast<std::byte>((consumed + k) & 0xff)) << consumed;
      }
      ring.release();
      ++consumed;
    }
  }
}

TEST(SpscByteRing, FullRingRefusesAndTooLargeEntriesAreRefused) {
  SpscByteRing ring(4096);
  EXPECT_EQ(ring.try_claim(ring.max_entry() + 1), nullptr);
  int taken = 0;
  while (ring.try_claim(1000) != nullptr) {
    ring.publish();
    ++taken;
  }
  EXPECT_GE(taken, 3);
  EXPECT_LE(taken, 4);
  EXPECT_TRUE(ring.peek().size() == 1000);
  ring.release();
  EXPECT_NE(ring.try_claim(1000), nullptr);  // room again after a release
}

TEST(SpscByteRing, TwoThreadsMoveAMillionEntries) {
  SpscByteRing ring(1 << 16);
  constexpr std::uint64_t kCount = 1'000'000;
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kCount; ++i) {
      const std::size_t n = 8 + i % 200;
      std::byte* p;
      while ((p = ring.try_claim(n)) == nullptr) std::this_thread::yield();
      std::memcpy(p, &i, 8);
      ring.publish();
    }
  });
  std::uint64_t next = 0;
  while (next < kCount) {
    const auto e = ring.peek();
    if (e.empty()) continue;
    std::uint64_t v;
    std::memcpy(&v, e.data(), 8);
    ASSERT_EQ(v, next);
    ASSERT_EQ(e.size(), 8 + next % 200);
    ring.release();
    ++next;
  }
  producer.join();
  EXPECT_TRUE(ring.empty_approx());
}

}  // namespace
}  // namespace matchgate::util
