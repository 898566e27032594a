#include "endpoint.hpp"

#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "matchgate/ops/admin_server.hpp"

namespace matchgate::admin_tool {

namespace {

// Longer than the daemon's own wait for its network thread (docs/ADMIN.md).
constexpr timeval kAnswerTimeout{60, 0};

// The socket path: --socket, else --config's [admin] socket, else the
// default; relative paths are relative to the working directory, as for
// the daemon. Throws std::runtime_error when the config names none.
std::string socket_path(const EndpointOptions& options) {
  if (!options.socket.empty()) return options.socket;
  if (options.config.empty()) return ops::kDefaultAdminSocket;
  toml::table root;
  try {
    root = toml::parse_file(options.config);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(options.config + ": " + std::string(e.description()));
  }
  const toml::node_view<toml::node> socket = root["admin"]["socket"];
  if (!socket) return ops::kDefaultAdminSocket;
  const std::optional<std::string> path = socket.value<std::string>();
  if (!path) throw std::runtime_error(options.config + ": admin.socket is not a string");
  if (path->empty()) {
    throw std::runtime_error(options.config +
                             ": the daemon has no admin endpoint (admin.socket is \"\")");
  }
  return *path;
}

std::string default_operator() {
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') return user;
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr) return pw->pw_name;
  return "uid" + std::to_string(::getuid());
}

// Words travel separated by single spaces, as printable ASCII.
std::optional<std::string> unsendable(const std::vector<std::string>& words) {
  for (const std::string& w : words) {
    if (w.empty()) return std::string("an empty argument");
    for (char c : w) {
      if (c <= 0x20 || c >= 0x7f) return "\"" + w + "\": only printable ASCII without spaces";
    }
  }
  return std::nullopt;
}

// Connected socket; -1 with the reason printed.
int connect_to(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    std::cerr << "matchgate-admin: cannot connect to " << path << ": path too long\n";
    return -1;
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int error = errno;
    std::cerr << "matchgate-admin: cannot connect to " << path << ": " << std::strerror(error)
              << (error == ENOENT || error == ECONNREFUSED ? " (is matchgated running?)" : "")
              << '\n';
    if (fd >= 0) ::close(fd);
    return -1;
  }
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kAnswerTimeout, sizeof kAnswerTimeout);
  return fd;
}

// Sends the line, reads until the daemon closes; nullopt on an I/O error.
std::optional<std::string> exchange_line(int fd, const std::string& line) {
  std::string_view out = line;
  while (!out.empty()) {
    const ssize_t n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    out.remove_prefix(static_cast<std::size_t>(n));
  }
  std::string answer;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      answer.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      return answer;
    } else if (errno != EINTR) {
      return std::nullopt;
    }
  }
}

// Prints the text before the last line; the last line decides the exit code.
int report(const std::string& path, const std::string& answer) {
  const std::size_t end = answer.size();
  const std::size_t last = end >= 2 ? answer.rfind('\n', end - 2) : std::string::npos;
  const std::size_t start = last == std::string::npos ? 0 : last + 1;
  const std::string final_line =
      !answer.empty() && answer.back() == '\n' ? answer.substr(start, end - 1 - start) : "";
  std::cout << answer.substr(0, start) << std::flush;
  if (final_line == "OK") return kExitAnswerOk;
  if (final_line.starts_with("ERROR ")) {
    std::cerr << "matchgate-admin: " << final_line << '\n';
    return kExitAnswerError;
  }
  std::cerr << "matchgate-admin: " << path << ": incomplete answer from the daemon\n";
  return kExitNoEndpoint;
}

}  // namespace

int run_daemon_command(const EndpointOptions& options, const std::vector<std::string>& words) {
  const std::string name =
      options.operator_name.empty() ? default_operator() : options.operator_name;
  if (const auto problem = unsendable(words)) {
    std::cerr << "matchgate-admin: cannot send " << *problem << '\n';
    return kExitUsage;
  }
  std::string path;
  try {
    path = socket_path(options);
  } catch (const std::exception& e) {
    std::cerr << "matchgate-admin: " << e.what() << '\n';
    return kExitNoEndpoint;
  }
  std::string line = "operator=" + name;
  for (const std::string& w : words) line += ' ' + w;
  line += '\n';
  const int fd = connect_to(path);
  if (fd < 0) return kExitNoEndpoint;
  const std::optional<std::string> answer = exchange_line(fd, line);
  const int error = errno;
  ::close(fd);
  if (!answer) {
    std::cerr << "matchgate-admin: " << path << ": " << std::strerror(error) << '\n';
    return kExitNoEndpoint;
  }
  return report(path, *answer);
}

}  // namespace matchgate::admin_tool
