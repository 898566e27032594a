#pragma once
// SM3 hash (GB/T 32905-2016), the link of the write-ahead log's hash chain.
// Written for many small records: no heap, no OpenSSL EVP round trip per
// call, and a hasher state of ~112 bytes that can be copied to fork a prefix
// (e.g. hash a common header once, then copy and finish per record).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace matchgate::crypto {

inline constexpr std::size_t kSm3DigestSize = 32;
inline constexpr std::size_t kSm3BlockSize = 64;
using Sm3Digest = std::array<std::uint8_t, kSm3DigestSize>;

class Sm3 {
 public:
  Sm3() noexcept { reset(); }

  void reset() noexcept;
  Sm3& update(const void* data, std::size_t size) noexcept;
  // Pads and returns the digest. The state is undefined afterwards until
  // reset(): finishing consumes the buffered tail in place.
  Sm3Digest finish() noexcept;

  static Sm3Digest digest(const void* data, std::size_t size) noexcept;

 private:
  std::array<std::uint32_t, 8> state_;
  std::uint64_t length_;  // bytes absorbed; the padding needs it in bits mod 2^64
  std::size_t buffered_;  // bytes of buffer_ in use, always < kSm3BlockSize
  std::array<std::uint8_t, kSm3BlockSize> buffer_;
};

// Lowercase, 64 characters.
std::string to_hex(const Sm3Digest& digest);

}  // namespace matchgate::crypto
