#pragma once
// What a network thread needs to know, independent of how it was configured.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "matchgate/engine/types.hpp"
#include "matchgate/net/tcp_server.hpp"

namespace matchgate::gateway {

struct MemberOptions {
  std::string comp_id;
  std::string password_hash;
  std::vector<std::string> accounts;  // the first is the default Account(1)
  bool cancel_on_disconnect = false;
};

struct InstrumentRoute {
  std::string symbol;
  std::uint32_t shard = 0;
  engine::InstrumentId local_id = 0;  // the instrument's number inside its shard
};

struct NetworkOptions {
  std::string comp_id = "MATCHGATE";
  net::Backend backend = net::Backend::Auto;
  net::ServerOptions server;
  std::vector<MemberOptions> members;  // engine MemberId = index
  std::vector<InstrumentRoute> instruments;
  std::uint32_t max_records = 1U << 20;  // ClOrdIDs remembered per network thread
  std::size_t resend_buffer_bytes = std::size_t{64} << 20;  // per member, see SessionStore
  std::chrono::milliseconds logon_timeout{10'000};
  std::chrono::milliseconds logout_timeout{2'000};
  std::uint32_t max_heartbeat_s = 3600;
};

}  // namespace matchgate::gateway
