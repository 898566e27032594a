#include "matchgate/fix/writer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "fix/fix_test_util.hpp"
#include "matchgate/fix/framer.hpp"
#include "matchgate/fix/message.hpp"

namespace matchgate::fix {
namespace {

using testing::make_message;
using testing::soh;

const UtcNanos kT0 = parse_utc_timestamp("20240315-09:30:01.123456789").value;
const UtcNanos kT1 = parse_utc_timestamp("20240315-09:31:00.000001").value;

TEST(MessageWriter, HeartbeatMatchesIndependentEncoding) {
  std::array<char, 256> buf{};
  MessageWriter w(buf);
  const WriteResult r = w.begin(msg_type::Heartbeat, "GATE", "M1", 7, kT0).finish();
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(r.message, make_message("35=0|49=GATE|56=M1|34=7|52=20240315-09:30:01.123456|"));
  EXPECT_GE(r.message.data(), buf.data());
  EXPECT_LE(r.message.data() + r.message.size(), buf.data() + buf.size());
}

TEST(MessageWriter, KnownShortMessage) {
  // The 5-byte body "35=0|" gives "8=FIX.4.4|9=5|35=0|" whose bytes sum to
  // 931, checksum 931 mod 256 = 163 (itemised in framer_test).
  std::array<char, 64> buf{};
  MessageWriter w(buf);
  const WriteResult r = w.begin_custom("0").finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.message, soh("8=FIX.4.4|9=5|35=0|10=163|"));
}

TEST(MessageWriter, RoundTripThroughFramerAndParser) {
  std::array<char, 512> buf{};
  MessageWriter w(buf);
  w.begin(msg_type::ExecutionReport, "MATCHGATE", "MEMBER01", 123456789012ULL, kT0)
      .add_string(tag::OrderID, "1000017")
      .add_string(tag::ClOrdID, "ORD-000123")
      .add_string(tag::ExecID, "2000042")
      .add_char(tag::ExecType, 'F')
      .add_char(tag::OrdStatus, '1')
      .add_string(tag::Symbol, "XYZ")
      .add_char(tag::Side, '1')
      .add_decimal(tag::OrderQty, "100")
      .add_decimal(tag::Price, "101.25")
      .add_decimal(tag::LastQty, "40")
      .add_decimal(tag::LastPx, "-0.5")
      .add_decimal(tag::LeavesQty, "60")
      .add_decimal(tag::CumQty, "40")
      .add_decimal(tag::AvgPx, ".5")
      .add_int(tag::OrdRejReason, -42)
      .add_int(5001, std::numeric_limits<std::int64_t>::min())
      .add_uint(5002, std::numeric_limits<std::uint64_t>::max())
      .add_bool(tag::PossResend, false)
      .add_timestamp(tag::TransactTime, kT0)
      .add_timestamp(tag::OrigSendingTime, kT1, TimePrecision::Millis)
      .add_string(tag::Text, "partially filled = ok");
  const WriteResult r = w.finish();
  ASSERT_TRUE(r.ok()) << to_string(r.error);

  const FrameResult f = frame_message(r.message);
  ASSERT_EQ(f.status, FrameStatus::Complete) << to_string(f.reason);
  EXPECT_EQ(f.length, r.message.size());
  MessageView v;
  const ParseError e = v.parse(r.message);
  ASSERT_TRUE(e.ok()) << to_string(e.code) << " " << e.ref_tag;

  EXPECT_EQ(v.msg_type(), msg_type::ExecutionReport);
  EXPECT_EQ(v.get(tag::SenderCompID), "MATCHGATE");
  EXPECT_EQ(v.get(tag::TargetCompID), "MEMBER01");
  EXPECT_EQ(v.get_uint(tag::MsgSeqNum).value, 123456789012ULL);
  EXPECT_EQ(v.get_timestamp(tag::SendingTime).value, kT0 - 789);  // microseconds on the wire
  EXPECT_EQ(v.get(tag::OrderID), "1000017");
  EXPECT_EQ(v.get_char(tag::ExecType).value, 'F');
  EXPECT_EQ(v.get_decimal(tag::Price).value, "101.25");
  EXPECT_EQ(v.get_decimal(tag::LastPx).value, "-0.5");
  EXPECT_EQ(v.get_int(tag::OrdRejReason).value, -42);
  EXPECT_EQ(v.get_int(5001).value, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(v.get_uint(5002).value, std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(v.get_bool(tag::PossResend).value);
  EXPECT_TRUE(v.get_bool(tag::PossResend).ok());
  EXPECT_EQ(v.get_timestamp(tag::TransactTime).value, kT0 - 789);
  EXPECT_EQ(v.get(tag::OrigSendingTime), "20240315-09:31:00.000");
  EXPECT_EQ(v.get(tag::Text), "partially filled = ok");
  // Header order as written.
  const std::vector<Tag> expected_head = {8, 9, 35, 49, 56, 34, 52, 37};
  for (std::size_t i = 0; i < expected_head.size(); ++i)
    EXPECT_EQ(v.fields()[i].tag, expected_head[i]);
  EXPECT_EQ(v.get_uint(tag::BodyLength).value, r.message.size() - r.message.find("35=") - 7);
}

TEST(MessageWriter, ReusableForConsecutiveMessages) {
  std::array<char, 256> buf{};
  MessageWriter w(buf);
  const std::string first(w.begin("0", "A", "B", 1, kT0).finish().message);
  const WriteResult second =
      w.begin("1", "A", "B", 2, kT0).add_string(tag::TestReqID, "T").finish();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first, make_message("35=0|49=A|56=B|34=1|52=20240315-09:30:01.123456|"));
  EXPECT_EQ(second.message, make_message("35=1|49=A|56=B|34=2|52=20240315-09:30:01.123456|112=T|"));
}

TEST(MessageWriter, PrecisionAndBeginStringAreConfigurable) {
  std::array<char, 256> buf{};
  MessageWriter w(buf, "FIXT.1.1", TimePrecision::Millis);
  const WriteResult r = w.begin("0", "A", "B", 1, kT0).finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.message, make_message("35=0|49=A|56=B|34=1|52=20240315-09:30:01.123|", "FIXT.1.1"));
}

TEST(MessageWriter, PossDupHeader) {
  std::array<char, 256> buf{};
  MessageWriter w(buf);
  const WriteResult r =
      w.begin_poss_dup("8", "A", "B", 5, kT1, kT0).add_string(tag::OrderID, "9").finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.message, make_message("35=8|49=A|56=B|34=5|43=Y|52=20240315-09:31:00.000001|"
                                    "122=20240315-09:30:01.123456|37=9|"));
}

TEST(MessageWriter, ValueErrors) {
  std::array<char, 256> buf{};
  MessageWriter w(buf);
  struct Case {
    WriteError expected;
    WriteResult result;
  };
  const Case cases[] = {
      {WriteError::EmptyValue, w.begin("D", "A", "B", 1, kT0).add_string(tag::Symbol, "").finish()},
      {WriteError::EmptyValue, w.begin("", "A", "B", 1, kT0).finish()},
      {WriteError::EmptyValue, w.begin("D", "", "B", 1, kT0).finish()},
      {WriteError::ValueContainsSoh,
       w.begin("D", "A", "B", 1, kT0).add_string(tag::Text, soh("a|b")).finish()},
      {WriteError::ValueContainsSoh,
       w.begin("D", "A", "B", 1, kT0).add_char(tag::Side, '\x01').finish()},
      {WriteError::InvalidTag, w.begin("D", "A", "B", 1, kT0).add_int(0, 1).finish()},
      {WriteError::InvalidTag, w.begin("D", "A", "B", 1, kT0).add_int(-3, 1).finish()},
      {WriteError::BadValue, w.begin("D", "A", "B", 1, -1).finish()},
      {WriteError::NotStarted, w.finish()},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.result.error, c.expected) << to_string(c.expected);
    EXPECT_TRUE(c.result.message.empty());
  }
  MessageWriter fresh(buf);
  EXPECT_EQ(fresh.add_int(tag::Price, 1).error(), WriteError::NotStarted);
}

TEST(MessageWriter, DecimalSyntax) {
  std::array<char, 256> buf{};
  MessageWriter w(buf);
  for (const char* good : {"0", "100", "-1.5", "0.25", ".5", "5.", "-.5", "00012.3400"}) {
    EXPECT_TRUE(w.begin_custom("D").add_decimal(tag::Price, good).finish().ok()) << good;
  }
  for (const char* bad : {"-", ".", "-.", "1.2.3", "1,5", "1e5", "+1", " 1", "abc", "1-"}) {
    EXPECT_EQ(w.begin_custom("D").add_decimal(tag::Price, bad).finish().error, WriteError::BadValue)
        << bad;
  }
  EXPECT_EQ(w.begin_custom("D").add_decimal(tag::Price, "").finish().error, WriteError::EmptyValue);
}

TEST(MessageWriter, ErrorsAreStickyUntilBegin) {
  std::array<char, 256> buf{};
  MessageWriter w(buf);
  w.begin("D", "A", "B", 1, kT0).add_string(tag::Symbol, "");
  const std::size_t size = w.body_size();
  w.add_string(tag::Text, "more");
  EXPECT_EQ(w.body_size(), size);
  EXPECT_EQ(w.error(), WriteError::EmptyValue);
  EXPECT_TRUE(w.begin("0", "A", "B", 2, kT0).ok());
  EXPECT_TRUE(w.finish().ok());
}

TEST(MessageWriter, OverflowNeverWritesPastTheEnd) {
  // The same message into every buffer size from 0 to comfortably enough,
  // inside a larger array whose tail must stay untouched.
  constexpr char kGuard = '\x5a';
  std::array<char, 512> big{};
  big.fill(kGuard);
  std::string reference;
  {
    MessageWriter w(big);
    reference = std::string(w.begin("8", "A", "B", 1, kT0)
                                .add_string(tag::Text, std::string(100, 't'))
                                .finish()
                                .message);
  }
  std::size_t smallest_ok = 0;
  for (std::size_t size = 0; size < 256; ++size) {
    big.fill(kGuard);
    MessageWriter w(std::span<char>(big.data(), size));
    const WriteResult r =
        w.begin("8", "A", "B", 1, kT0).add_string(tag::Text, std::string(100, 't')).finish();
    for (std::size_t i = size; i < big.size(); ++i)
      ASSERT_EQ(big[i], kGuard) << "size " << size << " byte " << i;
    if (r.ok()) {
      if (smallest_ok == 0) smallest_ok = size;
      EXPECT_EQ(r.message, reference);
    } else {
      EXPECT_EQ(r.error, WriteError::Overflow) << size;
      EXPECT_EQ(smallest_ok, 0u) << "failed at " << size << " after succeeding at " << smallest_ok;
    }
  }
  ASSERT_NE(smallest_ok, 0u);
  // The header slot costs at most the digits of a BodyLength the buffer
  // could never need.
  EXPECT_LE(smallest_ok, reference.size() + 1);
}

TEST(MakePossDup, RewritesHeaderAndKeepsBody) {
  std::array<char, 512> buf{};
  MessageWriter w(buf);
  const std::string original(w.begin(msg_type::ExecutionReport, "GATE", "M1", 42, kT0)
                                 .add_string(tag::OrderID, "17")
                                 .add_char(tag::ExecType, '0')
                                 .add_string(5000, "high")
                                 .finish()
                                 .message);
  std::array<char, 512> out{};
  const WriteResult r = make_poss_dup(original, kT1, out);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(r.message,
            make_message("35=8|43=Y|52=20240315-09:31:00.000001|122=20240315-09:30:01.123456|"
                         "49=GATE|56=M1|34=42|37=17|150=0|5000=high|"));

  // Resending the resend keeps the first original time.
  const std::string once(r.message);
  std::array<char, 512> out2{};
  const UtcNanos t2 = kT1 + 60 * 1'000'000'000LL;
  const WriteResult again = make_poss_dup(once, t2, out2);
  ASSERT_TRUE(again.ok());
  MessageView v;
  ASSERT_TRUE(v.parse(again.message).ok());
  EXPECT_EQ(v.get(tag::OrigSendingTime), "20240315-09:30:01.123456");
  EXPECT_EQ(v.get_timestamp(tag::SendingTime).value, t2);
  EXPECT_TRUE(v.get_bool(tag::PossDupFlag).value);
  EXPECT_EQ(v.get_uint(tag::MsgSeqNum).value, 42u);
}

TEST(MakePossDup, Failures) {
  std::array<char, 512> out{};
  EXPECT_EQ(make_poss_dup(std::string_view("garbage"), kT1, out).error, WriteError::BadOriginal);
  EXPECT_EQ(make_poss_dup(make_message("35=0|"), kT1, out).error,
            WriteError::BadOriginal);  // no 52
  std::array<char, 40> small{};
  EXPECT_EQ(make_poss_dup(make_message("35=0|52=20240101-00:00:00|"), kT1, small).error,
            WriteError::Overflow);
}

TEST(Resequence, NewNumberAndTimeSameBody) {
  std::array<char, 512> buf{};
  MessageWriter w(buf);
  const std::string original(w.begin(msg_type::ExecutionReport, "GATE", "M1", 42, kT0)
                                 .add_string(tag::OrderID, "17")
                                 .add_char(tag::ExecType, 'F')
                                 .add_string(5000, "high")
                                 .finish()
                                 .message);
  std::array<char, 512> out{};
  const WriteResult r = resequence(original, 1234, kT1, out);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  // Body length and checksum are those of the new content (make_message
  // computes both).
  EXPECT_EQ(r.message, make_message("35=8|49=GATE|56=M1|34=1234|52=20240315-09:31:00.000001|"
                                    "37=17|150=F|5000=high|"));
}

// A message with a repeating group (PositionReport's NoPositions) is resent
// and resequenced with every entry, in order.
TEST(Resequence, KeepsRepeatingGroups) {
  std::array<char, 512> buf{};
  MessageWriter w(buf);
  const std::string original(w.begin(msg_type::PositionReport, "GATE", "M1", 42, kT0)
                                 .add_uint(tag::NoPositions, 2)
                                 .add_string(tag::PosType, "SOD")
                                 .add_int(tag::LongQty, 1)
                                 .add_string(tag::PosType, "FIN")
                                 .add_int(tag::LongQty, 3)
                                 .finish()
                                 .message);
  std::array<char, 512> out{};
  const WriteResult r = resequence(original, 7, kT1, out);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(r.message, make_message("35=AP|49=GATE|56=M1|34=7|52=20240315-09:31:00.000001|"
                                    "702=2|703=SOD|704=1|703=FIN|704=3|"));
  std::array<char, 512> dup{};
  const WriteResult d = make_poss_dup(original, kT1, dup);
  ASSERT_TRUE(d.ok()) << to_string(d.error);
  EXPECT_EQ(d.message,
            make_message("35=AP|43=Y|52=20240315-09:31:00.000001|122=20240315-09:30:01.123456|"
                         "49=GATE|56=M1|34=42|702=2|703=SOD|704=1|703=FIN|704=3|"));
}

TEST(Resequence, Failures) {
  std::array<char, 512> out{};
  EXPECT_EQ(resequence(std::string_view("garbage"), 1, kT1, out).error, WriteError::BadOriginal);
  EXPECT_EQ(resequence(make_message("35=0|52=20240101-00:00:00|"), 1, kT1, out).error,
            WriteError::BadOriginal);  // no 34
  std::array<char, 40> small{};
  EXPECT_EQ(resequence(make_message("35=0|34=1|52=20240101-00:00:00|"), 7, kT1, small).error,
            WriteError::Overflow);
}

}  // namespace
}  // namespace matchgate::fix
