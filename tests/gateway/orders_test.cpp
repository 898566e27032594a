// Order entry end to end: two (or three) members trading through the real
// daemon, every ExecutionReport field that members rely on.
#include <gtest/gtest.h>

#include <set>

#include "gateway/gateway_test_util.hpp"

namespace matchgate::testing {
namespace {

using namespace gw;

// ACME pinned to shard 0 and LOTS to shard 1, so both shards trade.
constexpr const char* kTwoShardInstruments = R"([[instruments]]
symbol = "ACME"
tick_size = "0.01"
lot_size = 1
reference_price = "100.00"
price_band_pct = 10
max_order_qty = 1000000
shard = 0

[[instruments]]
symbol = "LOTS"
tick_size = "0.05"
lot_size = 10
reference_price = "20.00"
price_band_pct = 0
max_order_qty = 10000
shard = 1
)";

class OrdersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DaemonOptions o = three_members();
    o.instruments = kTwoShardInstruments;
    daemon_ = std::make_unique<Daemon>(o);
    m1_ = logged_on(*daemon_, "MEMBER1");
    m2_ = logged_on(*daemon_, "MEMBER2");
  }
  void TearDown() override {
    m1_.reset();
    m2_.reset();
    stop_and_check(*daemon_);
  }
  // Every ExecID seen, per member: they must never repeat.
  void track(const FixMessage& er, const std::string& member) {
    if (er.type != "8") return;
    EXPECT_TRUE(exec_ids_[member].insert(er.get(17)).second)
        << "ExecID repeated for " << member << ": " << er.printable();
  }
  FixMessage er1() {
    FixMessage m = next_er(*m1_);
    track(m, "MEMBER1");
    return m;
  }
  FixMessage er2() {
    FixMessage m = next_er(*m2_);
    track(m, "MEMBER2");
    return m;
  }

  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<FixClient> m1_;
  std::unique_ptr<FixClient> m2_;
  std::map<std::string, std::set<std::string>> exec_ids_;
};

void expect_fields(const FixMessage& er, const std::map<int, std::string>& want) {
  for (const auto& [tag, value] : want) {
    EXPECT_EQ(er.get(tag), value) << "tag " << tag << " in " << er.printable();
  }
}

TEST_F(OrdersTest, RestPartialFillAndFullFillCarryEveryField) {
  new_order(*m1_, "buy-1", "ACME", '1', "10", "100.5");
  const FixMessage ack = er1();
  expect_fields(ack, {{11, "buy-1"},
                      {150, "0"},
                      {39, "0"},
                      {14, "0"},
                      {151, "10"},
                      {38, "10"},
                      {54, "1"},
                      {55, "ACME"},
                      {1, "M1-A"},
                      {40, "2"},
                      {59, "0"}});
  EXPECT_DOUBLE_EQ(num(ack.get(44)), 100.5);
  EXPECT_DOUBLE_EQ(num(ack.get(6)), 0);
  EXPECT_FALSE(ack.has(31));
  EXPECT_FALSE(ack.has(32));
  EXPECT_TRUE(ack.has(60));
  const std::string order_id = ack.get(37);
  ASSERT_FALSE(order_id.empty());
  ASSERT_NE(order_id, "NONE");

  // MEMBER2 sells 4 at 100: trades at the maker's 100.5.
  new_order(*m2_, "sell-1", "ACME", '2', "4", "100", {{1, "M2-A"}});
  FixMessage s = er2();
  expect_fields(s, {{11, "sell-1"}, {150, "0"}, {39, "0"}, {151, "4"}, {14, "0"}});
  const std::string sell_id = s.get(37);
  EXPECT_NE(sell_id, order_id);
  s = er2();
  expect_fields(s, {{37, sell_id},
                    {11, "sell-1"},
                    {150, "F"},
                    {39, "2"},
                    {14, "4"},
                    {151, "0"},
                    {32, "4"},
                    {38, "4"},
                    {54, "2"},
                    {55, "ACME"},
                    {1, "M2-A"}});
  EXPECT_DOUBLE_EQ(num(s.get(31)), 100.5);
  EXPECT_DOUBLE_EQ(num(s.get(6)), 100.5);
  EXPECT_DOUBLE_EQ(num(s.get(44)), 100);

  FixMessage b = er1();
  expect_fields(b, {{37, order_id},
                    {11, "buy-1"},
                    {150, "F"},
                    {39, "1"},
                    {14, "4"},
                    {151, "6"},
                    {32, "4"},
                    {38, "10"},
                    {54, "1"},
                    {55, "ACME"},
                    {1, "M1-A"}});
  EXPECT_DOUBLE_EQ(num(b.get(31)), 100.5);
  EXPECT_DOUBLE_EQ(num(b.get(6)), 100.5);
  // One trade, two reports: distinct ExecIDs.
  EXPECT_NE(b.get(17), s.get(17));

  // The rest: 6 more at 100.5, the buy is filled.
  new_order(*m2_, "sell-2", "ACME", '2', "8", "100.5");
  er2();  // new
  s = er2();
  expect_fields(s, {{11, "sell-2"}, {150, "F"}, {39, "1"}, {32, "6"}, {14, "6"}, {151, "2"}});
  b = er1();
  expect_fields(
      b, {{37, order_id}, {11, "buy-1"}, {150, "F"}, {39, "2"}, {32, "6"}, {14, "10"}, {151, "0"}});
  EXPECT_DOUBLE_EQ(num(b.get(6)), 100.5);
  // What is left of sell-2 rests; a second buy at a different price gives a
  // proper average.
  new_order(*m1_, "buy-2", "ACME", '1', "4", "101");
  er1();  // new
  b = er1();
  expect_fields(b, {{11, "buy-2"}, {150, "F"}, {39, "1"}, {32, "2"}, {14, "2"}, {151, "2"}});
  EXPECT_DOUBLE_EQ(num(b.get(31)), 100.5);
  er2();  // sell-2 filled
  new_order(*m2_, "sell-3", "ACME", '2', "2", "101");
  er2();
  er2();
  b = er1();
  expect_fields(b, {{11, "buy-2"}, {150, "F"}, {39, "2"}, {14, "4"}, {151, "0"}});
  EXPECT_DOUBLE_EQ(num(b.get(6)), 100.75);
}

TEST_F(OrdersTest, CancelOfALiveOrderAndCancelRejects) {
  new_order(*m1_, "c-1", "ACME", '1', "10", "99");
  const FixMessage ack = er1();
  m1_->send("F", {{11, "c-1-x"}, {41, "c-1"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  const FixMessage cx = er1();
  expect_fields(cx, {{37, ack.get(37)},
                     {11, "c-1-x"},
                     {41, "c-1"},
                     {150, "4"},
                     {39, "4"},
                     {151, "0"},
                     {14, "0"},
                     {38, "10"},
                     {55, "ACME"},
                     {54, "1"}});

  // Unknown ClOrdID.
  m1_->send("F", {{11, "c-2-x"}, {41, "no-such"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  auto rej = next_of(*m1_, "9");
  expect_fields(rej,
                {{11, "c-2-x"}, {41, "no-such"}, {434, "1"}, {102, "1"}, {39, "8"}, {37, "NONE"}});
  // Already canceled: too late.
  m1_->send("F", {{11, "c-3-x"}, {41, "c-1"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  rej = next_of(*m1_, "9");
  expect_fields(rej,
                {{11, "c-3-x"}, {41, "c-1"}, {434, "1"}, {102, "0"}, {39, "4"}, {37, ack.get(37)}});
}

TEST_F(OrdersTest, CancelOfAFilledOrderIsTooLate) {
  new_order(*m1_, "f-1", "ACME", '1', "5", "100");
  er1();
  new_order(*m2_, "f-2", "ACME", '2', "5", "100");
  er2();
  er2();
  ASSERT_EQ(er1().get(39), "2");
  m1_->send("F", {{11, "f-1-x"}, {41, "f-1"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  auto rej = next_of(*m1_, "9");
  expect_fields(rej, {{11, "f-1-x"}, {41, "f-1"}, {434, "1"}, {102, "0"}, {39, "2"}});
  m1_->send("G", {{11, "f-1-r"},
                  {41, "f-1"},
                  {55, "ACME"},
                  {54, "1"},
                  {38, "9"},
                  {40, "2"},
                  {44, "100"},
                  {60, utc_now()}});
  rej = next_of(*m1_, "9");
  expect_fields(rej, {{11, "f-1-r"}, {41, "f-1"}, {434, "2"}, {102, "0"}, {39, "2"}});
}

TEST_F(OrdersTest, ReplaceDownAtTheSamePriceKeepsPriority) {
  new_order(*m1_, "p-a", "ACME", '1', "10", "100");
  const FixMessage a = er1();
  new_order(*m1_, "p-b", "ACME", '1', "10", "100");
  er1();
  m1_->send("G", {{11, "p-a2"},
                  {41, "p-a"},
                  {55, "ACME"},
                  {54, "1"},
                  {38, "6"},
                  {40, "2"},
                  {44, "100"},
                  {60, utc_now()}});
  const FixMessage r = er1();
  expect_fields(r, {{37, a.get(37)},
                    {11, "p-a2"},
                    {41, "p-a"},
                    {150, "5"},
                    {39, "0"},
                    {38, "6"},
                    {151, "6"},
                    {14, "0"}});
  new_order(*m2_, "p-s", "ACME", '2', "6", "100");
  er2();
  er2();
  const FixMessage f = er1();
  expect_fields(f, {{11, "p-a2"}, {37, a.get(37)}, {150, "F"}, {39, "2"}, {32, "6"}, {14, "6"}});
  // The old ClOrdID still finds the order; the answer carries the
  // request's ClOrdID, so the member can tell which request it answers.
  m1_->send("H", {{11, "p-a"}, {55, "ACME"}, {54, "1"}});
  const FixMessage st = er1();
  expect_fields(st, {{150, "I"}, {11, "p-a"}, {37, a.get(37)}, {39, "2"}, {14, "6"}});
}

TEST_F(OrdersTest, AReplacedOrderCanBeCanceledByEitherClOrdId) {
  new_order(*m1_, "rc-a", "ACME", '1', "10", "99");
  const FixMessage a = er1();
  m1_->send("G", {{11, "rc-b"}, {41, "rc-a"}, {38, "8"}, {40, "2"}, {44, "99"}, {60, utc_now()}});
  expect_fields(er1(), {{150, "5"}, {11, "rc-b"}, {41, "rc-a"}});
  // OrigClOrdID names the first ClOrdID: the gateway follows the chain,
  // and the answer echoes the OrigClOrdID the request named.
  m1_->send("F", {{11, "rc-c"}, {41, "rc-a"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  const FixMessage c = er1();
  expect_fields(c, {{150, "4"}, {39, "4"}, {11, "rc-c"}, {41, "rc-a"}, {37, a.get(37)}, {38, "8"}});
  m1_->send("F", {{11, "rc-d"}, {41, "rc-b"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  expect_fields(next_of(*m1_, "9"), {{102, "0"}, {39, "4"}, {41, "rc-b"}});
}

TEST_F(OrdersTest, ReplaceOfAPartiallyFilledOrder) {
  new_order(*m1_, "pf-a", "ACME", '1', "10", "100");
  const FixMessage a = er1();
  new_order(*m2_, "pf-s", "ACME", '2', "4", "100");
  er2();
  er2();
  expect_fields(er1(), {{150, "F"}, {14, "4"}, {151, "6"}});
  // Down to 6 in total: 2 left, the fills stay.
  m1_->send("G", {{11, "pf-b"}, {41, "pf-a"}, {38, "6"}, {40, "2"}, {44, "100"}, {60, utc_now()}});
  const FixMessage r = er1();
  expect_fields(r, {{150, "5"},
                    {39, "1"},
                    {37, a.get(37)},
                    {38, "6"},
                    {14, "4"},
                    {151, "2"},
                    {11, "pf-b"},
                    {41, "pf-a"}});
  EXPECT_DOUBLE_EQ(num(r.get(6)), 100);
  // At or below what has filled: rejected, the order stays as it was.
  m1_->send("G", {{11, "pf-c"}, {41, "pf-b"}, {38, "4"}, {40, "2"}, {44, "100"}, {60, utc_now()}});
  const FixMessage rej = next_of(*m1_, "9");
  expect_fields(rej, {{434, "2"}, {102, "99"}, {39, "1"}, {11, "pf-c"}, {41, "pf-b"}});
  EXPECT_FALSE(rej.get(58).empty());
  // Outside the price band: rejected too.
  m1_->send("G", {{11, "pf-d"}, {41, "pf-b"}, {38, "6"}, {40, "2"}, {44, "150"}, {60, utc_now()}});
  expect_fields(next_of(*m1_, "9"), {{434, "2"}, {102, "99"}, {39, "1"}});
  m1_->send("H", {{11, "pf-b"}, {55, "ACME"}, {54, "1"}});
  expect_fields(er1(), {{150, "I"}, {39, "1"}, {38, "6"}, {14, "4"}, {151, "2"}});
  // The rest fills at the same price.
  new_order(*m2_, "pf-s2", "ACME", '2', "5", "100");
  er2();
  expect_fields(er2(), {{150, "F"}, {32, "2"}});
  expect_fields(er1(), {{11, "pf-b"}, {150, "F"}, {39, "2"}, {14, "6"}, {151, "0"}});
}

TEST_F(OrdersTest, ReplaceWithANewPriceLosesPriority) {
  new_order(*m1_, "q-a", "ACME", '1', "10", "100");
  er1();
  new_order(*m1_, "q-b", "ACME", '1', "10", "100");
  const FixMessage b = er1();
  // Price away and back: behind q-b.
  m1_->send("G", {{11, "q-a2"}, {41, "q-a"}, {38, "10"}, {40, "2"}, {44, "99"}, {60, utc_now()}});
  expect_fields(er1(), {{150, "5"}, {11, "q-a2"}, {41, "q-a"}});
  m1_->send("G", {{11, "q-a3"}, {41, "q-a2"}, {38, "10"}, {40, "2"}, {44, "100"}, {60, utc_now()}});
  expect_fields(er1(), {{150, "5"}, {11, "q-a3"}, {41, "q-a2"}, {39, "0"}});
  new_order(*m2_, "q-s", "ACME", '2', "10", "100");
  er2();
  er2();
  expect_fields(er1(), {{11, "q-b"}, {37, b.get(37)}, {150, "F"}, {39, "2"}});
  // Increasing the quantity also loses priority.
  new_order(*m1_, "q-c", "ACME", '1', "5", "100");
  const FixMessage c = er1();
  m1_->send("G", {{11, "q-a4"}, {41, "q-a3"}, {38, "12"}, {40, "2"}, {44, "100"}, {60, utc_now()}});
  expect_fields(er1(), {{150, "5"}, {11, "q-a4"}, {38, "12"}, {151, "12"}});
  new_order(*m2_, "q-s2", "ACME", '2', "5", "100");
  er2();
  er2();
  expect_fields(er1(), {{11, "q-c"}, {37, c.get(37)}, {150, "F"}, {39, "2"}});
}

TEST_F(OrdersTest, ReplaceCannotChangeSymbolOrSide) {
  new_order(*m1_, "s-1", "ACME", '1', "10", "100");
  er1();
  m1_->send("G", {{11, "s-1r"},
                  {41, "s-1"},
                  {55, "ACME"},
                  {54, "2"},
                  {38, "10"},
                  {40, "2"},
                  {44, "100"},
                  {60, utc_now()}});
  auto rej = next_of(*m1_, "9");
  expect_fields(rej, {{434, "2"}, {102, "99"}, {39, "0"}, {58, "Symbol and Side cannot change"}});
}

TEST_F(OrdersTest, IocFillsWhatItCanAndCancelsTheRest) {
  new_order(*m1_, "i-rest", "ACME", '2', "4", "100");
  er1();
  new_order(*m2_, "i-ioc", "ACME", '1', "10", "100", {{59, "3"}});
  expect_fields(er2(), {{150, "0"}, {39, "0"}, {59, "3"}});
  expect_fields(er2(), {{150, "F"}, {39, "1"}, {32, "4"}, {14, "4"}, {151, "6"}});
  const FixMessage c = er2();
  expect_fields(c, {{11, "i-ioc"}, {150, "4"}, {39, "4"}, {14, "4"}, {151, "0"}});
  EXPECT_FALSE(c.get(58).empty());
  expect_fields(er1(), {{11, "i-rest"}, {150, "F"}, {39, "2"}});
}

TEST_F(OrdersTest, FokThatCannotFillIsCanceledWithoutTrading) {
  new_order(*m1_, "k-rest", "ACME", '2', "4", "100");
  er1();
  new_order(*m2_, "k-fok", "ACME", '1', "10", "100", {{59, "4"}});
  expect_fields(er2(), {{150, "0"}, {59, "4"}});
  expect_fields(er2(), {{11, "k-fok"}, {150, "4"}, {39, "4"}, {14, "0"}, {151, "0"}});
  // The resting order was untouched.
  m1_->send("H", {{11, "k-rest"}, {55, "ACME"}, {54, "2"}});
  expect_fields(er1(), {{150, "I"}, {39, "0"}, {151, "4"}});
  // A FOK that can fill does.
  new_order(*m2_, "k-fok2", "ACME", '1', "4", "100", {{59, "4"}});
  er2();
  expect_fields(er2(), {{11, "k-fok2"}, {150, "F"}, {39, "2"}, {14, "4"}});
}

TEST_F(OrdersTest, MarketOrderTradesAtTheBookAndCancelsTheRest) {
  new_order(*m1_, "m-rest", "ACME", '2', "3", "101");
  er1();
  new_order(*m2_, "m-mkt", "ACME", '1', "5", "");
  const FixMessage ack = er2();
  expect_fields(ack, {{150, "0"}, {40, "1"}, {38, "5"}});
  EXPECT_FALSE(ack.has(44));
  const FixMessage f = er2();
  expect_fields(f, {{150, "F"}, {32, "3"}, {14, "3"}});
  EXPECT_DOUBLE_EQ(num(f.get(31)), 101);
  expect_fields(er2(), {{11, "m-mkt"}, {150, "4"}, {39, "4"}, {14, "3"}, {151, "0"}});
  // Against an empty book: canceled unfilled.
  new_order(*m2_, "m-mkt2", "ACME", '1', "5", "");
  er2();
  expect_fields(er2(), {{11, "m-mkt2"}, {150, "4"}, {39, "4"}, {14, "0"}});
}

TEST_F(OrdersTest, OrderStatusForLiveFilledAndUnknownOrders) {
  new_order(*m1_, "st-live", "ACME", '1', "10", "98");
  const FixMessage live = er1();
  new_order(*m1_, "st-fill", "ACME", '2', "2", "102");
  er1();
  new_order(*m2_, "st-take", "ACME", '1', "2", "102");
  er2();
  er2();
  er1();

  m1_->send("H", {{11, "st-live"}, {55, "ACME"}, {54, "1"}});
  const FixMessage a = er1();
  expect_fields(a, {{150, "I"},
                    {39, "0"},
                    {11, "st-live"},
                    {37, live.get(37)},
                    {151, "10"},
                    {14, "0"},
                    {38, "10"},
                    {55, "ACME"},
                    {54, "1"}});
  m1_->send("H", {{11, "st-fill"}, {55, "ACME"}, {54, "2"}});
  const FixMessage b = er1();
  expect_fields(b, {{150, "I"}, {39, "2"}, {11, "st-fill"}, {151, "0"}, {14, "2"}});
  EXPECT_DOUBLE_EQ(num(b.get(6)), 102);
  m1_->send("H", {{11, "st-none"}, {55, "ACME"}, {54, "1"}});
  const FixMessage c = er1();
  expect_fields(c, {{150, "I"}, {39, "8"}, {11, "st-none"}, {37, "NONE"}, {58, "unknown order"}});
}

TEST_F(OrdersTest, AMemberCannotTouchOrSeeAnotherMembersOrder) {
  new_order(*m1_, "mine", "ACME", '1', "10", "99");
  const FixMessage ack = er1();
  m2_->send("F", {{11, "theirs-x"}, {41, "mine"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  expect_fields(next_of(*m2_, "9"), {{102, "1"}, {434, "1"}, {37, "NONE"}, {39, "8"}});
  m2_->send("G", {{11, "theirs-r"},
                  {41, "mine"},
                  {55, "ACME"},
                  {54, "1"},
                  {38, "1"},
                  {40, "2"},
                  {44, "99"},
                  {60, utc_now()}});
  expect_fields(next_of(*m2_, "9"), {{102, "1"}, {434, "2"}});
  m2_->send("H", {{11, "mine"}, {55, "ACME"}, {54, "1"}});
  expect_fields(er2(), {{150, "I"}, {39, "8"}, {37, "NONE"}});
  // MEMBER2 may use the same ClOrdID for its own order.
  new_order(*m2_, "mine", "ACME", '2', "1", "105");
  const FixMessage own = er2();
  expect_fields(own, {{150, "0"}, {11, "mine"}});
  EXPECT_NE(own.get(37), ack.get(37));
  // MEMBER1's order is untouched and heard nothing.
  m1_->send("H", {{11, "mine"}, {55, "ACME"}, {54, "1"}});
  expect_fields(er1(), {{150, "I"}, {39, "0"}, {151, "10"}, {54, "1"}});
}

TEST_F(OrdersTest, DuplicateClOrdIdIsRejectedAndTheOriginalIsUntouched) {
  new_order(*m1_, "dup", "ACME", '1', "10", "99");
  const FixMessage ack = er1();
  new_order(*m1_, "dup", "ACME", '2', "3", "101");
  const FixMessage rej = er1();
  expect_fields(rej, {{150, "8"}, {39, "8"}, {103, "6"}, {11, "dup"}, {37, "NONE"}});
  m1_->send("H", {{11, "dup"}, {55, "ACME"}, {54, "1"}});
  expect_fields(er1(),
                {{150, "I"}, {39, "0"}, {37, ack.get(37)}, {38, "10"}, {54, "1"}, {151, "10"}});
  // A cancel reusing a ClOrdID: CxlRejReason 6, order still live.
  m1_->send("F", {{11, "dup"}, {41, "dup"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  expect_fields(next_of(*m1_, "9"), {{102, "6"}, {39, "0"}});
  m1_->send("H", {{11, "dup"}, {55, "ACME"}, {54, "1"}});
  expect_fields(er1(), {{150, "I"}, {39, "0"}});
}

TEST_F(OrdersTest, AccountDefaultsToTheFirstAndUnknownAccountsAreRejected) {
  new_order(*m1_, "acc-1", "ACME", '1', "1", "99");
  expect_fields(er1(), {{150, "0"}, {1, "M1-A"}});
  new_order(*m1_, "acc-2", "ACME", '1', "1", "99", {{1, "M1-B"}});
  expect_fields(er1(), {{150, "0"}, {1, "M1-B"}});
  new_order(*m1_, "acc-3", "ACME", '1', "1", "99", {{1, "M2-A"}});
  expect_fields(er1(), {{150, "8"}, {39, "8"}, {103, "99"}, {58, "unknown account"}});
}

TEST_F(OrdersTest, CancelOnDisconnectCancelsOnlyForMembersThatAskedForIt) {
  auto m3 = logged_on(*daemon_, "MEMBER3");
  new_order(*m3, "cod-3", "ACME", '1', "10", "97");
  ASSERT_EQ(next_er(*m3).get(150), "0");
  new_order(*m1_, "cod-1", "ACME", '1', "10", "97");
  ASSERT_EQ(er1().get(150), "0");
  const std::uint64_t m3_next = m3->next_seq();
  const std::uint64_t m1_next = m1_->next_seq();
  m3.reset();  // connections dropped, no Logout
  m1_.reset();
  // Logging on again works once the gateway has seen the drop (and, for
  // MEMBER3, queued the mass cancel ahead of anything sent after).
  auto c3 = relogon(*daemon_, "MEMBER3", m3_next);
  auto c1 = relogon(*daemon_, "MEMBER1", m1_next);
  ASSERT_TRUE(c3 && c1);

  // Only MEMBER1's order is left to trade with.
  new_order(*m2_, "cod-take", "ACME", '2', "20", "97");
  er2();
  expect_fields(er2(), {{150, "F"}, {32, "10"}, {14, "10"}, {39, "1"}});
  for (const FixMessage& m : m2_->drain(200ms)) {
    EXPECT_NE(m.get(150), "F") << "traded twice: " << m.printable();
  }
  // Status requests (the cancel report itself may come first, live, when
  // it was produced after the new logon).
  const auto status_of = [](FixClient& c, const std::string& id) {
    c.send("H", {{11, id}, {55, "ACME"}, {54, "1"}});
    for (int i = 0; i < 5; ++i) {
      FixMessage m = next_er(c);
      if (m.get(150) == "I") return m;
    }
    return FixMessage{};
  };
  expect_fields(status_of(*c3, "cod-3"), {{150, "I"}, {39, "4"}, {14, "0"}, {151, "0"}});
  expect_fields(status_of(*c1, "cod-1"), {{150, "I"}, {39, "2"}, {14, "10"}, {151, "0"}});
}

TEST_F(OrdersTest, BothShardsTrade) {
  new_order(*m1_, "sh-a", "ACME", '1', "5", "100");
  const FixMessage a = er1();
  new_order(*m1_, "sh-l", "LOTS", '1', "20", "20.05");
  const FixMessage l = er1();
  ASSERT_EQ(a.get(150), "0");
  ASSERT_EQ(l.get(150), "0");
  // Order ids of different shards never collide.
  EXPECT_NE(a.get(37), l.get(37));
  new_order(*m2_, "sh-l2", "LOTS", '2', "10", "20");
  er2();
  expect_fields(er2(), {{150, "F"}, {55, "LOTS"}, {32, "10"}});
  const FixMessage lf = er1();
  expect_fields(lf, {{11, "sh-l"}, {150, "F"}, {39, "1"}, {32, "10"}, {151, "10"}, {55, "LOTS"}});
  EXPECT_DOUBLE_EQ(num(lf.get(31)), 20.05);
  new_order(*m2_, "sh-a2", "ACME", '2', "5", "100");
  er2();
  expect_fields(er2(), {{150, "F"}, {55, "ACME"}, {32, "5"}});
  expect_fields(er1(), {{11, "sh-a"}, {150, "F"}, {39, "2"}, {55, "ACME"}});
  // Lot size is enforced per instrument.
  new_order(*m2_, "sh-lot", "LOTS", '2', "15", "20");
  expect_fields(er2(), {{150, "8"}, {103, "13"}});
}

// The gateway remembers max_tracked_orders ClOrdIDs and recycles the oldest
// finished ones. A recycled record must not carry what its previous use
// referred to.
TEST(OrdersRecyclingTest, CancelNamingARejectedReplaceIsUnknownEvenAfterRecycling) {
  DaemonOptions o;
  o.gateway_extra = "max_tracked_orders = 1024\n";
  Daemon daemon(o);
  auto c = logged_on(daemon, "MEMBER1");
  new_order(*c, "X", "ACME", '1', "10", "99");  // record 0
  const FixMessage x = next_er(*c);
  ASSERT_EQ(x.get(150), "0");
  c->send("G", {{11, "X2"}, {41, "X"}, {38, "9"}, {40, "2"}, {44, "99"}, {60, utc_now()}});
  ASSERT_EQ(next_er(*c).get(150), "5");  // record 1; record 0 finished
  // Fill the table with finished records (rejected by the engine).
  for (int i = 0; i < 1022; ++i) {
    std::string id = "z";
    id += std::to_string(i);
    new_order(*c, id, "ACME", '1', "0", "99");
  }
  for (int i = 0; i < 1022; ++i) {
    auto m = c->receive_type("8", 5s);
    ASSERT_TRUE(m.has_value());
    ASSERT_EQ(m->get(150), "8") << m->printable();
  }
  // A replace the engine rejects (outside the band) takes the oldest
  // finished record, X's first.
  c->send("G", {{11, "R"}, {41, "X2"}, {38, "9"}, {40, "2"}, {44, "200"}, {60, utc_now()}});
  const FixMessage rej = next_of(*c, "9");
  ASSERT_EQ(rej.get(434), "2");
  // "R" never named an order.
  c->send("F", {{11, "C"}, {41, "R"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  auto m = c->receive(5s);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, "9") << "cancel naming a rejected replace: " << m->printable();
  EXPECT_EQ(m->get(102), "1");
  c->send("H", {{11, "X2"}, {55, "ACME"}, {54, "1"}});
  auto st = c->receive_type("8", 5s);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->get(39), "0") << "X2 must still be live: " << st->printable();
  c.reset();
  stop_and_check(daemon);
}

}  // namespace
}  // namespace matchgate::testing
