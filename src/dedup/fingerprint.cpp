#include "matchgate/dedup/fingerprint.hpp"

namespace matchgate::dedup {
namespace {

// Field numbers of the encoding; never renumber, only append.
enum Field : unsigned char {
  kMsgType = 1,
  kOrigClOrdId = 2,
  kSymbol = 3,
  kSide = 4,
  kQty = 5,
  kOrdType = 6,
  kHasPrice = 7,
  kPrice = 8,
  kTimeInForce = 9,
  kAccount = 10,
};

void put_char(Fnv1a64& h, Field f, char c) noexcept {
  h.byte(f);
  h.byte(static_cast<unsigned char>(c));
}

void put_int(Fnv1a64& h, Field f, std::int64_t v) noexcept {
  h.byte(f);
  const auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) h.byte(static_cast<unsigned char>(u >> (8 * i)));
}

void put_string(Fnv1a64& h, Field f, std::string_view s) noexcept {
  h.byte(f);
  const auto n = static_cast<std::uint32_t>(s.size());
  for (int i = 0; i < 4; ++i) h.byte(static_cast<unsigned char>(n >> (8 * i)));
  h.bytes(s.data(), s.size());
}

}  // namespace

std::uint64_t request_fingerprint(const OrderRequestFields& r) noexcept {
  Fnv1a64 h;
  put_char(h, kMsgType, r.msg_type);
  put_string(h, kOrigClOrdId, r.orig_cl_ord_id);
  put_string(h, kSymbol, r.symbol);
  put_char(h, kSide, r.side);
  put_int(h, kQty, r.qty);
  put_char(h, kOrdType, r.ord_type);
  put_char(h, kHasPrice, r.has_price ? 1 : 0);
  if (r.has_price) put_int(h, kPrice, r.price);
  put_char(h, kTimeInForce, r.time_in_force);
  put_string(h, kAccount, r.account);
  return h.value();
}

}  // namespace matchgate::dedup
