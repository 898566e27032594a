#pragma once
// Runs a command line through the shell and collects what it printed (stdout
// and stderr) and its exit status: tests run matchgate-wal as an operator
// would. Header-only, so test programs that do not link the test support
// library can use it too.
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace matchgate::testing {

struct CommandRun {
  int status = -1;  // exit status; -1 when it did not exit normally or did not run
  std::string out;  // stdout and stderr
  bool has(std::string_view s) const { return out.find(s) != std::string::npos; }
};

inline CommandRun run_command(const std::string& command) {
  CommandRun r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace matchgate::testing
