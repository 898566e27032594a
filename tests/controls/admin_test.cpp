// The admin endpoint as operators meet it: the socket's mode is the access
// control (checked with a second user when the test runs as root), bad
// input is refused with exit 1 and changes nothing (no status change, no
// Control record), and commands sent at once are all answered and applied.
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "controls/controls_support.hpp"

namespace matchgate::testing::controls {
namespace {

constexpr const char* kSetpriv = "/usr/bin/setpriv";

// matchgate-admin run as user nobody (uid 65534): possible as root only.
bool can_run_as_nobody() {
  return ::geteuid() == 0 && ::access(kSetpriv, X_OK) == 0;
}

CommandRun ping_as_nobody(const Daemon& d) {
  return run_command(std::string("timeout 60 ") + kSetpriv +
                     " --reuid=65534 --regid=65534 --clear-groups " +
                     Daemon::binary("matchgate-admin") + " ping --socket " + d.admin_socket() +
                     " --operator outsider");
}

unsigned socket_mode(const Daemon& d) {
  struct stat st {};
  EXPECT_EQ(::stat(d.admin_socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  return st.st_mode & 07777;
}

TEST(AdminSocket, TheSocketsModeDecidesWhoMayOperate) {
  Daemon d(gw::small());
  EXPECT_EQ(socket_mode(d), 0600U);
  // The fixture's directory is the daemon user's only; let others reach the
  // socket file, so that only its own mode stands in the way.
  ASSERT_EQ(::chmod(d.dir().c_str(), 0711), 0);
  if (can_run_as_nobody()) {
    const CommandRun refused = ping_as_nobody(d);
    EXPECT_EQ(refused.status, 3) << refused.out;
    EXPECT_TRUE(refused.has("Permission denied")) << refused.out;
  }

  DaemonOptions open_to_all = d.options();
  open_to_all.admin_extra = "socket_mode = \"0666\"\n";
  d.set_options(open_to_all);
  ASSERT_TRUE(d.restart()) << d.log();
  EXPECT_EQ(socket_mode(d), 0666U);
  if (can_run_as_nobody()) {
    const CommandRun allowed = ping_as_nobody(d);
    EXPECT_EQ(allowed.status, 0) << allowed.out;
    EXPECT_EQ(allowed.out, "pong\n");
  }
  ASSERT_EQ(d.stop(), 0);
  // The identity logged is the kernel's (SO_PEERCRED), not only the name given.
  if (can_run_as_nobody()) {
    EXPECT_NE(d.log().find("uid 65534 (nobody) as \"outsider\""), std::string::npos) << d.log();
  }

  // A mode that locks the daemon's own user out is refused at start.
  DaemonOptions locked = open_to_all;
  locked.admin_extra = "socket_mode = \"0060\"\n";
  d.set_options(locked);
  EXPECT_FALSE(d.restart());
  EXPECT_NE(d.log().find("admin.socket_mode: the owner needs read and write (0600)"),
            std::string::npos)
      << d.log();
}

TEST(AdminSocket, BadInputIsExitOneAndChangesNothing) {
  Daemon d(gw::small());
  admin_ok(d, "set-limit MEMBER1 credit_limit 500");
  const std::string before = status_of(d);
  const struct {
    const char* args;
    const char* error;
  } bad[] = {
      {"kill NOBODY", "ERROR unknown member \"NOBODY\""},
      {"release NOBODY", "ERROR unknown member \"NOBODY\""},
      {"halt NOPE", "ERROR unknown symbol \"NOPE\""},
      {"resume NOPE", "ERROR unknown symbol \"NOPE\""},
      {"mass-cancel NOBODY", "ERROR unknown member \"NOBODY\""},
      {"mass-cancel MEMBER1 NOPE", "ERROR unknown symbol \"NOPE\""},
      {"set-limit NOBODY credit_limit 1", "ERROR unknown member \"NOBODY\""},
      {"set-limit MEMBER1 credit 1", "ERROR unknown limit \"credit\""},
      {"set-limit MEMBER1 credit_limit abc", "is not a number >= 0"},
      {"set-limit MEMBER1 credit_limit -5", "is not a number >= 0"},
      {"set-limit MEMBER1 credit_limit 0.000000001", "is not a number >= 0"},
      {"set-limit MEMBER1 max_open_orders 1.5", "takes a whole number"},
      {"set-limit MEMBER1 max_messages_per_s 0", "takes a whole number 1..10000000"},
      {"set-limit MEMBER1 message_burst 5", "message_burst needs max_messages_per_s"},
  };
  for (const auto& b : bad) {
    const CommandRun r = admin(d, b.args);
    EXPECT_EQ(r.status, 1) << b.args << ":\n" << r.out;
    EXPECT_TRUE(r.has(b.error)) << b.args << ":\n" << r.out;
  }
  // A usage error never reaches the daemon.
  EXPECT_EQ(admin(d, "set-limit MEMBER1 credit_limit").status, 2);
  EXPECT_EQ(admin(d, "kill").status, 2);
  EXPECT_EQ(status_of(d), before);
  ASSERT_EQ(d.stop(), 0);
  const std::string dump = wal_dump(d);
  EXPECT_EQ(count_lines(dump, {" Control "}), 1U) << dump;
  EXPECT_EQ(count_lines(dump, {" Control action=\"set-limit\"", "member=0", "value=50000000000"}),
            1U)
      << dump;
}

TEST(AdminSocket, CommandsSentAtOnceAreAllAnsweredAndApplied) {
  Daemon d(gw::small());
  const std::vector<std::string> keys = {"credit_limit", "max_order_value", "max_open_orders",
                                         "max_messages_per_s"};
  struct Job {
    std::string args;
    CommandRun result;
  };
  std::vector<Job> jobs;
  for (int member = 1; member <= 2; ++member) {
    for (std::size_t k = 0; k < keys.size(); ++k) {
      jobs.push_back({"set-limit MEMBER" + std::to_string(member) + " " + keys[k] + " " +
                          std::to_string(100 * (k + 1) + member),
                      {}});
    }
  }
  std::vector<std::thread> threads;
  threads.reserve(jobs.size());
  for (Job& j : jobs) threads.emplace_back([&d, &j] { j.result = admin(d, j.args); });
  for (std::thread& t : threads) t.join();
  for (const Job& j : jobs) {
    EXPECT_EQ(j.result.status, 0) << j.args << ":\n" << j.result.out;
    EXPECT_TRUE(j.result.has("none -> ")) << j.args << ":\n" << j.result.out;
  }
  const std::string status = status_of(d);
  EXPECT_NE(status.find("member MEMBER1: active, not logged on, credit in use 0.00 / 101.00, "
                        "open orders 0 / 301, max order value 201.00, messages/s 401"),
            std::string::npos)
      << status;
  EXPECT_NE(status.find("member MEMBER2: active, not logged on, credit in use 0.00 / 102.00, "
                        "open orders 0 / 302, max order value 202.00, messages/s 402"),
            std::string::npos)
      << status;
  ASSERT_EQ(d.stop(), 0);
  EXPECT_EQ(count_lines(wal_dump(d), {" Control action=\"set-limit\""}), jobs.size());
  // And the daemon logged each with its operator.
  EXPECT_EQ(count_lines(d.log(), {"as \"tester\"", ": set-limit MEMBER", "-> OK"}), jobs.size())
      << d.log();
}

}  // namespace
}  // namespace matchgate::testing::controls
