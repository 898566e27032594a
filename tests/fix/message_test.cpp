#include "matchgate/fix/message.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "fix/fix_test_util.hpp"
#include "matchgate/fix/framer.hpp"

namespace matchgate::fix {
namespace {

using testing::make_message;
using testing::soh;

// Framed first, so that failures below come from the parser and not from
// a malformed test message. The view points into `m`: keep it alive.
ParseError parse_framed(MessageView& view, const std::string& m) {
  const FrameResult r = frame_message(m);
  EXPECT_EQ(r.status, FrameStatus::Complete) << m;
  EXPECT_EQ(r.length, m.size());
  return view.parse(m);
}

TEST(MessageView, ParsesNewOrderSingle) {
  const std::string m = make_message(testing::new_order_body());
  MessageView v;
  ASSERT_TRUE(parse_framed(v, m).ok());
  EXPECT_EQ(v.raw(), m);
  EXPECT_EQ(v.begin_string(), "FIX.4.4");
  EXPECT_EQ(v.msg_type(), msg_type::NewOrderSingle);
  EXPECT_EQ(v.size(), 17u);
  EXPECT_EQ(v.fields()[0].tag, tag::BeginString);
  EXPECT_EQ(v.fields()[1].tag, tag::BodyLength);
  EXPECT_EQ(v.fields()[2].tag, tag::MsgType);
  EXPECT_EQ(v.fields()[16].tag, tag::CheckSum);

  EXPECT_EQ(v.get(tag::SenderCompID), "MEMBER01");
  EXPECT_EQ(v.get(tag::TargetCompID), "MATCHGATE");
  EXPECT_EQ(v.get(tag::ClOrdID), "ORD-000123");
  EXPECT_EQ(v.get(tag::Symbol), "XYZ");
  EXPECT_EQ(v.get_uint(tag::MsgSeqNum).value, 1042u);
  EXPECT_EQ(v.get_int(tag::OrderQty).value, 100);
  EXPECT_EQ(v.get_char(tag::Side).value, '1');
  EXPECT_EQ(v.get_char(tag::OrdType).value, '2');
  EXPECT_EQ(v.get_decimal(tag::Price).value, "101.25");
  // 2024-03-15 is day 19797 since the epoch.
  EXPECT_EQ(v.get_timestamp(tag::SendingTime).value,
            (19797LL * 86400 + 9 * 3600 + 30 * 60 + 1) * 1'000'000'000LL + 123'456'000LL);
  EXPECT_EQ(v.get_timestamp(tag::TransactTime).value,
            (19797LL * 86400 + 9 * 3600 + 30 * 60 + 1) * 1'000'000'000LL + 123'000'000LL);

  EXPECT_FALSE(v.has(tag::Text));
  EXPECT_EQ(v.get(tag::Text), "");
  EXPECT_EQ(v.get_int(tag::Text).error, ValueError::Missing);
  EXPECT_EQ(v.get_string(tag::Text).error, ValueError::Missing);
  EXPECT_EQ(v.get_int(tag::Symbol).error, ValueError::BadFormat);
  EXPECT_FALSE(v.has(0));
  EXPECT_FALSE(v.has(-1));
  EXPECT_FALSE(v.has(100000));
}

TEST(MessageView, HighTagsAreFoundAndChecked) {
  MessageView v;
  const std::string m = make_message("35=D|1023=a|1024=b|5000=c|999999999=d|");
  ASSERT_TRUE(parse_framed(v, m).ok());
  EXPECT_EQ(v.get(1023), "a");
  EXPECT_EQ(v.get(1024), "b");
  EXPECT_EQ(v.get(5000), "c");
  EXPECT_EQ(v.get(999999999), "d");
  EXPECT_FALSE(v.has(5001));

  const ParseError e = parse_framed(v, make_message("35=D|5000=c|55=X|5000=d|"));
  EXPECT_EQ(e.code, ParseErrorCode::DuplicateTag);
  EXPECT_EQ(e.ref_tag, 5000);
  EXPECT_EQ(e.reason, SessionRejectReason::TagAppearsMoreThanOnce);
}

// Repeating groups (of messages the gateway itself sends, parsed again to
// be resent): every occurrence in fields(), the first one by get().
TEST(MessageView, ParseWithRepeatsKeepsEveryOccurrence) {
  MessageView v;
  const std::string m = make_message("35=AP|702=2|703=SOD|704=1|703=FIN|704=3|5000=a|5000=b|");
  EXPECT_EQ(v.parse(m).code, ParseErrorCode::DuplicateTag);
  ASSERT_TRUE(v.parse_with_repeats(m).ok());
  EXPECT_EQ(v.get(703), "SOD");
  EXPECT_EQ(v.get(704), "1");
  EXPECT_EQ(v.get(5000), "a");
  std::string pos_types;
  for (const Field& f : v.fields()) {
    if (f.tag == 703) pos_types += std::string(f.value) + ",";
  }
  EXPECT_EQ(pos_types, "SOD,FIN,");
  // Reused for a message without those tags: nothing of them is left.
  ASSERT_TRUE(v.parse(make_message("35=0|")).ok());
  EXPECT_FALSE(v.has(703));
  EXPECT_FALSE(v.has(5000));
}

TEST(MessageView, ReuseForgetsPreviousMessage) {
  MessageView v;
  const std::string first = make_message("35=D|55=X|5000=c|");
  const std::string second = make_message("35=0|112=T|");
  ASSERT_TRUE(parse_framed(v, first).ok());
  ASSERT_TRUE(parse_framed(v, second).ok());
  EXPECT_FALSE(v.has(55));
  EXPECT_FALSE(v.has(5000));
  EXPECT_EQ(v.get(112), "T");
  EXPECT_EQ(v.msg_type(), "0");
  // A failed parse leaves nothing behind either.
  EXPECT_FALSE(parse_framed(v, make_message("35=0|112=T|112=U|")).ok());
  EXPECT_EQ(v.size(), 0u);
  EXPECT_FALSE(v.has(112));
  EXPECT_EQ(v.msg_type(), "");
}

struct BadCase {
  const char* body;
  ParseErrorCode code;
  Tag ref_tag;
  bool has_ref_tag;
  SessionRejectReason reason;
};

TEST(MessageView, StructuralErrorsCarryTagAndReason) {
  constexpr auto kInvalidTag = SessionRejectReason::InvalidTagNumber;
  const BadCase cases[] = {
      {"35=D|55=|", ParseErrorCode::EmptyValue, 55, true,
       SessionRejectReason::TagSpecifiedWithoutValue},
      {"35=|", ParseErrorCode::EmptyValue, 35, true, SessionRejectReason::TagSpecifiedWithoutValue},
      // A tag text that is no number has no RefTagID to name...
      {"35=D|5a=1|", ParseErrorCode::InvalidTag, 0, false, kInvalidTag},
      {"35=D|=1|", ParseErrorCode::InvalidTag, 0, false, kInvalidTag},
      {"35=D|-=1|", ParseErrorCode::InvalidTag, 0, false, kInvalidTag},
      {"35=D|1234567890=X|", ParseErrorCode::InvalidTag, 0, false, kInvalidTag},
      // ...one that is a number, valid or not, is named by it (371=0, 371=-5).
      {"35=D|-5=1|", ParseErrorCode::InvalidTag, -5, true, kInvalidTag},
      {"35=D|0=1|", ParseErrorCode::InvalidTag, 0, true, kInvalidTag},
      {"35=D|00=1|", ParseErrorCode::InvalidTag, 0, true, kInvalidTag},
      {"35=D|055=X|", ParseErrorCode::InvalidTag, 55, true, kInvalidTag},
      {"35=D|55|", ParseErrorCode::MissingDelimiter, 55, true,
       SessionRejectReason::IncorrectDataFormat},
      {"35=D|55=X|55=Y|", ParseErrorCode::DuplicateTag, 55, true,
       SessionRejectReason::TagAppearsMoreThanOnce},
      {"35=D|35=D|", ParseErrorCode::DuplicateTag, 35, true,
       SessionRejectReason::TagAppearsMoreThanOnce},
      {"35=D|8=FIX.4.4|", ParseErrorCode::DuplicateTag, 8, true,
       SessionRejectReason::TagAppearsMoreThanOnce},
      {"49=M|35=D|", ParseErrorCode::OutOfOrder, 35, true,
       SessionRejectReason::TagSpecifiedOutOfRequiredOrder},
      {"35=D|10=000|55=X|", ParseErrorCode::OutOfOrder, 10, true,
       SessionRejectReason::TagSpecifiedOutOfRequiredOrder},
  };
  MessageView v;
  for (const BadCase& c : cases) {
    const ParseError e = parse_framed(v, make_message(c.body));
    EXPECT_FALSE(e.ok()) << c.body;
    EXPECT_EQ(e.code, c.code) << c.body << ": " << to_string(e.code);
    EXPECT_EQ(e.ref_tag, c.ref_tag) << c.body;
    EXPECT_EQ(e.has_ref_tag, c.has_ref_tag) << c.body;
    EXPECT_EQ(e.reason, c.reason) << c.body;
  }
}

// QuickFIX's acceptance test 14a sends these on a Heartbeat and expects
// Rejects naming them: 371=0 and 371=-1.
TEST(MessageView, TagsThatAreNumbersButNoTagNumbersAreNamed) {
  MessageView v;
  const std::string zero = make_message("35=0|34=3|49=TW|52=20240315-09:30:01|56=ISLD|0=HI|");
  const ParseError e0 = parse_framed(v, zero);
  EXPECT_EQ(e0.reason, SessionRejectReason::InvalidTagNumber);
  EXPECT_TRUE(e0.has_ref_tag);
  EXPECT_EQ(e0.ref_tag, 0);
  const std::string minus = make_message("35=0|34=4|49=TW|52=20240315-09:30:01|56=ISLD|-1=HI|");
  const ParseError e1 = parse_framed(v, minus);
  EXPECT_EQ(e1.reason, SessionRejectReason::InvalidTagNumber);
  EXPECT_TRUE(e1.has_ref_tag);
  EXPECT_EQ(e1.ref_tag, -1);
}

TEST(MessageView, MsgTypeNotThirdIsGarbled) {
  MessageView v;
  const ParseError e = parse_framed(v, make_message("49=M|35=D|"));
  EXPECT_TRUE(e.garbled());
  const ParseError no_body = parse_framed(v, make_message(""));
  EXPECT_EQ(no_body.code, ParseErrorCode::MissingMsgType);
  EXPECT_EQ(no_body.ref_tag, tag::MsgType);
  EXPECT_TRUE(no_body.garbled());
  // A field error after a good MsgType is rejectable, not garbled.
  EXPECT_FALSE(parse_framed(v, make_message("35=D|55=|")).garbled());
}

TEST(MessageView, HeaderOrderEnforcedOnUnframedInput) {
  MessageView v;
  ParseError e = v.parse(soh("9=5|8=FIX.4.4|35=0|10=163|"));
  EXPECT_EQ(e.code, ParseErrorCode::OutOfOrder);
  EXPECT_EQ(e.ref_tag, tag::BeginString);
  e = v.parse(soh("8=FIX.4.4|35=0|9=5|10=163|"));
  EXPECT_EQ(e.code, ParseErrorCode::OutOfOrder);
  EXPECT_EQ(e.ref_tag, tag::BodyLength);
  EXPECT_TRUE(e.garbled());
  e = v.parse("");
  EXPECT_EQ(e.code, ParseErrorCode::OutOfOrder);
  EXPECT_EQ(e.ref_tag, tag::BeginString);
}

TEST(MessageView, MissingFinalDelimiter) {
  MessageView v;
  const ParseError e = v.parse(soh("8=FIX.4.4|9=5|35=0|10=163"));
  EXPECT_EQ(e.code, ParseErrorCode::MissingDelimiter);
  EXPECT_EQ(e.ref_tag, tag::CheckSum);
  const ParseError no_eq = v.parse(soh("8=FIX.4.4|9=5|35=0|10"));
  EXPECT_EQ(no_eq.code, ParseErrorCode::MissingDelimiter);
  EXPECT_EQ(no_eq.ref_tag, tag::CheckSum);
  const ParseError no_trailer = v.parse(soh("8=FIX.4.4|9=5|35=0|"));
  EXPECT_EQ(no_trailer.code, ParseErrorCode::MissingCheckSum);
  EXPECT_EQ(no_trailer.reason, SessionRejectReason::RequiredTagMissing);
}

std::string body_with_fields(int count) {
  std::string body = "35=D|";
  for (int i = 0; i < count; ++i) body += std::to_string(2000 + i) + "=v|";
  return body;
}

TEST(MessageView, FieldCapacity) {
  MessageView v;
  // 8, 9, 35 and 10 plus 124 others is exactly the capacity.
  const std::string full = make_message(body_with_fields(124));
  ASSERT_TRUE(parse_framed(v, full).ok());
  EXPECT_EQ(v.size(), MessageView::kMaxFields);
  EXPECT_EQ(v.get(2123), "v");
  const ParseError e = parse_framed(v, make_message(body_with_fields(125)));
  EXPECT_EQ(e.code, ParseErrorCode::TooManyFields);
  EXPECT_EQ(e.ref_tag, tag::CheckSum);
  EXPECT_EQ(e.reason, SessionRejectReason::Other);
}

TEST(MessageView, TenKilobyteValue) {
  const std::string text(10 * 1024, 'x');
  MessageView v;
  const std::string m = make_message("35=B|58=" + text + "|");
  ASSERT_TRUE(parse_framed(v, m).ok());
  EXPECT_EQ(v.get(tag::Text), text);
}

TEST(MessageView, ParseReadsOnlyTheGivenBytes) {
  // An exactly sized heap copy lets ASan catch reads past the end.
  const std::string m = soh("8=FIX.4.4|9=5|35=0|10=163");
  auto copy = std::make_unique<char[]>(m.size());
  std::copy(m.begin(), m.end(), copy.get());
  MessageView v;
  EXPECT_FALSE(v.parse(std::string_view(copy.get(), m.size())).ok());
}

TEST(ParseErrorCode, HasNames) {
  EXPECT_EQ(to_string(ParseErrorCode::DuplicateTag), "tag appears more than once");
}

}  // namespace
}  // namespace matchgate::fix
