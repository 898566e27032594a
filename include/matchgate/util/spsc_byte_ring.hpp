#pragma once
// Bounded lock-free ring of variable-length byte entries between exactly one
// producer thread and one consumer thread. Carries write-ahead-log records
// (an ExecutionReport is 200-400 bytes, an order request ~100) from the
// threads that produce them to the log writer without a fixed slot size.
//
// Layout: each entry is an 8-byte length word followed by its bytes, padded
// to 8. An entry never wraps: when it does not fit before the end of the
// buffer, a skip marker fills the rest and the entry starts at offset 0.
// Threading as SpscRing: try_claim/publish on the producer only,
// peek/release on the consumer only.
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>

#include "matchgate/util/cache_line.hpp"

namespace matchgate::util {

class SpscByteRing {
 public:
  // `capacity_bytes` is rounded up to a power of two (at least 4 KiB).
  explicit SpscByteRing(std::size_t capacity_bytes)
      : capacity_(std::bit_ceil(std::max<std::size_t>(capacity_bytes, 4096))),
        mask_(capacity_ - 1),
        buffer_(new std::byte[capacity_]) {}

  std::size_t capacity() const noexcept { return capacity_; }
  // The largest entry the ring can ever take.
  std::size_t max_entry() const noexcept { return capacity_ / 2 - kWord; }

  // Producer: space for an entry of `size` bytes, or nullptr while the ring
  // is too full. Nothing is visible to the consumer until publish().
  std::byte* try_claim(std::size_t size) noexcept {
    if (size > max_entry()) return nullptr;
    const std::size_t need = kWord + pad(size);
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    const std::size_t offset = tail & mask_;
    const std::size_t to_end = capacity_ - offset;
    const std::size_t total = need <= to_end ? need : to_end + need;
    if (!room(tail, total)) return nullptr;
    std::uint64_t at = tail;
    if (need > to_end) {
      write_word(offset, kSkip);
      at += to_end;
    }
    claim_end_ = at + need;
    write_word(at & mask_, size);
    return buffer_.get() + (at & mask_) + kWord;
  }
  void publish() noexcept { tail_.store(claim_end_, std::memory_order_release); }

  // Producer: free bytes right now (a lower bound for the consumer's view).
  std::size_t free_approx() noexcept {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    cached_head_ = head_.load(std::memory_order_acquire);
    return capacity_ - static_cast<std::size_t>(tail - cached_head_);
  }

  // Consumer: the oldest published entry, or an empty span.
  std::span<const std::byte> peek() noexcept {
    std::uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == cached_tail_) {
      cached_tail_ = tail_.load(std::memory_order_acquire);
      if (head == cached_tail_) return {};
    }
    std::uint64_t size = read_word(head & mask_);
    if (size == kSkip) {
      head += capacity_ - (head & mask_);
      head_.store(head, std::memory_order_release);
      size = read_word(head & mask_);
    }
    peeked_end_ = head + kWord + pad(size);
    return {buffer_.get() + (head & mask_) + kWord, static_cast<std::size_t>(size)};
  }
  // Consumer: frees the entry returned by the last peek().
  void release() noexcept { head_.store(peeked_end_, std::memory_order_release); }
  bool empty_approx() const noexcept {
    return head_.load(std::memory_order_relaxed) == tail_.load(std::memory_order_relaxed);
  }

 private:
  static constexpr std::size_t kWord = 8;
  static constexpr std::uint64_t kSkip = ~std::uint64_t{0};
  static constexpr std::size_t pad(std::size_t n) noexcept { return (n + 7) & ~std::size_t{7}; }

  bool room(std::uint64_t tail, std::size_t total) noexcept {
    if (tail + total - cached_head_ <= capacity_) return true;
    cached_head_ = head_.load(std::memory_order_acquire);
    return tail + total - cached_head_ <= capacity_;
  }
  void write_word(std::size_t offset, std::uint64_t v) noexcept {
    std::memcpy(buffer_.get() + offset, &v, kWord);
  }
  std::uint64_t read_word(std::size_t offset) const noexcept {
    std::uint64_t v;
    std::memcpy(&v, buffer_.get() + offset, kWord);
    return v;
  }

  const std::size_t capacity_;
  const std::size_t mask_;
  std::unique_ptr<std::byte[]> buffer_;
  alignas(kFalseSharingRange) std::atomic<std::uint64_t> head_{0};
  std::uint64_t peeked_end_ = 0;
  std::uint64_t cached_tail_ = 0;
  alignas(kFalseSharingRange) std::atomic<std::uint64_t> tail_{0};
  std::uint64_t cached_head_ = 0;
  std::uint64_t claim_end_ = 0;
};

}  // namespace matchgate::util
