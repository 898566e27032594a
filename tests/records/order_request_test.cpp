// OrderRequest records decode to what was encoded, refuse payloads of the
// wrong size or kind, and describe themselves for matchgate-wal dump.
#include "matchgate/records/order_request.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "matchgate/records/record_types.hpp"
#include "matchgate/records/snapshot_point.hpp"

namespace matchgate::records {
namespace {

OrderRequestRecord sample() {
  OrderRequestRecord r;
  r.request.kind = RequestKind::Replace;
  r.request.side = engine::Side::Sell;
  r.request.type = engine::OrdType::Limit;
  r.request.tif = engine::TimeInForce::Gtc;
  r.request.member = 3;
  r.request.account = 1;
  r.request.instrument = 2;
  r.request.ref = make_ref(0, 77);
  r.request.target = make_ref(0, 12);
  r.request.price = 10'025'000'000;
  r.request.qty = 40;
  r.shard = 1;
  r.gateway_instrument = 5;
  r.orig_named = 11;
  r.in_seq = 901;
  r.fingerprint = 0x0123456789abcdefULL;
  r.cl_ord_id = "R-2";
  return r;
}

std::vector<std::byte> encoded(const OrderRequestRecord& r) {
  std::vector<std::byte> out(kOrderRequestMaxSize);
  out.resize(encode_order_request(r, out.data()));
  return out;
}

TEST(OrderRequestRecord, RoundTripsEveryField) {
  const OrderRequestRecord r = sample();
  const auto bytes = encoded(r);
  ASSERT_EQ(bytes.size(), kOrderRequestFixedSize + 3);
  const auto d = decode_order_request(bytes);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->request.kind, RequestKind::Replace);
  EXPECT_EQ(d->request.side, engine::Side::Sell);
  EXPECT_EQ(d->request.tif, engine::TimeInForce::Gtc);
  EXPECT_EQ(d->request.member, 3U);
  EXPECT_EQ(d->request.account, 1U);
  EXPECT_EQ(d->request.instrument, 2U);
  EXPECT_EQ(d->request.ref, make_ref(0, 77));
  EXPECT_EQ(d->request.target, make_ref(0, 12));
  EXPECT_EQ(d->request.price, 10'025'000'000);
  EXPECT_EQ(d->request.qty, 40);
  EXPECT_EQ(d->shard, 1U);
  EXPECT_EQ(d->gateway_instrument, 5U);
  EXPECT_EQ(d->orig_named, 11U);
  EXPECT_EQ(record_kind_of(d->request.kind), RecordKind::ReplaceRequest);
  EXPECT_EQ(d->in_seq, 901U);
  EXPECT_EQ(d->fingerprint, 0x0123456789abcdefULL);
  EXPECT_EQ(d->cl_ord_id, "R-2");
}

TEST(OrderRequestRecord, AMassCancelHasNoRecordAndNoClOrdId) {
  OrderRequestRecord r;
  r.request.kind = RequestKind::MassCancel;
  r.request.member = 4;
  const auto d = decode_order_request(encoded(r));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->request.ref, kNoRecord);
  EXPECT_EQ(d->request.target, kNoRecord);
  EXPECT_TRUE(d->cl_ord_id.empty());
}

TEST(OrderRequestRecord, SweepsOfOneInstrumentAndOfDayOrdersRoundTrip) {
  // The kinds' values are on disk: they never change.
  EXPECT_EQ(static_cast<int>(RequestKind::MassCancel), 3);
  EXPECT_EQ(static_cast<int>(RequestKind::MassCancelInstrument), 5);
  EXPECT_EQ(static_cast<int>(RequestKind::ExpireDay), 6);
  OrderRequestRecord r;
  r.request.kind = RequestKind::MassCancelInstrument;
  r.request.member = 2;
  r.request.instrument = 1;
  r.shard = 1;
  r.gateway_instrument = 4;
  r.in_seq = 17;
  const auto bytes = encoded(r);
  EXPECT_EQ(bytes[0], std::byte{5});
  const auto d = decode_order_request(bytes);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->request.kind, RequestKind::MassCancelInstrument);
  EXPECT_EQ(d->request.member, 2U);
  EXPECT_EQ(d->request.instrument, 1U);
  EXPECT_EQ(d->gateway_instrument, 4U);
  EXPECT_EQ(d->in_seq, 17U);
  EXPECT_EQ(d->request.ref, kNoRecord);
  const Fields f = describe(to_wire(RecordType::OrderRequest), bytes);
  EXPECT_NE(std::find(f.begin(), f.end(),
                      std::pair<std::string, std::string>("kind", "\"mass-cancel-instrument\"")),
            f.end());
  EXPECT_NE(std::find(f.begin(), f.end(), std::pair<std::string, std::string>("instrument", "4")),
            f.end());

  OrderRequestRecord day;
  day.request.kind = RequestKind::ExpireDay;
  day.shard = 0;
  const auto e = decode_order_request(encoded(day));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->request.kind, RequestKind::ExpireDay);
  EXPECT_EQ(std::string(to_string(e->request.kind)), "expire-day");
}

TEST(OrderRequestRecord, TheFixedPartIsPackedWithTheClOrdIdAfterIt) {
  const auto bytes = encoded(sample());
  EXPECT_EQ(kOrderRequestFixedSize, 69U);
  EXPECT_EQ(bytes[36], std::byte{3});  // ClOrdID length
  EXPECT_EQ(static_cast<char>(bytes[69]), 'R');
  std::int64_t price = 0;
  std::memcpy(&price, bytes.data() + 37, 8);  // unaligned, little-endian
  EXPECT_EQ(price, 10'025'000'000);
}

TEST(OrderRequestRecord, TheRecordKindFollowsFromTheRequestKind) {
  EXPECT_EQ(record_kind_of(RequestKind::New), RecordKind::Order);
  EXPECT_EQ(record_kind_of(RequestKind::Cancel), RecordKind::CancelRequest);
  EXPECT_EQ(record_kind_of(RequestKind::Replace), RecordKind::ReplaceRequest);
}

TEST(OrderRequestRecord, OutOfRangeEnumerationsAreRefused) {
  const auto good = encoded(sample());
  for (const std::size_t offset : {1U, 2U, 3U}) {  // side, ord type, time in force
    auto bad = good;
    bad[offset] = std::byte{9};
    EXPECT_FALSE(decode_order_request(bad)) << "byte " << offset;
  }
  auto long_id = good;
  long_id[36] = std::byte{65};  // longer than kMaxClOrdIdLength
  long_id.resize(kOrderRequestFixedSize + 65);
  EXPECT_FALSE(decode_order_request(long_id));
}

TEST(OrderRequestRecord, WrongSizesAndUnknownKindsAreRefused) {
  auto bytes = encoded(sample());
  EXPECT_FALSE(decode_order_request(std::span<const std::byte>(bytes.data(), bytes.size() - 1)));
  bytes.push_back(std::byte{0});
  EXPECT_FALSE(decode_order_request(bytes));
  bytes.pop_back();
  bytes[0] = static_cast<std::byte>(RequestKind::Snapshot);  // never logged
  EXPECT_FALSE(decode_order_request(bytes));
  bytes[0] = std::byte{7};  // after the last kind
  EXPECT_FALSE(decode_order_request(bytes));
}

TEST(RecordDescription, NamesTheTypeAndListsTheFields) {
  EXPECT_EQ(type_name(to_wire(RecordType::OrderRequest)), "OrderRequest");
  EXPECT_EQ(type_name(to_wire(RecordType::SnapshotPoint)), "SnapshotPoint");
  EXPECT_EQ(type_name(999), "type-999");
  const Fields f = describe(to_wire(RecordType::OrderRequest), encoded(sample()));
  const auto has = [&](const char* key, const char* value) {
    return std::find(f.begin(), f.end(), std::pair<std::string, std::string>(key, value)) !=
           f.end();
  };
  EXPECT_TRUE(has("kind", "\"replace\""));
  EXPECT_TRUE(has("cl_ord_id", "\"R-2\""));
  EXPECT_TRUE(has("qty", "40"));
  EXPECT_TRUE(has("fingerprint", "\"0123456789abcdef\""));
  std::byte point[kSnapshotPointSize];
  encode_snapshot_point(7, point);
  EXPECT_EQ(describe(to_wire(RecordType::SnapshotPoint), point), (Fields{{"snapshot", "7"}}));
  EXPECT_TRUE(describe(to_wire(RecordType::OrderRequest), {}).empty());  // does not decode
}

}  // namespace
}  // namespace matchgate::records
