// The application's log records decode to what was encoded, and a short payload
// is refused rather than read past its end.
#include "matchgate/records/outbound.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace matchgate::records {
namespace {

std::vector<std::byte> outbound_payload(const OutboundRecordHead& h, std::string_view fix) {
  std::vector<std::byte> p(kOutboundHeadSize + fix.size());
  encode_outbound_head(h, p.data());
  std::memcpy(p.data() + kOutboundHeadSize, fix.data(), fix.size());
  return p;
}

TEST(OutboundRecord, RoundTripsHeadCauseAndMessage) {
  const OutboundRecordHead h{7, false, 1234, 99, event_cause(0x0001000000000042ULL, true)};
  const auto p = outbound_payload(h,
                                  "8=FIX.4.4\x01"
                                  "9=5\x01"
                                  "35=8\x01"
                                  "10=000\x01");
  const auto d = decode_outbound(p);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->first.member, 7U);
  EXPECT_FALSE(d->first.admin);
  EXPECT_EQ(d->first.seq, 1234U);
  EXPECT_EQ(d->first.next_in, 99U);
  EXPECT_EQ(d->first.cause, 0x0001000000000042ULL * 2 + 1);
  EXPECT_EQ(d->second,
            "8=FIX.4.4\x01"
            "9=5\x01"
            "35=8\x01"
            "10=000\x01");
}

TEST(OutboundRecord, CausesOfTheTwoSidesOfATradeDiffer) {
  EXPECT_NE(event_cause(5, false), event_cause(5, true));
  EXPECT_NE(event_cause(5, true), event_cause(6, false));
  EXPECT_NE(event_cause(1, false), 0U);  // 0 means "no event"; exec ids start at 1
}

TEST(OutboundRecord, ShortPayloadIsRefused) {
  const auto p = outbound_payload(OutboundRecordHead{1, true, 2, 3, 0}, "");
  EXPECT_TRUE(decode_outbound(p));
  EXPECT_FALSE(decode_outbound(std::span<const std::byte>(p.data(), kOutboundHeadSize - 1)));
}

}  // namespace
}  // namespace matchgate::records
