// docs/CONFIG.md's key tables against the loader: each documented default
// must be what the loader produces when the key is left out, so that the
// default cannot be changed in the code or in the doc alone.
//
// For a key with a plain default (a TOML value in backticks) two configs are
// loaded, one without the key and one with `key = <documented default>`, and
// the field the key fills must come out the same. The loader parses the
// documented value itself, so units (segment_mb, *_us, *_ms) need no
// conversion here. A default "absent ..." must leave the field unset; a
// default "required" must make the load fail when the key is left out.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "matchgate/app/config.hpp"

namespace {

namespace app = matchgate::app;
namespace risk = matchgate::risk;

// One row of a key table: section as written in its heading without
// brackets ("gateway", "members"), the key and the default cell, trimmed.
struct DocRow {
  std::string section;
  std::string key;
  std::string default_cell;
  int line = 0;
};

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(' ') - first + 1);
}

std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line.substr(1));  // after the leading '|'
  std::string cell;
  while (std::getline(in, cell, '|')) cells.push_back(trimmed(cell));
  return cells;
}

// "## `[wal]`" -> "wal", "## `[[members]]` (at least one)" -> "members".
std::string section_of_heading(const std::string& line) {
  const auto open = line.find('`');
  const auto close = line.find('`', open + 1);
  if (open == std::string::npos || close == std::string::npos) return {};
  std::string name = line.substr(open + 1, close - open - 1);
  while (!name.empty() && name.front() == '[') name.erase(0, 1);
  while (!name.empty() && name.back() == ']') name.pop_back();
  return name;
}

// Every row of every table whose header has a "default" column.
std::vector<DocRow> read_doc_rows(const std::filesystem::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::vector<DocRow> rows;
  std::string line;
  std::string section;
  int line_no = 0;
  std::size_t default_column = 0;  // 0: not in a table with defaults
  while (std::getline(in, line)) {
    ++line_no;
    if (line.rfind("## ", 0) == 0) section = section_of_heading(line);
    if (line.empty() || line[0] != '|') {
      default_column = 0;
      continue;
    }
    const std::vector<std::string> cells = cells_of(line);
    if (cells.size() >= 3 && cells[0] == "key") {
      for (std::size_t i = 1; i < cells.size(); ++i)
        if (cells[i] == "default") default_column = i;
      continue;
    }
    if (default_column == 0 || cells.size() <= default_column) continue;
    if (cells[0].size() < 3 || cells[0].front() != '`') continue;  // the |---| line
    rows.push_back(
        {section, cells[0].substr(1, cells[0].size() - 2), cells[default_column], line_no});
  }
  return rows;
}

template <typename T>
std::string text(const T& v) {
  if constexpr (std::is_enum_v<T> || std::is_integral_v<T>) {
    return std::to_string(static_cast<long long>(v));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return v;
  } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
    return v.empty() ? "absent" : v.string();
  } else {
    return std::to_string(v.count());  // a std::chrono::duration
  }
}

std::string text(const std::vector<std::int32_t>& dates) {
  std::string out;
  for (std::int32_t d : dates) out += std::to_string(d) + ",";
  return out;
}

std::string text(const std::array<bool, 7>& days) {
  std::string out;
  for (bool d : days) out += d ? '1' : '0';
  return out;
}

std::string cpu_text(int cpu) {
  return cpu < 0 ? "absent" : std::to_string(cpu);
}
std::string limit_text(std::int64_t v) {
  return v == risk::kNoLimit ? "absent" : text(v);
}

// What each key fills, as text; "absent" when it is unset.
using Field = std::function<std::string(const app::Config&)>;
using Fields = std::map<std::string, Field>;  // "section.key"

void add_gateway_fields(Fields& f) {
  f["gateway.listen"] = [](const app::Config& c) {
    const auto& s = c.gateway.network.server;
    return s.host + ":" + text(s.port);
  };
  f["gateway.comp_id"] = [](const app::Config& c) { return c.gateway.network.comp_id; };
  f["gateway.backend"] = [](const app::Config& c) { return text(c.gateway.network.backend); };
  f["gateway.max_sessions"] = [](const app::Config& c) {
    return text(c.gateway.network.server.max_connections);
  };
  f["gateway.max_message_bytes"] = [](const app::Config& c) {
    return text(c.gateway.network.server.max_message_bytes);
  };
  f["gateway.max_output_bytes"] = [](const app::Config& c) {
    return text(c.gateway.network.server.max_output_bytes);
  };
  f["gateway.max_tracked_orders"] = [](const app::Config& c) {
    return text(c.gateway.network.max_records);
  };
  f["gateway.resend_buffer_bytes"] = [](const app::Config& c) {
    return text(c.gateway.network.resend_buffer_bytes);
  };
  f["gateway.resend_buffer_prefault"] = [](const app::Config& c) {
    return text(c.gateway.network.resend_buffer_prefault);
  };
  f["gateway.cpu"] = [](const app::Config& c) { return cpu_text(c.gateway.network_cpu); };
  f["gateway.timestamp_precision"] = [](const app::Config& c) {
    return text(c.gateway.network.timestamps);
  };
  f["gateway.field_validation"] = [](const app::Config& c) {
    return text(c.gateway.network.field_validation);
  };
  f["gateway.max_sending_time_skew_s"] = [](const app::Config& c) {
    return text(c.gateway.network.max_sending_time_skew);
  };
}

void add_engine_fields(Fields& f) {
  f["engine.shards"] = [](const app::Config& c) { return text(c.gateway.shards.size()); };
  f["engine.cpus"] = [](const app::Config& c) {
    std::string out;
    for (const auto& shard : c.gateway.shards) out += cpu_text(shard.cpu);
    return out;
  };
  f["engine.max_orders"] = [](const app::Config& c) {
    return text(c.gateway.max_orders_per_shard);
  };
  f["engine.idle"] = [](const app::Config& c) { return text(c.gateway.idle); };
  f["engine.idle_spin_us"] = [](const app::Config& c) { return text(c.gateway.idle_spin); };
  f["engine.ring_capacity"] = [](const app::Config& c) { return text(c.gateway.ring_capacity); };
}

void add_wal_fields(Fields& f) {
  f["wal.dir"] = [](const app::Config& c) { return text(c.gateway.wal.dir); };
  f["wal.sync"] = [](const app::Config& c) { return text(c.gateway.wal.sync); };
  f["wal.group_commit_us"] = [](const app::Config& c) { return text(c.gateway.wal.group_commit); };
  f["wal.hold_for_reports_us"] = [](const app::Config& c) {
    return text(c.gateway.wal.hold_for_reports);
  };
  f["wal.group_commit_bytes"] = [](const app::Config& c) {
    return text(c.gateway.wal.group_commit_bytes);
  };
  f["wal.segment_mb"] = [](const app::Config& c) { return text(c.gateway.wal.segment_bytes); };
  f["wal.seal_interval_ms"] = [](const app::Config& c) {
    return text(c.gateway.wal.seal_interval);
  };
  f["wal.sign_key"] = [](const app::Config& c) { return text(c.gateway.sign_key); };
  f["wal.sm2_id"] = [](const app::Config& c) { return c.gateway.wal.sm2_id; };
  f["wal.snapshot_interval_s"] = [](const app::Config& c) {
    return text(c.gateway.snapshots.interval);
  };
  f["wal.snapshot_every_records"] = [](const app::Config& c) {
    return text(c.gateway.snapshots.every_records);
  };
  f["wal.snapshot_min_interval_s"] = [](const app::Config& c) {
    return text(c.gateway.snapshots.min_interval);
  };
  f["wal.keep_snapshots"] = [](const app::Config& c) { return text(c.gateway.snapshots.keep); };
  f["wal.delete_covered_segments"] = [](const app::Config& c) {
    return text(c.gateway.snapshots.remove_covered_segments);
  };
}

void add_dedup_and_log_fields(Fields& f) {
  f["dedup.backend"] = [](const app::Config& c) { return text(c.gateway.network.dedup.backend); };
  f["dedup.ttl_s"] = [](const app::Config& c) { return text(c.gateway.network.dedup.ttl); };
  f["dedup.max_keys"] = [](const app::Config& c) { return text(c.gateway.network.dedup.max_keys); };
  f["dedup.redis_host"] = [](const app::Config& c) { return c.gateway.network.dedup.redis.host; };
  f["dedup.redis_port"] = [](const app::Config& c) {
    return text(c.gateway.network.dedup.redis.port);
  };
  f["dedup.redis_prefix"] = [](const app::Config& c) {
    return c.gateway.network.dedup.redis.prefix;
  };
  f["dedup.redis_timeout_ms"] = [](const app::Config& c) {
    return text(c.gateway.network.dedup.redis.timeout);
  };
  f["log.level"] = [](const app::Config& c) { return text(c.log.level); };
  f["log.file"] = [](const app::Config& c) {
    return c.log.file ? text(*c.log.file) : std::string("absent");
  };
}

void add_day_admin_member_fields(Fields& f) {
  f["trading_day.holidays"] = [](const app::Config& c) {
    return text(c.gateway.network.schedule.holidays);
  };
  f["trading_day.trading_days"] = [](const app::Config& c) {
    return text(c.gateway.network.schedule.trading_weekdays);
  };
  f["admin.socket"] = [](const app::Config& c) { return c.gateway.admin.socket.string(); };
  f["admin.socket_mode"] = [](const app::Config& c) { return text(c.gateway.admin.socket_mode); };
  f["members.stp"] = [](const app::Config& c) { return text(c.members.at(0).stp); };
  f["members.cancel_on_disconnect"] = [](const app::Config& c) {
    return text(c.members.at(0).cancel_on_disconnect);
  };
  f["members.credit_limit"] = [](const app::Config& c) {
    return limit_text(c.members.at(0).limits.credit_limit);
  };
  f["members.max_order_value"] = [](const app::Config& c) {
    return limit_text(c.members.at(0).limits.max_order_value);
  };
  f["members.max_open_orders"] = [](const app::Config& c) {
    return limit_text(c.members.at(0).limits.max_open_orders);
  };
  f["members.max_messages_per_s"] = [](const app::Config& c) {
    return limit_text(c.members.at(0).limits.max_messages_per_s);
  };
  f["members.drop_copy_for"] = [](const app::Config& c) {
    const std::vector<std::string>& targets = c.members.at(0).drop_copy_for;
    std::string out = targets.empty() ? "absent" : "";
    for (const std::string& t : targets) out += (out.empty() ? "" : ",") + t;
    return out;
  };
}

void add_clearing_fields(Fields& f) {
  const auto& network = [](const app::Config& c) -> const auto& {
    return c.gateway.network;
  };
  f["clearing.enabled"] = [=](const app::Config& c) { return text(network(c).clearing.enabled); };
  f["clearing.report_dir"] = [=](const app::Config& c) {
    return network(c).clearing.report_dir.string();
  };
  f["clearing.fee_decimals"] = [=](const app::Config& c) {
    return text(network(c).clearing.fee_decimals);
  };
  // The venue's rates reach every instrument that sets none of its own.
  const auto rates = [=](const app::Config& c) {
    return network(c).clearing.instruments.at(0).fees;
  };
  f["clearing.maker_fee_per_unit"] = [=](const app::Config& c) {
    return text(rates(c).maker.per_unit);
  };
  f["clearing.maker_fee_bps"] = [=](const app::Config& c) { return text(rates(c).maker.bps_e4); };
  f["clearing.taker_fee_per_unit"] = [=](const app::Config& c) {
    return text(rates(c).taker.per_unit);
  };
  f["clearing.taker_fee_bps"] = [=](const app::Config& c) { return text(rates(c).taker.bps_e4); };
}

Fields all_fields() {
  Fields f;
  add_clearing_fields(f);
  add_gateway_fields(f);
  add_engine_fields(f);
  add_wal_fields(f);
  add_dedup_and_log_fields(f);
  add_day_admin_member_fields(f);
  return f;
}

// Keys whose default is neither a plain value, "absent" nor "required",
// with why; each is checked on its own below where it can be.
const std::map<std::string, std::string>& exceptions() {
  static const std::map<std::string, std::string> kExceptions = {
      {"trading_day.pre_open", "defaults to the value of `open` (TradingDayDefaults below)"},
      {"members.message_burst", "defaults to the member's max_messages_per_s (computed)"},
  };
  return kExceptions;
}

// A config that loads, with every required key present; `section.key` is
// left out, then written as `key = value` when a value is given.
std::string config_text(const std::string& section, const std::string& key,
                        const std::string* value) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kBase = {
      {"[gateway]", {}},
      {"[engine]", {}},
      {"[wal]", {}},
      {"[dedup]", {}},
      {"[log]", {}},
      {"[admin]", {}},
      {"[clearing]", {}},
      {"[trading_day]", {"time_zone = \"UTC\"", "open = \"09:00\"", "close = \"17:00\""}},
      {"[[members]]",
       {"comp_id = \"M1\"",
        "password_hash = \"pbkdf2-sha256$200000$UAzXEion4I4qhARKCF5fjQ==$"
        "ZTNIE0ZGY13hc5PAyJeuBM4unN5mMh87hJ90TVT84MI=\"",
        "accounts = [\"A\"]"}},
      {"[[instruments]]",
       {"symbol = \"ACME\"", "tick_size = \"0.01\"", "lot_size = 1", "reference_price = \"100.00\"",
        "price_band_pct = 10", "max_order_qty = 1000"}},
  };
  std::string out;
  for (const auto& [heading, lines] : kBase) {
    out += heading + "\n";
    const bool here = heading == "[" + section + "]" || heading == "[[" + section + "]]";
    for (const std::string& line : lines)
      if (!here || line.rfind(key + " =", 0) != 0) out += line + "\n";
    if (here && value != nullptr) out += key + " = " + *value + "\n";
  }
  return out;
}

app::Config load(const std::string& text) {
  return app::parse_config(text, "config_docs_test");
}

// `"millis"` -> "millis" quoted for TOML as it is; nullopt unless the cell is
// a single backticked value.
std::optional<std::string> plain_value(const std::string& cell) {
  if (cell.size() < 3 || cell.front() != '`' || cell.back() != '`') return std::nullopt;
  const std::string inner = cell.substr(1, cell.size() - 2);
  if (inner.find('`') != std::string::npos) return std::nullopt;
  return inner;
}

class ConfigDocsTest : public ::testing::Test {
 protected:
  std::vector<DocRow> rows_ =
      read_doc_rows(std::filesystem::path(MATCHGATE_SOURCE_DIR) / "docs/CONFIG.md");
  Fields fields_ = all_fields();
};

TEST_F(ConfigDocsTest, TablesAreFound) {
  // Guards the parser: a reformatted table must not make the checks vacuous.
  std::set<std::string> sections;
  for (const DocRow& row : rows_) sections.insert(row.section);
  EXPECT_EQ(sections, (std::set<std::string>{"gateway", "engine", "wal", "dedup", "log",
                                             "trading_day", "admin", "clearing", "members"}));
  EXPECT_GE(rows_.size(), fields_.size());
}

TEST_F(ConfigDocsTest, EveryDocumentedDefaultIsTheLoadersDefault) {
  const app::Config omitted_all = load(config_text("", "", nullptr));
  for (const DocRow& row : rows_) {
    const std::string name = row.section + "." + row.key;
    SCOPED_TRACE("docs/CONFIG.md:" + std::to_string(row.line) + ": " + name + " default " +
                 row.default_cell);
    if (exceptions().count(name) != 0) continue;
    if (row.default_cell == "required") {
      EXPECT_THROW(load(config_text(row.section, row.key, nullptr)), app::ConfigError);
      continue;
    }
    const auto field = fields_.find(name);
    ASSERT_NE(field, fields_.end()) << "no field for this key: add it to the test's table";
    if (row.default_cell.rfind("absent", 0) == 0) {
      EXPECT_EQ(field->second(omitted_all), "absent");
      continue;
    }
    const std::optional<std::string> value = plain_value(row.default_cell);
    ASSERT_TRUE(value) << "not a plain value: list the key in exceptions() with a reason";
    const app::Config explicit_default = load(config_text(row.section, row.key, &*value));
    EXPECT_EQ(field->second(omitted_all), field->second(explicit_default));
  }
}

TEST_F(ConfigDocsTest, EveryCheckedKeyIsDocumented) {
  std::set<std::string> documented;
  for (const DocRow& row : rows_) documented.insert(row.section + "." + row.key);
  for (const auto& [name, field] : fields_) EXPECT_EQ(documented.count(name), 1U) << name;
  for (const auto& [name, why] : exceptions()) EXPECT_EQ(documented.count(name), 1U) << name;
}

TEST_F(ConfigDocsTest, TradingDayDefaults) {
  // pre_open: "`open`": no pre-open phase unless one is given.
  const app::Config c = load(config_text("", "", nullptr));
  EXPECT_EQ(c.gateway.network.schedule.pre_open_s, c.gateway.network.schedule.open_s);
  EXPECT_EQ(c.gateway.network.schedule.open_s, 9 * 3600);
}

}  // namespace
