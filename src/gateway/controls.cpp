// Trading controls: logging, applying and announcing decisions, and the
// schedule. The operator's command words: controls_commands.cpp.
#include "matchgate/gateway/controls.hpp"

#include <spdlog/spdlog.h>

#include "matchgate/records/record_types.hpp"

namespace matchgate::gateway {

namespace {

// TradSesStatus(340) of a phase; 1 (Halted) while the venue is stopped.
int trad_ses_status(const risk::TradingControls& s) noexcept {
  if (s.stopped()) return 1;
  switch (s.phase()) {
    case risk::TradingPhase::Open:
      return 2;
    case risk::TradingPhase::Closed:
      return 3;
    case risk::TradingPhase::PreOpen:
      return 4;
  }
  return 3;
}

// SecurityTradingStatus(326): 2 = trading halt, 3 = resume.
constexpr int kSecurityHalted = 2;
constexpr int kSecurityResumed = 3;

}  // namespace

Controls::Controls(const NetworkOptions& options, risk::TradingControls& state,
                   OrderEntry& order_entry, ShardRouter& router, Answers& answers,
                   SessionTable& sessions, const util::ThreadClock& clock)
    : options_(options),
      state_(state),
      order_entry_(order_entry),
      router_(router),
      answers_(answers),
      sessions_(sessions),
      clock_(clock),
      schedule_(options.schedule),
      symbols_(options.instruments) {}

std::uint64_t Controls::log(const records::ControlRecord& r) {
  if (wal_ == nullptr) return 0;
  std::byte buf[records::kControlMaxSize];
  const std::size_t n = records::encode_control(r, buf);
  // A phase change ends its block: the log's chain hash then covers exactly
  // up to it, which the settlement report of a close names.
  const wal::EndBlock end =
      r.action == records::ControlAction::Phase ? wal::EndBlock::yes : wal::EndBlock::no;
  return wal_->append(records::to_wire(records::RecordType::Control), clock_.wall_ns,
                      std::span<const std::byte>(buf, n), {}, end);
}

void Controls::apply(const records::ControlRecord& r, std::int64_t time_ns) {
  using records::ControlAction;
  switch (r.action) {
    case ControlAction::Kill:
      state_.kill(r.member);
      return;
    case ControlAction::Release:
      state_.release(r.member);
      return;
    case ControlAction::Halt:
      state_.halt(r.instrument);
      return;
    case ControlAction::Resume:
      state_.resume(r.instrument);
      return;
    case ControlAction::Stop:
      state_.stop();
      return;
    case ControlAction::ResumeAll:
      state_.resume_all();
      return;
    case ControlAction::MassCancel:
      return;  // its cancels are logged requests of their own
    case ControlAction::SetLimit:
      order_entry_.risk().set_limit(r.member, static_cast<risk::LimitKey>(r.limit_key), r.value);
      return;
    case ControlAction::BustTrade:
    case ControlAction::CorrectTrade:
      return;  // the Trade records that follow it do it (Recovery::replay_trade)
    case ControlAction::Phase:
      state_.set_phase(static_cast<risk::TradingPhase>(r.phase), r.business_date, time_ns);
      // Clearing's positions move to the new date with the trading day.
      if (order_entry_.trade_book().enabled()) order_entry_.trade_book().roll_to(r.business_date);
      return;
  }
}

void Controls::replay(const records::ControlRecord& r, std::int64_t time_ns) {
  using records::ControlAction;
  const ControlAction a = r.action;
  const bool needs_member = a == ControlAction::Kill || a == ControlAction::Release ||
                            a == ControlAction::MassCancel || a == ControlAction::SetLimit;
  const bool needs_instrument = a == ControlAction::Halt || a == ControlAction::Resume;
  const bool member_ok = !needs_member || r.member < options_.members.size();
  const bool instrument_ok = needs_instrument ? r.instrument < options_.instruments.size()
                                              : (r.instrument == records::kNoTarget ||
                                                 r.instrument < options_.instruments.size());
  const bool key_ok = a != ControlAction::SetLimit || r.limit_key < risk::kLimitKeys;
  const bool phase_ok = r.phase <= static_cast<std::uint8_t>(risk::TradingPhase::Open);
  if (!member_ok || !instrument_ok || !key_ok || !phase_ok) {
    throw std::runtime_error(std::string("a ") + records::to_string(a) +
                             " control record names a member, instrument, limit or phase this "
                             "configuration does not have; recover with the configuration that "
                             "wrote the log");
  }
  apply(r, time_ns);
}

std::uint64_t Controls::change_phase(risk::ScheduledState to, records::ControlOrigin origin,
                                     std::string_view identity) {
  const risk::TradingPhase from = state_.phase();
  if (from == to.phase && state_.business_date() == to.business_date) return 0;
  // A business date of 0 is none yet (the first start with a schedule, or
  // a venue that ran without one): taking the first date closes no session,
  // so Day orders from an always-open venue do not expire mid-day.
  const bool date_rolls = state_.business_date() != 0 && to.business_date != state_.business_date();
  const bool expire =
      from != risk::TradingPhase::Closed && (to.phase == risk::TradingPhase::Closed || date_rolls);
  records::ControlRecord r;
  r.action = records::ControlAction::Phase;
  r.origin = origin;
  r.business_date = to.business_date;
  r.phase = static_cast<std::uint8_t>(to.phase);
  r.identity = identity;
  const std::uint64_t at = log(r);
  apply(r, clock_.wall_ns);
  if (expire) router_.expire_day_orders();
  if (to.phase == risk::TradingPhase::Closed && settlement_ != nullptr) {
    settlement_->post(to.business_date, at);
  }
  spdlog::info("trading day: {} {} (business date {}){}", risk::to_string(to.phase),
               records::to_string(origin), to.business_date, expire ? "; Day orders expire" : "");
  announce_phase();
  return at;
}

void Controls::start() {
  const std::int64_t now = clock_.wall_ns;
  if (!schedule_.options().enabled) {
    next_boundary_ns_ = INT64_MAX;
    return;
  }
  // A phase logged before: the schedule takes over again only at its next
  // boundary after that change (an operator's override holds until then),
  // which may have passed while the daemon was down.
  const std::int64_t since = state_.phase_since_ns();
  if (since == 0 || schedule_.next_boundary_after(since) <= now) {
    change_phase(schedule_.at(now), records::ControlOrigin::Schedule, "schedule");
  }
  next_boundary_ns_ = schedule_.next_boundary_after(now);
}

void Controls::on_timer() {
  const std::int64_t now = clock_.wall_ns;
  if (now < next_boundary_ns_) return;
  change_phase(schedule_.at(now), records::ControlOrigin::Schedule, "schedule");
  next_boundary_ns_ = schedule_.next_boundary_after(now);
}

const char* Controls::phase_text() const noexcept {
  return state_.stopped() ? "trading stopped by the operator" : risk::to_string(state_.phase());
}

void Controls::announce_phase() {
  const int status = trad_ses_status(state_);
  const char* text = phase_text();
  for (engine::MemberId m = 0; m < sessions_.size(); ++m) {
    if (sessions_[m].logged_on()) {
      answers_.trading_session_status(m, status, business_date(), text);
    }
  }
}

void Controls::announce_instrument(std::uint32_t instrument) {
  const bool halted = state_.halted(instrument);
  for (engine::MemberId m = 0; m < sessions_.size(); ++m) {
    if (sessions_[m].logged_on()) {
      answers_.security_status(m, options_.instruments[instrument].symbol,
                               halted ? kSecurityHalted : kSecurityResumed,
                               halted ? "instrument halted" : "instrument resumed");
    }
  }
}

void Controls::tell_logged_on(engine::MemberId member) {
  if (schedule_.options().enabled || state_.stopped() ||
      state_.phase() != risk::TradingPhase::Open) {
    const char* text = phase_text();
    answers_.trading_session_status(member, trad_ses_status(state_), business_date(), text);
  }
  for (std::uint32_t i = 0; i < options_.instruments.size(); ++i) {
    if (state_.halted(i)) {
      answers_.security_status(member, options_.instruments[i].symbol, kSecurityHalted,
                               "instrument halted");
    }
  }
}

std::int32_t Controls::business_date() const {
  return state_.business_date() != 0 ? state_.business_date()
                                     : schedule_.at(clock_.wall_ns).business_date;
}

}  // namespace matchgate::gateway
