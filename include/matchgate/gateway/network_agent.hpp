#pragma once
// A network thread: the duty cycle and nothing else. It owns the units that
// do the work and drives them in a fixed order each cycle; the data path,
// with every dependency pointing one way (docs/ARCHITECTURE.md):
//
//   TcpServer -> Connections -> fix::Session -> OrderEntry -> ShardRouter -> shards
//                                   |                |
//                                   v                v
//                               Outbound  <-  fix::Session  <-  Answers
//                               (log, hold until durable, send)
//
// Shard replies come back through the reply rings to OrderEntry (events)
// or Snapshots (the snapshot barrier). One agent, one thread, no locks on
// the message path.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "matchgate/gateway/answers.hpp"
#include "matchgate/gateway/connections.hpp"
#include "matchgate/gateway/controls.hpp"
#include "matchgate/gateway/network_options.hpp"
#include "matchgate/gateway/order_entry.hpp"
#include "matchgate/gateway/outbound.hpp"
#include "matchgate/gateway/session_table.hpp"
#include "matchgate/gateway/shard_agent.hpp"
#include "matchgate/gateway/shard_router.hpp"
#include "matchgate/gateway/snapshots.hpp"
#include "matchgate/gateway/thread_clock.hpp"
#include "matchgate/net/tcp_server.hpp"
#include "matchgate/ops/admin_server.hpp"
#include "matchgate/ops/metrics.hpp"
#include "matchgate/util/doorbell.hpp"
#include "matchgate/wal/wal_writer.hpp"

namespace matchgate::gateway {

class NetworkAgent {
 public:
  // Nothing listens until listen().
  // Registers its metrics in `metrics`, in a group named after the thread.
  NetworkAgent(std::uint32_t index, NetworkOptions options, std::vector<RequestRing*> to_shards,
               std::vector<ReplyRing*> from_shards, ops::MetricsRegistry& metrics);
  ~NetworkAgent();

  // Binds the listening socket (throws std::system_error when it cannot):
  // after recovery, so that nobody connects to a daemon that is not ready.
  void listen();

  int do_work();
  const char* name() const noexcept { return name_.c_str(); }
  // Idle "wait": block in the kernel until socket activity, a shard or the
  // log's writer ringing doorbell(), or `timeout`.
  void park(std::chrono::microseconds timeout);
  util::Doorbell& doorbell() noexcept { return bell_; }
  void set_shard_doorbells(std::vector<util::Doorbell*> bells) {
    router_.set_doorbells(std::move(bells));
  }
  // Each shard's ShardAgent::answered(), in shard order: lets the log's
  // writer commit a request together with its reports (settle_log()).
  void set_shard_progress(std::vector<const std::atomic<std::uint64_t>*> answered) {
    shard_answered_ = std::move(answered);
  }

  // Before the thread starts: the log every request and message goes to;
  // with `hold` (sync = "group") nothing is sent before it is durable.
  // `boot` is the log's start count (part of gateway-made ExecIDs).
  void attach_log(wal::WalProducer* producer, bool hold, std::uint64_t boot);
  void attach_snapshots(SnapshotTaker* taker, std::uint64_t replayed);
  // Before the thread starts: the operator's commands (docs/ADMIN.md),
  // taken and answered in the duty cycle; nullptr: none.
  void attach_admin(ops::AdminMailbox* mailbox) noexcept { admin_mailbox_ = mailbox; }

  // The units, for the gateway's recovery (before the thread starts).
  ThreadClock& clock() noexcept { return clock_; }
  SessionTable& sessions() noexcept { return sessions_; }
  OrderEntry& order_entry() noexcept { return order_entry_; }
  // The proxy to the shards, for requests of the gateway's own (the close's
  // Day-order expiry).
  ShardRouter& router() noexcept { return router_; }
  Outbound& outbound() noexcept { return outbound_; }
  Snapshots& snapshots() noexcept { return snapshots_; }
  Controls& controls() noexcept { return controls_; }
  const risk::TradingControls& trading() const noexcept { return trading_; }

  const MemberOptions& member_options(engine::MemberId m) const noexcept {
    return options_.members[m];
  }
  std::uint16_t port() const { return server_->port(); }
  net::Backend backend() const { return server_->backend(); }
  const std::string& fallback_reason() const noexcept { return fallback_reason_; }
  const OrderEntry& order_entry() const noexcept { return order_entry_; }
  const SessionTable& sessions() const noexcept { return sessions_; }
  std::uint64_t snapshots_taken() const noexcept { return snapshots_.taken(); }

  // Graceful stop, from any thread.
  void request_logout_all() noexcept { connections_.request_logout_all(); }
  bool all_sessions_closed() const noexcept { return connections_.all_closed(); }
  std::size_t held_messages_approx() const noexcept { return outbound_.held_approx(); }
  // At the end of its last duty cycle every request this thread had handed
  // to a shard was answered and the answers handled (an empty request ring
  // alone does not say the shard has finished the request it took last).
  bool all_answered_approx() const noexcept {
    return all_answered_.load(std::memory_order_relaxed);
  }
  std::size_t waiting_requests_approx() const noexcept {
    return static_cast<std::size_t>(order_entry_.metrics().waiting.value());
  }

 private:
  int drain_replies();
  void on_reply(const ShardReply& reply);
  void on_timers();
  // Takes an operator's command, if one waits, and answers it.
  int poll_admin();
  // What an operator's command does (src/gateway/admin_commands.cpp): the
  // trading controls' answer, given once its Control record is durable.
  ControlAnswer execute_admin(const ops::AdminRequest& request);
  void log_metrics();
  // Tells the writer the log holds every report of every request so far,
  // when that is so.
  void settle_log();
  void notify_log() noexcept;

  std::uint32_t index_;
  std::string name_;
  NetworkOptions options_;
  std::vector<ReplyRing*> from_shards_;
  ops::MetricsRegistry& registry_;
  ops::MetricGroup metrics_;
  ThreadClock clock_;
  Outbound outbound_;
  SessionTable sessions_;
  Answers answers_;
  ShardRouter router_;
  risk::TradingControls trading_;  // read by order entry, changed by controls_
  OrderEntry order_entry_;
  Controls controls_;
  Connections connections_;
  Snapshots snapshots_;
  std::unique_ptr<net::TcpServer> server_;
  std::string fallback_reason_;
  util::Doorbell bell_;  // rung by shards and the writer; wakes poll() through server_->wake()
  wal::WalProducer* wal_ = nullptr;
  ops::AdminMailbox* admin_mailbox_ = nullptr;
  // An answer waiting for its Control record to be durable (sync = "group").
  std::optional<ControlAnswer> admin_waiting_;
  std::uint64_t admin_waiting_id_ = 0;
  bool hold_ = false;  // sync = "group": nothing leaves before it is durable
  std::int64_t next_timer_ns_ = 0;
  std::int64_t next_counter_log_ns_ = 0;
  std::uint64_t notified_ = 0;  // log position the writer was last told of
  std::uint64_t settled_ = 0;   // log position last settled
  std::atomic<bool> all_answered_{true};
  std::vector<const std::atomic<std::uint64_t>*> shard_answered_;
};

}  // namespace matchgate::gateway
