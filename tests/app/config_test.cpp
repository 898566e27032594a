#include "matchgate/app/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "matchgate/crypto/password_hash.hpp"

namespace {

namespace app = matchgate::app;
namespace engine = matchgate::engine;
namespace fix = matchgate::fix;
namespace wal = matchgate::wal;
namespace dedup = matchgate::dedup;
using engine::kPriceScale;

constexpr const char* kHash =
    "pbkdf2-sha256$200000$UAzXEion4I4qhARKCF5fjQ==$ZTNIE0ZGY13hc5PAyJeuBM4unN5mMh87hJ90TVT84MI=";

std::string member(const std::string& comp_id = "M1", const std::string& extra = "") {
  return "[[members]]\ncomp_id = \"" + comp_id + "\"\npassword_hash = \"" + kHash +
         "\"\naccounts = [\"A\"]\n" + extra + "\n";
}

std::string instrument(const std::string& symbol = "ACME", const std::string& extra = "",
                       const std::string& tick = "\"0.01\"",
                       const std::string& ref = "\"100.00\"") {
  return "[[instruments]]\nsymbol = \"" + symbol + "\"\ntick_size = " + tick +
         "\nlot_size = 1\nreference_price = " + ref +
         "\nprice_band_pct = 10\nmax_order_qty = 1000\n" + extra + "\n";
}

// 1-based line (what toml++ reports) of the nth occurrence of `needle`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

std::uint32_t line_of(const std::string& text, const std::string& needle, int nth = 1) {
  std::size_t pos = text.find(needle);
  while (--nth > 0 && pos != std::string::npos) pos = text.find(needle, pos + 1);
  EXPECT_NE(pos, std::string::npos) << needle;
  if (pos == std::string::npos) return 0;
  return static_cast<std::uint32_t>(
      1 + std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("matchgate_config_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& text) {
    const auto path = dir_ / "matchgate.toml";
    std::ofstream(path) << text;
    return path;
  }

  app::Config load(const std::string& text) { return app::load_config(write(text)); }

  // Loads `text`, expects a ConfigError naming `key` at the line of the
  // nth `line_needle` (empty: no line expected) and containing `problem`.
  app::ConfigError fail(const std::string& text, const std::string& key,
                        const std::string& line_needle, const std::string& problem, int nth = 1) {
    try {
      load(text);
    } catch (const app::ConfigError& e) {
      EXPECT_EQ(e.key(), key) << e.what();
      if (line_needle.empty()) {
        EXPECT_EQ(e.line(), 0U) << e.what();
      } else {
        EXPECT_EQ(e.line(), line_of(text, line_needle, nth)) << e.what();
        EXPECT_GT(e.column(), 0U) << e.what();
      }
      EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
      // The message itself carries the position and key, for humans.
      const std::string prefix =
          (dir_ / "matchgate.toml").string() +
          (e.line() ? ":" + std::to_string(e.line()) + ":" + std::to_string(e.column()) : "") +
          ": " + (key.empty() ? "" : key + ": ");
      EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0U)
          << e.what() << "\nexpected prefix " << prefix;
      return e;
    }
    ADD_FAILURE() << "config loaded but should fail on " << key;
    return app::ConfigError("", 0, 0, "", "");
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigTest, BundledConfigLoads) {
  const auto config =
      app::load_config(std::filesystem::path(MATCHGATE_SOURCE_DIR) / "config/matchgate.toml");
  EXPECT_EQ(config.gateway.listen, "127.0.0.1:9878");
  EXPECT_EQ(config.gateway.listen_port, 9878);
  EXPECT_EQ(config.engine.shards, 2U);
  ASSERT_EQ(config.members.size(), 2U);
  EXPECT_EQ(config.members[0].comp_id, "MEMBER1");
  EXPECT_EQ(config.members[1].comp_id, "MEMBER2");
  EXPECT_TRUE(matchgate::crypto::verify_password("demo-pass-1", config.members[0].password_hash));
  EXPECT_TRUE(matchgate::crypto::verify_password("demo-pass-2", config.members[1].password_hash));
  EXPECT_EQ(config.members[0].stp, engine::StpMode::CancelResting);
  EXPECT_EQ(config.members[0].credit_limit, 1'000'000 * kPriceScale);
  EXPECT_EQ(config.members[1].stp, engine::StpMode::None);
  EXPECT_FALSE(config.members[1].cancel_on_disconnect);
  EXPECT_FALSE(config.members[1].credit_limit.has_value());

  ASSERT_EQ(config.instruments.size(), 3U);
  const auto& acme = config.instruments[0].spec;
  EXPECT_EQ(acme.symbol, "ACME");
  EXPECT_EQ(acme.tick, 1'000'000);
  EXPECT_EQ(acme.band_low, 90 * kPriceScale);
  EXPECT_EQ(acme.band_high, 110 * kPriceScale);
  const auto& globx = config.instruments[1].spec;
  EXPECT_EQ(globx.lot, 10);
  EXPECT_EQ(globx.band_low, 2'425'000'000);
  EXPECT_EQ(globx.band_high, 2'675'000'000);
  const auto& bond = config.instruments[2].spec;
  EXPECT_EQ(bond.tick, 100'000);
  EXPECT_EQ(bond.band_low, bond.tick);
  EXPECT_EQ(bond.band_high, engine::kMaxPrice);

  EXPECT_EQ(config.instruments[0].shard, app::shard_of_symbol("ACME", 2));
  EXPECT_EQ(config.instruments[1].shard, 0U);
  EXPECT_TRUE(config.instruments[1].shard_explicit);
  std::size_t total = 0;
  for (std::size_t s = 0; s < config.engine.shards; ++s)
    total += app::instruments_of_shard(config, s).size();
  EXPECT_EQ(total, 3U);
}

// The bundled config shows the new [gateway] keys commented out with their
// defaults: uncommented, they must load as exactly those defaults.
TEST_F(ConfigTest, BundledCommentedGatewayKeysAreTheDefaults) {
  std::ifstream in(std::filesystem::path(MATCHGATE_SOURCE_DIR) / "config/matchgate.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* key :
       {"timestamp_precision = ", "field_validation = ", "max_sending_time_skew_s = "}) {
    text = replaced(text, std::string("# ") + key, key);
  }
  const auto config = load(text);
  const app::GatewayConfig defaults;
  EXPECT_EQ(config.gateway.timestamp_precision, defaults.timestamp_precision);
  EXPECT_EQ(config.gateway.field_validation, defaults.field_validation);
  EXPECT_EQ(config.gateway.max_sending_time_skew_s, defaults.max_sending_time_skew_s);
}

TEST_F(ConfigTest, DefaultsOfOptionalKeys) {
  const auto config = load(member() + instrument());
  EXPECT_EQ(config.gateway.listen, "127.0.0.1:9878");
  EXPECT_EQ(config.gateway.listen_host, "127.0.0.1");
  EXPECT_EQ(config.gateway.comp_id, "MATCHGATE");
  EXPECT_EQ(config.engine.shards, 1U);
  EXPECT_TRUE(config.engine.cpus.empty());
  EXPECT_EQ(config.engine.max_orders, 1'048'576U);
  EXPECT_EQ(config.wal.dir, "var/wal");
  EXPECT_EQ(config.wal.sync, wal::SyncMode::Group);
  EXPECT_EQ(config.dedup.backend, dedup::Backend::Embedded);
  EXPECT_EQ(config.dedup.ttl_s, 1800U);
  EXPECT_EQ(config.dedup.max_keys, 1U << 20);
  EXPECT_EQ(config.dedup.redis_host, "127.0.0.1");
  EXPECT_EQ(config.dedup.redis_port, 6379);
  EXPECT_EQ(config.dedup.redis_prefix, "matchgate:dedup:");
  EXPECT_EQ(config.dedup.redis_timeout_ms, 50U);
  EXPECT_EQ(config.log.level, "info");
  EXPECT_FALSE(config.log.file.has_value());
  EXPECT_EQ(config.members[0].stp, engine::StpMode::None);
  EXPECT_FALSE(config.members[0].cancel_on_disconnect);
  EXPECT_EQ(config.instruments[0].shard, 0U);
  EXPECT_FALSE(config.instruments[0].shard_explicit);
  EXPECT_EQ(config.gateway.timestamp_precision, fix::TimePrecision::Millis);
  EXPECT_EQ(config.gateway.field_validation, fix::FieldValidation::Strict);
  EXPECT_EQ(config.gateway.max_sending_time_skew_s, 120U);
}

TEST_F(ConfigTest, GatewayFixSessionKeys) {
  const auto gateway = [&](const std::string& lines) {
    return "[gateway]\n" + lines + "\n" + member() + instrument();
  };
  const auto set =
      load(gateway("timestamp_precision = \"micros\"\nfield_validation = \"relaxed\"\n"
                   "max_sending_time_skew_s = 86400"));
  EXPECT_EQ(set.gateway.timestamp_precision, fix::TimePrecision::Micros);
  EXPECT_EQ(set.gateway.field_validation, fix::FieldValidation::Relaxed);
  EXPECT_EQ(set.gateway.max_sending_time_skew_s, 86'400U);
  const auto defaults =
      load(gateway("timestamp_precision = \"millis\"\nfield_validation = \"strict\"\n"
                   "max_sending_time_skew_s = 1"));
  EXPECT_EQ(defaults.gateway.timestamp_precision, fix::TimePrecision::Millis);
  EXPECT_EQ(defaults.gateway.field_validation, fix::FieldValidation::Strict);
  EXPECT_EQ(defaults.gateway.max_sending_time_skew_s, 1U);
  EXPECT_STREQ(fix::to_string(fix::TimePrecision::Micros), "micros");
  EXPECT_STREQ(fix::to_string(fix::TimePrecision::Millis), "millis");
  EXPECT_STREQ(fix::to_string(fix::FieldValidation::Relaxed), "relaxed");
  EXPECT_STREQ(fix::to_string(fix::FieldValidation::Strict), "strict");

  fail(gateway("timestamp_precision = \"nanos\""), "gateway.timestamp_precision",
       "timestamp_precision", "\"nanos\" is not one of \"millis\", \"micros\"");
  fail(gateway("timestamp_precision = 3"), "gateway.timestamp_precision", "timestamp_precision",
       "got an integer");
  fail(gateway("field_validation = \"lenient\""), "gateway.field_validation", "field_validation",
       "\"lenient\" is not one of \"strict\", \"relaxed\"");
  fail(gateway("field_validation = true"), "gateway.field_validation", "field_validation",
       "got a boolean");
  fail(gateway("max_sending_time_skew_s = 0"), "gateway.max_sending_time_skew_s",
       "max_sending_time_skew_s", "expected 1..86400, got 0");
  fail(gateway("max_sending_time_skew_s = 86401"), "gateway.max_sending_time_skew_s",
       "max_sending_time_skew_s", "expected 1..86400, got 86401");
  fail(gateway("max_sending_time_skew_s = \"120\""), "gateway.max_sending_time_skew_s",
       "max_sending_time_skew_s", "expected an integer, got a string");
  fail(gateway("max_sending_time_skew = 120"), "gateway.max_sending_time_skew",
       "max_sending_time_skew", "did you mean \"max_sending_time_skew_s\"?");
}

TEST_F(ConfigTest, AllKeysSet) {
  const auto config = load(
      "[gateway]\nlisten = \"[::1]:7000\"\ncomp_id = \"EXCH\"\n"
      "[engine]\nshards = 3\ncpus = [4, 5, 6]\nmax_orders = 1000\n"
      "[wal]\ndir = \"/tmp/x\"\nsync = \"none\"\n"
      "[dedup]\nbackend = \"redis\"\nttl_s = 60\nmax_keys = 4096\nredis_host = \"::1\"\n"
      "redis_port = 7379\nredis_prefix = \"mg:\"\nredis_timeout_ms = 20\n"
      "[log]\nlevel = \"warn\"\nfile = \"x.log\"\n" +
      member("M1", "stp = \"cancel_both\"\ncancel_on_disconnect = true\ncredit_limit = \"0\"") +
      instrument("ACME", "shard = 2"));
  EXPECT_EQ(config.gateway.listen_host, "::1");
  EXPECT_EQ(config.gateway.listen_port, 7000);
  EXPECT_EQ(config.gateway.comp_id, "EXCH");
  EXPECT_EQ(config.engine.cpus, (std::vector<int>{4, 5, 6}));
  EXPECT_EQ(config.engine.max_orders, 1000U);
  EXPECT_EQ(config.wal.sync, wal::SyncMode::None);
  EXPECT_EQ(config.dedup.backend, dedup::Backend::Redis);
  EXPECT_EQ(config.dedup.ttl_s, 60U);
  EXPECT_EQ(config.dedup.max_keys, 4096U);
  EXPECT_EQ(config.dedup.redis_host, "::1");
  EXPECT_EQ(config.dedup.redis_port, 7379);
  EXPECT_EQ(config.dedup.redis_prefix, "mg:");
  EXPECT_EQ(config.dedup.redis_timeout_ms, 20U);
  EXPECT_EQ(config.log.level, "warn");
  EXPECT_EQ(config.log.file, std::filesystem::path("x.log"));
  EXPECT_EQ(config.members[0].stp, engine::StpMode::CancelBoth);
  EXPECT_TRUE(config.members[0].cancel_on_disconnect);
  EXPECT_EQ(config.members[0].credit_limit, 0);
  EXPECT_EQ(config.instruments[0].shard, 2U);
  EXPECT_EQ(app::instruments_of_shard(config, 2), (std::vector<std::size_t>{0}));
  EXPECT_TRUE(app::instruments_of_shard(config, 0).empty());
}

TEST_F(ConfigTest, UnknownKeys) {
  fail("verbose = true\n" + member() + instrument(), "verbose", "verbose", "unknown key");
  fail("[gatway]\nlisten = \"1.2.3.4:5\"\n" + member() + instrument(), "gatway", "[gatway]",
       "did you mean \"gateway\"?");
  fail("[engine]\nshard = 2\n" + member() + instrument(), "engine.shard",
       "shard =", "did you mean \"shards\"?");
  fail(member() + member("M2", "colour = \"red\"") + instrument(), "members[1].colour", "colour",
       "unknown key; allowed keys: \"comp_id\"");
  fail(member() + instrument("ACME") + instrument("B", "tick = \"0.01\""), "instruments[1].tick",
       "tick =", "did you mean \"tick_size\"?");
}

TEST_F(ConfigTest, MissingRequiredKeys) {
  const std::string no_hash = "[[members]]\ncomp_id = \"M1\"\naccounts = [\"A\"]\n";
  fail(no_hash + instrument(), "members[0].password_hash", "[[members]]", "missing required key");
  const std::string text = member() + "[[instruments]]\ntick_size = \"0.01\"\n";
  fail(text, "instruments[0].symbol", "[[instruments]]", "missing required key");
  fail(instrument(), "members", "", "at least one [[members]] entry is required");
  fail(member(), "instruments", "", "at least one [[instruments]] entry is required");
  fail("members = []\n" + instrument(), "members", "members = []", "at least one");
}

TEST_F(ConfigTest, WrongTypes) {
  fail("[engine]\nshards = \"2\"\n" + member() + instrument(), "engine.shards", "shards",
       "expected an integer, got a string");
  fail(member() + instrument("ACME", "", "0.01"), "instruments[0].tick_size", "tick_size",
       "expected a decimal string such as \"0.01\"");
  fail(member("M1", "cancel_on_disconnect = \"yes\""), "members[0].cancel_on_disconnect",
       "cancel_on_disconnect", "expected a boolean");
  fail("gateway = 5\n" + member() + instrument(), "gateway", "gateway", "expected a table");
  fail("members = 5\n" + instrument(), "members", "members", "expected an array of tables");
  fail("[[members]]\ncomp_id = \"M1\"\npassword_hash = \"" + std::string(kHash) +
           "\"\naccounts = \"A\"\n" + instrument(),
       "members[0].accounts", "accounts", "expected an array");
  fail("[engine]\nshards = 2\ncpus = [1, \"2\"]\n" + member() + instrument(), "engine.cpus[1]",
       "cpus", "expected an integer CPU number, got a string");
  fail(replaced(member() + instrument(), "price_band_pct = 10", "price_band_pct = \"10\""),
       "instruments[0].price_band_pct", "price_band_pct", "expected a number");
}

TEST_F(ConfigTest, InvalidNumbers) {
  fail(member() + instrument("ACME", "", "\"0.05\"", "\"100.02\""),
       "instruments[0].reference_price", "reference_price",
       "100.02 is not a multiple of tick_size 0.05");
  fail(member() + instrument("ACME", "", "\"-0.01\""), "instruments[0].tick_size", "tick_size",
       "must be > 0");
  fail(member() + instrument("ACME", "", "\"0\""), "instruments[0].tick_size", "tick_size",
       "must be > 0");
  fail(member() + instrument("ACME", "", "\"0.000000001\""), "instruments[0].tick_size",
       "tick_size", "more than 8 fraction digits");
  fail(member() + instrument("ACME", "", "\"1e-2\""), "instruments[0].tick_size", "tick_size",
       "not a valid decimal");
  fail(member() + instrument("ACME", "", "\"0.01\"", "\"-100\""), "instruments[0].reference_price",
       "reference_price", "must be > 0");
  fail(member() + instrument("ACME", "", "\"0.01\"", "\"30000000000\""),
       "instruments[0].reference_price", "reference_price", "absurdly large");
  fail(member() + instrument("ACME", "", "\"0.01\"", "\"99999999999\""),
       "instruments[0].reference_price", "reference_price", "decimal out of range");

  const std::string ok = member() + instrument();
  fail(replaced(ok, "lot_size = 1", "lot_size = 7"), "instruments[0].max_order_qty",
       "max_order_qty", "1000 is not a multiple of lot_size 7");
  fail(replaced(ok, "lot_size = 1", "lot_size = -1"), "instruments[0].lot_size", "lot_size",
       "must be an integer > 0");
  fail(replaced(ok, "max_order_qty = 1000", "max_order_qty = 0"), "instruments[0].max_order_qty",
       "max_order_qty", "> 0");
  fail(replaced(ok, "max_order_qty = 1000", "max_order_qty = 10000000000000000"),
       "instruments[0].max_order_qty", "max_order_qty", "absurdly large");

  fail(member("M1", "credit_limit = \"-5\"") + instrument(), "members[0].credit_limit",
       "credit_limit", ">= 0");
  fail(member("M1", "credit_limit = 5") + instrument(), "members[0].credit_limit", "credit_limit",
       "decimal string");
  fail("[engine]\nshards = 0\n" + member() + instrument(), "engine.shards", "shards",
       "expected 1..64");
  fail("[engine]\nshards = 65\n" + member() + instrument(), "engine.shards", "shards",
       "expected 1..64");
  fail("[engine]\nmax_orders = 0\n" + member() + instrument(), "engine.max_orders", "max_orders",
       "expected 1..");
  fail("[dedup]\nttl_s = 0\n" + member() + instrument(), "dedup.ttl_s", "ttl_s",
       "expected 1..604800, got 0");
  fail("[dedup]\nttl_s = 604801\n" + member() + instrument(), "dedup.ttl_s", "ttl_s",
       "expected 1..604800");
  fail("[dedup]\nmax_keys = 0\n" + member() + instrument(), "dedup.max_keys", "max_keys",
       "expected 1..268435456, got 0");
  fail("[dedup]\nmax_keys = 268435457\n" + member() + instrument(), "dedup.max_keys", "max_keys",
       "expected 1..268435456");
  fail("[dedup]\nredis_port = 0\n" + member() + instrument(), "dedup.redis_port", "redis_port",
       "expected 1..65535");
  fail("[dedup]\nredis_port = 65536\n" + member() + instrument(), "dedup.redis_port", "redis_port",
       "expected 1..65535");
  fail("[dedup]\nredis_timeout_ms = 0\n" + member() + instrument(), "dedup.redis_timeout_ms",
       "redis_timeout_ms", "expected 1..60000");
  fail("[dedup]\nredis_host = \"redis.example\"\n" + member() + instrument(), "dedup.redis_host",
       "redis_host", "not a numeric IPv4 or IPv6 address");
  fail("[dedup]\nredis_host = \"10.0.0.256\"\n" + member() + instrument(), "dedup.redis_host",
       "redis_host", "not a numeric");
  fail("[dedup]\nredis_prefix = \"has space\"\n" + member() + instrument(), "dedup.redis_prefix",
       "redis_prefix", "printable ASCII");
  fail("[dedup]\nredis_prefix = \"" + std::string(257, 'p') + "\"\n" + member() + instrument(),
       "dedup.redis_prefix", "redis_prefix", "longer than 256 bytes");
  fail("[dedup]\nmax_key = 5\n" + member() + instrument(), "dedup.max_key", "max_key",
       "did you mean \"max_keys\"");
  fail("[engine]\nshards = 2\n" + member() + instrument("ACME", "shard = 2"),
       "instruments[0].shard", "shard =", "expected 0..1");
}

TEST_F(ConfigTest, PriceBandPercent) {
  auto with_band = [&](const std::string& pct) {
    return replaced(member() + instrument(), "price_band_pct = 10", "price_band_pct = " + pct);
  };
  EXPECT_EQ(load(with_band("2.5")).instruments[0].price_band, 25'000);
  EXPECT_EQ(load(with_band("0.0001")).instruments[0].price_band, 1);
  EXPECT_EQ(load(with_band("99.9999")).instruments[0].price_band, 999'999);
  fail(with_band("0.00001"), "instruments[0].price_band_pct", "price_band_pct",
       "at most 4 decimal places");
  fail(with_band("100"), "instruments[0].price_band_pct", "price_band_pct", ">= 0 and < 100");
  fail(with_band("-1"), "instruments[0].price_band_pct", "price_band_pct", ">= 0 and < 100");
  fail(with_band("nan"), "instruments[0].price_band_pct", "price_band_pct", ">= 0 and < 100");
}

TEST(ComputeBand, ExactIntegerArithmetic) {
  using P = std::pair<engine::Price, engine::Price>;
  auto band = [](engine::Price ref, engine::Price tick, std::int64_t pct) {
    const auto b = app::compute_band(ref, tick, pct);
    return std::pair(b.low, b.high);
  };
  EXPECT_EQ(band(100 * kPriceScale, 1'000'000, 100'000),
            std::pair(90 * kPriceScale, 110 * kPriceScale));
  EXPECT_EQ(band(2'550'000'000, 5'000'000, 50'000), P(2'425'000'000, 2'675'000'000));
  // 99.875 +- 0.1234 %: 99.75175425 .. 99.99824575, rounded inwards to 0.001.
  EXPECT_EQ(band(9'987'500'000, 100'000, 1'234), P(9'975'200'000, 9'999'800'000));
  // Rounding inwards can collapse the band onto the reference.
  EXPECT_EQ(band(7 * kPriceScale, 50'000'000, 25'000), std::pair(7 * kPriceScale, 7 * kPriceScale));
  // The low edge never reaches zero.
  EXPECT_EQ(band(3, 1, 500'000), P(2, 4));
  EXPECT_EQ(band(1, 1, 999'999), P(1, 1));
  // No band.
  EXPECT_EQ(band(100 * kPriceScale, 1'000'000, 0),
            std::pair(engine::Price{1'000'000}, engine::kMaxPrice));
  // Near the top the high edge is capped at the largest tick multiple <= kMaxPrice.
  const engine::Price top = engine::kMaxPrice / 1'000'000 * 1'000'000;
  EXPECT_EQ(band(top, 1'000'000, 500'000).second, top);
}

TEST_F(ConfigTest, Duplicates) {
  fail(member("M1") + member("M1") + instrument(), "members[1].comp_id", "comp_id",
       "duplicate comp_id \"M1\"", 2);
  fail(member() + instrument("ACME") + instrument("ACME"), "instruments[1].symbol", "symbol",
       "duplicate symbol \"ACME\"", 2);
  fail(replaced(member() + instrument(), "accounts = [\"A\"]", "accounts = [\"A\", \"B\", \"A\"]"),
       "members[0].accounts[2]", "accounts", "duplicate account \"A\"");
  fail(member("MATCHGATE") + instrument(), "members[0].comp_id", "comp_id",
       "gateway's own comp_id");
}

TEST_F(ConfigTest, CpusMustMatchShards) {
  fail("[engine]\nshards = 2\ncpus = [1]\n" + member() + instrument(), "engine.cpus", "cpus",
       "has 1 entries but engine.shards is 2");
  fail("[engine]\nshards = 2\ncpus = [1, 1]\n" + member() + instrument(), "engine.cpus[1]", "cpus",
       "CPU 1 is given to two shards");
  fail("[engine]\nshards = 1\ncpus = [-1]\n" + member() + instrument(), "engine.cpus[0]", "cpus",
       "expected a CPU number");
}

TEST_F(ConfigTest, BadEnumValues) {
  fail("[wal]\nsync = \"sometimes\"\n" + member() + instrument(), "wal.sync", "sync",
       "\"sometimes\" is not one of \"group\", \"async\", \"none\"");
  EXPECT_EQ(load("[dedup]\nbackend = \"off\"\n" + member() + instrument()).dedup.backend,
            dedup::Backend::Off);
  fail("[dedup]\nbackend = \"memcached\"\n" + member() + instrument(), "dedup.backend", "backend",
       "is not one of");
  fail("[log]\nlevel = \"warning\"\n" + member() + instrument(), "log.level", "level",
       "is not one of");
  fail(member("M1", "stp = \"cancel\"") + instrument(), "members[0].stp", "stp",
       "is not one of \"none\"");
}

TEST_F(ConfigTest, ListenAddress) {
  auto listen = [](const std::string& addr) {
    return "[gateway]\nlisten = \"" + addr + "\"\n" + member() + instrument();
  };
  EXPECT_EQ(load(listen("0.0.0.0:1")).gateway.listen_port, 1);
  EXPECT_EQ(load(listen("exchange-gw.example.com:65535")).gateway.listen_host,
            "exchange-gw.example.com");
  EXPECT_EQ(load(listen("localhost:9878")).gateway.listen_host, "localhost");
  EXPECT_EQ(load(listen("[::]:9878")).gateway.listen_host, "::");
  fail(listen("127.0.0.1"), "gateway.listen", "listen", "expected \"host:port\"");
  fail(listen("127.0.0.1:0"), "gateway.listen", "listen", "port must be");
  fail(listen("127.0.0.1:65536"), "gateway.listen", "listen", "port must be");
  fail(listen("127.0.0.1:http"), "gateway.listen", "listen", "port must be");
  fail(listen("1.2.3.999:80"), "gateway.listen", "listen", "bad IPv4 address");
  fail(listen("::1:80"), "gateway.listen", "listen", "need brackets");
  fail(listen("[::g]:80"), "gateway.listen", "listen", "bad IPv6 address");
  fail(listen(":80"), "gateway.listen", "listen", "host missing");
  fail(listen("bad_host:80"), "gateway.listen", "listen", "bad host name");
}

TEST_F(ConfigTest, IdentifiersAndHashes) {
  fail(member("M 1") + instrument(), "members[0].comp_id", "comp_id", "printable");
  fail(member(std::string(33, 'X')) + instrument(), "members[0].comp_id", "comp_id",
       "longer than 32");
  fail(member() + instrument(""), "instruments[0].symbol", "symbol", "must not be empty");
  fail(replaced(member() + instrument(), kHash, "plaintext"), "members[0].password_hash",
       "password_hash", "");
  fail(replaced(member() + instrument(), "accounts = [\"A\"]", "accounts = []"),
       "members[0].accounts", "accounts", "at least one account");
  fail(replaced(member() + instrument(), "accounts = [\"A\"]", "accounts = [\"\"]"),
       "members[0].accounts[0]", "accounts", "must not be empty");
}

TEST_F(ConfigTest, SyntaxAndFileErrors) {
  fail("[gateway]\nlisten = 127.0.0.1:9878\n", "", "listen", "TOML syntax error");
  fail("[gateway]\nlisten = \"a:1\"\nlisten = \"b:2\"\n", "", "listen = \"b", "TOML syntax error");
  EXPECT_THROW(app::load_config(dir_ / "missing.toml"), app::ConfigError);
  try {
    app::load_config(dir_);
  } catch (const app::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos);
  }
}

TEST_F(ConfigTest, ShardAssignmentIsStable) {
  const auto a = load("[engine]\nshards = 8\n" + member() + instrument("ACME") +
                      instrument("GLOBX") + instrument("BOND10Y"));
  const auto b =
      load("[engine]\nshards = 8\n" + member() + instrument("NEW1") + instrument("BOND10Y") +
           instrument("NEW2") + instrument("ACME") + instrument("GLOBX"));
  auto shard_of = [](const app::Config& c, const std::string& symbol) {
    for (const auto& i : c.instruments) {
      if (i.symbol == symbol) return i.shard;
    }
    return std::size_t{999};
  };
  for (const char* s : {"ACME", "GLOBX", "BOND10Y"}) {
    EXPECT_EQ(shard_of(a, s), shard_of(b, s)) << s;
    EXPECT_EQ(shard_of(a, s), app::fnv1a64(s) % 8) << s;
  }
  // Reference values of FNV-1a-64, so the rule can be reproduced elsewhere.
  EXPECT_EQ(app::fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(app::fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(app::fnv1a64("ACME"), 0x9a6e148ba8e1eecfULL);
  std::size_t total = 0;
  for (std::size_t s = 0; s < 8; ++s) {
    const auto specs = app::instrument_specs_of_shard(b, s);
    const auto idx = app::instruments_of_shard(b, s);
    ASSERT_EQ(specs.size(), idx.size());
    for (std::size_t k = 0; k < idx.size(); ++k) {
      EXPECT_EQ(specs[k].symbol, b.instruments[idx[k]].symbol);
      if (k > 0) {
        EXPECT_LT(idx[k - 1], idx[k]);  // file order within a shard
      }
    }
    total += idx.size();
  }
  EXPECT_EQ(total, 5U);
}

}  // namespace
