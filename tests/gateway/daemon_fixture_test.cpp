// The end-to-end fixture's two promises to `make tsan-test`: it runs the
// daemon MATCHGATE_TEST_DAEMON names, and a ThreadSanitizer report in that
// daemon's output fails the test with the output. A shell script stands in
// for a daemon that reports a race (TSan's report goes to stderr; with
// halt_on_error=1 the process then exits 66).
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/daemon.hpp"

namespace matchgate::testing {
namespace {

namespace fs = std::filesystem;

class DaemonFixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/matchgate-fake-daemon-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
    if (const char* v = std::getenv("MATCHGATE_TEST_DAEMON")) saved_daemon_ = v;
  }
  // The variable as it was: later tests of this process run the daemon it named.
  void TearDown() override {
    if (saved_daemon_.empty()) {
      ::unsetenv("MATCHGATE_TEST_DAEMON");
    } else {
      ::setenv("MATCHGATE_TEST_DAEMON", saved_daemon_.c_str(), 1);
    }
    fs::remove_all(dir_);
  }

  // A "daemon" that prints `stderr_text` and exits with `status` at once.
  void use_fake_daemon(const std::string& stderr_text, int status) {
    const std::string path = dir_ + "/matchgated";
    std::ofstream(path) << "#!/bin/sh\nprintf '%s\\n' '" << stderr_text << "' >&2\nexit " << status
                        << "\n";
    ASSERT_EQ(::chmod(path.c_str(), 0755), 0);
    ASSERT_EQ(::setenv("MATCHGATE_TEST_DAEMON", path.c_str(), 1), 0);
    ASSERT_EQ(Daemon::daemon_binary(), path);
  }

  // Starts a Daemon (which fails: the fake never listens) and returns the
  // messages of the test failures that raised, without failing this test.
  static std::vector<std::string> failures_of_a_start() {
    ::testing::TestPartResultArray failures;
    {
      ::testing::ScopedFakeTestPartResultReporter reporter(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
      EXPECT_THROW(Daemon daemon, std::runtime_error);
    }
    std::vector<std::string> messages;
    for (int i = 0; i < failures.size(); ++i) {
      messages.emplace_back(failures.GetTestPartResult(i).message());
    }
    return messages;
  }

  std::string dir_;
  std::string saved_daemon_;
};

TEST_F(DaemonFixtureTest, ThreadSanitizerReportInTheDaemonsOutputFailsTheTestWithTheOutput) {
  use_fake_daemon("WARNING: ThreadSanitizer: data race (pid=4242) in fake_shard_loop", 66);
  const std::vector<std::string> failures = failures_of_a_start();
  ASSERT_GE(failures.size(), 1U);
  const std::string& message = failures.front();
  EXPECT_NE(message.find("exit status 66"), std::string::npos) << message;
  EXPECT_NE(message.find("data race (pid=4242) in fake_shard_loop"), std::string::npos) << message;
}

TEST_F(DaemonFixtureTest, DaemonThatEndsWithoutAReportRaisesNoFailure) {
  use_fake_daemon("matchgated: cannot open the log", 1);
  EXPECT_EQ(failures_of_a_start(), std::vector<std::string>{});
}

}  // namespace
}  // namespace matchgate::testing
