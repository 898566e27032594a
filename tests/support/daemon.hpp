#pragma once
// Runs the real matchgated on a free loopback port with a generated config,
// for end-to-end tests. The daemon is stopped (SIGTERM, then SIGKILL) when
// the fixture goes away.
//
// MATCHGATE_TEST_DAEMON=/path/to/matchgated runs that daemon instead of the
// one built next to the test program: `make tsan-test` points the release
// build's end-to-end suites at the ThreadSanitizer build's daemon
// (build-tsan/bin/matchgated), whose threads run together only there. The
// daemon inherits the environment (TSAN_OPTIONS). Whenever a daemon ends
// (it exits, or stop() or kill() ends it), a ThreadSanitizer report in its
// output fails the running test with the output, even when the tests'
// assertions passed or TSAN_OPTIONS lacks halt_on_error.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace matchgate::testing {

struct TestMember {
  std::string comp_id;
  std::string password;
  std::vector<std::string> accounts;
  std::string stp = "none";
  bool cancel_on_disconnect = false;
  std::string extra = {};  // more lines for this [[members]] table
  // Not empty: a drop-copy session of these comp_ids (no accounts, stp or
  // cancel_on_disconnect are written for it).
  std::vector<std::string> drop_copy_for = {};
};

// The environment's value of `name`, or `fallback` when it is unset or
// empty: how a whole test run is pointed at another back end or idle
// strategy (MATCHGATE_TEST_BACKEND, MATCHGATE_TEST_IDLE; `make test` runs the
// end-to-end tests on both).
std::string env_or(const char* name, const char* fallback);

struct DaemonOptions {
  std::vector<TestMember> members = {
      {"MEMBER1", "secret-1", {"M1-A", "M1-B"}, "none", false},
      {"MEMBER2", "secret-2", {"M2-A"}, "none", false},
  };
  // [[instruments]] tables. Default: ACME (tick 0.01, lot 1, ref 100, band 10%,
  // max 1000000) and LOTS (tick 0.05, lot 10, ref 20, no band, max 10000).
  std::string instruments;
  int shards = 2;
  // [gateway] backend and [engine] idle; a test that needs one sets it.
  std::string backend = env_or("MATCHGATE_TEST_BACKEND", "auto");
  std::string idle = env_or("MATCHGATE_TEST_IDLE", "wait");
  std::string gateway_extra;  // more lines for [gateway]
  std::string engine_extra;   // more lines for [engine]
  // More lines for [wal]. The fixture sets dir, sign_key (a key pair it
  // generates) and, unless these lines set it, segment_mb = 4.
  std::string wal_extra;
  // The [dedup] table's lines. Default: the embedded store, sized down (the
  // default 2^20 keys allocate ~160 MB at start).
  std::string dedup = "max_keys = 65536\n";
  // More environment for the daemon ("NAME=value").
  std::vector<std::string> env;
  std::string log_level = "info";
  // The [trading_day] table's lines; empty: no [trading_day] table (always open).
  std::string trading_day;
  // More lines for [admin] (the fixture sets socket).
  std::string admin_extra;
  // More lines for [clearing] (the fixture sets report_dir).
  std::string clearing;
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  const std::string& dir() const noexcept { return dir_; }
  const std::string& config_path() const noexcept { return config_path_; }
  bool running();
  // SIGTERM and wait; returns the exit status (or 128 + signal).
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10'000));
  // SIGKILL and wait: a crash.
  void kill();
  // Starts the daemon again on the same directory, log and port (after
  // stop() or kill()); returns whether it came up. A daemon that refuses to
  // start (e.g. a damaged log) leaves its reason in log().
  bool restart();
  std::string wal_dir() const { return dir_ + "/wal"; }
  std::string public_key_path() const { return dir_ + "/wal-key.pub.pem"; }
  std::string log() const;
  const DaemonOptions& options() const noexcept { return options_; }
  // Options for the next start (restart() rewrites the config from them):
  // a test can change the schedule, limits or members between two lives.
  void set_options(DaemonOptions options) { options_ = std::move(options); }
  // [admin] socket: in the fixture's directory, so that daemons never share one.
  std::string admin_socket() const { return dir_ + "/admin.sock"; }
  // [clearing] report_dir: settlement reports, one directory per date.
  std::string settlement_dir() const { return dir_ + "/settlement"; }

  static std::string binary(const std::string& name);
  // The daemon the fixture runs: $MATCHGATE_TEST_DAEMON, else binary("matchgated").
  static std::string daemon_binary();

 private:
  void start();
  // The process has been waited for: records how it ended and fails the
  // test if its output holds a ThreadSanitizer report.
  void reaped(int exit_status);
  void wait_port_closed();

  DaemonOptions options_;
  std::string dir_;
  std::string config_path_;
  std::string log_path_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  int exit_status_ = -1;
};

// A loopback port nobody listens on right now.
std::uint16_t free_port();

}  // namespace matchgate::testing
