#pragma once
#include <cstdint>

#include "matchgate/engine/event.hpp"
#include "matchgate/engine/types.hpp"

namespace matchgate::engine {

inline constexpr std::uint32_t kNil = 0xffffffffU;

// One live order: a pool slot, linked into its price level's FIFO queue by
// slot index (indices, unlike pointers, survive the pool being placed
// anywhere and halve the link size). Exactly one cache line.
struct alignas(64) Order {
  OrderId id;
  std::uint64_t client_ref;
  Price price;  // 0 for market orders
  Qty qty;      // total ordered quantity, after replaces
  Qty filled;
  std::uint32_t prev;  // towards the head (older) of the level queue
  std::uint32_t next;  // towards the tail (newer); also links the free list
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

}  // namespace matchgate::engine
