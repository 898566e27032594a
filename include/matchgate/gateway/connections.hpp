#pragma once
// The front door of a network thread: member connections (net's handler),
// framing, logon (CompIDs, the session's checks, the password on the
// authenticator's thread, one connection per member), and the hand-over of
// every framed message to the member's FIX session; application messages
// the session passes go to order entry. Connections call into sessions,
// the outbound path and order entry; none of them calls back.
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "matchgate/fix/message.hpp"
#include "matchgate/gateway/authenticator.hpp"
#include "matchgate/gateway/gateway_metrics.hpp"
#include "matchgate/gateway/network_options.hpp"
#include "matchgate/gateway/order_entry.hpp"
#include "matchgate/gateway/outbound.hpp"
#include "matchgate/gateway/session_table.hpp"
#include "matchgate/gateway/thread_clock.hpp"
#include "matchgate/net/tcp_server.hpp"

namespace matchgate::gateway {

class Connections final : public net::ConnectionHandler {
 public:
  Connections(const NetworkOptions& options, SessionTable& sessions, Outbound& outbound,
              OrderEntry& order_entry, ThreadClock& clock, ConnectionMetrics metrics = {});

  void attach_server(net::TcpServer* server) noexcept { server_ = server; }
  // Called once a member's logon completed (the trading controls tell it
  // the session's phase and the halts in force).
  void set_logon_listener(std::function<void(engine::MemberId)> listener) {
    logon_listener_ = std::move(listener);
  }

  // net::ConnectionHandler
  bool on_accept(net::ConnectionId id, const net::PeerAddress& peer) override;
  std::size_t on_data(net::ConnectionId id, std::span<const char> data) override;
  void on_close(net::ConnectionId id, net::CloseReason reason) override;

  // Duty cycle: finished password checks; connections paused for room;
  // logon deadlines, the sessions' timers, a requested logout of all.
  void collect_logons();
  void resume_paused();
  void check_timers();

  // Graceful stop: Logout to every session, no new logons. From any thread;
  // acted on by check_timers().
  void request_logout_all() noexcept { logout_all_requested_.store(true); }
  bool all_closed() const noexcept { return metrics_.open.value() == 0; }

 private:
  enum class State : std::uint8_t { Free, AwaitLogon, Authenticating, LoggedOn, Closing };
  struct Connection {
    net::ConnectionId id;
    State state = State::Free;
    engine::MemberId member = 0;
    bool has_member = false;
    bool paused = false;
    std::int64_t deadline_ns = 0;  // logon timeout
    fix::LogonRequest logon;       // waiting for its password check
  };
  struct Member {
    net::ConnectionId conn;
    bool busy = false;  // a connection is logging on or logged on as this member
  };

  std::function<void(engine::MemberId)> logon_listener_;
  Connection* connection(net::ConnectionId id);
  void pause(Connection& c);
  void handle_frame(Connection& c, std::string_view frame);
  void handle_logon(Connection& c, const fix::MessageView& m);
  void complete_logon(Connection& c, bool password_ok);
  // Logout to a connection that has no session (unknown CompID and the
  // like), not sequenced in any member's stream, then close it.
  void refuse(Connection& c, std::string_view target_comp_id, std::string_view text);
  void close(Connection& c);
  void release_member(Connection& c, net::CloseReason reason);
  void logout_all();

  const NetworkOptions& options_;
  SessionTable& sessions_;
  Outbound& outbound_;
  OrderEntry& order_entry_;
  ThreadClock& clock_;
  net::TcpServer* server_ = nullptr;
  std::vector<Connection> connections_;
  std::vector<Member> members_;
  Authenticator authenticator_;
  std::vector<Authenticator::Result> auth_results_;
  std::vector<net::ConnectionId> paused_;
  fix::MessageView view_;
  std::vector<char> refusal_buffer_;
  std::atomic<bool> logout_all_requested_{false};
  bool logging_out_all_ = false;
  ConnectionMetrics metrics_;
};

}  // namespace matchgate::gateway
