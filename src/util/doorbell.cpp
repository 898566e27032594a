#include "matchgate/util/doorbell.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>

namespace matchgate::util {

namespace {
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

std::uint32_t* futex_word(std::atomic<std::uint32_t>& w) noexcept {
  return reinterpret_cast<std::uint32_t*>(&w);
}
}  // namespace

void Doorbell::wait(std::uint32_t armed, std::chrono::microseconds timeout) noexcept {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000);
  ts.tv_nsec = static_cast<long>((timeout.count() % 1'000'000) * 1000);
  // EAGAIN (the word moved on: a ring came in between), EINTR and timeouts
  // all just return; the caller re-checks its queues either way.
  ::syscall(SYS_futex, futex_word(word_), FUTEX_WAIT_PRIVATE, armed, &ts, nullptr, 0);
}

void Doorbell::wake_futex() noexcept {
  ::syscall(SYS_futex, futex_word(word_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

}  // namespace matchgate::util
