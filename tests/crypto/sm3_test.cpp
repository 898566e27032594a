#include "matchgate/crypto/sm3.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using matchgate::crypto::kSm3DigestSize;
using matchgate::crypto::Sm3;
using matchgate::crypto::Sm3Digest;
using matchgate::crypto::to_hex;

std::string sm3_hex(std::string_view s) {
  return to_hex(Sm3::digest(s.data(), s.size()));
}

// OpenSSL's EVP_sm3 as the reference implementation.
class OpensslSm3 {
 public:
  OpensslSm3() : md_(EVP_MD_fetch(nullptr, "SM3", nullptr)), ctx_(EVP_MD_CTX_new()) {
    if (md_ == nullptr || ctx_ == nullptr) throw std::runtime_error("OpenSSL has no SM3");
  }
  Sm3Digest operator()(const void* data, std::size_t size) {
    Sm3Digest out{};
    unsigned len = 0;
    if (EVP_DigestInit_ex(ctx_.get(), md_.get(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx_.get(), data, size) != 1 ||
        EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1 || len != kSm3DigestSize) {
      throw std::runtime_error("EVP SM3 failed");
    }
    return out;
  }

 private:
  struct MdFree {
    void operator()(EVP_MD* p) const { EVP_MD_free(p); }
  };
  struct CtxFree {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  };
  std::unique_ptr<EVP_MD, MdFree> md_;
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx_;
};

std::vector<std::uint8_t> random_bytes(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

}  // namespace

// GB/T 32905-2016 appendix A.
TEST(Sm3, StandardVectors) {
  EXPECT_EQ(sm3_hex("abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  std::string abcd16;
  for (int i = 0; i < 16; ++i) abcd16 += "abcd";
  EXPECT_EQ(sm3_hex(abcd16), "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

TEST(Sm3, EmptyInput) {
  EXPECT_EQ(sm3_hex(""), "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
  EXPECT_EQ(to_hex(Sm3::digest(nullptr, 0)), sm3_hex(""));
  Sm3 h;
  h.update(nullptr, 0);
  EXPECT_EQ(to_hex(h.finish()), sm3_hex(""));
}

TEST(Sm3, HexIsLowercase64Chars) {
  Sm3Digest d{};
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(0xF0 + i % 16);
  const std::string hex = to_hex(d);
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex.substr(0, 8), "f0f1f2f3");
  EXPECT_EQ(hex.substr(56), "fcfdfeff");
}

TEST(Sm3, MatchesOpensslOnEveryLengthUpTo1000) {
  OpensslSm3 reference;
  std::mt19937_64 rng(32905);
  const auto data = random_bytes(1000, rng);
  for (std::size_t len = 0; len <= data.size(); ++len) {
    ASSERT_EQ(Sm3::digest(data.data(), len), reference(data.data(), len)) << "length " << len;
  }
}

TEST(Sm3, MatchesOpensslWithRandomSplitUpdates) {
  OpensslSm3 reference;
  std::mt19937_64 rng(2016);
  for (int iter = 0; iter < 2000; ++iter) {
    const std::size_t len = rng() % 1001;
    const auto data = random_bytes(len, rng);
    Sm3 h;
    std::size_t at = 0;
    while (at < len) {
      // Mostly small pieces so the buffer fills across block boundaries;
      // sometimes empty updates and sometimes more than a block at once.
      const std::size_t piece =
          std::min<std::size_t>(len - at, rng() % 4 == 0 ? rng() % 200 : rng() % 9);
      h.update(data.data() + at, piece);
      at += piece;
    }
    ASSERT_EQ(h.finish(), reference(data.data(), len)) << "length " << len << " iteration " << iter;
  }
}

TEST(Sm3, MatchesOpensslOnLargeInput) {
  OpensslSm3 reference;
  std::mt19937_64 rng(1);
  const auto data = random_bytes((1u << 20) + 17, rng);
  EXPECT_EQ(Sm3::digest(data.data(), data.size()), reference(data.data(), data.size()));
}

TEST(Sm3, CopiedHasherForksTheStream) {
  OpensslSm3 reference;
  const std::string prefix(100, 'p');
  Sm3 base;
  base.update(prefix.data(), prefix.size());
  for (const std::string suffix :
       {"", "x", "a longer suffix that crosses into another block...."}) {
    Sm3 fork = base;
    fork.update(suffix.data(), suffix.size());
    const std::string whole = prefix + suffix;
    EXPECT_EQ(fork.finish(), reference(whole.data(), whole.size())) << suffix;
  }
  // The original is untouched by its copies.
  EXPECT_EQ(base.finish(), reference(prefix.data(), prefix.size()));
}

TEST(Sm3, ResetStartsOver) {
  Sm3 h;
  h.update("garbage", 7);
  (void)h.finish();
  h.reset();
  h.update("abc", 3);
  EXPECT_EQ(to_hex(h.finish()), sm3_hex("abc"));
  h.reset();
  h.update("some unfinished", 15);
  h.reset();
  h.update("a", 1).update("bc", 2);
  EXPECT_EQ(to_hex(h.finish()), sm3_hex("abc"));
}
