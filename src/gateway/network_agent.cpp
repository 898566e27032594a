#include "matchgate/gateway/network_agent.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "matchgate/fix/framer.hpp"
#include "matchgate/fix/tags.hpp"
#include "matchgate/util/clock.hpp"

namespace matchgate::gateway {

using util::clock_ns;

namespace {

constexpr std::size_t kOutBufferBytes = 8192;
// Answers echo values of the message they answer (ClOrdID, Symbol, Account,
// OrigClOrdID, TestReqID, ...), together never more than that message's own
// size; this is room for everything else an answer carries.
constexpr std::size_t kAnswerOverheadBytes = 1024;
// PossDupFlag(43) and OrigSendingTime(122) added to a resent message.
constexpr std::size_t kPossDupExtraBytes = 256;
constexpr std::int64_t kTimerPeriodNs = 10'000'000;  // session timers every 10 ms
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::int64_t kCounterLogPeriodNs = 60 * kNsPerSecond;

// MsgTypes FIX 4.4 defines: one character 0-9, A-Z, a-z, or two characters
// AA-AZ and BA-BH. Anything else gets a session Reject (invalid MsgType);
// defined types the gateway does not support get a BusinessMessageReject.
bool is_fix44_msg_type(std::string_view t) noexcept {
  const auto alnum = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  };
  if (t.size() == 1) return alnum(t[0]);
  if (t.size() == 2) {
    return (t[0] == 'A' && t[1] >= 'A' && t[1] <= 'Z') ||
           (t[0] == 'B' && t[1] >= 'A' && t[1] <= 'H');
  }
  return false;
}

// The MsgSeqNum of a frame that did not parse, so that its Reject can say
// which message it answers.
std::uint64_t scan_seq_num(std::string_view frame) noexcept {
  const std::size_t at = frame.find(
      "\x01"
      "34=");
  if (at == std::string_view::npos) return 0;
  std::uint64_t v = 0;
  for (std::size_t i = at + 4; i < frame.size() && frame[i] >= '0' && frame[i] <= '9'; ++i) {
    v = v * 10 + static_cast<std::uint64_t>(frame[i] - '0');
  }
  return v;
}

}  // namespace

NetworkAgent::NetworkAgent(std::uint32_t index, NetworkOptions options,
                           std::vector<RequestRing*> to_shards, std::vector<ReplyRing*> from_shards)
    : index_(index),
      name_("net-" + std::to_string(index)),
      options_(std::move(options)),
      from_shards_(std::move(from_shards)),
      sessions_(options_.members.size()),
      out_buffer_(
          std::max(kOutBufferBytes, options_.server.max_message_bytes + kAnswerOverheadBytes)),
      resend_buffer_(out_buffer_.size() + kPossDupExtraBytes),
      writer_(std::span<char>(out_buffer_)),
      bell_(
          [](void* self) noexcept {
            auto* agent = static_cast<NetworkAgent*>(self);
            if (agent->server_) agent->server_->wake();  // no socket yet while recovering
          },
          this) {
  for (MemberSession& s : sessions_) s.store = SessionStore(options_.resend_buffer_bytes);
  order_entry_ = std::make_unique<OrderEntry>(index_, options_, std::move(to_shards), *this);
  connections_.resize(options_.server.max_connections + 16);
  if (const char* skew = std::getenv("MATCHGATE_TEST_CLOCK_SKEW_FILE")) {
    clock_skew_file_ = skew;
    spdlog::warn(
        "{}: MATCHGATE_TEST_CLOCK_SKEW_FILE is set: the wall clock follows {} (tests only)", name_,
        clock_skew_file_);
    read_clock_skew();
  }
  refresh_clocks();
  next_counter_log_ns_ = now_ns_ + kCounterLogPeriodNs;
}

void NetworkAgent::listen() {
  server_ = net::make_tcp_server(options_.backend, options_.server, *this, &fallback_reason_);
}

NetworkAgent::~NetworkAgent() {
  log_counters();
}

// Rejects, garbled input and the like are counted on the message path and
// reported here once a minute: never a log line per message.
void NetworkAgent::log_counters() {
  const OrderEntryCounters& o = order_entry_->counters();
  spdlog::info(
      "{}: {} msgs in, {} out; {} logons ({} refused); {} garbled; {} session rejects; "
      "{} resend requests sent; orders: {} new, {} cancel, {} replace, {} status, "
      "{} rejected at the gateway, {} execution reports; dedup: {} repeats answered, {} "
      "duplicates rejected, {} refused (store full or unavailable), {} keys held",
      name_, counters_.messages_in, counters_.messages_out, counters_.logons,
      counters_.logon_failures, counters_.garbled, counters_.session_rejects,
      counters_.resend_requests_sent, o.new_orders, o.cancels, o.replaces, o.status_requests,
      o.rejected_at_gateway, o.execution_reports, o.dedup_retries, o.dedup_duplicates,
      o.dedup_unavailable, order_entry_->keys() ? order_entry_->keys()->size() : 0);
}

void NetworkAgent::refresh_clocks() noexcept {
  now_ns_ = clock_ns(CLOCK_MONOTONIC);
  wall_ns_ = clock_ns(CLOCK_REALTIME) + clock_skew_ns_;
}

// Tests only: the file holds a number of seconds added to the wall clock
// (ClOrdID keys, log record times, SendingTime). Read every 10 ms.
void NetworkAgent::read_clock_skew() noexcept {
  if (clock_skew_file_.empty()) return;
  std::FILE* f = std::fopen(clock_skew_file_.c_str(), "r");
  if (f == nullptr) return;
  long long seconds = 0;
  if (std::fscanf(f, "%lld", &seconds) == 1) clock_skew_ns_ = seconds * kNsPerSecond;
  std::fclose(f);
}

int NetworkAgent::do_work() {
  refresh_clocks();
  int work = release_durable();
  work += server_->do_work();
  for (ReplyRing* ring : from_shards_) {
    work += static_cast<int>(ring->drain([this](const ShardReply& r) { on_reply(r); }));
  }
  work += order_entry_->poll_pending();
  waiting_.store(order_entry_->waiting_count(), std::memory_order_relaxed);
  if (!paused_.empty()) resume_paused();
  collect_logons();
  if (now_ns_ >= next_timer_check_ns_) {
    next_timer_check_ns_ = now_ns_ + kTimerPeriodNs;
    read_clock_skew();
    order_entry_->expire_keys();
    check_timers();
    if (now_ns_ >= next_counter_log_ns_) {
      next_counter_log_ns_ = now_ns_ + kCounterLogPeriodNs;
      log_counters();
    }
  }
  if (snapshot_replies_due_ == 0 && snapshot_due()) start_snapshot();
  order_entry_->ring_shards();
  settle_log();
  notify_log();
  return work;
}

void NetworkAgent::settle_log() {
  if (shard_answered_.size() != from_shards_.size()) return;
  const std::uint64_t pushed = order_entry_->pushed_total();
  for (std::size_t i = 0; i < shard_answered_.size(); ++i) {
    // Read before the ring is drained: the replies to that many requests
    // are in the ring by then.
    if (shard_answered_[i]->load(std::memory_order_acquire) != order_entry_->pushed_to(i)) {
      all_answered_.store(false, std::memory_order_relaxed);
      return;
    }
  }
  for (ReplyRing* ring : from_shards_) {
    ring->drain([this](const ShardReply& r) { on_reply(r); });
  }
  // Handling the replies pushed nothing new (a snapshot barrier would).
  const bool settled = order_entry_->pushed_total() == pushed;
  all_answered_.store(settled, std::memory_order_relaxed);
  if (!settled || wal_ == nullptr || wal_->appended() == settled_) return;
  settled_ = wal_->appended();
  wal_->settle(settled_);
  wal_->notify();
}

void NetworkAgent::on_reply(const ShardReply& reply) {
  if (reply.kind == ReplyKind::Event) {
    order_entry_->on_reply(reply);
    return;
  }
  if (snapshot_replies_due_ > 0 && --snapshot_replies_due_ == 0) finish_snapshot();
}

void NetworkAgent::park(std::chrono::microseconds timeout) {
  notify_log();
  bell_.arm();
  bool idle = !order_entry_->has_pending();
  // Held messages whose records became durable are work; the writer rings
  // the doorbell when more do.
  if (!outbox_.empty() && outbox_.oldest_position() <= wal_->durable()) idle = false;
  for (const ReplyRing* ring : from_shards_) idle = idle && ring->empty_approx();
  // poll() handles whatever I/O it finds, which may hand requests to shards.
  if (idle) server_->poll(timeout);
  bell_.disarm();
  order_entry_->ring_shards();
  settle_log();  // poll() may have handed requests to shards
}

NetworkAgent::Connection* NetworkAgent::connection(net::ConnectionId id) {
  if (id.slot() >= connections_.size()) return nullptr;
  Connection& c = connections_[id.slot()];
  if (c.state == ConnState::Free || !(c.id == id)) return nullptr;
  return &c;
}

bool NetworkAgent::on_accept(net::ConnectionId id, const net::PeerAddress& peer) {
  refresh_clocks();  // may run inside a poll() that slept
  if (logging_out_all_) return false;
  if (id.slot() >= connections_.size()) connections_.resize(id.slot() + 1);
  Connection& c = connections_[id.slot()];
  c = Connection{};
  c.id = id;
  c.state = ConnState::AwaitLogon;
  c.deadline_ns = now_ns_ + std::chrono::nanoseconds(options_.logon_timeout).count();
  open_connections_.fetch_add(1);
  spdlog::debug("{}: connection {} from {}:{}", name_, id.value(), peer.host_view(), peer.port);
  return true;
}

void NetworkAgent::on_close(net::ConnectionId id, net::CloseReason reason) {
  Connection* c = connection(id);
  if (c == nullptr) return;
  if (c->has_member) {
    const engine::MemberId m = c->member;
    MemberSession& s = sessions_[m];
    if (s.conn == id) {
      const bool was_logged_on = s.logged_on;
      s.logged_on = false;
      s.busy = false;
      s.conn = net::ConnectionId{};
      s.logout_sent = false;
      s.test_request_sent = false;
      s.resend_until = 0;
      spdlog::info("{}: {} disconnected ({})", name_, options_.members[m].comp_id,
                   net::to_string(reason));
      if (was_logged_on && options_.members[m].cancel_on_disconnect) order_entry_->mass_cancel(m);
    }
  }
  c->state = ConnState::Free;
  open_connections_.fetch_sub(1);
}

std::size_t NetworkAgent::on_data(net::ConnectionId id, std::span<const char> data) {
  // Once per receive batch: the batch may arrive inside a poll() that slept,
  // and its answers carry SendingTime and TransactTime.
  refresh_clocks();
  Connection* c = connection(id);
  if (c == nullptr) return data.size();
  const fix::FrameConfig frame_config{fix::kBeginStringFix44, options_.server.max_message_bytes};
  std::string_view rest(data.data(), data.size());
  std::size_t consumed = 0;
  while (!rest.empty() && c->state != ConnState::Closing && c->state != ConnState::Free) {
    if (c->state == ConnState::Authenticating || !order_entry_->has_room()) {
      // Keep the bytes: they are read again after the logon check or once
      // the shards have drained their rings.
      if (!c->paused) {
        c->paused = true;
        server_->pause_reading(id);
        paused_.push_back(id);
      }
      break;
    }
    const fix::FrameResult f = fix::frame_message(rest, frame_config);
    if (f.status == fix::FrameStatus::NeedMore) break;
    if (f.status == fix::FrameStatus::Garbled) {
      ++counters_.garbled;
      consumed += f.length;
      rest.remove_prefix(f.length);
      if (c->state == ConnState::AwaitLogon) {
        // The first message must be a Logon; garbage instead is not a client.
        close(*c);
        return data.size();
      }
      continue;
    }
    const std::string_view frame = rest.substr(0, f.length);
    consumed += f.length;
    rest.remove_prefix(f.length);
    ++counters_.messages_in;
    handle_frame(*c, frame);
    c = connection(id);  // handling may have closed it
    if (c == nullptr) return data.size();
  }
  return consumed;
}

void NetworkAgent::handle_frame(Connection& c, std::string_view frame) {
  const fix::ParseError error = view_.parse(frame);
  if (c.state == ConnState::AwaitLogon) {
    if (!error.ok() || view_.msg_type() != fix::msg_type::Logon) {
      spdlog::info("{}: connection {} sent something other than a Logon first; closing", name_,
                   c.id.value());
      close(c);
      return;
    }
    handle_logon_message(c, view_);
    return;
  }
  if (c.state != ConnState::LoggedOn) return;
  MemberSession& s = sessions_[c.member];
  s.last_received_ns = now_ns_;
  s.test_request_sent = false;
  if (!error.ok()) {
    if (error.garbled()) {
      ++counters_.garbled;
      return;
    }
    // Well framed but malformed: answer with a Reject and count it as
    // received, so the sequence moves on (FIX session rules).
    const std::uint64_t seq = scan_seq_num(frame);
    if (seq == s.next_in) {
      ++s.next_in;
      send_reject(c.member, seq, {}, error.ref_tag, error.reason, fix::to_string(error.code));
    } else {
      ++counters_.garbled;
    }
    return;
  }
  handle_session_message(c, view_, frame);
}

void NetworkAgent::handle_logon_message(Connection& c, const fix::MessageView& m) {
  const std::string_view sender = m.get(fix::tag::SenderCompID);
  engine::MemberId member = 0;
  bool found = false;
  for (engine::MemberId i = 0; i < options_.members.size(); ++i) {
    if (options_.members[i].comp_id == sender) {
      member = i;
      found = true;
      break;
    }
  }
  ++counters_.logon_failures;  // undone below once the logon succeeds
  if (!found) {
    refuse(c, sender, "unknown SenderCompID");
    return;
  }
  if (m.get(fix::tag::TargetCompID) != options_.comp_id) {
    refuse(c, sender, "wrong TargetCompID, expected " + options_.comp_id);
    return;
  }
  const auto seq = m.get_uint(fix::tag::MsgSeqNum);
  if (!seq) {
    refuse(c, sender, "MsgSeqNum(34) missing or invalid");
    return;
  }
  const auto heartbeat = m.get_int(fix::tag::HeartBtInt);
  if (!heartbeat || heartbeat.value < 0 ||
      heartbeat.value > static_cast<std::int64_t>(options_.max_heartbeat_s)) {
    refuse(c, sender, "HeartBtInt(108) missing or out of range");
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
  if (sessions_[member].busy) {
    refuse(c, sender, "already logged on");
    return;
  }
  --counters_.logon_failures;
  sessions_[member].busy = true;
  c.member = member;
  c.has_member = true;
  c.logon_seq = seq.value;
  c.logon_reset = m.get_bool(fix::tag::ResetSeqNumFlag).value_or(false);
  c.logon_heartbeat_s = heartbeat.value;
  c.state = ConnState::Authenticating;
  authenticator_.submit(Authenticator::Request{c.id.value(), member, std::string(password),
                                               options_.members[member].password_hash});
}

void NetworkAgent::collect_logons() {
  auth_results_.clear();
  authenticator_.collect(auth_results_);
  for (const Authenticator::Result& r : auth_results_) {
    Connection* c = connection(net::ConnectionId::from_value(r.ticket));
    if (c == nullptr || c->state != ConnState::Authenticating) {
      if (r.member < sessions_.size() && !sessions_[r.member].logged_on) {
        sessions_[r.member].busy = false;
      }
      continue;
    }
    complete_logon(*c, r.ok);
  }
}

void NetworkAgent::complete_logon(Connection& c, bool password_ok) {
  const engine::MemberId member = c.member;
  MemberSession& s = sessions_[member];
  const std::string& comp_id = options_.members[member].comp_id;
  if (!password_ok) {
    ++counters_.logon_failures;
    s.busy = false;
    c.has_member = false;
    spdlog::warn("{}: logon of {} refused: wrong password", name_, comp_id);
    refuse(c, comp_id, "invalid password");
    return;
  }
  if (c.logon_reset) {
    s.next_in = 1;
    s.next_out = 1;
    s.store.reset(1);
  }
  if (c.logon_seq < s.next_in) {
    ++counters_.logon_failures;
    s.busy = false;
    c.has_member = false;
    refuse(c, comp_id,
           "MsgSeqNum too low, expecting " + std::to_string(s.next_in) + " but received " +
               std::to_string(c.logon_seq));
    return;
  }
  c.state = ConnState::LoggedOn;
  s.conn = c.id;
  s.logged_on = true;
  s.heartbeat_ns = c.logon_heartbeat_s * kNsPerSecond;
  s.last_received_ns = now_ns_;
  s.test_request_sent = false;
  s.logout_sent = false;
  s.resend_until = 0;
  ++counters_.logons;

  fix::MessageWriter& w = begin_message(member, fix::msg_type::Logon);
  w.add_int(fix::tag::EncryptMethod, 0).add_int(fix::tag::HeartBtInt, c.logon_heartbeat_s);
  if (c.logon_reset) w.add_bool(fix::tag::ResetSeqNumFlag, true);
  send_message(member);

  if (c.logon_seq == s.next_in) {
    ++s.next_in;
  } else {
    // Messages are missing before the Logon: ask for them. The Logon itself
    // is among what the member resends (as a gap fill).
    s.resend_until = c.logon_seq;
    ++counters_.resend_requests_sent;
    begin_message(member, fix::msg_type::ResendRequest).add_uint(7, s.next_in).add_uint(16, 0);
    send_message(member);
  }
  spdlog::info("{}: {} logged on (in {} out {}{})", name_, comp_id, s.next_in, s.next_out,
               c.logon_reset ? ", sequence reset" : "");
  if (c.paused) {
    c.paused = false;
    server_->resume_reading(c.id);
  }
}

void NetworkAgent::handle_session_message(Connection& c, const fix::MessageView& m,
                                          std::string_view frame) {
  (void)frame;
  const engine::MemberId member = c.member;
  MemberSession& s = sessions_[member];
  const std::string_view type = m.msg_type();
  const auto seq_result = m.get_uint(fix::tag::MsgSeqNum);
  if (!seq_result) {
    send_logout(member, "MsgSeqNum(34) missing or invalid");
    return;
  }
  const std::uint64_t seq = seq_result.value;
  if (m.get(fix::tag::SenderCompID) != options_.members[member].comp_id ||
      m.get(fix::tag::TargetCompID) != options_.comp_id) {
    send_reject(member, seq, type,
                m.get(fix::tag::SenderCompID) != options_.members[member].comp_id
                    ? fix::tag::SenderCompID
                    : fix::tag::TargetCompID,
                fix::SessionRejectReason::CompIdProblem, "CompID problem");
    send_logout(member, "CompID problem");
    return;
  }
  const bool poss_dup = m.get_bool(fix::tag::PossDupFlag).value_or(false);

  // SequenceReset in reset mode moves the expected number whatever the
  // message's own MsgSeqNum.
  if (type == fix::msg_type::SequenceReset && !m.get_bool(fix::tag::GapFillFlag).value_or(false)) {
    const auto new_seq = m.get_uint(fix::tag::NewSeqNo);
    if (!new_seq) {
      send_reject(member, seq, type, fix::tag::NewSeqNo,
                  new_seq.error == fix::ValueError::Missing
                      ? fix::SessionRejectReason::RequiredTagMissing
                      : fix::SessionRejectReason::IncorrectDataFormat,
                  "NewSeqNo(36) missing or invalid");
      return;
    }
    if (new_seq.value < s.next_in) {
      send_reject(member, seq, type, fix::tag::NewSeqNo, fix::SessionRejectReason::ValueIncorrect,
                  "NewSeqNo(36) below the expected sequence number");
      return;
    }
    s.next_in = new_seq.value;
    if (s.resend_until != 0 && s.next_in > s.resend_until) s.resend_until = 0;
    return;
  }
  if (seq > s.next_in) {
    if (type == fix::msg_type::Logout) {
      dispatch(c, s, m, seq);
      return;
    }
    // A ResendRequest is answered even across a gap (FIX session rules:
    // process it first, then ask for the gap). Otherwise, when both sides
    // have missed messages, each would wait for the other's resend. It is
    // administrative, so the member gap-fills over it later.
    if (type == fix::msg_type::ResendRequest) handle_resend_request(s, member, m, seq);
    // A gap: ask for what is missing once, and ignore this message; it comes
    // again in the resend.
    if (s.resend_until == 0) {
      ++counters_.resend_requests_sent;
      begin_message(member, fix::msg_type::ResendRequest).add_uint(7, s.next_in).add_uint(16, 0);
      send_message(member);
    }
    s.resend_until = std::max(s.resend_until, seq);
    return;
  }
  if (seq < s.next_in) {
    if (poss_dup) return;  // already processed
    send_logout(member, "MsgSeqNum too low, expecting " + std::to_string(s.next_in) +
                            " but received " + std::to_string(seq));
    return;
  }
  ++s.next_in;
  if (s.resend_until != 0 && s.next_in > s.resend_until) s.resend_until = 0;
  dispatch(c, s, m, seq);
}

void NetworkAgent::dispatch(Connection& c, MemberSession& s, const fix::MessageView& m,
                            std::uint64_t seq) {
  const engine::MemberId member = c.member;
  const std::string_view type = m.msg_type();
  if (type.size() == 1) {
    switch (type[0]) {
      case '0':  // Heartbeat
        return;
      case '1': {  // TestRequest
        const std::string_view id = m.get(fix::tag::TestReqID);
        if (id.empty()) {
          send_reject(member, seq, type, fix::tag::TestReqID,
                      fix::SessionRejectReason::RequiredTagMissing, "TestReqID(112) required");
          return;
        }
        begin_message(member, fix::msg_type::Heartbeat).add_string(fix::tag::TestReqID, id);
        send_message(member);
        return;
      }
      case '2':
        handle_resend_request(s, member, m, seq);
        return;
      case '3':  // Reject from the member: nothing to undo
        ++counters_.session_rejects;
        return;
      case '4': {  // SequenceReset-GapFill (reset mode was handled before)
        const auto new_seq = m.get_uint(fix::tag::NewSeqNo);
        if (!new_seq || new_seq.value < s.next_in) {
          send_reject(member, seq, type, fix::tag::NewSeqNo,
                      fix::SessionRejectReason::ValueIncorrect,
                      "NewSeqNo(36) missing or below the expected sequence number");
          return;
        }
        s.next_in = new_seq.value;
        if (s.resend_until != 0 && s.next_in > s.resend_until) s.resend_until = 0;
        return;
      }
      case '5':  // Logout
        if (!s.logout_sent) {
          begin_message(member, fix::msg_type::Logout);
          send_message(member);
        }
        close(c);
        return;
      case 'A':
        send_logout(member, "Logon received while logged on");
        return;
      default:
        break;
    }
  }
  if (!is_fix44_msg_type(type)) {
    send_reject(member, seq, type, fix::tag::MsgType, fix::SessionRejectReason::InvalidMsgType,
                "invalid MsgType");
    return;
  }
  if (!OrderEntry::supported(type)) {
    send_business_reject(member, seq, type, 3, "unsupported message type");
    return;
  }
  order_entry_->on_message(member, seq, m);
}

void NetworkAgent::handle_resend_request(MemberSession& s, engine::MemberId member,
                                         const fix::MessageView& m, std::uint64_t seq) {
  const auto begin = m.get_uint(7);
  const auto end = m.get_uint(16);
  if (!begin || !end) {
    send_reject(member, seq, m.msg_type(), !begin ? 7 : 16,
                fix::SessionRejectReason::RequiredTagMissing,
                "BeginSeqNo(7) and EndSeqNo(16) required");
    return;
  }
  const std::uint64_t last = s.next_out - 1;
  const std::uint64_t stop = (end.value == 0 || end.value > last) ? last : end.value;
  std::uint64_t gap_from = 0;
  for (std::uint64_t n = std::max<std::uint64_t>(begin.value, 1); n <= stop; ++n) {
    const std::string_view original = s.store.message(n);
    if (original.empty() || s.store.is_admin(n)) {
      if (gap_from == 0) gap_from = n;
      continue;
    }
    if (gap_from != 0) {
      send_gap_fill(s, member, gap_from, n);
      gap_from = 0;
    }
    const fix::WriteResult again =
        fix::make_poss_dup(original, wall_ns_, std::span<char>(resend_buffer_));
    if (again.ok() && s.logged_on) deliver(s.conn, again.message);
  }
  if (gap_from != 0) send_gap_fill(s, member, gap_from, stop + 1);
  s.last_sent_ns = now_ns_;
}

void NetworkAgent::send_gap_fill(MemberSession& s, engine::MemberId member, std::uint64_t seq,
                                 std::uint64_t new_seq) {
  fix::MessageWriter w{std::span<char>(resend_buffer_)};
  w.begin_poss_dup(fix::msg_type::SequenceReset, options_.comp_id, options_.members[member].comp_id,
                   seq, wall_ns_, wall_ns_)
      .add_bool(fix::tag::GapFillFlag, true)
      .add_uint(fix::tag::NewSeqNo, new_seq);
  const fix::WriteResult r = w.finish();
  if (r.ok() && s.logged_on) deliver(s.conn, r.message);
}

fix::MessageWriter& NetworkAgent::begin_message(engine::MemberId member,
                                                std::string_view msg_type) {
  writing_admin_ = fix::msg_type::is_admin(msg_type);
  return writer_.begin(msg_type, options_.comp_id, options_.members[member].comp_id,
                       sessions_[member].next_out, wall_ns_);
}

void NetworkAgent::send_message(engine::MemberId member, std::uint64_t cause) {
  const fix::WriteResult r = writer_.finish();
  if (!r.ok()) {
    spdlog::error("{}: could not encode a message for {}: {}", name_,
                  options_.members[member].comp_id, fix::to_string(r.error));
    return;
  }
  if (replaying_) {
    // The log holds the message sent at the time, unless the daemon died
    // before its record was written: kept until that record turns up.
    if (cause != 0) {
      unlogged_[cause] =
          UnloggedReport{composed_in_replay_++, cause, member, std::string(r.message)};
    }
    return;
  }
  sequence(member, r.message, writing_admin_, cause);
}

void NetworkAgent::sequence(engine::MemberId member, std::string_view message, bool admin,
                            std::uint64_t cause) {
  MemberSession& s = sessions_[member];
  // Session-level messages are gap-filled on resend, never sent again.
  s.store.append(s.next_out, message, admin);
  if (wal_ != nullptr) {
    OutboundRecordHead head{member, admin, s.next_out, s.next_in, cause};
    std::byte encoded[kOutboundHeadSize];
    encode_outbound_head(head, encoded);
    wal_->append(records::to_wire(records::RecordType::Outbound), wall_ns_, encoded,
                 std::as_bytes(std::span<const char>(message.data(), message.size())));
  }
  ++s.next_out;
  ++counters_.messages_out;
  if (s.logged_on) {
    deliver(s.conn, message);
    s.last_sent_ns = now_ns_;
  }
}

void NetworkAgent::send_reject(engine::MemberId member, std::uint64_t ref_seq,
                               std::string_view ref_msg_type, fix::Tag ref_tag,
                               fix::SessionRejectReason reason, std::string_view text) {
  ++counters_.session_rejects;
  fix::MessageWriter& w = begin_message(member, fix::msg_type::Reject);
  w.add_uint(fix::tag::RefSeqNum, ref_seq);
  if (ref_tag > 0) w.add_int(fix::tag::RefTagID, ref_tag);
  if (!ref_msg_type.empty()) w.add_string(fix::tag::RefMsgType, ref_msg_type);
  w.add_int(fix::tag::SessionRejectReason, static_cast<int>(reason));
  if (!text.empty()) w.add_string(fix::tag::Text, text);
  send_message(member);
}

void NetworkAgent::send_business_reject(engine::MemberId member, std::uint64_t ref_seq,
                                        std::string_view ref_msg_type, int reason,
                                        std::string_view text) {
  begin_message(member, fix::msg_type::BusinessMessageReject)
      .add_uint(fix::tag::RefSeqNum, ref_seq)
      .add_string(fix::tag::RefMsgType, ref_msg_type)
      .add_int(fix::tag::BusinessRejectReason, reason)
      .add_string(fix::tag::Text, text);
  send_message(member);
}

void NetworkAgent::send_logout(engine::MemberId member, std::string_view text) {
  MemberSession& s = sessions_[member];
  if (!s.logged_on) return;
  fix::MessageWriter& w = begin_message(member, fix::msg_type::Logout);
  if (!text.empty()) w.add_string(fix::tag::Text, text);
  send_message(member);
  s.logout_sent = true;
  s.logout_deadline_ns = now_ns_ + std::chrono::nanoseconds(options_.logout_timeout).count();
  if (!text.empty()) {
    spdlog::info("{}: logout sent to {}: {}", name_, options_.members[member].comp_id, text);
  }
}

void NetworkAgent::refuse(Connection& c, std::string_view target_comp_id, std::string_view text) {
  // No session is bound: the Logout is not sequenced in any member's stream.
  fix::MessageWriter w{std::span<char>(resend_buffer_)};
  w.begin(fix::msg_type::Logout, options_.comp_id,
          target_comp_id.empty() ? "UNKNOWN" : target_comp_id, 1, wall_ns_)
      .add_string(fix::tag::Text, text);
  const fix::WriteResult r = w.finish();
  if (r.ok()) deliver(c.id, r.message);
  spdlog::info("{}: logon refused on connection {}: {}", name_, c.id.value(), text);
  close(c);
}

void NetworkAgent::close(Connection& c) {
  if (c.state == ConnState::Closing || c.state == ConnState::Free) return;
  c.state = ConnState::Closing;
  if (!outbox_.empty()) {
    outbox_.push_close(c.id, wal_->appended());
    return;
  }
  server_->close(c.id);
}

void NetworkAgent::resume_paused() {
  if (!order_entry_->has_room()) return;
  std::size_t keep = 0;
  for (net::ConnectionId id : paused_) {
    Connection* c = connection(id);
    if (c == nullptr || !c->paused) continue;
    if (c->state == ConnState::Authenticating) {
      paused_[keep++] = id;  // resumed when its logon completes
      continue;
    }
    c->paused = false;
    server_->resume_reading(id);
  }
  paused_.resize(keep);
}

void NetworkAgent::check_timers() {
  if (logout_all_requested_.load(std::memory_order_relaxed) && !logging_out_all_) {
    logging_out_all_ = true;
    for (engine::MemberId m = 0; m < sessions_.size(); ++m) {
      if (sessions_[m].logged_on && !sessions_[m].logout_sent)
        send_logout(m, "gateway shutting down");
    }
  }
  for (Connection& c : connections_) {
    if ((c.state == ConnState::AwaitLogon ||
         (logging_out_all_ && c.state == ConnState::Authenticating)) &&
        now_ns_ >= c.deadline_ns) {
      spdlog::info("{}: connection {} sent no Logon in time; closing", name_, c.id.value());
      close(c);
    }
  }
  for (engine::MemberId m = 0; m < sessions_.size(); ++m) {
    MemberSession& s = sessions_[m];
    if (!s.logged_on) continue;
    Connection* c = connection(s.conn);
    if (c == nullptr) continue;
    if (s.logout_sent) {
      if (now_ns_ >= s.logout_deadline_ns) close(*c);
      continue;
    }
    if (s.heartbeat_ns <= 0) continue;
    if (now_ns_ - s.last_sent_ns >= s.heartbeat_ns) {
      begin_message(m, fix::msg_type::Heartbeat);
      send_message(m);
    }
    const std::int64_t silent = now_ns_ - s.last_received_ns;
    if (!s.test_request_sent && silent >= s.heartbeat_ns + s.heartbeat_ns / 5) {
      begin_message(m, fix::msg_type::TestRequest).add_string(fix::tag::TestReqID, "TEST");
      send_message(m);
      s.test_request_sent = true;
    } else if (s.test_request_sent && silent >= 2 * s.heartbeat_ns + s.heartbeat_ns / 5) {
      send_logout(m, "heartbeat timeout");
    }
  }
}

}  // namespace matchgate::gateway

namespace matchgate::gateway {

void NetworkAgent::attach_log(wal::WalProducer* producer, bool hold, std::uint64_t boot) {
  wal_ = producer;
  hold_ = hold && producer != nullptr;
  record_buffer_.resize(kOrderRequestFixedSize + kMaxClOrdIdLength);
  order_entry_->set_boot(boot);
}

void NetworkAgent::log_request(const OrderRequestRecord& r) {
  if (wal_ == nullptr || replaying_) return;
  const std::size_t n = encode_order_request(r, record_buffer_.data());
  wal_->append(records::to_wire(records::RecordType::OrderRequest), wall_ns_,
               std::span<const std::byte>(record_buffer_.data(), n));
}

void NetworkAgent::deliver(net::ConnectionId conn, std::string_view bytes) {
  if (hold_ && (!outbox_.empty() || wal_->durable() < wal_->appended())) {
    outbox_.push(conn, wal_->appended(), bytes);
    held_.store(outbox_.size(), std::memory_order_relaxed);
    return;
  }
  server_->send(conn, std::span<const char>(bytes.data(), bytes.size()));
}

int NetworkAgent::release_durable() {
  if (outbox_.empty()) return 0;
  const auto n = static_cast<int>(outbox_.release(
      wal_->durable(),
      [this](net::ConnectionId conn, std::span<const char> b) { server_->send(conn, b); },
      [this](net::ConnectionId conn) { server_->close(conn); }));
  held_.store(outbox_.size(), std::memory_order_relaxed);
  return n;
}

void NetworkAgent::notify_log() noexcept {
  if (wal_ == nullptr || wal_->appended() == notified_) return;
  notified_ = wal_->appended();
  wal_->notify();
}

void NetworkAgent::begin_replay() {
  refresh_clocks();
  replaying_ = true;
  order_entry_->begin_replay();
}

void NetworkAgent::replay_request(const OrderRequestRecord& r, std::int64_t time_ns) {
  wall_ns_ = time_ns;
  order_entry_->replay_request(r, time_ns);
  if (r.in_seq != 0 && r.request.member < sessions_.size()) {
    sessions_[r.request.member].next_in = r.in_seq + 1;
  }
}

void NetworkAgent::replay_outbound(const OutboundRecordHead& h, std::string_view message) {
  if (h.cause != 0) unlogged_.erase(h.cause);
  if (h.member >= sessions_.size()) return;
  MemberSession& s = sessions_[h.member];
  s.store.append(h.seq, message, h.admin);
  s.next_out = h.seq + 1;
  s.next_in = h.next_in;
}

void NetworkAgent::cancel_on_disconnect_all() {
  for (engine::MemberId m = 0; m < options_.members.size(); ++m) {
    if (options_.members[m].cancel_on_disconnect) order_entry_->mass_cancel(m);
  }
}

void NetworkAgent::end_replay() {
  order_entry_->end_replay();
  replaying_ = false;
  refresh_clocks();
  const OrderEntryCounters& o = order_entry_->counters();
  if (o.dedup_keys_restored > 0 || o.dedup_keys_not_restored > 0) {
    spdlog::info("{}: dedup: {} ClOrdID keys rebuilt from the log with their original expiry",
                 name_, o.dedup_keys_restored);
  }
  if (o.dedup_keys_not_restored > 0) {
    spdlog::warn(
        "{}: dedup: {} unexpired ClOrdID keys from the log did not fit into [dedup] max_keys; "
        "repeats of those requests are answered from the order records only",
        name_, o.dedup_keys_not_restored);
  }
}

std::size_t NetworkAgent::send_unlogged_reports() {
  std::vector<UnloggedReport> reports;
  reports.reserve(unlogged_.size());
  for (auto& [cause, report] : unlogged_) reports.push_back(std::move(report));
  unlogged_.clear();
  std::sort(reports.begin(), reports.end(),
            [](const UnloggedReport& a, const UnloggedReport& b) { return a.order < b.order; });
  refresh_clocks();
  std::size_t sent = 0;
  for (const UnloggedReport& report : reports) {
    const fix::WriteResult r = fix::resequence(report.message, sessions_[report.member].next_out,
                                               wall_ns_, std::span<char>(resend_buffer_));
    if (!r.ok()) {
      spdlog::error("{}: could not renumber a report for {}: {}", name_,
                    options_.members[report.member].comp_id, fix::to_string(r.error));
      continue;
    }
    sequence(report.member, r.message, false, report.cause);
    ++sent;
  }
  return sent;
}

void NetworkAgent::attach_snapshots(SnapshotTaker* taker, std::uint64_t replayed) {
  snapshots_ = taker;
  replayed_since_snapshot_ = replayed;
  appended_at_snapshot_ = wal_ != nullptr ? wal_->appended() : 0;
  if (taker != nullptr) schedule_next_snapshot();
}

void NetworkAgent::schedule_next_snapshot() noexcept {
  const std::chrono::seconds interval = snapshots_->options().interval;
  if (interval.count() > 0)
    next_snapshot_ns_ = now_ns_ + std::chrono::nanoseconds(interval).count();
}

bool NetworkAgent::snapshot_due() const noexcept {
  if (snapshots_ == nullptr || !snapshots_->idle()) return false;
  const SnapshotOptions& o = snapshots_->options();
  const std::uint64_t since = wal_->appended() - appended_at_snapshot_ + replayed_since_snapshot_;
  if (o.every_records > 0 && since >= o.every_records) return true;
  return o.interval.count() > 0 && now_ns_ >= next_snapshot_ns_ && since > 0;
}

void NetworkAgent::start_snapshot() {
  // Nothing new reaches a shard until every shard has copied its state, so
  // the copies and this thread's state describe the same requests.
  if (!order_entry_->request_snapshots()) return;  // a ring is full: next cycle
  order_entry_->hold_requests(true);
  snapshot_replies_due_ = from_shards_.size();
}

void NetworkAgent::finish_snapshot() {
  // Every reply to a request before the barrier has been turned into
  // sequenced, logged messages by now: the log up to the SnapshotPoint
  // record is exactly the state copied.
  snapshot_state_.clear();
  util::ByteWriter out(snapshot_state_);
  save_state(out);
  ++snapshots_taken_;
  std::byte payload[8];
  wal::put_u64(payload, snapshots_taken_);
  const std::uint64_t position = wal_->appended() + 1;
  wal_->watch(position);  // before the writer can take the record
  wal_->append(records::to_wire(records::RecordType::SnapshotPoint), wall_ns_, payload);
  snapshots_->take(&snapshot_state_, position);
  order_entry_->hold_requests(false);
  appended_at_snapshot_ = position;
  replayed_since_snapshot_ = 0;
  schedule_next_snapshot();
}

// Layout: u32 members; per member u64 next_in, u64 next_out, its resend
// store (SessionStore::save); then the order records (OrderRecordTable::save)
// and the ClOrdID keys (OrderEntry::save_keys).
void NetworkAgent::save_state(util::ByteWriter& out) const {
  out.put(static_cast<std::uint32_t>(sessions_.size()));
  for (const MemberSession& s : sessions_) {
    out.put(s.next_in);
    out.put(s.next_out);
    s.store.save(out);
  }
  order_entry_->records().save(out);
  order_entry_->save_keys(out);
}

void NetworkAgent::load_state(util::ByteReader& in) {
  const auto members = in.get<std::uint32_t>("member count");
  if (members != sessions_.size()) {
    throw std::runtime_error("the snapshot has " + std::to_string(members) +
                             " members, the configuration " + std::to_string(sessions_.size()) +
                             "; start with the configuration that took it");
  }
  for (MemberSession& s : sessions_) {
    s.next_in = in.get<std::uint64_t>("next inbound seq");
    s.next_out = in.get<std::uint64_t>("next outbound seq");
    s.store.load(in);
  }
  order_entry_->load_records(in);
  order_entry_->load_keys(in);
}

}  // namespace matchgate::gateway
