#pragma once
#include <cstdint>

#include "matchgate/engine/order.hpp"

namespace matchgate::engine {

// FNV-1a over little-endian 64-bit words (see docs/ENGINE.md): simple enough
// that a reference implementation or an auditor can reproduce it.
class StateHasher {
 public:
  void add(std::uint64_t word) noexcept {
    for (int i = 0; i < 8; ++i) {
      hash_ ^= (word >> (8 * i)) & 0xffU;
      hash_ *= 0x100000001b3ULL;
    }
  }
  std::uint64_t value() const noexcept { return hash_; }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// The words of one resting order, in the order state_hash() takes them. One
// definition, because a snapshot's trailer must be the engine's own hash.
inline void add_order(StateHasher& h, const Order& o) noexcept {
  h.add(o.id);
  h.add(o.client_ref);
  h.add(o.member);
  h.add(o.account);
  h.add(static_cast<std::uint64_t>(o.side));
  h.add(static_cast<std::uint64_t>(o.type));
  h.add(static_cast<std::uint64_t>(o.tif));
  h.add(static_cast<std::uint64_t>(o.price));
  h.add(static_cast<std::uint64_t>(o.qty));
  h.add(static_cast<std::uint64_t>(o.filled));
}

}  // namespace matchgate::engine
