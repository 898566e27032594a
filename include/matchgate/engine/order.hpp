#pragma once
#include <cstdint>

#include "matchgate/engine/event.hpp"
#include "matchgate/engine/types.hpp"

namespace matchgate::engine {

inline constexpr std::uint32_t kNil = 0xffffffffU;

// One live order: a pool slot. Its place in the price level's FIFO queue is
// kept apart from it, in the pool's link array (see OrderPool), so that
// queue maintenance touches 8 bytes per neighbour instead of a whole cold
// cache line. One cache line.
struct alignas(64) Order {
  OrderId id;
  std::uint64_t client_ref;
  Price price;  // 0 for market orders
  Qty qty;      // total ordered quantity, after replaces
  Qty filled;
  MemberId member;
  AccountId account;
  InstrumentId instrument;
  Side side;
  OrdType type;
  TimeInForce tif;

  Qty leaves() const noexcept { return qty - filled; }

  OrderView view() const noexcept {
    return OrderView{id, client_ref, member, account, side, type, tif, price, qty, filled};
  }
};
static_assert(sizeof(Order) == 64);

// An order's neighbours in its level queue, by pool slot.
struct OrderLink {
  std::uint32_t prev;  // towards the head (older)
  std::uint32_t next;  // towards the tail (newer); also links the free list
};

}  // namespace matchgate::engine
