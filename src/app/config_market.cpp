// The configuration's market sections: [trading_day], [clearing] and its
// fees, [[members]], [[instruments]] (the Loader, config_loader.hpp).
#include "config_loader.hpp"

namespace matchgate::app::config_detail {

namespace {

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
}  // namespace

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

}  // namespace matchgate::app::config_detail
