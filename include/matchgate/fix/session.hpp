#pragma once
// One FIX 4.4 session with one counterparty (philadelphia's FIXConnection is
// the model): the session owns the inbound and outbound sequence numbers,
// heartbeats and TestRequests, resend and gap fill, the checks of the
// standard header (CompIDs, SendingTime accuracy, PossDup rules), field
// validation against the profile (field_check.hpp), and logout. It answers session messages
// itself and hands only application messages up, as the verdict of
// on_message(); everything it sequences leaves through one narrow
// SessionSink. It knows no sockets, no log and no orders: the caller owns
// the connection and the clock, so a test drives it with a fake clock and a
// recording sink. docs/FIX.md "Session" is the member-facing description.
//
// One thread owns a session and everything here runs on it; no call
// allocates once the store has grown to its bound.
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "matchgate/fix/enums.hpp"
#include "matchgate/fix/field_check.hpp"
#include "matchgate/fix/message.hpp"
#include "matchgate/fix/message_store.hpp"
#include "matchgate/fix/tags.hpp"
#include "matchgate/fix/value.hpp"
#include "matchgate/fix/writer.hpp"
#include "matchgate/ops/metrics.hpp"
#include "matchgate/util/byte_io.hpp"
#include "matchgate/util/clock.hpp"

namespace matchgate::fix {

// Both clocks, read by the session and advanced by its owner (once per duty
// cycle in the gateway; by hand in tests): mono_ns for the timers, wall_ns
// for SendingTime and its accuracy check.
using SessionClock = util::ThreadClock;

struct SessionOptions {
  std::string sender_comp_id;  // ours: SenderCompID(49) of what we send
  std::string target_comp_id;  // the counterparty's
  // SendingTime(52) further than this from our clock: Reject 373=10, Logout.
  std::chrono::seconds max_sending_time_skew{120};
  TimePrecision timestamps = TimePrecision::Millis;
  FieldValidation validation = FieldValidation::Strict;
  // The application message types the counterparty may send, whose fields
  // are checked against the profile; other types go up unchecked (for a
  // BusinessMessageReject).
  std::vector<std::string> application_types;
  std::chrono::milliseconds logout_timeout{2000};
  std::uint32_t max_heartbeat_s = 3600;
  std::size_t store_bytes = std::size_t{64} << 20;  // MessageStore capacity
  // Fault the store's memory in at construction rather than on the order
  // path (MessageStore's prefault).
  bool store_prefault = false;
};

// A message leaving the session.
struct Outgoing {
  std::string_view bytes;
  std::uint64_t seq = 0;      // its MsgSeqNum
  std::uint64_t next_in = 0;  // the inbound number expected at the time
  std::uint64_t cause = 0;    // what the application said caused it; 0 for none
  bool admin = false;         // a session message: gap-filled on resend
  // Sent again in answer to a ResendRequest (PossDupFlag=Y, or a gap fill):
  // not sequenced anew, not stored, nothing to log.
  bool resent = false;
  // Composed while the session is being rebuilt (begin_replay()): not
  // sequenced, not stored; the sink decides whether it was ever sent.
  bool replayed = false;
};

// Where everything the session sends goes: in the gateway, the outbound
// path (log, hold until durable, send on the member's connection). One
// call per message.
class SessionSink {
 public:
  virtual void on_send(std::uint32_t session_id, const Outgoing& message) = 0;

 protected:
  ~SessionSink() = default;
};

// What became of an inbound message.
enum class Verdict : std::uint8_t {
  Handled,      // a session message, answered or ignored as the rules say
  Application,  // in sequence and valid: the caller processes it
  Close,        // the session is over: close the connection now
};

// A Logon's fields, checked (check_logon) before the caller authenticates.
struct LogonRequest {
  std::uint64_t seq = 0;
  std::int64_t heartbeat_s = 0;
  bool reset = false;
};
struct LogonCheck {
  bool ok = false;
  std::string_view refusal;  // Text(58) of the refusing Logout
  LogonRequest request;
};

// The session's counters in the metrics registry (docs/METRICS.md), labelled
// with the counterparty; unregistered handles count nowhere.
struct SessionMetrics {
  ops::Counter messages_in;
  ops::Counter messages_out;
  ops::Counter rejects_sent;
  ops::Counter rejects_received;
  ops::Counter resend_requests_sent;
  ops::Counter resend_requests_received;
  ops::Counter garbled;  // framed but unparsable, or out of sequence and malformed
  // Registers them in `group` (the owning thread's) for counterparty `member`.
  static SessionMetrics registered(ops::MetricGroup& group, std::string_view member);
};

class Session {
 public:
  // `scratch` (shared by the sessions of one thread) holds the message
  // being composed and one being resent: at least twice the largest
  // message plus room for the fields a resend adds.
  Session(std::uint32_t id, SessionOptions options, SessionSink& sink, const SessionClock& clock,
          std::span<char> scratch, SessionMetrics metrics = {});

  // ---- Logon (the caller owns authentication) ----
  // The session rules a Logon must pass, before the password is checked.
  LogonCheck check_logon(const MessageView& logon) const noexcept;
  // After authentication: sequence checks, the answering Logon (and a
  // ResendRequest when messages are missing). Empty when logged on,
  // otherwise the Text(58) to refuse with.
  std::string accept_logon(const LogonRequest& request);

  // ---- Inbound, logged on ----
  Verdict on_message(const MessageView& m);
  // A frame that is well framed but does not parse: a Reject if its
  // MsgSeqNum is the expected one (it is then consumed), otherwise ignored.
  void on_malformed(std::string_view frame, const ParseError& error);
  // A message whose BeginString is not ours: Logout, then close.
  void on_wrong_begin_string();
  void on_garbled() noexcept { metrics_.garbled.inc(); }

  // Heartbeats, TestRequest, heartbeat timeout, Logout timeout. Close when
  // the connection should go.
  Verdict on_timer();
  // The connection ended (either side).
  void on_disconnect() noexcept;

  // ---- Outbound: application messages, and session messages the
  // application asks for ----
  // Starts a message with the standard header and the next MsgSeqNum.
  MessageWriter& begin(std::string_view msg_type) noexcept;
  // Finishes it, stores it for resend, and hands it to the sink.
  void send(std::uint64_t cause = 0);
  // The message the last send() finished, as sent (or, replaying, as
  // composed). A view into the thread's shared scratch: valid only until
  // any session of the thread begins another message.
  std::string_view last_composed() const noexcept { return last_composed_; }
  // Reject(3). `ref_tag` kNoTag leaves RefTagID out.
  void reject(std::uint64_t ref_seq, std::string_view ref_msg_type, Tag ref_tag,
              SessionRejectReason reason, std::string_view text);
  void business_reject(std::uint64_t ref_seq, std::string_view ref_msg_type,
                       BusinessRejectReason reason, std::string_view text);
  // Logout with `text`; the connection closes when the counterparty's
  // Logout arrives or after the logout timeout.
  void logout(std::string_view text);

  // ---- Rebuilding from a log or a snapshot (before the session runs) ----
  // While replaying, send() hands messages to the sink marked `replayed`
  // without sequencing or storing them; their `seq` is the MsgSeqNum they
  // carry (the next one, as the log has restored them so far).
  void begin_replay() noexcept { replaying_ = true; }
  void end_replay() noexcept { replaying_ = false; }
  // A message the log says was sent as `seq`.
  void restore_sent(std::uint64_t seq, std::string_view message, bool admin, std::uint64_t next_in);
  // A message the log says was sent as `seq` but whose text cannot be
  // restored (a regenerated report that does not match what was sent): a
  // resend of it is a gap fill, never a message that differs.
  void restore_unsendable(std::uint64_t seq, std::uint64_t next_in);
  // After replay: a message composed earlier but never sent (its record
  // never reached the log) goes out now under the next MsgSeqNum and a new
  // SendingTime, every other field as composed.
  void send_composed(std::string_view message, std::uint64_t cause);
  // The counterparty's message `seq` was processed.
  void restore_received(std::uint64_t seq) noexcept { next_in_ = seq + 1; }
  // Snapshot: sequence numbers and the message store.
  void save(util::ByteWriter& out) const;
  void load(util::ByteReader& in);

  // ---- State ----
  std::uint32_t id() const noexcept { return id_; }
  bool logged_on() const noexcept { return logged_on_; }
  std::uint64_t next_in() const noexcept { return next_in_; }
  std::uint64_t next_out() const noexcept { return next_out_; }
  const MessageStore& store() const noexcept { return store_; }
  const SessionMetrics& metrics() const noexcept { return metrics_; }
  const SessionOptions& options() const noexcept { return options_; }

 private:
  enum class Check : std::uint8_t { Pass, Stop };
  Check check_header(const MessageView& m, std::uint64_t seq);
  Check check_poss_dup(const MessageView& m, std::uint64_t seq);
  Check check_sequence(const MessageView& m, std::uint64_t seq);
  bool validated(std::string_view type) const noexcept;
  Verdict dispatch(const MessageView& m, std::uint64_t seq);
  Verdict on_logon_while_logged_on(const MessageView& m, std::uint64_t seq);
  void on_sequence_reset(const MessageView& m, std::uint64_t seq, bool gap_fill);
  void on_resend_request(const MessageView& m, std::uint64_t seq);
  void resend(std::uint64_t from, std::uint64_t to);
  void send_gap_fill(std::uint64_t seq, std::uint64_t new_seq);
  void ask_for_resend();
  // A message that breaks a rule: consumed if it is the expected one, then
  // a Reject (and a Logout when `fatal`).
  void refuse(const MessageView& m, std::uint64_t seq, Tag tag, SessionRejectReason reason,
              bool fatal);
  void consume(std::uint64_t seq) noexcept;
  void note_received() noexcept;
  // SendingTime within max_sending_time_skew of our clock, either way.
  bool accurate(UtcNanos sending_time) const noexcept;
  // Stores `message` under the next MsgSeqNum and hands it to the sink.
  void sequence(std::string_view message, bool admin, std::uint64_t cause);
  void reset_sequences() noexcept;
  void mark_logged_on(const LogonRequest& request) noexcept;
  void hand_to_sink(std::string_view bytes, std::uint64_t seq, bool admin, std::uint64_t cause,
                    bool resent);

  std::uint32_t id_;
  SessionOptions options_;
  SessionSink& sink_;
  const SessionClock& clock_;
  std::span<char> compose_buffer_;
  std::span<char> resend_buffer_;
  MessageWriter writer_;
  MessageStore store_;
  SessionMetrics metrics_;
  bool writing_admin_ = false;
  std::string_view last_composed_;
  bool replaying_ = false;
  bool logged_on_ = false;
  std::uint64_t next_in_ = 1;
  std::uint64_t next_out_ = 1;
  std::int64_t heartbeat_ns_ = 0;
  std::int64_t last_sent_ns_ = 0;
  std::int64_t last_received_ns_ = 0;
  bool test_request_sent_ = false;
  std::uint64_t resend_until_ = 0;  // a ResendRequest is outstanding up to this seq
  bool logout_sent_ = false;
  std::int64_t logout_deadline_ns_ = 0;
};

// Bytes of scratch a Session needs for messages up to `max_message_bytes`.
std::size_t session_scratch_bytes(std::size_t max_message_bytes) noexcept;

}  // namespace matchgate::fix
