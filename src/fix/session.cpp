#include "matchgate/fix/session.hpp"

#include <algorithm>
#include <string>

#include "matchgate/fix/field_check.hpp"
#include "matchgate/util/assert.hpp"

namespace matchgate::fix {

namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
// Answers echo values of the message they answer (ClOrdID, TestReqID, ...),
// together never more than that message's own size; this is room for
// everything else an answer carries.
constexpr std::size_t kAnswerOverheadBytes = 1024;
constexpr std::size_t kMinComposeBytes = 8192;
// PossDupFlag(43) and OrigSendingTime(122) added to a resent message.
constexpr std::size_t kResendExtraBytes = 256;

std::size_t compose_bytes(std::size_t scratch_bytes) noexcept {
  return (scratch_bytes - kResendExtraBytes) / 2;
}

// MsgTypes FIX 4.4 defines: one character 0-9, A-Z, a-z, or two characters
// AA-AZ and BA-BH. Anything else is answered with Reject 373=11.
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
// which message it answers; 0 when there is none.
// The value of a field of a frame that did not parse (`soh_tag_eq` is
// "<SOH>34=" and the like); empty when there is none.
std::string_view scan_field(std::string_view frame, std::string_view soh_tag_eq) noexcept {
  const std::size_t at = frame.find(soh_tag_eq);
  if (at == std::string_view::npos) return {};
  const std::size_t begin = at + soh_tag_eq.size();
  const std::size_t end = frame.find(kSoh, begin);
  return end == std::string_view::npos ? std::string_view{} : frame.substr(begin, end - begin);
}

bool poss_dup(const MessageView& m) noexcept {
  return m.get_bool(tag::PossDupFlag).value_or(false);
}

}  // namespace

std::size_t session_scratch_bytes(std::size_t max_message_bytes) noexcept {
  const std::size_t compose = std::max(kMinComposeBytes, max_message_bytes + kAnswerOverheadBytes);
  return 2 * compose + kResendExtraBytes;
}

SessionMetrics SessionMetrics::registered(ops::MetricGroup& group, std::string_view member) {
  const auto counter = [&](std::string_view name, std::string_view help) {
    return group.counter(ops::MetricSpec{name, help, {{"member", std::string(member)}}});
  };
  SessionMetrics m;
  m.messages_in = counter("matchgate_fix_messages_in_total", "FIX messages received");
  m.messages_out = counter("matchgate_fix_messages_out_total", "FIX messages sequenced and sent");
  m.rejects_sent = counter("matchgate_fix_rejects_sent_total", "session Rejects (35=3) sent");
  m.rejects_received =
      counter("matchgate_fix_rejects_received_total", "session Rejects (35=3) received");
  m.resend_requests_sent =
      counter("matchgate_fix_resend_requests_sent_total", "ResendRequests sent for a gap");
  m.resend_requests_received =
      counter("matchgate_fix_resend_requests_received_total", "ResendRequests answered");
  m.garbled = counter("matchgate_fix_garbled_total",
                      "messages dropped as garbled (not framed, not parsed, out of sequence)");
  return m;
}

Session::Session(std::uint32_t id, SessionOptions options, SessionSink& sink,
                 const SessionClock& clock, std::span<char> scratch, SessionMetrics metrics)
    : id_(id),
      options_(std::move(options)),
      sink_(sink),
      clock_(clock),
      compose_buffer_(scratch.first(compose_bytes(scratch.size()))),
      resend_buffer_(scratch.subspan(compose_buffer_.size())),
      writer_(compose_buffer_, kBeginStringFix44, options_.timestamps),
      store_(options_.store_bytes, options_.store_prefault),
      metrics_(metrics) {
  MATCHGATE_ASSERT(scratch.size() >= session_scratch_bytes(0), "session scratch too small");
}

// ---- Logon ----

LogonCheck Session::check_logon(const MessageView& logon) const noexcept {
  LogonCheck c;
  const auto seq = logon.get_uint(tag::MsgSeqNum);
  if (!seq) {
    c.refusal = "MsgSeqNum(34) missing or invalid";
    return c;
  }
  const auto heartbeat = logon.get_int(tag::HeartBtInt);
  if (!heartbeat || heartbeat.value < 0 ||
      heartbeat.value > static_cast<std::int64_t>(options_.max_heartbeat_s)) {
    c.refusal = "HeartBtInt(108) missing or out of range";
    return c;
  }
  const auto sent = logon.get_timestamp(tag::SendingTime);
  if (!sent || !accurate(sent.value)) {
    c.refusal = "SendingTime accuracy problem";
    return c;
  }
  c.ok = true;
  c.request = LogonRequest{seq.value, heartbeat.value,
                           logon.get_bool(tag::ResetSeqNumFlag).value_or(false)};
  return c;
}

std::string Session::accept_logon(const LogonRequest& request) {
  if (request.reset) reset_sequences();
  if (request.seq < next_in_) {
    return "MsgSeqNum too low, expecting " + std::to_string(next_in_) + " but received " +
           std::to_string(request.seq);
  }
  mark_logged_on(request);
  MessageWriter& w = begin(msg_type::Logon);
  w.add_int(tag::EncryptMethod, 0).add_int(tag::HeartBtInt, request.heartbeat_s);
  if (request.reset) w.add_bool(tag::ResetSeqNumFlag, true);
  send();
  if (request.seq == next_in_) {
    ++next_in_;
  } else {
    // Messages are missing before the Logon: ask for them. The Logon itself
    // is among what the counterparty resends (as a gap fill).
    resend_until_ = request.seq;
    ask_for_resend();
  }
  return {};
}

void Session::mark_logged_on(const LogonRequest& request) noexcept {
  logged_on_ = true;
  heartbeat_ns_ = request.heartbeat_s * kNsPerSecond;
  last_received_ns_ = clock_.mono_ns;
  last_sent_ns_ = clock_.mono_ns;
  test_request_sent_ = false;
  logout_sent_ = false;
  resend_until_ = 0;
}

void Session::reset_sequences() noexcept {
  next_in_ = 1;
  next_out_ = 1;
  store_.reset(1);
  resend_until_ = 0;
}

bool Session::accurate(UtcNanos sending_time) const noexcept {
  const std::int64_t skew_ns = options_.max_sending_time_skew.count() * kNsPerSecond;
  return sending_time <= clock_.wall_ns + skew_ns && sending_time >= clock_.wall_ns - skew_ns;
}

// ---- Inbound ----

void Session::note_received() noexcept {
  metrics_.messages_in.inc();
  last_received_ns_ = clock_.mono_ns;
  test_request_sent_ = false;
}

Verdict Session::on_message(const MessageView& m) {
  note_received();
  const std::string_view type = m.msg_type();
  const auto seq_result = m.get_uint(tag::MsgSeqNum);
  if (!seq_result) {
    logout("MsgSeqNum(34) missing or invalid");
    return Verdict::Handled;
  }
  const std::uint64_t seq = seq_result.value;
  // Our Logout is answered: whatever the answer's header says (a Logout
  // for a SendingTime problem is likely answered with the same problem).
  if (logout_sent_ && type == msg_type::Logout) {
    if (seq == next_in_) consume(seq);
    return Verdict::Close;
  }
  if (check_header(m, seq) == Check::Stop) return Verdict::Handled;
  if (type == msg_type::Logon && m.get_bool(tag::ResetSeqNumFlag).value_or(false)) {
    return on_logon_while_logged_on(m, seq);
  }
  if (check_poss_dup(m, seq) == Check::Stop) return Verdict::Handled;
  // SequenceReset in reset mode moves the expected number whatever the
  // message's own MsgSeqNum.
  if (type == msg_type::SequenceReset && !m.get_bool(tag::GapFillFlag).value_or(false)) {
    on_sequence_reset(m, seq, false);
    return Verdict::Handled;
  }
  if (seq > next_in_) {
    // A Logout is processed across a gap; a ResendRequest is answered
    // first (otherwise, when both sides missed messages, each would wait
    // for the other's resend). Anything else comes again in the resend.
    if (type == msg_type::Logout) return dispatch(m, seq);
    if (type == msg_type::ResendRequest) on_resend_request(m, seq);
    if (resend_until_ == 0) ask_for_resend();
    resend_until_ = std::max(resend_until_, seq);
    return Verdict::Handled;
  }
  if (seq < next_in_) {
    if (!poss_dup(m)) {
      logout("MsgSeqNum too low, expecting " + std::to_string(next_in_) + " but received " +
             std::to_string(seq));
    }
    return Verdict::Handled;  // a PossDup already processed: ignored
  }
  consume(seq);
  // The fields against the profile (docs/fix/FIX44-matchgate.xml): session
  // messages and the application messages the counterparty may send. Other
  // types go up to be answered as unsupported; a Reject is never rejected
  // (that could go back and forth).
  if (validated(type)) {
    const FieldProblem p = check_fields(m, options_.validation);
    if (!p.ok()) {
      reject(seq, type, p.tag, p.reason, to_text(p.reason));
      return Verdict::Handled;
    }
  }
  return dispatch(m, seq);
}

// The standard header: CompIDs and SendingTime present, CompIDs ours,
// SendingTime close to our clock (FIX 4.4 Volume 2, test cases 2k, 2o).
Session::Check Session::check_header(const MessageView& m, std::uint64_t seq) {
  for (const Tag t : {tag::SenderCompID, tag::TargetCompID, tag::SendingTime}) {
    if (!m.has(t)) {
      refuse(m, seq, t, SessionRejectReason::RequiredTagMissing, false);
      return Check::Stop;
    }
  }
  if (m.get(tag::SenderCompID) != options_.target_comp_id) {
    refuse(m, seq, tag::SenderCompID, SessionRejectReason::CompIdProblem, true);
    return Check::Stop;
  }
  if (m.get(tag::TargetCompID) != options_.sender_comp_id) {
    refuse(m, seq, tag::TargetCompID, SessionRejectReason::CompIdProblem, true);
    return Check::Stop;
  }
  const auto sent = m.get_timestamp(tag::SendingTime);
  if (!sent) {
    refuse(m, seq, tag::SendingTime, SessionRejectReason::IncorrectDataFormat, false);
    return Check::Stop;
  }
  if (!accurate(sent.value)) {
    refuse(m, seq, tag::SendingTime, SessionRejectReason::SendingTimeAccuracyProblem, true);
    return Check::Stop;
  }
  return Check::Pass;
}

// A message sent again (PossDupFlag=Y) must say when it was first sent, and
// not later than now (test cases 2f, 2g).
Session::Check Session::check_poss_dup(const MessageView& m, std::uint64_t seq) {
  if (!poss_dup(m)) return Check::Pass;
  const auto orig = m.get_timestamp(tag::OrigSendingTime);
  if (orig.error == ValueError::Missing) {
    refuse(m, seq, tag::OrigSendingTime, SessionRejectReason::RequiredTagMissing, false);
    return Check::Stop;
  }
  if (!orig) {
    refuse(m, seq, tag::OrigSendingTime, SessionRejectReason::IncorrectDataFormat, false);
    return Check::Stop;
  }
  if (orig.value > m.get_timestamp(tag::SendingTime).value) {
    refuse(m, seq, tag::OrigSendingTime, SessionRejectReason::SendingTimeAccuracyProblem, true);
    return Check::Stop;
  }
  return Check::Pass;
}

void Session::refuse(const MessageView& m, std::uint64_t seq, Tag tag, SessionRejectReason reason,
                     bool fatal) {
  // A rejected message is received all the same: its number is used up,
  // so the counterparty is not asked for it again.
  if (seq == next_in_) consume(seq);
  const std::string_view text = to_text(reason);
  reject(seq, m.msg_type(), tag, reason, text);
  if (fatal) logout(text);
}

void Session::consume(std::uint64_t seq) noexcept {
  next_in_ = seq + 1;
  if (resend_until_ != 0 && next_in_ > resend_until_) resend_until_ = 0;
}

bool Session::validated(std::string_view type) const noexcept {
  if (type == msg_type::Reject || !in_profile(type)) return false;
  if (msg_type::is_admin(type)) return true;
  for (const std::string& t : options_.application_types) {
    if (t == type) return true;
  }
  return false;
}

Verdict Session::dispatch(const MessageView& m, std::uint64_t seq) {
  const std::string_view type = m.msg_type();
  if (type.size() == 1) {
    switch (type[0]) {
      case '0':  // Heartbeat
        return Verdict::Handled;
      case '1': {  // TestRequest
        const std::string_view id = m.get(tag::TestReqID);
        if (id.empty()) {
          reject(seq, type, tag::TestReqID, SessionRejectReason::RequiredTagMissing,
                 to_text(SessionRejectReason::RequiredTagMissing));
          return Verdict::Handled;
        }
        begin(msg_type::Heartbeat).add_string(tag::TestReqID, id);
        send();
        return Verdict::Handled;
      }
      case '2':
        on_resend_request(m, seq);
        return Verdict::Handled;
      case '3':  // a Reject of ours: nothing to undo
        metrics_.rejects_received.inc();
        return Verdict::Handled;
      case '4':  // SequenceReset-GapFill (reset mode was handled before)
        on_sequence_reset(m, seq, true);
        return Verdict::Handled;
      case '5':  // Logout
        if (!logout_sent_) {
          begin(msg_type::Logout);
          send();
        }
        return Verdict::Close;
      case 'A':
        logout("Logon received while logged on");
        return Verdict::Handled;
      default:
        break;
    }
  }
  if (!is_fix44_msg_type(type)) {
    reject(seq, type, tag::MsgType, SessionRejectReason::InvalidMsgType,
           to_text(SessionRejectReason::InvalidMsgType));
    return Verdict::Handled;
  }
  return Verdict::Application;
}

// Logon with ResetSeqNumFlag=Y on a live session: both sides start again at
// 1 (test case "SessionReset"); its HeartBtInt applies from now on.
Verdict Session::on_logon_while_logged_on(const MessageView& m, std::uint64_t seq) {
  const LogonCheck c = check_logon(m);
  if (!c.ok) {
    logout(c.refusal);
    return Verdict::Handled;
  }
  const std::string refusal = accept_logon(LogonRequest{seq, c.request.heartbeat_s, true});
  MATCHGATE_ASSERT(refusal.empty(), "a reset logon cannot be too low");
  return Verdict::Handled;
}

void Session::on_sequence_reset(const MessageView& m, std::uint64_t seq, bool gap_fill) {
  const auto new_seq = m.get_uint(tag::NewSeqNo);
  if (gap_fill) {
    // next_in_ is this message's number + 1 by now.
    if (!new_seq || new_seq.value < next_in_) {
      reject(seq, m.msg_type(), tag::NewSeqNo, SessionRejectReason::ValueIncorrect,
             "NewSeqNo(36) missing or below the expected sequence number");
      return;
    }
  } else if (!new_seq) {
    reject(seq, m.msg_type(), tag::NewSeqNo,
           new_seq.error == ValueError::Missing ? SessionRejectReason::RequiredTagMissing
                                                : SessionRejectReason::IncorrectDataFormat,
           "NewSeqNo(36) missing or invalid");
    return;
  } else if (new_seq.value < next_in_) {
    reject(seq, m.msg_type(), tag::NewSeqNo, SessionRejectReason::ValueIncorrect,
           "NewSeqNo(36) below the expected sequence number");
    return;
  }
  next_in_ = new_seq.value;
  if (resend_until_ != 0 && next_in_ > resend_until_) resend_until_ = 0;
}

void Session::on_malformed(std::string_view frame, const ParseError& error) {
  note_received();
  // Its MsgSeqNum, so that the Reject can say which message it answers.
  std::uint64_t seq = 0;
  for (const char c : scan_field(frame,
                                 "\x01"
                                 "34=")) {
    if (c < '0' || c > '9') break;
    seq = seq * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (seq == 0 || seq != next_in_) {
    metrics_.garbled.inc();  // cannot be answered in sequence: dropped like garbage
    return;
  }
  consume(seq);
  reject(
      seq,
      scan_field(frame,
                 "\x01"
                 "35="),
      error.has_ref_tag ? error.ref_tag : kNoTag, error.reason,
      error.reason != SessionRejectReason::Other ? to_text(error.reason) : to_string(error.code));
}

void Session::on_wrong_begin_string() {
  metrics_.garbled.inc();
  logout("Incorrect BeginString");
}

// ---- Resend ----

void Session::on_resend_request(const MessageView& m, std::uint64_t seq) {
  metrics_.resend_requests_received.inc();
  const auto from = m.get_uint(tag::BeginSeqNo);
  const auto to = m.get_uint(tag::EndSeqNo);
  if (!from || !to) {
    reject(seq, m.msg_type(), !from ? tag::BeginSeqNo : tag::EndSeqNo,
           SessionRejectReason::RequiredTagMissing, "BeginSeqNo(7) and EndSeqNo(16) required");
    return;
  }
  const std::uint64_t last = next_out_ - 1;
  resend(std::max<std::uint64_t>(from.value, 1),
         (to.value == 0 || to.value > last) ? last : to.value);
}

// Application messages again with PossDupFlag=Y; session messages, and
// numbers the store no longer holds, as gap fills (consecutive ones merged).
void Session::resend(std::uint64_t from, std::uint64_t to) {
  std::uint64_t gap_from = 0;
  for (std::uint64_t n = from; n <= to; ++n) {
    const std::string_view original = store_.message(n);
    if (original.empty() || store_.is_admin(n)) {
      if (gap_from == 0) gap_from = n;
      continue;
    }
    if (gap_from != 0) {
      send_gap_fill(gap_from, n);
      gap_from = 0;
    }
    const WriteResult again =
        make_poss_dup(original, clock_.wall_ns, resend_buffer_, options_.timestamps);
    MATCHGATE_ASSERT(again.ok(), "a stored message did not re-encode");
    hand_to_sink(again.message, n, false, 0, true);
  }
  if (gap_from != 0) send_gap_fill(gap_from, to + 1);
}

void Session::send_gap_fill(std::uint64_t seq, std::uint64_t new_seq) {
  MessageWriter w{resend_buffer_, kBeginStringFix44, options_.timestamps};
  w.begin_poss_dup(msg_type::SequenceReset, options_.sender_comp_id, options_.target_comp_id, seq,
                   clock_.wall_ns, clock_.wall_ns)
      .add_bool(tag::GapFillFlag, true)
      .add_uint(tag::NewSeqNo, new_seq);
  const WriteResult r = w.finish();
  MATCHGATE_ASSERT(r.ok(), "a gap fill did not encode");
  hand_to_sink(r.message, seq, true, 0, true);
}

void Session::ask_for_resend() {
  metrics_.resend_requests_sent.inc();
  begin(msg_type::ResendRequest).add_uint(tag::BeginSeqNo, next_in_).add_uint(tag::EndSeqNo, 0);
  send();
}

// ---- Timers and connection ----

Verdict Session::on_timer() {
  if (!logged_on_) return Verdict::Handled;
  const std::int64_t now = clock_.mono_ns;
  if (logout_sent_) return now >= logout_deadline_ns_ ? Verdict::Close : Verdict::Handled;
  if (heartbeat_ns_ <= 0) return Verdict::Handled;
  const std::int64_t silent = now - last_received_ns_;
  if (test_request_sent_ && silent >= 2 * heartbeat_ns_ + heartbeat_ns_ / 5) {
    logout("heartbeat timeout");  // no Heartbeat first: the session is over
    return Verdict::Handled;
  }
  if (now - last_sent_ns_ >= heartbeat_ns_) {
    begin(msg_type::Heartbeat);
    send();
  }
  if (!test_request_sent_ && silent >= heartbeat_ns_ + heartbeat_ns_ / 5) {
    begin(msg_type::TestRequest).add_string(tag::TestReqID, "TEST");
    send();
    test_request_sent_ = true;
  }
  return Verdict::Handled;
}

void Session::on_disconnect() noexcept {
  logged_on_ = false;
  logout_sent_ = false;
  test_request_sent_ = false;
  resend_until_ = 0;
}

// ---- Outbound ----

MessageWriter& Session::begin(std::string_view msg_type) noexcept {
  writing_admin_ = msg_type::is_admin(msg_type);
  return writer_.begin(msg_type, options_.sender_comp_id, options_.target_comp_id, next_out_,
                       clock_.wall_ns);
}

void Session::send(std::uint64_t cause) {
  const WriteResult r = writer_.finish();
  // Every answer fits: the buffer holds the largest inbound message plus
  // what an answer adds to the values it echoes.
  MATCHGATE_ASSERT(r.ok(), "an outbound message did not encode");
  last_composed_ = r.message;
  if (replaying_) {
    Outgoing o{r.message, next_out_, next_in_, cause, writing_admin_};
    o.replayed = true;
    sink_.on_send(id_, o);
    return;
  }
  sequence(r.message, writing_admin_, cause);
}

void Session::sequence(std::string_view message, bool admin, std::uint64_t cause) {
  store_.append(next_out_, message, admin);
  const std::uint64_t seq = next_out_++;
  metrics_.messages_out.inc();
  last_sent_ns_ = clock_.mono_ns;
  hand_to_sink(message, seq, admin, cause, false);
}

void Session::hand_to_sink(std::string_view bytes, std::uint64_t seq, bool admin,
                           std::uint64_t cause, bool resent) {
  Outgoing o{bytes, seq, next_in_, cause, admin};
  o.resent = resent;
  sink_.on_send(id_, o);
}

void Session::reject(std::uint64_t ref_seq, std::string_view ref_msg_type, Tag ref_tag,
                     SessionRejectReason reason, std::string_view text) {
  metrics_.rejects_sent.inc();
  MessageWriter& w = begin(msg_type::Reject);
  w.add_uint(tag::RefSeqNum, ref_seq);
  if (ref_tag != kNoTag) w.add_int(tag::RefTagID, ref_tag);
  if (!ref_msg_type.empty()) w.add_string(tag::RefMsgType, ref_msg_type);
  w.add_int(tag::SessionRejectReason, static_cast<int>(reason));
  if (!text.empty()) w.add_string(tag::Text, text);
  send();
}

void Session::business_reject(std::uint64_t ref_seq, std::string_view ref_msg_type,
                              BusinessRejectReason reason, std::string_view text) {
  begin(msg_type::BusinessMessageReject)
      .add_uint(tag::RefSeqNum, ref_seq)
      .add_string(tag::RefMsgType, ref_msg_type)
      .add_enum(tag::BusinessRejectReason, reason)
      .add_string(tag::Text, text);
  send();
}

void Session::logout(std::string_view text) {
  if (!logged_on_ || logout_sent_) return;
  MessageWriter& w = begin(msg_type::Logout);
  if (!text.empty()) w.add_string(tag::Text, text);
  send();
  logout_sent_ = true;
  logout_deadline_ns_ = clock_.mono_ns + std::chrono::nanoseconds(options_.logout_timeout).count();
}

// ---- Rebuilding ----

void Session::restore_sent(std::uint64_t seq, std::string_view message, bool admin,
                           std::uint64_t next_in) {
  store_.append(seq, message, admin);
  next_out_ = seq + 1;
  next_in_ = next_in;
}

void Session::restore_unsendable(std::uint64_t seq, std::uint64_t next_in) {
  // An empty administrative entry: resend() answers it with a gap fill.
  restore_sent(seq, std::string_view(), true, next_in);
}

void Session::send_composed(std::string_view message, std::uint64_t cause) {
  const WriteResult r =
      resequence(message, next_out_, clock_.wall_ns, compose_buffer_, options_.timestamps);
  MATCHGATE_ASSERT(r.ok(), "a composed message did not re-encode");
  sequence(r.message, false, cause);
}

// Layout: u64 next_in, u64 next_out, the store (MessageStore::save).
void Session::save(util::ByteWriter& out) const {
  out.put(next_in_);
  out.put(next_out_);
  store_.save(out);
}

void Session::load(util::ByteReader& in) {
  next_in_ = in.get<std::uint64_t>("next inbound seq");
  next_out_ = in.get<std::uint64_t>("next outbound seq");
  store_.load(in);
}

}  // namespace matchgate::fix
