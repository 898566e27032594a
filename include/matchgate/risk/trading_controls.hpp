#pragma once
// Who may trade what right now (docs/RISK.md): members killed by an
// operator, instruments halted, the venue stopped, and the trading-session
// phase with its business date. Owned by the network thread; changed only by
// logged Control records (live and in replay alike), so a restart comes
// back to exactly the same controls.
#include <cstdint>
#include <string_view>
#include <vector>

#include "matchgate/risk/trading_schedule.hpp"
#include "matchgate/util/byte_io.hpp"

namespace matchgate::risk {

// Why a new order or a replace may not be taken, before any limit.
enum class Gate : std::uint8_t { Open, SessionClosed, PreOpen, VenueStopped, MemberKilled, Halted };
const char* to_string(Gate g) noexcept;

class TradingControls {
 public:
  TradingControls(std::size_t members, std::size_t instruments);

  // New orders and replaces: may `member` trade `instrument` now?
  Gate gate(std::uint32_t member, std::uint32_t instrument) const noexcept;

  void kill(std::uint32_t member) noexcept { killed_[member] = 1; }
  void release(std::uint32_t member) noexcept { killed_[member] = 0; }
  void halt(std::uint32_t instrument) noexcept { halted_[instrument] = 1; }
  void resume(std::uint32_t instrument) noexcept { halted_[instrument] = 0; }
  void stop() noexcept { stopped_ = true; }
  void resume_all() noexcept { stopped_ = false; }
  // A phase change at `since_ns` (the time of its record).
  void set_phase(TradingPhase phase, std::int32_t business_date, std::int64_t since_ns) noexcept;

  bool killed(std::uint32_t member) const noexcept { return killed_[member] != 0; }
  bool halted(std::uint32_t instrument) const noexcept { return halted_[instrument] != 0; }
  bool stopped() const noexcept { return stopped_; }
  TradingPhase phase() const noexcept { return phase_; }
  std::int32_t business_date() const noexcept { return business_date_; }
  // When the phase last changed; 0 when no phase was ever logged.
  std::int64_t phase_since_ns() const noexcept { return phase_since_ns_; }
  std::size_t members() const noexcept { return killed_.size(); }
  std::size_t instruments() const noexcept { return halted_.size(); }

  void save(util::ByteWriter& out) const;
  void load(util::ByteReader& in);  // throws std::runtime_error on another shape

 private:
  std::vector<std::uint8_t> killed_;
  std::vector<std::uint8_t> halted_;
  bool stopped_ = false;
  TradingPhase phase_ = TradingPhase::Open;
  std::int32_t business_date_ = 0;
  std::int64_t phase_since_ns_ = 0;
};

}  // namespace matchgate::risk
