#pragma once
// A 64-bit fingerprint of an order request, stored with its ClOrdID so that a
// retry (same fingerprint) can be told from a different request reusing the
// ClOrdID. Fingerprints are written to the WAL and shared through Redis by
// gateways of different builds, so the encoding below is a stable format:
// changing it changes every stored fingerprint (docs/DEDUP.md).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace matchgate::dedup {

// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
class Fnv1a64 {
 public:
  static constexpr std::uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
  static constexpr std::uint64_t kPrime = 0x100000001b3ULL;

  constexpr void bytes(const void* data, std::size_t n) noexcept {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) byte(p[i]);
  }
  constexpr void byte(unsigned char b) noexcept {
    hash_ ^= b;
    hash_ *= kPrime;
  }
  constexpr std::uint64_t value() const noexcept { return hash_; }

 private:
  std::uint64_t hash_ = kOffsetBasis;
};

constexpr std::uint64_t fnv1a64(std::string_view s) noexcept {
  Fnv1a64 h;
  for (char c : s) h.byte(static_cast<unsigned char>(c));
  return h.value();
}

// The fields of a request, as the gateway parsed them. Chars are the FIX
// values (Side(54) '1', OrdType(40) '2', ...), not engine enums, so the
// fingerprint does not change when an internal numbering does.
struct OrderRequestFields {
  // MsgType(35): 'D' NewOrderSingle, 'G' replace, 'F' cancel. Part of the
  // fingerprint because cancels and replaces share the ClOrdID key space with
  // new orders: a cancel reusing an order's ClOrdID is a different request.
  char msg_type = 'D';
  std::string_view orig_cl_ord_id;  // OrigClOrdID(41); empty for 'D'
  std::string_view symbol;          // Symbol(55)
  char side = 0;                    // Side(54)
  std::int64_t qty = 0;             // OrderQty(38), whole units
  char ord_type = 0;                // OrdType(40)
  bool has_price = false;           // false: `price` is ignored (market orders, cancels)
  std::int64_t price = 0;           // Price(44) in units of 10^-8 (util::parse_decimal)
  char time_in_force = '0';         // TimeInForce(59); '0' (Day) when absent, so both match
  std::string_view account;         // Account(1); empty when absent
};

// FNV-1a-64 over the fields in declaration order, each encoded as a one-byte
// field number followed by its value: chars and bools as one byte, integers
// as 8 bytes little-endian two's complement, strings as a 4-byte
// little-endian length then the bytes. The price is encoded only when
// has_price is true. Lengths make the encoding unambiguous ("AB"+"C" differs
// from "A"+"BC").
std::uint64_t request_fingerprint(const OrderRequestFields& request) noexcept;

}  // namespace matchgate::dedup
