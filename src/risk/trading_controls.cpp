#include "matchgate/risk/trading_controls.hpp"

#include <stdexcept>
#include <string>

namespace matchgate::risk {

const char* to_string(Gate g) noexcept {
  switch (g) {
    case Gate::Open:
      return "open";
    case Gate::SessionClosed:
      return "trading session closed";
    case Gate::PreOpen:
      return "trading session in pre-open: no orders until the open";
    case Gate::VenueStopped:
      return "trading stopped by the operator";
    case Gate::MemberKilled:
      return "member stopped by the operator (kill switch)";
    case Gate::Halted:
      return "instrument halted";
  }
  return "unknown";
}

TradingControls::TradingControls(std::size_t members, std::size_t instruments)
    : killed_(members, 0), halted_(instruments, 0) {}

Gate TradingControls::gate(std::uint32_t member, std::uint32_t instrument) const noexcept {
  if (stopped_) return Gate::VenueStopped;
  if (phase_ == TradingPhase::Closed) return Gate::SessionClosed;
  if (phase_ == TradingPhase::PreOpen) return Gate::PreOpen;
  if (killed_[member] != 0) return Gate::MemberKilled;
  if (halted_[instrument] != 0) return Gate::Halted;
  return Gate::Open;
}

void TradingControls::set_phase(TradingPhase phase, std::int32_t business_date,
                                std::int64_t since_ns) noexcept {
  phase_ = phase;
  business_date_ = business_date;
  phase_since_ns_ = since_ns;
}

void TradingControls::save(util::ByteWriter& out) const {
  out.put(static_cast<std::uint32_t>(killed_.size()));
  for (const std::uint8_t k : killed_) out.put(k);
  out.put(static_cast<std::uint32_t>(halted_.size()));
  for (const std::uint8_t h : halted_) out.put(h);
  out.put(static_cast<std::uint8_t>(stopped_));
  out.put(static_cast<std::uint8_t>(phase_));
  out.put(business_date_);
  out.put(phase_since_ns_);
}

void TradingControls::load(util::ByteReader& in) {
  const auto members = in.get<std::uint32_t>("controls member count");
  if (members != killed_.size()) {
    throw std::runtime_error("controls of " + std::to_string(members) +
                             " members, the configuration has " + std::to_string(killed_.size()));
  }
  for (std::uint8_t& k : killed_) k = in.get<std::uint8_t>("member killed");
  const auto instruments = in.get<std::uint32_t>("controls instrument count");
  if (instruments != halted_.size()) {
    throw std::runtime_error("controls of " + std::to_string(instruments) +
                             " instruments, the configuration has " +
                             std::to_string(halted_.size()));
  }
  for (std::uint8_t& h : halted_) h = in.get<std::uint8_t>("instrument halted");
  stopped_ = in.get<std::uint8_t>("venue stopped") != 0;
  const auto phase = in.get<std::uint8_t>("trading phase");
  if (phase > static_cast<std::uint8_t>(TradingPhase::Open)) {
    throw std::runtime_error("unknown trading phase " + std::to_string(phase));
  }
  phase_ = static_cast<TradingPhase>(phase);
  business_date_ = in.get<std::int32_t>("business date");
  phase_since_ns_ = in.get<std::int64_t>("phase since");
}

}  // namespace matchgate::risk
