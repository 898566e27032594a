// The FIX 4.4 session unit in-process: the session-level test cases of FIX
// 4.4 Volume 2 ("Session Protocol", test cases 1-20), written here from the
// specification, against a fake clock and a sink that records everything
// the session sends. Numbers in test names are the specification's.
#include "matchgate/fix/session.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "fix/fix_test_util.hpp"

namespace matchgate::fix {
namespace {

using testing::make_message;

constexpr std::int64_t kSecond = 1'000'000'000;
// 2024-03-15 09:30:00 UTC, the fake wall clock at the start of every test.
constexpr UtcNanos kT0 = 1'710'495'000 * kSecond;
constexpr std::string_view kNow = "20240315-09:30:00.000";

// A NewOrderSingle body the profile accepts.
std::string order(std::string_view id) {
  return "11=" + std::string(id) + "|55=ACME|54=1|38=1|40=2|44=1|60=20240315-09:30:00.000|";
}

struct Sent {
  std::string bytes;
  Outgoing meta;
  MessageView view;
  std::string type() const { return std::string(view.msg_type()); }
  std::string get(Tag t) const { return std::string(view.get(t)); }
  bool has(Tag t) const { return view.has(t); }
  std::uint64_t seq() const { return view.get_uint(tag::MsgSeqNum).value; }
};

class RecordingSink final : public SessionSink {
 public:
  void on_send(std::uint32_t session_id, const Outgoing& o) override {
    EXPECT_EQ(session_id, 7U);
    auto s = std::make_unique<Sent>();
    s->bytes = std::string(o.bytes);
    s->meta = o;
    s->meta.bytes = s->bytes;
    EXPECT_TRUE(s->view.parse(s->bytes).ok()) << s->bytes;
    sent.push_back(std::move(s));
  }
  std::vector<std::unique_ptr<Sent>> sent;
};

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() : scratch_(session_scratch_bytes(8192)) {
    clock_.mono_ns = 1000 * kSecond;
    clock_.wall_ns = kT0;
    SessionOptions o;
    o.sender_comp_id = "GW";
    o.target_comp_id = "M1";
    o.logout_timeout = std::chrono::seconds(2);
    o.application_types = {"D"};
    session_.emplace(7, o, sink_, clock_, scratch_, metrics_);
  }

  // "35=<type>|49=M1|56=GW|34=<seq>|52=<time>|" + `body`, framed; the time
  // is the fake clock's unless given.
  std::string msg(std::string_view type, std::uint64_t seq, std::string_view body = "",
                  std::string_view time = {}) const {
    char now[kMaxTimestampChars];
    const std::size_t n = format_utc_timestamp(clock_.wall_ns, TimePrecision::Millis, now);
    return make_message("35=" + std::string(type) + "|49=M1|56=GW|34=" + std::to_string(seq) +
                        "|52=" + std::string(time.empty() ? std::string_view(now, n) : time) + "|" +
                        std::string(body));
  }

  // Feeds one frame: parsed, then on_message (or on_malformed).
  std::optional<Verdict> in(const std::string& frame) {
    frame_ = frame;
    const ParseError e = view_.parse(frame_);
    if (!e.ok()) {
      session_->on_malformed(frame_, e);
      return std::nullopt;
    }
    return session_->on_message(view_);
  }

  void logon(std::uint64_t seq = 1, std::string_view extra = "") {
    frame_ = msg("A", seq, "98=0|108=30|" + std::string(extra));
    ASSERT_TRUE(view_.parse(frame_).ok());
    const LogonCheck c = session_->check_logon(view_);
    ASSERT_TRUE(c.ok) << c.refusal;
    ASSERT_EQ(session_->accept_logon(c.request), "");
  }

  // Everything sent since the last call.
  std::vector<const Sent*> out() {
    std::vector<const Sent*> r;
    for (std::size_t i = taken_; i < sink_.sent.size(); ++i) r.push_back(sink_.sent[i].get());
    taken_ = sink_.sent.size();
    return r;
  }

  void advance(std::int64_t ns) {
    clock_.mono_ns += ns;
    clock_.wall_ns += ns;
  }

  SessionClock clock_;
  RecordingSink sink_;
  ops::MetricsRegistry registry_{64};
  ops::MetricGroup group_ = registry_.group("test");
  SessionMetrics metrics_ = SessionMetrics::registered(group_, "M1");
  std::vector<char> scratch_;
  std::optional<Session> session_;
  MessageView view_;
  std::string frame_;
  std::size_t taken_ = 0;
};

// ---- 1: Logon ----

TEST_F(SessionTest, T1a_ValidLogonIsAnsweredWithLogonAndTheSequenceMovesOn) {
  logon();
  const auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->type(), "A");
  EXPECT_EQ(o[0]->get(tag::EncryptMethod), "0");
  EXPECT_EQ(o[0]->get(tag::HeartBtInt), "30");
  EXPECT_EQ(o[0]->get(tag::SenderCompID), "GW");
  EXPECT_EQ(o[0]->get(tag::TargetCompID), "M1");
  EXPECT_EQ(o[0]->seq(), 1U);
  EXPECT_TRUE(o[0]->meta.admin);
  EXPECT_TRUE(session_->logged_on());
  EXPECT_EQ(session_->next_in(), 2U);
  EXPECT_EQ(session_->next_out(), 2U);
}

TEST_F(SessionTest, T1a_LogonWithMsgSeqNumTooHighIsAcceptedThenAResendRequestAsksForTheGap) {
  logon(5);
  const auto o = out();
  ASSERT_EQ(o.size(), 2U);
  EXPECT_EQ(o[0]->type(), "A");
  EXPECT_EQ(o[1]->type(), "2");
  EXPECT_EQ(o[1]->get(tag::BeginSeqNo), "1");
  EXPECT_EQ(o[1]->get(tag::EndSeqNo), "0");
  EXPECT_EQ(session_->next_in(), 1U);
}

TEST_F(SessionTest, T1d_LogonWithInaccurateOrBadSendingTimeIsRefused) {
  for (const char* time : {"20240315-09:32:01.000", "20240315-09:27:59.000", "20010101-00:00:00",
                           "2024031509:30:00"}) {
    const std::string f = msg("A", 1, "98=0|108=30|", time);
    ASSERT_TRUE(view_.parse(f).ok());
    const LogonCheck c = session_->check_logon(view_);
    EXPECT_FALSE(c.ok) << time;
    EXPECT_EQ(c.refusal, "SendingTime accuracy problem") << time;
  }
  const std::string f = msg("A", 1, "98=0|108=30|", "20240315-09:31:59.999");  // 119.999 s
  ASSERT_TRUE(view_.parse(f).ok());
  EXPECT_TRUE(session_->check_logon(view_).ok);
}

TEST_F(SessionTest, T1_LogonWithoutMsgSeqNumOrWithHeartBtIntOutOfRangeIsRefused) {
  std::string f = make_message("35=A|49=M1|56=GW|52=" + std::string(kNow) + "|98=0|108=30|");
  ASSERT_TRUE(view_.parse(f).ok());
  EXPECT_EQ(session_->check_logon(view_).refusal, "MsgSeqNum(34) missing or invalid");
  for (const char* hb : {"-1", "3601", "x"}) {
    f = msg("A", 1, "98=0|108=" + std::string(hb) + "|");
    ASSERT_TRUE(view_.parse(f).ok());
    EXPECT_EQ(session_->check_logon(view_).refusal, "HeartBtInt(108) missing or out of range");
  }
}

TEST_F(SessionTest, T1_LogonBelowTheExpectedNumberIsRefusedWithBothNumbers) {
  logon();
  ASSERT_EQ(in(msg("0", 2)), Verdict::Handled);
  session_->on_disconnect();
  EXPECT_EQ(session_->accept_logon(LogonRequest{2, 30, false}),
            "MsgSeqNum too low, expecting 3 but received 2");
  EXPECT_FALSE(session_->logged_on());
}

TEST_F(SessionTest, T1_LogonWithResetStartsBothSidesAtOneAndForgetsWhatWasSent) {
  logon();
  ASSERT_EQ(in(msg("1", 2, "112=X|")), Verdict::Handled);
  session_->on_disconnect();
  out();
  ASSERT_EQ(session_->accept_logon(LogonRequest{1, 30, true}), "");
  const auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->seq(), 1U);
  EXPECT_EQ(o[0]->get(tag::ResetSeqNumFlag), "Y");
  EXPECT_EQ(session_->store().first_seq(), 1U);
  EXPECT_EQ(session_->store().last_seq(), 1U);
  EXPECT_EQ(session_->next_in(), 2U);
}

// ---- 2: standard header of every message ----

TEST_F(SessionTest, T2a_AnApplicationMessageInSequenceIsHandedUp) {
  logon();
  EXPECT_EQ(in(msg("D", 2, order("A"))), Verdict::Application);
  EXPECT_EQ(session_->next_in(), 3U);
  EXPECT_TRUE(out().size() == 1U);  // the Logon only
}

TEST_F(SessionTest, T2b_MsgSeqNumTooHighAsksForTheGapOnceAndIgnoresTheMessage) {
  logon();
  out();
  EXPECT_EQ(in(msg("D", 5, order("A"))), Verdict::Handled);
  EXPECT_EQ(in(msg("D", 6, order("B"))), Verdict::Handled);
  const auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->type(), "2");
  EXPECT_EQ(o[0]->get(tag::BeginSeqNo), "2");
  EXPECT_EQ(o[0]->get(tag::EndSeqNo), "0");
  EXPECT_EQ(session_->next_in(), 2U);
  // The gap filled, the resent messages are processed in order.
  EXPECT_EQ(in(msg("4", 2, "43=Y|122=" + std::string(kNow) + "|123=Y|36=5|")), Verdict::Handled);
  EXPECT_EQ(in(msg("D", 5, order("A"))), Verdict::Application);
  EXPECT_EQ(in(msg("D", 6, order("B"))), Verdict::Application);
  EXPECT_TRUE(out().empty());
}

TEST_F(SessionTest, T2c_MsgSeqNumTooLowWithoutPossDupIsALogoutNamingBothNumbers) {
  logon();
  ASSERT_EQ(in(msg("0", 2)), Verdict::Handled);
  out();
  EXPECT_EQ(in(msg("0", 1)), Verdict::Handled);
  auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->type(), "5");
  EXPECT_EQ(o[0]->get(tag::Text), "MsgSeqNum too low, expecting 3 but received 1");
  EXPECT_EQ(in(msg("5", 3)), Verdict::Close);
  EXPECT_TRUE(out().empty());  // our Logout was the answer already
}

TEST_F(SessionTest, T2e_PossDupAlreadyReceivedIsIgnoredAndNotYetReceivedIsProcessed) {
  logon();
  ASSERT_EQ(in(msg("D", 2, order("A"))), Verdict::Application);
  out();
  const std::string dup = "43=Y|122=20240315-09:29:59.000|" + order("A");
  EXPECT_EQ(in(msg("D", 2, dup)), Verdict::Handled);
  EXPECT_TRUE(out().empty());
  EXPECT_EQ(in(msg("D", 3, dup)), Verdict::Application);
  EXPECT_EQ(session_->next_in(), 4U);
}

TEST_F(SessionTest, T2f_PossDupWithOrigSendingTimeAfterSendingTimeIsRejectedAndLoggedOut) {
  logon();
  out();
  EXPECT_EQ(in(msg("D", 2, "43=Y|122=20240315-09:30:10.000|11=A|")), Verdict::Handled);
  const auto o = out();
  ASSERT_EQ(o.size(), 2U);
  EXPECT_EQ(o[0]->type(), "3");
  EXPECT_EQ(o[0]->get(tag::RefSeqNum), "2");
  EXPECT_EQ(o[0]->get(tag::RefMsgType), "D");
  EXPECT_EQ(o[0]->get(tag::SessionRejectReason), "10");
  EXPECT_EQ(o[0]->get(tag::Text), "SendingTime accuracy problem");
  EXPECT_EQ(o[1]->type(), "5");
  EXPECT_EQ(session_->next_in(), 3U);  // consumed, not processed
}

TEST_F(SessionTest, T2g_PossDupWithoutOrigSendingTimeIsRejectedAndNotProcessed) {
  logon();
  ASSERT_EQ(in(msg("0", 2)), Verdict::Handled);
  out();
  EXPECT_EQ(in(msg("D", 3, "43=Y|11=A|")), Verdict::Handled);
  auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->type(), "3");
  EXPECT_EQ(o[0]->get(tag::RefSeqNum), "3");
  EXPECT_EQ(o[0]->get(tag::RefTagID), "122");
  EXPECT_EQ(o[0]->get(tag::SessionRejectReason), "1");
  EXPECT_EQ(session_->next_in(), 4U);
  // Below the expected number too: rejected, and the session goes on.
  EXPECT_EQ(in(msg("D", 2, "43=Y|11=A|")), Verdict::Handled);
  o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->get(tag::RefTagID), "122");
  EXPECT_EQ(in(msg("1", 4, "112=HELLO|")), Verdict::Handled);
  o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->type(), "0");
  EXPECT_EQ(o[0]->get(tag::TestReqID), "HELLO");
}

TEST_F(SessionTest, T2k_WrongCompIdIsRejectedLoggedOutAndItsNumberIsUsedUp) {
  logon();
  out();
  const std::string f = make_message("35=D|49=XX|56=GW|34=2|52=" + std::string(kNow) + "|11=A|");
  EXPECT_EQ(in(f), Verdict::Handled);
  const auto o = out();
  ASSERT_EQ(o.size(), 2U);
  EXPECT_EQ(o[0]->type(), "3");
  EXPECT_EQ(o[0]->get(tag::SessionRejectReason), "9");
  EXPECT_EQ(o[0]->get(tag::RefTagID), "49");
  EXPECT_EQ(o[0]->get(tag::Text), "CompID problem");
  EXPECT_EQ(o[1]->type(), "5");
  // Its number is used up: after the Logouts and a reconnect the session
  // does not ask for number 2 again.
  EXPECT_EQ(session_->next_in(), 3U);
  EXPECT_EQ(in(msg("5", 3)), Verdict::Close);
  session_->on_disconnect();
  logon(4);
  const auto again = out();
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0]->type(), "A");
  EXPECT_EQ(session_->next_in(), 5U);
}

TEST_F(SessionTest, T2_MissingTargetCompIdIsRejectedAsRequiredAndTheSessionGoesOn) {
  logon();
  out();
  const std::string f = make_message("35=D|49=M1|34=2|52=" + std::string(kNow) + "|" + order("A"));
  EXPECT_EQ(in(f), Verdict::Handled);
  const auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->type(), "3");
  EXPECT_EQ(o[0]->get(tag::SessionRejectReason), "1");
  EXPECT_EQ(o[0]->get(tag::RefTagID), "56");
  EXPECT_EQ(session_->next_in(), 3U);
  EXPECT_EQ(in(msg("D", 3, order("B"))), Verdict::Application);
}

TEST_F(SessionTest, T2o_SendingTimeTooFarEitherWayIsRejectedThenLoggedOutAndTheAnswerCloses) {
  for (const char* time : {"20240315-09:27:59.000", "20240315-09:32:01.000"}) {
    session_->on_disconnect();
    logon(session_->next_in());
    out();
    const std::uint64_t seq = session_->next_in();
    EXPECT_EQ(in(msg("0", seq, "", time)), Verdict::Handled) << time;
    const auto o = out();
    ASSERT_EQ(o.size(), 2U) << time;
    EXPECT_EQ(o[0]->type(), "3");
    EXPECT_EQ(o[0]->get(tag::SessionRejectReason), "10");
    EXPECT_EQ(o[0]->get(tag::RefMsgType), "0");
    EXPECT_EQ(o[1]->type(), "5");
    EXPECT_EQ(o[1]->get(tag::Text), "SendingTime accuracy problem");
    // The answering Logout likely carries the same bad time: it closes.
    EXPECT_EQ(in(msg("5", seq + 1, "", time)), Verdict::Close) << time;
  }
}

TEST_F(SessionTest, T2q_InvalidMsgTypeIsRejectedWithReason11) {
  logon();
  out();
  EXPECT_EQ(in(msg("ZZ", 2)), Verdict::Handled);
  const auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->get(tag::SessionRejectReason), "11");
  EXPECT_EQ(o[0]->get(tag::RefTagID), "35");
  EXPECT_EQ(o[0]->get(tag::RefMsgType), "ZZ");
  EXPECT_EQ(session_->next_in(), 3U);
}

TEST_F(SessionTest, T2r_AValidButUnsupportedMsgTypeIsHandedUpForABusinessReject) {
  logon();
  EXPECT_EQ(in(msg("R", 2, "131=Q|")), Verdict::Application);
  // A type the profile has only for the other direction: not checked here.
  EXPECT_EQ(in(msg("8", 3, "37=1|")), Verdict::Application);
}

TEST_F(SessionTest, T2i_WrongBeginStringIsALogout) {
  logon();
  out();
  session_->on_wrong_begin_string();
  const auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->type(), "5");
  EXPECT_EQ(o[0]->get(tag::Text), "Incorrect BeginString");
}

TEST_F(SessionTest, T3_MalformedInSequenceIsRejectedAndConsumedOtherwiseDropped) {
  logon();
  out();
  EXPECT_EQ(in(make_message("35=D|49=M1|56=GW|34=2|52=" + std::string(kNow) + "|11=A|11=B|")),
            std::nullopt);
  auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->get(tag::SessionRejectReason), "13");
  EXPECT_EQ(o[0]->get(tag::RefTagID), "11");
  EXPECT_EQ(o[0]->get(tag::RefSeqNum), "2");
  EXPECT_EQ(o[0]->get(tag::RefMsgType), "D");
  EXPECT_EQ(session_->next_in(), 3U);
  EXPECT_EQ(in(make_message("35=D|49=M1|56=GW|34=9|52=" + std::string(kNow) + "|11=A|11=B|")),
            std::nullopt);
  EXPECT_TRUE(out().empty());
  EXPECT_EQ(session_->metrics().garbled.value(), 1U);
}

// ---- 14: fields against the profile ----

TEST_F(SessionTest, T14_FieldsAgainstTheProfileAreRejectedNamingTheTagAndTheSessionGoesOn) {
  logon();
  out();
  const struct {
    std::string body;
    std::string type;
    const char* tag;
    const char* reason;
  } cases[] = {
      {"999=HI|", "0", "999", "0"},                                                     // 14a
      {"55=MSFT|", "0", "55", "2"},                                                     // 14c
      {order("A") + "21=4|", "D", "21", "5"},                                           // 14e
      {"11=A|55=ACME|54=1|38=+1|40=2|44=1|60=20240315-09:30:00.000|", "D", "38", "6"},  // 14f
  };
  std::uint64_t seq = 2;
  for (const auto& c : cases) {
    EXPECT_EQ(in(msg(c.type, seq, c.body)), Verdict::Handled) << c.body;
    const auto o = out();
    ASSERT_EQ(o.size(), 1U) << c.body;
    EXPECT_EQ(o[0]->type(), "3");
    EXPECT_EQ(o[0]->get(tag::RefTagID), c.tag) << c.body;
    EXPECT_EQ(o[0]->get(tag::SessionRejectReason), c.reason) << c.body;
    EXPECT_EQ(o[0]->get(tag::RefSeqNum), std::to_string(seq));
    EXPECT_EQ(o[0]->get(tag::RefMsgType), c.type);
    EXPECT_EQ(session_->next_in(), ++seq);  // consumed, not processed
  }
  // 14g: a header field after the body.
  const std::string late_header =
      make_message("35=D|" + order("A") + "34=6|49=M1|52=" + std::string(kNow) + "|56=GW|");
  EXPECT_EQ(in(late_header), Verdict::Handled);
  const auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->get(tag::SessionRejectReason), "14");
  EXPECT_EQ(o[0]->get(tag::RefTagID), "34");
  EXPECT_EQ(in(msg("D", 7, order("A"))), Verdict::Application);
}

TEST_F(SessionTest, T14_RelaxedIgnoresTagsOutsideTheProfileButStillChecksValues) {
  SessionOptions o = session_->options();
  o.validation = FieldValidation::Relaxed;
  session_.emplace(7, o, sink_, clock_, scratch_, metrics_);
  logon();
  out();
  EXPECT_EQ(in(msg("0", 2, "999=HI|")), Verdict::Handled);
  EXPECT_EQ(in(msg("D", 3, order("A") + "5001=x|")), Verdict::Application);
  EXPECT_TRUE(out().empty());
  EXPECT_EQ(in(msg("D", 4, order("B") + "21=4|")), Verdict::Handled);
  const auto r = out();
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0]->get(tag::SessionRejectReason), "5");
}

TEST_F(SessionTest, T3_ZeroAndMinusOneTagsAreNamedInTheReject) {
  logon();
  out();
  for (const char* t : {"0", "-1"}) {
    const std::uint64_t seq = session_->next_in();
    in(make_message("35=0|49=M1|56=GW|34=" + std::to_string(seq) + "|52=" + std::string(kNow) +
                    "|" + t + "=HI|"));
    const auto o = out();
    ASSERT_EQ(o.size(), 1U);
    EXPECT_EQ(o[0]->get(tag::RefTagID), t);
    EXPECT_EQ(o[0]->get(tag::SessionRejectReason), "0");
  }
}

// ---- 4, 6: heartbeats and TestRequest ----

TEST_F(SessionTest, T4a_NothingSentForHeartBtIntSendsAHeartbeat) {
  logon();
  out();
  advance(29 * kSecond);
  session_->on_timer();
  EXPECT_TRUE(out().empty());
  in(msg("0", 2));
  advance(1 * kSecond);
  session_->on_timer();
  const auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->type(), "0");
  EXPECT_FALSE(o[0]->has(tag::TestReqID));
}

TEST_F(SessionTest, T4b_TestRequestIsAnsweredWithItsIdAndOneWithoutIdIsRejected) {
  logon();
  out();
  in(msg("1", 2, "112=abc|"));
  auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->type(), "0");
  EXPECT_EQ(o[0]->get(tag::TestReqID), "abc");
  in(msg("1", 3));
  o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->type(), "3");
  EXPECT_EQ(o[0]->get(tag::RefTagID), "112");
  EXPECT_EQ(o[0]->get(tag::SessionRejectReason), "1");
}

TEST_F(SessionTest, T6_SilenceGetsATestRequestThenALogoutThenTheConnectionCloses) {
  logon();
  out();
  advance(36 * kSecond);  // 1.2 x 30 s
  EXPECT_EQ(session_->on_timer(), Verdict::Handled);
  auto o = out();
  ASSERT_EQ(o.size(), 2U);  // a Heartbeat is due too
  EXPECT_EQ(o[0]->type(), "0");
  EXPECT_EQ(o[1]->type(), "1");
  advance(30 * kSecond);  // 2.2 x 30 s
  EXPECT_EQ(session_->on_timer(), Verdict::Handled);
  o = out();
  ASSERT_FALSE(o.empty());
  EXPECT_EQ(o.back()->type(), "5");
  EXPECT_EQ(o.back()->get(tag::Text), "heartbeat timeout");
  advance(2 * kSecond);
  EXPECT_EQ(session_->on_timer(), Verdict::Close);
}

TEST_F(SessionTest, T6_AnyMessageWithinTheIntervalKeepsTheSessionUp) {
  logon();
  out();
  for (int i = 0; i < 5; ++i) {
    advance(25 * kSecond);
    in(msg("0", 2 + static_cast<std::uint64_t>(i)));
    session_->on_timer();
  }
  for (const Sent* s : out()) EXPECT_EQ(s->type(), "0");
}

// ---- 7, 8, 10, 11: Reject, resend, SequenceReset ----

TEST_F(SessionTest, T7_ARejectFromTheCounterpartyIsCountedAndNotAnswered) {
  logon();
  out();
  EXPECT_EQ(in(msg("3", 2, "45=1|373=99|")), Verdict::Handled);
  // Never a Reject of a Reject, whatever it lacks (it could go back and forth).
  EXPECT_EQ(in(msg("3", 3, "45=1|")), Verdict::Handled);
  EXPECT_TRUE(out().empty());
  EXPECT_EQ(session_->metrics().rejects_received.value(), 2U);
}

TEST_F(SessionTest, T8_ResendSendsApplicationMessagesAgainAndGapFillsSessionMessages) {
  logon();  // 1: Logon (admin)
  session_->begin("8").add_string(tag::ClOrdID, "A");
  session_->send(41);  // 2
  session_->begin("0");
  session_->send();  // 3 (admin)
  session_->begin("0");
  session_->send();  // 4 (admin)
  session_->begin("8").add_string(tag::ClOrdID, "B");
  session_->send();  // 5
  const std::string original = sink_.sent[1]->bytes;
  EXPECT_EQ(sink_.sent[1]->meta.cause, 41U);
  out();
  advance(5 * kSecond);
  in(msg("2", 2, "7=1|16=0|"));
  const auto o = out();
  ASSERT_EQ(o.size(), 4U);
  EXPECT_EQ(o[0]->type(), "4");  // 1 -> 2
  EXPECT_EQ(o[0]->seq(), 1U);
  EXPECT_EQ(o[0]->get(tag::NewSeqNo), "2");
  EXPECT_EQ(o[0]->get(tag::GapFillFlag), "Y");
  EXPECT_EQ(o[0]->get(tag::PossDupFlag), "Y");
  EXPECT_TRUE(o[0]->has(tag::OrigSendingTime));
  EXPECT_EQ(o[1]->type(), "8");
  EXPECT_EQ(o[1]->seq(), 2U);
  EXPECT_EQ(o[1]->get(tag::PossDupFlag), "Y");
  EXPECT_EQ(o[1]->get(tag::OrigSendingTime), "20240315-09:30:00.000");
  EXPECT_EQ(o[1]->get(tag::SendingTime), "20240315-09:30:05.000");
  EXPECT_EQ(o[1]->get(tag::ClOrdID), "A");
  EXPECT_EQ(o[2]->type(), "4");  // 3, 4 -> 5, merged
  EXPECT_EQ(o[2]->seq(), 3U);
  EXPECT_EQ(o[2]->get(tag::NewSeqNo), "5");
  EXPECT_EQ(o[3]->get(tag::ClOrdID), "B");
  for (const Sent* s : o) EXPECT_TRUE(s->meta.resent);
  EXPECT_EQ(session_->next_out(), 6U);  // nothing sequenced anew
}

TEST_F(SessionTest, T8_ResendRequestWithoutBoundsIsRejected) {
  logon();
  out();
  in(msg("2", 2, "7=1|"));
  const auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->get(tag::RefTagID), "16");
  EXPECT_EQ(o[0]->get(tag::SessionRejectReason), "1");
}

TEST_F(SessionTest, T10_GapFillMovesTheExpectedNumberAndOneBackwardsIsRejected) {
  logon();
  const std::string t = "43=Y|122=" + std::string(kNow) + "|123=Y|";
  EXPECT_EQ(in(msg("4", 2, t + "36=20|")), Verdict::Handled);
  EXPECT_EQ(session_->next_in(), 20U);
  out();
  EXPECT_EQ(in(msg("4", 20, t + "36=15|")), Verdict::Handled);
  const auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->get(tag::SessionRejectReason), "5");
  EXPECT_EQ(o[0]->get(tag::RefTagID), "36");
}

TEST_F(SessionTest, T11_SequenceResetResetModeMovesTheNumberWhateverItsOwnSeqAndNeverBack) {
  logon();
  EXPECT_EQ(in(msg("4", 99, "36=10|")), Verdict::Handled);
  EXPECT_EQ(session_->next_in(), 10U);
  EXPECT_EQ(in(msg("4", 1, "36=10|")), Verdict::Handled);  // equal: nothing to do
  EXPECT_EQ(session_->next_in(), 10U);
  out();
  EXPECT_EQ(in(msg("4", 1, "36=5|")), Verdict::Handled);
  const auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->get(tag::SessionRejectReason), "5");
  EXPECT_EQ(session_->next_in(), 10U);
}

// ---- 13: Logout; session reset ----

TEST_F(SessionTest, T13a_OurLogoutClosesWhenAnsweredOrAfterTheTimeout) {
  logon();
  out();
  session_->logout("bye");
  EXPECT_EQ(session_->on_timer(), Verdict::Handled);
  advance(2 * kSecond);
  EXPECT_EQ(session_->on_timer(), Verdict::Close);
}

TEST_F(SessionTest, T13b_AnUnsolicitedLogoutIsAnsweredAndCloses) {
  logon();
  out();
  EXPECT_EQ(in(msg("5", 2)), Verdict::Close);
  const auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->type(), "5");
}

TEST_F(SessionTest, LogonWithResetDuringALiveSessionRestartsBothSidesAtOne) {
  logon();
  for (std::uint64_t s = 2; s <= 9; ++s) in(msg("0", s));
  in(msg("1", 10, "112=1|"));
  out();
  EXPECT_EQ(in(msg("A", 1, "98=0|108=30|141=Y|")), Verdict::Handled);
  auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->type(), "A");
  EXPECT_EQ(o[0]->seq(), 1U);
  EXPECT_EQ(o[0]->get(tag::ResetSeqNumFlag), "Y");
  in(msg("1", 2, "112=2|"));
  o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->type(), "0");
  EXPECT_EQ(o[0]->seq(), 2U);
}

TEST_F(SessionTest, ASecondLogonWithoutResetIsALogout) {
  logon();
  out();
  in(msg("A", 2, "98=0|108=30|"));
  const auto o = out();
  ASSERT_EQ(o.size(), 1U);
  EXPECT_EQ(o[0]->get(tag::Text), "Logon received while logged on");
}

// ---- Rebuilding ----

TEST_F(SessionTest, ReplayedMessagesAreNeitherSequencedNorStoredAndRestoredOnesAreResent) {
  session_->begin_replay();
  session_->begin("8").add_string(tag::ClOrdID, "A");
  session_->send(99);
  ASSERT_EQ(sink_.sent.size(), 1U);
  EXPECT_TRUE(sink_.sent[0]->meta.replayed);
  EXPECT_EQ(sink_.sent[0]->meta.cause, 99U);
  EXPECT_EQ(session_->next_out(), 1U);
  const std::string original = msg("8", 1, "11=A|");  // as if logged
  session_->restore_sent(1, original, false, 4);
  session_->end_replay();
  EXPECT_EQ(session_->next_out(), 2U);
  EXPECT_EQ(session_->next_in(), 4U);
  out();
  logon(4);
  in(msg("2", 5, "7=1|16=1|"));
  const auto o = out();
  ASSERT_EQ(o.size(), 2U);
  EXPECT_EQ(o[1]->get(tag::ClOrdID), "A");
  EXPECT_EQ(o[1]->get(tag::PossDupFlag), "Y");
}

TEST_F(SessionTest, SaveAndLoadKeepNumbersAndTheStore) {
  logon();
  session_->begin("8").add_string(tag::ClOrdID, "A");
  session_->send();
  std::vector<std::byte> bytes;
  util::ByteWriter w(bytes);
  session_->save(w);
  RecordingSink other_sink;
  SessionClock other_clock = clock_;
  std::vector<char> other_scratch(session_scratch_bytes(8192));
  Session copy(7, session_->options(), other_sink, other_clock, other_scratch);
  util::ByteReader r(bytes);
  copy.load(r);
  EXPECT_EQ(r.remaining(), 0U);
  EXPECT_EQ(copy.next_in(), session_->next_in());
  EXPECT_EQ(copy.next_out(), session_->next_out());
  EXPECT_EQ(copy.store().message(2), session_->store().message(2));
}

}  // namespace
}  // namespace matchgate::fix
