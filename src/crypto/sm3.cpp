// SM3 per GB/T 32905-2016. The 64 rounds are unrolled at compile time and
// the eight working variables are renamed rather than shifted: each round
// updates B, D, F and H in place and the next round is called with the
// arguments rotated, so after four rounds the names line up again.
#include "matchgate/crypto/sm3.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

namespace matchgate::crypto {
namespace {

using std::uint32_t;
using std::uint64_t;
using std::uint8_t;

constexpr std::array<uint32_t, 8> kIv = {0x7380166Fu, 0x4914B2B9u, 0x172442D7u, 0xDA8A0600u,
                                         0xA96F30BCu, 0x163138AAu, 0xE38DEE4Du, 0xB0FB0E4Eu};

// T_j <<< (j mod 32), folded at compile time so a round adds a constant.
constexpr std::array<uint32_t, 64> make_round_constants() {
  std::array<uint32_t, 64> t{};
  for (int j = 0; j < 64; ++j) {
    const uint32_t tj = j < 16 ? 0x79CC4519u : 0x7A879D8Au;
    t[j] = std::rotl(tj, j % 32);
  }
  return t;
}
constexpr std::array<uint32_t, 64> kT = make_round_constants();

inline uint32_t load_be32(const uint8_t* p) noexcept {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  return v;
}

inline void store_be32(uint8_t* p, uint32_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  std::memcpy(p, &v, sizeof v);
}

inline void store_be64(uint8_t* p, uint64_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(p, &v, sizeof v);
}

constexpr uint32_t p0(uint32_t x) noexcept {
  return x ^ std::rotl(x, 9) ^ std::rotl(x, 17);
}
constexpr uint32_t p1(uint32_t x) noexcept {
  return x ^ std::rotl(x, 15) ^ std::rotl(x, 23);
}

template <int J>
[[gnu::always_inline]] inline void round(uint32_t a, uint32_t& b, uint32_t c, uint32_t& d,
                                         uint32_t e, uint32_t& f, uint32_t g, uint32_t& h,
                                         uint32_t* w) noexcept {
  // The schedule is expanded four words ahead into a 16-word ring: word J+4
  // overwrites word J-12, whose last use is this very expansion.
  if constexpr (J + 4 >= 16 && J + 4 < 68) {
    constexpr int k = J + 4;
    w[k % 16] = p1(w[(k - 16) % 16] ^ w[(k - 9) % 16] ^ std::rotl(w[(k - 3) % 16], 15)) ^
                std::rotl(w[(k - 13) % 16], 7) ^ w[(k - 6) % 16];
  }
  const uint32_t wj = w[J % 16];
  const uint32_t wj4 = w[(J + 4) % 16];
  // E (and through SS1 also A) is the newest value here, computed by the
  // previous round's P0; everything that does not depend on it is summed
  // first so the loop-carried chain is add, rotate, add, add, P0.
  const uint32_t a12 = std::rotl(a, 12);
  const uint32_t ss1 = std::rotl((a12 + kT[J]) + e, 7);
  const uint32_t ss2 = ss1 ^ a12;
  uint32_t ff;
  uint32_t gg;
  if constexpr (J < 16) {
    ff = a ^ b ^ c;
    gg = e ^ f ^ g;
  } else {
    // Majority and choose, in forms with one operation fewer than the
    // standard's (X&Y)|(X&Z)|(Y&Z) and (X&Y)|(~X&Z).
    ff = (a & b) | ((a | b) & c);
    gg = ((f ^ g) & e) ^ g;
  }
  const uint32_t tt1 = (d + (wj ^ wj4)) + ff + ss2;
  const uint32_t tt2 = (h + wj) + gg + ss1;
  b = std::rotl(b, 9);
  f = std::rotl(f, 19);
  d = tt1;
  h = p0(tt2);
}

template <int J>
[[gnu::always_inline]] inline void four_rounds(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d,
                                               uint32_t& e, uint32_t& f, uint32_t& g, uint32_t& h,
                                               uint32_t* w) noexcept {
  round<J>(a, b, c, d, e, f, g, h, w);
  round<J + 1>(d, a, b, c, h, e, f, g, w);
  round<J + 2>(c, d, a, b, g, h, e, f, w);
  round<J + 3>(b, c, d, a, f, g, h, e, w);
}

template <std::size_t... I>
[[gnu::always_inline]] inline void all_rounds(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d,
                                              uint32_t& e, uint32_t& f, uint32_t& g, uint32_t& h,
                                              uint32_t* w, std::index_sequence<I...>) noexcept {
  (four_rounds<static_cast<int>(I) * 4>(a, b, c, d, e, f, g, h, w), ...);
}

void compress(std::array<uint32_t, 8>& v, const uint8_t* p, std::size_t blocks) noexcept {
  uint32_t a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6], h = v[7];
  for (; blocks > 0; --blocks, p += kSm3BlockSize) {
    uint32_t w[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) w[j] = load_be32(p + 4 * j);
    const uint32_t a0 = a, b0 = b, c0 = c, d0 = d, e0 = e, f0 = f, g0 = g, h0 = h;
    all_rounds(a, b, c, d, e, f, g, h, w, std::make_index_sequence<16>{});
    a ^= a0;
    b ^= b0;
    c ^= c0;
    d ^= d0;
    e ^= e0;
    f ^= f0;
    g ^= g0;
    h ^= h0;
  }
  v = {a, b, c, d, e, f, g, h};
}

}  // namespace

void Sm3::reset() noexcept {
  state_ = kIv;
  length_ = 0;
  buffered_ = 0;
}

Sm3& Sm3::update(const void* data, std::size_t size) noexcept {
  // Also keeps memcpy away from a null pointer when size is zero.
  if (size == 0) return *this;
  const auto* p = static_cast<const uint8_t*>(data);
  length_ += size;
  if (buffered_ != 0) {
    const std::size_t take = std::min(kSm3BlockSize - buffered_, size);
    std::memcpy(buffer_.data() + buffered_, p, take);
    buffered_ += take;
    p += take;
    size -= take;
    if (buffered_ < kSm3BlockSize) return *this;
    compress(state_, buffer_.data(), 1);
    buffered_ = 0;
  }
  if (size >= kSm3BlockSize) {
    const std::size_t blocks = size / kSm3BlockSize;
    compress(state_, p, blocks);
    p += blocks * kSm3BlockSize;
    size -= blocks * kSm3BlockSize;
  }
  if (size != 0) {
    std::memcpy(buffer_.data(), p, size);
    buffered_ = size;
  }
  return *this;
}

Sm3Digest Sm3::finish() noexcept {
  constexpr std::size_t kLengthAt = kSm3BlockSize - 8;
  buffer_[buffered_++] = 0x80;
  if (buffered_ > kLengthAt) {
    std::memset(buffer_.data() + buffered_, 0, kSm3BlockSize - buffered_);
    compress(state_, buffer_.data(), 1);
    buffered_ = 0;
  }
  std::memset(buffer_.data() + buffered_, 0, kLengthAt - buffered_);
  store_be64(buffer_.data() + kLengthAt, length_ * 8);
  compress(state_, buffer_.data(), 1);

  Sm3Digest out;
  for (std::size_t i = 0; i < state_.size(); ++i) store_be32(out.data() + 4 * i, state_[i]);
  return out;
}

Sm3Digest Sm3::digest(const void* data, std::size_t size) noexcept {
  Sm3 h;
  h.update(data, size);
  return h.finish();
}

std::string to_hex(const Sm3Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * digest.size(), '\0');
  for (std::size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0x0F];
  }
  return out;
}

}  // namespace matchgate::crypto
