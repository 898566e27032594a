#include "matchgate/engine/types.hpp"
#include "matchgate/engine/event.hpp"

namespace matchgate::engine {

const char* to_string(RejectReason r) noexcept {
  switch (r) {
    case RejectReason::None:
      return "none";
    case RejectReason::UnknownInstrument:
      return "unknown instrument";
    case RejectReason::UnknownMember:
      return "unknown member";
    case RejectReason::InvalidPrice:
      return "invalid price";
    case RejectReason::PriceOffTick:
      return "price not a multiple of the tick size";
    case RejectReason::PriceOutsideBand:
      return "price outside the price band";
    case RejectReason::InvalidQuantity:
      return "quantity not a positive multiple of the lot size";
    case RejectReason::QuantityAboveMax:
      return "quantity above the maximum order quantity";
    case RejectReason::UnknownOrder:
      return "unknown order";
    case RejectReason::NotOwner:
      return "order belongs to another member";
    case RejectReason::OrderDone:
      return "order already done";
    case RejectReason::ReplaceBelowFilled:
      return "new quantity at or below the filled quantity";
    case RejectReason::CapacityExceeded:
      return "order capacity exceeded";
  }
  return "?";
}

const char* to_string(CancelReason r) noexcept {
  switch (r) {
    case CancelReason::None:
      return "none";
    case CancelReason::Requested:
      return "canceled on request";
    case CancelReason::Unfilled:
      return "unfilled remainder canceled";
    case CancelReason::SelfTradeResting:
      return "self-trade prevention: resting order canceled";
    case CancelReason::SelfTradeIncoming:
      return "self-trade prevention: incoming order canceled";
    case CancelReason::MassCancel:
      return "mass cancel";
  }
  return "?";
}

const char* to_string(Side s) noexcept {
  return s == Side::Buy ? "buy" : "sell";
}

const char* to_string(TimeInForce t) noexcept {
  switch (t) {
    case TimeInForce::Day:
      return "day";
    case TimeInForce::Gtc:
      return "gtc";
    case TimeInForce::Ioc:
      return "ioc";
    case TimeInForce::Fok:
      return "fok";
  }
  return "?";
}

const char* to_string(StpMode m) noexcept {
  switch (m) {
    case StpMode::None:
      return "none";
    case StpMode::CancelResting:
      return "cancel_resting";
    case StpMode::CancelIncoming:
      return "cancel_incoming";
    case StpMode::CancelBoth:
      return "cancel_both";
  }
  return "?";
}

const char* to_string(EventType t) noexcept {
  switch (t) {
    case EventType::Accepted:
      return "accepted";
    case EventType::Trade:
      return "trade";
    case EventType::Canceled:
      return "canceled";
    case EventType::Replaced:
      return "replaced";
    case EventType::Rejected:
      return "rejected";
    case EventType::Expired:
      return "expired";
  }
  return "?";
}

}  // namespace matchgate::engine
