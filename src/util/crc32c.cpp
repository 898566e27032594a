#include "matchgate/util/crc32c.hpp"

#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace matchgate::util {
namespace {

constexpr std::uint32_t kPoly = 0x82F63B78u;

using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

// Slicing-by-8: table k maps a byte to its CRC contribution k bytes further
// back in the stream, so eight bytes cost eight independent lookups instead
// of eight dependent ones. Built at compile time, 8 KiB of .rodata.
constexpr Tables make_tables() {
  Tables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][i] = c;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFFu];
  }
  return t;
}

constexpr Tables kTables = make_tables();

// The reflected CRC consumes bytes least significant first, so words are
// read little-endian whatever the host order.
inline std::uint32_t load_le32(const unsigned char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}

using Crc32cFn = std::uint32_t (*)(std::uint32_t, const void*, std::size_t) noexcept;

Crc32cFn select_impl() noexcept {
  return detail::crc32c_hw_available() ? &detail::crc32c_hw : &detail::crc32c_sw;
}

}  // namespace

namespace detail {

std::uint32_t crc32c_sw(std::uint32_t crc, const void* data, std::size_t size) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t c = ~crc;
  for (; size >= 8; size -= 8, p += 8) {
    const std::uint32_t lo = c ^ load_le32(p);
    const std::uint32_t hi = load_le32(p + 4);
    c = kTables[7][lo & 0xFFu] ^ kTables[6][(lo >> 8) & 0xFFu] ^ kTables[5][(lo >> 16) & 0xFFu] ^
        kTables[4][lo >> 24] ^ kTables[3][hi & 0xFFu] ^ kTables[2][(hi >> 8) & 0xFFu] ^
        kTables[1][(hi >> 16) & 0xFFu] ^ kTables[0][hi >> 24];
  }
  for (; size > 0; --size, ++p) c = (c >> 8) ^ kTables[0][(c ^ *p) & 0xFFu];
  return ~c;
}

#if defined(__x86_64__)

// Compiled for SSE4.2 on its own so the rest of the build keeps the baseline
// ISA; only reached after the runtime check in crc32c_hw_available().
__attribute__((target("sse4.2"))) std::uint32_t crc32c_hw(std::uint32_t crc, const void* data,
                                                          std::size_t size) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t c = ~crc;
  for (; size >= 8; size -= 8, p += 8) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    c = _mm_crc32_u64(c, v);
  }
  auto c32 = static_cast<std::uint32_t>(c);
  if (size >= 4) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    c32 = _mm_crc32_u32(c32, v);
    p += 4;
    size -= 4;
  }
  for (; size > 0; --size, ++p) c32 = _mm_crc32_u8(c32, *p);
  return ~c32;
}

bool crc32c_hw_available() noexcept {
  // Needed when this runs before the runtime's own CPU probe (e.g. from a
  // static initialiser in another translation unit).
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}

#else

std::uint32_t crc32c_hw(std::uint32_t crc, const void* data, std::size_t size) noexcept {
  return crc32c_sw(crc, data, size);
}

bool crc32c_hw_available() noexcept {
  return false;
}

#endif

}  // namespace detail

std::uint32_t crc32c(std::uint32_t crc, const void* data, std::size_t size) noexcept {
  static const Crc32cFn impl = select_impl();
  return impl(crc, data, size);
}

}  // namespace matchgate::util
