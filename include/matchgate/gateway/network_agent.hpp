#pragma once
// A network thread: TCP connections (io_uring or Asio), the FIX 4.4 session
// layer of the members connected to it, and order entry towards the shards.
// One agent, one thread, no locks on the message path.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "matchgate/fix/message.hpp"
#include "matchgate/fix/writer.hpp"
#include "matchgate/gateway/authenticator.hpp"
#include "matchgate/gateway/durable_outbox.hpp"
#include "matchgate/gateway/network_options.hpp"
#include "matchgate/gateway/order_entry.hpp"
#include "matchgate/gateway/session_store.hpp"
#include "matchgate/gateway/shard_agent.hpp"
#include "matchgate/gateway/snapshot_taker.hpp"
#include "matchgate/net/tcp_server.hpp"
#include "matchgate/util/byte_io.hpp"
#include "matchgate/util/doorbell.hpp"
#include "matchgate/wal/wal_writer.hpp"

namespace matchgate::gateway {

struct SessionCounters {
  std::uint64_t logons = 0;
  std::uint64_t logon_failures = 0;
  std::uint64_t garbled = 0;
  std::uint64_t session_rejects = 0;
  std::uint64_t resend_requests_sent = 0;
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
};

class NetworkAgent final : public net::ConnectionHandler {
 public:
  // Nothing listens until listen().
  NetworkAgent(std::uint32_t index, NetworkOptions options, std::vector<RequestRing*> to_shards,
               std::vector<ReplyRing*> from_shards);
  ~NetworkAgent() override;

  // Binds the listening socket (throws std::system_error when it cannot):
  // after recovery, so that nobody connects to a daemon that is not ready.
  void listen();

  int do_work();
  const char* name() const noexcept { return name_.c_str(); }

  // Idle "wait": block in the kernel until socket activity, a shard ringing
  // doorbell() after pushing replies, or `timeout`.
  void park(std::chrono::microseconds timeout);
  util::Doorbell& doorbell() noexcept { return bell_; }
  void set_shard_doorbells(std::vector<util::Doorbell*> bells) {
    order_entry_->set_shard_doorbells(std::move(bells));
  }
  // Each shard's ShardAgent::answered(), in shard order: lets the log's
  // writer commit a request together with its reports (settle_log()).
  void set_shard_progress(std::vector<const std::atomic<std::uint64_t>*> answered) {
    shard_answered_ = std::move(answered);
  }
  std::uint16_t port() const { return server_->port(); }
  net::Backend backend() const { return server_->backend(); }
  const std::string& fallback_reason() const noexcept { return fallback_reason_; }
  const SessionCounters& counters() const noexcept { return counters_; }
  const OrderEntry& order_entry() const noexcept { return *order_entry_; }

  // Graceful stop: stop taking new connections' logons, send Logout to every
  // logged-on member. Thread-safe to request; acted on in do_work().
  void request_logout_all() noexcept { logout_all_requested_.store(true); }
  bool all_sessions_closed() const noexcept { return open_connections_.load() == 0; }

  // net::ConnectionHandler
  bool on_accept(net::ConnectionId id, const net::PeerAddress& peer) override;
  std::size_t on_data(net::ConnectionId id, std::span<const char> data) override;
  void on_close(net::ConnectionId id, net::CloseReason reason) override;

  // For OrderEntry: an outbound application or session message to a member,
  // sequenced, stored for resend, and sent when the member is connected.
  // `cause`: the engine event it reports (event_cause()), 0 for none.
  fix::MessageWriter& begin_message(engine::MemberId member, std::string_view msg_type);
  void send_message(engine::MemberId member, std::uint64_t cause = 0);
  void send_reject(engine::MemberId member, std::uint64_t ref_seq, std::string_view ref_msg_type,
                   fix::Tag ref_tag, fix::SessionRejectReason reason, std::string_view text);
  void send_business_reject(engine::MemberId member, std::uint64_t ref_seq,
                            std::string_view ref_msg_type, int reason, std::string_view text);

  fix::UtcNanos wall_ns() const noexcept { return wall_ns_; }
  std::int64_t mono_ns() const noexcept { return now_ns_; }

  // The write-ahead log (before the thread starts). Every request and every
  // outbound message is appended through `producer`; with `hold`
  // (sync = "group") nothing is sent before the records it follows are
  // durable. `boot` is the log's start count.
  void attach_log(wal::WalProducer* producer, bool hold, std::uint64_t boot);
  // For OrderEntry: a request it has just handed to a shard.
  void log_request(const OrderRequestRecord& r);
  // Recovery, before the thread starts: rebuild sessions and order records
  // from the log; messages produced meanwhile are dropped, not sent.
  void begin_replay();
  // `time_ns`: the record's time, the clock of whatever replay composes
  // (a report made again after a crash carries it as TransactTime).
  void replay_request(const OrderRequestRecord& r, std::int64_t time_ns);
  void replay_reply(const ShardReply& reply) { order_entry_->on_reply(reply); }
  void replay_outbound(const OutboundRecordHead& h, std::string_view message);
  void end_replay();
  // After replay, with the log attached: the reports replay composed for
  // events whose own Outbound records never reached the log (a crash between
  // the request's commit and the report's) are sequenced now, stored and
  // logged, in the order replay composed them. Returns how many.
  std::size_t send_unlogged_reports();
  // Snapshots (after attach_log): taken through `taker` as its options say;
  // `replayed` counts the log records recovery replayed after the snapshot
  // it started from, towards SnapshotOptions::every_records.
  void attach_snapshots(SnapshotTaker* taker, std::uint64_t replayed);
  // The network thread's state (sessions and their resend stores, order
  // records) for a snapshot; load_state() during replay, before any record.
  void save_state(util::ByteWriter& out) const;
  void load_state(util::ByteReader& in);
  std::uint64_t snapshots_taken() const noexcept { return snapshots_taken_; }
  // After recovery: cancel-on-disconnect for every member that has it.
  void cancel_on_disconnect_all();
  // From any thread: messages waiting for durability (for a draining stop).
  std::size_t held_messages_approx() const noexcept {
    return held_.load(std::memory_order_relaxed);
  }
  // From any thread: at the end of its last duty cycle every request this
  // thread had handed to a shard was answered and the answers handled (a
  // draining stop waits for it: an empty request ring alone does not say
  // the shard has finished the request it took last).
  bool all_answered_approx() const noexcept {
    return all_answered_.load(std::memory_order_relaxed);
  }
  // From any thread: requests waiting for the Redis dedup store.
  std::size_t waiting_requests_approx() const noexcept {
    return waiting_.load(std::memory_order_relaxed);
  }

  // Member session state, exposed for tests and operations.
  std::uint64_t next_inbound_seq(engine::MemberId m) const { return sessions_[m].next_in; }
  std::uint64_t next_outbound_seq(engine::MemberId m) const { return sessions_[m].next_out; }
  bool logged_on(engine::MemberId m) const { return sessions_[m].logged_on; }

 private:
  enum class ConnState : std::uint8_t { Free, AwaitLogon, Authenticating, LoggedOn, Closing };

  struct Connection {
    net::ConnectionId id;
    ConnState state = ConnState::Free;
    engine::MemberId member = 0;
    bool has_member = false;
    bool paused = false;
    std::int64_t deadline_ns = 0;  // logon timeout
    // A Logon waiting for its password check.
    std::uint64_t logon_seq = 0;
    bool logon_reset = false;
    std::int64_t logon_heartbeat_s = 0;
  };

  struct MemberSession {
    net::ConnectionId conn;
    bool logged_on = false;
    bool busy = false;  // a connection is logging on or logged on as this member
    std::uint64_t next_in = 1;
    std::uint64_t next_out = 1;
    std::int64_t heartbeat_ns = 0;
    std::int64_t last_sent_ns = 0;
    std::int64_t last_received_ns = 0;
    bool test_request_sent = false;
    std::uint64_t resend_until = 0;  // a ResendRequest is outstanding up to this seq
    bool logout_sent = false;
    std::int64_t logout_deadline_ns = 0;
    SessionStore store;
  };

  Connection* connection(net::ConnectionId id);
  void handle_frame(Connection& c, std::string_view frame);
  void handle_logon_message(Connection& c, const fix::MessageView& m);
  void complete_logon(Connection& c, bool password_ok);
  void handle_session_message(Connection& c, const fix::MessageView& m, std::string_view frame);
  void dispatch(Connection& c, MemberSession& s, const fix::MessageView& m, std::uint64_t seq);
  void handle_resend_request(MemberSession& s, engine::MemberId member, const fix::MessageView& m,
                             std::uint64_t seq);
  void send_gap_fill(MemberSession& s, engine::MemberId member, std::uint64_t seq,
                     std::uint64_t new_seq);
  void send_logout(engine::MemberId member, std::string_view text);
  // Logout to a connection that has no session (unknown CompID and the like),
  // then close it.
  void refuse(Connection& c, std::string_view target_comp_id, std::string_view text);
  void close(Connection& c);
  void check_timers();
  void log_counters();
  void collect_logons();
  void resume_paused();
  void refresh_clocks() noexcept;
  // Gives `message` the member's next MsgSeqNum: resend store, log, send.
  void sequence(engine::MemberId member, std::string_view message, bool admin, std::uint64_t cause);
  // Sends now, or holds until durable; either way after everything before.
  void deliver(net::ConnectionId conn, std::string_view bytes);
  int release_durable();
  void notify_log() noexcept;
  // Tells the writer the log holds every report of every request so far,
  // when that is so.
  void settle_log();
  void on_reply(const ShardReply& reply);
  bool snapshot_due() const noexcept;
  void start_snapshot();
  void finish_snapshot();
  void schedule_next_snapshot() noexcept;

  std::uint32_t index_;
  std::string name_;
  NetworkOptions options_;
  std::vector<ReplyRing*> from_shards_;
  std::vector<Connection> connections_;
  std::vector<MemberSession> sessions_;
  std::unique_ptr<OrderEntry> order_entry_;
  std::unique_ptr<net::TcpServer> server_;
  std::string fallback_reason_;
  Authenticator authenticator_;
  std::vector<Authenticator::Result> auth_results_;
  std::vector<net::ConnectionId> paused_;
  fix::MessageView view_;
  std::vector<char> out_buffer_;
  std::vector<char> resend_buffer_;
  fix::MessageWriter writer_;
  util::Doorbell bell_;  // rung by shards; wakes poll() through server_->wake()
  bool writing_admin_ = false;
  std::int64_t now_ns_ = 0;
  std::int64_t wall_ns_ = 0;
  std::int64_t next_timer_check_ns_ = 0;
  std::int64_t next_counter_log_ns_ = 0;
  // Tests only (MATCHGATE_TEST_CLOCK_SKEW_FILE): added to the wall clock.
  std::string clock_skew_file_;
  std::int64_t clock_skew_ns_ = 0;
  void read_clock_skew() noexcept;
  std::atomic<bool> logout_all_requested_{false};
  bool logging_out_all_ = false;
  std::atomic<std::size_t> open_connections_{0};
  SessionCounters counters_;
  wal::WalProducer* wal_ = nullptr;
  bool hold_ = false;
  bool replaying_ = false;
  std::uint64_t notified_ = 0;  // log position the writer was last told of
  std::uint64_t settled_ = 0;   // log position last settled
  std::atomic<bool> all_answered_{true};
  std::vector<const std::atomic<std::uint64_t>*> shard_answered_;
  DurableOutbox outbox_;
  std::atomic<std::size_t> held_{0};
  std::atomic<std::size_t> waiting_{0};
  std::vector<std::byte> record_buffer_;
  // Recovery: reports composed by replay whose Outbound record has not
  // appeared in the log so far, by cause. Only the last few groups before a
  // crash leave entries behind, so this stays small.
  struct UnloggedReport {
    std::uint64_t order = 0;  // composition order
    std::uint64_t cause = 0;
    engine::MemberId member = 0;
    std::string message;
  };
  std::unordered_map<std::uint64_t, UnloggedReport> unlogged_;
  std::uint64_t composed_in_replay_ = 0;
  // Snapshots.
  SnapshotTaker* snapshots_ = nullptr;
  std::int64_t next_snapshot_ns_ = 0;
  std::uint64_t appended_at_snapshot_ = 0;  // producer position of the last one
  std::uint64_t replayed_since_snapshot_ = 0;
  std::size_t snapshot_replies_due_ = 0;  // shards that have not answered yet
  std::uint64_t snapshots_taken_ = 0;
  std::vector<std::byte> snapshot_state_;
};

}  // namespace matchgate::gateway
