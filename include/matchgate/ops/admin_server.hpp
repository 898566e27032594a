#pragma once
// The operator's admin endpoint: a Unix domain stream socket on which
// `matchgate-admin` sends one command line and reads the answer
// (docs/ADMIN.md has the protocol byte by byte). This module only moves
// command lines and answers; it knows nothing of the gateway. The gateway's
// network thread executes the commands: it takes them from an AdminMailbox in
// its duty cycle and answers each one.
//
// Access control is the socket file's mode (AdminOptions::socket_mode): who
// can connect may operate. The server identifies each peer by its kernel
// credentials (SO_PEERCRED) and the name the client gives.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace matchgate::ops {

struct AdminOptions {
  std::filesystem::path socket;  // empty: no admin endpoint
  unsigned socket_mode = 0600;   // the socket file's permission bits: the access control
  // How long a request waits for the gateway's answer (its turn included).
  std::chrono::milliseconds answer_timeout{10'000};
  // How long a client may take to send its line; a silent client is then
  // answered with an ERROR and closed, so it cannot hold up the others.
  std::chrono::milliseconds read_timeout{5'000};
};

// The daemon's [admin] socket when the config names none (relative to the
// working directory, like every path of the config); matchgate-admin's too.
inline constexpr const char* kDefaultAdminSocket = "var/matchgate-admin.sock";

// Longest request line accepted, without its terminating newline.
inline constexpr std::size_t kMaxAdminLineBytes = 1024;
// Longest operator name (the value of `operator=`).
inline constexpr std::size_t kMaxOperatorNameBytes = 64;

struct AdminRequest {
  std::uint64_t id = 0;
  std::string operator_identity;   // `uid 0 (root) as "alice"`
  std::vector<std::string> words;  // the command and its arguments, e.g. {"kill", "M1"}
};

struct AdminAnswer {
  bool ok = false;
  std::string
      text;  // lines without the final OK / ERROR line (may be empty); for errors the reason
};

// Cross-thread: the admin thread posts requests, the gateway's network thread
// takes them in its duty cycle (take() costs one acquire load when empty, no
// lock) and answers each one exactly once, possibly later (e.g. after its
// log record is durable). One request is in flight at a time: callers are
// served in turn.
class AdminMailbox {
 public:
  AdminMailbox() = default;
  AdminMailbox(const AdminMailbox&) = delete;
  AdminMailbox& operator=(const AdminMailbox&) = delete;

  // Called (from the posting thread) after each post, so that a sleeping
  // network thread wakes up; must be thread-safe and must not block.
  void set_wake(std::function<void()> wake) { wake_ = std::move(wake); }

  bool take(AdminRequest& out);                  // network thread; non-blocking
  void answer(std::uint64_t id, AdminAnswer a);  // network thread
  // A request waits to be taken: lets the network thread decide not to sleep.
  bool pending_approx() const noexcept { return posted_.load(std::memory_order_acquire); }

  // Admin thread(s): posts and waits for the answer. Without one within
  // `timeout` (waiting for its turn included) the answer is ERROR "the
  // gateway did not answer in N s"; a request not taken by then is
  // withdrawn and never executed.
  AdminAnswer call(AdminRequest request, std::chrono::milliseconds timeout);
  // The gateway is stopping: a caller waiting now, and every later one, gets
  // ERROR "the gateway is stopping" at once instead of waiting its timeout.
  void close();

 private:
  std::atomic<bool> posted_{false};  // pending_ holds a request; the network thread's fast path
  std::mutex mutex_;                 // guards everything below
  std::condition_variable answered_cv_;
  // The caller whose request is in flight holds the turn; the others wait on
  // turn_cv_. Not a std::timed_mutex: its try_lock_until on steady_clock is
  // pthread_mutex_clocklock, which ThreadSanitizer (GCC 12) does not
  // intercept, so it saw only the unlock ("unlock of an unlocked mutex").
  bool turn_taken_ = false;
  std::condition_variable turn_cv_;
  std::optional<AdminRequest> pending_;
  std::uint64_t next_id_ = 0;
  std::uint64_t awaited_id_ = 0;  // the caller waiting now; 0: none
  std::optional<AdminAnswer> answer_;
  bool closed_ = false;
  std::function<void()> wake_;
};

// "the gateway did not answer in 10 s" (or "in 250 ms").
std::string no_answer_reason(std::chrono::milliseconds timeout);

// What a request line says, or why it is refused (docs/ADMIN.md).
struct ParsedAdminLine {
  std::string error;  // empty: valid
  std::string operator_name;
  std::vector<std::string> words;
};
ParsedAdminLine parse_admin_line(std::string_view line);

// `uid 1000 (alice) as "ops-desk"`; the user name is `?` when uid has none.
std::string admin_identity(uid_t uid, std::string_view operator_name);

// Owns one thread, "admin", that accepts on the socket and serves several
// clients at once (poll over all connections): each sends one line, gets
// its answer through the mailbox and is closed.
class AdminServer {
 public:
  // Creates the socket file (and its missing parent directories) with
  // options.socket_mode. A stale socket file nobody accepts on is replaced;
  // a live one, or a path that is not a socket, throws std::runtime_error
  // with a clear message, as does any other failure.
  AdminServer(AdminOptions options, AdminMailbox& mailbox);
  ~AdminServer();  // stops the thread, removes the socket file
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  void start();
  void stop();  // idempotent
  const std::filesystem::path& socket_path() const noexcept { return options_.socket; }

 private:
  struct Connection;
  void run();
  void accept_clients(std::vector<Connection>& clients);
  bool read_from(Connection& c);
  void serve(Connection& c);
  void expire(std::vector<Connection>& clients);

  AdminOptions options_;
  AdminMailbox& mailbox_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;  // eventfd: wakes poll() to stop
  dev_t socket_dev_ = 0;
  ino_t socket_ino_ = 0;  // the file this server created: removed only if still ours
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace matchgate::ops
