#pragma once
// Inputs to the engine. Fixed-size, trivially copyable: they travel over rings
// and into the write-ahead log as they are.
#include <type_traits>

#include "matchgate/engine/types.hpp"

namespace matchgate::engine {

struct NewOrder {
  std::uint64_t client_ref = 0;  // opaque to the engine; echoed on every event of the order
  MemberId member = 0;
  AccountId account = 0;
  InstrumentId instrument = 0;
  Side side = Side::Buy;
  OrdType type = OrdType::Limit;
  TimeInForce tif = TimeInForce::Day;
  Price price = 0;  // ignored for market orders
  Qty qty = 0;
};

struct CancelOrder {
  std::uint64_t client_ref = 0;  // the cancel request's own reference
  MemberId member = 0;
  OrderId order_id = kNoOrder;
};

// Cancel/replace: new total quantity (including what has filled) and price.
struct ReplaceOrder {
  std::uint64_t client_ref = 0;  // becomes the order's client_ref when accepted
  MemberId member = 0;
  OrderId order_id = kNoOrder;
  Price price = 0;
  Qty qty = 0;
};

static_assert(std::is_trivially_copyable_v<NewOrder>);
static_assert(std::is_trivially_copyable_v<CancelOrder>);
static_assert(std::is_trivially_copyable_v<ReplaceOrder>);

}  // namespace matchgate::engine
