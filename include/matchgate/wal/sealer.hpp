#pragma once
// Signs chain heads with SM2 on its own thread. One signature costs ~260 us
// here, so it must never sit in the log writer's commit loop: the writer
// hands over (sequence, hash), keeps committing, and picks the finished seal
// up on a later duty cycle to append it as a Seal record.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "matchgate/crypto/sm2.hpp"
#include "matchgate/wal/format.hpp"

namespace matchgate::wal {

class Sealer {
 public:
  Sealer(crypto::Sm2PrivateKey key, std::string sm2_id);
  ~Sealer();
  Sealer(const Sealer&) = delete;
  Sealer& operator=(const Sealer&) = delete;

  // Starts signing (seq, hash) unless a signature is still in progress or
  // waiting to be taken; returns whether it started.
  bool try_request(std::uint64_t seq, const Hash& hash);
  // No signature in progress or waiting: try_request() would start one.
  bool idle() const;
  // The finished seal, once.
  std::optional<Seal> take();
  // Waits for a signature in progress; then signs (seq, hash) on the
  // caller's thread. For segment close and shutdown, where the seal must be
  // in the file before the writer moves on.
  Seal sign_now(std::uint64_t seq, const Hash& hash);
  // Waits for a signature in progress and returns it (if any was requested).
  std::optional<Seal> finish_pending();
  const Hash& key_fingerprint() const noexcept { return fingerprint_; }
  // Signature failures (never expected with a valid key) end the thread's
  // work; the writer turns this into a failure of the log.
  std::string error() const;
  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }

 private:
  Seal sign(std::uint64_t seq, const Hash& hash) const;
  void run();

  crypto::Sm2PrivateKey key_;
  std::string id_;
  Hash fingerprint_{};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool requested_ = false;
  bool stop_ = false;
  std::uint64_t seq_ = 0;
  Hash hash_{};
  std::optional<Seal> done_;
  std::atomic<bool> has_done_{false};
  std::string error_;
  std::atomic<bool> failed_{false};  // lets the writer check every cycle without the mutex
  std::thread thread_;
};

}  // namespace matchgate::wal
