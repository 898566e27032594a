#include "matchgate/gateway/outbound.hpp"

#include <algorithm>

#include "matchgate/records/outbound.hpp"
#include "matchgate/records/record_types.hpp"
#include "matchgate/util/assert.hpp"
#include "matchgate/util/crc32c.hpp"

namespace matchgate::gateway {

Outbound::Outbound(std::size_t members, const util::ThreadClock& clock, OutboundMetrics metrics)
    : clock_(clock), connection_of_(members), connected_(members, false), metrics_(metrics) {}

void Outbound::attach_log(wal::WalProducer* producer, bool hold) noexcept {
  wal_ = producer;
  hold_ = hold && producer != nullptr;
}

void Outbound::on_send(std::uint32_t session_id, const fix::Outgoing& m) {
  MATCHGATE_ASSERT(session_id < connected_.size(), "a message for no member");
  const engine::MemberId member = session_id;
  if (m.replayed) {
    // The log holds the message sent at the time, unless the daemon died
    // before its record was written: kept until that record turns up.
    if (m.cause != 0) {
      unlogged_[ComposedKey{m.cause, member}] = Unlogged{
          composed_in_replay_++, m.cause, member, m.seq, clock_.wall_ns, std::string(m.bytes)};
    }
    return;
  }
  if (!m.resent) append_record(member, m);
  if (connected_[member]) deliver(connection_of_[member], m.bytes);
}

void Outbound::append_record(engine::MemberId member, const fix::Outgoing& m) {
  if (wal_ == nullptr) return;
  const records::OutboundRecordHead head{member, m.admin, m.seq, m.next_in, m.cause};
  const auto type = records::to_wire(records::RecordType::Outbound);
  if (records::form_for(m.cause) == records::OutboundForm::Regenerated) {
    // Replay composes it again from the engine event; the CRC says whether
    // what it composes is what was sent.
    std::byte encoded[records::kOutboundRegeneratedSize];
    records::encode_outbound_regenerated(head, util::crc32c(0, m.bytes.data(), m.bytes.size()),
                                         encoded);
    wal_->append(type, clock_.wall_ns, encoded);
    return;
  }
  std::byte encoded[records::kOutboundHeadSize];
  records::encode_outbound_head(head, encoded);
  wal_->append(type, clock_.wall_ns, encoded,
               std::as_bytes(std::span<const char>(m.bytes.data(), m.bytes.size())));
}

void Outbound::connect(engine::MemberId member, net::ConnectionId conn) noexcept {
  connection_of_[member] = conn;
  connected_[member] = true;
}

void Outbound::disconnect(engine::MemberId member) noexcept {
  connected_[member] = false;
  connection_of_[member] = net::ConnectionId{};
}

void Outbound::send_unsequenced(net::ConnectionId conn, std::string_view bytes) {
  deliver(conn, bytes);
}

void Outbound::deliver(net::ConnectionId conn, std::string_view bytes) {
  if (hold_ && (!outbox_.empty() || wal_->durable() < wal_->appended())) {
    outbox_.push(conn, wal_->appended(), bytes);
    metrics_.held.set(static_cast<std::int64_t>(outbox_.size()));
    return;
  }
  server_->send(conn, std::span<const char>(bytes.data(), bytes.size()));
}

void Outbound::close(net::ConnectionId conn) {
  if (!outbox_.empty()) {
    outbox_.push_close(conn, wal_->appended());
    metrics_.held.set(static_cast<std::int64_t>(outbox_.size()));
    return;
  }
  server_->close(conn);
}

int Outbound::release_durable() {
  if (outbox_.empty()) return 0;
  const auto n = static_cast<int>(outbox_.release(
      wal_->durable(),
      [this](net::ConnectionId conn, std::span<const char> b) { server_->send(conn, b); },
      [this](net::ConnectionId conn) { server_->close(conn); }));
  metrics_.held.set(static_cast<std::int64_t>(outbox_.size()));
  return n;
}

bool Outbound::has_releasable() const noexcept {
  return !outbox_.empty() && outbox_.oldest_position() <= wal_->durable();
}

std::optional<Outbound::Unlogged> Outbound::take_composed(std::uint64_t cause,
                                                          engine::MemberId member) {
  const auto it = unlogged_.find(ComposedKey{cause, member});
  if (it == unlogged_.end()) return std::nullopt;
  Unlogged report = std::move(it->second);
  unlogged_.erase(it);
  return report;
}

std::vector<Outbound::Unlogged> Outbound::take_unlogged() {
  std::vector<Unlogged> reports;
  reports.reserve(unlogged_.size());
  for (auto& [cause, report] : unlogged_) reports.push_back(std::move(report));
  unlogged_.clear();
  std::sort(reports.begin(), reports.end(),
            [](const Unlogged& a, const Unlogged& b) { return a.order < b.order; });
  return reports;
}

}  // namespace matchgate::gateway
