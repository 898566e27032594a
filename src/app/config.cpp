#include "matchgate/app/config.hpp"

#include "config_loader.hpp"

namespace matchgate::app {

static_assert(util::kDecimalScale == engine::kPriceScale, "config decimals are engine prices");

namespace {

std::string format_error(const std::string& file, std::uint32_t line, std::uint32_t column,
                         const std::string& key, const std::string& problem) {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  out += ": ";
  if (!key.empty()) out += key + ": ";
  out += problem;
  return out;
}

}  // namespace

ConfigError::ConfigError(std::string file, std::uint32_t line, std::uint32_t column,
                         std::string key, std::string problem)
    : std::runtime_error(format_error(file, line, column, key, problem)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_(std::move(key)),
      problem_(std::move(problem)) {}

std::uint64_t fnv1a64(std::string_view bytes) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::size_t shard_of_symbol(std::string_view symbol, std::size_t shards) noexcept {
  return shards == 0 ? 0 : static_cast<std::size_t>(fnv1a64(symbol) % shards);
}

PriceBand compute_band(engine::Price reference, engine::Price tick,
                       std::int64_t pct_scaled) noexcept {
  const engine::Price top = engine::kMaxPrice / tick * tick;
  if (pct_scaled == 0) return PriceBand{tick, engine::kMaxPrice};
  // ref * (1 +- pct/100) with pct = pct_scaled / kBandPctScale, i.e.
  // ref * (hundred +- pct_scaled) / hundred; in 128 bits nothing overflows
  // (ref < 2^61, factor < 2^21).
  using i128 = __int128;
  const i128 hundred = i128{100} * kBandPctScale;
  const i128 den = hundred * tick;
  const i128 low_num = i128{reference} * (hundred - pct_scaled);
  const i128 high_num = i128{reference} * (hundred + pct_scaled);
  const i128 low_ticks = (low_num + den - 1) / den;  // ceil; low_num > 0
  const i128 high_ticks = high_num / den;            // floor
  PriceBand band;
  band.low = static_cast<engine::Price>(std::max<i128>(low_ticks, 1) * tick);
  const i128 high = high_ticks * tick;
  band.high = high > top ? top : static_cast<engine::Price>(high);
  return band;
}

std::vector<std::size_t> instruments_of_shard(const Config& config, std::size_t shard) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < config.instruments.size(); ++i) {
    if (config.instruments[i].shard == shard) out.push_back(i);
  }
  return out;
}

namespace config_detail {

const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
  }
  return "an unknown value";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Printable ASCII without spaces: these strings go into FIX fields and logs.
bool is_token(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string quoted_list(std::span<const std::string_view> items) {
  std::string out;
  for (auto it = items.begin(); it != items.end(); ++it) {
    if (it != items.begin()) out += ", ";
    out += '"';
    out += *it;
    out += '"';
  }
  return out;
}

bool valid_hostname(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) dot = host.size();
    const std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
    }
    start = dot + 1;
  }
  return true;
}

// Empty when `listen` is a valid host:port (host stripped of IPv6 brackets).
std::string check_listen(std::string_view listen, std::string& host, std::uint16_t& port) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return "expected \"host:port\", e.g. \"127.0.0.1:9878\"";
  const std::string_view h = listen.substr(0, colon);
  const std::string_view p = listen.substr(colon + 1);
  if (p.empty() || p.size() > 5 ||
      !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return "port must be a number 1..65535 in \"host:port\"";
  }
  const unsigned long value = std::stoul(std::string(p));
  if (value == 0 || value > 65535) return "port must be a number 1..65535 in \"host:port\"";
  if (h.empty()) return "host missing in \"host:port\" (use 0.0.0.0 for all interfaces)";
  std::string bare(h);
  if (h.front() == '[') {
    if (h.back() != ']' || h.size() < 3) return "bad IPv6 literal: expected \"[addr]:port\"";
    bare = std::string(h.substr(1, h.size() - 2));
    in6_addr a6{};
    if (inet_pton(AF_INET6, bare.c_str(), &a6) != 1) return "bad IPv6 address \"" + bare + "\"";
  } else if (h.find(':') != std::string_view::npos) {
    return "IPv6 addresses need brackets, e.g. \"[::1]:9878\"";
  } else if (std::all_of(h.begin(), h.end(),
                         [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
    in_addr a4{};
    if (inet_pton(AF_INET, bare.c_str(), &a4) != 1) return "bad IPv4 address \"" + bare + "\"";
  } else if (!valid_hostname(h)) {
    return "bad host name \"" + bare + "\"";
  }
  host = std::move(bare);
  port = static_cast<std::uint16_t>(value);
  return {};
}

void Loader::load_gateway(const toml::table* t, gateway::GatewayOptions& out) {
  if (t == nullptr) return;
  Table table(
      *this, *t, "gateway",
      {"listen", "comp_id", "backend", "max_sessions", "max_message_bytes", "max_output_bytes",
       "max_tracked_orders", "resend_buffer_bytes", "resend_buffer_prefault", "cpu",
       "timestamp_precision", "field_validation", "max_sending_time_skew_s"});
  gateway::NetworkOptions& n = out.network;
  table.enumerated("backend", {net::Backend::Auto, net::Backend::IoUring, net::Backend::Asio},
                   n.backend);
  table.enumerated("timestamp_precision", {fix::TimePrecision::Millis, fix::TimePrecision::Micros},
                   n.timestamps);
  table.enumerated("field_validation",
                   {fix::FieldValidation::Strict, fix::FieldValidation::Relaxed},
                   n.field_validation);
  table.duration<std::chrono::seconds>("max_sending_time_skew_s", 1, kMaxSendingTimeSkewS,
                                       n.max_sending_time_skew);
  table.bounded("max_sessions", 1, 65536, n.server.max_connections);
  table.bounded("max_message_bytes", 512, 1 << 20, n.server.max_message_bytes);
  table.bounded("max_output_bytes", 64 << 10, std::int64_t{1} << 30, n.server.max_output_bytes);
  table.bounded("max_tracked_orders", 1024, std::int64_t{1} << 28, n.max_records);
  table.bounded("resend_buffer_bytes", std::int64_t{1} << 20, std::int64_t{1} << 34,
                n.resend_buffer_bytes);
  table.flag("resend_buffer_prefault", n.resend_buffer_prefault);
  table.cpu("cpu", out.network_cpu);
  load_listen(table, n.server);
  if (auto comp_id = table.string("comp_id", false)) {
    if (auto problem = check_id(*comp_id, kMaxCompIdLength); !problem.empty())
      table.fail("comp_id", problem);
    n.comp_id = *comp_id;
  }
}

// "host:port" into the acceptor's host (IPv6 brackets removed) and port.
void Loader::load_listen(const Table& table, net::ServerOptions& out) {
  const std::optional<std::string> listen = table.string("listen", false);
  if (!listen) return;
  std::string host;
  std::uint16_t port = 0;
  if (auto problem = check_listen(*listen, host, port); !problem.empty())
    table.fail("listen", "\"" + *listen + "\": " + problem);
  out.host = std::move(host);
  out.port = port;
}

void Loader::load_engine(const toml::table* t, gateway::GatewayOptions& out) {
  if (t == nullptr) return;
  Table table(*this, *t, "engine",
              {"shards", "cpus", "max_orders", "idle", "idle_spin_us", "ring_capacity"});
  table.duration<std::chrono::microseconds>("idle_spin_us", 0, 10'000, out.idle_spin);
  table.enumerated("idle", {util::IdleMode::Wait, util::IdleMode::Spin}, out.idle);
  table.bounded("ring_capacity", 64, std::int64_t{1} << 24, out.ring_capacity);
  if (auto shards = table.in_range("shards", 1, static_cast<std::int64_t>(kMaxShards)))
    out.shards.resize(static_cast<std::size_t>(*shards));
  table.bounded("max_orders", 1, static_cast<std::int64_t>(kMaxOrdersPerShard),
                out.max_orders_per_shard);
  load_cpus(table, out.shards);
}

// cpus[i] pins shard i: one distinct CPU per shard, or none at all.
void Loader::load_cpus(const Table& table, std::vector<gateway::ShardOptions>& shards) {
  const toml::node* node = table.find("cpus", false);
  if (node == nullptr) return;
  const std::string key = table.key_path("cpus");
  const toml::array* cpus = node->as_array();
  if (cpus == nullptr) wrong_type(*node, key, "an array of CPU numbers");
  if (cpus->size() != shards.size()) {
    fail(*node, key,
         "has " + std::to_string(cpus->size()) + " entries but engine.shards is " +
             std::to_string(shards.size()) +
             " (one CPU per shard, or leave cpus out for no pinning)");
  }
  std::set<std::int64_t> seen;
  for (std::size_t i = 0; i < cpus->size(); ++i) {
    const toml::node& cpu = *cpus->get(i);
    const std::string ckey = key + "[" + std::to_string(i) + "]";
    if (!cpu.is_integer()) wrong_type(cpu, ckey, "an integer CPU number");
    const std::int64_t value = cpu.as_integer()->get();
    shards[i].cpu = cpu_number(value, cpu, ckey);
    // Shards busy-poll: two on one CPU would starve each other.
    if (!seen.insert(value).second)
      fail(cpu, ckey, "CPU " + std::to_string(value) + " is given to two shards");
  }
}

void Loader::load_wal(const toml::table* t, gateway::GatewayOptions& out) {
  if (t == nullptr) return;
  Table table(
      *this, *t, "wal",
      {"dir", "sync", "group_commit_us", "group_commit_bytes", "hold_for_reports_us", "segment_mb",
       "seal_interval_ms", "sign_key", "sm2_id", "snapshot_interval_s", "snapshot_every_records",
       "snapshot_min_interval_s", "keep_snapshots", "delete_covered_segments"});
  wal::WalOptions& w = out.wal;
  if (auto dir = table.string("dir", false)) {
    if (dir->empty()) table.fail("dir", "must not be empty");
    w.dir = *dir;
  }
  table.enumerated("sync", {wal::SyncMode::Group, wal::SyncMode::Async, wal::SyncMode::None},
                   w.sync);
  table.duration<std::chrono::microseconds>("group_commit_us", 0, 1'000'000, w.group_commit);
  table.bounded("group_commit_bytes", 4096, std::int64_t{1} << 30, w.group_commit_bytes);
  table.duration<std::chrono::microseconds>("hold_for_reports_us", 0, 100'000, w.hold_for_reports);
  if (auto mb = table.in_range("segment_mb", 1, 65536))
    w.segment_bytes = static_cast<std::uint64_t>(*mb) << 20;
  table.duration<std::chrono::milliseconds>("seal_interval_ms", 1, 60'000, w.seal_interval);
  if (auto key = table.string("sign_key", false)) {
    if (key->empty()) table.fail("sign_key", "must not be empty");
    out.sign_key = *key;
  }
  if (auto id = table.string("sm2_id", false)) {
    // GB/T 32918.2 carries the ID's length in bits in two bytes.
    if (id->empty() || id->size() > 8191) table.fail("sm2_id", "expected 1..8191 bytes");
    w.sm2_id = *id;
  }
  gateway::SnapshotOptions& snap = out.snapshots;
  table.duration<std::chrono::seconds>("snapshot_interval_s", 0, 7 * 86400, snap.interval);
  table.bounded("snapshot_every_records", 0, std::int64_t{1} << 40, snap.every_records);
  table.duration<std::chrono::seconds>("snapshot_min_interval_s", 0, 7 * 86400, snap.min_interval);
  table.bounded("keep_snapshots", 1, 1000, snap.keep);
  table.flag("delete_covered_segments", snap.remove_covered_segments);
}

void Loader::load_dedup(const toml::table* t, gateway::DedupOptions& out) {
  if (t == nullptr) return;
  Table table(*this, *t, "dedup",
              {"backend", "ttl_s", "max_keys", "redis_host", "redis_port", "redis_prefix",
               "redis_timeout_ms"});
  table.enumerated("backend",
                   {dedup::Backend::Embedded, dedup::Backend::Redis, dedup::Backend::Off},
                   out.backend);
  table.duration<std::chrono::seconds>("ttl_s", 1, kMaxDedupTtlS, out.ttl);
  table.bounded("max_keys", 1, std::int64_t{1} << 28, out.max_keys);
  table.bounded("redis_port", 1, 65535, out.redis.port);
  table.duration<std::chrono::milliseconds>("redis_timeout_ms", 1, 60'000, out.redis.timeout);
  if (auto host = table.string("redis_host", false)) {
    in_addr a4{};
    in6_addr a6{};
    if (inet_pton(AF_INET, host->c_str(), &a4) != 1 &&
        inet_pton(AF_INET6, host->c_str(), &a6) != 1) {
      table.fail("redis_host",
                 "\"" + *host +
                     "\" is not a numeric IPv4 or IPv6 address (a host name would need a "
                     "blocking lookup)");
    }
    out.redis.host = *host;
  }
  if (auto prefix = table.string("redis_prefix", false)) {
    if (prefix->size() > kMaxRedisPrefixLength) {
      table.fail("redis_prefix", "longer than " + std::to_string(kMaxRedisPrefixLength) + " bytes");
    }
    if (!is_token(*prefix))
      table.fail("redis_prefix", "only printable ASCII characters without spaces are allowed");
    out.redis.prefix = *prefix;
  }
}

void Loader::load_log(const toml::table* t, ops::LogOptions& out) {
  if (t == nullptr) return;
  Table table(*this, *t, "log", {"level", "file"});
  static constexpr std::string_view kLevels[] = {"trace", "debug",    "info", "warn",
                                                 "error", "critical", "off"};
  if (auto level = table.choice("level", false, kLevels))
    out.level = *ops::parse_log_level(kLevels[*level]);
  if (auto file = table.string("file", false)) {
    if (file->empty()) table.fail("file", "must not be empty (leave it out for stderr)");
    out.file = *file;
  }
}

void Loader::load_admin(const toml::table* t, ops::AdminOptions& out) {
  out.socket = ops::kDefaultAdminSocket;
  if (t == nullptr) return;
  Table table(*this, *t, "admin", {"socket", "socket_mode"});
  if (auto socket = table.string("socket", false)) {
    // A Unix socket's path travels in sockaddr_un::sun_path (108 bytes).
    if (socket->size() > kMaxAdminSocketPath) {
      table.fail("socket", "longer than " + std::to_string(kMaxAdminSocketPath) +
                               " bytes (the limit of a Unix socket path)");
    }
    out.socket = *socket;  // "": no admin endpoint
  }
  if (auto mode = table.string("socket_mode", false)) {
    const bool octal =
        mode->size() >= 3 && mode->size() <= 4 &&
        std::all_of(mode->begin(), mode->end(), [](char c) { return c >= '0' && c <= '7'; });
    const unsigned value = octal ? static_cast<unsigned>(std::stoul(*mode, nullptr, 8)) : 0;
    if (!octal || value > 0777)
      table.fail("socket_mode", "expected octal permission bits such as \"0600\"");
    // Connecting needs write permission; the owner (the daemon's user) keeps it.
    if ((value & 0600) != 0600) table.fail("socket_mode", "the owner needs read and write (0600)");
    out.socket_mode = value;
  }
}

// What the gateway needs from [[members]] and [[instruments]]: the members
// as the engine and the sessions know them, and for each instrument its
// route and its place in its shard (file order within the shard is the
// shard's numbering).
void derive_gateway_tables(Config& config) {
  gateway::GatewayOptions& g = config.gateway;
  for (const MemberConfig& m : config.members) {
    g.members.push_back(engine::MemberSpec{m.stp});
    g.network.members.push_back(gateway::MemberOptions{
        m.comp_id, m.password_hash, m.accounts, m.cancel_on_disconnect, m.limits, {}});
    for (const std::string& target : m.drop_copy_for) {
      const auto it = std::find_if(config.members.begin(), config.members.end(),
                                   [&](const MemberConfig& c) { return c.comp_id == target; });
      g.network.members.back().drop_copy_for.push_back(
          static_cast<engine::MemberId>(it - config.members.begin()));
    }
  }
  for (const InstrumentConfig& ins : config.instruments) {
    std::vector<engine::InstrumentSpec>& owned = g.shards[ins.shard].instruments;
    g.network.instruments.push_back(gateway::InstrumentRoute{
        ins.symbol, static_cast<std::uint32_t>(ins.shard),
        static_cast<engine::InstrumentId>(owned.size()), ins.reference_price, ins.spec.band_low,
        ins.spec.band_high, ins.spec.tick, ins.spec.lot});
    owned.push_back(ins.spec);
  }
  clearing::ClearingOptions& c = g.network.clearing;
  for (const MemberConfig& m : config.members) c.members.push_back({m.comp_id, m.accounts});
  for (const InstrumentConfig& ins : config.instruments) {
    c.instruments.push_back({ins.symbol, ins.carry_positions, ins.fees});
  }
}

Config Loader::load(const toml::table& root) {
  Table top(*this, root, "",
            {"gateway", "engine", "wal", "dedup", "log", "trading_day", "admin", "clearing",
             "members", "instruments"});
  Config config;
  // Fixed order, whatever the order in the file: instruments need
  // engine.shards and members need gateway.comp_id.
  load_gateway(section(root, "gateway"), config.gateway);
  load_engine(section(root, "engine"), config.gateway);
  load_wal(section(root, "wal"), config.gateway);
  load_dedup(section(root, "dedup"), config.gateway.network.dedup);
  load_log(section(root, "log"), config.log);
  load_trading_day(section(root, "trading_day"), config.gateway.network.schedule);
  load_admin(section(root, "admin"), config.gateway.admin);
  // Before the instruments: their fee rates start from [clearing]'s.
  load_clearing(section(root, "clearing"), config.gateway.network.clearing, venue_fees_);
  load_members(table_array(root, "members"), config);
  load_instruments(table_array(root, "instruments"), config);
  derive_gateway_tables(config);
  return config;
}

}  // namespace config_detail

Config parse_config(std::string_view toml_text, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(name, e.source().begin.line, e.source().begin.column, {},
                      "TOML syntax error: " + std::string(e.description()));
  }
  return config_detail::Loader(name).load(root);
}

Config load_config(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw ConfigError(name, 0, 0, {}, "is a directory, not a file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(name, 0, 0, {}, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(name, 0, 0, {}, "read error");
  Config config = parse_config(text.str(), name);
  config.source = file;
  return config;
}

}  // namespace matchgate::app
