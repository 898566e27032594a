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
    Order& o = pool[slot];
    o.prev = tail;
    o.next = kNil;
    if (tail != kNil) {
      pool[tail].next = slot;
    } else {
      head = slot;
    }
    tail = slot;
    total += o.leaves();
    ++count;
  }

  // Unlinks without touching `total`: callers adjust it by what they remove,
  // which for a filled maker is already zero.
  void unlink(OrderPool& pool, std::uint32_t slot) noexcept {
    Order& o = pool[slot];
    if (o.prev != kNil) {
      pool[o.prev].next = o.next;
    } else {
      head = o.next;
    }
    if (o.next != kNil) {
      pool[o.next].prev = o.prev;
    } else {
      tail = o.prev;
    }
    --count;
  }
};
static_assert(sizeof(PriceLevel) == 32);

}  // namespace matchgate::engine
