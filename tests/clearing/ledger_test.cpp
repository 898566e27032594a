// The ledger worked by hand: positions across partial fills, busts and
// corrections, netting of several members, carry-over, snapshots.
#include "matchgate/clearing/ledger.hpp"

#include <gtest/gtest.h>

namespace matchgate::clearing {
namespace {

using records::TradeAction;
using records::TradeRecord;
using records::TradeSide;

constexpr engine::Price kUnit = engine::kPriceScale;
constexpr std::int64_t kCent = kUnit / 100;
constexpr std::int32_t kDay1 = 20261201;
constexpr std::int32_t kDay2 = 20261202;

TradeRecord trade(std::uint64_t id, std::uint32_t instrument, engine::Price price, engine::Qty qty,
                  TradeSide buyer, TradeSide seller, std::int32_t date = kDay1) {
  TradeRecord r;
  r.trade_id = id;
  r.business_date = date;
  r.instrument = instrument;
  r.price = price;
  r.qty = qty;
  r.buyer = buyer;
  r.seller = seller;
  return r;
}

Ledger make_ledger(std::size_t members = 4, std::vector<bool> carry = {false, true}) {
  return Ledger(LedgerShape{members, std::move(carry)});
}

// Trade ids as the gateway makes them: shard << 48 | the engine's ExecId.
constexpr std::uint64_t shard_id(std::uint64_t shard, std::uint64_t exec_id) {
  return (shard << 48) | exec_id;
}

TEST(TradeIndex, FindsEveryTradeOfInterleavedShards) {
  TradeIndex index;
  std::uint32_t value = 0;
  for (std::uint64_t exec = 1; exec <= 3000; exec += 3) {
    ASSERT_TRUE(index.insert(shard_id(0, exec), value++));
    ASSERT_TRUE(index.insert(shard_id(2, exec + 1), value++));
  }
  EXPECT_EQ(index.size(), 2000U);
  value = 0;
  for (std::uint64_t exec = 1; exec <= 3000; exec += 3) {
    EXPECT_EQ(index.find(shard_id(0, exec)), value++);
    EXPECT_EQ(index.find(shard_id(2, exec + 1)), value++);
    EXPECT_EQ(index.find(shard_id(0, exec + 1)), std::nullopt) << "a gap between a shard's ids";
    EXPECT_EQ(index.find(shard_id(1, exec)), std::nullopt) << "a shard without trades";
  }
  EXPECT_EQ(index.find(shard_id(0, 0)), std::nullopt) << "below the shard's first";
  EXPECT_EQ(index.find(shard_id(0, 5000)), std::nullopt) << "above the shard's last";
}

TEST(TradeIndex, RefusesAnIdTwiceAndPlacesOneOutOfOrder) {
  TradeIndex index;
  ASSERT_TRUE(index.insert(10, 0));
  ASSERT_TRUE(index.insert(30, 1));
  EXPECT_FALSE(index.insert(30, 7)) << "the newest id again";
  EXPECT_FALSE(index.insert(10, 7)) << "an older id again";
  ASSERT_TRUE(index.insert(20, 2)) << "an id between two, as a hand-made log may have";
  ASSERT_TRUE(index.insert(5, 3)) << "an id below every other";
  EXPECT_EQ(index.find(5), 3U);
  EXPECT_EQ(index.find(10), 0U);
  EXPECT_EQ(index.find(20), 2U);
  EXPECT_EQ(index.find(30), 1U);
  EXPECT_EQ(index.find(15), std::nullopt);
  index.clear();
  EXPECT_EQ(index.size(), 0U);
  EXPECT_EQ(index.find(10), std::nullopt) << "a new date starts without trades";
  EXPECT_TRUE(index.insert(10, 0));
}

TEST(Ledger, FindsTradesOfSeveralShardsForABust) {
  Ledger l = make_ledger();
  const TradeSide a{0, 0, 1, 0};
  const TradeSide b{1, 0, 2, 0};
  for (std::uint64_t exec = 1; exec <= 100; ++exec) {
    ASSERT_TRUE(l.apply(trade(shard_id(exec % 3, exec), 0, kUnit, 1, a, b)));
  }
  EXPECT_FALSE(l.apply(trade(shard_id(1, 1), 0, kUnit, 1, a, b))) << "trade id booked twice";
  TradeRecord bust = trade(shard_id(1, 4), 0, kUnit, 1, a, b);
  bust.action = TradeAction::Bust;
  ASSERT_TRUE(l.apply(bust));
  bool busted = false;
  ASSERT_NE(l.find_trade(shard_id(1, 4), &busted), nullptr);
  EXPECT_TRUE(busted);
  ASSERT_NE(l.find_trade(shard_id(2, 5), &busted), nullptr);
  EXPECT_FALSE(busted);
  EXPECT_EQ(l.find_trade(shard_id(1, 5)), nullptr) << "exec 5 traded on shard 2";
  EXPECT_EQ(l.find(PositionKey{0, 0, 0})->bought, 99);
}

TEST(Ledger, PartialFillsAddUp) {
  Ledger l = make_ledger();
  // Member 1 buys 100 in three fills from members 2 and 3.
  const TradeSide buyer{1, 0, 11, 3 * kCent};
  ASSERT_TRUE(l.apply(trade(1, 0, 10 * kUnit, 30, buyer, TradeSide{2, 0, 21, kCent})));
  ASSERT_TRUE(l.apply(trade(2, 0, 11 * kUnit, 50, buyer, TradeSide{3, 1, 31, 2 * kCent})));
  ASSERT_TRUE(l.apply(trade(3, 0, 12 * kUnit, 20, buyer, TradeSide{2, 0, 22, kCent})));
  const Position* p = l.find(PositionKey{1, 0, 0});
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->bought, 100);
  // 300 + 550 + 240 = 1090.00
  EXPECT_EQ(p->bought_value, Money{1090} * kUnit);
  EXPECT_EQ(p->fees, Money{9} * kCent);
  EXPECT_EQ(p->trades, 3);
  EXPECT_EQ(p->net(), 100);
  EXPECT_EQ(p->cash(), -(Money{1090} * kUnit + 9 * kCent));
  const Position* s2 = l.find(PositionKey{2, 0, 0});
  ASSERT_NE(s2, nullptr);
  EXPECT_EQ(s2->sold, 50);
  EXPECT_EQ(s2->sold_value, Money{540} * kUnit);
  EXPECT_EQ(l.fees_collected(), Money{13} * kCent);
  EXPECT_EQ(l.check(), std::nullopt);
}

TEST(Ledger, NettingMergesAccountsPerMemberAndInstrument) {
  Ledger l = make_ledger();
  // Member 1 buys 10 @ 5.00 on account 0 and sells 4 @ 6.00 on account 1,
  // both against member 2; member 3 buys 7 @ 1.00 of instrument 1 from 2.
  ASSERT_TRUE(l.apply(trade(1, 0, 5 * kUnit, 10, {1, 0, 1, kCent}, {2, 0, 2, kCent})));
  ASSERT_TRUE(l.apply(trade(2, 0, 6 * kUnit, 4, {2, 0, 3, 0}, {1, 1, 4, kCent})));
  ASSERT_TRUE(l.apply(trade(3, 1, kUnit, 7, {3, 0, 5, 0}, {2, 0, 6, 0})));
  const std::vector<Obligation> o = l.obligations();
  ASSERT_EQ(o.size(), 4u);
  // member 1, instrument 0: receives 6, pays 50.00 - 24.00 + 0.02.
  EXPECT_EQ(o[0], (Obligation{1, 0, 6, -(Money{26} * kUnit + 2 * kCent)}));
  EXPECT_EQ(o[1], (Obligation{2, 0, -6, Money{26} * kUnit - kCent}));
  EXPECT_EQ(o[2], (Obligation{2, 1, -7, Money{7} * kUnit}));
  EXPECT_EQ(o[3], (Obligation{3, 1, 7, -Money{7} * kUnit}));
  EXPECT_EQ(l.member_cash(1), -(Money{26} * kUnit + 2 * kCent));
  EXPECT_EQ(l.check(), std::nullopt);
}

TEST(Ledger, BustReversesAndCorrectionRebooks) {
  Ledger l = make_ledger();
  const TradeRecord t = trade(7, 0, 10 * kUnit, 10, {1, 0, 1, 5 * kCent}, {2, 0, 2, 5 * kCent});
  ASSERT_TRUE(l.apply(t));
  TradeRecord bust = t;
  bust.action = TradeAction::Bust;
  ASSERT_TRUE(l.apply(bust));
  EXPECT_FALSE(l.apply(bust)) << "a trade is busted once";
  bool busted = false;
  ASSERT_NE(l.find_trade(7, &busted), nullptr);
  EXPECT_TRUE(busted);
  const Position* p = l.find(PositionKey{1, 0, 0});
  EXPECT_EQ(p->bought, 0);
  EXPECT_EQ(p->bought_value, 0);
  EXPECT_EQ(p->fees, 0);
  EXPECT_EQ(p->trades, 0);
  EXPECT_EQ(l.fees_collected(), 0);
  // Corrected to 8 @ 9.50 with fees 0.04 each.
  TradeRecord fixed = trade(7, 0, 950 * kCent, 8, {1, 0, 1, 4 * kCent}, {2, 0, 2, 4 * kCent});
  fixed.action = TradeAction::Correction;
  ASSERT_TRUE(l.apply(fixed));
  EXPECT_FALSE(l.apply(fixed)) << "a correction follows a bust";
  EXPECT_EQ(l.find(PositionKey{1, 0, 0})->bought_value, Money{76} * kUnit);
  EXPECT_EQ(l.find(PositionKey{2, 0, 0})->sold, 8);
  EXPECT_EQ(*l.find_trade(7, &busted), fixed);
  EXPECT_FALSE(busted);
  // A bust must repeat the values it reverses.
  TradeRecord stale = t;
  stale.action = TradeAction::Bust;
  EXPECT_FALSE(l.apply(stale));
  EXPECT_EQ(l.check(), std::nullopt);
}

TEST(Ledger, RefusesWhatDoesNotFit) {
  Ledger l = make_ledger(3);
  EXPECT_FALSE(l.apply(trade(1, 2, kUnit, 1, {1, 0, 1, 0}, {2, 0, 2, 0})));  // instrument
  EXPECT_FALSE(l.apply(trade(1, 0, kUnit, 1, {3, 0, 1, 0}, {2, 0, 2, 0})));  // member
  TradeRecord bust = trade(9, 0, kUnit, 1, {1, 0, 1, 0}, {2, 0, 2, 0});
  bust.action = TradeAction::Bust;
  EXPECT_FALSE(l.apply(bust));  // unknown trade
  ASSERT_TRUE(l.apply(trade(1, 0, kUnit, 1, {1, 0, 1, 0}, {2, 0, 2, 0}, kDay2)));
  EXPECT_FALSE(l.apply(trade(2, 0, kUnit, 1, {1, 0, 1, 0}, {2, 0, 2, 0}, kDay1)));  // past date
  EXPECT_FALSE(l.apply(trade(1, 0, kUnit, 1, {1, 0, 1, 0}, {2, 0, 2, 0}, kDay2)));  // same id
  EXPECT_EQ(l.trades_booked(), 1u);
}

TEST(Ledger, NewDateCarriesOnlyInstrumentsThatSaySo) {
  Ledger l = make_ledger();
  ASSERT_TRUE(l.apply(trade(1, 0, kUnit, 5, {1, 0, 1, 0}, {2, 0, 2, 0})));
  ASSERT_TRUE(l.apply(trade(2, 1, kUnit, 3, {1, 0, 3, 0}, {2, 0, 4, 0})));
  l.roll_to(kDay2);
  EXPECT_EQ(l.business_date(), kDay2);
  EXPECT_EQ(l.find(PositionKey{1, 0, 0}), nullptr) << "instrument 0 settles flat";
  const Position* carried = l.find(PositionKey{1, 0, 1});
  ASSERT_NE(carried, nullptr);
  EXPECT_EQ(carried->opening, 3);
  EXPECT_EQ(carried->bought, 0);
  EXPECT_EQ(l.find(PositionKey{2, 0, 1})->opening, -3);
  EXPECT_EQ(l.find_trade(2), nullptr) << "busts are for the current date";
  EXPECT_TRUE(l.obligations().empty());
  // A trade of the next day adds to the carried position.
  ASSERT_TRUE(l.apply(trade(3, 1, kUnit, 1, {2, 0, 5, 0}, {1, 0, 6, 0}, kDay2)));
  EXPECT_EQ(l.find(PositionKey{1, 0, 1})->net(), 2);
  EXPECT_EQ(l.check(), std::nullopt);
}

TEST(Ledger, BrokenInvariantIsNamed) {
  // Every apply keeps the invariants, so a broken state comes from
  // elsewhere: a snapshot whose seller position is missing.
  std::vector<std::byte> bytes;
  util::ByteWriter out(bytes);
  out.put(kDay1);
  out.put(std::uint32_t{2});  // instruments
  out.put(std::uint64_t{1});  // one position: member 1 bought 5 of instrument 0
  out.put(std::uint32_t{1});
  out.put(std::uint32_t{0});
  out.put(std::uint32_t{0});
  out.put(engine::Qty{0});  // opening
  out.put(engine::Qty{5});  // bought
  out.put(std::uint64_t{5 * kUnit});
  out.put(std::uint64_t{0});
  out.put(engine::Qty{0});  // sold
  out.put(std::uint64_t{0});
  out.put(std::uint64_t{0});
  out.put(std::uint64_t{0});  // fees
  out.put(std::uint64_t{0});
  out.put(std::int64_t{1});   // trades
  out.put(std::uint64_t{0});  // day trades
  out.put(std::uint64_t{0});  // fees collected
  out.put(std::uint64_t{0});
  out.put(std::uint64_t{1});  // trades booked
  Ledger l = make_ledger();
  util::ByteReader in(bytes);
  l.load(in);
  const std::optional<std::string> broken = l.check();
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(*broken, "instrument 0: the members' quantities sum to 5, not 0");
}

TEST(Ledger, SnapshotRoundTripKeepsTradesAndBusts) {
  Ledger l = make_ledger();
  const TradeRecord t = trade(5, 1, 3 * kUnit, 4, {1, 2, 1, kCent}, {3, 0, 2, -kCent});
  ASSERT_TRUE(l.apply(t));
  TradeRecord bust = t;
  bust.action = TradeAction::Bust;
  ASSERT_TRUE(l.apply(bust));
  ASSERT_TRUE(l.apply(trade(6, 0, 2 * kUnit, 9, {3, 0, 3, kCent}, {1, 2, 4, kCent})));
  std::vector<std::byte> bytes;
  util::ByteWriter out(bytes);
  l.save(out);
  Ledger copy = make_ledger();
  util::ByteReader in(bytes);
  copy.load(in);
  EXPECT_EQ(in.remaining(), 0u);
  EXPECT_TRUE(copy == l);
  bool busted = false;
  ASSERT_NE(copy.find_trade(5, &busted), nullptr);
  EXPECT_TRUE(busted);
  Ledger wrong_shape = make_ledger(4, {false});
  util::ByteReader again(bytes);
  EXPECT_THROW(wrong_shape.load(again), std::runtime_error);
}

}  // namespace
}  // namespace matchgate::clearing
