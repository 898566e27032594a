// PBKDF2-HMAC-SHA256 password hashes:
//   pbkdf2-sha256$<iterations>$<salt, base64>$<derived key, base64>
// Base64 is the standard alphabet with padding; decoding is strict (canonical
// encodings only), so every well-formed hash has exactly one spelling.
#include "matchgate/crypto/password_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace matchgate::crypto {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;
constexpr unsigned kMinIterations = 10'000;
constexpr unsigned kMaxIterations = 10'000'000;

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const unsigned char* data, std::size_t size) {
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                            std::uint32_t{data[i + 2]};
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += kBase64Alphabet[v & 63];
  }
  const std::size_t rest = size - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{data[i]} << 16;
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict decoder: length a multiple of 4, '=' only as the last one or two
// characters, unused bits of the last symbol zero. On failure `error` says why.
std::optional<std::vector<unsigned char>> base64_decode(std::string_view in, std::string& error) {
  if (in.empty()) {
    error = "is empty";
    return std::nullopt;
  }
  if (in.size() % 4 != 0) {
    error = "has length " + std::to_string(in.size()) + ", not a multiple of 4";
    return std::nullopt;
  }
  std::size_t padding = 0;
  if (in.back() == '=') padding = (in[in.size() - 2] == '=') ? 2 : 1;
  const std::size_t symbols = in.size() - padding;
  std::vector<unsigned char> out;
  out.reserve(in.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < symbols; ++i) {
    const int v = base64_value(in[i]);
    if (v < 0) {
      error = (in[i] == '=')
                  ? "has '=' padding before the end (position " + std::to_string(i) + ")"
                  : "has a character outside the base64 alphabet at position " + std::to_string(i);
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<unsigned char>((acc >> bits) & 0xFF));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) {
    error = "is not canonical base64 (non-zero bits in its last character)";
    return std::nullopt;
  }
  return out;
}

// Decimal digits only, no sign, no leading zero, within the accepted range.
std::optional<unsigned> parse_iterations(std::string_view text, std::string& error) {
  if (text.empty()) {
    error = "iteration count is empty";
    return std::nullopt;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      error = "iteration count '" + std::string(text) + "' is not a decimal number";
      return std::nullopt;
    }
  }
  if (text.size() > 1 && text.front() == '0') {
    error = "iteration count '" + std::string(text) + "' has a leading zero";
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (char c : text) {
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > kMaxIterations) break;
  }
  if (value < kMinIterations || value > kMaxIterations) {
    error = "iteration count " + std::string(text) + " is outside " +
            std::to_string(kMinIterations) + ".." + std::to_string(kMaxIterations);
    return std::nullopt;
  }
  return static_cast<unsigned>(value);
}

struct ParsedHash {
  unsigned iterations = 0;
  std::vector<unsigned char> salt;
  std::vector<unsigned char> key;
};

std::optional<ParsedHash> parse(std::string_view encoded, std::string& error) {
  if (encoded.empty()) {
    error = "password hash is empty";
    return std::nullopt;
  }
  std::array<std::string_view, 4> fields;
  std::size_t count = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = encoded.find('$', start);
    const std::string_view field =
        encoded.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
    if (count < fields.size()) fields[count] = field;
    ++count;
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  if (count != 4) {
    error = "password hash has " + std::to_string(count) +
            " '$'-separated fields, expected 4: pbkdf2-sha256$<iterations>$<salt>$<key>";
    return std::nullopt;
  }
  if (fields[0] != kScheme) {
    error = "password hash scheme is '" + std::string(fields[0]) + "', expected '" +
            std::string(kScheme) + "'";
    return std::nullopt;
  }
  ParsedHash out;
  const auto iterations = parse_iterations(fields[1], error);
  if (!iterations) return std::nullopt;
  out.iterations = *iterations;

  std::string why;
  auto salt = base64_decode(fields[2], why);
  if (!salt) {
    error = "salt " + why;
    return std::nullopt;
  }
  if (salt->size() != kSaltBytes) {
    error = "salt decodes to " + std::to_string(salt->size()) + " bytes, expected " +
            std::to_string(kSaltBytes);
    return std::nullopt;
  }
  auto key = base64_decode(fields[3], why);
  if (!key) {
    error = "derived key " + why;
    return std::nullopt;
  }
  if (key->size() != kKeyBytes) {
    error = "derived key decodes to " + std::to_string(key->size()) + " bytes, expected " +
            std::to_string(kKeyBytes);
    return std::nullopt;
  }
  out.salt = std::move(*salt);
  out.key = std::move(*key);
  return out;
}

std::array<unsigned char, kKeyBytes> derive(std::string_view password, const unsigned char* salt,
                                            std::size_t salt_size, unsigned iterations) {
  std::array<unsigned char, kKeyBytes> key{};
  // An empty string_view may have a null data(); OpenSSL wants a valid pointer.
  const char* pass = password.empty() ? "" : password.data();
  if (PKCS5_PBKDF2_HMAC(pass, static_cast<int>(password.size()), salt, static_cast<int>(salt_size),
                        static_cast<int>(iterations), EVP_sha256(), static_cast<int>(key.size()),
                        key.data()) != 1) {
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  }
  return key;
}

}  // namespace

std::string hash_password(std::string_view password, unsigned iterations) {
  if (iterations < kMinIterations || iterations > kMaxIterations) {
    throw std::invalid_argument("PBKDF2 iteration count " + std::to_string(iterations) +
                                " is outside " + std::to_string(kMinIterations) + ".." +
                                std::to_string(kMaxIterations));
  }
  if (password.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw std::invalid_argument("password too long");
  }
  std::array<unsigned char, kSaltBytes> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed to produce a salt");
  }
  auto key = derive(password, salt.data(), salt.size(), iterations);
  std::string out;
  out.reserve(kScheme.size() + 1 + 8 + 1 + 24 + 1 + 44);
  out += kScheme;
  out += '$';
  out += std::to_string(iterations);
  out += '$';
  out += base64_encode(salt.data(), salt.size());
  out += '$';
  out += base64_encode(key.data(), key.size());
  OPENSSL_cleanse(key.data(), key.size());
  return out;
}

std::string password_hash_format_error(std::string_view encoded) {
  std::string error;
  if (!parse(encoded, error)) return error;
  return {};
}

bool verify_password(std::string_view password, std::string_view encoded) {
  std::string error;
  const auto parsed = parse(encoded, error);
  if (!parsed) return false;
  if (password.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return false;
  auto key = derive(password, parsed->salt.data(), parsed->salt.size(), parsed->iterations);
  const bool equal = CRYPTO_memcmp(key.data(), parsed->key.data(), key.size()) == 0;
  OPENSSL_cleanse(key.data(), key.size());
  return equal;
}

}  // namespace matchgate::crypto
