// tcp_pingpong: the floor for matchgated's order -> ExecutionReport latency.
// A blocking-socket echo over loopback TCP (TCP_NODELAY), client and server
// threads in one process: the client sends N bytes, the server reads exactly
// N and writes them back, the client times the round trip. No framing, no
// parsing, no other thread: whatever a gateway adds on top shows up as the
// difference.
//
//   tcp_pingpong [--sizes 64,200] [--count 200000] [--warmup 20000] [--json FILE]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

bool read_exact(int fd, char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::recv(fd, p, n, 0);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

void no_delay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

double percentile_us(const std::vector<std::int64_t>& sorted, double q) {
  const double rank = std::ceil(q * static_cast<double>(sorted.size()));
  const std::size_t i = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return static_cast<double>(sorted[std::min(i, sorted.size() - 1)]) / 1000.0;
}

struct Row {
  std::size_t size;
  double p50, p90, p99, p999, max;
};

Row measure(std::size_t size, int count, int warmup) {
  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 1) != 0) {
    throw std::runtime_error("bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);

  std::thread server([lfd, size] {
    const int fd = ::accept(lfd, nullptr, nullptr);
    no_delay(fd);
    std::vector<char> buf(size);
    while (read_exact(fd, buf.data(), size) && write_all(fd, buf.data(), size)) {
    }
    ::close(fd);
  });

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("connect failed");
  no_delay(fd);
  std::vector<char> msg(size, 'x');
  std::vector<char> back(size);
  std::vector<std::int64_t> rtt;
  rtt.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < warmup + count; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!write_all(fd, msg.data(), size) || !read_exact(fd, back.data(), size))
      throw std::runtime_error("echo failed");
    const auto t1 = std::chrono::steady_clock::now();
    if (i >= warmup)
      rtt.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  }
  ::shutdown(fd, SHUT_WR);
  server.join();
  ::close(fd);
  ::close(lfd);
  std::sort(rtt.begin(), rtt.end());
  return Row{size,
             percentile_us(rtt, 0.5),
             percentile_us(rtt, 0.9),
             percentile_us(rtt, 0.99),
             percentile_us(rtt, 0.999),
             static_cast<double>(rtt.back()) / 1000.0};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {64, 200};
  int count = 200000;
  int warmup = 20000;
  std::string json;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr,
                   "usage: tcp_pingpong [--sizes 64,200] [--count N] [--warmup N] [--json FILE]\n");
      return 2;
    }
    const std::string v = argv[++i];
    if (a == "--sizes") {
      sizes.clear();
      for (std::size_t p = 0; p < v.size();) {
        std::size_t e = v.find(',', p);
        if (e == std::string::npos) e = v.size();
        sizes.push_back(std::strtoul(v.substr(p, e - p).c_str(), nullptr, 10));
        p = e + 1;
      }
    } else if (a == "--count") {
      count = std::atoi(v.c_str());
    } else if (a == "--warmup") {
      warmup = std::atoi(v.c_str());
    } else if (a == "--json") {
      json = v;
    } else {
      std::fprintf(stderr, "tcp_pingpong: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (count <= 0 || sizes.empty() || std::any_of(sizes.begin(), sizes.end(), [](std::size_t s) {
        return s == 0 || s > (1 << 20);
      })) {
    std::fprintf(stderr, "tcp_pingpong: bad --count or --sizes\n");
    return 2;
  }
  std::vector<Row> rows;
  try {
    for (std::size_t s : sizes) rows.push_back(measure(s, count, warmup));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tcp_pingpong: %s\n", e.what());
    return 1;
  }
  std::printf("loopback TCP round trip, blocking sockets, %d samples each (us)\n", count);
  std::printf("%8s %9s %9s %9s %9s %9s\n", "bytes", "p50", "p90", "p99", "p99.9", "max");
  for (const Row& r : rows) {
    std::printf("%8zu %9.1f %9.1f %9.1f %9.1f %9.1f\n", r.size, r.p50, r.p90, r.p99, r.p999, r.max);
  }
  if (!json.empty()) {
    std::FILE* f = std::fopen(json.c_str(), "w");
    if (f == nullptr) return 1;
    std::fprintf(f, "{\"count\": %d, \"rows\": [", count);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      std::fprintf(f,
                   "%s\n  {\"bytes\": %zu, \"p50_us\": %.3f, \"p90_us\": %.3f, \"p99_us\": %.3f, "
                   "\"p99.9_us\": %.3f, \"max_us\": %.3f}",
                   i ? "," : "", r.size, r.p50, r.p90, r.p99, r.p999, r.max);
    }
    std::fprintf(f, "\n]}\n");
    std::fclose(f);
  }
  return 0;
}
