#include "matchgate/util/chunked_vector.hpp"

#include <cstdint>

#include <gtest/gtest.h>

namespace matchgate::util {
namespace {

struct Entry {
  std::uint64_t id = 0;
  std::uint32_t value = 0;
  bool flag = false;
};

TEST(ChunkedVector, KeepsEveryEntryAcrossChunks) {
  ChunkedVector<Entry> v;
  const std::size_t n = 2 * ChunkedVector<Entry>::kPerChunk + 17;
  for (std::size_t i = 0; i < n; ++i) {
    v.push_back(Entry{i * 3, static_cast<std::uint32_t>(i), i % 2 == 0});
  }
  ASSERT_EQ(v.size(), n);
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_EQ(v[i].id, i * 3) << i;
    ASSERT_EQ(v[i].value, i) << i;
    ASSERT_EQ(v[i].flag, i % 2 == 0) << i;
  }
  EXPECT_EQ(v.back().value, n - 1);
}

TEST(ChunkedVector, EntriesNeverMoveWhenItGrows) {
  ChunkedVector<Entry> v;
  v.push_back(Entry{7, 7, true});
  const Entry* first = &v[0];
  for (std::size_t i = 0; i < 3 * ChunkedVector<Entry>::kPerChunk; ++i) v.push_back(Entry{});
  EXPECT_EQ(&v[0], first);
  EXPECT_EQ(v[0].id, 7U);
}

TEST(ChunkedVector, ClearForgetsEntriesAndReusesChunks) {
  ChunkedVector<Entry> v;
  for (std::size_t i = 0; i < ChunkedVector<Entry>::kPerChunk + 1; ++i) v.push_back(Entry{i});
  const Entry* second_chunk = &v[ChunkedVector<Entry>::kPerChunk];
  v.clear();
  EXPECT_TRUE(v.empty());
  for (std::size_t i = 0; i < ChunkedVector<Entry>::kPerChunk + 1; ++i) v.push_back(Entry{i + 1});
  EXPECT_EQ(&v[ChunkedVector<Entry>::kPerChunk], second_chunk);
  EXPECT_EQ(v[0].id, 1U);
}

TEST(ChunkedVector, ACopyHoldsTheSameEntriesInItsOwnChunks) {
  ChunkedVector<Entry> v;
  for (std::size_t i = 0; i < ChunkedVector<Entry>::kPerChunk + 5; ++i) v.push_back(Entry{i});
  ChunkedVector<Entry> copy = v;
  ChunkedVector<Entry> assigned;
  for (std::size_t i = 0; i < 3 * ChunkedVector<Entry>::kPerChunk; ++i) assigned.push_back(Entry{});
  assigned = v;
  v[0].id = 99;
  for (const ChunkedVector<Entry>* c : {&copy, &assigned}) {
    ASSERT_EQ(c->size(), v.size());
    EXPECT_EQ((*c)[0].id, 0U);
    for (std::size_t i = 1; i < v.size(); ++i) ASSERT_EQ((*c)[i].id, i) << i;
  }
}

TEST(ChunkedVector, AChunkHoldsAPowerOfTwoEntriesWithinTwoMebibytes) {
  constexpr std::size_t per = ChunkedVector<Entry>::kPerChunk;
  static_assert((per & (per - 1)) == 0);
  EXPECT_LE(per * sizeof(Entry), std::size_t{2} << 20);
  EXPECT_GT(2 * per * sizeof(Entry), std::size_t{2} << 20);
}

}  // namespace
}  // namespace matchgate::util
