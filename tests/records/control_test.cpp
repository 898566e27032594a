// Control records (type 19, docs/WAL.md 4.9a) decode to what was encoded,
// keep the documented byte layout, refuse malformed payloads, and describe
// themselves for matchgate-wal dump.
#include "matchgate/records/control.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "matchgate/records/record_types.hpp"

namespace matchgate::records {
namespace {

ControlRecord sample() {
  ControlRecord r;
  r.action = ControlAction::SetLimit;
  r.origin = ControlOrigin::Operator;
  r.member = 2;
  r.limit_key = 0;
  r.value = 100'000'000'000;  // 1000.00
  r.identity = "uid 0 (root) as \"alice\"";
  return r;
}

std::vector<std::byte> encoded(const ControlRecord& r) {
  std::vector<std::byte> out(kControlMaxSize);
  out.resize(encode_control(r, out.data()));
  return out;
}

TEST(ControlRecord, RoundTripsWithTheDocumentedLayout) {
  const ControlRecord r = sample();
  const std::vector<std::byte> bytes = encoded(r);
  ASSERT_EQ(bytes.size(), kControlFixedSize + r.identity.size());
  EXPECT_EQ(static_cast<int>(bytes[0]), 8);     // action set-limit
  EXPECT_EQ(static_cast<int>(bytes[2]), 2);     // member, little endian
  EXPECT_EQ(static_cast<int>(bytes[6]), 0xff);  // no instrument
  EXPECT_EQ(static_cast<int>(bytes[24]), static_cast<int>(r.identity.size()));
  EXPECT_EQ(static_cast<char>(bytes[29]), 'u');  // the identity
  const auto d = decode_control(bytes);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->action, r.action);
  EXPECT_EQ(d->member, r.member);
  EXPECT_EQ(d->instrument, kNoTarget);
  EXPECT_EQ(d->value, r.value);
  EXPECT_EQ(d->identity, r.identity);
}

TEST(ControlRecord, RefusesMalformedPayloads) {
  std::vector<std::byte> bytes = encoded(sample());
  std::vector<std::byte> shorter(bytes.begin(), bytes.end() - 1);
  EXPECT_FALSE(decode_control(shorter).has_value());  // identity cut
  std::vector<std::byte> bad_action = bytes;
  bad_action[0] = std::byte{12};  // one past correct (11)
  EXPECT_FALSE(decode_control(bad_action).has_value());
  bad_action[0] = std::byte{0};
  EXPECT_FALSE(decode_control(bad_action).has_value());
  std::vector<std::byte> bad_origin = bytes;
  bad_origin[1] = std::byte{2};
  EXPECT_FALSE(decode_control(bad_origin).has_value());
  EXPECT_FALSE(decode_control(std::span<const std::byte>(bytes.data(), 10)).has_value());
}

TEST(ControlRecord, ALongIdentityIsCutAndTheDumpNamesTheAction) {
  ControlRecord r = sample();
  const std::string long_identity(400, 'x');
  r.identity = long_identity;
  const auto d = decode_control(encoded(r));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->identity.size(), kMaxIdentityLength);
  EXPECT_EQ(type_name(to_wire(RecordType::Control)), "Control");
  const Fields f = describe(to_wire(RecordType::Control), encoded(sample()));
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0], (std::pair<std::string, std::string>{"action", "\"set-limit\""}));
}

TEST(ControlRecord, ABustOrCorrectionCarriesItsTradeIdAndTheDumpShowsIt) {
  for (const ControlAction a : {ControlAction::BustTrade, ControlAction::CorrectTrade}) {
    ControlRecord r = sample();
    r.action = a;
    r.member = kNoTarget;
    r.instrument = 1;
    r.value = 4242;
    const auto d = decode_control(encoded(r));
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->action, a);
    EXPECT_EQ(d->value, 4242);
    const Fields f = describe(to_wire(RecordType::Control), encoded(r));
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f[0].second, a == ControlAction::BustTrade ? "\"bust\"" : "\"correct\"");
    bool has_trade_id = false;
    for (const auto& [name, value] : f) has_trade_id |= name == "trade_id" && value == "4242";
    EXPECT_TRUE(has_trade_id);
  }
}

}  // namespace
}  // namespace matchgate::records
