#include "matchgate/gateway/session_table.hpp"

#include <iterator>

#include "matchgate/gateway/order_messages.hpp"

namespace matchgate::gateway {

SessionTable::SessionTable(const NetworkOptions& options, fix::SessionSink& sink,
                           const fix::SessionClock& clock, ops::MetricGroup* metrics)
    : scratch_(fix::session_scratch_bytes(options.server.max_message_bytes)) {
  sessions_.reserve(options.members.size());
  for (std::uint32_t m = 0; m < options.members.size(); ++m) {
    fix::SessionOptions o;
    o.sender_comp_id = options.comp_id;
    o.target_comp_id = options.members[m].comp_id;
    o.max_sending_time_skew = options.max_sending_time_skew;
    o.timestamps = options.timestamps;
    o.validation = options.field_validation;
    o.application_types.assign(std::begin(kOrderEntryMessageTypes),
                               std::end(kOrderEntryMessageTypes));
    o.logout_timeout = options.logout_timeout;
    o.max_heartbeat_s = options.max_heartbeat_s;
    o.store_bytes = options.resend_buffer_bytes;
    o.store_prefault = options.resend_buffer_prefault;
    const fix::SessionMetrics counters =
        metrics != nullptr ? fix::SessionMetrics::registered(*metrics, options.members[m].comp_id)
                           : fix::SessionMetrics{};
    sessions_.push_back(
        std::make_unique<fix::Session>(m, std::move(o), sink, clock, scratch_, counters));
  }
}

bool SessionTable::find(std::string_view comp_id, engine::MemberId& member) const noexcept {
  for (std::uint32_t m = 0; m < sessions_.size(); ++m) {
    if (sessions_[m]->options().target_comp_id == comp_id) {
      member = m;
      return true;
    }
  }
  return false;
}

void SessionTable::begin_replay() noexcept {
  for (auto& s : sessions_) s->begin_replay();
}

void SessionTable::end_replay() noexcept {
  for (auto& s : sessions_) s->end_replay();
}

}  // namespace matchgate::gateway
