#pragma once
// The configuration loader behind parse_config (config.cpp): the checked
// table reader every section uses and one method per section. Private to
// src/app; its methods live in config.cpp (the daemon's own sections:
// gateway, engine, wal, dedup, log, admin) and config_market.cpp (the
// trading day, clearing and fees, members, instruments).
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

namespace matchgate::app::config_detail {

// Helpers of the loader (config.cpp).
const char* type_name(toml::node_type t);
std::size_t edit_distance(std::string_view a, std::string_view b);
bool is_token(std::string_view s);
std::string quoted_list(std::span<const std::string_view> items);

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

}  // namespace matchgate::app::config_detail
