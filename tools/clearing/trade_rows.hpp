#pragma once
// Trade records as rows of the `trades` table in COPY text format.
#include <cstdint>
#include <string>

#include "matchgate/clearing/clearing_options.hpp"
#include "matchgate/records/trade.hpp"

namespace matchgate::clearing_load {

// The columns trade_row() fills, in its order (for COPY trades (...)).
extern const char* const kTradeColumns;

// A signed amount in 1e-8 units as exact decimal text: "-12.30000000".
std::string fixed8_text(std::int64_t units);
// yyyymmdd as "yyyy-mm-dd".
std::string date_text(std::int32_t yyyymmdd);
// Nanoseconds since the epoch as "yyyy-mm-dd hh:mm:ss.uuuuuu+00" (the
// exact value goes to record_time_ns).
std::string utc_micros_text(std::int64_t ns);

// Appends one line (tab-separated, newline-terminated). Names come from
// `names` where it has them; elsewhere NULL.
void append_trade_row(std::string& out, std::uint64_t seq, std::int64_t time_ns,
                      const records::TradeRecord& r, const clearing::ClearingOptions& names);

}  // namespace matchgate::clearing_load
