#pragma once
// The engine's vocabulary: plain integers and small enums, nothing that knows
// about wire formats, files or threads.
#include <cstdint>
#include <limits>

namespace matchgate::engine {

// Prices are fixed-point integers with kPriceScale units per currency unit
// (8 decimal places). Instruments restrict them further to multiples of their
// tick; the engine never rounds a price.
using Price = std::int64_t;
inline constexpr Price kPriceScale = 100'000'000;
inline constexpr Price kMaxPrice = std::numeric_limits<Price>::max() / 4;

using Qty = std::int64_t;            // whole units; instruments require lot multiples
using OrderId = std::uint64_t;       // engine assigned, dense, never reused
using ExecId = std::uint64_t;        // engine assigned, one per event
using MemberId = std::uint32_t;      // index into the engine's member table
using AccountId = std::uint32_t;     // opaque to the engine, carried on orders
using InstrumentId = std::uint32_t;  // index into the engine's instrument table

inline constexpr OrderId kNoOrder = 0;

enum class Side : std::uint8_t { Buy = 0, Sell = 1 };
constexpr Side opposite(Side s) noexcept {
  return s == Side::Buy ? Side::Sell : Side::Buy;
}

enum class OrdType : std::uint8_t { Limit = 0, Market = 1 };

enum class TimeInForce : std::uint8_t { Day = 0, Gtc = 1, Ioc = 2, Fok = 3 };

// Self-trade prevention: what happens when an incoming order would trade with
// a resting order of the same member.
enum class StpMode : std::uint8_t {
  None = 0,
  CancelResting = 1,
  CancelIncoming = 2,
  CancelBoth = 3
};

enum class RejectReason : std::uint8_t {
  None = 0,
  UnknownInstrument,
  UnknownMember,
  InvalidPrice,        // limit price missing, zero, negative or absurd
  PriceOffTick,        // not a multiple of the instrument's tick
  PriceOutsideBand,    // limit price outside the band around the reference
  InvalidQuantity,     // not a positive multiple of the lot size
  QuantityAboveMax,    // above the instrument's max_order_qty
  UnknownOrder,        // cancel/replace of an id the engine never assigned
  NotOwner,            // cancel/replace of another member's order
  OrderDone,           // cancel/replace of a filled, canceled or expired order
  ReplaceBelowFilled,  // new total quantity at or below what has already filled
  CapacityExceeded,    // the order pool is full
};

enum class CancelReason : std::uint8_t {
  None = 0,
  Requested,          // the member asked
  Unfilled,           // IOC or market remainder, or a FOK that could not fill
  SelfTradeResting,   // STP removed a resting order
  SelfTradeIncoming,  // STP removed the rest of the incoming order
  MassCancel,         // e.g. cancel on disconnect, kill switch
};

const char* to_string(RejectReason r) noexcept;
const char* to_string(CancelReason r) noexcept;
const char* to_string(Side s) noexcept;
const char* to_string(TimeInForce t) noexcept;
const char* to_string(StpMode m) noexcept;

}  // namespace matchgate::engine
