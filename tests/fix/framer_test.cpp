#include "matchgate/fix/framer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fix/fix_test_util.hpp"

namespace matchgate::fix {
namespace {

using testing::make_message;
using testing::new_order_body;
using testing::soh;

// "8=FIX.4.4|9=5|35=0|" sums to 545 + 172 + 214 = 931 = 3 * 256 + 163.
//   8=FIX.4.4|  56+61+70+73+88+46+52+46+52+1 = 545
//   9=5|        57+61+53+1                   = 172
//   35=0|       51+53+61+48+1                = 214
// BodyLength is the 5 bytes of "35=0|".
const std::string kHeartbeat = soh("8=FIX.4.4|9=5|35=0|10=163|");

FrameResult frame(std::string_view s, const FrameConfig& cfg = {}) {
  return frame_message(s, cfg);
}

TEST(Checksum, KnownMessageComputedByHand) {
  EXPECT_EQ(checksum(soh("8=FIX.4.4|9=5|35=0|")), 163);
  const FrameResult r = frame(kHeartbeat);
  EXPECT_EQ(r.status, FrameStatus::Complete);
  EXPECT_EQ(r.length, kHeartbeat.size());
}

TEST(Checksum, MatchesByteSumForEveryLengthAndAlignment) {
  std::string s;
  for (int i = 0; i < 300; ++i) s.push_back(static_cast<char>(i * 37 + 11));
  for (std::size_t off = 0; off < 9; ++off) {
    for (std::size_t len = 0; off + len <= s.size(); ++len) {
      const std::string_view part = std::string_view(s).substr(off, len);
      ASSERT_EQ(checksum(part), testing::byte_sum(part)) << off << " " << len;
    }
  }
}

TEST(Framer, EmptyBufferNeedsMore) {
  EXPECT_EQ(frame("").status, FrameStatus::NeedMore);
}

TEST(Framer, EveryPrefixNeedsMoreUntilComplete) {
  const std::vector<std::string> messages = {
      kHeartbeat,
      make_message(new_order_body()),
      make_message("35=A|49=M|56=G|34=1|52=20240101-00:00:00|98=0|108=30|141=Y|554=secret|"),
      soh("8=FIX.4.4|9=005|35=0|10=003|"),
  };
  for (const std::string& m : messages) {
    ASSERT_EQ(frame(m).status, FrameStatus::Complete) << m;
    for (std::size_t cut = 0; cut < m.size(); ++cut) {
      const FrameResult r = frame(std::string_view(m).substr(0, cut));
      ASSERT_EQ(r.status, FrameStatus::NeedMore) << "cut at " << cut << " of " << m;
      EXPECT_EQ(r.length, 0u);
    }
    const FrameResult r = frame(m);
    EXPECT_EQ(r.length, m.size());
  }
}

TEST(Framer, BackToBackMessagesInOneBuffer) {
  const std::string a = kHeartbeat;
  const std::string b = make_message(new_order_body());
  const std::string c = make_message("35=1|49=M|56=G|34=3|52=20240101-00:00:00|112=TEST|");
  std::string stream = a + b + c + b.substr(0, 40);
  std::string_view rest = stream;
  std::vector<std::size_t> lengths;
  for (;;) {
    const FrameResult r = frame(rest);
    if (r.status != FrameStatus::Complete) {
      EXPECT_EQ(r.status, FrameStatus::NeedMore);
      break;
    }
    lengths.push_back(r.length);
    rest.remove_prefix(r.length);
  }
  EXPECT_EQ(lengths, (std::vector<std::size_t>{a.size(), b.size(), c.size()}));
  EXPECT_EQ(rest.size(), 40u);
}

TEST(Framer, LeadingZerosInBodyLength) {
  // "9=005|" adds 48+48 over "9=5|": 163 + 96 = 259 -> 3.
  const std::string m = soh("8=FIX.4.4|9=005|35=0|10=003|");
  const FrameResult r = frame(m);
  EXPECT_EQ(r.status, FrameStatus::Complete);
  EXPECT_EQ(r.length, m.size());
}

TEST(Framer, BodyLengthTooShort) {
  const std::string m = testing::with_trailer(soh("8=FIX.4.4|9=4|35=0|"));
  const FrameResult r = frame(m);
  EXPECT_EQ(r.status, FrameStatus::Garbled);
  EXPECT_EQ(r.reason, GarbleReason::BodyLengthMismatch);
  EXPECT_EQ(r.length, m.size());  // no other "8=FIX" in it
}

TEST(Framer, BodyLengthTooLong) {
  const std::string m = testing::with_trailer(soh("8=FIX.4.4|9=6|35=0|"));
  // Reported as soon as the byte where "10=" should start has arrived.
  EXPECT_EQ(frame(m).status, FrameStatus::Garbled);
  EXPECT_EQ(frame(m).reason, GarbleReason::BodyLengthMismatch);
  // A long length that points past what arrived waits, the usual FIX hazard.
  const std::string far = testing::with_trailer(soh("8=FIX.4.4|9=60|35=0|"));
  EXPECT_EQ(frame(far).status, FrameStatus::NeedMore);
  // ...until the next message lands where the trailer should be.
  const FrameResult r = frame(far + kHeartbeat + kHeartbeat);
  EXPECT_EQ(r.status, FrameStatus::Garbled);
  EXPECT_EQ(r.reason, GarbleReason::BodyLengthMismatch);
  EXPECT_EQ(r.length, far.size());
}

TEST(Framer, BodyLengthHuge) {
  for (const char* m : {"8=FIX.4.4|9=99999999|35=0|", "8=FIX.4.4|9=18446744073709551616999|",
                        "8=FIX.4.4|9=65536|35=0|"}) {
    const FrameResult r = frame(soh(m));
    EXPECT_EQ(r.status, FrameStatus::Garbled) << m;
    EXPECT_EQ(r.reason, GarbleReason::BodyLengthTooLarge) << m;
  }
}

TEST(Framer, BodyLengthNotDigits) {
  for (const char* m :
       {"8=FIX.4.4|9=|35=0|10=000|", "8=FIX.4.4|9=5a|35=0|10=000|", "8=FIX.4.4|9=-5|35=0|10=000|",
        "8=FIX.4.4|9= 5|35=0|10=000|", "8=FIX.4.4|9=+5|35=0|10=000|"}) {
    const FrameResult r = frame(soh(m));
    EXPECT_EQ(r.status, FrameStatus::Garbled) << m;
    EXPECT_EQ(r.reason, GarbleReason::BadBodyLength) << m;
  }
}

TEST(Framer, BadChecksum) {
  EXPECT_EQ(frame(soh("8=FIX.4.4|9=5|35=0|10=164|")).reason, GarbleReason::ChecksumMismatch);
  EXPECT_EQ(frame(soh("8=FIX.4.4|9=5|35=0|10=000|")).reason, GarbleReason::ChecksumMismatch);
  for (const char* m : {"8=FIX.4.4|9=5|35=0|10=16|", "8=FIX.4.4|9=5|35=0|10=1630|",
                        "8=FIX.4.4|9=5|35=0|10=abc|", "8=FIX.4.4|9=5|35=0|10=16a|"}) {
    const FrameResult r = frame(soh(m));
    EXPECT_EQ(r.status, FrameStatus::Garbled) << m;
    EXPECT_EQ(r.reason, GarbleReason::BadChecksumField) << m;
  }
  // "10=" has no room for a wrong value to sneak in via a shorter buffer.
  EXPECT_EQ(frame(soh("8=FIX.4.4|9=5|35=0|10=16")).status, FrameStatus::NeedMore);
  EXPECT_EQ(frame(soh("8=FIX.4.4|9=5|35=0|10=1x")).reason, GarbleReason::BadChecksumField);
}

TEST(Framer, WrongHeaderOrder) {
  const FrameResult nine_first = frame(soh("9=5|8=FIX.4.4|35=0|10=163|"));
  EXPECT_EQ(nine_first.status, FrameStatus::Garbled);
  EXPECT_EQ(nine_first.reason, GarbleReason::BadBeginString);
  EXPECT_EQ(nine_first.length, 4u);  // to the "8=FIX" that follows

  const FrameResult type_second = frame(soh("8=FIX.4.4|35=0|9=5|10=163|"));
  EXPECT_EQ(type_second.status, FrameStatus::Garbled);
  EXPECT_EQ(type_second.reason, GarbleReason::MissingBodyLength);
}

TEST(Framer, OtherBeginStringsAreGarbledByDefault) {
  const FrameResult r = frame(make_message("35=0|", "FIX.4.2"));
  EXPECT_EQ(r.status, FrameStatus::Garbled);
  EXPECT_EQ(r.reason, GarbleReason::BadBeginString);
  // Rejected as soon as the first differing byte arrives.
  EXPECT_EQ(frame("8=FIX.4.2").status, FrameStatus::Garbled);
  EXPECT_EQ(frame("8=FIX.4.").status, FrameStatus::NeedMore);
  EXPECT_EQ(frame("8=FIX.4.44").status, FrameStatus::Garbled);
}

TEST(Framer, BeginStringIsConfigurable) {
  FrameConfig cfg;
  cfg.begin_string = "FIXT.1.1";
  const std::string m = make_message("35=0|", "FIXT.1.1");
  const FrameResult r = frame(m, cfg);
  EXPECT_EQ(r.status, FrameStatus::Complete);
  EXPECT_EQ(r.length, m.size());
  EXPECT_EQ(frame(kHeartbeat, cfg).status, FrameStatus::Garbled);
}

TEST(Framer, GarbageThenValidMessageResynchronises) {
  const std::string valid = make_message(new_order_body());
  const std::string garbage = soh("junk 8=FIY 8=FIX.4.2|9=3|35=0|10=000|8=F 8=FIX.4.4|9=abc|8");
  const std::string stream = garbage + valid;
  std::string_view rest = stream;
  int garbled = 0;
  for (;;) {
    const FrameResult r = frame(rest);
    ASSERT_NE(r.status, FrameStatus::NeedMore) << rest;
    if (r.status == FrameStatus::Complete) {
      EXPECT_EQ(r.length, valid.size());
      EXPECT_EQ(rest, valid);
      break;
    }
    ASSERT_GE(r.length, 1u);
    ASSERT_LE(r.length, rest.size());
    rest.remove_prefix(r.length);
    ++garbled;
  }
  EXPECT_GE(garbled, 3);
}

TEST(Framer, GarbageWithoutCandidateIsDroppedWhole) {
  const std::string junk = "hello world, no fix here";
  const FrameResult r = frame(junk);
  EXPECT_EQ(r.status, FrameStatus::Garbled);
  EXPECT_EQ(r.length, junk.size());
}

TEST(Framer, PartialCandidateAtEndIsKept) {
  const FrameResult r = frame("xyz8=FI");
  EXPECT_EQ(r.status, FrameStatus::Garbled);
  EXPECT_EQ(r.length, 3u);
  EXPECT_EQ(frame("8=FI").status, FrameStatus::NeedMore);
}

TEST(Framer, TenKilobyteFieldWithinAndAboveLimit) {
  const std::string text(10 * 1024, 'x');
  const std::string m =
      make_message("35=B|49=M|56=G|34=9|52=20240101-00:00:00|148=headline|58=" + text + "|");
  FrameConfig roomy;
  roomy.max_message_bytes = 16 * 1024;
  EXPECT_EQ(frame(m, roomy).status, FrameStatus::Complete);
  EXPECT_EQ(frame(m, roomy).length, m.size());

  FrameConfig exact;
  exact.max_message_bytes = m.size();
  EXPECT_EQ(frame(m, exact).status, FrameStatus::Complete);

  FrameConfig tight;
  tight.max_message_bytes = m.size() - 1;
  const FrameResult r = frame(m, tight);
  EXPECT_EQ(r.status, FrameStatus::Garbled);
  EXPECT_EQ(r.reason, GarbleReason::BodyLengthTooLarge);
  // Known too large from the header alone, before the body arrives.
  EXPECT_EQ(frame(std::string_view(m).substr(0, 30), tight).reason,
            GarbleReason::BodyLengthTooLarge);
}

TEST(Framer, EndlessHeaderIsCappedByWhatArrived) {
  FrameConfig cfg;
  cfg.max_message_bytes = 100;
  // Leading zeros are legal, so only the amount received bounds this.
  std::string m = soh("8=FIX.4.4|9=") + std::string(80, '0');
  EXPECT_EQ(frame(m, cfg).status, FrameStatus::NeedMore);
  m += std::string(20, '0');
  const FrameResult r = frame(m, cfg);
  EXPECT_EQ(r.status, FrameStatus::Garbled);
  EXPECT_EQ(r.reason, GarbleReason::TooLarge);
  EXPECT_EQ(r.length, m.size());
}

TEST(Framer, DelimiterBeforeTrailerRequired) {
  // BodyLength points at a "10=" that sits inside a value.
  const std::string m = testing::with_trailer(soh("8=FIX.4.4|9=9|35=0|58=x10="));
  EXPECT_EQ(frame(m).status, FrameStatus::Garbled);
  EXPECT_EQ(frame(m).reason, GarbleReason::BodyLengthMismatch);
}

TEST(Framer, ReasonsHaveNames) {
  EXPECT_EQ(to_string(GarbleReason::ChecksumMismatch), "CheckSum mismatch");
  EXPECT_EQ(to_string(GarbleReason::None), "none");
}

}  // namespace
}  // namespace matchgate::fix
