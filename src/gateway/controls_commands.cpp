// Trading controls: the operator's commands (docs/ADMIN.md). Each is
// checked completely (member, symbol, key, value) before anything is logged
// or changed, and answered with what it did.
#include <cstdio>
#include <string>

#include "matchgate/gateway/controls.hpp"
#include "matchgate/util/decimal.hpp"

namespace matchgate::gateway {

namespace {

ControlAnswer refuse(std::string why) {
  return ControlAnswer{false, std::move(why), 0};
}

std::string limit_text(const risk::MemberLimits& l, risk::LimitKey key) {
  const std::int64_t v = risk::get(l, key);
  if (v == risk::kNoLimit) return "none";
  return risk::is_money(key) ? risk::money_text(v) : std::to_string(v);
}

// The value of `set-limit`: "none" removes the limit; money keys take a
// decimal >= 0, counts a whole number (rates at least 1).
bool parse_limit_value(risk::LimitKey key, const std::string& text, std::int64_t& out,
                       std::string& why) {
  if (text == "none") {
    out = risk::kNoLimit;
    return true;
  }
  const util::DecimalParse d = util::parse_decimal(text);
  const bool rate = key == risk::LimitKey::MaxMessagesPerS || key == risk::LimitKey::MessageBurst;
  if (!d.ok() || d.value < 0) {
    why = "value \"" + text + "\" is not a number >= 0 (or \"none\")";
    return false;
  }
  if (risk::is_money(key)) {
    out = d.value;
    return true;
  }
  if (d.value % util::kDecimalScale != 0 || (rate && d.value < util::kDecimalScale) ||
      d.value / util::kDecimalScale > 10'000'000) {
    why = std::string(risk::to_string(key)) + " takes a whole number " +
          (rate ? "1..10000000" : "0..10000000") + ", not \"" + text + "\"";
    return false;
  }
  out = d.value / util::kDecimalScale;
  return true;
}

}  // namespace

ControlAnswer Controls::execute(std::string_view identity, std::span<const std::string> words) {
  if (words.empty()) return refuse("no command");
  const std::string& cmd = words[0];
  const std::span<const std::string> args = words.subspan(1);
  const auto arity = [&](std::size_t lo, std::size_t hi) {
    return args.size() >= lo && args.size() <= hi;
  };
  if ((cmd == "kill" || cmd == "release") && arity(1, 1)) {
    return kill_or_release(identity, args, cmd == "kill");
  }
  if ((cmd == "halt" || cmd == "resume") && arity(1, 1)) {
    return halt_or_resume(identity, args, cmd == "halt");
  }
  if ((cmd == "stop" || cmd == "resume-all") && arity(0, 0)) {
    return stop_or_resume(identity, cmd == "stop");
  }
  if (cmd == "mass-cancel" && arity(1, 2)) return mass_cancel(identity, args);
  if (cmd == "set-limit" && arity(3, 3)) return set_limit(identity, args);
  if (cmd == "session" && arity(1, 1)) return session(identity, args);
  if (cmd == "status" && arity(0, 0)) return status();
  if (cmd == "bust" && arity(1, 1)) return bust_or_correct(identity, args, false);
  if (cmd == "correct" && arity(3, 3)) return bust_or_correct(identity, args, true);
  return refuse(
      "unknown command or wrong arguments: \"" + cmd +
      "\" (kill|release MEMBER, halt|resume SYMBOL, stop, resume-all, mass-cancel "
      "MEMBER [SYMBOL], set-limit MEMBER KEY VALUE, session open|close, status, bust TRADE_ID, "
      "correct TRADE_ID PRICE QTY)");
}

ControlAnswer Controls::kill_or_release(std::string_view identity,
                                        std::span<const std::string> args, bool kill) {
  engine::MemberId m = 0;
  if (!sessions_.find(args[0], m)) return refuse("unknown member \"" + args[0] + "\"");
  if (state_.killed(m) == kill) {
    return ControlAnswer{
        true, args[0] + (kill ? " is already killed" : " is not killed") + ": nothing done", 0};
  }
  records::ControlRecord r;
  r.action = kill ? records::ControlAction::Kill : records::ControlAction::Release;
  r.member = m;
  r.identity = identity;
  const std::uint64_t at = log(r);
  apply(r, clock_.wall_ns);
  if (!kill) {
    return ControlAnswer{true, "released " + args[0] + ": new orders and replaces accepted again",
                         at};
  }
  const std::size_t open = order_entry_.count_open_orders(m, kNoInstrument);
  order_entry_.mass_cancel(m);
  return ControlAnswer{
      true,
      "killed " + args[0] + ": " + std::to_string(open) +
          " open orders being canceled; new orders and replaces refused until release",
      at};
}

ControlAnswer Controls::halt_or_resume(std::string_view identity, std::span<const std::string> args,
                                       bool halt) {
  std::uint32_t i = 0;
  if (!symbols_.find(args[0], i)) return refuse("unknown symbol \"" + args[0] + "\"");
  if (state_.halted(i) == halt) {
    return ControlAnswer{
        true, args[0] + (halt ? " is already halted" : " is not halted") + ": nothing done", 0};
  }
  records::ControlRecord r;
  r.action = halt ? records::ControlAction::Halt : records::ControlAction::Resume;
  r.instrument = i;
  r.identity = identity;
  const std::uint64_t at = log(r);
  apply(r, clock_.wall_ns);
  announce_instrument(i);
  return ControlAnswer{true,
                       halt ? "halted " + args[0] +
                                  ": new orders and replaces refused, cancels accepted, open "
                                  "orders stay"
                            : "resumed " + args[0],
                       at};
}

ControlAnswer Controls::stop_or_resume(std::string_view identity, bool stop) {
  if (state_.stopped() == stop) {
    return ControlAnswer{true, stop ? "already stopped: nothing done" : "not stopped: nothing done",
                         0};
  }
  records::ControlRecord r;
  r.action = stop ? records::ControlAction::Stop : records::ControlAction::ResumeAll;
  r.identity = identity;
  const std::uint64_t at = log(r);
  apply(r, clock_.wall_ns);
  announce_phase();
  return ControlAnswer{true,
                       stop ? "stopped the venue: new orders and replaces refused for every "
                              "member, cancels accepted, open orders stay"
                            : "resumed the venue",
                       at};
}

ControlAnswer Controls::mass_cancel(std::string_view identity, std::span<const std::string> args) {
  engine::MemberId m = 0;
  if (!sessions_.find(args[0], m)) return refuse("unknown member \"" + args[0] + "\"");
  std::uint32_t instrument = kNoInstrument;
  if (args.size() == 2 && !symbols_.find(args[1], instrument)) {
    return refuse("unknown symbol \"" + args[1] + "\"");
  }
  records::ControlRecord r;
  r.action = records::ControlAction::MassCancel;
  r.member = m;
  r.instrument = instrument;
  r.identity = identity;
  const std::size_t open = order_entry_.count_open_orders(m, instrument);
  const std::uint64_t at = log(r);
  if (instrument == kNoInstrument) {
    order_entry_.mass_cancel(m);
  } else {
    router_.mass_cancel(m, instrument);
  }
  return ControlAnswer{true,
                       "mass cancel of " + args[0] + (args.size() == 2 ? " in " + args[1] : "") +
                           ": " + std::to_string(open) + " open orders being canceled",
                       at};
}

ControlAnswer Controls::set_limit(std::string_view identity, std::span<const std::string> args) {
  engine::MemberId m = 0;
  if (!sessions_.find(args[0], m)) return refuse("unknown member \"" + args[0] + "\"");
  risk::LimitKey key{};
  if (!risk::parse_limit_key(args[1], key)) {
    return refuse("unknown limit \"" + args[1] +
                  "\" (credit_limit, max_order_value, max_open_orders, max_messages_per_s, "
                  "message_burst)");
  }
  std::int64_t value = 0;
  std::string why;
  if (!parse_limit_value(key, args[2], value, why)) return refuse(why);
  const risk::MemberLimits& limits = order_entry_.risk().member(m).limits;
  if (key == risk::LimitKey::MessageBurst && value != risk::kNoLimit &&
      limits.max_messages_per_s == risk::kNoLimit) {
    return refuse("message_burst needs max_messages_per_s (set it first)");
  }
  const std::string before = limit_text(limits, key);
  records::ControlRecord r;
  r.action = records::ControlAction::SetLimit;
  r.member = m;
  r.limit_key = static_cast<std::uint8_t>(key);
  r.value = value;
  r.identity = identity;
  const std::uint64_t at = log(r);
  apply(r, clock_.wall_ns);
  return ControlAnswer{true,
                       args[0] + " " + args[1] + ": " + before + " -> " +
                           limit_text(order_entry_.risk().member(m).limits, key),
                       at};
}

ControlAnswer Controls::session(std::string_view identity, std::span<const std::string> args) {
  if (args[0] != "open" && args[0] != "close") {
    return refuse("session takes \"open\" or \"close\", not \"" + args[0] + "\"");
  }
  const risk::TradingPhase to =
      args[0] == "open" ? risk::TradingPhase::Open : risk::TradingPhase::Closed;
  if (state_.phase() == to) {
    return ControlAnswer{
        true, std::string("the session is already ") + risk::to_string(to) + ": nothing done", 0};
  }
  // Without a schedule an operator's open starts the calendar's date: a
  // venue run by hand moves to a new business date by closing and opening.
  const std::int32_t date = to == risk::TradingPhase::Open && !schedule_.options().enabled
                                ? schedule_.at(clock_.wall_ns).business_date
                                : business_date();
  const std::uint64_t at =
      change_phase(risk::ScheduledState{date, to}, records::ControlOrigin::Operator, identity);
  return ControlAnswer{
      true,
      std::string("session ") + risk::to_string(to) + " (business date " + std::to_string(date) +
          ")" + (to == risk::TradingPhase::Closed ? "; Day orders expire" : "") +
          (schedule_.options().enabled ? "; the schedule takes over again at its next boundary"
                                       : ""),
      at};
}

ControlAnswer Controls::status() const {
  std::string out;
  const std::int32_t date = business_date();
  out += "venue: session " + std::string(risk::to_string(state_.phase())) + ", business date " +
         std::to_string(date) + (state_.stopped() ? ", STOPPED" : "") + "\n";
  for (engine::MemberId m = 0; m < options_.members.size(); ++m) {
    const risk::MemberRisk& r = order_entry_.risk().member(m);
    out += "member " + options_.members[m].comp_id + ": " +
           (state_.killed(m) ? "KILLED" : "active") +
           (sessions_[m].logged_on() ? ", logged on" : ", not logged on") + ", credit in use " +
           risk::money_text(r.credit_in_use()) + " / " +
           limit_text(r.limits, risk::LimitKey::CreditLimit) + ", open orders " +
           std::to_string(r.open_orders) + " / " +
           limit_text(r.limits, risk::LimitKey::MaxOpenOrders) + ", max order value " +
           limit_text(r.limits, risk::LimitKey::MaxOrderValue) + ", messages/s " +
           limit_text(r.limits, risk::LimitKey::MaxMessagesPerS) + "\n";
  }
  for (std::uint32_t i = 0; i < options_.instruments.size(); ++i) {
    out += "instrument " + options_.instruments[i].symbol + ": " +
           (state_.halted(i) ? "HALTED" : "trading") + "\n";
  }
  if (!out.empty()) out.pop_back();
  return ControlAnswer{true, std::move(out), 0};
}

}  // namespace matchgate::gateway
