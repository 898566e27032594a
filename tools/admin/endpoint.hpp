#pragma once
// matchgate-admin's commands to a running daemon: one request line over the
// daemon's admin socket, one answer (docs/ADMIN.md).
#include <string>
#include <vector>

namespace matchgate::admin_tool {

// Exit codes of the daemon commands.
inline constexpr int kExitAnswerOk = 0;
inline constexpr int kExitAnswerError = 1;  // the daemon answered ERROR
inline constexpr int kExitUsage = 2;        // an argument the protocol cannot carry
inline constexpr int kExitNoEndpoint = 3;   // no connection, or no complete answer

struct EndpointOptions {
  std::string socket;         // --socket; wins over --config
  std::string config;         // --config: its [admin] socket
  std::string operator_name;  // --operator; default $USER, else the uid's user name
};

// Sends `words` (the command and its arguments) as `operator_name`, prints
// the answer's text on stdout (an ERROR's reason on stderr) and returns the
// exit code.
int run_daemon_command(const EndpointOptions& options, const std::vector<std::string>& words);

}  // namespace matchgate::admin_tool
