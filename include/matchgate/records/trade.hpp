#pragma once
// Trade record (type 20): one leg of the clearing ledger, as decided when it
// happened, so clearing (the daemon's ledger, the settlement report,
// matchgate-clearing's PostgreSQL store) never parses FIX and never runs
// the engine. Three actions:
//   trade       a match of the engine: the network thread logs it when it
//               handles the engine's Trade event, before the two fill
//               reports, with each side's fee;
//   bust        an operator's reversal of an earlier trade: the trade's
//               values (as last corrected) again, to be subtracted;
//   correction  the new values of a corrected trade (same trade id), logged
//               right after the bust of its old values (or, reinstating
//               a trade busted earlier that date, on its own).
// So every record adds (trade, correction) or subtracts (bust) itself, and
// positions are the sum of the records. Layout (docs/WAL.md 4.9b), 88 bytes,
// little-endian:
//   u8 action, u8 aggressor side (0 buy, 1 sell), u16 reserved (0),
//   i32 business date (yyyymmdd, the day the record books on),
//   u64 trade id (the engine's ExecId of the Trade event),
//   u32 instrument (the config's numbering), u32 reserved (0),
//   i64 price (1e-8 currency units), i64 qty,
//   buyer:  u32 member, u32 account, u64 order id, i64 fee (1e-8 units)
//   seller: u32 member, u32 account, u64 order id, i64 fee
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "matchgate/engine/types.hpp"

namespace matchgate::records {

enum class TradeAction : std::uint8_t { Trade = 1, Bust = 2, Correction = 3 };
const char* to_string(TradeAction a) noexcept;  // "trade", "bust", "correction"

struct TradeSide {
  engine::MemberId member = 0;
  engine::AccountId account = 0;  // index into the member's accounts
  engine::OrderId order = engine::kNoOrder;
  std::int64_t fee = 0;  // 1e-8 currency units; negative: a rebate
  bool operator==(const TradeSide&) const = default;
};

struct TradeRecord {
  TradeAction action = TradeAction::Trade;
  engine::Side aggressor = engine::Side::Buy;  // the taker's side
  std::int32_t business_date = 0;
  std::uint64_t trade_id = 0;
  std::uint32_t instrument = 0;
  engine::Price price = 0;
  engine::Qty qty = 0;
  TradeSide buyer;
  TradeSide seller;
  // +1 for trade and correction, -1 for bust.
  int sign() const noexcept { return action == TradeAction::Bust ? -1 : 1; }
  bool operator==(const TradeRecord&) const = default;
};

inline constexpr std::size_t kTradeRecordSize = 88;
void encode_trade(const TradeRecord& r, std::byte* out) noexcept;  // kTradeRecordSize bytes
// Refuses another size, an unknown action or side, non-zero reserved bytes
// and a non-positive price or quantity.
std::optional<TradeRecord> decode_trade(std::span<const std::byte> payload) noexcept;

}  // namespace matchgate::records
