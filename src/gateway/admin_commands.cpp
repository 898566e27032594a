// The operator's commands, executed on the network thread (docs/ADMIN.md).
// A placeholder: only `ping` exists; the real commands (kill, halt, ...)
// replace this one function.
#include "matchgate/gateway/network_agent.hpp"
#include "matchgate/util/assert.hpp"

namespace matchgate::gateway {

ops::AdminAnswer NetworkAgent::execute_admin(const ops::AdminRequest& request) {
  MATCHGATE_ASSERT(!request.words.empty(), "the admin server passes only requests with a command");
  if (request.words.front() == "ping") return {true, "pong"};
  return {false, "unknown command " + request.words.front()};
}

}  // namespace matchgate::gateway
