#pragma once
// Placeholder until the schedule lands: the phases only.
#include <cstdint>

namespace matchgate::risk {
enum class TradingPhase : std::uint8_t { Closed = 0, PreOpen = 1, Open = 2 };
const char* to_string(TradingPhase p) noexcept;
}  // namespace matchgate::risk
