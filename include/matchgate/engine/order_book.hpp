#pragma once
#include <memory_resource>

#include "matchgate/engine/book_side.hpp"
#include "matchgate/engine/divisibility.hpp"
#include "matchgate/engine/instrument.hpp"

namespace matchgate::engine {

// The two sides of one instrument's book. Matching logic lives in Engine,
// which owns the order pool the sides link into.
struct OrderBook {
  OrderBook(InstrumentSpec s, std::pmr::memory_resource* memory)
      : spec(std::move(s)),
        tick(static_cast<std::uint64_t>(spec.tick)),
        lot(static_cast<std::uint64_t>(spec.lot)),
        bids(Side::Buy, memory),
        asks(Side::Sell, memory) {}

  BookSide& side(Side s) noexcept { return s == Side::Buy ? bids : asks; }
  const BookSide& side(Side s) const noexcept { return s == Side::Buy ? bids : asks; }

  InstrumentSpec spec;
  DivisibilityTest tick;
  DivisibilityTest lot;
  BookSide bids;
  BookSide asks;
};

}  // namespace matchgate::engine
