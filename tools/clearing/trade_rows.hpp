#pragma once
// Trade records as rows of the `trade_records` table in PostgreSQL's
// binary COPY format, written straight into the batch's buffer: the
// server reads integers without parsing text, which is most of its CPU
// per row (docs/CLEARING.md, "Performance"). No allocation per row (the
// buffer grows to a batch's size once and is reused).
#include <cstdint>
#include <string_view>

#include "matchgate/records/trade.hpp"

namespace matchgate::clearing_load {

// The columns append_trade_row fills, in its order (for COPY trade_records (...)).
extern const char* const kTradeColumns;
// What a binary COPY's data starts and ends with, around the rows.
extern const std::string_view kCopyBinaryHeader;
extern const std::string_view kCopyBinaryTrailer;

// Appends one row. Throws LoadError (trade_loader.hpp) for a record a
// column cannot hold: a business date that is no calendar date, a member,
// account or instrument number above 2^31 - 1. Ids go in as their u64 bits
// (the `trades` view shows them as the u64 again).
void append_trade_row(std::string& out, std::uint64_t seq, std::int64_t time_ns,
                      const records::TradeRecord& r);

}  // namespace matchgate::clearing_load
