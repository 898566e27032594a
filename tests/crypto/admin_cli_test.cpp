// matchgate-admin run as a program: passwords piped in, output checked.
#include "matchgate/crypto/password_hash.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#ifndef MATCHGATE_ADMIN_BIN
#error "MATCHGATE_ADMIN_BIN must name the matchgate-admin binary"
#endif

namespace mc = matchgate::crypto;

namespace {

struct Result {
  int exit_code = -1;
  std::string out;  // stdout only; stderr is discarded
};

// Runs `matchgate-admin <args>` with `input` on its standard input.
Result admin(const std::string& args, const std::string& input_shell = "printf ''") {
  const std::string cmd =
      input_shell + " | '" + std::string(MATCHGATE_ADMIN_BIN) + "' " + args + " 2>/dev/null";
  Result r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string one_line(const std::string& out) {
  EXPECT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "more than one line: " << out;
  return out.empty() ? out : out.substr(0, out.size() - 1);
}

}  // namespace

TEST(AdminCli, HashPasswordFromPipe) {
  const Result r = admin("hash-password --iterations 10000", "printf 'demo-pass-1\\n'");
  ASSERT_EQ(r.exit_code, 0);
  const std::string hash = one_line(r.out);
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$10000$", 0), 0u) << hash;
  EXPECT_EQ(mc::password_hash_format_error(hash), "");
  EXPECT_TRUE(mc::verify_password("demo-pass-1", hash));
  EXPECT_FALSE(mc::verify_password("demo-pass-1\n", hash));
}

TEST(AdminCli, HashPasswordWithoutTrailingNewlineOrWithCrLf) {
  for (const char* input : {"printf 'demo-pass-2'", "printf 'demo-pass-2\\r\\n'"}) {
    const Result r = admin("hash-password --iterations 10000", input);
    ASSERT_EQ(r.exit_code, 0) << input;
    EXPECT_TRUE(mc::verify_password("demo-pass-2", one_line(r.out))) << input;
  }
}

TEST(AdminCli, HashPasswordReadsOnlyTheFirstLine) {
  const Result r =
      admin("hash-password --password-stdin --iterations 10000", "printf 'first\\nsecond\\n'");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_TRUE(mc::verify_password("first", one_line(r.out)));
}

TEST(AdminCli, HashPasswordDefaultIterations) {
  const Result r = admin("hash-password", "printf 'pw\\n'");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("pbkdf2-sha256$" + std::to_string(mc::kDefaultPbkdf2Iterations) + "$", 0),
            0u)
      << r.out;
}

TEST(AdminCli, HashPasswordRefusesNoOrEmptyPassword) {
  Result r = admin("hash-password --iterations 10000", "true");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  r = admin("hash-password --iterations 10000", "printf '\\n'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
}

TEST(AdminCli, HashPasswordRejectsIterationsOutOfRange) {
  for (const char* it : {"9999", "10000001", "abc"}) {
    const Result r = admin(std::string("hash-password --iterations ") + it, "printf 'pw\\n'");
    EXPECT_NE(r.exit_code, 0) << it;
    EXPECT_EQ(r.out, "") << it;
  }
}

TEST(AdminCli, NeedsASubcommand) {
  EXPECT_NE(admin("").exit_code, 0);
  EXPECT_NE(admin("no-such-command").exit_code, 0);
  EXPECT_EQ(admin("--help").exit_code, 0);
  EXPECT_EQ(admin("hash-password --help").exit_code, 0);
}

TEST(AdminCli, VerifyPassword) {
  const std::string hash = mc::hash_password("demo-pass-1", 10'000);
  Result r = admin("verify-password --hash '" + hash + "'", "printf 'demo-pass-1\\n'");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "ok\n");
  r = admin("verify-password --hash '" + hash + "'", "printf 'demo-pass-2\\n'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "mismatch\n");
  r = admin("verify-password --hash 'pbkdf2-sha256$10$x$y'", "printf 'demo-pass-1\\n'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
}

TEST(AdminCli, HashThenVerifyThroughTheProgram) {
  const Result h = admin("hash-password --iterations 10000", "printf 'round trip\\n'");
  ASSERT_EQ(h.exit_code, 0);
  const std::string hash = one_line(h.out);
  EXPECT_EQ(admin("verify-password --hash '" + hash + "'", "printf 'round trip\\n'").exit_code, 0);
  EXPECT_EQ(admin("verify-password --hash '" + hash + "'", "printf 'round trip \\n'").exit_code, 1);
}
