// net_bench [ping-pong round trips] [throughput MiB]
//
// For each server (plain blocking sockets, io_uring backend, Asio backend):
//   - ping-pong: one client, 64-byte message, wait for the echo, repeat;
//     p50/p99/p99.9 of the round trip.
//   - throughput: one client pipelines 64-byte messages (written 16 KiB at a
//     time) while a second thread reads the echo back.
// The backends are driven by a busy-polling thread, as the gateway's network
// agent is; the blocking server sleeps in recv(). Loopback only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "matchgate/net/tcp_server.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace matchgate::net;

constexpr std::size_t kMsg = 64;

void set_nodelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    throw std::runtime_error("connect failed");
  set_nodelay(fd);
  return fd;
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::recv(fd, p, n, 0);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// ---- servers under test

class EchoHandler : public ConnectionHandler {
 public:
  TcpServer* server = nullptr;
  bool on_accept(ConnectionId, const PeerAddress&) override { return true; }
  std::size_t on_data(ConnectionId id, std::span<const char> d) override {
    return server->send(id, d) ? d.size() : 0;
  }
  void on_close(ConnectionId, CloseReason) override {}
};

struct ServerUnderTest {
  virtual ~ServerUnderTest() = default;
  virtual std::uint16_t port() const = 0;
};

class BackendServer final : public ServerUnderTest {
 public:
  explicit BackendServer(Backend b) {
    ServerOptions opt;
    opt.max_connections = 16;
    opt.max_output_bytes = 4 << 20;
    server_ = make_tcp_server(b, opt, handler_);
    handler_.server = server_.get();
    thread_ = std::thread([this] {
      while (!stop_.load(std::memory_order_relaxed)) server_->do_work();
    });
  }
  ~BackendServer() override {
    stop_ = true;
    thread_.join();
  }
  std::uint16_t port() const override { return server_->port(); }

 private:
  EchoHandler handler_;
  std::unique_ptr<TcpServer> server_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Thread per connection, blocking recv/send: the floor a kernel round trip costs.
class BlockingServer final : public ServerUnderTest {
 public:
  BlockingServer() {
    lfd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(lfd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(lfd_, 16) != 0)
      throw std::runtime_error("blocking server: bind/listen failed");
    socklen_t len = sizeof a;
    ::getsockname(lfd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] {
      for (;;) {
        const int fd = ::accept(lfd_, nullptr, nullptr);
        if (fd < 0) return;
        set_nodelay(fd);
        workers_.emplace_back([fd] {
          std::vector<char> buf(1 << 16);
          for (;;) {
            const ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
            if (r <= 0 || !write_all(fd, buf.data(), static_cast<std::size_t>(r))) break;
          }
          ::close(fd);
        });
      }
    });
  }
  ~BlockingServer() override {
    ::shutdown(lfd_, SHUT_RDWR);
    ::close(lfd_);
    acceptor_.join();
    for (auto& t : workers_) t.join();
  }
  std::uint16_t port() const override { return port_; }

 private:
  int lfd_ = -1;
  std::uint16_t port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

// ---- measurements

struct Latency {
  double p50_us, p99_us, p999_us, mean_us;
};

Latency ping_pong(std::uint16_t port, int iters) {
  const int fd = connect_loopback(port);
  char msg[kMsg];
  std::memset(msg, 'p', sizeof msg);
  char back[kMsg];
  for (int i = 0; i < iters / 10 + 100; ++i) {  // warm-up
    if (!write_all(fd, msg, kMsg) || !read_all(fd, back, kMsg))
      throw std::runtime_error("ping-pong failed");
  }
  std::vector<std::int64_t> ns(static_cast<std::size_t>(iters));
  for (int i = 0; i < iters; ++i) {
    const auto t0 = Clock::now();
    if (!write_all(fd, msg, kMsg) || !read_all(fd, back, kMsg))
      throw std::runtime_error("ping-pong failed");
    ns[static_cast<std::size_t>(i)] =
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
  }
  ::close(fd);
  double sum = 0;
  for (auto v : ns) sum += static_cast<double>(v);
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double q) {
    return static_cast<double>(ns[static_cast<std::size_t>(q * (ns.size() - 1))]) / 1000.0;
  };
  return {pct(0.50), pct(0.99), pct(0.999), sum / static_cast<double>(ns.size()) / 1000.0};
}

// MiB/s of echoed payload.
double throughput(std::uint16_t port, std::size_t mib) {
  const int fd = connect_loopback(port);
  const std::size_t total = mib << 20;
  const auto t0 = Clock::now();
  std::thread reader([&] {
    std::vector<char> buf(1 << 16);
    std::size_t got = 0;
    while (got < total) {
      const ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
      if (r <= 0) throw std::runtime_error("throughput: connection lost");
      got += static_cast<std::size_t>(r);
    }
  });
  std::vector<char> block(16384, 't');  // 256 messages of 64 bytes per write
  for (std::size_t sent = 0; sent < total; sent += block.size()) {
    if (!write_all(fd, block.data(), block.size()))
      throw std::runtime_error("throughput: write failed");
  }
  reader.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  ::close(fd);
  return static_cast<double>(mib) / secs;
}

void run(const char* name, ServerUnderTest& s, int iters, std::size_t mib) {
  const Latency l = ping_pong(s.port(), iters);
  const double mbps = throughput(s.port(), mib);
  std::printf(
      "%-10s  p50 %7.2f us  p99 %7.2f us  p99.9 %7.2f us  mean %7.2f us  | echo %8.1f MiB/s (%.1f "
      "M msg/s)\n",
      name, l.p50_us, l.p99_us, l.p999_us, l.mean_us, mbps, mbps * 1048576.0 / kMsg / 1e6);
  std::fflush(stdout);
}

}  // namespace

// A positive whole number, or 0 when `text` is anything else.
long long positive(const char* text) {
  char* end = nullptr;
  const long long v = std::strtoll(text, &end, 10);
  return (end != text && *end == '\0' && v > 0) ? v : 0;
}

int main(int argc, char** argv) {
  // Positional arguments, not Google Benchmark flags (`make bench` passes
  // BENCH_ARGS to every *_bench; this one refuses them instead of running
  // with zero iterations).
  const long long iters_arg = argc > 1 ? positive(argv[1]) : 100000;
  const long long mib_arg = argc > 2 ? positive(argv[2]) : 256;
  if (argc > 3 || iters_arg == 0 || mib_arg == 0 || iters_arg > 100'000'000) {
    std::fprintf(stderr, "usage: %s [ROUND_TRIPS (default 100000)] [MIB (default 256)]\n", argv[0]);
    return 2;
  }
  const int iters = static_cast<int>(iters_arg);
  const auto mib = static_cast<std::size_t>(mib_arg);
  std::printf("64-byte ping-pong, %d round trips; echo throughput, %zu MiB in 64-byte messages\n",
              iters, mib);
  {
    BlockingServer s;
    run("blocking", s, iters, mib);
  }
  try {
    BackendServer s(Backend::IoUring);
    run("io_uring", s, iters, mib);
  } catch (const std::exception& e) {
    std::printf("io_uring    unavailable: %s\n", e.what());
  }
  {
    BackendServer s(Backend::Asio);
    run("asio", s, iters, mib);
  }
  return 0;
}
