#include "matchgate/dedup/fingerprint.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace {

using matchgate::dedup::fnv1a64;
using matchgate::dedup::OrderRequestFields;
using matchgate::dedup::request_fingerprint;

OrderRequestFields limit_buy() {
  OrderRequestFields r;
  r.msg_type = 'D';
  r.symbol = "ACME";
  r.side = '1';
  r.qty = 100;
  r.ord_type = '2';
  r.has_price = true;
  r.price = 10'050'000'000;  // 100.5
  r.time_in_force = '0';
  r.account = "M1-A";
  return r;
}

TEST(Fnv1a64, MatchesPublishedTestVectors) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(RequestFingerprint, IsTheDocumentedEncodingHashedWithFnv1a64) {
  // Built by hand from docs/DEDUP.md: field number, then the value.
  std::string bytes;
  auto put_char = [&](char field, char c) {
    bytes += field;
    bytes += c;
  };
  auto put_int = [&](char field, std::int64_t v) {
    bytes += field;
    for (int i = 0; i < 8; ++i)
      bytes += static_cast<char>(static_cast<std::uint64_t>(v) >> (8 * i));
  };
  auto put_string = [&](char field, const std::string& s) {
    bytes += field;
    for (int i = 0; i < 4; ++i) bytes += static_cast<char>(s.size() >> (8 * i));
    bytes += s;
  };
  put_char(1, 'D');
  put_string(2, "");
  put_string(3, "ACME");
  put_char(4, '1');
  put_int(5, 100);
  put_char(6, '2');
  put_char(7, 1);
  put_int(8, 10'050'000'000);
  put_char(9, '0');
  put_string(10, "M1-A");
  EXPECT_EQ(request_fingerprint(limit_buy()), fnv1a64(bytes));
}

TEST(RequestFingerprint, IsStableAcrossBuilds) {
  // Stored in the WAL and in Redis shared by gateways of different versions:
  // if this value changes, every stored fingerprint stops matching retries.
  // (Computed independently with a few lines of Python over the documented
  // encoding.)
  EXPECT_EQ(request_fingerprint(limit_buy()), 0xb547dbaf95f64843ULL);
}

TEST(RequestFingerprint, EveryFieldTakesPart) {
  const std::uint64_t base = request_fingerprint(limit_buy());
  auto differs = [&](auto change) {
    OrderRequestFields r = limit_buy();
    change(r);
    return request_fingerprint(r) != base;
  };
  EXPECT_TRUE(differs([](OrderRequestFields& r) { r.msg_type = 'G'; }));
  EXPECT_TRUE(differs([](OrderRequestFields& r) { r.orig_cl_ord_id = "X"; }));
  EXPECT_TRUE(differs([](OrderRequestFields& r) { r.symbol = "ACMF"; }));
  EXPECT_TRUE(differs([](OrderRequestFields& r) { r.side = '2'; }));
  EXPECT_TRUE(differs([](OrderRequestFields& r) { r.qty = 101; }));
  EXPECT_TRUE(differs([](OrderRequestFields& r) { r.ord_type = '1'; }));
  EXPECT_TRUE(differs([](OrderRequestFields& r) { r.has_price = false; }));
  EXPECT_TRUE(differs([](OrderRequestFields& r) { r.price += 1; }));
  EXPECT_TRUE(differs([](OrderRequestFields& r) { r.time_in_force = '3'; }));
  EXPECT_TRUE(differs([](OrderRequestFields& r) { r.account = "M1-B"; }));
}

TEST(RequestFingerprint, FieldBoundariesAreUnambiguous) {
  OrderRequestFields a = limit_buy();
  OrderRequestFields b = limit_buy();
  a.symbol = "AB";
  a.account = "C";
  b.symbol = "A";
  b.account = "BC";
  EXPECT_NE(request_fingerprint(a), request_fingerprint(b));
  a = limit_buy();
  b = limit_buy();
  a.orig_cl_ord_id = "ACME";
  a.symbol = "";
  b.orig_cl_ord_id = "";
  b.symbol = "ACME";
  EXPECT_NE(request_fingerprint(a), request_fingerprint(b));
}

TEST(RequestFingerprint, PriceIsIgnoredWithoutHasPrice) {
  OrderRequestFields a = limit_buy();
  OrderRequestFields b = limit_buy();
  a.ord_type = b.ord_type = '1';
  a.has_price = b.has_price = false;
  a.price = 0;
  b.price = 12345;
  EXPECT_EQ(request_fingerprint(a), request_fingerprint(b));
}

}  // namespace
