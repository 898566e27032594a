#pragma once
// A throwaway redis-server for tests and benchmarks: started on a free
// 127.0.0.1 port with persistence off, killed when the object goes away (and
// by the kernel if this process dies first). Header-only so the benchmark can
// use it without the test support library.
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace matchgate::testing {

inline constexpr const char* kRedisServerMissing =
    "redis-server not found: install the Debian package redis-server";

// The redis-server program, or "" when it is not installed.
inline std::string find_redis_server() {
  if (::access("/usr/bin/redis-server", X_OK) == 0) return "/usr/bin/redis-server";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = dir + "/redis-server";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

// A 127.0.0.1 port nobody listens on right now.
inline std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("free_loopback_port: socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t length = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("free_loopback_port: bind failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

class RedisServer {
 public:
  // Starts redis-server and waits until it answers PING. Throws
  // std::runtime_error (kRedisServerMissing when it is not installed).
  RedisServer() : program_(find_redis_server()) {
    if (program_.empty()) throw std::runtime_error(kRedisServerMissing);
    char dir_template[] = "/tmp/matchgate-redis-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir_template;
    // Another process can take the port between choosing and binding it.
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_loopback_port();
      if (spawn_and_wait()) return;
    }
    const std::string log = read_log();
    cleanup();
    throw std::runtime_error("redis-server did not start; its log:\n" + log);
  }

  ~RedisServer() { cleanup(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }

  // SIGKILL: no shutdown, connections reset, data gone.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // Starts it again on the same port after kill().
  void restart() {
    kill();
    if (!spawn_and_wait()) {
      throw std::runtime_error("redis-server did not restart; its log:\n" + read_log());
    }
  }

  // SIGSTOP / SIGCONT: the kernel still accepts connections and buffers
  // commands, but nothing answers: a stalled server.
  void pause() { signal_server(SIGSTOP); }
  void resume() { signal_server(SIGCONT); }

 private:
  // Never kill(-1, ...): that would signal every process we may signal.
  void signal_server(int signal) {
    if (pid_ > 0) ::kill(pid_, signal);
  }

  bool spawn_and_wait() {
    const std::string port = std::to_string(port_);
    const std::string log = dir_ + "/redis.log";
    std::vector<std::string> args = {
        program_, "--port", port, "--bind",    "127.0.0.1", "--save",      "",  "--appendonly",
        "no",     "--dir",  dir_, "--logfile", log,         "--daemonize", "no"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pid_ = pid;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      if (answers_ping()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill();
    return false;
  }

  bool answers_ping() const {
    const timeval tv{0, 200'000};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    bool ok = false;
    if (c != nullptr && c->err == 0) {
      auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
      ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS &&
           std::strcmp(reply->str, "PONG") == 0;
      if (reply != nullptr) freeReplyObject(reply);
    }
    if (c != nullptr) redisFree(c);
    return ok;
  }

  std::string read_log() const {
    std::ifstream in(dir_ + "/redis.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  void cleanup() {
    kill();
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
      dir_.clear();
    }
  }

  std::string program_;
  std::string dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace matchgate::testing
