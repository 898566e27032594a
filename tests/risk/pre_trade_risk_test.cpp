// Pre-trade risk's arithmetic on its own (docs/RISK.md): risk prices,
// limits at their edges, the message rate's token bucket, positions and
// exposure, limits set at runtime surviving a save and load, and the
// texts members read.
#include "matchgate/risk/pre_trade_risk.hpp"

#include <gtest/gtest.h>

#include <string>

#include "matchgate/risk/trading_controls.hpp"

namespace matchgate::risk {
namespace {

constexpr engine::Price kScale = engine::kPriceScale;

PreTradeRisk make(MemberLimits limits = {}) {
  // ACME: reference 100, band 90..110; BOLT: reference 10, no band.
  return PreTradeRisk({limits, MemberLimits{}}, {{100 * kScale, 90 * kScale, 110 * kScale},
                                                 {10 * kScale, 1, engine::kMaxPrice}});
}

std::string text(const Verdict& v) {
  char buf[160];
  return std::string(buf, describe(v, buf, sizeof buf));
}

TEST(PreTradeRisk, TheRiskPriceIsTheHigherOfLimitAndReferenceAndMarketOrdersUseTheirBandEdge) {
  const PreTradeRisk r = make();
  using engine::OrdType;
  using engine::Side;
  EXPECT_EQ(r.risk_price(0, Side::Buy, OrdType::Limit, 95 * kScale), 100 * kScale);
  EXPECT_EQ(r.risk_price(0, Side::Sell, OrdType::Limit, 105 * kScale), 105 * kScale);
  EXPECT_EQ(r.risk_price(0, Side::Buy, OrdType::Market, 0), 110 * kScale);
  EXPECT_EQ(r.risk_price(0, Side::Sell, OrdType::Market, 0), 100 * kScale);  // band low < reference
  EXPECT_EQ(r.risk_price(1, Side::Buy, OrdType::Market, 0), engine::kMaxPrice);
  // 128-bit: a huge order's value does not wrap.
  EXPECT_EQ(r.value(1, Side::Buy, OrdType::Market, 0, 1'000'000'000),
            static_cast<Notional>(engine::kMaxPrice) * 1'000'000'000);
}

TEST(PreTradeRisk, ACreditLimitPassesAtTheLimitAndRefusesOneUnitOver) {
  MemberLimits l;
  l.credit_limit = 1000 * kScale;
  PreTradeRisk r = make(l);
  EXPECT_TRUE(r.check_new(0, 1000 * kScale).ok());
  const Verdict v = r.check_new(0, 1000 * kScale + 1);
  EXPECT_EQ(v.rule, Rule::CreditLimit);
  EXPECT_EQ(text(v), "credit limit 1000.00: in use 0.00, order needs 1000.00000001");
  r.change_hold(0, 0, 400 * kScale);
  r.fill(0, 0, engine::Side::Sell, 2);  // short 2 at reference 100: exposure 200
  EXPECT_EQ(r.member(0).credit_in_use(), 600 * kScale);
  EXPECT_TRUE(r.check_new(0, 400 * kScale).ok());
  EXPECT_EQ(text(r.check_new(0, 400 * kScale + 1)),
            "credit limit 1000.00: in use 600.00, order needs 400.00000001");
  EXPECT_TRUE(r.check_new(1, 1'000'000 * kScale).ok());  // the other member has no limit
}

TEST(PreTradeRisk, AReplaceThatDoesNotRaiseTheHoldIsNeverRefusedForCredit) {
  MemberLimits l;
  l.credit_limit = 100 * kScale;
  PreTradeRisk r = make(l);
  r.change_hold(0, 0, 150 * kScale);  // above the limit (lowered at runtime, say)
  EXPECT_TRUE(r.check_replace(0, 50 * kScale, 150 * kScale, 50 * kScale).ok());
  EXPECT_EQ(r.check_replace(0, 160 * kScale, 150 * kScale, 160 * kScale).rule, Rule::CreditLimit);
}

TEST(PreTradeRisk, OrderValueAndOpenOrdersAtTheirEdges) {
  MemberLimits l;
  l.max_order_value = 500 * kScale;
  l.max_open_orders = 1;
  PreTradeRisk r = make(l);
  EXPECT_TRUE(r.check_new(0, 500 * kScale).ok());
  EXPECT_EQ(text(r.check_new(0, 500 * kScale + 5'000'000)),
            "max order value 500.00: order value 500.05");
  r.open_order(0);
  EXPECT_EQ(text(r.check_new(0, kScale)), "max open orders 1: open 1");
  r.close_order(0);
  EXPECT_TRUE(r.check_new(0, kScale).ok());
}

TEST(PreTradeRisk, TheMessageRateIsATokenBucketRefilledByTime) {
  MemberLimits l;
  l.max_messages_per_s = 10;
  l.message_burst = 3;
  PreTradeRisk r = make(l);
  const std::int64_t t0 = 1'000'000'000'000;
  EXPECT_TRUE(r.take_message(0, t0));
  EXPECT_TRUE(r.take_message(0, t0));
  EXPECT_TRUE(r.take_message(0, t0));
  EXPECT_FALSE(r.take_message(0, t0));               // the burst is spent
  EXPECT_FALSE(r.take_message(0, t0 + 99'999'999));  // 0.99999999 of a token
  EXPECT_TRUE(r.take_message(0, t0 + 100'000'000));  // 1/10 s: one token
  EXPECT_FALSE(r.take_message(0, t0 + 100'000'000));
  // A long pause fills the bucket to the burst, not beyond.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.take_message(0, t0 + 3600'000'000'000));
  EXPECT_FALSE(r.take_message(0, t0 + 3600'000'000'000));
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(r.take_message(1, t0));  // no limit
}

TEST(PreTradeRisk, PositionsMoveExposureByTheAbsoluteNetQuantity) {
  PreTradeRisk r = make();
  r.fill(0, 0, engine::Side::Buy, 5);
  r.fill(0, 0, engine::Side::Sell, 8);
  r.fill(0, 1, engine::Side::Buy, 3);
  EXPECT_EQ(r.position(0, 0), -3);
  EXPECT_EQ(r.position(0, 1), 3);
  EXPECT_EQ(r.member(0).exposure, 3 * 100 * kScale + 3 * 10 * kScale);
}

TEST(PreTradeRisk, LimitsSetAtRuntimeAndPositionsSurviveASaveAndOverrideTheConfigOnly) {
  MemberLimits config;
  config.credit_limit = 1000 * kScale;
  config.max_open_orders = 5;
  PreTradeRisk before = make(config);
  before.set_limit(0, LimitKey::CreditLimit, 2000 * kScale);
  before.fill(0, 1, engine::Side::Sell, 4);
  std::vector<std::byte> bytes;
  util::ByteWriter out(bytes);
  before.save(out);

  MemberLimits new_config = config;
  new_config.max_open_orders = 7;  // changed in the config since
  PreTradeRisk after = make(new_config);
  util::ByteReader in(bytes);
  after.load(in);
  EXPECT_EQ(in.remaining(), 0U);
  EXPECT_EQ(after.member(0).limits.credit_limit, 2000 * kScale);  // set at runtime
  EXPECT_EQ(after.member(0).limits.max_open_orders, 7);           // the config's
  EXPECT_EQ(after.position(0, 1), -4);
  EXPECT_EQ(after.member(0).exposure, 40 * kScale);
}

TEST(PreTradeRisk, LimitKeysAndMoneyText) {
  LimitKey k{};
  EXPECT_TRUE(parse_limit_key("message_burst", k));
  EXPECT_EQ(k, LimitKey::MessageBurst);
  EXPECT_FALSE(parse_limit_key("credit", k));
  for (std::size_t i = 0; i < kLimitKeys; ++i) {
    ASSERT_TRUE(parse_limit_key(to_string(static_cast<LimitKey>(i)), k));
    EXPECT_EQ(static_cast<std::size_t>(k), i);
  }
  EXPECT_EQ(money_text(0), "0.00");
  EXPECT_EQ(money_text(12'345'678), "0.12345678");
  EXPECT_EQ(money_text(-250 * kScale), "-250.00");
  EXPECT_EQ(money_text(static_cast<Notional>(kScale) * 1'000'000'000'000'000),
            "1000000000000000.00");
}

TEST(TradingControls, TheGateSaysTheFirstReasonAndSurvivesASave) {
  TradingControls c(2, 2);
  EXPECT_EQ(c.gate(0, 0), Gate::Open);
  c.halt(1);
  c.kill(0);
  EXPECT_EQ(c.gate(0, 1), Gate::MemberKilled);
  EXPECT_EQ(c.gate(1, 1), Gate::Halted);
  EXPECT_EQ(c.gate(1, 0), Gate::Open);
  c.set_phase(TradingPhase::PreOpen, 20261201, 42);
  EXPECT_EQ(c.gate(1, 0), Gate::PreOpen);
  c.stop();
  EXPECT_EQ(c.gate(1, 0), Gate::VenueStopped);
  std::vector<std::byte> bytes;
  util::ByteWriter out(bytes);
  c.save(out);
  TradingControls d(2, 2);
  util::ByteReader in(bytes);
  d.load(in);
  EXPECT_TRUE(d.killed(0));
  EXPECT_FALSE(d.killed(1));
  EXPECT_TRUE(d.halted(1));
  EXPECT_TRUE(d.stopped());
  EXPECT_EQ(d.phase(), TradingPhase::PreOpen);
  EXPECT_EQ(d.business_date(), 20261201);
  EXPECT_EQ(d.phase_since_ns(), 42);
  TradingControls other(3, 2);
  util::ByteReader again(bytes);
  EXPECT_THROW(other.load(again), std::runtime_error);
}

}  // namespace
}  // namespace matchgate::risk
