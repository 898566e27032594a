#include "matchgate/ops/admin_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace matchgate::ops {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxClients = 64;  // connections read at once; more wait in the backlog
constexpr int kBacklog = 64;
constexpr timeval kSendTimeout{2, 0};  // an answer a client does not read is dropped

std::string errno_text(int error) {
  return std::strerror(error);
}

sockaddr_un socket_address(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string& s = path.native();
  if (s.size() >= sizeof addr.sun_path) {
    throw std::runtime_error("admin socket path " + s + " is " + std::to_string(s.size()) +
                             " bytes; a Unix socket path holds at most " +
                             std::to_string(sizeof addr.sun_path - 1));
  }
  std::memcpy(addr.sun_path, s.data(), s.size());
  return addr;
}

// Removes `path` if it is a socket nobody accepts on (left by a crash);
// throws if it is live, or not a socket.
void remove_stale_socket(const std::filesystem::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw std::runtime_error("admin socket " + path.string() + ": " + errno_text(errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    throw std::runtime_error("admin socket " + path.string() +
                             " exists and is not a socket; remove it or choose another path");
  }
  const sockaddr_un addr = socket_address(path);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int error = errno;
  ::close(fd);
  if (rc == 0) {
    throw std::runtime_error("admin socket " + path.string() +
                             " is in use: another process accepts on it (another matchgated "
                             "with the same [admin] socket?)");
  }
  if (error != ECONNREFUSED) {
    throw std::runtime_error("admin socket " + path.string() + ": " + errno_text(error));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    throw std::runtime_error("admin socket " + path.string() +
                             ": cannot remove the stale socket file: " + errno_text(errno));
  }
  spdlog::info("admin: removed the stale socket file {}", path.string());
}

// A listening socket at options.socket with options.socket_mode. Nobody can
// connect before the mode is set: listen() comes after chmod().
int bind_socket(const AdminOptions& options) {
  const std::filesystem::path& path = options.socket;
  const sockaddr_un addr = socket_address(path);
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      throw std::runtime_error("admin socket " + path.string() + ": cannot create directory " +
                               path.parent_path().string() + ": " + ec.message());
    }
  }
  remove_stale_socket(path);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw std::runtime_error("admin socket: socket(): " + errno_text(errno));
  std::string failed;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    failed = "bind";
  } else if (::chmod(path.c_str(), options.socket_mode) != 0) {
    failed = "chmod";
  } else if (::listen(fd, kBacklog) != 0) {
    failed = "listen";
  }
  if (!failed.empty()) {
    const int error = errno;
    ::close(fd);
    if (failed != "bind") ::unlink(path.c_str());
    throw std::runtime_error("admin socket " + path.string() + ": " + failed + ": " +
                             errno_text(error));
  }
  return fd;
}

void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away or does not read: nothing to do
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string reply_text(const AdminAnswer& a) {
  std::string out;
  if (a.ok) {
    out = a.text;
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out + "OK\n";
  }
  // The reason is the last line: one line.
  std::string reason = a.text.empty() ? std::string("failed") : a.text;
  std::replace(reason.begin(), reason.end(), '\n', ' ');
  return "ERROR " + reason + "\n";
}

}  // namespace

struct AdminServer::Connection {
  int fd = -1;
  uid_t uid = 0;
  pid_t pid = 0;
  Clock::time_point deadline;
  std::string in;
  bool eof = false;
  bool done = false;
};

AdminServer::AdminServer(AdminOptions options, AdminMailbox& mailbox)
    : options_(std::move(options)), mailbox_(mailbox) {
  if (options_.socket.empty()) throw std::runtime_error("admin socket: no path given");
  listen_fd_ = bind_socket(options_);
  struct stat st {};
  if (::stat(options_.socket.c_str(), &st) == 0) {
    socket_dev_ = st.st_dev;
    socket_ino_ = st.st_ino;
  }
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) {
    const int error = errno;
    ::close(listen_fd_);
    ::unlink(options_.socket.c_str());
    throw std::runtime_error("admin socket: eventfd: " + errno_text(error));
  }
}

AdminServer::~AdminServer() {
  stop();
  ::close(listen_fd_);
  ::close(stop_fd_);
  // Only the file this server made: another process may have replaced it.
  struct stat st {};
  if (::stat(options_.socket.c_str(), &st) == 0 && st.st_dev == socket_dev_ &&
      st.st_ino == socket_ino_) {
    ::unlink(options_.socket.c_str());
  }
}

void AdminServer::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "admin");
    try {
      run();
    } catch (const std::exception& e) {
      spdlog::critical("admin: the admin endpoint stopped: {}", e.what());
    }
  });
}

void AdminServer::stop() {
  stopping_.store(true, std::memory_order_relaxed);
  const std::uint64_t one = 1;
  if (stop_fd_ >= 0) (void)!::write(stop_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void AdminServer::run() {
  std::vector<Connection> clients;
  std::vector<pollfd> fds;
  while (!stopping_.load(std::memory_order_relaxed)) {
    fds.assign(
        {{stop_fd_, POLLIN, 0}, {clients.size() < kMaxClients ? listen_fd_ : -1, POLLIN, 0}});
    auto wait = options_.read_timeout;
    const Clock::time_point now = Clock::now();
    for (const Connection& c : clients) {
      fds.push_back({c.fd, POLLIN, 0});
      wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(c.deadline - now));
    }
    const int ready =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long>(wait.count(), 0)));
    if (ready < 0 && errno != EINTR)
      throw std::system_error(errno, std::generic_category(), "poll");
    if (ready > 0 && fds[0].revents != 0) break;
    for (std::size_t i = 0; ready > 0 && i < clients.size(); ++i) {
      if (fds[2 + i].revents != 0 && read_from(clients[i])) serve(clients[i]);
    }
    expire(clients);
    std::erase_if(clients, [](const Connection& c) { return c.done; });
    if (ready > 0 && fds[1].revents != 0) accept_clients(clients);
  }
  for (Connection& c : clients) ::close(c.fd);
}

void AdminServer::accept_clients(std::vector<Connection>& clients) {
  while (clients.size() < kMaxClients) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a connection that went away meanwhile
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      spdlog::warn("admin: no peer credentials ({}); connection refused", errno_text(errno));
      ::close(fd);
      continue;
    }
    Connection c;
    c.fd = fd;
    c.uid = cred.uid;
    c.pid = cred.pid;
    c.deadline = Clock::now() + options_.read_timeout;
    clients.push_back(std::move(c));
  }
}

// Reads what the client sent; true once there is something to answer: a
// whole line, too many bytes without one, or the end of its input.
bool AdminServer::read_from(Connection& c) {
  char buffer[2048];
  while (true) {
    const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      c.in.append(buffer, static_cast<std::size_t>(n));
      if (c.in.find('\n') != std::string::npos || c.in.size() > kMaxAdminLineBytes) return true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    c.eof = true;  // end of input, or an error: answer what there is
    return true;
  }
}

void AdminServer::serve(Connection& c) {
  if (c.eof && c.in.empty()) {  // connected and left (e.g. a start probing for a live server)
    ::close(c.fd);
    c.done = true;
    return;
  }
  const std::size_t newline = c.in.find('\n');
  ParsedAdminLine parsed;
  if (newline == std::string::npos && c.in.size() > kMaxAdminLineBytes) {
    parsed.error = "request line longer than " + std::to_string(kMaxAdminLineBytes) + " bytes";
  } else if (newline == std::string::npos) {
    parsed.error = "the request line did not end with a newline";
  } else {
    parsed = parse_admin_line(std::string_view(c.in).substr(0, newline));
  }
  AdminAnswer answer;
  if (!parsed.error.empty()) {
    answer.text = parsed.error;
    spdlog::warn("admin: refused a request from {} pid {}: {}", admin_identity(c.uid, {}), c.pid,
                 parsed.error);
  } else {
    AdminRequest request;
    request.operator_identity = admin_identity(c.uid, parsed.operator_name);
    request.words = std::move(parsed.words);
    std::string command;
    for (const std::string& w : request.words) command += (command.empty() ? "" : " ") + w;
    const std::string who = request.operator_identity;
    answer = mailbox_.call(std::move(request), options_.answer_timeout);
    spdlog::info("admin: {} pid {}: {} -> {}", who, c.pid, command,
                 answer.ok ? std::string("OK") : "ERROR " + answer.text);
  }
  const int flags = ::fcntl(c.fd, F_GETFL);
  ::fcntl(c.fd, F_SETFL, flags & ~O_NONBLOCK);
  ::setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &kSendTimeout, sizeof kSendTimeout);
  send_all(c.fd, reply_text(answer));
  ::close(c.fd);
  c.done = true;
}

// A client that has not sent its line in time is answered and closed, so
// that it holds no slot for long.
void AdminServer::expire(std::vector<Connection>& clients) {
  const Clock::time_point now = Clock::now();
  for (Connection& c : clients) {
    if (c.done || now < c.deadline) continue;
    const auto ms = options_.read_timeout.count();
    const std::string limit =
        ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
    send_all(c.fd, "ERROR no request line within " + limit + "\n");
    ::close(c.fd);
    c.done = true;
  }
}

}  // namespace matchgate::ops
