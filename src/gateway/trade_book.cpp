#include "matchgate/gateway/trade_book.hpp"

#include <ctime>

#include "matchgate/records/record_types.hpp"
#include "matchgate/util/assert.hpp"

namespace matchgate::gateway {

clearing::ClearingOptions clearing_options_of(const NetworkOptions& options) {
  clearing::ClearingOptions c = options.clearing;
  c.members.clear();
  for (const MemberOptions& m : options.members) c.members.push_back({m.comp_id, m.accounts});
  c.instruments.resize(options.instruments.size());
  for (std::size_t i = 0; i < options.instruments.size(); ++i) {
    c.instruments[i].symbol = options.instruments[i].symbol;
  }
  return c;
}

TradeBook::TradeBook(const NetworkOptions& options, const util::ThreadClock& clock)
    : TradeBook(clearing_options_of(options), clock) {}

TradeBook::TradeBook(const clearing::ClearingOptions& clearing, const util::ThreadClock& clock)
    : enabled_(clearing.enabled),
      clock_(clock),
      fees_(clearing.fee_schedule()),
      ledger_(clearing.ledger_shape()) {
  unlogged_.reserve(64);
}

records::TradeRecord TradeBook::compose(const engine::Event& e, std::uint32_t instrument,
                                        std::int32_t business_date) const noexcept {
  const bool taker_buys = e.order.side == engine::Side::Buy;
  const engine::OrderView& buy = taker_buys ? e.order : e.maker;
  const engine::OrderView& sell = taker_buys ? e.maker : e.order;
  records::TradeRecord r;
  r.action = records::TradeAction::Trade;
  r.aggressor = e.order.side;
  r.business_date = business_date;
  r.trade_id = e.exec_id;
  r.instrument = instrument;
  r.price = e.trade_price;
  r.qty = e.trade_qty;
  r.buyer = records::TradeSide{buy.member, buy.account, buy.id,
                               fees_.fee(instrument, !taker_buys, e.trade_price, e.trade_qty)};
  r.seller = records::TradeSide{sell.member, sell.account, sell.id,
                                fees_.fee(instrument, taker_buys, e.trade_price, e.trade_qty)};
  return r;
}

std::int32_t TradeBook::business_date(std::int32_t controls_date) noexcept {
  if (controls_date != 0) return controls_date;
  // No trading day logged (no [trading_day], no operator's session
  // command yet): the UTC calendar date, as the trading controls see it,
  // looked up once a minute.
  const std::int64_t minute = clock_.wall_ns / 60'000'000'000;
  if (minute != utc_date_minute_) {
    const std::time_t t = static_cast<std::time_t>(clock_.wall_ns / 1'000'000'000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    utc_date_ = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
    utc_date_minute_ = minute;
  }
  return utc_date_;
}

const records::TradeRecord& TradeBook::on_trade(const engine::Event& e, std::uint32_t instrument,
                                                std::int32_t controls_date) {
  MATCHGATE_ASSERT(enabled_, "a trade booked with clearing off");
  records::TradeRecord r = compose(e, instrument, business_date(controls_date));
  if (replaying_) {
    if (expected_ && expected_->trade_id == e.exec_id) {
      // The logged decision wins (its fees and date); anything else that
      // differs is a log from another build.
      records::TradeRecord logged = *expected_;
      r.business_date = logged.business_date;
      r.buyer.fee = logged.buyer.fee;
      r.seller.fee = logged.seller.fee;
      if (r != logged) ++mismatches_;
      r = logged;
      expected_.reset();
    } else {
      unlogged_.push_back(r);
    }
  } else {
    log(r);
  }
  const bool booked = ledger_.apply(r);
  // Live, a trade the ledger refuses is a bug (a member or instrument out
  // of range, a repeated trade id): its two sides would no longer balance.
  // In replay it is a log from another build, counted like a mismatch.
  MATCHGATE_ASSERT(booked || replaying_, "the clearing ledger refused an engine trade");
  if (!booked) ++mismatches_;
  last_ = r;
  return last_;
}

records::TradeRecord TradeBook::bust_of(const records::TradeRecord& trade) noexcept {
  records::TradeRecord bust = trade;
  bust.action = records::TradeAction::Bust;
  return bust;
}

records::TradeRecord TradeBook::correction_of(const records::TradeRecord& trade,
                                              engine::Price price, engine::Qty qty) const noexcept {
  records::TradeRecord c = trade;
  c.action = records::TradeAction::Correction;
  c.price = price;
  c.qty = qty;
  // The maker is the side that did not aggress.
  const bool buyer_made = trade.aggressor == engine::Side::Sell;
  c.buyer.fee = fees_.fee(trade.instrument, buyer_made, price, qty);
  c.seller.fee = fees_.fee(trade.instrument, !buyer_made, price, qty);
  return c;
}

bool TradeBook::book_adjustment(const records::TradeRecord& r) {
  MATCHGATE_ASSERT(r.action != records::TradeAction::Trade, "a trade is booked by on_trade");
  return ledger_.apply(r);
}

std::uint64_t TradeBook::log(const records::TradeRecord& r) {
  if (wal_ == nullptr) return 0;
  std::byte buf[records::kTradeRecordSize];
  records::encode_trade(r, buf);
  return wal_->append(records::to_wire(records::RecordType::Trade), clock_.wall_ns, buf);
}

std::size_t TradeBook::log_unlogged() {
  const std::size_t n = unlogged_.size();
  for (const records::TradeRecord& r : unlogged_) log(r);
  unlogged_.clear();
  return n;
}

}  // namespace matchgate::gateway
