#include "matchgate/crypto/password_hash.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <set>
#include <stdexcept>
#include <string>

namespace mc = matchgate::crypto;

namespace {

// The lowest accepted count keeps the tests fast.
constexpr unsigned kFast = 10'000;

// Computed independently (Python hashlib.pbkdf2_hmac) with salt bytes 0..15.
constexpr const char* kKnownHash =
    "pbkdf2-sha256$10000$AAECAwQFBgcICQoLDA0ODw==$K50c04XEjZAmAsH28ZphbuqmYt2qzEnRcSFAg7qHNgk=";
constexpr const char* kKnownPassword = "demo-pass-1";

// Salt "matchgate-salt!!", 12345 iterations, UTF-8 password.
constexpr const char* kKnownHashUtf8 =
    "pbkdf2-sha256$12345$bWF0Y2hnYXRlLXNhbHQhIQ==$1WTMr6yR+DhL8slswTI4MCEM/Ob9yZOR0+VSSzhXCr0=";
constexpr const char* kKnownPasswordUtf8 = "p\xc3\xa4ssw\xc3\xb6rd";

const std::string kSalt = "AAECAwQFBgcICQoLDA0ODw==";
const std::string kKey = "K50c04XEjZAmAsH28ZphbuqmYt2qzEnRcSFAg7qHNgk=";

std::string make(const std::string& scheme, const std::string& iterations, const std::string& salt,
                 const std::string& key) {
  return scheme + "$" + iterations + "$" + salt + "$" + key;
}

}  // namespace

TEST(PasswordHash, RoundTrip) {
  const std::string hash = mc::hash_password("correct horse battery staple", kFast);
  EXPECT_EQ(mc::password_hash_format_error(hash), "");
  EXPECT_TRUE(mc::verify_password("correct horse battery staple", hash));
}

TEST(PasswordHash, Format) {
  const std::string hash = mc::hash_password("pw", 123'456);
  ASSERT_EQ(hash.rfind("pbkdf2-sha256$123456$", 0), 0u) << hash;
  // 16-byte salt -> 24 base64 chars, 32-byte key -> 44.
  const std::string rest = hash.substr(std::string("pbkdf2-sha256$123456$").size());
  const auto dollar = rest.find('$');
  ASSERT_NE(dollar, std::string::npos);
  EXPECT_EQ(dollar, 24u);
  EXPECT_EQ(rest.substr(22, 2), "==");
  EXPECT_EQ(rest.size() - dollar - 1, 44u);
  EXPECT_EQ(rest.back(), '=');
}

TEST(PasswordHash, DefaultIterations) {
  const std::string hash = mc::hash_password("pw");
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$" + std::to_string(mc::kDefaultPbkdf2Iterations) + "$", 0),
            0u);
}

TEST(PasswordHash, WrongPassword) {
  const std::string hash = mc::hash_password("demo-pass-1", kFast);
  EXPECT_FALSE(mc::verify_password("demo-pass-2", hash));
  EXPECT_FALSE(mc::verify_password("demo-pass-", hash));
  EXPECT_FALSE(mc::verify_password("demo-pass-11", hash));
  EXPECT_FALSE(mc::verify_password("", hash));
}

TEST(PasswordHash, EmptyPassword) {
  const std::string hash = mc::hash_password("", kFast);
  EXPECT_TRUE(mc::verify_password("", hash));
  EXPECT_FALSE(mc::verify_password(" ", hash));
}

TEST(PasswordHash, BinaryPassword) {
  const std::string pw("a\0b", 3);
  const std::string hash = mc::hash_password(pw, kFast);
  EXPECT_TRUE(mc::verify_password(pw, hash));
  EXPECT_FALSE(mc::verify_password("a", hash));
}

TEST(PasswordHash, DifferentSaltsGiveDifferentHashes) {
  std::set<std::string> seen;
  for (int i = 0; i < 8; ++i) {
    const std::string hash = mc::hash_password("same password", kFast);
    EXPECT_TRUE(mc::verify_password("same password", hash));
    seen.insert(hash);
  }
  EXPECT_EQ(seen.size(), 8u);
}

TEST(PasswordHash, KnownAnswer) {
  EXPECT_EQ(mc::password_hash_format_error(kKnownHash), "");
  EXPECT_TRUE(mc::verify_password(kKnownPassword, kKnownHash));
  EXPECT_FALSE(mc::verify_password("demo-pass-2", kKnownHash));
  EXPECT_TRUE(mc::verify_password(kKnownPasswordUtf8, kKnownHashUtf8));
}

TEST(PasswordHash, TamperedFieldsFailVerification) {
  // Well-formed but altered: different iteration count, salt or key.
  EXPECT_FALSE(mc::verify_password(kKnownPassword, make("pbkdf2-sha256", "10001", kSalt, kKey)));
  EXPECT_FALSE(mc::verify_password(
      kKnownPassword, make("pbkdf2-sha256", "10000", "AQECAwQFBgcICQoLDA0ODw==", kKey)));
  std::string key = kKey;
  key[0] = (key[0] == 'A') ? 'B' : 'A';
  EXPECT_FALSE(mc::verify_password(kKnownPassword, make("pbkdf2-sha256", "10000", kSalt, key)));
}

TEST(PasswordHash, IterationBounds) {
  EXPECT_EQ(mc::password_hash_format_error(make("pbkdf2-sha256", "10000", kSalt, kKey)), "");
  EXPECT_EQ(mc::password_hash_format_error(make("pbkdf2-sha256", "10000000", kSalt, kKey)), "");
  EXPECT_NE(mc::password_hash_format_error(make("pbkdf2-sha256", "9999", kSalt, kKey)), "");
  EXPECT_NE(mc::password_hash_format_error(make("pbkdf2-sha256", "10000001", kSalt, kKey)), "");
  EXPECT_THROW(mc::hash_password("pw", 9'999), std::invalid_argument);
  EXPECT_THROW(mc::hash_password("pw", 10'000'001), std::invalid_argument);
  EXPECT_THROW(mc::hash_password("pw", 0), std::invalid_argument);
}

struct Malformed {
  std::string label;  // names the case in gtest and ctest
  std::string encoded;
  std::string expected_error;  // the exact message
};

// Keeps ctest names short: gtest_discover_tests puts the printed value there.
void PrintTo(const Malformed& m, std::ostream* os) {
  *os << m.label;
}

class MalformedHash : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedHash, IsRejectedWithAPreciseMessage) {
  const auto& p = GetParam();
  EXPECT_EQ(mc::password_hash_format_error(p.encoded), p.expected_error) << p.encoded;
  EXPECT_FALSE(mc::verify_password(kKnownPassword, p.encoded));
  EXPECT_FALSE(mc::verify_password("", p.encoded));
}

INSTANTIATE_TEST_SUITE_P(
    PasswordHash, MalformedHash,
    ::testing::Values(
        Malformed{"Empty", "", "password hash is empty"},
        Malformed{"OneField", "demo-pass-1",
                  "password hash has 1 '$'-separated fields, expected 4: "
                  "pbkdf2-sha256$<iterations>$<salt>$<key>"},
        Malformed{"ThreeFields", "pbkdf2-sha256$10000$" + kSalt,
                  "password hash has 3 '$'-separated fields, expected 4: "
                  "pbkdf2-sha256$<iterations>$<salt>$<key>"},
        Malformed{"FiveFields", make("pbkdf2-sha256", "10000", kSalt, kKey) + "$",
                  "password hash has 5 '$'-separated fields, expected 4: "
                  "pbkdf2-sha256$<iterations>$<salt>$<key>"},
        Malformed{"SchemeSha1", make("pbkdf2-sha1", "10000", kSalt, kKey),
                  "password hash scheme is 'pbkdf2-sha1', expected 'pbkdf2-sha256'"},
        Malformed{"SchemeUpperCase", make("PBKDF2-SHA256", "10000", kSalt, kKey),
                  "password hash scheme is 'PBKDF2-SHA256', expected 'pbkdf2-sha256'"},
        Malformed{"IterationsEmpty", make("pbkdf2-sha256", "", kSalt, kKey),
                  "iteration count is empty"},
        Malformed{"IterationsSuffix", make("pbkdf2-sha256", "10k", kSalt, kKey),
                  "iteration count '10k' is not a decimal number"},
        Malformed{"IterationsNegative", make("pbkdf2-sha256", "-10000", kSalt, kKey),
                  "iteration count '-10000' is not a decimal number"},
        Malformed{"IterationsPlus", make("pbkdf2-sha256", "+10000", kSalt, kKey),
                  "iteration count '+10000' is not a decimal number"},
        Malformed{"IterationsSpace", make("pbkdf2-sha256", " 10000", kSalt, kKey),
                  "iteration count ' 10000' is not a decimal number"},
        Malformed{"IterationsLeadingZero", make("pbkdf2-sha256", "010000", kSalt, kKey),
                  "iteration count '010000' has a leading zero"},
        Malformed{"IterationsTooFew", make("pbkdf2-sha256", "9999", kSalt, kKey),
                  "iteration count 9999 is outside 10000..10000000"},
        Malformed{"IterationsHuge", make("pbkdf2-sha256", "99999999999999999999999", kSalt, kKey),
                  "iteration count 99999999999999999999999 is outside 10000..10000000"},
        Malformed{"SaltEmpty", make("pbkdf2-sha256", "10000", "", kKey), "salt is empty"},
        Malformed{"SaltLength23", make("pbkdf2-sha256", "10000", "AAECAwQFBgcICQoLDA0ODw=", kKey),
                  "salt has length 23, not a multiple of 4"},
        Malformed{"SaltLength22", make("pbkdf2-sha256", "10000", "AAECAwQFBgcICQoLDA0ODw", kKey),
                  "salt has length 22, not a multiple of 4"},
        Malformed{"SaltBadChar", make("pbkdf2-sha256", "10000", "AAECAwQFBgcICQoLDA0OD!==", kKey),
                  "salt has a character outside the base64 alphabet at position 21"},
        Malformed{"SaltUrlSafeChar",
                  make("pbkdf2-sha256", "10000", "AAECAwQFBgcICQoLDA0O-w==", kKey),
                  "salt has a character outside the base64 alphabet at position 20"},
        Malformed{"SaltPaddingInside",
                  make("pbkdf2-sha256", "10000", "AAECAwQFBgcI=QoLDA0ODw==", kKey),
                  "salt has '=' padding before the end (position 12)"},
        Malformed{"SaltNonCanonical",
                  make("pbkdf2-sha256", "10000", "AAECAwQFBgcICQoLDA0ODx==", kKey),
                  "salt is not canonical base64 (non-zero bits in its last character)"},
        Malformed{"Salt15Bytes", make("pbkdf2-sha256", "10000", "AAECAwQFBgcICQoLDA0O", kKey),
                  "salt decodes to 15 bytes, expected 16"},
        Malformed{"Salt17Bytes", make("pbkdf2-sha256", "10000", "AAECAwQFBgcICQoLDA0ODxA=", kKey),
                  "salt decodes to 17 bytes, expected 16"},
        Malformed{"KeyEmpty", make("pbkdf2-sha256", "10000", kSalt, ""), "derived key is empty"},
        Malformed{"KeyLength43", make("pbkdf2-sha256", "10000", kSalt, kKey.substr(0, 43)),
                  "derived key has length 43, not a multiple of 4"},
        Malformed{"Key30Bytes", make("pbkdf2-sha256", "10000", kSalt, kKey.substr(0, 40)),
                  "derived key decodes to 30 bytes, expected 32"},
        Malformed{"KeyNonCanonical",
                  make("pbkdf2-sha256", "10000", kSalt, kKey.substr(0, 42) + "h="),
                  "derived key is not canonical base64 (non-zero bits in its last character)"},
        Malformed{"KeyTrailingSpace", make("pbkdf2-sha256", "10000", kSalt, kKey + " "),
                  "derived key has length 45, not a multiple of 4"},
        Malformed{"KeyNewline", make("pbkdf2-sha256", "10000", kSalt, kKey.substr(0, 43) + "\n"),
                  "derived key has a character outside the base64 alphabet at position 43"}),
    [](const ::testing::TestParamInfo<Malformed>& info) { return info.param.label; });
