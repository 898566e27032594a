#pragma once
// A network thread's trading controls (docs/RISK.md): the operator's
// commands (matchgate-admin, through the admin endpoint) and the trading
// day's schedule. Every decision is checked completely first, then logged
// as one Control record and applied, so nothing is half-applied and a
// replay of the log puts the same controls back: kill/release a member,
// halt/resume an instrument, stop/resume the venue, an operator's mass
// cancel, a limit set at runtime, a session phase change. The cancels and
// expiries a decision causes go to the shards as logged requests after it;
// members are told with SecurityStatus (35=f) and TradingSessionStatus
// (35=h).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "matchgate/gateway/answers.hpp"
#include "matchgate/gateway/network_options.hpp"
#include "matchgate/gateway/order_entry.hpp"
#include "matchgate/gateway/order_messages.hpp"
#include "matchgate/gateway/session_table.hpp"
#include "matchgate/gateway/settlement_writer.hpp"
#include "matchgate/gateway/shard_router.hpp"
#include "matchgate/records/control.hpp"
#include "matchgate/risk/trading_controls.hpp"
#include "matchgate/risk/trading_schedule.hpp"
#include "matchgate/util/clock.hpp"
#include "matchgate/wal/wal_writer.hpp"

namespace matchgate::gateway {

struct ControlAnswer {
  bool ok = false;
  std::string text;  // what was done, or why nothing was
  // The log position its Control record was appended at (0: nothing
  // logged): the answer is given once the log is durable up to it.
  std::uint64_t logged_at = 0;
};

class Controls {
 public:
  Controls(const NetworkOptions& options, risk::TradingControls& state, OrderEntry& order_entry,
           ShardRouter& router, Answers& answers, SessionTable& sessions,
           const util::ThreadClock& clock);

  void attach_log(wal::WalProducer* producer) noexcept { wal_ = producer; }
  // Where each close's settlement report is requested (none: no reports,
  // e.g. clearing off or in tests).
  void attach_settlement(SettlementWriter* writer) noexcept { settlement_ = writer; }

  // An operator's command, e.g. {"kill", "M1"}; `identity` is logged with it.
  ControlAnswer execute(std::string_view identity, std::span<const std::string> words);
  // A logged decision, in replay (nothing is sent, nothing logged).
  void replay(const records::ControlRecord& r, std::int64_t time_ns);
  // After recovery, before members connect: the schedule's state now,
  // applying a close (Day orders expire) the daemon missed while it was down.
  void start();
  // The schedule: applies a phase change that is due. Cheap when none is.
  void on_timer();
  // A member just logged on: the session's phase and any halt it must know.
  void tell_logged_on(engine::MemberId member);

  const risk::TradingSchedule& schedule() const noexcept { return schedule_; }

 private:
  struct Target {
    engine::MemberId member = records::kNoTarget;
    std::uint32_t instrument = records::kNoTarget;
  };
  ControlAnswer kill_or_release(std::string_view identity, std::span<const std::string> args,
                                bool kill);
  ControlAnswer halt_or_resume(std::string_view identity, std::span<const std::string> args,
                               bool halt);
  ControlAnswer stop_or_resume(std::string_view identity, bool stop);
  ControlAnswer mass_cancel(std::string_view identity, std::span<const std::string> args);
  ControlAnswer set_limit(std::string_view identity, std::span<const std::string> args);
  ControlAnswer session(std::string_view identity, std::span<const std::string> args);
  // bust TRADE_ID / correct TRADE_ID PRICE QTY (controls_adjust.cpp).
  ControlAnswer bust_or_correct(std::string_view identity, std::span<const std::string> args,
                                bool correct);
  // The trade an adjustment names, of the current business date; a busted
  // one only when `allow_busted` (*was_busted says which); null with `why`
  // otherwise.
  const records::TradeRecord* adjustable_trade(const std::string& id_text, bool allow_busted,
                                               bool* was_busted, std::string& why);
  // A correction's new price and quantity, within the instrument's tick
  // and lot; false with `why` otherwise.
  bool parse_correction(std::span<const std::string> args, std::uint32_t instrument,
                        engine::Price& price, engine::Qty& qty, std::string& why) const;
  ControlAnswer status() const;

  // What a 35=h says besides the business date.
  const char* phase_text() const noexcept;
  // Appends `r` to the log; returns its position (0 without a log).
  std::uint64_t log(const records::ControlRecord& r);
  // Logs an operator's bust or correction: its Control record, then the
  // bust (none when a busted trade is reinstated) and the corrected trade
  // (none for a bust), as one group that shares a block. Returns the
  // position of the last (0 without a log).
  std::uint64_t log_adjustment(const records::ControlRecord& c, const records::TradeRecord* bust,
                               const records::TradeRecord* corrected);
  // Applies `r` to the controls and limits (live and replay alike).
  void apply(const records::ControlRecord& r, std::int64_t time_ns);
  // Moves to `to` (logged, applied, announced); the Day orders expire when
  // a session that was not closed closes or its business date changes.
  std::uint64_t change_phase(risk::ScheduledState to, records::ControlOrigin origin,
                             std::string_view identity);
  // The logged business date, or before any is logged (no [trading_day],
  // or none taken yet) the schedule's for now: never 0 in what members and
  // operators are told.
  std::int32_t business_date() const;
  void announce_phase();
  void announce_instrument(std::uint32_t instrument);

  const NetworkOptions& options_;
  risk::TradingControls& state_;
  OrderEntry& order_entry_;
  ShardRouter& router_;
  Answers& answers_;
  SessionTable& sessions_;
  const util::ThreadClock& clock_;
  risk::TradingSchedule schedule_;
  SymbolIndex symbols_;
  wal::WalProducer* wal_ = nullptr;
  SettlementWriter* settlement_ = nullptr;
  // The schedule's next phase change; none until start() has run.
  std::int64_t next_boundary_ns_ = INT64_MAX;
};

}  // namespace matchgate::gateway
