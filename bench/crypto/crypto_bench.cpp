// Primitives of the tamper-evident write-ahead log.
//
//   crypto_bench --benchmark_filter=Sm3      ours vs OpenSSL EVP at 64..4096 bytes
//   crypto_bench --benchmark_filter=Crc32c   SSE4.2 vs slicing-by-8
//   crypto_bench --benchmark_filter=Sm2      sign / verify of a 128-byte message
//
// The OpenSSL side fetches its EVP_MD once and reuses one EVP_MD_CTX, i.e.
// the cheapest way to call it, so the comparison is of the hash and the
// per-call API cost, not of fetch or allocation overhead.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <stdlib.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "matchgate/crypto/sm2.hpp"
#include "matchgate/crypto/sm3.hpp"
#include "matchgate/util/crc32c.hpp"

namespace {

namespace mc = matchgate::crypto;
namespace mu = matchgate::util;

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  std::mt19937_64 rng(n);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

void Sm3Ours(benchmark::State& state) {
  const auto data = random_bytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    mc::Sm3Digest d = mc::Sm3::digest(data.data(), data.size());
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void Sm3Openssl(benchmark::State& state) {
  const auto data = random_bytes(static_cast<std::size_t>(state.range(0)));
  EVP_MD* md = EVP_MD_fetch(nullptr, "SM3", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (md == nullptr || ctx == nullptr) {
    state.SkipWithError("OpenSSL has no SM3");
  } else {
    for (auto _ : state) {
      mc::Sm3Digest d;
      unsigned len = 0;
      if (EVP_DigestInit_ex(ctx, md, nullptr) != 1 ||
          EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
          EVP_DigestFinal_ex(ctx, d.data(), &len) != 1) {
        state.SkipWithError("EVP SM3 failed");
        break;
      }
      benchmark::DoNotOptimize(d);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
}

BENCHMARK(Sm3Ours)->Arg(64)->Arg(128)->Arg(256)->Arg(4096);
BENCHMARK(Sm3Openssl)->Arg(64)->Arg(128)->Arg(256)->Arg(4096);

template <std::uint32_t (*Fn)(std::uint32_t, const void*, std::size_t) noexcept>
void Crc32c(benchmark::State& state) {
  const auto data = random_bytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::uint32_t c = Fn(0, data.data(), data.size());
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void Crc32cHw(benchmark::State& state) {
  if (!mu::detail::crc32c_hw_available()) {
    state.SkipWithError("CPU lacks SSE4.2");
    for (auto _ : state) {
    }
    return;
  }
  Crc32c<&mu::detail::crc32c_hw>(state);
}

BENCHMARK(Crc32cHw)->Arg(64)->Arg(256)->Arg(4096);
BENCHMARK_TEMPLATE(Crc32c, &mu::detail::crc32c_sw)->Name("Crc32cSw")->Arg(64)->Arg(256)->Arg(4096);
BENCHMARK_TEMPLATE(Crc32c, &mu::crc32c)->Name("Crc32cDispatch")->Arg(64)->Arg(256)->Arg(4096);

// One key pair for the SM2 benchmarks, generated in a private temporary
// directory that is removed again at once.
struct Sm2Keys {
  mc::Sm2PrivateKey priv;
  mc::Sm2PublicKey pub;
};

const Sm2Keys& sm2_keys() {
  static const Sm2Keys keys = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "crypto_bench.XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    const std::filesystem::path dir = tmpl;
    mc::generate_sm2_key_pair(dir / "key.pem", dir / "pub.pem");
    Sm2Keys k{mc::Sm2PrivateKey::load_pem(dir / "key.pem"),
              mc::Sm2PublicKey::load_pem(dir / "pub.pem")};
    std::filesystem::remove_all(dir);
    return k;
  }();
  return keys;
}

void Sm2Sign(benchmark::State& state) {
  const Sm2Keys& keys = sm2_keys();
  const auto msg = random_bytes(128);
  std::array<std::uint8_t, mc::kMaxSm2SignatureSize> sig{};
  for (auto _ : state) {
    std::size_t len = keys.priv.sign(msg, sig);
    benchmark::DoNotOptimize(len);
  }
}

void Sm2Verify(benchmark::State& state) {
  const Sm2Keys& keys = sm2_keys();
  const auto msg = random_bytes(128);
  std::array<std::uint8_t, mc::kMaxSm2SignatureSize> sig{};
  const std::size_t len = keys.priv.sign(msg, sig);
  for (auto _ : state) {
    bool ok = keys.pub.verify(msg, {sig.data(), len});
    if (!ok) {
      state.SkipWithError("verify failed");
      break;
    }
    benchmark::DoNotOptimize(ok);
  }
}

BENCHMARK(Sm2Sign)->Unit(benchmark::kMicrosecond);
BENCHMARK(Sm2Verify)->Unit(benchmark::kMicrosecond);

}  // namespace
