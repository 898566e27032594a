#include "matchgate/net/tcp_server.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>

#include "server_common.hpp"

namespace matchgate::net {

TcpServer::~TcpServer() = default;

std::string_view to_string(CloseReason r) {
  switch (r) {
    case CloseReason::PeerClosed:
      return "peer closed";
    case CloseReason::Error:
      return "socket error";
    case CloseReason::LocalClose:
      return "closed locally";
    case CloseReason::InputOverflow:
      return "input buffer overflow";
    case CloseReason::OutputOverflow:
      return "output buffer overflow";
  }
  return "unknown";
}

std::string_view to_string(Backend b) {
  switch (b) {
    case Backend::IoUring:
      return "io_uring";
    case Backend::Asio:
      return "asio";
    case Backend::Auto:
      return "auto";
  }
  return "unknown";
}

std::unique_ptr<TcpServer> make_tcp_server(Backend backend, const ServerOptions& options,
                                           ConnectionHandler& handler,
                                           std::string* fallback_reason) {
  switch (backend) {
    case Backend::IoUring:
      return detail::make_uring_server(options, handler);
    case Backend::Asio:
      return detail::make_asio_server(options, handler);
    case Backend::Auto:
      break;
  }
  const char* off = std::getenv("MATCHGATE_NET_DISABLE_IO_URING");
  if (off != nullptr && *off != '\0' && std::string_view(off) != "0") {
    if (fallback_reason != nullptr)
      *fallback_reason = "io_uring disabled by MATCHGATE_NET_DISABLE_IO_URING";
    return detail::make_asio_server(options, handler);
  }
  try {
    return detail::make_uring_server(options, handler);
  } catch (const detail::UringUnavailable& e) {
    // Only ring setup failures fall back: a port that cannot be bound would
    // fail the same way with Asio, and that error is the useful one.
    if (fallback_reason != nullptr) *fallback_reason = e.what();
    return detail::make_asio_server(options, handler);
  }
}

namespace detail {

MappedBlock::MappedBlock(std::size_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap");
  data_ = static_cast<char*>(p);
}

MappedBlock::~MappedBlock() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

void validate(const ServerOptions& o) {
  if (o.max_connections == 0 || o.max_connections > (1u << 24))
    throw std::invalid_argument("ServerOptions.max_connections must be in [1, 2^24]");
  if (o.max_message_bytes == 0)
    throw std::invalid_argument("ServerOptions.max_message_bytes must be > 0");
  if (o.max_output_bytes == 0)
    throw std::invalid_argument("ServerOptions.max_output_bytes must be > 0");
  if (o.input_buffer_bytes != 0 && o.input_buffer_bytes < o.max_message_bytes)
    throw std::invalid_argument("ServerOptions.input_buffer_bytes must hold max_message_bytes");
}

namespace {
void set_int_option(int fd, int level, int name, int value) {
  ::setsockopt(fd, level, name, &value, sizeof value);
}
}  // namespace

int open_listen_socket(const ServerOptions& o) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(o.port);
  const int gai =
      ::getaddrinfo(o.host.empty() ? nullptr : o.host.c_str(), port.c_str(), &hints, &res);
  if (gai != 0) {
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "listen address '" + o.host + "': " + ::gai_strerror(gai));
  }
  const int fd = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
  if (fd < 0) {
    const int e = errno;
    ::freeaddrinfo(res);
    throw std::system_error(e, std::generic_category(), "socket");
  }
  set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  const int rc = ::bind(fd, res->ai_addr, res->ai_addrlen);
  const int bind_errno = errno;
  ::freeaddrinfo(res);
  if (rc != 0) {
    ::close(fd);
    throw std::system_error(bind_errno, std::generic_category(), "bind " + o.host + ":" + port);
  }
  if (::listen(fd, o.listen_backlog) != 0) {
    const int e = errno;
    ::close(fd);
    throw std::system_error(e, std::generic_category(), "listen");
  }
  return fd;
}

std::uint16_t local_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

PeerAddress peer_address(int fd) {
  PeerAddress p;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return p;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &a->sin_addr, p.host.data(), p.host.size());
    p.port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &a->sin6_addr, p.host.data(), p.host.size());
    p.port = ntohs(a->sin6_port);
  }
  return p;
}

void tune_accepted_socket(int fd, const ServerOptions& o) {
  set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  if (o.socket_send_buffer > 0) set_int_option(fd, SOL_SOCKET, SO_SNDBUF, o.socket_send_buffer);
  if (o.socket_receive_buffer > 0)
    set_int_option(fd, SOL_SOCKET, SO_RCVBUF, o.socket_receive_buffer);
}

}  // namespace detail
}  // namespace matchgate::net
