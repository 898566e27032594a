#include "matchgate/wal/sealer.hpp"

#include <pthread.h>
#include <utility>

namespace matchgate::wal {

Sealer::Sealer(crypto::Sm2PrivateKey key, std::string sm2_id)
    : key_(std::move(key)), id_(std::move(sm2_id)) {
  fingerprint_ = key_.public_key().fingerprint();
  thread_ = std::thread([this] { run(); });
}

Sealer::~Sealer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Seal Sealer::sign(std::uint64_t seq, const Hash& hash) const {
  Seal s;
  s.sealed_seq = seq;
  s.sealed_hash = hash;
  s.key_fingerprint = fingerprint_;
  const auto message = seal_message(seq, hash);
  std::span<std::uint8_t, crypto::kMaxSm2SignatureSize> out(s.signature.data(),
                                                            crypto::kMaxSm2SignatureSize);
  s.signature_length = static_cast<std::uint16_t>(key_.sign(message, out, id_));
  return s;
}

void Sealer::run() {
  pthread_setname_np(pthread_self(), "wal-sealer");
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || (requested_ && !done_); });
    if (stop_) return;
    const std::uint64_t seq = seq_;
    const Hash hash = hash_;
    lock.unlock();
    std::optional<Seal> seal;
    std::string error;
    try {
      seal = sign(seq, hash);
    } catch (const std::exception& e) {
      error = e.what();
    }
    lock.lock();
    requested_ = false;
    if (seal) {
      done_ = *seal;
      has_done_.store(true, std::memory_order_release);
    } else {
      error_ = error;
      failed_.store(true, std::memory_order_release);
    }
    cv_.notify_all();
  }
}

bool Sealer::try_request(std::uint64_t seq, const Hash& hash) {
  std::lock_guard lock(mutex_);
  if (requested_ || done_) return false;
  requested_ = true;
  seq_ = seq;
  hash_ = hash;
  cv_.notify_all();
  return true;
}

bool Sealer::idle() const {
  std::lock_guard lock(mutex_);
  return !requested_ && !done_;
}

std::optional<Seal> Sealer::take() {
  if (!has_done_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(mutex_);
  std::optional<Seal> s = std::exchange(done_, std::nullopt);
  has_done_.store(false, std::memory_order_relaxed);
  cv_.notify_all();
  return s;
}

std::optional<Seal> Sealer::finish_pending() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return !requested_ || !error_.empty(); });
  std::optional<Seal> s = std::exchange(done_, std::nullopt);
  has_done_.store(false, std::memory_order_relaxed);
  return s;
}

Seal Sealer::sign_now(std::uint64_t seq, const Hash& hash) {
  {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return !requested_ || !error_.empty(); });
  }
  return sign(seq, hash);
}

std::string Sealer::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

}  // namespace matchgate::wal
