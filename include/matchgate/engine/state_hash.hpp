#pragma once
#include <cstdint>

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

}  // namespace matchgate::engine
