#pragma once
// SM2 signatures (GB/T 32918.2-2016) over OpenSSL 3, used to seal the
// write-ahead log. A signature covers SM3(Z_A || message), where Z_A binds
// the signer's distinguishing ID and public key; signer and verifier must
// agree on the ID, and the one every common tool defaults to is
// kDefaultSm2Id.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "matchgate/crypto/sm3.hpp"

// OpenSSL's own forward declaration (openssl/types.h), repeated so this
// header does not pull OpenSSL into every includer.
struct evp_pkey_st;

namespace matchgate::crypto {

// The default of GmSSL, Tongsuo and the Linux kernel.
inline constexpr std::string_view kDefaultSm2Id = "1234567812345678";
// DER SEQUENCE of two 256-bit INTEGERs, each possibly with a leading zero.
inline constexpr std::size_t kMaxSm2SignatureSize = 72;
// Z_A hashes the ID's length in bits as 16 bits.
inline constexpr std::size_t kMaxSm2IdSize = 8191;

struct CryptoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace detail {
struct EvpPkeyFree {
  void operator()(evp_pkey_st* key) const noexcept;
};
using EvpPkeyPtr = std::unique_ptr<evp_pkey_st, EvpPkeyFree>;
}  // namespace detail

// An SM2 public key. Copies share the underlying (immutable) OpenSSL key, so
// copying is cheap; verify() may be called from several threads at once.
class Sm2PublicKey {
 public:
  // Throws CryptoError naming the path and the problem.
  static Sm2PublicKey load_pem(const std::filesystem::path& path);
  // DER SubjectPublicKeyInfo; throws CryptoError unless it is exactly one SM2 key.
  static Sm2PublicKey from_der(std::span<const std::uint8_t> spki_der);

  Sm2PublicKey(const Sm2PublicKey& other);
  Sm2PublicKey& operator=(const Sm2PublicKey& other);
  Sm2PublicKey(Sm2PublicKey&&) noexcept = default;
  Sm2PublicKey& operator=(Sm2PublicKey&&) noexcept = default;
  ~Sm2PublicKey() = default;

  // SubjectPublicKeyInfo DER.
  std::vector<std::uint8_t> der() const;
  // SM3 of der(): names the key in logs and seals.
  Sm3Digest fingerprint() const;

  // True only for a valid DER signature by this key over `message` under
  // `id`. False on any failure (including a moved-from key); never throws
  // and leaves no entries on the OpenSSL error queue.
  bool verify(std::span<const std::uint8_t> message, std::span<const std::uint8_t> der_signature,
              std::string_view id = kDefaultSm2Id) const noexcept;

 private:
  explicit Sm2PublicKey(detail::EvpPkeyPtr key) noexcept : key_(std::move(key)) {}
  detail::EvpPkeyPtr key_;
};

// An SM2 private key; move-only so there is one obvious owner of the secret.
class Sm2PrivateKey {
 public:
  // Reads a PEM private key (PKCS#8 or SEC1, unencrypted). Refuses, with a
  // CryptoError naming the path: a file whose mode has any of the 077 bits
  // set (checked with fstat on the opened descriptor, so what is checked is
  // what is read), a missing, unreadable or non-regular file, and a key that
  // is not SM2.
  static Sm2PrivateKey load_pem(const std::filesystem::path& path);

  Sm2PrivateKey(Sm2PrivateKey&&) noexcept = default;
  Sm2PrivateKey& operator=(Sm2PrivateKey&&) noexcept = default;
  ~Sm2PrivateKey() = default;

  // Signs SM3(Z_A || message) per GB/T 32918.2 and writes the DER signature
  // to the front of `out`; returns its length. Throws CryptoError on failure.
  // Safe to call from several threads at once.
  std::size_t sign(std::span<const std::uint8_t> message,
                   std::span<std::uint8_t, kMaxSm2SignatureSize> out,
                   std::string_view id = kDefaultSm2Id) const;

  // A key holding only the public half.
  Sm2PublicKey public_key() const;

 private:
  explicit Sm2PrivateKey(detail::EvpPkeyPtr key) noexcept : key_(std::move(key)) {}
  detail::EvpPkeyPtr key_;
};

// Creates a new key pair: the private key as unencrypted PKCS#8 PEM, created
// O_CREAT|O_EXCL with mode 0600, and the public key as SubjectPublicKeyInfo
// PEM with mode 0644. Refuses (CryptoError) to overwrite either file; on any
// failure no file this call created is left behind.
void generate_sm2_key_pair(const std::filesystem::path& private_pem,
                           const std::filesystem::path& public_pem);

}  // namespace matchgate::crypto
