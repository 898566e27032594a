#pragma once
#include <cstdint>

namespace matchgate::engine {

// "Is x a multiple of d?" without a division on the order path (a 64-bit
// divide costs tens of cycles; every new order checks its tick and lot).
// With d = odd * 2^k: x is a multiple of d iff its low k bits are zero and
// (x >> k) * odd^-1 (mod 2^64) <= (2^64 - 1) / odd, because multiplication
// by the inverse maps exactly the multiples of odd onto [0, max / odd].
class DivisibilityTest {
 public:
  DivisibilityTest() = default;
  explicit DivisibilityTest(std::uint64_t d) noexcept {
    if (d == 0) d = 1;
    while ((d & 1U) == 0) {
      d >>= 1;
      ++shift_;
    }
    std::uint64_t inv = d;  // correct to 3 bits; each Newton step doubles that
    for (int i = 0; i < 5; ++i) inv *= 2 - d * inv;
    inverse_ = inv;
    limit_ = ~std::uint64_t{0} / d;
    low_mask_ = (std::uint64_t{1} << shift_) - 1;
  }

  bool divides(std::int64_t x) const noexcept {
    const std::uint64_t u =
        x < 0 ? 0 - static_cast<std::uint64_t>(x) : static_cast<std::uint64_t>(x);
    if ((u & low_mask_) != 0) return false;
    return (u >> shift_) * inverse_ <= limit_;
  }

 private:
  std::uint64_t inverse_ = 1;
  std::uint64_t limit_ = ~std::uint64_t{0};
  std::uint64_t low_mask_ = 0;
  unsigned shift_ = 0;
};

}  // namespace matchgate::engine
