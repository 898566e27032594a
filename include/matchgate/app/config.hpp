#pragma once
// The daemon's configuration file (TOML; every key is described in
// docs/CONFIG.md). Loading validates everything up front and derives what the
// engine needs, so a config that loads can be started.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "matchgate/dedup/types.hpp"
#include "matchgate/engine/instrument.hpp"
#include "matchgate/engine/types.hpp"
#include "matchgate/fix/field_check.hpp"
#include "matchgate/fix/value.hpp"
#include "matchgate/wal/wal_options.hpp"

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
// [gateway] max_sending_time_skew_s at most a day.
inline constexpr std::int64_t kMaxSendingTimeSkewS = 86'400;

struct GatewayConfig {
  std::string listen = "127.0.0.1:9878";
  std::string listen_host = "127.0.0.1";  // brackets of an IPv6 literal removed
  std::uint16_t listen_port = 9878;
  std::string comp_id = "MATCHGATE";
  std::string backend = "auto";              // "auto" | "io_uring" | "asio"
  std::size_t max_sessions = 1000;           // open TCP connections at once
  std::size_t max_message_bytes = 8192;      // one inbound FIX message, header to checksum
  std::size_t max_output_bytes = 4 << 20;    // unsent bytes per connection before it is cut
  std::size_t max_tracked_orders = 1 << 20;  // ClOrdIDs remembered by the gateway
  std::size_t resend_buffer_bytes = std::size_t{64} << 20;  // sent messages kept per member
  int cpu = -1;  // CPU of the network thread; -1 = no pinning
  // Precision of the UTCTimestamps the gateway writes (52, 122, 60): FIX
  // 4.4 allows seconds or milliseconds; micros for members whose engines
  // accept them. The config accepts millis and micros.
  fix::TimePrecision timestamp_precision = fix::TimePrecision::Millis;
  fix::FieldValidation field_validation = fix::FieldValidation::Strict;
  // |SendingTime(52) - gateway clock| beyond this: Reject 373=10 and Logout.
  std::uint32_t max_sending_time_skew_s = 120;  // 1..kMaxSendingTimeSkewS
};

struct EngineConfig {
  std::size_t shards = 1;
  std::vector<int> cpus;               // empty = no pinning; else cpus[shard]
  std::size_t max_orders = 1'048'576;  // per shard
  std::string idle = "wait";           // "spin" | "wait"
  std::size_t idle_spin_us = 10;       // "wait": spinning before a thread sleeps
  std::size_t ring_capacity = 65536;   // messages per SPSC ring (rounded up to a power of two)
};

struct WalConfig {
  std::filesystem::path dir = "var/wal";  // relative to the working directory
  wal::SyncMode sync = wal::SyncMode::Group;
  std::size_t group_commit_us = 0;           // extra wait for a group to fill
  std::size_t group_commit_bytes = 1 << 20;  // a group this large commits at once
  std::size_t hold_for_reports_us = 100;     // a group waits this long at most for its reports
  std::size_t segment_mb = 64;               // preallocated segment size
  std::size_t seal_interval_ms = 10;         // SM2 seal at least this often while records arrive
  std::filesystem::path sign_key;            // SM2 private key, PEM, mode 0600; required to run
  std::string sm2_id = "1234567812345678";   // SM2 distinguishing ID of the signer
  std::size_t snapshot_interval_s = 300;     // a snapshot at least this often (0: not by time)
  std::size_t snapshot_every_records =
      2'000'000;  // ... or after this many records (0: not by count)
  std::size_t keep_snapshots = 2;
  bool delete_covered_segments = false;  // retention: segments the kept snapshots make unnecessary
};

struct DedupConfig {
  dedup::Backend backend = dedup::Backend::Embedded;
  std::uint32_t ttl_s = 1800;                   // 1..604800
  std::size_t max_keys = std::size_t{1} << 20;  // per network thread, 1..2^28
  std::string redis_host = "127.0.0.1";         // numeric IPv4 or IPv6 address
  std::uint16_t redis_port = 6379;
  std::string redis_prefix = "matchgate:dedup:";
  std::size_t redis_timeout_ms = 50;  // 1..60000
};

struct LogConfig {
  std::string level = "info";                 // one of ops::parse_log_level's names
  std::optional<std::filesystem::path> file;  // absent = stderr
};

struct MemberConfig {
  std::string comp_id;
  std::string password_hash;
  std::vector<std::string> accounts;
  engine::StpMode stp = engine::StpMode::None;
  bool cancel_on_disconnect = false;
  std::optional<engine::Price> credit_limit;  // fixed point, scale kPriceScale

  engine::MemberSpec spec() const { return engine::MemberSpec{stp}; }
};

struct InstrumentConfig {
  std::string symbol;
  engine::Price tick_size = 0;
  engine::Qty lot_size = 0;
  engine::Price reference_price = 0;
  std::int64_t price_band = 0;  // percent * kBandPctScale; 0 = no band
  engine::Qty max_order_qty = 0;
  std::size_t shard = 0;  // explicit or derived (see shard_of_symbol)
  bool shard_explicit = false;
  engine::InstrumentSpec spec;  // tick, lot, max_qty and the absolute band
};

struct Config {
  std::filesystem::path source;  // the file it was loaded from
  GatewayConfig gateway;
  EngineConfig engine;
  WalConfig wal;
  DedupConfig dedup;
  LogConfig log;
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
// order. The engine of that shard numbers them 0, 1, ... in this order.
std::vector<std::size_t> instruments_of_shard(const Config& config, std::size_t shard);
std::vector<engine::InstrumentSpec> instrument_specs_of_shard(const Config& config,
                                                              std::size_t shard);
std::vector<engine::MemberSpec> member_specs(const Config& config);

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
