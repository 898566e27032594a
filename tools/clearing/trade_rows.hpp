#pragma once
// Trade records as rows of the `trades` table in COPY text format, written
// straight into the batch's buffer: no formatting library, no allocation
// per field (the buffer grows to a batch's size once and is reused).
#include <array>
#include <cstdint>
#include <limits>
#include <string>

#include "matchgate/clearing/clearing_options.hpp"
#include "matchgate/records/trade.hpp"

namespace matchgate::clearing_load {

// The columns TradeRowWriter::append fills, in its order (for COPY trades (...)).
extern const char* const kTradeColumns;

class TradeRowWriter {
 public:
  // Names come from `names` where it has them; elsewhere NULL. `names`
  // must outlive the writer.
  explicit TradeRowWriter(const clearing::ClearingOptions& names) : names_(names) {}

  // Appends one line (tab-separated, newline-terminated): record_time is
  // "yyyy-mm-dd hh:mm:ss.uuuuuu+00" (UTC, cut to microseconds; the exact
  // value goes to record_time_ns), business_date "yyyy-mm-dd", money and
  // prices exact decimals (clearing::money_chars).
  void append(std::string& out, std::uint64_t seq, std::int64_t time_ns,
              const records::TradeRecord& r);

 private:
  void append_time(std::string& out, std::int64_t ns);
  void append_side(std::string& out, const records::TradeSide& side) const;

  const clearing::ClearingOptions& names_;
  // "yyyy-mm-dd hh:mm:ss" of the second `cached_second_`: consecutive
  // records mostly share their second.
  std::int64_t cached_second_ = std::numeric_limits<std::int64_t>::min();
  std::array<char, 19> second_text_{};
};

}  // namespace matchgate::clearing_load
