// SM2 over the OpenSSL 3 EVP API. OpenSSL 3.0 computes Z_A with an empty ID
// unless the ID is set on a pkey context that is attached to the digest
// context before EVP_DigestSignInit/EVP_DigestVerifyInit; every operation
// here goes through make_digest_ctx() so the ID cannot be forgotten.
#include "matchgate/crypto/sm2.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

namespace matchgate::crypto {

void detail::EvpPkeyFree::operator()(evp_pkey_st* key) const noexcept {
  EVP_PKEY_free(key);
}

namespace {

// A PEM key is a few hundred bytes; the cap only stops a mistaken path
// (a log, a device) from being read whole.
constexpr std::size_t kMaxPemSize = 64 * 1024;

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  // For writers: close() reports deferred write errors, so it is checked.
  int release_and_close() noexcept {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Wipes what it held: PEM text of a private key passes through here.
class SecretBuffer {
 public:
  SecretBuffer() = default;
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;
  ~SecretBuffer() {
    if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  }
  std::vector<char>& bytes() noexcept { return bytes_; }

 private:
  std::vector<char> bytes_;
};

// Drains the OpenSSL error queue (everything after the caller's mark) into
// one line for an exception message.
std::string openssl_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string("no OpenSSL error reported") : out;
}

// For failures after ERR_set_mark(): reports the errors since the mark and
// removes them, so callers' error queues are left as they were.
[[noreturn]] void throw_since_mark(const std::string& what) {
  const std::string errors = openssl_errors();
  ERR_pop_to_mark();
  throw CryptoError(what + " (" + errors + ")");
}

std::string errno_text(int err) {
  return std::strerror(err);
}

std::string mode_text(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Never prompts on the terminal for an encrypted key: a daemon has nobody to
// answer, and OpenSSL's default callback would block reading the tty.
int no_passphrase(char*, int, int, void*) {
  return -1;
}

const char* key_type_name(EVP_PKEY* key) {
  const char* name = EVP_PKEY_get0_type_name(key);
  return name != nullptr ? name : "unknown";
}

void read_all(int fd, const std::filesystem::path& path, std::vector<char>& out, const char* what) {
  out.resize(kMaxPemSize + 1);
  std::size_t used = 0;
  while (used < out.size()) {
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      throw CryptoError(std::string("cannot read ") + what + " " + path.string() + ": " +
                        errno_text(err));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > kMaxPemSize) {
    throw CryptoError(std::string(what) + " " + path.string() + ": larger than " +
                      std::to_string(kMaxPemSize) + " bytes, not a PEM key");
  }
  out.resize(used);
}

Fd open_for_read(const std::filesystem::path& path, const char* what, struct stat& st) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    const int err = errno;
    throw CryptoError(std::string("cannot open ") + what + " " + path.string() + ": " +
                      errno_text(err));
  }
  if (::fstat(fd.get(), &st) != 0) {
    const int err = errno;
    throw CryptoError(std::string("cannot stat ") + what + " " + path.string() + ": " +
                      errno_text(err));
  }
  if (!S_ISREG(st.st_mode)) {
    throw CryptoError(std::string(what) + " " + path.string() + ": not a regular file");
  }
  return fd;
}

void require_sm2(EVP_PKEY* key, const std::string& where) {
  // OpenSSL 3 decodes a key on the SM2 curve as type "SM2" whether it was
  // written as SM2 or as id-ecPublicKey; an "EC" key would sign ECDSA.
  if (EVP_PKEY_is_a(key, "SM2") != 1) {
    throw CryptoError(where + ": key type " + key_type_name(key) + ", not an SM2 key");
  }
}

std::vector<std::uint8_t> encode_spki(EVP_PKEY* key, const char* what) {
  ERR_set_mark();
  const int len = i2d_PUBKEY(key, nullptr);
  std::vector<std::uint8_t> out(len > 0 ? static_cast<std::size_t>(len) : 0);
  unsigned char* p = out.data();
  if (len <= 0 || i2d_PUBKEY(key, &p) != len) throw_since_mark(what);
  ERR_pop_to_mark();
  return out;
}

// A digest context for sign or verify whose pkey context carries `id`. The
// pkey context must outlive the digest context (OpenSSL does not take
// ownership of an attached context), hence the pair, destroyed md first.
struct DigestCtx {
  PkeyCtxPtr pctx;
  MdCtxPtr md;
};

enum class Op { kSign, kVerify };

bool make_digest_ctx(EVP_PKEY* key, std::string_view id, Op op, DigestCtx& out) noexcept {
  if (key == nullptr || id.size() > kMaxSm2IdSize) return false;
  out.pctx.reset(EVP_PKEY_CTX_new(key, nullptr));
  out.md.reset(EVP_MD_CTX_new());
  if (!out.pctx || !out.md) return false;
  // Never a null pointer: an empty ID is still an ID (ENTL = 0).
  const auto* id_bytes = reinterpret_cast<const unsigned char*>(id.empty() ? "" : id.data());
  if (EVP_PKEY_CTX_set1_id(out.pctx.get(), id_bytes, static_cast<int>(id.size())) <= 0) {
    return false;
  }
  EVP_MD_CTX_set_pkey_ctx(out.md.get(), out.pctx.get());
  const int rc = op == Op::kSign
                     ? EVP_DigestSignInit(out.md.get(), nullptr, EVP_sm3(), nullptr, key)
                     : EVP_DigestVerifyInit(out.md.get(), nullptr, EVP_sm3(), nullptr, key);
  return rc == 1;
}

// Writes all of `data`, retrying short writes and EINTR; false with errno set.
bool write_all(int fd, const char* data, std::size_t size) noexcept {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Makes the new directory entries durable; a key that vanishes after a crash
// would leave a log sealed by a key nobody has.
void sync_parent_dir(const std::filesystem::path& file) {
  std::filesystem::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
    const int err = errno;
    throw CryptoError("cannot sync directory " + dir.string() + ": " + errno_text(err));
  }
}

std::string pem_of(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

}  // namespace

// --- Sm2PublicKey ---------------------------------------------------------

Sm2PublicKey Sm2PublicKey::load_pem(const std::filesystem::path& path) {
  constexpr const char* kWhat = "SM2 public key";
  struct stat st {};
  Fd fd = open_for_read(path, kWhat, st);
  std::vector<char> pem;
  read_all(fd.get(), path, pem, kWhat);

  ERR_set_mark();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  detail::EvpPkeyPtr key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr)
                             : nullptr);
  if (!key) {
    throw_since_mark(std::string(kWhat) + " " + path.string() +
                     ": not a PEM public key (BEGIN PUBLIC KEY)");
  }
  ERR_pop_to_mark();
  require_sm2(key.get(), std::string(kWhat) + " " + path.string());
  return Sm2PublicKey(std::move(key));
}

Sm2PublicKey Sm2PublicKey::from_der(std::span<const std::uint8_t> spki_der) {
  if (spki_der.empty() || spki_der.size() > static_cast<std::size_t>(LONG_MAX)) {
    throw CryptoError("SM2 public key DER: empty or oversized input");
  }
  ERR_set_mark();
  const unsigned char* p = spki_der.data();
  detail::EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!key) {
    throw_since_mark("SM2 public key DER: not a SubjectPublicKeyInfo");
  }
  ERR_pop_to_mark();
  // A key that parsed but left bytes over would have two encodings that
  // mean the same key, and then two fingerprints.
  if (p != spki_der.data() + spki_der.size()) {
    throw CryptoError(
        "SM2 public key DER: " + std::to_string(spki_der.data() + spki_der.size() - p) +
        " trailing bytes after the SubjectPublicKeyInfo");
  }
  require_sm2(key.get(), "SM2 public key DER");
  return Sm2PublicKey(std::move(key));
}

Sm2PublicKey::Sm2PublicKey(const Sm2PublicKey& other) {
  if (other.key_ && EVP_PKEY_up_ref(other.key_.get()) == 1) key_.reset(other.key_.get());
}

Sm2PublicKey& Sm2PublicKey::operator=(const Sm2PublicKey& other) {
  if (this != &other) *this = Sm2PublicKey(other);
  return *this;
}

std::vector<std::uint8_t> Sm2PublicKey::der() const {
  if (!key_) throw CryptoError("SM2 public key: empty (moved-from) key");
  return encode_spki(key_.get(), "SM2 public key: cannot encode as DER");
}

Sm3Digest Sm2PublicKey::fingerprint() const {
  const std::vector<std::uint8_t> bytes = der();
  return Sm3::digest(bytes.data(), bytes.size());
}

bool Sm2PublicKey::verify(std::span<const std::uint8_t> message,
                          std::span<const std::uint8_t> der_signature,
                          std::string_view id) const noexcept {
  if (der_signature.empty() || der_signature.size() > kMaxSm2SignatureSize) return false;
  // Failures push errors; they are this call's business only.
  ERR_set_mark();
  DigestCtx ctx;
  const bool ok = make_digest_ctx(key_.get(), id, Op::kVerify, ctx) &&
                  EVP_DigestVerify(
                      ctx.md.get(), der_signature.data(), der_signature.size(),
                      message.empty() ? reinterpret_cast<const unsigned char*>("") : message.data(),
                      message.size()) == 1;
  ERR_pop_to_mark();
  return ok;
}

// --- Sm2PrivateKey --------------------------------------------------------

Sm2PrivateKey Sm2PrivateKey::load_pem(const std::filesystem::path& path) {
  constexpr const char* kWhat = "SM2 private key";
  struct stat st {};
  Fd fd = open_for_read(path, kWhat, st);
  if ((st.st_mode & 077) != 0) {
    throw CryptoError(std::string(kWhat) + " " + path.string() + ": mode " + mode_text(st.st_mode) +
                      ": a signing key must not be accessible by group or others; chmod 600 " +
                      path.string());
  }
  SecretBuffer pem;
  read_all(fd.get(), path, pem.bytes(), kWhat);

  ERR_set_mark();
  BioPtr bio(BIO_new_mem_buf(pem.bytes().data(), static_cast<int>(pem.bytes().size())));
  detail::EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr)
                             : nullptr);
  if (!key) {
    throw_since_mark(std::string(kWhat) + " " + path.string() +
                     ": not an unencrypted PEM private key");
  }
  ERR_pop_to_mark();
  require_sm2(key.get(), std::string(kWhat) + " " + path.string());
  return Sm2PrivateKey(std::move(key));
}

std::size_t Sm2PrivateKey::sign(std::span<const std::uint8_t> message,
                                std::span<std::uint8_t, kMaxSm2SignatureSize> out,
                                std::string_view id) const {
  if (!key_) throw CryptoError("SM2 sign: empty (moved-from) key");
  if (id.size() > kMaxSm2IdSize) {
    throw CryptoError("SM2 sign: distinguishing ID of " + std::to_string(id.size()) +
                      " bytes, at most " + std::to_string(kMaxSm2IdSize));
  }
  ERR_set_mark();
  DigestCtx ctx;
  std::size_t len = out.size();
  const bool ok =
      make_digest_ctx(key_.get(), id, Op::kSign, ctx) &&
      EVP_DigestSign(ctx.md.get(), out.data(), &len,
                     message.empty() ? reinterpret_cast<const unsigned char*>("") : message.data(),
                     message.size()) == 1 &&
      len <= out.size();
  if (!ok) {
    throw_since_mark("SM2 sign failed");
  }
  ERR_pop_to_mark();
  return len;
}

Sm2PublicKey Sm2PrivateKey::public_key() const {
  if (!key_) throw CryptoError("SM2 private key: empty (moved-from) key");
  // Re-decoded from the public encoding so the result holds no private
  // material, whatever it is later shared with.
  return Sm2PublicKey::from_der(
      encode_spki(key_.get(), "SM2 private key: cannot encode its public key"));
}

// --- generation -----------------------------------------------------------

void generate_sm2_key_pair(const std::filesystem::path& private_pem,
                           const std::filesystem::path& public_pem) {
  if (private_pem.lexically_normal() == public_pem.lexically_normal()) {
    throw CryptoError("SM2 key pair: private and public key paths are both " +
                      private_pem.string());
  }
  ERR_set_mark();
  detail::EvpPkeyPtr key;
  {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
      throw_since_mark("cannot generate an SM2 key");
    }
    key.reset(raw);
  }
  // The secure-memory BIO wipes the private PEM when freed.
  BioPtr private_bio(BIO_new(BIO_s_secmem()));
  BioPtr public_bio(BIO_new(BIO_s_mem()));
  if (!private_bio || !public_bio ||
      PEM_write_bio_PrivateKey(private_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1 ||
      PEM_write_bio_PUBKEY(public_bio.get(), key.get()) != 1) {
    throw_since_mark("cannot encode the SM2 key pair as PEM");
  }
  ERR_pop_to_mark();
  char* private_data = nullptr;
  const long private_len = BIO_get_mem_data(private_bio.get(), &private_data);
  const std::string public_text = pem_of(public_bio.get());
  if (private_len <= 0 || public_text.empty()) {
    throw CryptoError("cannot encode the SM2 key pair as PEM (empty output)");
  }

  // Both files are created before either is written, so an existing file is
  // refused before anything is left behind; O_EXCL also refuses symlinks.
  Fd private_fd(::open(private_pem.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (private_fd.get() < 0) {
    const int err = errno;
    throw CryptoError("cannot create SM2 private key " + private_pem.string() + ": " +
                      errno_text(err) + (err == EEXIST ? " (refusing to overwrite)" : ""));
  }
  Fd public_fd(::open(public_pem.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (public_fd.get() < 0) {
    const int err = errno;
    ::unlink(private_pem.c_str());
    throw CryptoError("cannot create SM2 public key " + public_pem.string() + ": " +
                      errno_text(err) + (err == EEXIST ? " (refusing to overwrite)" : ""));
  }

  // The umask may only have narrowed the modes; set them exactly so the
  // public key is readable by verifiers and the private one loads.
  std::string failure;
  if (::fchmod(private_fd.get(), 0600) != 0 ||
      !write_all(private_fd.get(), private_data, static_cast<std::size_t>(private_len)) ||
      ::fsync(private_fd.get()) != 0 || private_fd.release_and_close() != 0) {
    const int err = errno;
    failure = "cannot write SM2 private key " + private_pem.string() + ": " + errno_text(err);
  } else if (::fchmod(public_fd.get(), 0644) != 0 ||
             !write_all(public_fd.get(), public_text.data(), public_text.size()) ||
             ::fsync(public_fd.get()) != 0 || public_fd.release_and_close() != 0) {
    const int err = errno;
    failure = "cannot write SM2 public key " + public_pem.string() + ": " + errno_text(err);
  }
  if (failure.empty()) {
    try {
      sync_parent_dir(private_pem);
      sync_parent_dir(public_pem);
    } catch (const CryptoError& e) {
      failure = e.what();
    }
  }
  if (!failure.empty()) {
    ::unlink(private_pem.c_str());
    ::unlink(public_pem.c_str());
    throw CryptoError(failure);
  }
}

}  // namespace matchgate::crypto
