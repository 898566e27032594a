#pragma once
#include <memory_resource>

#include "matchgate/engine/book_side.hpp"
#include "matchgate/engine/instrument.hpp"

namespace matchgate::engine {

// The two sides of one instrument's book. Matching logic lives in Engine,
// which owns the order pool the sides link into.
struct OrderBook {
  OrderBook(InstrumentSpec s, std::pmr::memory_resource* memory)
      : spec(std::move(s)), bids(Side::Buy, memory), asks(Side::Sell, memory) {}

  BookSide& side(Side s) noexcept { return s == Side::Buy ? bids : asks; }
  const BookSide& side(Side s) const noexcept { return s == Side::Buy ? bids : asks; }

  InstrumentSpec spec;
  BookSide bids;
  BookSide asks;
};

}  // namespace matchgate::engine
