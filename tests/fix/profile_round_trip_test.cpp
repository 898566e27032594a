// The profile is self-consistent: every kind of message the gateway sends
// (docs/FIX.md, written here with the gateway's MessageWriter and the
// fields, order and values FIX.md lists) passes the gateway's own check,
// as it must pass a member's engine validating with the same dictionary.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "matchgate/fix/field_check.hpp"
#include "matchgate/fix/message.hpp"
#include "matchgate/fix/writer.hpp"

namespace matchgate::fix {
namespace {

const UtcNanos kNow = parse_utc_timestamp("20240315-09:30:01.123456").value;
const UtcNanos kEarlier = parse_utc_timestamp("20240315-09:29:00.000001").value;

class Outbound {
 public:
  MessageWriter& begin(std::string_view type) {
    return w_.begin(type, "MATCHGATE", "MEMBER1", ++seq_, kNow);
  }
  MessageWriter& begin_resent(std::string_view type) {
    return w_.begin_poss_dup(type, "MATCHGATE", "MEMBER1", ++seq_, kNow, kEarlier);
  }

  // Finishes the message and checks it.
  void expect_passes(const std::string& what) {
    const WriteResult r = w_.finish();
    ASSERT_TRUE(r.ok()) << what << ": " << to_string(r.error);
    MessageView view;
    ASSERT_TRUE(view.parse(r.message).ok()) << what;
    const FieldProblem p = check_fields(view, FieldValidation::Strict);
    EXPECT_TRUE(p.ok()) << what << ": " << to_text(p.reason) << ", tag " << p.tag;
    last_ = std::string(r.message);
  }

  const std::string& last() const { return last_; }

 private:
  std::array<char, 1024> buf_{};
  MessageWriter w_{buf_};
  std::uint64_t seq_ = 0;
  std::string last_;
};

TEST(ProfileRoundTrip, SessionMessagesPass) {
  Outbound o;
  o.begin(msg_type::Logon).add_int(tag::EncryptMethod, 0).add_int(tag::HeartBtInt, 30);
  o.expect_passes("Logon");
  o.begin(msg_type::Logon)
      .add_int(tag::EncryptMethod, 0)
      .add_int(tag::HeartBtInt, 0)
      .add_bool(tag::ResetSeqNumFlag, true);
  o.expect_passes("Logon with reset");
  o.begin(msg_type::Heartbeat);
  o.expect_passes("Heartbeat");
  o.begin(msg_type::Heartbeat).add_string(tag::TestReqID, "T-1");
  o.expect_passes("Heartbeat answering a TestRequest");
  o.begin(msg_type::TestRequest).add_string(tag::TestReqID, "TEST");
  o.expect_passes("TestRequest");
  o.begin(msg_type::ResendRequest).add_uint(7, 5).add_uint(16, 0);
  o.expect_passes("ResendRequest");
  o.begin_resent(msg_type::SequenceReset)
      .add_bool(tag::GapFillFlag, true)
      .add_uint(tag::NewSeqNo, 9);
  o.expect_passes("SequenceReset gap fill");
  for (std::string_view text :
       {"heartbeat timeout", "MsgSeqNum too low, expecting 5 but received 3"}) {
    o.begin(msg_type::Logout).add_string(tag::Text, text);
    o.expect_passes("Logout");
  }
}

// Every SessionRejectReason the gateway sends, with RefTagID as the parser
// and the checker report it (0 and -1 included).
TEST(ProfileRoundTrip, RejectsPass) {
  Outbound o;
  for (int reason : {0, 1, 2, 4, 5, 6, 9, 11, 13, 14, 99}) {
    for (Tag ref_tag : {-1, 0, 56, 999}) {
      o.begin(msg_type::Reject)
          .add_uint(tag::RefSeqNum, 7)
          .add_int(tag::RefTagID, ref_tag)
          .add_string(tag::RefMsgType, "D")
          .add_int(tag::SessionRejectReason, reason)
          .add_string(tag::Text, to_text(static_cast<SessionRejectReason>(reason)));
      o.expect_passes("Reject 373=" + std::to_string(reason) + " 371=" + std::to_string(ref_tag));
    }
  }
  o.begin(msg_type::Reject)
      .add_uint(tag::RefSeqNum, 7)
      .add_int(tag::SessionRejectReason, 99)
      .add_string(tag::Text, "too many fields");
  o.expect_passes("Reject without RefTagID and RefMsgType");
  o.begin(msg_type::BusinessMessageReject)
      .add_uint(tag::RefSeqNum, 8)
      .add_string(tag::RefMsgType, "R")
      .add_int(tag::BusinessRejectReason, 3)
      .add_string(tag::Text, "unsupported message type");
  o.expect_passes("BusinessMessageReject");
}

// The ExecutionReport's fields in FIX.md's order; `exec_type` 'F' adds the
// trade's fields.
void execution_report(Outbound& o, char exec_type, char ord_status, std::string_view text = {}) {
  MessageWriter& w = o.begin(msg_type::ExecutionReport)
                         .add_string(tag::OrderID, "281474976710657")
                         .add_string(tag::ClOrdID, "ORD-2")
                         .add_string(tag::OrigClOrdID, "ORD-1")
                         .add_string(tag::ExecID, "562949953421314")
                         .add_char(tag::ExecType, exec_type)
                         .add_char(tag::OrdStatus, ord_status)
                         .add_string(tag::Account, "ACC1")
                         .add_string(tag::Symbol, "XYZ")
                         .add_char(tag::Side, '2')
                         .add_decimal(tag::OrderQty, "100")
                         .add_char(tag::OrdType, '2')
                         .add_decimal(tag::Price, "100.25")
                         .add_char(tag::TimeInForce, '1');
  if (exec_type == 'F') w.add_decimal(tag::LastQty, "40").add_decimal(tag::LastPx, "100.25");
  w.add_decimal(tag::LeavesQty, "60")
      .add_decimal(tag::CumQty, "40")
      .add_decimal(tag::AvgPx, "100.12345678")
      .add_timestamp(tag::TransactTime, kNow);
  if (!text.empty()) w.add_string(tag::Text, text);
  o.expect_passes(std::string("ExecutionReport 150=") + exec_type + " 39=" + ord_status);
}

TEST(ProfileRoundTrip, ExecutionReportsPass) {
  Outbound o;
  execution_report(o, '0', '0');
  execution_report(o, 'F', '1');
  execution_report(o, 'F', '2');
  execution_report(o, '4', '4', "unfilled remainder canceled");
  execution_report(o, '5', '0');
  execution_report(o, 'I', 'A');
  execution_report(o, 'C', 'C', "day order expired");
  // A gateway-decided reject and the answer to a status request for an
  // unknown ClOrdID: the short forms.
  o.begin(msg_type::ExecutionReport)
      .add_string(tag::OrderID, "NONE")
      .add_string(tag::ClOrdID, "ORD-9")
      .add_string(tag::ExecID, "G0-1")
      .add_char(tag::ExecType, '8')
      .add_char(tag::OrdStatus, '8')
      .add_int(tag::OrdRejReason, 1)
      .add_string(tag::Symbol, "NOPE")
      .add_char(tag::Side, '1')
      .add_decimal(tag::OrderQty, "10.00")
      .add_int(tag::LeavesQty, 0)
      .add_int(tag::CumQty, 0)
      .add_int(tag::AvgPx, 0)
      .add_timestamp(tag::TransactTime, kNow)
      .add_string(tag::Text, "unknown symbol");
  o.expect_passes("gateway-decided reject");
  o.begin(msg_type::ExecutionReport)
      .add_string(tag::OrderID, "NONE")
      .add_string(tag::ClOrdID, "ORD-404")
      .add_string(tag::ExecID, "G0-2")
      .add_char(tag::ExecType, 'I')
      .add_char(tag::OrdStatus, '8')
      .add_int(tag::LeavesQty, 0)
      .add_int(tag::CumQty, 0)
      .add_int(tag::AvgPx, 0)
      .add_timestamp(tag::TransactTime, kNow)
      .add_string(tag::Text, "unknown order");
  o.expect_passes("status of an unknown order");
  // Sent again after a ResendRequest.
  std::array<char, 1024> resent{};
  const WriteResult r = make_poss_dup(o.last(), kNow, resent);
  ASSERT_TRUE(r.ok());
  MessageView view;
  ASSERT_TRUE(view.parse(r.message).ok());
  EXPECT_TRUE(check_fields(view, FieldValidation::Strict).ok());
}

TEST(ProfileRoundTrip, OrderCancelRejectsPass) {
  Outbound o;
  for (int reason : {0, 1, 6, 99}) {
    o.begin(msg_type::OrderCancelReject)
        .add_string(tag::OrderID, reason == 1 ? "NONE" : "17")
        .add_string(tag::ClOrdID, "C-1")
        .add_string(tag::OrigClOrdID, "ORD-1")
        .add_char(tag::OrdStatus, reason == 1 ? '8' : '2')
        .add_char(tag::CxlRejResponseTo, reason == 99 ? '2' : '1')
        .add_int(tag::CxlRejReason, reason)
        .add_string(tag::Text, "order already done");
    o.expect_passes("OrderCancelReject 102=" + std::to_string(reason));
  }
}

}  // namespace
}  // namespace matchgate::fix
