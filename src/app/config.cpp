#include "matchgate/app/config.hpp"

#include <arpa/inet.h>
#include <sched.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <set>
#include <sstream>

#include "matchgate/crypto/password_hash.hpp"
#include "matchgate/util/decimal.hpp"

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

std::vector<engine::InstrumentSpec> instrument_specs_of_shard(const Config& config,
                                                              std::size_t shard) {
  std::vector<engine::InstrumentSpec> out;
  for (std::size_t i : instruments_of_shard(config, shard))
    out.push_back(config.instruments[i].spec);
  return out;
}

std::vector<engine::MemberSpec> member_specs(const Config& config) {
  std::vector<engine::MemberSpec> out;
  out.reserve(config.members.size());
  for (const auto& m : config.members) out.push_back(m.spec());
  return out;
}

namespace {

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

std::string quoted_list(std::initializer_list<std::string_view> items) {
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

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  Config load(const toml::table& root);

 private:
  // A table whose keys are checked against the allowed list on construction.
  class Table {
   public:
    Table(Loader& loader, const toml::table& table, std::string path,
          std::initializer_list<std::string_view> allowed)
        : loader_(loader), table_(table), path_(std::move(path)) {
      for (auto&& [key, value] : table) {
        (void)value;
        const std::string_view name = key.str();
        if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
        std::string problem = "unknown key";
        std::string_view best;
        std::size_t best_distance = 3;  // suggest only close matches
        for (std::string_view candidate : allowed) {
          std::size_t d = edit_distance(name, candidate);
          // A truncated or extended name ("tick" for "tick_size") is a likely
          // typo however long the missing part is.
          const bool prefix =
              name.size() >= 3 && (candidate.starts_with(name) || name.starts_with(candidate));
          if (prefix) d = std::min<std::size_t>(d, 2);
          if (d < best_distance) {
            best_distance = d;
            best = candidate;
          }
        }
        if (!best.empty()) {
          problem += " (did you mean \"" + std::string(best) + "\"?)";
        } else {
          problem += "; allowed keys: " + quoted_list(allowed);
        }
        loader_.fail(key.source(), key_path(name), problem);
      }
    }

    std::string key_path(std::string_view key) const {
      return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }
    const std::string& path() const { return path_; }
    const toml::table& table() const { return table_; }

    // nullptr if absent; fails if required and absent.
    const toml::node* find(std::string_view key, bool required) const {
      const toml::node* node = table_.get(key);
      if (node == nullptr && required)
        loader_.fail(table_.source(), key_path(key), "missing required key");
      return node;
    }

    // An optional integer key within [lo, hi], stored into `field`.
    template <class Field>
    void bounded(std::string_view key, std::int64_t lo, std::int64_t hi, Field& field) const {
      if (auto v = integer(key, false)) {
        if (*v < lo || *v > hi) {
          loader_.fail(*find(key, true), key_path(key),
                       "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                           std::to_string(*v));
        }
        field = static_cast<Field>(*v);
      }
    }

    std::optional<std::string> string(std::string_view key, bool required) const {
      const toml::node* node = find(key, required);
      if (node == nullptr) return std::nullopt;
      if (!node->is_string()) loader_.wrong_type(*node, key_path(key), "a string");
      return node->value<std::string>();
    }

    std::optional<std::int64_t> integer(std::string_view key, bool required) const {
      const toml::node* node = find(key, required);
      if (node == nullptr) return std::nullopt;
      if (!node->is_integer()) loader_.wrong_type(*node, key_path(key), "an integer");
      return node->as_integer()->get();
    }

    std::optional<bool> boolean(std::string_view key, bool required) const {
      const toml::node* node = find(key, required);
      if (node == nullptr) return std::nullopt;
      if (!node->is_boolean())
        loader_.wrong_type(*node, key_path(key), "a boolean (true or false)");
      return node->as_boolean()->get();
    }

    // A fixed-point decimal written as a TOML string.
    std::optional<std::int64_t> decimal(std::string_view key, bool required) const {
      const toml::node* node = find(key, required);
      if (node == nullptr) return std::nullopt;
      if (node->is_floating_point() || node->is_integer()) {
        loader_.fail(*node, key_path(key),
                     "expected a decimal string such as \"0.01\" (quoted: TOML numbers would lose "
                     "precision)");
      }
      if (!node->is_string())
        loader_.wrong_type(*node, key_path(key), "a decimal string such as \"0.01\"");
      const auto& text = node->as_string()->get();
      const util::DecimalParse parsed = util::parse_decimal(text);
      if (!parsed) {
        loader_.fail(*node, key_path(key),
                     "\"" + text + "\" is not a valid decimal: " + parsed.message());
      }
      return parsed.value;
    }

    // One of `choices`; returns its index.
    std::optional<std::size_t> choice(std::string_view key, bool required,
                                      std::initializer_list<std::string_view> choices) const {
      const toml::node* node = find(key, required);
      if (node == nullptr) return std::nullopt;
      const std::string expected = "one of " + quoted_list(choices);
      if (!node->is_string()) loader_.wrong_type(*node, key_path(key), expected);
      const std::string& text = node->as_string()->get();
      const auto it = std::find(choices.begin(), choices.end(), text);
      if (it == choices.end())
        loader_.fail(*node, key_path(key), "\"" + text + "\" is not " + expected);
      return static_cast<std::size_t>(it - choices.begin());
    }

   private:
    Loader& loader_;
    const toml::table& table_;
    std::string path_;
  };

  [[noreturn]] void fail(const toml::source_region& where, const std::string& key,
                         const std::string& problem) const {
    throw ConfigError(file_, where.begin.line, where.begin.column, key, problem);
  }
  [[noreturn]] void fail(const toml::node& node, const std::string& key,
                         const std::string& problem) const {
    fail(node.source(), key, problem);
  }
  [[noreturn]] void fail_nowhere(const std::string& key, const std::string& problem) const {
    throw ConfigError(file_, 0, 0, key, problem);
  }
  [[noreturn]] void wrong_type(const toml::node& node, const std::string& key,
                               const std::string& expected) const {
    fail(node, key, "expected " + expected + ", got " + type_name(node.type()));
  }

  // A top-level table that may be absent (then `defaults` apply).
  const toml::table* section(const toml::table& root, std::string_view name) const {
    const toml::node* node = root.get(name);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) {
      wrong_type(*node, std::string(name), "a table ([" + std::string(name) + "])");
    }
    return node->as_table();
  }

  // A top-level array of tables ([[name]]); must have at least one entry.
  const toml::array& table_array(const toml::table& root, std::string_view name) const {
    const toml::node* node = root.get(name);
    const std::string key(name);
    if (node == nullptr) {
      fail_nowhere(key, "at least one [[" + key + "]] entry is required");
    }
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables() || array->empty()) {
      if (array != nullptr && array->empty())
        fail(*node, key, "at least one [[" + key + "]] entry is required");
      wrong_type(*node, key, "an array of tables ([[" + key + "]])");
    }
    return *array;
  }

  void load_gateway(const toml::table* t, GatewayConfig& out);
  void load_engine(const toml::table* t, EngineConfig& out);
  void load_wal(const toml::table* t, WalConfig& out);
  void load_dedup(const toml::table* t, DedupConfig& out);
  void load_log(const toml::table* t, LogConfig& out);
  void load_members(const toml::array& a, Config& out);
  void load_instruments(const toml::array& a, Config& out);

  std::string check_id(std::string_view value, std::size_t max_len) const {
    if (value.empty()) return "must not be empty";
    if (value.size() > max_len) return "longer than " + std::to_string(max_len) + " characters";
    if (!is_token(value)) return "only printable ASCII characters without spaces are allowed";
    return {};
  }

  std::string file_;
};

void Loader::load_gateway(const toml::table* t, GatewayConfig& out) {
  if (t == nullptr) return;
  Table table(*this, *t, "gateway",
              {"listen", "comp_id", "backend", "max_sessions", "max_message_bytes",
               "max_output_bytes", "max_tracked_orders", "resend_buffer_bytes", "cpu",
               "timestamp_precision", "field_validation", "max_sending_time_skew_s"});
  if (auto backend = table.choice("backend", false, {"auto", "io_uring", "asio"})) {
    static constexpr const char* kNames[] = {"auto", "io_uring", "asio"};
    out.backend = kNames[*backend];
  }
  // Choices in enum order.
  if (auto precision = table.choice("timestamp_precision", false, {"millis", "micros"})) {
    out.timestamp_precision =
        *precision == 0 ? fix::TimePrecision::Millis : fix::TimePrecision::Micros;
  }
  if (auto validation = table.choice("field_validation", false, {"strict", "relaxed"})) {
    out.field_validation =
        *validation == 0 ? fix::FieldValidation::Strict : fix::FieldValidation::Relaxed;
  }
  table.bounded("max_sending_time_skew_s", 1, kMaxSendingTimeSkewS, out.max_sending_time_skew_s);
  const auto bounded = [&](std::string_view key, std::int64_t lo, std::int64_t hi,
                           std::size_t& field) { table.bounded(key, lo, hi, field); };
  bounded("max_sessions", 1, 65536, out.max_sessions);
  bounded("max_message_bytes", 512, 1 << 20, out.max_message_bytes);
  bounded("max_output_bytes", 64 << 10, std::int64_t{1} << 30, out.max_output_bytes);
  bounded("max_tracked_orders", 1024, std::int64_t{1} << 28, out.max_tracked_orders);
  bounded("resend_buffer_bytes", std::int64_t{1} << 20, std::int64_t{1} << 34,
          out.resend_buffer_bytes);
  if (auto cpu = table.integer("cpu", false)) {
    if (*cpu < 0 || *cpu >= CPU_SETSIZE) {
      fail(*table.find("cpu", true), table.key_path("cpu"),
           "expected a CPU number 0.." + std::to_string(CPU_SETSIZE - 1) + ", got " +
               std::to_string(*cpu));
    }
    out.cpu = static_cast<int>(*cpu);
  }
  if (auto listen = table.string("listen", false)) {
    std::string host;
    std::uint16_t port = 0;
    if (auto problem = check_listen(*listen, host, port); !problem.empty()) {
      fail(*table.find("listen", true), table.key_path("listen"),
           "\"" + *listen + "\": " + problem);
    }
    out.listen = *listen;
    out.listen_host = host;
    out.listen_port = port;
  }
  if (auto comp_id = table.string("comp_id", false)) {
    if (auto problem = check_id(*comp_id, kMaxCompIdLength); !problem.empty()) {
      fail(*table.find("comp_id", true), table.key_path("comp_id"), problem);
    }
    out.comp_id = *comp_id;
  }
}

void Loader::load_engine(const toml::table* t, EngineConfig& out) {
  if (t == nullptr) return;
  Table table(*this, *t, "engine",
              {"shards", "cpus", "max_orders", "idle", "idle_spin_us", "ring_capacity"});
  if (auto spin = table.integer("idle_spin_us", false)) {
    if (*spin < 0 || *spin > 10'000) {
      fail(*table.find("idle_spin_us", true), table.key_path("idle_spin_us"),
           "expected 0..10000, got " + std::to_string(*spin));
    }
    out.idle_spin_us = static_cast<std::size_t>(*spin);
  }
  if (auto idle = table.choice("idle", false, {"wait", "spin"})) {
    out.idle = *idle == 0 ? "wait" : "spin";
  }
  if (auto ring = table.integer("ring_capacity", false)) {
    if (*ring < 64 || *ring > (std::int64_t{1} << 24)) {
      fail(*table.find("ring_capacity", true), table.key_path("ring_capacity"),
           "expected 64.." + std::to_string(std::int64_t{1} << 24) + ", got " +
               std::to_string(*ring));
    }
    out.ring_capacity = static_cast<std::size_t>(*ring);
  }
  if (auto shards = table.integer("shards", false)) {
    if (*shards < 1 || *shards > static_cast<std::int64_t>(kMaxShards)) {
      fail(*table.find("shards", true), table.key_path("shards"),
           "expected 1.." + std::to_string(kMaxShards) + ", got " + std::to_string(*shards));
    }
    out.shards = static_cast<std::size_t>(*shards);
  }
  if (auto max_orders = table.integer("max_orders", false)) {
    if (*max_orders < 1 || static_cast<std::uint64_t>(*max_orders) > kMaxOrdersPerShard) {
      fail(*table.find("max_orders", true), table.key_path("max_orders"),
           "expected 1.." + std::to_string(kMaxOrdersPerShard) + ", got " +
               std::to_string(*max_orders));
    }
    out.max_orders = static_cast<std::size_t>(*max_orders);
  }
  if (const toml::node* node = table.find("cpus", false)) {
    const std::string key = table.key_path("cpus");
    const toml::array* cpus = node->as_array();
    if (cpus == nullptr) wrong_type(*node, key, "an array of CPU numbers");
    if (cpus->size() != out.shards) {
      fail(*node, key,
           "has " + std::to_string(cpus->size()) + " entries but engine.shards is " +
               std::to_string(out.shards) +
               " (one CPU per shard, or leave cpus out for no pinning)");
    }
    std::set<std::int64_t> seen;
    for (std::size_t i = 0; i < cpus->size(); ++i) {
      const toml::node& cpu = *cpus->get(i);
      const std::string ckey = key + "[" + std::to_string(i) + "]";
      if (!cpu.is_integer()) wrong_type(cpu, ckey, "an integer CPU number");
      const std::int64_t value = cpu.as_integer()->get();
      if (value < 0 || value >= CPU_SETSIZE) {
        fail(cpu, ckey,
             "expected a CPU number 0.." + std::to_string(CPU_SETSIZE - 1) + ", got " +
                 std::to_string(value));
      }
      // Shards busy-poll: two on one CPU would starve each other.
      if (!seen.insert(value).second)
        fail(cpu, ckey, "CPU " + std::to_string(value) + " is given to two shards");
      out.cpus.push_back(static_cast<int>(value));
    }
  }
}

void Loader::load_wal(const toml::table* t, WalConfig& out) {
  if (t == nullptr) return;
  Table table(*this, *t, "wal",
              {"dir", "sync", "group_commit_us", "group_commit_bytes", "hold_for_reports_us",
               "segment_mb", "seal_interval_ms", "sign_key", "sm2_id", "snapshot_interval_s",
               "snapshot_every_records", "keep_snapshots", "delete_covered_segments"});
  if (auto dir = table.string("dir", false)) {
    if (dir->empty()) fail(*table.find("dir", true), table.key_path("dir"), "must not be empty");
    out.dir = *dir;
  }
  if (auto sync = table.choice("sync", false, {"group", "async", "none"})) {
    constexpr wal::SyncMode kModes[] = {wal::SyncMode::Group, wal::SyncMode::Async,
                                        wal::SyncMode::None};
    out.sync = kModes[*sync];
  }
  table.bounded("group_commit_us", 0, 1'000'000, out.group_commit_us);
  table.bounded("group_commit_bytes", 4096, std::int64_t{1} << 30, out.group_commit_bytes);
  table.bounded("hold_for_reports_us", 0, 100'000, out.hold_for_reports_us);
  table.bounded("segment_mb", 1, 65536, out.segment_mb);
  table.bounded("seal_interval_ms", 1, 60'000, out.seal_interval_ms);
  if (auto key = table.string("sign_key", false)) {
    if (key->empty()) {
      fail(*table.find("sign_key", true), table.key_path("sign_key"), "must not be empty");
    }
    out.sign_key = *key;
  }
  if (auto id = table.string("sm2_id", false)) {
    // GB/T 32918.2 carries the ID's length in bits in two bytes.
    if (id->empty() || id->size() > 8191) {
      fail(*table.find("sm2_id", true), table.key_path("sm2_id"), "expected 1..8191 bytes");
    }
    out.sm2_id = *id;
  }
  table.bounded("snapshot_interval_s", 0, 7 * 86400, out.snapshot_interval_s);
  table.bounded("snapshot_every_records", 0, std::int64_t{1} << 40, out.snapshot_every_records);
  table.bounded("keep_snapshots", 1, 1000, out.keep_snapshots);
  if (auto del = table.boolean("delete_covered_segments", false)) {
    out.delete_covered_segments = *del;
  }
}

void Loader::load_dedup(const toml::table* t, DedupConfig& out) {
  if (t == nullptr) return;
  Table table(*this, *t, "dedup",
              {"backend", "ttl_s", "max_keys", "redis_host", "redis_port", "redis_prefix",
               "redis_timeout_ms"});
  if (auto backend = table.choice("backend", false, {"embedded", "redis", "off"})) {
    constexpr dedup::Backend kBackends[] = {dedup::Backend::Embedded, dedup::Backend::Redis,
                                            dedup::Backend::Off};
    out.backend = kBackends[*backend];
  }
  table.bounded("ttl_s", 1, kMaxDedupTtlS, out.ttl_s);
  table.bounded("max_keys", 1, std::int64_t{1} << 28, out.max_keys);
  table.bounded("redis_port", 1, 65535, out.redis_port);
  table.bounded("redis_timeout_ms", 1, 60'000, out.redis_timeout_ms);
  if (auto host = table.string("redis_host", false)) {
    in_addr a4{};
    in6_addr a6{};
    if (inet_pton(AF_INET, host->c_str(), &a4) != 1 &&
        inet_pton(AF_INET6, host->c_str(), &a6) != 1) {
      fail(*table.find("redis_host", true), table.key_path("redis_host"),
           "\"" + *host +
               "\" is not a numeric IPv4 or IPv6 address (a host name would need a blocking "
               "lookup)");
    }
    out.redis_host = *host;
  }
  if (auto prefix = table.string("redis_prefix", false)) {
    if (prefix->size() > kMaxRedisPrefixLength) {
      fail(*table.find("redis_prefix", true), table.key_path("redis_prefix"),
           "longer than " + std::to_string(kMaxRedisPrefixLength) + " bytes");
    }
    if (!is_token(*prefix)) {
      fail(*table.find("redis_prefix", true), table.key_path("redis_prefix"),
           "only printable ASCII characters without spaces are allowed");
    }
    out.redis_prefix = *prefix;
  }
}

void Loader::load_log(const toml::table* t, LogConfig& out) {
  if (t == nullptr) return;
  Table table(*this, *t, "log", {"level", "file"});
  static constexpr const char* kLevels[] = {"trace", "debug",    "info", "warn",
                                            "error", "critical", "off"};
  if (auto level = table.choice("level", false,
                                {"trace", "debug", "info", "warn", "error", "critical", "off"})) {
    out.level = kLevels[*level];
  }
  if (auto file = table.string("file", false)) {
    if (file->empty())
      fail(*table.find("file", true), table.key_path("file"),
           "must not be empty (leave it out for stderr)");
    out.file = *file;
  }
}

void Loader::load_members(const toml::array& members, Config& out) {
  std::set<std::string> comp_ids;
  for (std::size_t i = 0; i < members.size(); ++i) {
    Table table(
        *this, *members.get(i)->as_table(), "members[" + std::to_string(i) + "]",
        {"comp_id", "password_hash", "accounts", "stp", "cancel_on_disconnect", "credit_limit"});
    MemberConfig m;

    m.comp_id = *table.string("comp_id", true);
    const toml::node& comp_node = *table.find("comp_id", true);
    if (auto problem = check_id(m.comp_id, kMaxCompIdLength); !problem.empty()) {
      fail(comp_node, table.key_path("comp_id"), problem);
    }
    if (m.comp_id == out.gateway.comp_id) {
      fail(comp_node, table.key_path("comp_id"),
           "\"" + m.comp_id + "\" is the gateway's own comp_id");
    }
    if (!comp_ids.insert(m.comp_id).second) {
      fail(comp_node, table.key_path("comp_id"), "duplicate comp_id \"" + m.comp_id + "\"");
    }

    m.password_hash = *table.string("password_hash", true);
    if (auto problem = crypto::password_hash_format_error(m.password_hash); !problem.empty()) {
      fail(*table.find("password_hash", true), table.key_path("password_hash"), problem);
    }

    {
      const toml::node& node = *table.find("accounts", true);
      const std::string key = table.key_path("accounts");
      const toml::array* accounts = node.as_array();
      if (accounts == nullptr) wrong_type(node, key, "an array of account names");
      if (accounts->empty()) fail(node, key, "at least one account is required");
      std::set<std::string> seen;
      for (std::size_t j = 0; j < accounts->size(); ++j) {
        const toml::node& account = *accounts->get(j);
        const std::string akey = key + "[" + std::to_string(j) + "]";
        if (!account.is_string()) wrong_type(account, akey, "a string");
        const std::string& name = account.as_string()->get();
        if (auto problem = check_id(name, kMaxAccountLength); !problem.empty())
          fail(account, akey, problem);
        if (!seen.insert(name).second) fail(account, akey, "duplicate account \"" + name + "\"");
        m.accounts.push_back(name);
      }
    }

    if (auto stp = table.choice("stp", false,
                                {"none", "cancel_resting", "cancel_incoming", "cancel_both"})) {
      static constexpr engine::StpMode kModes[] = {
          engine::StpMode::None, engine::StpMode::CancelResting, engine::StpMode::CancelIncoming,
          engine::StpMode::CancelBoth};
      m.stp = kModes[*stp];
    }
    if (auto cod = table.boolean("cancel_on_disconnect", false)) m.cancel_on_disconnect = *cod;
    if (auto limit = table.decimal("credit_limit", false)) {
      if (*limit < 0)
        fail(*table.find("credit_limit", true), table.key_path("credit_limit"), "must be >= 0");
      m.credit_limit = *limit;
    }
    out.members.push_back(std::move(m));
  }
}

void Loader::load_instruments(const toml::array& instruments, Config& out) {
  std::set<std::string> symbols;
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    Table table(*this, *instruments.get(i)->as_table(), "instruments[" + std::to_string(i) + "]",
                {"symbol", "tick_size", "lot_size", "reference_price", "price_band_pct",
                 "max_order_qty", "shard"});
    InstrumentConfig ins;
    auto at = [&](std::string_view key) -> const toml::node& { return *table.find(key, true); };
    auto fail_key = [&](std::string_view key, const std::string& problem) {
      fail(at(key), table.key_path(key), problem);
    };

    ins.symbol = *table.string("symbol", true);
    if (auto problem = check_id(ins.symbol, kMaxCompIdLength); !problem.empty())
      fail_key("symbol", problem);
    if (!symbols.insert(ins.symbol).second)
      fail_key("symbol", "duplicate symbol \"" + ins.symbol + "\"");

    ins.tick_size = *table.decimal("tick_size", true);
    if (ins.tick_size <= 0) fail_key("tick_size", "must be > 0");
    if (ins.tick_size > engine::kMaxPrice)
      fail_key("tick_size", "absurdly large (above the engine's maximum price)");

    ins.lot_size = *table.integer("lot_size", true);
    if (ins.lot_size <= 0)
      fail_key("lot_size", "must be an integer > 0, got " + std::to_string(ins.lot_size));
    if (ins.lot_size > kMaxConfigQty) fail_key("lot_size", "absurdly large (limit is 10^15)");

    ins.reference_price = *table.decimal("reference_price", true);
    if (ins.reference_price <= 0) fail_key("reference_price", "must be > 0");
    if (ins.reference_price > engine::kMaxPrice) {
      fail_key("reference_price",
               "absurdly large (maximum is " + util::format_decimal(engine::kMaxPrice) + ")");
    }
    if (ins.reference_price % ins.tick_size != 0) {
      fail_key("reference_price", util::format_decimal(ins.reference_price) +
                                      " is not a multiple of tick_size " +
                                      util::format_decimal(ins.tick_size));
    }

    {
      const toml::node& node = *table.find("price_band_pct", true);
      const std::string key = table.key_path("price_band_pct");
      const char* range = "must be >= 0 and < 100 (0 = no band)";
      if (node.is_integer()) {
        const std::int64_t v = node.as_integer()->get();
        if (v < 0 || v >= 100) fail(node, key, range);
        ins.price_band = v * kBandPctScale;
      } else if (node.is_floating_point()) {
        const double v = node.as_floating_point()->get();
        if (!std::isfinite(v) || v < 0 || v >= 100) fail(node, key, range);
        // Percentages have at most 4 decimals so the band is exact integer
        // arithmetic; the float is only a carrier for those digits.
        const double scaled = v * static_cast<double>(kBandPctScale);
        const double rounded = std::round(scaled);
        if (std::fabs(scaled - rounded) > 1e-6)
          fail(node, key, "at most 4 decimal places are allowed");
        ins.price_band = static_cast<std::int64_t>(rounded);
      } else {
        wrong_type(node, key, "a number (percent)");
      }
    }

    ins.max_order_qty = *table.integer("max_order_qty", true);
    if (ins.max_order_qty <= 0) {
      fail_key("max_order_qty", "must be an integer > 0, got " + std::to_string(ins.max_order_qty));
    }
    if (ins.max_order_qty > kMaxConfigQty)
      fail_key("max_order_qty", "absurdly large (limit is 10^15)");
    if (ins.max_order_qty % ins.lot_size != 0) {
      fail_key("max_order_qty", std::to_string(ins.max_order_qty) +
                                    " is not a multiple of lot_size " +
                                    std::to_string(ins.lot_size));
    }

    if (auto shard = table.integer("shard", false)) {
      if (*shard < 0 || static_cast<std::uint64_t>(*shard) >= out.engine.shards) {
        fail_key("shard", "expected 0.." + std::to_string(out.engine.shards - 1) +
                              " (engine.shards is " + std::to_string(out.engine.shards) +
                              "), got " + std::to_string(*shard));
      }
      ins.shard = static_cast<std::size_t>(*shard);
      ins.shard_explicit = true;
    } else {
      ins.shard = shard_of_symbol(ins.symbol, out.engine.shards);
    }

    const PriceBand band = compute_band(ins.reference_price, ins.tick_size, ins.price_band);
    ins.spec.symbol = ins.symbol;
    ins.spec.tick = ins.tick_size;
    ins.spec.lot = ins.lot_size;
    ins.spec.max_qty = ins.max_order_qty;
    ins.spec.band_low = band.low;
    ins.spec.band_high = band.high;
    out.instruments.push_back(std::move(ins));
  }
}

Config Loader::load(const toml::table& root) {
  Table top(*this, root, "",
            {"gateway", "engine", "wal", "dedup", "log", "members", "instruments"});
  Config config;
  // Fixed order, whatever the order in the file: instruments need
  // engine.shards and members need gateway.comp_id.
  load_gateway(section(root, "gateway"), config.gateway);
  load_engine(section(root, "engine"), config.engine);
  load_wal(section(root, "wal"), config.wal);
  load_dedup(section(root, "dedup"), config.dedup);
  load_log(section(root, "log"), config.log);
  load_members(table_array(root, "members"), config);
  load_instruments(table_array(root, "instruments"), config);
  return config;
}

}  // namespace

Config parse_config(std::string_view toml_text, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(name, e.source().begin.line, e.source().begin.column, {},
                      "TOML syntax error: " + std::string(e.description()));
  }
  return Loader(name).load(root);
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
