// Fuzz target: the config loader (app::parse_config, what load_config runs
// on a file's text): TOML syntax through toml++, then every section's keys
// and the derived gateway options.
//
// Input: the TOML text. A config that does not load must say so with
// app::ConfigError (anything else escaping is a finding); one that loads
// must be what a Gateway can be built from: every instrument routed to an
// existing shard and found there under its symbol, and the members listed
// alike everywhere.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "matchgate/app/config.hpp"

namespace matchgate::fuzz {
namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_config: a config that loaded: %s\n", what);
  std::abort();
}

void check_loaded(const app::Config& c) {
  const gateway::GatewayOptions& g = c.gateway;
  if (g.shards.empty()) fail("no shard");
  if (g.network.members.size() != c.members.size() || g.members.size() != c.members.size()) {
    fail("members differ between the config and the gateway options");
  }
  for (const gateway::MemberOptions& m : g.network.members) {
    for (const engine::MemberId target : m.drop_copy_for) {
      if (target >= c.members.size()) fail("a drop copy for a member that does not exist");
    }
  }
  if (g.network.instruments.size() != c.instruments.size()) fail("instruments not all routed");
  for (const gateway::InstrumentRoute& route : g.network.instruments) {
    if (route.shard >= g.shards.size()) fail("an instrument routed to a shard that does not exist");
    const auto& specs = g.shards[route.shard].instruments;
    if (route.local_id >= specs.size() || specs[route.local_id].symbol != route.symbol) {
      fail("an instrument's route does not lead to it");
    }
  }
}

}  // namespace
}  // namespace matchgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    matchgate::fuzz::check_loaded(matchgate::app::parse_config(text, "fuzz.toml"));
  } catch (const matchgate::app::ConfigError&) {
    // The answer to a bad config.
  }
  return 0;
}
