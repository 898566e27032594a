#pragma once
#include <cstdint>

#include "matchgate/engine/order_pool.hpp"

namespace matchgate::engine {

// All resting orders at one price on one side, oldest first. The queue is
// intrusive (links live in the orders), so a level is 32 bytes and moving it
// within its side's array moves no orders.
struct PriceLevel {
  Price price;
  Qty total;  // sum of the queued orders' leaves
  std::uint32_t head;
  std::uint32_t tail;
  std::uint32_t count;

  void push_back(OrderPool& pool, std::uint32_t slot) noexcept {
    OrderLink& l = pool.link(slot);
    l.prev = tail;
    l.next = kNil;
    if (tail != kNil) {
      pool.link(tail).next = slot;
    } else {
      head = slot;
    }
    tail = slot;
    total += pool[slot].leaves();
    ++count;
  }

  // Unlinks without touching `total`: callers adjust it by what they remove,
  // which for a filled maker is already zero.
  void unlink(OrderPool& pool, std::uint32_t slot) noexcept {
    const OrderLink l = pool.link(slot);
    if (l.prev != kNil) {
      pool.link(l.prev).next = l.next;
    } else {
      head = l.next;
    }
    if (l.next != kNil) {
      pool.link(l.next).prev = l.prev;
    } else {
      tail = l.prev;
    }
    --count;
  }
};
static_assert(sizeof(PriceLevel) == 32);

}  // namespace matchgate::engine
