#pragma once
// Wires network thread(s) and engine shards together with SPSC rings and
// runs each as an agent on its own thread.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "matchgate/gateway/gateway_options.hpp"
#include "matchgate/gateway/network_agent.hpp"
#include "matchgate/gateway/shard_agent.hpp"

namespace matchgate::gateway {

class Gateway {
 public:
  // Builds everything, recovers the state the log in options.wal.dir holds
  // (verifying it; a damaged log throws, naming segment and offset) and
  // binds the listening socket; throws on any failure.
  explicit Gateway(GatewayOptions options);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  void start();
  // Logout to every session, wait up to `drain` for them to close and for
  // the shards to finish what they were given, then stop the threads and
  // close the log (Shutdown record, seal, fdatasync).
  void stop(std::chrono::milliseconds drain = std::chrono::milliseconds(2000));

  std::uint16_t port() const;
  const NetworkAgent& network() const;
  std::size_t shard_count() const;
  const ShardAgent& shard(std::size_t i) const;
  // Empty while every thread is healthy; otherwise what failed.
  std::string failure() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace matchgate::gateway
