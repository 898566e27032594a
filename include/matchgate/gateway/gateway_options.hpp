#pragma once
// Everything a Gateway is built from. The daemon's config fills it section
// by section ([gateway], [engine], [wal], [dedup], [admin]; docs/CONFIG.md), so the
// defaults here are the daemon's defaults.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "matchgate/engine/instrument.hpp"
#include "matchgate/engine/types.hpp"
#include "matchgate/gateway/network_options.hpp"
#include "matchgate/gateway/snapshot_options.hpp"
#include "matchgate/ops/admin_server.hpp"
#include "matchgate/util/parking_idle.hpp"
#include "matchgate/wal/wal_options.hpp"

namespace matchgate::gateway {

struct ShardOptions {
  std::vector<engine::InstrumentSpec> instruments;  // the shard's own numbering
  int cpu = -1;                                     // -1: no pinning
};

struct GatewayOptions {
  NetworkOptions network;
  int network_cpu = -1;  // CPU of the network thread; -1: no pinning
  // One engine thread each; an instrument belongs to exactly one shard.
  std::vector<ShardOptions> shards = std::vector<ShardOptions>(1);
  std::vector<engine::MemberSpec> members;        // engine MemberId = index, as network.members
  std::uint32_t max_orders_per_shard = 1U << 20;  // live orders; reserved at start
  std::size_t ring_capacity = 65536;  // messages per SPSC ring (rounded up to a power of two)
  // How the network, shard and log-writer threads wait for work.
  util::IdleMode idle = util::IdleMode::Wait;
  std::chrono::microseconds idle_spin{10};  // IdleMode::Wait: spinning before sleeping
  wal::WalOptions wal;
  std::filesystem::path sign_key;  // SM2 private key (PEM) that seals the log; required to run
  SnapshotOptions snapshots;
  // The operator's admin endpoint (docs/ADMIN.md); an empty socket: none.
  ops::AdminOptions admin;
};

}  // namespace matchgate::gateway
