#pragma once
// Bounded lock-free ring between exactly one producer thread and exactly one
// consumer thread: the only channel between network threads and engine shards.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory_resource>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "matchgate/util/cache_line.hpp"

namespace matchgate::util {

// Messages are copied byte-wise into and out of the ring, so they must be
// trivially copyable; that also means no destructor ever needs to run for a
// slot, which lets the ring be torn down with messages still in it.
//
// Capacity: the requested capacity is rounded up to the next power of two
// (1 stays 1, 3 becomes 4, 1024 stays 1024), so the slot index is a mask, not a
// division. Zero throws std::invalid_argument; a capacity whose buffer size
// would overflow throws std::length_error.
//
// Threading: try_push/push_batch may only be called by the one producer
// thread, try_pop/drain only by the one consumer thread; size_approx/capacity
// from anywhere. Which thread is producer may change only with external
// synchronisation (e.g. a thread join), never concurrently.
//
// Indices are 64-bit counters that only grow; at 10^9 messages/s they take
// over 500 years to wrap, so full/empty need no extra "lap" bit.
template <class T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "SpscRing copies messages byte-wise");
  static_assert(!std::is_const_v<T> && !std::is_volatile_v<T>);

 public:
  using value_type = T;

  explicit SpscRing(std::size_t min_capacity,
                    std::pmr::memory_resource* mr = std::pmr::get_default_resource())
      : SpscRing(Layout::for_capacity(min_capacity), mr) {}

  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;
  SpscRing(SpscRing&&) = delete;
  SpscRing& operator=(SpscRing&&) = delete;

  ~SpscRing() { mr_->deallocate(storage_, layout_.bytes, Layout::kAlign); }

  std::size_t capacity() const noexcept { return layout_.capacity; }

  // Producer side. Returns false when the ring is full: that is backpressure,
  // the caller decides whether to retry, drop or stop reading its socket.
  bool try_push(const T& item) noexcept {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - cached_head_ >= layout_.capacity) {
      // Only now touch the consumer's line; most pushes never do.
      cached_head_ = head_.load(std::memory_order_acquire);
      if (tail - cached_head_ >= layout_.capacity) return false;
    }
    std::memcpy(static_cast<void*>(slot(tail)), &item, sizeof(T));
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Producer side. Pushes as many of items[0..n) as fit, in order, published
  // with a single release store; returns how many were pushed (0 when full).
  std::size_t push_batch(const T* items, std::size_t n) noexcept {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    std::uint64_t free_slots = layout_.capacity - (tail - cached_head_);
    if (free_slots < n) {
      cached_head_ = head_.load(std::memory_order_acquire);
      free_slots = layout_.capacity - (tail - cached_head_);
    }
    const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(free_slots, n));
    if (count == 0) return 0;
    const std::size_t first = static_cast<std::size_t>(tail & layout_.mask);
    const std::size_t until_wrap = std::min(count, layout_.capacity - first);
    std::memcpy(static_cast<void*>(buffer() + first), items, until_wrap * sizeof(T));
    if (count > until_wrap) {
      std::memcpy(static_cast<void*>(buffer()), items + until_wrap,
                  (count - until_wrap) * sizeof(T));
    }
    tail_.store(tail + count, std::memory_order_release);
    return count;
  }

  // Consumer side. Returns false when the ring is empty.
  bool try_pop(T& out) noexcept {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == cached_tail_) {
      cached_tail_ = tail_.load(std::memory_order_acquire);
      if (head == cached_tail_) return false;
    }
    std::memcpy(static_cast<void*>(&out), slot(head), sizeof(T));
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Consumer side. Calls f(const T&) on up to max messages in place (no copy
  // out), oldest first, then frees their slots with one release store, so the
  // producer cannot overwrite a message while f looks at it. f must not keep
  // the reference. If f throws, the messages f was called on so far count as
  // consumed (the one that threw included) and the exception propagates.
  // Returns the number of messages consumed.
  template <class F>
  std::size_t drain(F&& f, std::size_t max = std::numeric_limits<std::size_t>::max()) {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    std::uint64_t available = cached_tail_ - head;
    if (available < max) {
      // One acquire load per batch, amortised over the whole batch.
      cached_tail_ = tail_.load(std::memory_order_acquire);
      available = cached_tail_ - head;
    }
    const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(available, max));
    if (count == 0) return 0;

    struct Release {
      std::atomic<std::uint64_t>& head_ref;
      std::uint64_t start;
      std::size_t done = 0;
      ~Release() { head_ref.store(start + done, std::memory_order_release); }
    } release{head_, head};

    while (release.done < count) {
      const T& item = *slot(head + release.done);
      ++release.done;
      f(item);
    }
    return count;
  }

  // Any thread. A snapshot that may be stale by the time it is used; for
  // metrics and tests, never for deciding whether a push will succeed.
  std::size_t size_approx() const noexcept {
    // Head first: tail is then at least as new, so the difference is never
    // negative; it can exceed capacity if both moved in between, hence the clamp.
    const std::uint64_t head = head_.load(std::memory_order_acquire);
    const std::uint64_t tail = tail_.load(std::memory_order_acquire);
    return static_cast<std::size_t>(std::min<std::uint64_t>(tail - head, layout_.capacity));
  }

  bool empty_approx() const noexcept { return size_approx() == 0; }

 private:
  struct Layout {
    // Slots start on their own lines and the buffer is padded at the end, so
    // neither end of the buffer shares a line with whatever the resource
    // placed next to it.
    static constexpr std::size_t kAlign = std::max(alignof(T), kFalseSharingRange);

    std::size_t capacity;
    std::size_t mask;
    std::size_t bytes;

    static Layout for_capacity(std::size_t min_capacity) {
      if (min_capacity == 0) throw std::invalid_argument("SpscRing capacity must be > 0");
      constexpr std::size_t kMaxCapacity =
          std::bit_floor((std::numeric_limits<std::size_t>::max() - kAlign) / sizeof(T));
      if (min_capacity > kMaxCapacity) throw std::length_error("SpscRing capacity too large");
      const std::size_t cap = std::bit_ceil(min_capacity);
      const std::size_t raw = cap * sizeof(T);
      const std::size_t bytes = (raw + kAlign - 1) / kAlign * kAlign;
      return Layout{cap, cap - 1, bytes};
    }
  };

  SpscRing(Layout layout, std::pmr::memory_resource* mr)
      : layout_(layout), mr_(checked(mr)), storage_(mr_->allocate(layout.bytes, Layout::kAlign)) {}

  static std::pmr::memory_resource* checked(std::pmr::memory_resource* mr) {
    if (mr == nullptr) throw std::invalid_argument("SpscRing needs a memory resource");
    return mr;
  }

  T* buffer() const noexcept {
    // Bytes copied in with memcpy implicitly create the T objects (T is
    // trivially copyable), so reading them back through T* is well defined.
    return std::launder(static_cast<T*>(storage_));
  }
  T* slot(std::uint64_t index) const noexcept {
    return buffer() + static_cast<std::size_t>(index & layout_.mask);
  }

  // Read-only after construction and read by both sides: may share a line.
  const Layout layout_;
  std::pmr::memory_resource* const mr_;
  void* const storage_;

  // Written by the producer, read by the consumer.
  alignas(kFalseSharingRange) std::atomic<std::uint64_t> tail_{0};
  // The producer's private copy of head_: lets it push without loading the
  // consumer's line until it believes the ring is full. Kept off tail_'s line
  // so the consumer polling tail_ never steals the line the producer reads.
  alignas(kFalseSharingRange) std::uint64_t cached_head_ = 0;

  // Written by the consumer, read by the producer.
  alignas(kFalseSharingRange) std::atomic<std::uint64_t> head_{0};
  // The consumer's private copy of tail_, for the same reason.
  alignas(kFalseSharingRange) std::uint64_t cached_tail_ = 0;
  // The class's alignment pads sizeof to a multiple of kFalseSharingRange, so
  // nothing placed after the ring can share cached_tail_'s line pair.
};

}  // namespace matchgate::util
