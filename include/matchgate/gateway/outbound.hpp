#pragma once
// The only way out of a network thread: every message its FIX sessions
// sequence arrives here (fix::SessionSink), is logged as an Outbound record,
// and is sent to the member's connection, held until the log records before
// it are durable when sync = "group" (acknowledged means durable). Messages
// leave in the order they were produced, whatever connection they go to.
//
// During recovery (before the thread runs) nothing is sent: messages that
// replay composes for an engine event are kept until the event's own
// Outbound record turns up in the log (take_composed(): recovery checks
// them against the record and keeps them for resend); the ones that never
// do (a crash between a request's commit and its report's) are sequenced
// again after replay (take_unlogged()).
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "matchgate/engine/types.hpp"
#include "matchgate/fix/session.hpp"
#include "matchgate/gateway/durable_outbox.hpp"
#include "matchgate/gateway/gateway_metrics.hpp"
#include "matchgate/net/tcp_server.hpp"
#include "matchgate/util/clock.hpp"
#include "matchgate/wal/wal_writer.hpp"

namespace matchgate::gateway {

class Outbound final : public fix::SessionSink {
 public:
  Outbound(std::size_t members, const util::ThreadClock& clock, OutboundMetrics metrics = {});

  // Before the thread starts.
  void attach_server(net::TcpServer* server) noexcept { server_ = server; }
  // `hold`: sync = "group", nothing leaves before it is durable.
  void attach_log(wal::WalProducer* producer, bool hold) noexcept;

  // fix::SessionSink: a message of member `session_id`'s session.
  void on_send(std::uint32_t session_id, const fix::Outgoing& message) override;

  // Where a member's messages go while it is logged on.
  void connect(engine::MemberId member, net::ConnectionId conn) noexcept;
  void disconnect(engine::MemberId member) noexcept;
  // Bytes for a connection that has no session (a refusing Logout).
  void send_unsequenced(net::ConnectionId conn, std::string_view bytes);
  // Closes after everything produced before has left.
  void close(net::ConnectionId conn);

  // Hands the held messages whose records are durable to the sockets.
  int release_durable();
  // Held messages whose records are durable by now (work for the thread).
  bool has_releasable() const noexcept;
  // From any thread, for a draining stop.
  const OutboundMetrics& metrics() const noexcept { return metrics_; }
  // Recovery: a regenerated report that differs from what was sent.
  void count_mismatch() noexcept { metrics_.regeneration_mismatches.inc(); }
  std::size_t held_approx() const noexcept {
    return static_cast<std::size_t>(metrics_.held.value());
  }

  struct Unlogged {
    std::uint64_t order = 0;  // composition order
    std::uint64_t cause = 0;
    engine::MemberId member = 0;
    std::uint64_t seq = 0;  // the MsgSeqNum it was composed with
    // The clock value it was composed with: its SendingTime(52).
    std::int64_t sending_time_ns = 0;
    std::string message;
  };
  // Recovery: the report replay composed for engine event `cause` to
  // `member` (the member, or one of its drop-copy sessions), taken out
  // because the log holds its record; none if replay has not composed it.
  std::optional<Unlogged> take_composed(std::uint64_t cause, engine::MemberId member);
  // Reports composed by replay whose records never appeared, oldest first.
  std::vector<Unlogged> take_unlogged();

 private:
  void append_record(engine::MemberId member, const fix::Outgoing& m);
  void deliver(net::ConnectionId conn, std::string_view bytes);

  const util::ThreadClock& clock_;
  net::TcpServer* server_ = nullptr;
  wal::WalProducer* wal_ = nullptr;
  bool hold_ = false;
  std::vector<net::ConnectionId> connection_of_;  // per member
  std::vector<bool> connected_;
  DurableOutbox outbox_;
  OutboundMetrics metrics_;
  // An event's report and its drop copies share the cause: keyed by both.
  struct ComposedKey {
    std::uint64_t cause = 0;
    engine::MemberId member = 0;
    bool operator==(const ComposedKey&) const noexcept = default;
  };
  struct ComposedKeyHash {
    std::size_t operator()(const ComposedKey& k) const noexcept {
      return std::hash<std::uint64_t>{}(k.cause * 0x9E3779B97F4A7C15ULL + k.member);
    }
  };
  std::unordered_map<ComposedKey, Unlogged, ComposedKeyHash> unlogged_;
  std::uint64_t composed_in_replay_ = 0;
};

}  // namespace matchgate::gateway
