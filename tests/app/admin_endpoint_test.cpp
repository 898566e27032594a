// matchgate-admin against the real daemon: its admin socket, run as an
// operator would. The commands themselves are the network thread's
// (src/gateway/admin_commands.cpp); here only ping and an unknown one.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "support/command.hpp"
#include "support/daemon.hpp"

using matchgate::testing::CommandRun;
using matchgate::testing::Daemon;
using matchgate::testing::run_command;

namespace {

CommandRun admin(const std::string& args) {
  return run_command("timeout 60 " + Daemon::binary("matchgate-admin") + " " + args);
}

}  // namespace

TEST(AdminEndpoint, PingStatusAndAnUnknownMemberThroughTheConfig) {
  Daemon daemon;
  struct stat st {};
  ASSERT_EQ(::stat(daemon.admin_socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600U);  // the default [admin] socket_mode

  const CommandRun ping = admin("ping --config " + daemon.config_path() + " --operator alice");
  EXPECT_EQ(ping.status, 0) << ping.out;
  EXPECT_EQ(ping.out, "pong\n");

  const CommandRun by_socket = admin("ping --socket " + daemon.admin_socket());
  EXPECT_EQ(by_socket.status, 0) << by_socket.out;

  const CommandRun status = admin("status --config " + daemon.config_path());
  EXPECT_EQ(status.status, 0) << status.out;
  EXPECT_TRUE(status.has("venue: session open")) << status.out;
  EXPECT_TRUE(status.has("instrument ACME: trading")) << status.out;

  const CommandRun unknown = admin("kill NOBODY --config " + daemon.config_path());
  EXPECT_EQ(unknown.status, 1) << unknown.out;
  EXPECT_TRUE(unknown.has("ERROR unknown member \"NOBODY\"")) << unknown.out;

  const CommandRun bad_name =
      admin("ping --socket " + daemon.admin_socket() + " --operator 'a\"b'");
  EXPECT_EQ(bad_name.status, 1) << bad_name.out;
  EXPECT_TRUE(bad_name.has("operator name")) << bad_name.out;

  EXPECT_EQ(daemon.stop(), 0);
  // Each command is in the daemon's log with who sent it; the socket is gone.
  EXPECT_NE(daemon.log().find("as \"alice\" pid "), std::string::npos) << daemon.log();
  EXPECT_NE(daemon.log().find(": ping -> OK"), std::string::npos) << daemon.log();
  EXPECT_FALSE(std::filesystem::exists(daemon.admin_socket()));
}

TEST(AdminEndpoint, NoDaemonIsExitThreeNamingTheSocket) {
  const std::string missing = "/tmp/matchgate-no-such-dir/admin.sock";
  const CommandRun r = admin("ping --socket " + missing);
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_TRUE(r.has("cannot connect to " + missing + ": No such file or directory")) << r.out;
}

TEST(AdminEndpoint, ArgumentsTheProtocolCannotCarryAreUsageErrors) {
  const CommandRun r = admin("kill 'M 1' --socket /tmp/matchgate-no-such-dir/admin.sock");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_TRUE(r.has("only printable ASCII without spaces")) << r.out;
}
