#pragma once
#include <cstdint>
#include <memory_resource>

#include "matchgate/engine/order.hpp"

namespace matchgate::engine {

// Fixed-capacity slab of orders with an intrusive free list: acquiring and
// releasing a slot never touches the heap. Slots above the high-water mark
// are handed out in order, so start-up does not fault in the whole slab, and
// the free list is LIFO, so the live orders crowd into few, warm slots.
// Queue links live in a parallel array of 8-byte entries for the same reason.
class OrderPool {
 public:
  OrderPool(std::uint32_t capacity, std::pmr::memory_resource* memory);
  ~OrderPool();
  OrderPool(const OrderPool&) = delete;
  OrderPool& operator=(const OrderPool&) = delete;

  // kNil when full.
  std::uint32_t acquire() noexcept {
    if (free_head_ != kNil) {
      const std::uint32_t slot = free_head_;
      free_head_ = links_[slot].next;
      ++in_use_;
      return slot;
    }
    if (high_water_ == capacity_) return kNil;
    ++in_use_;
    return high_water_++;
  }

  void release(std::uint32_t slot) noexcept {
    slots_[slot].id = kNoOrder;
    links_[slot].next = free_head_;
    free_head_ = slot;
    --in_use_;
  }

  Order& operator[](std::uint32_t slot) noexcept { return slots_[slot]; }
  const Order& operator[](std::uint32_t slot) const noexcept { return slots_[slot]; }
  OrderLink& link(std::uint32_t slot) noexcept { return links_[slot]; }
  const OrderLink& link(std::uint32_t slot) const noexcept { return links_[slot]; }

  // Back to the state of a new pool. Only for undoing a failed snapshot load:
  // outstanding slots become free without being released one by one.
  void reset() noexcept {
    high_water_ = 0;
    free_head_ = kNil;
    in_use_ = 0;
  }

  bool full() const noexcept { return in_use_ == capacity_; }
  std::uint32_t in_use() const noexcept { return in_use_; }
  std::uint32_t capacity() const noexcept { return capacity_; }

 private:
  std::pmr::memory_resource* memory_;
  Order* slots_;
  OrderLink* links_;
  std::uint32_t capacity_;
  std::uint32_t high_water_ = 0;
  std::uint32_t free_head_ = kNil;
  std::uint32_t in_use_ = 0;
};

}  // namespace matchgate::engine
