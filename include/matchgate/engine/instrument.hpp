#pragma once
#include <string>

#include "matchgate/engine/types.hpp"

namespace matchgate::engine {

// What the engine needs to know of an instrument. The band is given as
// absolute prices (the config layer computes it from reference price and
// percentage) so the engine never does percentage arithmetic.
struct InstrumentSpec {
  std::string symbol;
  Price tick = 1;
  Qty lot = 1;
  Qty max_qty = 1'000'000'000;
  Price band_low = 1;           // lowest tradable price (inclusive)
  Price band_high = kMaxPrice;  // highest tradable price (inclusive)
};

struct MemberSpec {
  StpMode stp = StpMode::None;
};

}  // namespace matchgate::engine
