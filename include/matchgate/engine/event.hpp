#pragma once
// Outputs of the engine. Every input produces a deterministic sequence of
// events; each event carries a fresh ExecId.
#include <type_traits>

#include "matchgate/engine/types.hpp"

namespace matchgate::engine {

enum class EventType : std::uint8_t {
  Accepted = 0,  // a new order passed validation and got its OrderId
  Trade,         // `order` is the incoming (taker) side, `maker` the resting side
  Canceled,      // `cancel_reason` says why
  Replaced,      // `order` shows the state after the replace
  Rejected,      // `reject_reason` says why; for new orders order.id == kNoOrder
  Expired,       // Day order removed at end of day
};
const char* to_string(EventType t) noexcept;

// The state of one order as an event reports it.
struct OrderView {
  OrderId id = kNoOrder;
  std::uint64_t client_ref = 0;
  MemberId member = 0;
  AccountId account = 0;
  Side side = Side::Buy;
  OrdType type = OrdType::Limit;
  TimeInForce tif = TimeInForce::Day;
  Price price = 0;
  Qty qty = 0;     // total ordered quantity (after replaces)
  Qty filled = 0;  // cumulative filled quantity
  Qty leaves() const noexcept { return qty - filled; }
  bool operator==(const OrderView&) const = default;
};

struct Event {
  EventType type = EventType::Accepted;
  RejectReason reject_reason = RejectReason::None;
  CancelReason cancel_reason = CancelReason::None;
  ExecId exec_id = 0;
  InstrumentId instrument = 0;
  OrderView order;  // subject order (taker on trades); state after the event
  // Trade only:
  OrderView maker;  // resting side, state after the trade
  Price trade_price = 0;
  Qty trade_qty = 0;
  bool operator==(const Event&) const = default;
};
static_assert(std::is_trivially_copyable_v<Event>);

}  // namespace matchgate::engine
