#pragma once
// The daemon's configuration file (TOML; every key is described in
// docs/CONFIG.md). Loading validates everything up front and fills the
// options the gateway is built from, so a config that loads can be started.
// A new key is one field (default and comment) in its module's options, one
// line in its section's load function (src/app/config.cpp) and one row in
// docs/CONFIG.md.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "matchgate/engine/instrument.hpp"
#include "matchgate/engine/types.hpp"
#include "matchgate/gateway/gateway_options.hpp"
#include "matchgate/ops/logging.hpp"
#include "matchgate/risk/pre_trade_risk.hpp"

namespace matchgate::app {

// what() is "<file>:<line>:<col>: <key.path>: <what was expected>"; the
// line and column are left out when there is no source position (e.g. a
// required table that is missing altogether).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, std::uint32_t line, std::uint32_t column, std::string key,
              std::string problem);

  const std::string& file() const noexcept { return file_; }
  std::uint32_t line() const noexcept { return line_; }  // 0 = unknown
  std::uint32_t column() const noexcept { return column_; }
  const std::string& key() const noexcept { return key_; }  // e.g. "instruments[2].tick_size"
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::string file_;
  std::uint32_t line_;
  std::uint32_t column_;
  std::string key_;
  std::string problem_;
};

inline constexpr std::size_t kMaxShards = 64;
inline constexpr std::size_t kMaxCompIdLength = 32;
inline constexpr std::size_t kMaxAccountLength = 32;
inline constexpr std::size_t kMaxOrdersPerShard = std::size_t{1} << 30;
// Quantities beyond this are treated as typos rather than configuration.
inline constexpr engine::Qty kMaxConfigQty = 1'000'000'000'000'000;  // 10^15
// price_band_pct is held in units of 1/10000 of a percent.
inline constexpr std::int64_t kBandPctScale = 10'000;
// [dedup] ttl_s at most a week (the embedded store's timer wheel).
inline constexpr std::int64_t kMaxDedupTtlS = 7 * 24 * 3600;
inline constexpr std::size_t kMaxRedisPrefixLength = 256;
// [admin] socket: the longest path a Unix socket takes (the default is
// ops::kDefaultAdminSocket).
inline constexpr std::size_t kMaxAdminSocketPath = 107;
// [gateway] max_sending_time_skew_s at most a day.
inline constexpr std::int64_t kMaxSendingTimeSkewS = 86'400;

// One [[members]] table as written.
struct MemberConfig {
  std::string comp_id;
  std::string password_hash;
  std::vector<std::string> accounts;
  engine::StpMode stp = engine::StpMode::None;
  bool cancel_on_disconnect = false;
  // Pre-trade risk limits (docs/RISK.md); money fixed point, scale kPriceScale.
  risk::MemberLimits limits;
  // A drop-copy session (docs/FIX.md "Drop copy"): the comp_ids of the
  // members whose ExecutionReports it receives; empty for a trading member.
  std::vector<std::string> drop_copy_for;
};

// One [[instruments]] table as written, with its shard and engine spec.
struct InstrumentConfig {
  std::string symbol;
  engine::Price tick_size = 0;
  engine::Qty lot_size = 0;
  engine::Price reference_price = 0;
  std::int64_t price_band = 0;  // percent * kBandPctScale; 0 = no band
  engine::Qty max_order_qty = 0;
  std::size_t shard = 0;  // explicit or derived (see shard_of_symbol)
  bool shard_explicit = false;
  engine::InstrumentSpec spec;   // tick, lot, max_qty and the absolute band
  bool carry_positions = false;  // clearing: the net position carries to the next date
  clearing::FeeRates fees;       // [clearing]'s rates, overridden key by key
};

// A loaded config. The sections that configure a module fill that module's
// options directly, key by key, and their defaults are its defaults:
//   [gateway] -> gateway.network (and gateway.network_cpu)
//   [engine]  -> gateway.shards (count, cpus), max_orders_per_shard,
//                ring_capacity, idle, idle_spin
//   [wal]     -> gateway.wal, gateway.sign_key, gateway.snapshots
//   [dedup]   -> gateway.network.dedup
//   [log]     -> log
//   [admin]   -> gateway.admin
//   [clearing] -> gateway.network.clearing (its names, carry flags and fee
//                rates per instrument are derived with the tables below)
// [[members]] and [[instruments]] are kept as written; the last step of
// loading derives from them gateway.members, gateway.network.members,
// gateway.network.instruments (routes) and each shard's instruments, so
// config.gateway is what a Gateway is built from.
struct Config {
  std::filesystem::path source;  // the file it was loaded from
  gateway::GatewayOptions gateway;
  ops::LogOptions log;
  std::vector<MemberConfig> members;          // engine MemberId = index
  std::vector<InstrumentConfig> instruments;  // in file order
};

Config load_config(const std::filesystem::path& file);
// Same rules on text already in memory; `name` is used in error messages.
Config parse_config(std::string_view toml_text, const std::string& name);

// Default shard of an instrument without an explicit `shard`: FNV-1a-64 of the
// symbol's bytes modulo the shard count, so it does not depend on the order or
// number of instruments in the file.
std::uint64_t fnv1a64(std::string_view bytes) noexcept;
std::size_t shard_of_symbol(std::string_view symbol, std::size_t shards) noexcept;

// Indexes into config.instruments of the instruments on `shard`, in file
// order. The engine of that shard numbers them 0, 1, ... in this order
// (config.gateway.shards[shard].instruments).
std::vector<std::size_t> instruments_of_shard(const Config& config, std::size_t shard);

// The band of a reference price and percentage (units of 1/kBandPctScale %),
// in exact integer arithmetic: low = smallest tick multiple >= ref*(1-pct),
// high = largest tick multiple <= ref*(1+pct), capped at the largest tick
// multiple <= kMaxPrice. pct == 0 means no band: [tick, kMaxPrice].
struct PriceBand {
  engine::Price low = 0;
  engine::Price high = 0;
};
PriceBand compute_band(engine::Price reference, engine::Price tick,
                       std::int64_t pct_scaled) noexcept;

}  // namespace matchgate::app
