#include "matchgate/util/crc32c.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace {

using matchgate::util::crc32c;
using matchgate::util::detail::crc32c_hw;
using matchgate::util::detail::crc32c_hw_available;
using matchgate::util::detail::crc32c_sw;

// One bit at a time straight from the definition: shares no table or
// instruction with the code under test.
std::uint32_t bitwise_crc32c(std::uint32_t crc, const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t c = ~crc;
  for (std::size_t i = 0; i < size; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

std::vector<unsigned char> random_bytes(std::size_t n, std::mt19937_64& rng) {
  std::vector<unsigned char> v(n);
  for (auto& b : v) b = static_cast<unsigned char>(rng());
  return v;
}

using Fn = std::uint32_t (*)(std::uint32_t, const void*, std::size_t) noexcept;

struct Impl {
  const char* name;
  Fn fn;
};

std::vector<Impl> implementations() {
  std::vector<Impl> v{{"dispatch", &crc32c}, {"sw", &crc32c_sw}};
  if (crc32c_hw_available()) v.push_back({"hw", &crc32c_hw});
  return v;
}

void expect_vector(std::string_view label, const std::vector<unsigned char>& data,
                   std::uint32_t expected) {
  for (const Impl& impl : implementations()) {
    EXPECT_EQ(impl.fn(0, data.data(), data.size()), expected) << label << " via " << impl.name;
  }
}

}  // namespace

TEST(Crc32c, CheckValue) {
  constexpr std::string_view kCheck = "123456789";
  for (const Impl& impl : implementations()) {
    EXPECT_EQ(impl.fn(0, kCheck.data(), kCheck.size()), 0xE3069283u) << impl.name;
  }
}

TEST(Crc32c, EmptyInputLeavesCrcUnchanged) {
  for (const Impl& impl : implementations()) {
    EXPECT_EQ(impl.fn(0, nullptr, 0), 0u) << impl.name;
    EXPECT_EQ(impl.fn(0xDEADBEEFu, nullptr, 0), 0xDEADBEEFu) << impl.name;
  }
}

// RFC 3720 (iSCSI) appendix B.4.
TEST(Crc32c, Rfc3720Vectors) {
  expect_vector("32 x 0x00", std::vector<unsigned char>(32, 0x00), 0x8A9136AAu);
  expect_vector("32 x 0xFF", std::vector<unsigned char>(32, 0xFF), 0x62A8AB43u);
  std::vector<unsigned char> up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<unsigned char>(i);
    down[i] = static_cast<unsigned char>(31 - i);
  }
  expect_vector("0..31", up, 0x46DD794Eu);
  expect_vector("31..0", down, 0x113FDB5Cu);
  const std::vector<unsigned char> read10 = {
      0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
      0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  expect_vector("iSCSI read(10) PDU", read10, 0xD9963A56u);
}

TEST(Crc32c, AgreesWithBitwiseReferenceOnRandomInput) {
  std::mt19937_64 rng(20240611);
  // Offsets 0..7 exercise every alignment of the 8-byte loops; lengths cover
  // the word loop, the 4-byte step and the byte tail.
  for (std::size_t len = 0; len <= 1100; len += (len < 80 ? 1 : 37)) {
    for (std::size_t offset = 0; offset < 8; ++offset) {
      const auto buf = random_bytes(len + offset, rng);
      const std::uint32_t seed = offset % 2 ? static_cast<std::uint32_t>(rng()) : 0u;
      const std::uint32_t want = bitwise_crc32c(seed, buf.data() + offset, len);
      for (const Impl& impl : implementations()) {
        ASSERT_EQ(impl.fn(seed, buf.data() + offset, len), want)
            << impl.name << " len " << len << " offset " << offset;
      }
    }
  }
}

TEST(Crc32c, HardwareEqualsSoftware) {
  if (!crc32c_hw_available()) GTEST_SKIP() << "CPU lacks SSE4.2";
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const std::size_t len = rng() % 5000;
    const auto buf = random_bytes(len, rng);
    const auto seed = static_cast<std::uint32_t>(rng());
    ASSERT_EQ(crc32c_hw(seed, buf.data(), len), crc32c_sw(seed, buf.data(), len)) << len;
  }
}

TEST(Crc32c, ExtendingEqualsOneShot) {
  std::mt19937_64 rng(99);
  const auto buf = random_bytes(777, rng);
  const std::uint32_t whole = crc32c(0, buf.data(), buf.size());
  for (std::size_t split = 0; split <= buf.size(); split += 13) {
    for (const Impl& impl : implementations()) {
      const std::uint32_t first = impl.fn(0, buf.data(), split);
      EXPECT_EQ(impl.fn(first, buf.data() + split, buf.size() - split), whole)
          << impl.name << " split at " << split;
    }
  }
}

TEST(Crc32c, DetectsSingleBitFlips) {
  std::mt19937_64 rng(5);
  auto buf = random_bytes(300, rng);
  const std::uint32_t good = crc32c(0, buf.data(), buf.size());
  for (std::size_t bit = 0; bit < buf.size() * 8; ++bit) {
    buf[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
    ASSERT_NE(crc32c(0, buf.data(), buf.size()), good) << bit;
    buf[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
  }
}
