#pragma once
// An append-only sequence of trivially copyable values stored in 2 MiB
// chunks that never move, each asked of the kernel as a transparent huge
// page (madvise MADV_HUGEPAGE, for THP in "madvise" mode).
//
// Why not std::vector: a list that grows all day (the clearing ledger's
// trades: about 100 bytes each, millions a day) doubles by copying into
// fresh memory, and the fresh memory is first touched one 4 KiB page fault
// per ~40 entries; that was about 40% of booking a trade
// (bench/clearing/trade_book_bench). Here an entry is copied once, a chunk
// costs one fault where huge pages are granted (else the same 4 KiB faults,
// without the copies), and clear() keeps the chunks for the next day.
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#include "matchgate/util/assert.hpp"

namespace matchgate::util {

namespace detail {
inline constexpr std::size_t kChunkBytes = std::size_t{2} << 20;
// A kChunkBytes block, aligned to its size so the kernel can back it with
// one huge page; throws std::bad_alloc.
void* allocate_huge_chunk();
struct FreeChunk {
  void operator()(void* p) const noexcept { std::free(p); }
};
}  // namespace detail

template <typename T>
class ChunkedVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "entries are copied in bytes and never destroyed");
  // Entries per chunk: the largest power of two that fits, so an index
  // splits into chunk and slot with a shift and a mask.
  static constexpr std::size_t per_chunk() {
    std::size_t n = 1;
    while (2 * n * sizeof(T) <= detail::kChunkBytes) n *= 2;
    return n;
  }

 public:
  static constexpr std::size_t kPerChunk = per_chunk();

  ChunkedVector() = default;
  // A copy holds the same entries in chunks of its own (the clearing
  // ledger is copied at a business date's close for the settlement report).
  ChunkedVector(const ChunkedVector& other) { *this = other; }
  ChunkedVector& operator=(const ChunkedVector& other) {
    if (this == &other) return *this;
    while (chunks_.size() * kPerChunk < other.size_) {
      chunks_.emplace_back(detail::allocate_huge_chunk());
    }
    for (std::size_t done = 0; done < other.size_; done += kPerChunk) {
      const std::size_t count = std::min(kPerChunk, other.size_ - done);
      std::memcpy(slot(done), other.slot(done), count * sizeof(T));
    }
    size_ = other.size_;
    return *this;
  }
  ChunkedVector(ChunkedVector&&) noexcept = default;
  ChunkedVector& operator=(ChunkedVector&&) noexcept = default;

  void push_back(const T& value) {
    if (size_ == chunks_.size() * kPerChunk) {
      chunks_.emplace_back(detail::allocate_huge_chunk());
    }
    new (slot(size_)) T(value);
    ++size_;
  }
  T& operator[](std::size_t i) noexcept {
    MATCHGATE_ASSERT(i < size_, "ChunkedVector index out of range");
    return *slot(i);
  }
  const T& operator[](std::size_t i) const noexcept {
    MATCHGATE_ASSERT(i < size_, "ChunkedVector index out of range");
    return *slot(i);
  }
  T& back() noexcept { return (*this)[size_ - 1]; }
  const T& back() const noexcept { return (*this)[size_ - 1]; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  // Forgets the entries, keeps the chunks.
  void clear() noexcept { size_ = 0; }

 private:
  T* slot(std::size_t i) const noexcept {
    return static_cast<T*>(chunks_[i / kPerChunk].get()) + i % kPerChunk;
  }

  std::vector<std::unique_ptr<void, detail::FreeChunk>> chunks_;
  std::size_t size_ = 0;
};

}  // namespace matchgate::util
