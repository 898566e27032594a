#pragma once
// A network thread's clearing desk (docs/CLEARING.md): turns each engine
// Trade event into a Trade record with both sides' fees, logs it before the
// fill reports, and books it in the clearing ledger. The record is the
// decision: replay books the record the log holds (its fees, its business
// date), not one computed again with today's config, so the ledger and the
// regenerated fill reports after a restart are the ones members were told.
// No allocation per trade beyond the ledger's rare growth; no virtual calls.
#include <cstdint>
#include <optional>
#include <vector>

#include "matchgate/clearing/fees.hpp"
#include "matchgate/clearing/ledger.hpp"
#include "matchgate/engine/event.hpp"
#include "matchgate/gateway/network_options.hpp"
#include "matchgate/records/trade.hpp"
#include "matchgate/util/byte_io.hpp"
#include "matchgate/util/clock.hpp"
#include "matchgate/wal/wal_writer.hpp"

namespace matchgate::gateway {

class TradeBook {
 public:
  TradeBook(const NetworkOptions& options, const util::ThreadClock& clock);
  TradeBook(const clearing::ClearingOptions& clearing, const util::ThreadClock& clock);

  void attach_log(wal::WalProducer* producer) noexcept { wal_ = producer; }
  // [clearing] enabled: otherwise no record, no fee, no ledger.
  bool enabled() const noexcept { return enabled_; }

  // The Trade record of engine Trade event `e` on gateway instrument
  // `instrument`, booked: in replay the one the log holds for it (see
  // expect_logged), else a new one with the fees of the current schedule,
  // logged now (or, in replay, after start: log_unlogged). Its business
  // date: business_date(controls_date).
  const records::TradeRecord& on_trade(const engine::Event& e, std::uint32_t instrument,
                                       std::int32_t controls_date);

  // An operator's bust or correction (docs/ADMIN.md). bust_of: the record
  // that reverses `trade` (its values as last booked). correction_of: the
  // corrected trade at (price, qty), each side's fee computed again with
  // the current schedule, maker and taker as in the trade.
  static records::TradeRecord bust_of(const records::TradeRecord& trade) noexcept;
  records::TradeRecord correction_of(const records::TradeRecord& trade, engine::Price price,
                                     engine::Qty qty) const noexcept;
  // Books a bust or correction in the ledger (live and in replay, through
  // OrderEntry::apply_adjustment); false, changing nothing, when the ledger
  // refuses it.
  bool book_adjustment(const records::TradeRecord& r);

  // Recovery. A Trade record of action trade met in the log: the next
  // on_trade of its event takes it.
  void expect_logged(const records::TradeRecord& r) noexcept { expected_ = r; }
  // The expected record was not taken (its event was not found): forget it.
  void expect_logged_done() noexcept { expected_.reset(); }
  void begin_replay() noexcept { replaying_ = true; }
  void end_replay() noexcept { replaying_ = false; }
  // After recovery, before any report is sent: logs the trades whose
  // records the log did not hold yet (a crash between an event and its
  // record). Returns how many.
  std::size_t log_unlogged();
  // Replayed trade events whose logged record said something else (a log
  // written by another build); the logged record was booked.
  std::uint64_t mismatches() const noexcept { return mismatches_; }

  // The business date now: `controls_date` (the trading day's), or with
  // none (0) the UTC calendar date.
  std::int32_t business_date(std::int32_t controls_date) noexcept;
  // A phase change to a new business date (live and in replay).
  void roll_to(std::int32_t business_date) { ledger_.roll_to(business_date); }

  const clearing::Ledger& ledger() const noexcept { return ledger_; }
  const clearing::FeeSchedule& fees() const noexcept { return fees_; }

  void save(util::ByteWriter& out) const { ledger_.save(out); }
  void load(util::ByteReader& in) { ledger_.load(in); }

 private:
  records::TradeRecord compose(const engine::Event& e, std::uint32_t instrument,
                               std::int32_t business_date) const noexcept;
  std::uint64_t log(const records::TradeRecord& r);

  bool enabled_;
  const util::ThreadClock& clock_;
  clearing::FeeSchedule fees_;
  clearing::Ledger ledger_;
  wal::WalProducer* wal_ = nullptr;
  bool replaying_ = false;
  std::optional<records::TradeRecord> expected_;
  std::vector<records::TradeRecord> unlogged_;
  records::TradeRecord last_;
  std::uint64_t mismatches_ = 0;
  std::int64_t utc_date_minute_ = -1;
  std::int32_t utc_date_ = 0;
};

// The clearing view of `options`: names from the members and instruments,
// carry flags and fee rates from options.clearing where it has them
// (tests may leave it empty: no carry, no fees).
clearing::ClearingOptions clearing_options_of(const NetworkOptions& options);

}  // namespace matchgate::gateway
