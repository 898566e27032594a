#include "support/daemon.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "matchgate/crypto/password_hash.hpp"
#include "matchgate/crypto/sm2.hpp"

#ifndef MATCHGATE_BIN_DIR
#error "MATCHGATE_BIN_DIR must name the directory holding matchgated"
#endif

namespace matchgate::testing {

namespace {

constexpr const char* kDefaultInstruments = R"([[instruments]]
symbol = "ACME"
tick_size = "0.01"
lot_size = 1
reference_price = "100.00"
price_band_pct = 10
max_order_qty = 1000000

[[instruments]]
symbol = "LOTS"
tick_size = "0.05"
lot_size = 10
reference_price = "20.00"
price_band_pct = 0
max_order_qty = 10000
)";

bool can_connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool can_connect_unix(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : std::string(fallback);
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("free_port: bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string Daemon::binary(const std::string& name) {
  return std::string(MATCHGATE_BIN_DIR) + "/" + name;
}

std::string Daemon::daemon_binary() {
  return env_or("MATCHGATE_TEST_DAEMON", binary("matchgated").c_str());
}

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)) {
  char templ[] = "/tmp/matchgate-test-XXXXXX";
  if (::mkdtemp(templ) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  config_path_ = dir_ + "/matchgate.toml";
  log_path_ = dir_ + "/matchgated.log";
  crypto::generate_sm2_key_pair(dir_ + "/wal-key.pem", public_key_path());
  // The bind can race with another process taking the port: try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    start();
    if (pid_ > 0) return;
  }
  const std::string why = "matchgated did not start; log:\n" + log();
  // No destructor runs for a constructor that throws.
  if (std::getenv("MATCHGATE_KEEP_TEST_DIRS") == nullptr) std::filesystem::remove_all(dir_);
  throw std::runtime_error(why);
}

void Daemon::start() {
  std::ostringstream cfg;
  cfg << "[gateway]\nlisten = \"127.0.0.1:" << port_ << "\"\ncomp_id = \"MATCHGATE\"\n"
      << "backend = \"" << options_.backend << "\"\n"
      << options_.gateway_extra << "\n"
      << "[engine]\nshards = " << options_.shards << "\nmax_orders = 65536\nidle = \""
      << options_.idle << "\"\nring_capacity = 4096\n"
      << options_.engine_extra << "\n"
      << "[wal]\ndir = \"" << wal_dir() << "\"\nsign_key = \"" << dir_ << "/wal-key.pem\"\n"
      << (options_.wal_extra.find("segment_mb") == std::string::npos ? "segment_mb = 4\n" : "")
      << options_.wal_extra << "\n\n"
      << "[dedup]\n"
      << options_.dedup << "\n\n"
      << "[log]\nlevel = \"" << options_.log_level << "\"\nfile = \"" << log_path_ << "\"\n\n"
      << "[admin]\nsocket = \"" << admin_socket() << "\"\n"
      << options_.admin_extra << "\n\n";
  if (!options_.trading_day.empty()) cfg << "[trading_day]\n" << options_.trading_day << "\n\n";
  cfg << "[clearing]\nreport_dir = \"" << settlement_dir() << "\"\n" << options_.clearing << "\n\n";
  for (const TestMember& m : options_.members) {
    cfg << "[[members]]\ncomp_id = \"" << m.comp_id << "\"\npassword_hash = \""
        << crypto::hash_password(m.password, 10'000) << "\"\n";
    if (!m.drop_copy_for.empty()) {
      cfg << "drop_copy_for = [";
      for (std::size_t i = 0; i < m.drop_copy_for.size(); ++i) {
        cfg << (i ? ", " : "") << '"' << m.drop_copy_for[i] << '"';
      }
      cfg << "]\n" << m.extra << "\n\n";
      continue;
    }
    cfg << "accounts = [";
    for (std::size_t i = 0; i < m.accounts.size(); ++i) {
      cfg << (i ? ", " : "") << '"' << m.accounts[i] << '"';
    }
    cfg << "]\nstp = \"" << m.stp
        << "\"\ncancel_on_disconnect = " << (m.cancel_on_disconnect ? "true" : "false") << "\n"
        << m.extra << "\n\n";
  }
  cfg << (options_.instruments.empty() ? kDefaultInstruments : options_.instruments);
  std::ofstream(config_path_) << cfg.str();

  const std::string bin = daemon_binary();
  pid_ = ::fork();
  if (pid_ == 0) {
    const int out = ::open((dir_ + "/stdout.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(out, 2);
    for (const std::string& e : options_.env) ::putenv(const_cast<char*>(e.c_str()));
    ::execl(bin.c_str(), bin.c_str(), "--config", config_path_.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) {
      pid_ = -1;
      return;
    }
    if (can_connect(port_)) {
      // The admin socket is opened just after the FIX port: a test may use
      // either as soon as start() returns. It accepts only once its mode is
      // set (bind, chmod, listen), so a connect, not the file, says ready.
      while (!can_connect_unix(admin_socket()) && running() &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  reaped(128 + SIGKILL);
}

// stdout.log is truncated when the daemon starts again: a report of this
// life is looked for now. A TSan report is a race in the daemon (the test's
// own process is not instrumented for it), whatever the test expected.
void Daemon::reaped(int exit_status) {
  pid_ = -1;
  exit_status_ = exit_status;
  const std::string output = log();
  if (output.find("ThreadSanitizer:") != std::string::npos) {
    ADD_FAILURE() << "ThreadSanitizer report in " << daemon_binary() << "'s output (exit status "
                  << exit_status << "):\n"
                  << output;
  }
}

void Daemon::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  reaped(128 + SIGKILL);
  wait_port_closed();
}

// A killed process's io_uring is torn down by the kernel after the process
// is reaped, and its listening socket can accept for a moment longer: a
// restart must not mistake that socket for the new daemon's.
void Daemon::wait_port_closed() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (can_connect(port_) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool Daemon::restart() {
  if (running()) stop();
  wait_port_closed();
  start();
  if (pid_ > 0) return true;
  // The old port may have been taken meanwhile; a fresh one is as good.
  if (log().find("Address already in use") != std::string::npos) {
    port_ = free_port();
    start();
  }
  return pid_ > 0;
}

bool Daemon::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  reaped(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return false;
}

int Daemon::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return exit_status_;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      reaped(128 + SIGKILL);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_status_;
}

Daemon::~Daemon() {
  stop(std::chrono::milliseconds(5'000));
  if (std::getenv("MATCHGATE_KEEP_TEST_DIRS") == nullptr) {
    std::string cmd = "rm -rf '" + dir_ + "'";
    (void)std::system(cmd.c_str());
  }
}

// Each file on its own: inserting the buffer of a file that is not there
// (the daemon died before opening its log) sets the stream's failbit, and
// the output after it (stdout.log, where sanitizers report) was lost.
std::string Daemon::log() const {
  std::ostringstream out;
  for (const std::string& path : {log_path_, dir_ + "/stdout.log"}) {
    std::ifstream in(path);
    if (in.is_open() && in.peek() != std::ifstream::traits_type::eof()) out << in.rdbuf();
  }
  return out.str();
}

}  // namespace matchgate::testing
