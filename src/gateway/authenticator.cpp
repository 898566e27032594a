#include "matchgate/gateway/authenticator.hpp"

#include "matchgate/crypto/password_hash.hpp"

namespace matchgate::gateway {

Authenticator::Authenticator() : thread_([this] { run(); }) {}

Authenticator::~Authenticator() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Authenticator::submit(Request request) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(request));
  }
  wake_.notify_one();
}

void Authenticator::collect(std::vector<Result>& out) {
  if (!has_done_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(mutex_);
  out.insert(out.end(), done_.begin(), done_.end());
  done_.clear();
  has_done_.store(false, std::memory_order_relaxed);
}

void Authenticator::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (stopping_) return;
    Request r = std::move(pending_.front());
    pending_.pop_front();
    lock.unlock();
    const bool ok = crypto::verify_password(r.password, r.password_hash);
    lock.lock();
    done_.push_back(Result{r.ticket, r.member, ok});
    has_done_.store(true, std::memory_order_release);
  }
}

}  // namespace matchgate::gateway
