#pragma once
// The FIX sessions of a network thread, one per configured member (engine
// MemberId = index), and the scratch buffer they compose into. Sessions
// outlive connections: a member's sequence numbers and sent messages stay
// while it is away.
#include <cstdint>
#include <memory>
#include <vector>

#include "matchgate/engine/types.hpp"
#include "matchgate/fix/session.hpp"
#include "matchgate/gateway/network_options.hpp"
#include "matchgate/ops/metrics.hpp"

namespace matchgate::gateway {

class SessionTable {
 public:
  // `metrics`: the owning thread's group, where each session registers its
  // counters labelled with its member; null: they count nowhere.
  SessionTable(const NetworkOptions& options, fix::SessionSink& sink,
               const fix::SessionClock& clock, ops::MetricGroup* metrics = nullptr);

  fix::Session& operator[](engine::MemberId m) noexcept { return *sessions_[m]; }
  const fix::Session& operator[](engine::MemberId m) const noexcept { return *sessions_[m]; }
  std::size_t size() const noexcept { return sessions_.size(); }
  // The member whose CompID this is; false when none.
  bool find(std::string_view comp_id, engine::MemberId& member) const noexcept;

  // Replay: every session marks what it composes as replayed.
  void begin_replay() noexcept;
  void end_replay() noexcept;

 private:
  std::vector<char> scratch_;
  std::vector<std::unique_ptr<fix::Session>> sessions_;
};

}  // namespace matchgate::gateway
