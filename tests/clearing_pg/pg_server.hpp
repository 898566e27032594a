#pragma once
// A throwaway PostgreSQL server for tests and the loader's benchmark:
// initdb into a temporary directory, pg_ctl start on a free loopback port
// (Unix socket in the same directory), pg_ctl stop -m fast and removal on
// destruction. initdb and postgres refuse to run as root, so as root they
// run as the `postgres` user the Debian package creates (runuser), with
// the directory owned by it. The binaries come from $MATCHGATE_PG_BIN, else
// the newest /usr/lib/postgresql/<version>/bin; without them the
// constructor throws, saying what to install.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace matchgate::testing {

class PgServer {
 public:
  PgServer() {
    bin_ = find_bin_dir();
    char templ[] = "/tmp/matchgate-pg-XXXXXX";
    if (::mkdtemp(templ) == nullptr) throw std::runtime_error("PgServer: mkdtemp failed");
    root_ = templ;
    if (::geteuid() == 0) give_to_postgres_user();
    run_checked(tool("initdb") + " -D " + data() + " -A trust -U postgres -E UTF8 --locale=C -N",
                "initdb");
    port_ = free_loopback_port();
    run_checked(tool("pg_ctl") + " -D " + data() + " -l " + (root_ / "server.log").string() +
                    " -w -t 120 -o '-p " + std::to_string(port_) + " -k " + root_.string() +
                    " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off' start",
                "pg_ctl start");
    started_ = true;
  }
  ~PgServer() {
    if (started_) run(tool("pg_ctl") + " -D " + data() + " -m fast -w stop");
    std::error_code ec;
    if (std::getenv("MATCHGATE_KEEP_TEST_DIRS") == nullptr) std::filesystem::remove_all(root_, ec);
  }
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  int port() const noexcept { return port_; }
  // A libpq connection string for database `db` as the superuser.
  std::string conninfo(const std::string& db = "postgres") const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + db;
  }
  // Creates database `name` (through psql).
  void create_database(const std::string& name) const {
    run_checked(tool("psql") + " -X -q -h 127.0.0.1 -p " + std::to_string(port_) +
                    " -U postgres -d postgres -c 'CREATE DATABASE " + name + "'",
                "CREATE DATABASE");
  }
  const std::filesystem::path& root() const noexcept { return root_; }
  // The postmaster's process id (first line of postmaster.pid), e.g. to
  // measure the server's CPU; -1 if unreadable.
  int postmaster_pid() const {
    int pid = -1;
    if (FILE* f = std::fopen((root_ / "data" / "postmaster.pid").c_str(), "r")) {
      if (std::fscanf(f, "%d", &pid) != 1) pid = -1;
      std::fclose(f);
    }
    return pid;
  }

 private:
  static std::filesystem::path find_bin_dir() {
    if (const char* env = std::getenv("MATCHGATE_PG_BIN")) return env;
    std::filesystem::path best;
    int best_version = -1;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const std::string name = e.path().filename().string();
      const int version = std::atoi(name.c_str());
      if (version > best_version && std::filesystem::exists(e.path() / "bin" / "initdb")) {
        best_version = version;
        best = e.path() / "bin";
      }
    }
    if (best.empty()) {
      throw std::runtime_error(
          "PostgreSQL server binaries not found: no /usr/lib/postgresql/<version>/bin/initdb "
          "(install the Debian package `postgresql`: scripts/install-deps.sh), or set "
          "MATCHGATE_PG_BIN to the directory holding initdb and pg_ctl");
    }
    return best;
  }

  void give_to_postgres_user() {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) {
      throw std::runtime_error(
          "running as root, but there is no `postgres` user to run initdb and postgres as "
          "(the Debian package `postgresql` creates it)");
    }
    if (::chown(root_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      throw std::runtime_error("PgServer: cannot chown " + root_.string() + " to postgres");
    }
    as_user_ = "runuser -u postgres -- ";
  }

  std::string tool(const std::string& name) const { return as_user_ + (bin_ / name).string(); }
  std::string data() const { return (root_ / "data").string(); }

  static int free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error("PgServer: no free loopback port");
    }
    ::close(fd);
    return ntohs(a.sin_port);
  }

  // Runs from / (the postgres user may not enter the caller's directory).
  static std::pair<int, std::string> run(const std::string& command) {
    std::string out;
    FILE* p = ::popen(("cd / && " + command + " 2>&1").c_str(), "r");
    if (p == nullptr) return {-1, "popen failed"};
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    return {::pclose(p), out};
  }
  void run_checked(const std::string& command, const char* what) const {
    const auto [status, out] = run(command);
    if (status != 0) {
      std::string log;
      if (FILE* f = std::fopen((root_ / "server.log").c_str(), "r")) {
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) log.append(buf, n);
        std::fclose(f);
      }
      throw std::runtime_error(std::string("PgServer: ") + what + " failed (" + command + "):\n" +
                               out + log);
    }
  }

  std::filesystem::path bin_;
  std::filesystem::path root_;
  std::string as_user_;
  int port_ = 0;
  bool started_ = false;
};

}  // namespace matchgate::testing
