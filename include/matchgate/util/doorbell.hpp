#pragma once
// Lets a thread that found nothing to do sleep until another thread has left
// it work, without either side taking a lock or the sleeper polling.
//
// Sleeper: w = arm(); re-check its queues; if empty wait(w, timeout);
// disarm(). Ringer: publish work (e.g. a ring push), then ring(). The
// seq_cst fences on both sides guarantee that either the sleeper sees the
// work or the ringer sees the sleeper, so no wake-up is lost; a ringer pays
// for a system call only when the sleeper is actually asleep.
//
// ThreadSanitizer does not model fences (GCC warns -Wtsan and TSan would
// check nothing here), so a TSan build orders the two sides with
// read-modify-writes of `sleeping_` instead: RMWs of one atomic are totally
// ordered, so either the ringer's comes later and reads true, or the
// sleeper's reads the ringer's and acquires the work published before it.
// Same guarantee; the release build keeps the fences because an RMW per
// ring() would take the sleeper's cache line exclusively on every push.
#include <atomic>
#include <chrono>
#include <cstdint>

#include "matchgate/util/cache_line.hpp"

#if defined(__SANITIZE_THREAD__)
#define MATCHGATE_DOORBELL_RMW 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MATCHGATE_DOORBELL_RMW 1
#endif
#endif

namespace matchgate::util {

class Doorbell {
 public:
  // How a sleeping thread is woken when it does not sleep on the doorbell's
  // own futex (e.g. a network thread blocked in io_uring: TcpServer::wake).
  using WakeFn = void (*)(void* context) noexcept;

  Doorbell() = default;
  Doorbell(WakeFn wake, void* context) noexcept : wake_(wake), context_(context) {}
  Doorbell(const Doorbell&) = delete;
  Doorbell& operator=(const Doorbell&) = delete;

  std::uint32_t arm() noexcept {
    const std::uint32_t w = word_.load(std::memory_order_acquire);
#ifdef MATCHGATE_DOORBELL_RMW
    sleeping_.exchange(true, std::memory_order_acq_rel);
#else
    sleeping_.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
    return w;
  }
  void disarm() noexcept {
    sleeping_.store(false, std::memory_order_relaxed);
  }
  // Blocks on the futex until ring() or `timeout`; returns at once if a ring
  // came after arm().
  void wait(std::uint32_t armed, std::chrono::microseconds timeout) noexcept;

  void ring() noexcept {
#ifdef MATCHGATE_DOORBELL_RMW
    // Succeeds (writes false over false) exactly when nobody sleeps.
    bool nobody_sleeps = false;
    if (sleeping_.compare_exchange_strong(nobody_sleeps, false, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      return;
    }
#else
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!sleeping_.load(std::memory_order_relaxed)) return;
#endif
    if (!sleeping_.exchange(false, std::memory_order_acq_rel)) return;  // another ringer woke it
    word_.fetch_add(1, std::memory_order_release);
    if (wake_ != nullptr) {
      wake_(context_);
    } else {
      wake_futex();
    }
  }

 private:
  void wake_futex() noexcept;

  alignas(kFalseSharingRange) std::atomic<bool> sleeping_{false};
  std::atomic<std::uint32_t> word_{0};
  WakeFn wake_ = nullptr;
  void* context_ = nullptr;
};

}  // namespace matchgate::util
