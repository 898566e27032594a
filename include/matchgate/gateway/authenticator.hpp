#pragma once
// Password checks off the network thread. A PBKDF2 verification costs
// milliseconds by design; done inline it would stall every other session on
// the thread. Logons are rare, so a mutex-guarded queue is fine here; the
// network thread only looks at an atomic flag per duty cycle.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace matchgate::gateway {

class Authenticator {
 public:
  struct Request {
    std::uint64_t ticket;  // the caller's correlation (e.g. a connection id)
    std::uint32_t member;
    std::string password;
    std::string password_hash;
  };
  struct Result {
    std::uint64_t ticket;
    std::uint32_t member;
    bool ok;
  };

  Authenticator();
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  void submit(Request request);
  // Appends finished checks to `out`; cheap when there are none.
  void collect(std::vector<Result>& out);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Request> pending_;
  std::vector<Result> done_;
  std::atomic<bool> has_done_{false};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace matchgate::gateway
