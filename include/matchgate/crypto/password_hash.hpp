#pragma once
// Member passwords are stored only as salted, slow hashes:
//   pbkdf2-sha256$<iterations>$<salt, base64>$<derived key, base64>
#include <string>
#include <string_view>

namespace matchgate::crypto {

inline constexpr unsigned kDefaultPbkdf2Iterations = 200'000;

// A new hash of `password` with a fresh random 16-byte salt.
std::string hash_password(std::string_view password,
                          unsigned iterations = kDefaultPbkdf2Iterations);

// Empty when `encoded` is a well-formed hash; otherwise what is wrong with it.
std::string password_hash_format_error(std::string_view encoded);

// Constant-time comparison; false for malformed hashes.
bool verify_password(std::string_view password, std::string_view encoded);

}  // namespace matchgate::crypto
