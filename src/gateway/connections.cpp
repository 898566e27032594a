#include "matchgate/gateway/connections.hpp"

#include <spdlog/spdlog.h>

#include "matchgate/fix/framer.hpp"
#include "matchgate/fix/tags.hpp"
#include "matchgate/fix/writer.hpp"

namespace matchgate::gateway {

namespace {

constexpr std::size_t kRefusalBytes = 1024;

// A garbled frame that is a well-formed message of another FIX version
// (BodyLength and CheckSum right for its own BeginString): its length, or
// 0. FIX answers such a message with a Logout, not silence (test case 2i).
std::size_t other_version_frame(std::string_view rest, const fix::FrameResult& f,
                                std::size_t max_message_bytes) {
  if (f.reason != fix::GarbleReason::BadBeginString || !rest.starts_with("8=FIX")) return 0;
  const std::size_t soh = rest.find(fix::kSoh);
  if (soh == std::string_view::npos) return 0;
  fix::FrameConfig other;
  other.begin_string = rest.substr(2, soh - 2);
  other.max_message_bytes = max_message_bytes;
  const fix::FrameResult again = fix::frame_message(rest, other);
  return again.status == fix::FrameStatus::Complete ? again.length : 0;
}

}  // namespace

Connections::Connections(const NetworkOptions& options, SessionTable& sessions, Outbound& outbound,
                         OrderEntry& order_entry, ThreadClock& clock, ConnectionMetrics metrics)
    : options_(options),
      sessions_(sessions),
      outbound_(outbound),
      order_entry_(order_entry),
      clock_(clock),
      connections_(options.server.max_connections + 16),
      members_(options.members.size()),
      refusal_buffer_(kRefusalBytes),
      metrics_(metrics) {}

Connections::Connection* Connections::connection(net::ConnectionId id) {
  if (id.slot() >= connections_.size()) return nullptr;
  Connection& c = connections_[id.slot()];
  if (c.state == State::Free || !(c.id == id)) return nullptr;
  return &c;
}

bool Connections::on_accept(net::ConnectionId id, const net::PeerAddress& peer) {
  clock_.refresh();  // may run inside a poll() that slept
  if (logging_out_all_) return false;
  if (id.slot() >= connections_.size()) connections_.resize(id.slot() + 1);
  Connection& c = connections_[id.slot()];
  c = Connection{};
  c.id = id;
  c.state = State::AwaitLogon;
  c.deadline_ns = clock_.now().mono_ns + std::chrono::nanoseconds(options_.logon_timeout).count();
  metrics_.open.inc();
  spdlog::debug("connection {} from {}:{}", id.value(), peer.host_view(), peer.port);
  return true;
}

void Connections::on_close(net::ConnectionId id, net::CloseReason reason) {
  Connection* c = connection(id);
  if (c == nullptr) return;
  release_member(*c, reason);
  c->state = State::Free;
  metrics_.open.dec();
}

// The member's session ends with its connection: when the peer closes, or
// as soon as the gateway decides to close (close()), not only once the back
// end reports the close done. A member whose connection the gateway closed
// (after a Logout, say) may log on again at once on a new connection; on
// the Asio back end the close's completion can come after that new logon,
// which was then refused as "already logged on".
void Connections::release_member(Connection& c, net::CloseReason reason) {
  if (!c.has_member || members_[c.member].conn != c.id) return;
  const engine::MemberId m = c.member;
  fix::Session& s = sessions_[m];
  const bool was_logged_on = s.logged_on();
  s.on_disconnect();
  outbound_.disconnect(m);
  members_[m] = Member{};
  spdlog::info("{} disconnected ({})", options_.members[m].comp_id, net::to_string(reason));
  if (was_logged_on && options_.members[m].cancel_on_disconnect) order_entry_.mass_cancel(m);
}

void Connections::pause(Connection& c) {
  if (c.paused) return;
  c.paused = true;
  server_->pause_reading(c.id);
  paused_.push_back(c.id);
}

std::size_t Connections::on_data(net::ConnectionId id, std::span<const char> data) {
  // Once per receive batch: the batch may arrive inside a poll() that slept,
  // and its answers carry SendingTime and TransactTime.
  clock_.refresh();
  Connection* c = connection(id);
  if (c == nullptr) return data.size();
  const fix::FrameConfig frame_config{fix::kBeginStringFix44, options_.server.max_message_bytes};
  std::string_view rest(data.data(), data.size());
  std::size_t consumed = 0;
  while (!rest.empty() && c->state != State::Closing && c->state != State::Free) {
    if (c->state == State::Authenticating || !order_entry_.has_room()) {
      // Keep the bytes: they are read again after the logon check or once
      // the shards have drained their rings.
      pause(*c);
      break;
    }
    const fix::FrameResult f = fix::frame_message(rest, frame_config);
    if (f.status == fix::FrameStatus::NeedMore) break;
    if (f.status == fix::FrameStatus::Garbled) {
      metrics_.garbled.inc();
      const std::size_t other_version =
          other_version_frame(rest, f, options_.server.max_message_bytes);
      const std::size_t skip = other_version > 0 ? other_version : f.length;
      consumed += skip;
      rest.remove_prefix(skip);
      if (c->state == State::AwaitLogon) {
        close(*c);  // the first message must be a Logon; garbage instead is not a client
        return data.size();
      }
      if (c->state == State::LoggedOn) {
        if (other_version) {
          sessions_[c->member].on_wrong_begin_string();
        } else {
          sessions_[c->member].on_garbled();
        }
      }
      continue;
    }
    const std::string_view frame = rest.substr(0, f.length);
    consumed += f.length;
    rest.remove_prefix(f.length);
    metrics_.frames_in.inc();
    handle_frame(*c, frame);
    c = connection(id);  // handling may have closed it
    if (c == nullptr) return data.size();
  }
  return consumed;
}

void Connections::handle_frame(Connection& c, std::string_view frame) {
  const fix::ParseError error = view_.parse(frame);
  if (c.state == State::AwaitLogon) {
    if (!error.ok() || view_.msg_type() != fix::msg_type::Logon) {
      spdlog::info("connection {} sent something other than a Logon first; closing", c.id.value());
      close(c);
      return;
    }
    handle_logon(c, view_);
    return;
  }
  if (c.state != State::LoggedOn) return;
  fix::Session& s = sessions_[c.member];
  if (!error.ok()) {
    if (error.garbled()) {
      s.on_garbled();
    } else {
      s.on_malformed(frame, error);
    }
    return;
  }
  switch (s.on_message(view_)) {
    case fix::Verdict::Application:
      order_entry_.on_message(c.member, view_.get_uint(fix::tag::MsgSeqNum).value, view_);
      return;
    case fix::Verdict::Close:
      close(c);
      return;
    case fix::Verdict::Handled:
      return;
  }
}

void Connections::handle_logon(Connection& c, const fix::MessageView& m) {
  const std::string_view sender = m.get(fix::tag::SenderCompID);
  engine::MemberId member = 0;
  if (!sessions_.find(sender, member)) {
    refuse(c, sender, "unknown SenderCompID");
    return;
  }
  if (m.get(fix::tag::TargetCompID) != options_.comp_id) {
    refuse(c, sender, "wrong TargetCompID, expected " + options_.comp_id);
    return;
  }
  const fix::LogonCheck check = sessions_[member].check_logon(m);
  if (!check.ok) {
    refuse(c, sender, check.refusal);
    return;
  }
  const std::string_view password = m.get(fix::tag::Password);
  if (password.empty()) {
    refuse(c, sender, "Password(554) required");
    return;
  }
  if (logging_out_all_) {
    refuse(c, sender, "gateway shutting down");
    return;
  }
  if (members_[member].busy) {
    refuse(c, sender, "already logged on");
    return;
  }
  members_[member] = Member{c.id, true};
  c.member = member;
  c.has_member = true;
  c.logon = check.request;
  c.state = State::Authenticating;
  authenticator_.submit(Authenticator::Request{c.id.value(), member, std::string(password),
                                               options_.members[member].password_hash});
}

void Connections::collect_logons() {
  auth_results_.clear();
  authenticator_.collect(auth_results_);
  for (const Authenticator::Result& r : auth_results_) {
    Connection* c = connection(net::ConnectionId::from_value(r.ticket));
    if (c == nullptr || c->state != State::Authenticating) {
      // The connection went meanwhile; so did its claim on the member.
      if (r.member < members_.size() && !sessions_[r.member].logged_on() &&
          members_[r.member].conn == net::ConnectionId::from_value(r.ticket)) {
        members_[r.member] = Member{};
      }
      continue;
    }
    complete_logon(*c, r.ok);
  }
}

void Connections::complete_logon(Connection& c, bool password_ok) {
  const engine::MemberId member = c.member;
  const std::string& comp_id = options_.members[member].comp_id;
  if (!password_ok) {
    members_[member] = Member{};
    c.has_member = false;
    spdlog::warn("logon of {} refused: wrong password", comp_id);
    refuse(c, comp_id, "invalid password");
    return;
  }
  // The session's answer (a Logon, maybe a ResendRequest) goes to this
  // connection.
  outbound_.connect(member, c.id);
  const std::string refusal = sessions_[member].accept_logon(c.logon);
  if (!refusal.empty()) {
    outbound_.disconnect(member);
    members_[member] = Member{};
    c.has_member = false;
    refuse(c, comp_id, refusal);
    return;
  }
  c.state = State::LoggedOn;
  metrics_.logons.inc();
  const fix::Session& s = sessions_[member];
  spdlog::info("{} logged on (in {} out {}{})", comp_id, s.next_in(), s.next_out(),
               c.logon.reset ? ", sequence reset" : "");
  if (c.paused) {
    c.paused = false;
    server_->resume_reading(c.id);
  }
  if (logon_listener_) logon_listener_(member);
}

void Connections::refuse(Connection& c, std::string_view target_comp_id, std::string_view text) {
  metrics_.logons_refused.inc();
  fix::MessageWriter w{refusal_buffer_, fix::kBeginStringFix44, options_.timestamps};
  w.begin(fix::msg_type::Logout, options_.comp_id,
          target_comp_id.empty() ? "UNKNOWN" : target_comp_id, 1, clock_.now().wall_ns)
      .add_string(fix::tag::Text, text);
  const fix::WriteResult r = w.finish();
  if (r.ok()) outbound_.send_unsequenced(c.id, r.message);
  spdlog::info("logon refused on connection {}: {}", c.id.value(), text);
  close(c);
}

void Connections::close(Connection& c) {
  if (c.state == State::Closing || c.state == State::Free) return;
  c.state = State::Closing;
  // Bytes already queued for the connection (a Logout held until durable)
  // still go out before it closes: the outbox keys them by connection.
  outbound_.close(c.id);
  release_member(c, net::CloseReason::LocalClose);
}

void Connections::resume_paused() {
  if (paused_.empty() || !order_entry_.has_room()) return;
  std::size_t keep = 0;
  for (const net::ConnectionId id : paused_) {
    Connection* c = connection(id);
    if (c == nullptr || !c->paused) continue;
    if (c->state == State::Authenticating) {
      paused_[keep++] = id;  // resumed when its logon completes
      continue;
    }
    c->paused = false;
    server_->resume_reading(id);
  }
  paused_.resize(keep);
}

void Connections::logout_all() {
  logging_out_all_ = true;
  for (engine::MemberId m = 0; m < sessions_.size(); ++m) {
    if (sessions_[m].logged_on()) sessions_[m].logout("gateway shutting down");
  }
}

void Connections::check_timers() {
  if (logout_all_requested_.load(std::memory_order_relaxed) && !logging_out_all_) logout_all();
  const std::int64_t now = clock_.now().mono_ns;
  for (Connection& c : connections_) {
    if ((c.state == State::AwaitLogon || (logging_out_all_ && c.state == State::Authenticating)) &&
        now >= c.deadline_ns) {
      spdlog::info("connection {} sent no Logon in time; closing", c.id.value());
      close(c);
    }
  }
  for (engine::MemberId m = 0; m < sessions_.size(); ++m) {
    if (!sessions_[m].logged_on()) continue;
    Connection* c = connection(members_[m].conn);
    if (c == nullptr) continue;
    if (sessions_[m].on_timer() == fix::Verdict::Close) close(*c);
  }
}

}  // namespace matchgate::gateway
