// Outbound records decode to what was encoded in both forms (verbatim with
// the FIX text, regenerated with only its CRC-32C), and every payload that
// does not fit the layout is refused rather than read past its end.
#include "matchgate/records/outbound.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "matchgate/records/record_types.hpp"

namespace matchgate::records {
namespace {

constexpr std::string_view kFix =
    "8=FIX.4.4\x01"
    "9=5\x01"
    "35=0\x01"
    "10=000\x01";

std::vector<std::byte> verbatim(const OutboundRecordHead& h, std::string_view fix) {
  std::vector<std::byte> p(kOutboundHeadSize + fix.size());
  encode_outbound_head(h, p.data());
  std::memcpy(p.data() + kOutboundHeadSize, fix.data(), fix.size());
  return p;
}

std::vector<std::byte> regenerated(const OutboundRecordHead& h, std::uint32_t crc) {
  std::vector<std::byte> p(kOutboundRegeneratedSize);
  encode_outbound_regenerated(h, crc, p.data());
  return p;
}

TEST(OutboundRecord, VerbatimRoundTripsHeadAndMessage) {
  const OutboundRecordHead h{7, true, 1234, 99, 0};
  const auto p = verbatim(h, kFix);
  EXPECT_EQ(p[5], std::byte{1});  // form byte: verbatim
  const auto d = decode_outbound(p);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->form, OutboundForm::Verbatim);
  EXPECT_EQ(d->head.member, 7U);
  EXPECT_TRUE(d->head.admin);
  EXPECT_EQ(d->head.seq, 1234U);
  EXPECT_EQ(d->head.next_in, 99U);
  EXPECT_EQ(d->head.cause, 0U);
  EXPECT_EQ(d->message, kFix);
}

TEST(OutboundRecord, RegeneratedRoundTripsHeadCauseAndCrc) {
  const OutboundRecordHead h{3, false, 77, 12, event_cause(0x0001000000000042ULL, true)};
  const auto p = regenerated(h, 0xdeadbeefU);
  ASSERT_EQ(p.size(), 36U);
  EXPECT_EQ(p[5], std::byte{0});  // form byte: regenerated
  const auto d = decode_outbound(p);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->form, OutboundForm::Regenerated);
  EXPECT_EQ(d->head.member, 3U);
  EXPECT_FALSE(d->head.admin);
  EXPECT_EQ(d->head.seq, 77U);
  EXPECT_EQ(d->head.next_in, 12U);
  EXPECT_EQ(d->head.cause, 0x0001000000000042ULL * 2 + 1);
  EXPECT_EQ(exec_id_of(d->head.cause), 0x0001000000000042ULL);
  EXPECT_EQ(d->message_crc, 0xdeadbeefU);
  EXPECT_TRUE(d->message.empty());
}

TEST(OutboundRecord, TheCauseChoosesTheForm) {
  EXPECT_EQ(form_for(0), OutboundForm::Verbatim);
  EXPECT_EQ(form_for(event_cause(1, false)), OutboundForm::Regenerated);
  EXPECT_NE(event_cause(5, false), event_cause(5, true));
  EXPECT_NE(event_cause(5, true), event_cause(6, false));
  EXPECT_NE(event_cause(1, false), 0U);  // 0 means "no event"; exec ids start at 1
}

TEST(OutboundRecord, ShortAndEmptyPayloadsAreRefused) {
  const auto v = verbatim(OutboundRecordHead{1, true, 2, 3, 0}, kFix);
  EXPECT_FALSE(decode_outbound(std::span<const std::byte>(v.data(), kOutboundHeadSize - 1)));
  // A verbatim record always carries a message.
  EXPECT_FALSE(decode_outbound(std::span<const std::byte>(v.data(), kOutboundHeadSize)));
  const auto r = regenerated(OutboundRecordHead{1, false, 2, 3, 8}, 1);
  EXPECT_FALSE(decode_outbound(std::span<const std::byte>(r.data(), r.size() - 1)));
}

TEST(OutboundRecord, ARegeneratedRecordWithTextIsRefused) {
  auto r = regenerated(OutboundRecordHead{1, false, 2, 3, 8}, 1);
  r.push_back(std::byte{'x'});
  EXPECT_FALSE(decode_outbound(r));
}

TEST(OutboundRecord, AFormThatDoesNotFitTheCauseIsRefused) {
  // Verbatim text of an event report, and a CRC for a message no event
  // caused (it could not be composed again).
  auto v = verbatim(OutboundRecordHead{1, false, 2, 3, 8}, kFix);
  EXPECT_EQ(v[5], std::byte{0});
  v[5] = std::byte{1};
  EXPECT_FALSE(decode_outbound(v));
  auto r = regenerated(OutboundRecordHead{1, false, 2, 3, 8}, 1);
  std::fill(r.begin() + 24, r.begin() + 32, std::byte{0});  // cause 0
  EXPECT_FALSE(decode_outbound(r));
}

TEST(OutboundRecord, UnknownFormsAndReservedBytesAreRefused) {
  const auto good = verbatim(OutboundRecordHead{1, false, 2, 3, 0}, kFix);
  ASSERT_TRUE(decode_outbound(good));
  for (const std::size_t offset : {5U, 6U, 7U}) {
    auto bad = good;
    bad[offset] = std::byte{2};
    EXPECT_FALSE(decode_outbound(bad)) << "byte " << offset;
  }
  auto bad_admin = good;
  bad_admin[4] = std::byte{2};
  EXPECT_FALSE(decode_outbound(bad_admin));
}

TEST(OutboundRecord, DescriptionNamesTheForm) {
  const auto has = [](const Fields& f, const char* key, const char* value) {
    return std::find(f.begin(), f.end(), std::pair<std::string, std::string>(key, value)) !=
           f.end();
  };
  const Fields r = describe(to_wire(RecordType::Outbound),
                            regenerated(OutboundRecordHead{1, false, 2, 3, 8}, 0x1234abcdU));
  EXPECT_TRUE(has(r, "form", "\"regenerated\""));
  EXPECT_TRUE(has(r, "message_crc", "\"1234abcd\""));
  EXPECT_TRUE(has(r, "cause", "8"));
  const Fields v =
      describe(to_wire(RecordType::Outbound), verbatim(OutboundRecordHead{1, true, 2, 3, 0}, kFix));
  EXPECT_TRUE(has(v, "form", "\"verbatim\""));
  EXPECT_TRUE(has(v, "fix", "\"8=FIX.4.4|9=5|35=0|10=000|\""));
}

}  // namespace
}  // namespace matchgate::records
