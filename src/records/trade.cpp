#include "matchgate/records/trade.hpp"

#include "matchgate/wal/format.hpp"

namespace matchgate::records {

namespace {

void put_side(std::byte* out, const TradeSide& s) noexcept {
  wal::put_u32(out, s.member);
  wal::put_u32(out + 4, s.account);
  wal::put_u64(out + 8, s.order);
  wal::put_u64(out + 16, static_cast<std::uint64_t>(s.fee));
}

TradeSide get_side(const std::byte* p) noexcept {
  TradeSide s;
  s.member = wal::get_u32(p);
  s.account = wal::get_u32(p + 4);
  s.order = wal::get_u64(p + 8);
  s.fee = static_cast<std::int64_t>(wal::get_u64(p + 16));
  return s;
}

}  // namespace

const char* to_string(TradeAction a) noexcept {
  switch (a) {
    case TradeAction::Trade:
      return "trade";
    case TradeAction::Bust:
      return "bust";
    case TradeAction::Correction:
      return "correction";
  }
  return "unknown";
}

void encode_trade(const TradeRecord& r, std::byte* out) noexcept {
  out[0] = static_cast<std::byte>(r.action);
  out[1] = static_cast<std::byte>(r.aggressor);
  wal::put_u16(out + 2, 0);
  wal::put_u32(out + 4, static_cast<std::uint32_t>(r.business_date));
  wal::put_u64(out + 8, r.trade_id);
  wal::put_u32(out + 16, r.instrument);
  wal::put_u32(out + 20, 0);
  wal::put_u64(out + 24, static_cast<std::uint64_t>(r.price));
  wal::put_u64(out + 32, static_cast<std::uint64_t>(r.qty));
  put_side(out + 40, r.buyer);
  put_side(out + 64, r.seller);
}

std::optional<TradeRecord> decode_trade(std::span<const std::byte> payload) noexcept {
  if (payload.size() != kTradeRecordSize) return std::nullopt;
  const std::byte* p = payload.data();
  const auto action = static_cast<std::uint8_t>(p[0]);
  const auto side = static_cast<std::uint8_t>(p[1]);
  if (action < 1 || action > 3 || side > 1) return std::nullopt;
  if (wal::get_u16(p + 2) != 0 || wal::get_u32(p + 20) != 0) return std::nullopt;
  TradeRecord r;
  r.action = static_cast<TradeAction>(action);
  r.aggressor = static_cast<engine::Side>(side);
  r.business_date = static_cast<std::int32_t>(wal::get_u32(p + 4));
  r.trade_id = wal::get_u64(p + 8);
  r.instrument = wal::get_u32(p + 16);
  r.price = static_cast<engine::Price>(wal::get_u64(p + 24));
  r.qty = static_cast<engine::Qty>(wal::get_u64(p + 32));
  if (r.price <= 0 || r.qty <= 0) return std::nullopt;
  r.buyer = get_side(p + 40);
  r.seller = get_side(p + 64);
  return r;
}

}  // namespace matchgate::records
