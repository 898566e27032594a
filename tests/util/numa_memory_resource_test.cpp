#include "matchgate/util/numa_memory_resource.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "matchgate/util/cpu_affinity.hpp"
#include "matchgate/util/spsc_ring.hpp"

namespace {

using matchgate::util::NumaMemoryResource;

bool aligned_to(const void* p, std::size_t alignment) {
  return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

// Writes a pattern over the whole block and reads it back: catches blocks
// shorter than asked for (ASan cannot see inside mmap'd memory).
bool usable(void* p, std::size_t bytes) {
  auto* b = static_cast<unsigned char*>(p);
  for (std::size_t i = 0; i < bytes; ++i) b[i] = static_cast<unsigned char>(i * 31 + 7);
  for (std::size_t i = 0; i < bytes; ++i) {
    if (b[i] != static_cast<unsigned char>(i * 31 + 7)) return false;
  }
  return true;
}

TEST(NumaMemoryResource, AllocatesAlignedUsableBlocksOnNodeOfCpu0) {
  NumaMemoryResource res(matchgate::util::numa_node_of_cpu(0));
  for (std::size_t alignment :
       {std::size_t{1}, std::size_t{8}, std::size_t{64}, std::size_t{128}, res.page_size()}) {
    for (std::size_t bytes : {std::size_t{1}, std::size_t{100}, std::size_t{4096},
                              std::size_t{3 * 4096 + 17}, std::size_t{1} << 20}) {
      void* p = res.allocate(bytes, alignment);
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(aligned_to(p, alignment)) << bytes << " @ " << alignment;
      EXPECT_TRUE(usable(p, bytes));
      res.deallocate(p, bytes, alignment);
    }
  }
}

TEST(NumaMemoryResource, ManyLiveBlocksDoNotOverlap) {
  NumaMemoryResource res;
  std::vector<void*> blocks;
  for (int i = 0; i < 64; ++i) {
    void* p = res.allocate(1000, 64);
    std::memset(p, i, 1000);
    blocks.push_back(p);
  }
  for (int i = 0; i < 64; ++i) {
    auto* b = static_cast<unsigned char*>(blocks[static_cast<std::size_t>(i)]);
    EXPECT_EQ(b[0], i);
    EXPECT_EQ(b[999], i);
  }
  for (void* p : blocks) res.deallocate(p, 1000, 64);
}

TEST(NumaMemoryResource, ZeroByteAllocationIsValid) {
  NumaMemoryResource res;
  void* p = res.allocate(0, 8);
  EXPECT_NE(p, nullptr);
  res.deallocate(p, 0, 8);
}

TEST(NumaMemoryResource, AlignmentBeyondPageSizeIsRefused) {
  NumaMemoryResource res;
  EXPECT_THROW((void)res.allocate(64, res.page_size() * 2), std::bad_alloc);
}

TEST(NumaMemoryResource, UnknownNodeIsRejected) {
  EXPECT_THROW(NumaMemoryResource(-2), std::invalid_argument);
  NumaMemoryResource probe;
  if (!probe.numa_backed()) GTEST_SKIP() << "libnuma unavailable: nodes cannot be checked";
  EXPECT_THROW(NumaMemoryResource(matchgate::util::numa_node_count() + 1000),
               std::invalid_argument);
}

TEST(NumaMemoryResource, HugePagesAreBestEffort) {
  NumaMemoryResource res(0, {.huge_pages = true, .prefault = true});
  const std::size_t big = std::size_t{4} << 20;
  void* a = res.allocate(big, 4096);
  void* b = res.allocate(100, 64);  // below one huge page: normal pages
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(aligned_to(a, 4096));
  EXPECT_TRUE(usable(a, big));
  EXPECT_TRUE(usable(b, 100));
  EXPECT_LE(res.huge_page_blocks(), 1u);  // 1 only if the host reserved huge pages
  res.deallocate(a, big, 4096);
  res.deallocate(b, 100, 64);
  EXPECT_EQ(res.huge_page_blocks(), 0u);
}

TEST(NumaMemoryResource, PrefaultedBlocksAreUsable) {
  NumaMemoryResource res(-1, {.huge_pages = false, .prefault = true});
  const std::size_t bytes = 5 * res.page_size() + 3;
  void* p = res.allocate(bytes, 64);
  EXPECT_TRUE(usable(p, bytes));
  res.deallocate(p, bytes, 64);
}

TEST(NumaMemoryResource, EqualOnlyToItself) {
  NumaMemoryResource a(0);
  NumaMemoryResource b(0);
  EXPECT_TRUE(a.is_equal(a));
  EXPECT_FALSE(a.is_equal(b));
  EXPECT_FALSE(a.is_equal(*std::pmr::new_delete_resource()));
}

TEST(NumaMemoryResource, BacksRingsAndPmrContainers) {
  NumaMemoryResource res(matchgate::util::numa_node_of_cpu(0));
  matchgate::util::SpscRing<std::uint64_t> ring(1024, &res);
  for (std::uint64_t i = 0; i < 1024; ++i) ASSERT_TRUE(ring.try_push(i));
  std::uint64_t sum = 0;
  ring.drain([&](const std::uint64_t& v) { sum += v; });
  EXPECT_EQ(sum, 1023u * 1024u / 2u);

  // Small objects go through a pool on top, as documented.
  std::pmr::monotonic_buffer_resource arena(64 * 1024, &res);
  std::pmr::vector<int> v(&arena);
  for (int i = 0; i < 10000; ++i) v.push_back(i);
  EXPECT_EQ(v[9999], 9999);
}

TEST(CpuAffinity, NodeOfCpuFallsBackToZero) {
  EXPECT_GE(matchgate::util::numa_node_of_cpu(0), 0);
  EXPECT_EQ(matchgate::util::numa_node_of_cpu(-1), 0);
  EXPECT_GE(matchgate::util::numa_node_count(), 1);
}

TEST(CpuAffinity, PinningReportsErrorsAsValues) {
  EXPECT_NE(matchgate::util::pin_current_thread(-1), "");
  EXPECT_NE(matchgate::util::pin_current_thread(1 << 20), "");

  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
  if (!CPU_ISSET(0, &allowed)) GTEST_SKIP() << "cpu 0 is not in this process's cpuset";
  // On a fresh thread, so the test runner's own affinity is left alone.
  std::string error = "not run";
  int cpu = -1;
  std::thread t([&] {
    error = matchgate::util::pin_current_thread(0);
    cpu = matchgate::util::current_cpu();
  });
  t.join();
  EXPECT_EQ(error, "");
  EXPECT_EQ(cpu, 0);
}

TEST(CpuAffinity, ThreadNameIsTruncatedNotRejected) {
  std::string error = "not run";
  char name[32] = {};
  std::thread t([&] {
    error = matchgate::util::set_current_thread_name("a-name-longer-than-fifteen");
    pthread_getname_np(pthread_self(), name, sizeof(name));
  });
  t.join();
  EXPECT_EQ(error, "");
  EXPECT_STREQ(name, "a-name-longer-t");
}

}  // namespace
