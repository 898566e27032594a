// The operator's commands, executed on the network thread (docs/ADMIN.md):
// `ping` here, everything else by the trading controls (controls.hpp).
#include "matchgate/gateway/network_agent.hpp"
#include "matchgate/util/assert.hpp"

namespace matchgate::gateway {

ControlAnswer NetworkAgent::execute_admin(const ops::AdminRequest& request) {
  MATCHGATE_ASSERT(!request.words.empty(), "the admin server passes only requests with a command");
  if (request.words.front() == "ping") return ControlAnswer{true, "pong", 0};
  return controls_.execute(request.operator_identity, request.words);
}

}  // namespace matchgate::gateway
