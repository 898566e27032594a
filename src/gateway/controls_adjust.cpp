// Trading controls: an operator's trade bust or correction (docs/ADMIN.md).
// Checked completely, then logged as a Control record followed by the Trade
// records (the bust; for a correction the bust and the corrected trade) in
// one block, applied through OrderEntry::apply_adjustment (the function
// replay uses), and reported to both members (ExecType H or G).
#include <array>
#include <charconv>
#include <string>

#include "matchgate/gateway/controls.hpp"
#include "matchgate/records/record_types.hpp"
#include "matchgate/util/assert.hpp"
#include "matchgate/util/decimal.hpp"

namespace matchgate::gateway {

namespace {

ControlAnswer refuse(std::string why) {
  return ControlAnswer{false, std::move(why), 0};
}

std::string money(std::int64_t v) {
  char buf[util::kMaxDecimalChars];
  return std::string(buf, util::format_decimal(v, buf, sizeof buf));
}

}  // namespace

const records::TradeRecord* Controls::adjustable_trade(const std::string& id_text,
                                                       bool allow_busted, bool* was_busted,
                                                       std::string& why) {
  TradeBook& book = order_entry_.trade_book();
  if (!book.enabled()) {
    why = "clearing is off ([clearing] enabled = false): no trades are booked to bust or correct";
    return nullptr;
  }
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc{} || end != id_text.data() + id_text.size() || id == 0) {
    why = "trade id \"" + id_text + "\" is not a number > 0";
    return nullptr;
  }
  const std::int32_t today = book.business_date(state_.business_date());
  const clearing::Ledger& ledger = book.ledger();
  bool busted = false;
  const records::TradeRecord* trade = ledger.find_trade(id, &busted);
  if (trade == nullptr) {
    why = "no trade " + id_text + " on business date " + std::to_string(today) +
          " (unknown, or of an earlier business date: only the current date's trades can be "
          "busted or corrected)";
  } else if (ledger.business_date() != today) {
    why = "trade " + id_text + " is of business date " + std::to_string(ledger.business_date()) +
          ", not the current one (" + std::to_string(today) +
          "): only the current date's trades can be busted or corrected";
    trade = nullptr;
  } else if (busted && !allow_busted) {
    why = "trade " + id_text + " is already busted";
    trade = nullptr;
  }
  if (was_busted != nullptr) *was_busted = busted;
  return trade;
}

bool Controls::parse_correction(std::span<const std::string> args, std::uint32_t instrument,
                                engine::Price& price, engine::Qty& qty, std::string& why) const {
  const InstrumentRoute& route = options_.instruments[instrument];
  const util::DecimalParse p = util::parse_decimal(args[1]);
  if (!p.ok() || p.value <= 0 || p.value % route.tick != 0) {
    why = "price \"" + args[1] + "\" is not a price > 0 on " + route.symbol + "'s tick (" +
          money(route.tick) + ")";
    return false;
  }
  const util::DecimalParse q = util::parse_decimal(args[2]);
  const std::int64_t lot_units = route.lot * util::kDecimalScale;
  if (!q.ok() || q.value <= 0 || q.value % util::kDecimalScale != 0 || q.value % lot_units != 0) {
    why = "quantity \"" + args[2] + "\" is not a whole number > 0 in lots of " +
          std::to_string(route.lot);
    return false;
  }
  static_assert(engine::kPriceScale == util::kDecimalScale, "prices are decimals of 8 digits");
  price = p.value;
  qty = q.value / util::kDecimalScale;
  return true;
}

std::uint64_t Controls::log_adjustment(const records::ControlRecord& c,
                                       const records::TradeRecord* bust,
                                       const records::TradeRecord* corrected) {
  if (wal_ == nullptr) return 0;
  std::byte control[records::kControlMaxSize];
  std::byte trades[2][records::kTradeRecordSize];
  std::array<wal::GroupedRecord, 3> group;
  std::size_t n = 0;
  group[n++] = {records::to_wire(records::RecordType::Control),
                std::span<const std::byte>(control, records::encode_control(c, control))};
  for (const records::TradeRecord* t : {bust, corrected}) {
    if (t == nullptr) continue;
    std::byte* out = trades[n - 1];
    records::encode_trade(*t, out);
    group[n++] = {records::to_wire(records::RecordType::Trade),
                  std::span<const std::byte>(out, records::kTradeRecordSize)};
  }
  // One block: a crash or a power cut keeps the whole adjustment or none of
  // it, never a bust without its correction (docs/WAL.md 4.9b).
  return wal_->append_together(clock_.wall_ns, std::span(group.data(), n));
}

ControlAnswer Controls::bust_or_correct(std::string_view identity,
                                        std::span<const std::string> args, bool correct) {
  std::string why;
  // A busted trade can be corrected: its correction reinstates it at the
  // new values (which also completes a correction that a log written before
  // adjustments were appended as one group holds only the bust of); it
  // cannot be busted twice.
  bool reinstate = false;
  const records::TradeRecord* found = adjustable_trade(args[0], correct, &reinstate, why);
  if (found == nullptr) return refuse(why);
  const records::TradeRecord old = *found;  // the ledger changes below
  engine::Price price = 0;
  engine::Qty qty = 0;
  if (correct && !parse_correction(args, old.instrument, price, qty, why)) return refuse(why);
  const std::string what = options_.instruments[old.instrument].symbol + " " +
                           std::to_string(old.qty) + " @ " + money(old.price);
  if (correct && !reinstate && price == old.price && qty == old.qty) {
    return ControlAnswer{true, "trade " + args[0] + " is " + what + " already: nothing done", 0};
  }
  TradeBook& book = order_entry_.trade_book();
  records::ControlRecord c;
  c.action = correct ? records::ControlAction::CorrectTrade : records::ControlAction::BustTrade;
  c.instrument = old.instrument;
  c.value = static_cast<std::int64_t>(old.trade_id);
  c.business_date = old.business_date;
  c.identity = identity;
  const records::TradeRecord bust = TradeBook::bust_of(old);
  records::TradeRecord corrected;
  if (correct) corrected = book.correction_of(old, price, qty);
  const std::uint64_t at =
      log_adjustment(c, reinstate ? nullptr : &bust, correct ? &corrected : nullptr);
  if (!reinstate) {
    const bool busted = order_entry_.apply_adjustment(bust);
    MATCHGATE_ASSERT(busted, "the ledger refused a checked bust");
  }
  if (correct) {
    const bool booked = order_entry_.apply_adjustment(corrected);
    MATCHGATE_ASSERT(booked, "the ledger refused a checked correction");
  }
  order_entry_.report_adjustment(bust, correct ? &corrected : nullptr);
  const std::string parties = " (buyer " + options_.members[old.buyer.member].comp_id +
                              ", seller " + options_.members[old.seller.member].comp_id + ")";
  if (!correct) {
    return ControlAnswer{
        true, "busted trade " + args[0] + ": " + what + parties + "; both members told (150=H)",
        at};
  }
  return ControlAnswer{true,
                       std::string(reinstate ? "reinstated busted trade " : "corrected trade ") +
                           args[0] + ": " + what + " -> " + std::to_string(qty) + " @ " +
                           money(price) + parties + "; both members told (150=G)",
                       at};
}

}  // namespace matchgate::gateway
