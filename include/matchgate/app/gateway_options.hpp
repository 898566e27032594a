#pragma once
#include "matchgate/app/config.hpp"
#include "matchgate/gateway/gateway.hpp"

namespace matchgate::app {

// The gateway's view of a validated configuration: which instruments each
// shard owns (and under which local number), members, limits and threads.
gateway::GatewayOptions gateway_options(const Config& config);

}  // namespace matchgate::app
