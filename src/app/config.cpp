#include "matchgate/app/config.hpp"

#include <arpa/inet.h>
#include <sched.h>

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <type_traits>
#include <vector>

#include "matchgate/crypto/password_hash.hpp"
#include "matchgate/risk/trading_schedule.hpp"
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
          problem += "; allowed keys: " + quoted_list({allowed.begin(), allowed.size()});
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

    [[noreturn]] void fail(std::string_view key, const std::string& problem) const {
      loader_.fail(*find(key, true), key_path(key), problem);
    }

    // An optional integer key; fails unless it is within [lo, hi].
    std::optional<std::int64_t> in_range(std::string_view key, std::int64_t lo,
                                         std::int64_t hi) const {
      const std::optional<std::int64_t> v = integer(key, false);
      if (v && (*v < lo || *v > hi)) {
        fail(key, "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                      std::to_string(*v));
      }
      return v;
    }

    // An optional integer key within [lo, hi], stored into `field`.
    template <class Field>
    void bounded(std::string_view key, std::int64_t lo, std::int64_t hi, Field& field) const {
      static_assert(std::is_arithmetic_v<Field>, "a std::chrono field takes duration<Unit>()");
      if (auto v = in_range(key, lo, hi)) field = static_cast<Field>(*v);
    }

    // An optional integer key within [lo, hi] counting `Unit`s (the unit its
    // name ends in: _s, _ms, _us), stored into a std::chrono field. A field
    // coarser than the key's unit would lose precision and does not compile.
    template <class Unit, class Rep, class Period>
    void duration(std::string_view key, std::int64_t lo, std::int64_t hi,
                  std::chrono::duration<Rep, Period>& field) const {
      if (auto v = in_range(key, lo, hi)) field = Unit(*v);
    }

    void flag(std::string_view key, bool& field) const {
      if (auto v = boolean(key, false)) field = *v;
    }

    // A CPU number to pin a thread to, as sched_setaffinity takes it.
    void cpu(std::string_view key, int& field) const {
      if (auto v = integer(key, false))
        field = loader_.cpu_number(*v, *find(key, true), key_path(key));
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
                                      std::span<const std::string_view> choices) const {
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

    // An optional key naming one of `values` by its to_string(): the names
    // the config takes are the enum's own, listed in errors in this order.
    template <class Enum>
    void enumerated(std::string_view key, std::initializer_list<Enum> values, Enum& field) const {
      std::vector<std::string_view> names;
      for (Enum value : values) names.emplace_back(to_string(value));
      if (auto index = choice(key, false, names)) field = values.begin()[*index];
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

  // Sections that configure a module fill its options; their absence
  // leaves the options' defaults.
  void load_gateway(const toml::table* t, gateway::GatewayOptions& out);
  void load_listen(const Table& table, net::ServerOptions& out);
  void load_engine(const toml::table* t, gateway::GatewayOptions& out);
  void load_cpus(const Table& table, std::vector<gateway::ShardOptions>& shards);
  void load_wal(const toml::table* t, gateway::GatewayOptions& out);
  void load_dedup(const toml::table* t, gateway::DedupOptions& out);
  void load_log(const toml::table* t, ops::LogOptions& out);
  void load_trading_day(const toml::table* t, risk::ScheduleOptions& out);
  std::optional<std::int32_t> time_of_day(const Table& table, std::string_view key,
                                          bool required) const;
  std::vector<std::int32_t> load_holidays(const Table& table) const;
  std::array<bool, 7> load_trading_days(const Table& table) const;
  void load_admin(const toml::table* t, ops::AdminOptions& out);
  void load_clearing(const toml::table* t, clearing::ClearingOptions& out,
                     clearing::FeeRates& venue_fees);
  // The fee keys present in `table` replace those rates in `rates`.
  void load_fee_rates(const Table& table, clearing::FeeRates& rates);
  std::int64_t fee_bps(const Table& table, std::string_view key);
  std::int64_t fee_per_unit(const Table& table, std::string_view key);
  void load_members(const toml::array& a, Config& out);
  // A [[members]] entry's drop_copy_for, checked against the other entries
  // once all are read.
  struct DropCopyTarget {
    std::size_t member;  // the drop-copy entry
    std::string comp_id;
    const toml::node* node;
    std::string key;
  };
  void load_drop_copy_for(const Table& table, std::size_t member, MemberConfig& m,
                          std::vector<DropCopyTarget>& targets);
  void check_drop_copy_targets(const std::vector<DropCopyTarget>& targets, const Config& out);
  std::vector<std::string> load_accounts(const Table& table);
  risk::MemberLimits load_limits(const Table& table);
  void load_instruments(const toml::array& a, Config& out);
  InstrumentConfig load_instrument(const Table& table, std::size_t shards,
                                   std::set<std::string>& symbols);
  void load_tick_and_lot(const Table& table, InstrumentConfig& ins);
  void load_reference_price(const Table& table, InstrumentConfig& ins);
  std::int64_t load_price_band(const Table& table);
  void load_max_order_qty(const Table& table, InstrumentConfig& ins);
  void load_shard(const Table& table, std::size_t shards, InstrumentConfig& ins);

  int cpu_number(std::int64_t value, const toml::node& node, const std::string& key) const {
    if (value < 0 || value >= CPU_SETSIZE) {
      fail(node, key,
           "expected a CPU number 0.." + std::to_string(CPU_SETSIZE - 1) + ", got " +
               std::to_string(value));
    }
    return static_cast<int>(value);
  }

  std::string check_id(std::string_view value, std::size_t max_len) const {
    if (value.empty()) return "must not be empty";
    if (value.size() > max_len) return "longer than " + std::to_string(max_len) + " characters";
    if (!is_token(value)) return "only printable ASCII characters without spaces are allowed";
    return {};
  }

  std::string file_;
  clearing::FeeRates venue_fees_;  // [clearing]'s rates, every instrument's start
};

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

// "HH:MM" or "HH:MM:SS" (00:00:00..23:59:59) as seconds after midnight.
std::optional<std::int32_t> parse_time_of_day(std::string_view text) {
  auto two_digits = [&](std::size_t at, int max) -> std::optional<std::int32_t> {
    if (at + 2 > text.size() || !std::isdigit(static_cast<unsigned char>(text[at])) ||
        !std::isdigit(static_cast<unsigned char>(text[at + 1])))
      return std::nullopt;
    const int v = (text[at] - '0') * 10 + (text[at + 1] - '0');
    if (v > max) return std::nullopt;
    return v;
  };
  if ((text.size() != 5 && text.size() != 8) || text[2] != ':') return std::nullopt;
  if (text.size() == 8 && text[5] != ':') return std::nullopt;
  const auto h = two_digits(0, 23);
  const auto m = two_digits(3, 59);
  const auto s = text.size() == 8 ? two_digits(6, 59) : std::optional<std::int32_t>(0);
  if (!h || !m || !s) return std::nullopt;
  return *h * 3600 + *m * 60 + *s;
}

// "YYYY-MM-DD", a real date, as yyyymmdd.
std::optional<std::int32_t> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  std::int32_t value = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 4 || i == 7) continue;
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  if (!risk::valid_yyyymmdd(value)) return std::nullopt;
  return value;
}

std::string format_time_of_day(std::int32_t s) {
  char text[16];
  std::snprintf(text, sizeof text, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return text;
}

void Loader::load_trading_day(const toml::table* t, risk::ScheduleOptions& out) {
  if (t == nullptr) return;  // disabled: always open
  Table table(*this, *t, "trading_day",
              {"time_zone", "pre_open", "open", "close", "holidays", "trading_days"});
  out.enabled = true;
  out.time_zone = *table.string("time_zone", true);
  if (std::string problem = risk::time_zone_problem(out.time_zone); !problem.empty())
    table.fail("time_zone", "\"" + out.time_zone + "\": " + problem);
  out.open_s = *time_of_day(table, "open", true);
  out.close_s = *time_of_day(table, "close", true);
  out.pre_open_s = time_of_day(table, "pre_open", false).value_or(out.open_s);
  if (out.pre_open_s > out.open_s) {
    table.fail("pre_open", format_time_of_day(out.pre_open_s) + " is after open " +
                               format_time_of_day(out.open_s));
  }
  if (out.close_s <= out.open_s) {
    table.fail("close", format_time_of_day(out.close_s) + " is not after open " +
                            format_time_of_day(out.open_s));
  }
  out.holidays = load_holidays(table);
  out.trading_weekdays = load_trading_days(table);
}

// A local time of day: "HH:MM", "HH:MM:SS" or a TOML local time (09:30:00).
std::optional<std::int32_t> Loader::time_of_day(const Table& table, std::string_view key,
                                                bool required) const {
  const toml::node* node = table.find(key, required);
  if (node == nullptr) return std::nullopt;
  if (const auto* t = node->as_time()) {
    const toml::time& v = t->get();
    if (v.nanosecond != 0) table.fail(key, "whole seconds only");
    return v.hour * 3600 + v.minute * 60 + v.second;
  }
  if (!node->is_string()) wrong_type(*node, table.key_path(key), "a time such as \"09:30\"");
  const std::string& text = node->as_string()->get();
  const std::optional<std::int32_t> seconds = parse_time_of_day(text);
  if (!seconds)
    table.fail(key,
               "\"" + text + "\" is not a time of day \"HH:MM\" or \"HH:MM:SS\" (00:00..23:59:59)");
  return seconds;
}

// Dates "YYYY-MM-DD" (or TOML dates), in any order, each once; sorted.
std::vector<std::int32_t> Loader::load_holidays(const Table& table) const {
  const toml::node* node = table.find("holidays", false);
  if (node == nullptr) return {};
  const std::string key = table.key_path("holidays");
  const toml::array* dates = node->as_array();
  if (dates == nullptr) wrong_type(*node, key, "an array of dates \"YYYY-MM-DD\"");
  std::vector<std::int32_t> out;
  for (std::size_t i = 0; i < dates->size(); ++i) {
    const toml::node& date = *dates->get(i);
    const std::string dkey = key + "[" + std::to_string(i) + "]";
    std::optional<std::int32_t> value;
    if (const auto* d = date.as_date()) {
      const toml::date& v = d->get();
      value = risk::valid_yyyymmdd(v.year * 10'000 + v.month * 100 + v.day)
                  ? std::optional<std::int32_t>(v.year * 10'000 + v.month * 100 + v.day)
                  : std::nullopt;
    } else if (date.is_string()) {
      value = parse_date(date.as_string()->get());
    } else {
      wrong_type(date, dkey, "a date \"YYYY-MM-DD\"");
    }
    if (!value) fail(date, dkey, "not a date \"YYYY-MM-DD\"");
    if (std::find(out.begin(), out.end(), *value) != out.end())
      fail(date, dkey, "duplicate date " + std::to_string(*value));
    out.push_back(*value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// "Sun".."Sat", each once, at least one; absent: Monday to Friday.
std::array<bool, 7> Loader::load_trading_days(const Table& table) const {
  static constexpr std::string_view kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  const toml::node* node = table.find("trading_days", false);
  if (node == nullptr) return risk::ScheduleOptions{}.trading_weekdays;
  const std::string key = table.key_path("trading_days");
  const toml::array* days = node->as_array();
  if (days == nullptr) wrong_type(*node, key, "an array of days such as [\"Mon\", \"Tue\"]");
  if (days->empty()) fail(*node, key, "at least one trading day is required");
  std::array<bool, 7> out{};
  for (std::size_t i = 0; i < days->size(); ++i) {
    const toml::node& day = *days->get(i);
    const std::string dkey = key + "[" + std::to_string(i) + "]";
    const std::string expected = "one of " + quoted_list(kDays);
    if (!day.is_string()) wrong_type(day, dkey, expected);
    const std::string& name = day.as_string()->get();
    const auto it = std::find(std::begin(kDays), std::end(kDays), name);
    if (it == std::end(kDays)) fail(day, dkey, "\"" + name + "\" is not " + expected);
    const auto weekday = static_cast<std::size_t>(it - std::begin(kDays));
    if (out[weekday]) fail(day, dkey, "duplicate day \"" + name + "\"");
    out[weekday] = true;
  }
  return out;
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

void Loader::load_clearing(const toml::table* t, clearing::ClearingOptions& out,
                           clearing::FeeRates& venue_fees) {
  if (t == nullptr) return;
  Table table(*this, *t, "clearing",
              {"enabled", "report_dir", "fee_decimals", "maker_fee_per_unit", "maker_fee_bps",
               "taker_fee_per_unit", "taker_fee_bps"});
  table.flag("enabled", out.enabled);
  if (auto dir = table.string("report_dir", false)) {
    if (dir->empty()) table.fail("report_dir", "must not be empty");
    out.report_dir = *dir;
  }
  if (auto d = table.in_range("fee_decimals", 0, clearing::kMaxFeeDecimals)) {
    out.fee_decimals = static_cast<int>(*d);
  }
  load_fee_rates(table, venue_fees);
}

void Loader::load_fee_rates(const Table& table, clearing::FeeRates& rates) {
  if (table.find("maker_fee_per_unit", false) != nullptr)
    rates.maker.per_unit = fee_per_unit(table, "maker_fee_per_unit");
  if (table.find("maker_fee_bps", false) != nullptr)
    rates.maker.bps_e4 = fee_bps(table, "maker_fee_bps");
  if (table.find("taker_fee_per_unit", false) != nullptr)
    rates.taker.per_unit = fee_per_unit(table, "taker_fee_per_unit");
  if (table.find("taker_fee_bps", false) != nullptr)
    rates.taker.bps_e4 = fee_bps(table, "taker_fee_bps");
}

// A fee in currency units per unit of quantity: a decimal, negative for a
// rebate.
std::int64_t Loader::fee_per_unit(const Table& table, std::string_view key) {
  const std::int64_t v = *table.decimal(key, true);
  if (v > clearing::kMaxPerUnit || v < -clearing::kMaxPerUnit)
    table.fail(key, "expected -1000000..1000000 (currency units per unit of quantity)");
  return v;
}

// Basis points of the notional with at most 4 decimals, negative for a
// rebate; kept as bps x 10^4.
std::int64_t Loader::fee_bps(const Table& table, std::string_view key) {
  const std::int64_t v = *table.decimal(key, true);  // bps x 10^8
  constexpr std::int64_t kStep = engine::kPriceScale / 10'000;
  if (v % kStep != 0) table.fail(key, "at most 4 decimal places are allowed");
  const std::int64_t bps_e4 = v / kStep;
  if (bps_e4 > clearing::kMaxBpsE4 || bps_e4 < -clearing::kMaxBpsE4)
    table.fail(key, "expected -10000..10000 (basis points)");
  return bps_e4;
}

void Loader::load_members(const toml::array& members, Config& out) {
  std::set<std::string> comp_ids;
  std::vector<DropCopyTarget> drop_copy_targets;
  for (std::size_t i = 0; i < members.size(); ++i) {
    Table table(*this, *members.get(i)->as_table(), "members[" + std::to_string(i) + "]",
                {"comp_id", "password_hash", "accounts", "stp", "cancel_on_disconnect",
                 "credit_limit", "max_order_value", "max_open_orders", "max_messages_per_s",
                 "message_burst", "drop_copy_for"});
    MemberConfig m;

    m.comp_id = *table.string("comp_id", true);
    if (auto problem = check_id(m.comp_id, kMaxCompIdLength); !problem.empty())
      table.fail("comp_id", problem);
    if (m.comp_id == out.gateway.network.comp_id)
      table.fail("comp_id", "\"" + m.comp_id + "\" is the gateway's own comp_id");
    if (!comp_ids.insert(m.comp_id).second)
      table.fail("comp_id", "duplicate comp_id \"" + m.comp_id + "\"");

    m.password_hash = *table.string("password_hash", true);
    if (auto problem = crypto::password_hash_format_error(m.password_hash); !problem.empty())
      table.fail("password_hash", problem);

    if (table.find("drop_copy_for", false) != nullptr) {
      load_drop_copy_for(table, i, m, drop_copy_targets);
      out.members.push_back(std::move(m));
      continue;
    }
    m.accounts = load_accounts(table);
    table.enumerated("stp",
                     {engine::StpMode::None, engine::StpMode::CancelResting,
                      engine::StpMode::CancelIncoming, engine::StpMode::CancelBoth},
                     m.stp);
    table.flag("cancel_on_disconnect", m.cancel_on_disconnect);
    m.limits = load_limits(table);
    out.members.push_back(std::move(m));
  }
  check_drop_copy_targets(drop_copy_targets, out);
}

void Loader::load_drop_copy_for(const Table& table, std::size_t member, MemberConfig& m,
                                std::vector<DropCopyTarget>& targets) {
  // A drop-copy session only reads: nothing of a trading member applies.
  for (const char* key :
       {"accounts", "stp", "cancel_on_disconnect", "credit_limit", "max_order_value",
        "max_open_orders", "max_messages_per_s", "message_burst"}) {
    if (table.find(key, false) != nullptr) {
      table.fail(key, "a drop-copy session (drop_copy_for) does not trade");
    }
  }
  const toml::node& node = *table.find("drop_copy_for", true);
  const std::string key = table.key_path("drop_copy_for");
  const toml::array* names = node.as_array();
  if (names == nullptr) wrong_type(node, key, "an array of member comp_ids");
  if (names->empty()) fail(node, key, "at least one member comp_id is required");
  for (std::size_t j = 0; j < names->size(); ++j) {
    const toml::node& name = *names->get(j);
    const std::string nkey = key + "[" + std::to_string(j) + "]";
    if (!name.is_string()) wrong_type(name, nkey, "a string");
    const std::string& comp_id = name.as_string()->get();
    if (std::find(m.drop_copy_for.begin(), m.drop_copy_for.end(), comp_id) !=
        m.drop_copy_for.end()) {
      fail(name, nkey, "duplicate comp_id \"" + comp_id + "\"");
    }
    m.drop_copy_for.push_back(comp_id);
    targets.push_back(DropCopyTarget{member, comp_id, &name, nkey});
  }
}

void Loader::check_drop_copy_targets(const std::vector<DropCopyTarget>& targets,
                                     const Config& out) {
  for (const DropCopyTarget& target : targets) {
    const std::string& comp_id = target.comp_id;
    const auto it = std::find_if(out.members.begin(), out.members.end(),
                                 [&](const MemberConfig& c) { return c.comp_id == comp_id; });
    if (it == out.members.end()) {
      fail(*target.node, target.key,
           "unknown comp_id \"" + comp_id + "\" (no [[members]] entry has it)");
    }
    if (static_cast<std::size_t>(it - out.members.begin()) == target.member) {
      fail(*target.node, target.key, "a drop-copy session cannot receive its own reports");
    }
    if (!it->drop_copy_for.empty()) {
      fail(*target.node, target.key,
           "\"" + comp_id + "\" is itself a drop-copy session (it has no reports to copy)");
    }
  }
}

risk::MemberLimits Loader::load_limits(const Table& table) {
  risk::MemberLimits l;
  for (const char* key : {"credit_limit", "max_order_value"}) {
    if (auto v = table.decimal(key, false)) {
      if (*v < 0) table.fail(key, "must be >= 0");
      (std::string_view(key) == "credit_limit" ? l.credit_limit : l.max_order_value) = *v;
    }
  }
  if (auto v = table.integer("max_open_orders", false)) {
    if (*v < 0) table.fail("max_open_orders", "must be >= 0");
    l.max_open_orders = *v;
  }
  if (auto v = table.integer("max_messages_per_s", false)) {
    if (*v < 1 || *v > 10'000'000) table.fail("max_messages_per_s", "expected 1..10000000");
    l.max_messages_per_s = *v;
  }
  if (auto v = table.integer("message_burst", false)) {
    if (l.max_messages_per_s == risk::kNoLimit)
      table.fail("message_burst", "needs max_messages_per_s");
    if (*v < 1 || *v > 10'000'000) table.fail("message_burst", "expected 1..10000000");
    l.message_burst = *v;
  }
  return l;
}

std::vector<std::string> Loader::load_accounts(const Table& table) {
  const toml::node& node = *table.find("accounts", true);
  const std::string key = table.key_path("accounts");
  const toml::array* accounts = node.as_array();
  if (accounts == nullptr) wrong_type(node, key, "an array of account names");
  if (accounts->empty()) fail(node, key, "at least one account is required");
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (std::size_t j = 0; j < accounts->size(); ++j) {
    const toml::node& account = *accounts->get(j);
    const std::string akey = key + "[" + std::to_string(j) + "]";
    if (!account.is_string()) wrong_type(account, akey, "a string");
    const std::string& name = account.as_string()->get();
    if (auto problem = check_id(name, kMaxAccountLength); !problem.empty())
      fail(account, akey, problem);
    if (!seen.insert(name).second) fail(account, akey, "duplicate account \"" + name + "\"");
    out.push_back(name);
  }
  return out;
}

void Loader::load_instruments(const toml::array& instruments, Config& out) {
  std::set<std::string> symbols;
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    Table table(*this, *instruments.get(i)->as_table(), "instruments[" + std::to_string(i) + "]",
                {"symbol", "tick_size", "lot_size", "reference_price", "price_band_pct",
                 "max_order_qty", "shard", "carry_positions", "maker_fee_per_unit", "maker_fee_bps",
                 "taker_fee_per_unit", "taker_fee_bps"});
    out.instruments.push_back(load_instrument(table, out.gateway.shards.size(), symbols));
  }
}

// One [[instruments]] table; `symbols` holds those of the tables before it.
InstrumentConfig Loader::load_instrument(const Table& table, std::size_t shards,
                                         std::set<std::string>& symbols) {
  InstrumentConfig ins;
  ins.symbol = *table.string("symbol", true);
  if (auto problem = check_id(ins.symbol, kMaxCompIdLength); !problem.empty())
    table.fail("symbol", problem);
  if (!symbols.insert(ins.symbol).second)
    table.fail("symbol", "duplicate symbol \"" + ins.symbol + "\"");
  load_tick_and_lot(table, ins);
  load_reference_price(table, ins);
  ins.price_band = load_price_band(table);
  load_max_order_qty(table, ins);
  load_shard(table, shards, ins);
  table.flag("carry_positions", ins.carry_positions);
  ins.fees = venue_fees_;
  load_fee_rates(table, ins.fees);

  const PriceBand band = compute_band(ins.reference_price, ins.tick_size, ins.price_band);
  ins.spec.symbol = ins.symbol;
  ins.spec.tick = ins.tick_size;
  ins.spec.lot = ins.lot_size;
  ins.spec.max_qty = ins.max_order_qty;
  ins.spec.band_low = band.low;
  ins.spec.band_high = band.high;
  return ins;
}

void Loader::load_tick_and_lot(const Table& table, InstrumentConfig& ins) {
  ins.tick_size = *table.decimal("tick_size", true);
  if (ins.tick_size <= 0) table.fail("tick_size", "must be > 0");
  if (ins.tick_size > engine::kMaxPrice)
    table.fail("tick_size", "absurdly large (above the engine's maximum price)");

  ins.lot_size = *table.integer("lot_size", true);
  if (ins.lot_size <= 0)
    table.fail("lot_size", "must be an integer > 0, got " + std::to_string(ins.lot_size));
  if (ins.lot_size > kMaxConfigQty) table.fail("lot_size", "absurdly large (limit is 10^15)");
}

void Loader::load_reference_price(const Table& table, InstrumentConfig& ins) {
  ins.reference_price = *table.decimal("reference_price", true);
  if (ins.reference_price <= 0) table.fail("reference_price", "must be > 0");
  if (ins.reference_price > engine::kMaxPrice) {
    table.fail("reference_price",
               "absurdly large (maximum is " + util::format_decimal(engine::kMaxPrice) + ")");
  }
  if (ins.reference_price % ins.tick_size != 0) {
    table.fail("reference_price", util::format_decimal(ins.reference_price) +
                                      " is not a multiple of tick_size " +
                                      util::format_decimal(ins.tick_size));
  }
}

// price_band_pct in units of 1/kBandPctScale percent.
std::int64_t Loader::load_price_band(const Table& table) {
  const toml::node& node = *table.find("price_band_pct", true);
  const std::string key = table.key_path("price_band_pct");
  const char* range = "must be >= 0 and < 100 (0 = no band)";
  if (node.is_integer()) {
    const std::int64_t v = node.as_integer()->get();
    if (v < 0 || v >= 100) fail(node, key, range);
    return v * kBandPctScale;
  }
  if (!node.is_floating_point()) wrong_type(node, key, "a number (percent)");
  const double v = node.as_floating_point()->get();
  if (!std::isfinite(v) || v < 0 || v >= 100) fail(node, key, range);
  // Percentages have at most 4 decimals so the band is exact integer
  // arithmetic; the float is only a carrier for those digits.
  const double scaled = v * static_cast<double>(kBandPctScale);
  const double rounded = std::round(scaled);
  if (std::fabs(scaled - rounded) > 1e-6) fail(node, key, "at most 4 decimal places are allowed");
  return static_cast<std::int64_t>(rounded);
}

void Loader::load_max_order_qty(const Table& table, InstrumentConfig& ins) {
  ins.max_order_qty = *table.integer("max_order_qty", true);
  if (ins.max_order_qty <= 0) {
    table.fail("max_order_qty", "must be an integer > 0, got " + std::to_string(ins.max_order_qty));
  }
  if (ins.max_order_qty > kMaxConfigQty)
    table.fail("max_order_qty", "absurdly large (limit is 10^15)");
  if (ins.max_order_qty % ins.lot_size != 0) {
    table.fail("max_order_qty", std::to_string(ins.max_order_qty) +
                                    " is not a multiple of lot_size " +
                                    std::to_string(ins.lot_size));
  }
}

void Loader::load_shard(const Table& table, std::size_t shards, InstrumentConfig& ins) {
  const std::optional<std::int64_t> shard = table.integer("shard", false);
  if (!shard) {
    ins.shard = shard_of_symbol(ins.symbol, shards);
    return;
  }
  if (*shard < 0 || static_cast<std::uint64_t>(*shard) >= shards) {
    table.fail("shard", "expected 0.." + std::to_string(shards - 1) + " (engine.shards is " +
                            std::to_string(shards) + "), got " + std::to_string(*shard));
  }
  ins.shard = static_cast<std::size_t>(*shard);
  ins.shard_explicit = true;
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
