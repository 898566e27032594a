#include "matchgate/fix/field_check.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fix/fix_test_util.hpp"
#include "matchgate/fix/message.hpp"

namespace matchgate::fix {
namespace {

using testing::make_message;

constexpr auto kStrict = FieldValidation::Strict;
constexpr auto kRelaxed = FieldValidation::Relaxed;

// A member's header, as QuickFIX's acceptance scripts write it.
std::string header(std::string_view msg_type, int seq = 2) {
  return "35=" + std::string(msg_type) + "|34=" + std::to_string(seq) +
         "|49=TW44|52=20240315-09:30:01.123|56=ISLD|";
}

const std::string kNewOrder = header("D") +
                              "11=ID|21=1|40=1|54=1|38=002000.00|55=INTC|"
                              "60=20240315-09:30:01|";

FieldProblem check(std::string_view body_pipes, FieldValidation v = kStrict) {
  const std::string m = make_message(body_pipes);
  MessageView view;
  const ParseError e = view.parse(m);
  EXPECT_TRUE(e.ok()) << "test message does not parse: " << to_string(e.code) << " " << e.ref_tag;
  return check_fields(view, v);
}

void expect_problem(std::string_view body, SessionRejectReason reason, Tag tag,
                    FieldValidation v = kStrict) {
  const FieldProblem p = check(body, v);
  EXPECT_FALSE(p.ok()) << body;
  EXPECT_EQ(p.reason, reason) << body << ": " << to_text(p.reason);
  EXPECT_EQ(p.tag, tag) << body;
}

TEST(CheckFields, ProfileMessagesPass) {
  for (FieldValidation v : {kStrict, kRelaxed}) {
    EXPECT_TRUE(check(header("0"), v).ok());
    EXPECT_TRUE(check(header("0") + "112=TEST|", v).ok());
    EXPECT_TRUE(check(kNewOrder, v).ok());
    EXPECT_TRUE(check(testing::new_order_body(), v).ok());
    EXPECT_TRUE(check(header("A", 1) + "98=0|108=30|141=Y|554=demo-pass-1|", v).ok());
    EXPECT_TRUE(check(header("4") + "43=Y|122=20240315-09:30:00|123=Y|36=9|", v).ok());
    EXPECT_TRUE(check(header("3") + "45=7|371=-1|372=0|373=0|58=Invalid tag number|", v).ok());
  }
}

// QuickFIX 14a: tags outside the profile are invalid tag numbers, whether
// FIX 4.4 has them (167 SecurityType, 50 SenderSubID) or not (999, the user
// ranges).
TEST(CheckFields, TagsOutsideTheProfileAreInvalidTagNumbers) {
  for (Tag t : {999, 5000, 9999, 10000, 20000, 167, 20, 957}) {
    const std::string tag = std::to_string(t);
    expect_problem(header("0") + tag + "=HI|", SessionRejectReason::InvalidTagNumber, t);
  }
  expect_problem(kNewOrder + "167=CS|", SessionRejectReason::InvalidTagNumber, 167);
  // A standard header field the profile lacks, where header fields go.
  expect_problem("35=0|49=TW44|50=DESK1|56=ISLD|34=2|52=20240315-09:30:01|",
                 SessionRejectReason::InvalidTagNumber, 50);
}

// QuickFIX 14c.
TEST(CheckFields, ProfileTagsOfOtherMessageTypesAreNotDefinedForTheType) {
  expect_problem(header("0") + "55=MSFT|", SessionRejectReason::TagNotDefinedForMessageType, 55);
  expect_problem(kNewOrder + "554=secret|", SessionRejectReason::TagNotDefinedForMessageType, 554);
  expect_problem(header("F") + "11=C1|41=ID|21=1|",
                 SessionRejectReason::TagNotDefinedForMessageType, 21);
  // Header and trailer fields belong to every type.
  EXPECT_TRUE(check(header("0") + "43=N|97=N|").ok());
}

// QuickFIX 14f, and the syntax of every type the profile uses.
TEST(CheckFields, ValuesMustHaveTheirTypesFormat) {
  const auto bad = SessionRejectReason::IncorrectDataFormat;
  const std::string d = header("D") + "11=ID|40=2|54=1|55=INTC|60=20240315-09:30:01|";
  for (std::string_view qty : {"+200.00", "2e3", "1.", ".5", "1.2.3", "--1", "1,000", " 1"}) {
    expect_problem(d + "44=1|38=" + std::string(qty) + "|", bad, tag::OrderQty);
  }
  EXPECT_TRUE(check(d + "44=-0.25|38=007|").ok());
  expect_problem(d + "38=1|44=12" + "x|", bad, tag::Price);
  expect_problem(header("H") + "11=ID|54=12|", bad, tag::Side);             // CHAR
  expect_problem(header("0") + "43=X|", bad, tag::PossDupFlag);             // BOOLEAN
  expect_problem("35=0|34=-2|49=A|52=20240315-09:30:01|56=B|", bad, 34);    // SEQNUM
  expect_problem(header("2") + "7=1|16=+0|", bad, 16);                      // SEQNUM
  expect_problem(header("A", 1) + "98=0|108=3O|", bad, tag::HeartBtInt);    // INT
  expect_problem(header("3") + "45=1|371=1.0|373=0|", bad, tag::RefTagID);  // INT
  expect_problem("35=0|34=2|49=A|52=2024-03-15T09:30:01|56=B|", bad, 52);   // UTCTIMESTAMP
  expect_problem(header("D") + "11=ID|40=2|54=1|55=INTC|38=1|44=1|60=20241315-09:30:01|", bad,
                 tag::TransactTime);  // month 13
}

// QuickFIX 14e.
TEST(CheckFields, EnumeratedFieldsTakeOnlyTheirValues) {
  const auto wrong = SessionRejectReason::ValueIncorrect;
  expect_problem(header("D") + "11=ID|21=4|40=1|54=1|38=2000|55=INTC|60=20240315-09:30:01|", wrong,
                 21);
  for (std::string_view side : {"3", "0", "B"}) {
    expect_problem(header("H") + "11=ID|54=" + std::string(side) + "|", wrong, tag::Side);
  }
  expect_problem(header("A", 1) + "98=1|108=30|", wrong, tag::EncryptMethod);
  expect_problem(header("A", 1) + "98=0|108=30|141=y|", SessionRejectReason::IncorrectDataFormat,
                 tag::ResetSeqNumFlag);
  for (std::string_view handl_inst : {"1", "2", "3"}) {
    EXPECT_TRUE(
        check(header("G") + "11=B|41=A|21=" + std::string(handl_inst) + "|38=5|44=1|").ok());
  }
}

// QuickFIX 14b, and what the session layer leaves to this check.
TEST(CheckFields, FirstAbsentRequiredFieldHeaderFirst) {
  const auto missing = SessionRejectReason::RequiredTagMissing;
  expect_problem("35=0|34=2|49=TW44|52=20240315-09:30:01|", missing, tag::TargetCompID);
  expect_problem("35=0|34=2|56=ISLD|52=20240315-09:30:01|", missing, tag::SenderCompID);
  expect_problem("35=0|49=TW44|56=ISLD|52=20240315-09:30:01|", missing, tag::MsgSeqNum);
  expect_problem("35=0|34=2|49=TW44|56=ISLD|", missing, tag::SendingTime);
  expect_problem(
      "35=D|49=TW44|34=3|56=ISLD|52=20240315-09:30:01|40=1|60=20240315-09:30:01|54=1|"
      "21=3|",
      missing, tag::ClOrdID);
  // The gateway's order on a NewOrderSingle: 11, 55, 54, 38, 40, 60. With
  // all of them absent, then each added in turn, the Reject names the next.
  std::string present = "21=1|";
  for (std::string_view field :
       {"11=ID|", "55=INTC|", "54=1|", "38=10|", "40=1|", "60=20240315-09:30:01|"}) {
    const Tag t = std::stoi(std::string(field.substr(0, field.find('='))));
    expect_problem(header("D") + present, missing, t);
    present += field;
  }
  EXPECT_TRUE(check(header("D") + present).ok());
  expect_problem(header("G") + "38=5|44=1|", missing, tag::ClOrdID);
  expect_problem(header("G") + "11=B|38=5|44=1|", missing, tag::OrigClOrdID);
  expect_problem(header("G") + "11=B|41=A|", missing, tag::OrderQty);
  expect_problem(header("1"), missing, tag::TestReqID);
  expect_problem(header("2") + "16=0|", missing, 7);
  expect_problem(header("4") + "123=Y|", missing, tag::NewSeqNo);
  expect_problem("35=0|34=2|49=TW44|", missing, tag::TargetCompID);  // several missing
}

// QuickFIX 14g; 15 for header fields in another order.
TEST(CheckFields, HeaderFieldAfterTheBodyIsOutOfOrder) {
  const auto order = SessionRejectReason::TagSpecifiedOutOfRequiredOrder;
  expect_problem(
      "35=D|11=id|21=3|40=1|54=1|55=MSFT|60=20240315-09:30:01|38=1|34=2|49=TW44|"
      "52=20240315-09:30:01|56=ISLD|",
      order, tag::MsgSeqNum);
  expect_problem(
      "35=D|55=MSFT|34=3|49=TW44|52=20240315-09:30:01|56=ISLD|11=id|21=3|40=1|54=1|38=1|"
      "60=20240315-09:30:01|",
      order, tag::MsgSeqNum);
  // A header field the profile lacks is still a header field.
  expect_problem(header("0") + "112=T|50=DESK|", order, 50);
  EXPECT_TRUE(check("35=D|49=TW44|34=3|56=ISLD|52=20240315-09:30:01|40=1|55=MSFT|"
                    "60=20240315-09:30:01|54=1|21=3|11=id|38=1|")
                  .ok());
}

TEST(CheckFields, FirstProblemWins) {
  // Per field, in message order.
  expect_problem(header("H") + "11=ID|54=3|999=X|", SessionRejectReason::ValueIncorrect, tag::Side);
  expect_problem(header("H") + "11=ID|999=X|54=3|", SessionRejectReason::InvalidTagNumber, 999);
  expect_problem(header("0") + "55=a|38=x|", SessionRejectReason::TagNotDefinedForMessageType, 55);
  // A field problem before a missing required field.
  expect_problem(header("H") + "54=3|", SessionRejectReason::ValueIncorrect, tag::Side);
  // A header field out of place before everything else.
  expect_problem(header("H") + "11=ID|54=3|999=X|43=N|",
                 SessionRejectReason::TagSpecifiedOutOfRequiredOrder, tag::PossDupFlag);
}

TEST(CheckFields, RelaxedIgnoresUnknownTagsButNotValues) {
  EXPECT_TRUE(check(header("0") + "999=HI|5000=HI|10000=HI|55=MSFT|", kRelaxed).ok());
  EXPECT_TRUE(check(kNewOrder + "167=CS|554=x|", kRelaxed).ok());
  // Ignored tags do not open the body either.
  EXPECT_TRUE(
      check("35=0|49=TW44|999=X|50=DESK1|56=ISLD|34=2|52=20240315-09:30:01|", kRelaxed).ok());
  EXPECT_TRUE(check("35=0|49=TW44|55=MSFT|56=ISLD|34=2|52=20240315-09:30:01|", kRelaxed).ok());
  expect_problem("35=0|49=TW44|55=MSFT|56=ISLD|34=2|52=20240315-09:30:01|",
                 SessionRejectReason::TagSpecifiedOutOfRequiredOrder, tag::TargetCompID);
  expect_problem(header("D") + "11=ID|40=1|54=1|38=+200.00|55=INTC|60=20240315-09:30:01|",
                 SessionRejectReason::IncorrectDataFormat, tag::OrderQty, kRelaxed);
  expect_problem(header("D") + "11=ID|21=4|40=1|54=1|38=1|55=INTC|60=20240315-09:30:01|",
                 SessionRejectReason::ValueIncorrect, 21, kRelaxed);
  expect_problem("35=0|34=2|49=TW44|52=20240315-09:30:01|", SessionRejectReason::RequiredTagMissing,
                 tag::TargetCompID, kRelaxed);
}

TEST(CheckFields, MessageTypesOutsideTheProfile) {
  for (std::string_view t :
       {"0", "1", "2", "3", "4", "5", "A", "D", "F", "G", "H", "8", "9", "j"}) {
    EXPECT_TRUE(in_profile(t)) << t;
  }
  for (std::string_view t : {"R", "E", "AE", "", "d", "DD", "6"}) EXPECT_FALSE(in_profile(t)) << t;
  expect_problem(header("R") + "131=Q1|", SessionRejectReason::InvalidMsgType, tag::MsgType);
}

TEST(CheckFields, StandardTexts) {
  EXPECT_EQ(to_text(SessionRejectReason::InvalidTagNumber), "Invalid tag number");
  EXPECT_EQ(to_text(SessionRejectReason::RequiredTagMissing), "Required tag missing");
  EXPECT_EQ(to_text(SessionRejectReason::TagNotDefinedForMessageType),
            "Tag not defined for this message type");
  EXPECT_EQ(to_text(SessionRejectReason::UndefinedTag), "Undefined Tag");
  EXPECT_EQ(to_text(SessionRejectReason::TagSpecifiedWithoutValue),
            "Tag specified without a value");
  EXPECT_EQ(to_text(SessionRejectReason::ValueIncorrect),
            "Value is incorrect (out of range) for this tag");
  EXPECT_EQ(to_text(SessionRejectReason::IncorrectDataFormat), "Incorrect data format for value");
  EXPECT_EQ(to_text(SessionRejectReason::CompIdProblem), "CompID problem");
  EXPECT_EQ(to_text(SessionRejectReason::SendingTimeAccuracyProblem),
            "SendingTime accuracy problem");
  EXPECT_EQ(to_text(SessionRejectReason::InvalidMsgType), "Invalid MsgType");
  EXPECT_EQ(to_text(SessionRejectReason::TagAppearsMoreThanOnce), "Tag appears more than once");
  EXPECT_EQ(to_text(SessionRejectReason::TagSpecifiedOutOfRequiredOrder),
            "Tag specified out of required order");
  EXPECT_EQ(to_text(SessionRejectReason::Other), "Other");
}

}  // namespace
}  // namespace matchgate::fix
