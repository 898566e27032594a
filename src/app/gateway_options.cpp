#include "matchgate/app/gateway_options.hpp"

namespace matchgate::app {

gateway::GatewayOptions gateway_options(const Config& config) {
  gateway::GatewayOptions g;
  gateway::NetworkOptions& n = g.network;
  n.comp_id = config.gateway.comp_id;
  n.backend = config.gateway.backend == "io_uring" ? net::Backend::IoUring
              : config.gateway.backend == "asio"   ? net::Backend::Asio
                                                   : net::Backend::Auto;
  n.server.host = config.gateway.listen_host;
  n.server.port = config.gateway.listen_port;
  n.server.max_connections = config.gateway.max_sessions;
  n.server.max_message_bytes = config.gateway.max_message_bytes;
  n.server.max_output_bytes = config.gateway.max_output_bytes;
  n.max_records = static_cast<std::uint32_t>(config.gateway.max_tracked_orders);
  n.resend_buffer_bytes = config.gateway.resend_buffer_bytes;
  n.timestamps = config.gateway.timestamp_precision;
  n.field_validation = config.gateway.field_validation;
  n.max_sending_time_skew = std::chrono::seconds(config.gateway.max_sending_time_skew_s);
  gateway::DedupOptions& d = n.dedup;
  d.backend = config.dedup.backend;
  d.ttl = std::chrono::seconds(config.dedup.ttl_s);
  d.max_keys = config.dedup.max_keys;
  d.redis.host = config.dedup.redis_host;
  d.redis.port = config.dedup.redis_port;
  d.redis.prefix = config.dedup.redis_prefix;
  d.redis.ttl = d.ttl;
  d.redis.timeout = std::chrono::milliseconds(config.dedup.redis_timeout_ms);
  for (const MemberConfig& m : config.members) {
    n.members.push_back(
        gateway::MemberOptions{m.comp_id, m.password_hash, m.accounts, m.cancel_on_disconnect});
  }
  n.instruments.resize(config.instruments.size());
  g.shards.resize(config.engine.shards);
  for (std::size_t shard = 0; shard < config.engine.shards; ++shard) {
    g.shards[shard].cpu = config.engine.cpus.empty() ? -1 : config.engine.cpus[shard];
    const std::vector<std::size_t> owned = instruments_of_shard(config, shard);
    for (std::size_t local = 0; local < owned.size(); ++local) {
      const InstrumentConfig& inst = config.instruments[owned[local]];
      n.instruments[owned[local]] = gateway::InstrumentRoute{
          inst.symbol, static_cast<std::uint32_t>(shard), static_cast<engine::InstrumentId>(local)};
      g.shards[shard].instruments.push_back(inst.spec);
    }
  }
  g.network_cpu = config.gateway.cpu;
  g.members = member_specs(config);
  g.max_orders_per_shard = static_cast<std::uint32_t>(config.engine.max_orders);
  g.ring_capacity = config.engine.ring_capacity;
  g.idle = config.engine.idle == "spin" ? util::IdleMode::Spin : util::IdleMode::Wait;
  g.idle_spin = std::chrono::microseconds(config.engine.idle_spin_us);
  wal::WalOptions& w = g.wal;
  w.dir = config.wal.dir;
  w.sync = config.wal.sync;
  w.group_commit = std::chrono::microseconds(config.wal.group_commit_us);
  w.group_commit_bytes = config.wal.group_commit_bytes;
  w.hold_for_reports = std::chrono::microseconds(config.wal.hold_for_reports_us);
  w.segment_bytes = std::uint64_t{config.wal.segment_mb} << 20;
  w.seal_interval = std::chrono::milliseconds(config.wal.seal_interval_ms);
  w.sm2_id = config.wal.sm2_id;
  g.sign_key = config.wal.sign_key;
  g.snapshots.interval = std::chrono::seconds(config.wal.snapshot_interval_s);
  g.snapshots.every_records = config.wal.snapshot_every_records;
  g.snapshots.keep = config.wal.keep_snapshots;
  g.snapshots.remove_covered_segments = config.wal.delete_covered_segments;
  return g;
}

}  // namespace matchgate::app
