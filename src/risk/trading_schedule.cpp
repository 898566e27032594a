// Placeholder until the schedule lands.
#include "matchgate/risk/trading_schedule.hpp"

namespace matchgate::risk {
const char* to_string(TradingPhase p) noexcept {
  switch (p) {
    case TradingPhase::Closed:
      return "closed";
    case TradingPhase::PreOpen:
      return "pre-open";
    case TradingPhase::Open:
      return "open";
  }
  return "unknown";
}
}  // namespace matchgate::risk
