// Trade records (type 20, docs/WAL.md 4.9b) decode to what was encoded,
// keep the documented byte layout, refuse malformed payloads, and describe
// themselves for matchgate-wal dump.
#include "matchgate/records/trade.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "matchgate/records/record_types.hpp"
#include "matchgate/wal/format.hpp"

namespace matchgate::records {
namespace {

TradeRecord sample() {
  TradeRecord r;
  r.action = TradeAction::Correction;
  r.aggressor = engine::Side::Sell;
  r.business_date = 20261202;
  r.trade_id = 0x0100000000000007ULL;
  r.instrument = 3;
  r.price = 12'345'000'000;
  r.qty = 250;
  r.buyer = TradeSide{4, 1, 99, -1'000'000};
  r.seller = TradeSide{5, 0, 100, 2'500'000};
  return r;
}

std::array<std::byte, kTradeRecordSize> encoded(const TradeRecord& r) {
  std::array<std::byte, kTradeRecordSize> out{};
  encode_trade(r, out.data());
  return out;
}

TEST(TradeRecord, RoundTrips) {
  const auto bytes = encoded(sample());
  const auto back = decode_trade(bytes);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, sample());
  EXPECT_EQ(back->sign(), 1);
  TradeRecord bust = sample();
  bust.action = TradeAction::Bust;
  EXPECT_EQ(bust.sign(), -1);
}

TEST(TradeRecord, KeepsTheDocumentedLayout) {
  const auto b = encoded(sample());
  EXPECT_EQ(static_cast<int>(b[0]), 3);  // correction
  EXPECT_EQ(static_cast<int>(b[1]), 1);  // sell aggressor
  EXPECT_EQ(wal::get_u32(b.data() + 4), 20261202u);
  EXPECT_EQ(wal::get_u64(b.data() + 8), 0x0100000000000007ULL);
  EXPECT_EQ(wal::get_u32(b.data() + 16), 3u);
  EXPECT_EQ(wal::get_u64(b.data() + 24), 12'345'000'000u);
  EXPECT_EQ(wal::get_u64(b.data() + 32), 250u);
  EXPECT_EQ(wal::get_u32(b.data() + 40), 4u);
  EXPECT_EQ(wal::get_u32(b.data() + 44), 1u);
  EXPECT_EQ(wal::get_u64(b.data() + 48), 99u);
  EXPECT_EQ(static_cast<std::int64_t>(wal::get_u64(b.data() + 56)), -1'000'000);
  EXPECT_EQ(wal::get_u32(b.data() + 64), 5u);
  EXPECT_EQ(wal::get_u64(b.data() + 72), 100u);
  EXPECT_EQ(static_cast<std::int64_t>(wal::get_u64(b.data() + 80)), 2'500'000);
}

TEST(TradeRecord, RefusesMalformedPayloads) {
  const auto good = encoded(sample());
  EXPECT_FALSE(decode_trade(std::span(good).first(kTradeRecordSize - 1)));
  auto bad = good;
  bad[0] = std::byte{4};  // unknown action
  EXPECT_FALSE(decode_trade(bad));
  bad = good;
  bad[1] = std::byte{2};  // unknown side
  EXPECT_FALSE(decode_trade(bad));
  bad = good;
  bad[2] = std::byte{1};  // reserved
  EXPECT_FALSE(decode_trade(bad));
  bad = good;
  bad[20] = std::byte{1};  // reserved
  EXPECT_FALSE(decode_trade(bad));
  bad = good;
  wal::put_u64(bad.data() + 32, 0);  // no quantity
  EXPECT_FALSE(decode_trade(bad));
  bad = good;
  wal::put_u64(bad.data() + 24, static_cast<std::uint64_t>(-5));  // negative price
  EXPECT_FALSE(decode_trade(bad));
}

TEST(TradeRecord, DescribesItself) {
  const auto b = encoded(sample());
  EXPECT_EQ(type_name(to_wire(RecordType::Trade)), "Trade");
  const Fields f = describe(to_wire(RecordType::Trade), b);
  ASSERT_GE(f.size(), 8u);
  EXPECT_EQ(f[0], (std::pair<std::string, std::string>("action", "\"correction\"")));
  EXPECT_EQ(f[1], (std::pair<std::string, std::string>("trade_id", "72057594037927943")));
  EXPECT_EQ(f.back(), (std::pair<std::string, std::string>("seller_fee", "2500000")));
}

}  // namespace
}  // namespace matchgate::records
