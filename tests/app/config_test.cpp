#include "matchgate/app/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

#include "matchgate/crypto/password_hash.hpp"

namespace {

namespace app = matchgate::app;
namespace engine = matchgate::engine;
namespace fix = matchgate::fix;
namespace gateway = matchgate::gateway;
namespace net = matchgate::net;
namespace util = matchgate::util;
namespace wal = matchgate::wal;
namespace dedup = matchgate::dedup;
using engine::kPriceScale;
using namespace std::chrono_literals;

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
    auto path = dir_ / "matchgate.toml";
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
  EXPECT_EQ(config.gateway.network.server.host, "127.0.0.1");
  EXPECT_EQ(config.gateway.network.server.port, 9878);
  EXPECT_EQ(config.gateway.shards.size(), 2U);
  ASSERT_EQ(config.members.size(), 2U);
  EXPECT_EQ(config.members[0].comp_id, "MEMBER1");
  EXPECT_EQ(config.members[1].comp_id, "MEMBER2");
  EXPECT_TRUE(matchgate::crypto::verify_password("demo-pass-1", config.members[0].password_hash));
  EXPECT_TRUE(matchgate::crypto::verify_password("demo-pass-2", config.members[1].password_hash));
  EXPECT_EQ(config.members[0].stp, engine::StpMode::CancelResting);
  EXPECT_EQ(config.members[0].limits.credit_limit, 1'000'000 * kPriceScale);
  EXPECT_EQ(config.members[1].stp, engine::StpMode::None);
  EXPECT_FALSE(config.members[1].cancel_on_disconnect);
  EXPECT_EQ(config.members[1].limits.credit_limit, matchgate::risk::kNoLimit);

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
  for (std::size_t s = 0; s < config.gateway.shards.size(); ++s)
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
  const gateway::NetworkOptions defaults;
  EXPECT_EQ(config.gateway.network.timestamps, defaults.timestamps);
  EXPECT_EQ(config.gateway.network.field_validation, defaults.field_validation);
  EXPECT_EQ(config.gateway.network.max_sending_time_skew, defaults.max_sending_time_skew);
}

// Every optional key at the default docs/CONFIG.md gives it. The defaults
// live in the modules' options structs: this is what keeps a change there
// from changing what an existing config file means.
TEST_F(ConfigTest, DefaultsOfOptionalKeys) {
  const auto config = load(member() + instrument());
  const gateway::GatewayOptions& g = config.gateway;
  const gateway::NetworkOptions& n = g.network;
  EXPECT_EQ(n.server.host, "127.0.0.1");
  EXPECT_EQ(n.server.port, 9878);
  EXPECT_EQ(n.comp_id, "MATCHGATE");
  EXPECT_EQ(n.backend, net::Backend::Auto);
  EXPECT_EQ(n.server.max_connections, 1000U);
  EXPECT_EQ(n.server.max_message_bytes, 8192U);
  EXPECT_EQ(n.server.max_output_bytes, 4U << 20);
  EXPECT_EQ(n.max_records, 1U << 20);
  EXPECT_EQ(n.resend_buffer_bytes, 64U << 20);
  EXPECT_TRUE(n.resend_buffer_prefault);
  EXPECT_EQ(g.network_cpu, -1);
  EXPECT_EQ(n.timestamps, fix::TimePrecision::Millis);
  EXPECT_EQ(n.field_validation, fix::FieldValidation::Strict);
  EXPECT_EQ(n.max_sending_time_skew, 120s);

  ASSERT_EQ(g.shards.size(), 1U);
  EXPECT_EQ(g.shards[0].cpu, -1);
  EXPECT_EQ(g.max_orders_per_shard, 1'048'576U);
  EXPECT_EQ(g.idle, util::IdleMode::Wait);
  EXPECT_EQ(g.idle_spin, 10us);
  EXPECT_EQ(g.ring_capacity, 65536U);

  EXPECT_EQ(g.wal.dir, "var/wal");
  EXPECT_EQ(g.wal.sync, wal::SyncMode::Group);
  EXPECT_EQ(g.wal.group_commit, 0us);
  EXPECT_EQ(g.wal.group_commit_bytes, 1U << 20);
  EXPECT_EQ(g.wal.hold_for_reports, 100us);
  EXPECT_EQ(g.wal.segment_bytes, 64U << 20);
  EXPECT_EQ(g.wal.seal_interval, 10ms);
  EXPECT_TRUE(g.sign_key.empty());
  EXPECT_EQ(g.wal.sm2_id, "1234567812345678");
  EXPECT_EQ(g.snapshots.interval, 300s);
  EXPECT_EQ(g.snapshots.every_records, 2'000'000U);
  EXPECT_EQ(g.snapshots.min_interval, 60s);
  EXPECT_EQ(g.snapshots.keep, 2U);
  EXPECT_FALSE(g.snapshots.remove_covered_segments);

  EXPECT_EQ(n.dedup.backend, dedup::Backend::Embedded);
  EXPECT_EQ(n.dedup.ttl, 1800s);
  EXPECT_EQ(n.dedup.max_keys, 1U << 20);
  EXPECT_EQ(n.dedup.redis.host, "127.0.0.1");
  EXPECT_EQ(n.dedup.redis.port, 6379);
  EXPECT_EQ(n.dedup.redis.prefix, "matchgate:dedup:");
  EXPECT_EQ(n.dedup.redis.timeout, 50ms);

  EXPECT_EQ(config.log.level, spdlog::level::info);
  EXPECT_FALSE(config.log.file.has_value());
  EXPECT_EQ(config.members[0].stp, engine::StpMode::None);
  EXPECT_FALSE(config.members[0].cancel_on_disconnect);
  EXPECT_EQ(config.instruments[0].shard, 0U);
  EXPECT_FALSE(config.instruments[0].shard_explicit);
}

TEST_F(ConfigTest, GatewayFixSessionKeys) {
  const auto gateway = [&](const std::string& lines) {
    return "[gateway]\n" + lines + "\n" + member() + instrument();
  };
  const auto set =
      load(gateway("timestamp_precision = \"micros\"\nfield_validation = \"relaxed\"\n"
                   "max_sending_time_skew_s = 86400"));
  EXPECT_EQ(set.gateway.network.timestamps, fix::TimePrecision::Micros);
  EXPECT_EQ(set.gateway.network.field_validation, fix::FieldValidation::Relaxed);
  EXPECT_EQ(set.gateway.network.max_sending_time_skew, 86'400s);
  const auto defaults =
      load(gateway("timestamp_precision = \"millis\"\nfield_validation = \"strict\"\n"
                   "max_sending_time_skew_s = 1"));
  EXPECT_EQ(defaults.gateway.network.timestamps, fix::TimePrecision::Millis);
  EXPECT_EQ(defaults.gateway.network.field_validation, fix::FieldValidation::Strict);
  EXPECT_EQ(defaults.gateway.network.max_sending_time_skew, 1s);
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

// Every key of the module sections set to something other than its
// default: each value must arrive, in its unit, in the options the gateway
// is built from.
TEST_F(ConfigTest, EveryKeyReachesTheModuleOptions) {
  const auto config = load(
      "[gateway]\nlisten = \"[::1]:7000\"\ncomp_id = \"EXCH\"\nbackend = \"asio\"\n"
      "max_sessions = 12\nmax_message_bytes = 1024\nmax_output_bytes = 131072\n"
      "max_tracked_orders = 2048\nresend_buffer_bytes = 2097152\nresend_buffer_prefault = false\n"
      "cpu = 3\n"
      "timestamp_precision = \"micros\"\nfield_validation = \"relaxed\"\n"
      "max_sending_time_skew_s = 30\n"
      "[engine]\nshards = 3\ncpus = [4, 5, 6]\nmax_orders = 1000\nidle = \"spin\"\n"
      "idle_spin_us = 7\nring_capacity = 128\n"
      "[wal]\ndir = \"/tmp/x\"\nsync = \"none\"\ngroup_commit_us = 250\n"
      "group_commit_bytes = 8192\nhold_for_reports_us = 40\nsegment_mb = 3\n"
      "seal_interval_ms = 20\nsign_key = \"k.pem\"\nsm2_id = \"ALICE\"\n"
      "snapshot_interval_s = 60\nsnapshot_every_records = 5000\nsnapshot_min_interval_s = 15\n"
      "keep_snapshots = 4\n"
      "delete_covered_segments = true\n"
      "[dedup]\nbackend = \"redis\"\nttl_s = 60\nmax_keys = 4096\nredis_host = \"::1\"\n"
      "redis_port = 7379\nredis_prefix = \"mg:\"\nredis_timeout_ms = 20\n"
      "[log]\nlevel = \"warn\"\nfile = \"x.log\"\n" +
      member("M1", "stp = \"cancel_both\"\ncancel_on_disconnect = true\ncredit_limit = \"0\"") +
      instrument("ACME", "shard = 2"));
  const gateway::GatewayOptions& g = config.gateway;
  const gateway::NetworkOptions& n = g.network;
  EXPECT_EQ(n.server.host, "::1");
  EXPECT_EQ(n.server.port, 7000);
  EXPECT_EQ(n.comp_id, "EXCH");
  EXPECT_EQ(n.backend, net::Backend::Asio);
  EXPECT_EQ(n.server.max_connections, 12U);
  EXPECT_EQ(n.server.max_message_bytes, 1024U);
  EXPECT_EQ(n.server.max_output_bytes, 131072U);
  EXPECT_EQ(n.max_records, 2048U);
  EXPECT_EQ(n.resend_buffer_bytes, 2097152U);
  EXPECT_FALSE(n.resend_buffer_prefault);
  EXPECT_EQ(g.network_cpu, 3);
  EXPECT_EQ(n.timestamps, fix::TimePrecision::Micros);
  EXPECT_EQ(n.field_validation, fix::FieldValidation::Relaxed);
  EXPECT_EQ(n.max_sending_time_skew, 30s);

  ASSERT_EQ(g.shards.size(), 3U);
  EXPECT_EQ(g.shards[0].cpu, 4);
  EXPECT_EQ(g.shards[1].cpu, 5);
  EXPECT_EQ(g.shards[2].cpu, 6);
  EXPECT_EQ(g.max_orders_per_shard, 1000U);
  EXPECT_EQ(g.idle, util::IdleMode::Spin);
  EXPECT_EQ(g.idle_spin, 7us);
  EXPECT_EQ(g.ring_capacity, 128U);

  EXPECT_EQ(g.wal.dir, "/tmp/x");
  EXPECT_EQ(g.wal.sync, wal::SyncMode::None);
  EXPECT_EQ(g.wal.group_commit, 250us);
  EXPECT_EQ(g.wal.group_commit_bytes, 8192U);
  EXPECT_EQ(g.wal.hold_for_reports, 40us);
  EXPECT_EQ(g.wal.segment_bytes, 3U << 20);
  EXPECT_EQ(g.wal.seal_interval, 20ms);
  EXPECT_EQ(g.sign_key, "k.pem");
  EXPECT_EQ(g.wal.sm2_id, "ALICE");
  EXPECT_EQ(g.snapshots.interval, 60s);
  EXPECT_EQ(g.snapshots.every_records, 5000U);
  EXPECT_EQ(g.snapshots.min_interval, 15s);
  EXPECT_EQ(g.snapshots.keep, 4U);
  EXPECT_TRUE(g.snapshots.remove_covered_segments);

  EXPECT_EQ(n.dedup.backend, dedup::Backend::Redis);
  EXPECT_EQ(n.dedup.ttl, 60s);
  EXPECT_EQ(n.dedup.max_keys, 4096U);
  EXPECT_EQ(n.dedup.redis.host, "::1");
  EXPECT_EQ(n.dedup.redis.port, 7379);
  EXPECT_EQ(n.dedup.redis.prefix, "mg:");
  EXPECT_EQ(n.dedup.redis.timeout, 20ms);

  EXPECT_EQ(config.log.level, spdlog::level::warn);
  EXPECT_EQ(config.log.file, std::filesystem::path("x.log"));
  EXPECT_EQ(config.members[0].stp, engine::StpMode::CancelBoth);
  EXPECT_TRUE(config.members[0].cancel_on_disconnect);
  EXPECT_EQ(config.members[0].limits.credit_limit, 0);
  EXPECT_EQ(config.instruments[0].shard, 2U);
  EXPECT_EQ(app::instruments_of_shard(config, 2), (std::vector<std::size_t>{0}));
  EXPECT_TRUE(app::instruments_of_shard(config, 0).empty());
}

// Every enum key takes exactly the names of its enum's to_string(), so the
// names in the config, the logs and the docs are one list.
TEST_F(ConfigTest, EnumKeysTakeTheEnumsNames) {
  const auto with = [&](const std::string& section, const std::string& line) {
    return load("[" + section + "]\n" + line + "\n" + member() + instrument());
  };
  for (const net::Backend b : {net::Backend::Auto, net::Backend::IoUring, net::Backend::Asio}) {
    const std::string name(net::to_string(b));
    EXPECT_EQ(with("gateway", "backend = \"" + name + "\"").gateway.network.backend, b) << name;
  }
  for (const util::IdleMode m : {util::IdleMode::Wait, util::IdleMode::Spin}) {
    const std::string name = util::to_string(m);
    EXPECT_EQ(with("engine", "idle = \"" + name + "\"").gateway.idle, m) << name;
  }
  for (const wal::SyncMode m : {wal::SyncMode::Group, wal::SyncMode::Async, wal::SyncMode::None}) {
    const std::string name = wal::to_string(m);
    EXPECT_EQ(with("wal", "sync = \"" + name + "\"").gateway.wal.sync, m) << name;
  }
  EXPECT_STREQ(util::to_string(util::IdleMode::Spin), "spin");
  EXPECT_STREQ(util::to_string(util::IdleMode::Wait), "wait");
  EXPECT_EQ(net::to_string(net::Backend::IoUring), "io_uring");
  fail("[engine]\nidle = \"poll\"\n" + member() + instrument(), "engine.idle", "idle",
       "\"poll\" is not one of \"wait\", \"spin\"");
  fail("[gateway]\nbackend = \"epoll\"\n" + member() + instrument(), "gateway.backend", "backend",
       "\"epoll\" is not one of \"auto\", \"io_uring\", \"asio\"");
}

// The keys of the resend stores' memory and of the snapshot schedule: a
// bad value names its key.
TEST_F(ConfigTest, ResendStoreAndSnapshotScheduleKeys) {
  const auto with = [&](const std::string& section, const std::string& line) {
    return "[" + section + "]\n" + line + "\n" + member() + instrument();
  };
  EXPECT_EQ(load(with("wal", "snapshot_min_interval_s = 0")).gateway.snapshots.min_interval, 0s);
  EXPECT_EQ(load(with("wal", "snapshot_min_interval_s = 604800")).gateway.snapshots.min_interval,
            604'800s);
  fail(with("wal", "snapshot_min_interval_s = -1"), "wal.snapshot_min_interval_s",
       "snapshot_min_interval_s", "expected 0..604800, got -1");
  fail(with("wal", "snapshot_min_interval_s = 604801"), "wal.snapshot_min_interval_s",
       "snapshot_min_interval_s", "expected 0..604800, got 604801");
  fail(with("wal", "snapshot_min_interval_s = \"60\""), "wal.snapshot_min_interval_s",
       "snapshot_min_interval_s", "expected an integer, got a string");
  fail(with("gateway", "resend_buffer_prefault = 1"), "gateway.resend_buffer_prefault",
       "resend_buffer_prefault", "got an integer");
  fail(with("gateway", "resend_buffer_bytes = 1048575"), "gateway.resend_buffer_bytes",
       "resend_buffer_bytes", "expected 1048576..17179869184, got 1048575");
}

// The last step of loading: members and instruments as the gateway needs
// them, each instrument numbered within its shard in file order.
TEST_F(ConfigTest, MembersAndInstrumentsReachTheGateway) {
  const auto config =
      load("[engine]\nshards = 2\n" + member("M1", "stp = \"cancel_resting\"") +
           member("M2", "cancel_on_disconnect = true") + instrument("A", "shard = 1") +
           instrument("B", "shard = 0") + instrument("C", "shard = 1"));
  const gateway::GatewayOptions& g = config.gateway;
  ASSERT_EQ(g.members.size(), 2U);
  EXPECT_EQ(g.members[0].stp, engine::StpMode::CancelResting);
  EXPECT_EQ(g.members[1].stp, engine::StpMode::None);
  ASSERT_EQ(g.network.members.size(), 2U);
  EXPECT_EQ(g.network.members[1].comp_id, "M2");
  EXPECT_EQ(g.network.members[1].password_hash, kHash);
  EXPECT_EQ(g.network.members[1].accounts, std::vector<std::string>{"A"});
  EXPECT_FALSE(g.network.members[0].cancel_on_disconnect);
  EXPECT_TRUE(g.network.members[1].cancel_on_disconnect);

  ASSERT_EQ(g.network.instruments.size(), 3U);
  const auto route = [&](std::size_t i) {
    const gateway::InstrumentRoute& r = g.network.instruments[i];
    return std::tuple(r.symbol, r.shard, r.local_id);
  };
  EXPECT_EQ(route(0), std::tuple(std::string("A"), 1U, engine::InstrumentId{0}));
  EXPECT_EQ(route(1), std::tuple(std::string("B"), 0U, engine::InstrumentId{0}));
  EXPECT_EQ(route(2), std::tuple(std::string("C"), 1U, engine::InstrumentId{1}));
  ASSERT_EQ(g.shards[0].instruments.size(), 1U);
  EXPECT_EQ(g.shards[0].instruments[0].symbol, "B");
  ASSERT_EQ(g.shards[1].instruments.size(), 2U);
  EXPECT_EQ(g.shards[1].instruments[0].symbol, "A");
  EXPECT_EQ(g.shards[1].instruments[1].symbol, "C");
  EXPECT_EQ(g.shards[1].instruments[1].band_low, config.instruments[2].spec.band_low);
}

// A drop-copy session: a [[members]] entry with drop_copy_for and no trading keys.
std::string drop_copy(const std::string& comp_id, const std::string& targets,
                      const std::string& extra = "") {
  return "[[members]]\ncomp_id = \"" + comp_id + "\"\npassword_hash = \"" + kHash +
         "\"\ndrop_copy_for = " + targets + "\n" + extra + "\n";
}

TEST_F(ConfigTest, DropCopySessionsReachTheGateway) {
  const auto config = load(member("M1") + drop_copy("DC", "[\"M2\", \"M1\"]") + member("M2") +
                           drop_copy("DC2", "[\"M2\"]") + instrument());
  ASSERT_EQ(config.members.size(), 4U);
  EXPECT_EQ(config.members[1].drop_copy_for, (std::vector<std::string>{"M2", "M1"}));
  EXPECT_TRUE(config.members[1].accounts.empty());
  const gateway::NetworkOptions& n = config.gateway.network;
  ASSERT_EQ(n.members.size(), 4U);
  EXPECT_EQ(n.members[1].drop_copy_for, (std::vector<engine::MemberId>{2, 0}));
  EXPECT_EQ(n.members[3].drop_copy_for, (std::vector<engine::MemberId>{2}));
  EXPECT_TRUE(n.members[0].drop_copy_for.empty());
  EXPECT_TRUE(n.members[2].drop_copy_for.empty());
}

TEST_F(ConfigTest, DropCopyErrorsNameTheKey) {
  const std::string m1 = member("M1");
  fail(m1 + drop_copy("DC", "[\"M1\", \"M9\"]") + instrument(), "members[1].drop_copy_for[1]",
       "\"M9\"", "unknown comp_id \"M9\"");
  fail(m1 + drop_copy("DC", "[\"DC\"]") + instrument(), "members[1].drop_copy_for[0]", "[\"DC\"]",
       "cannot receive its own reports");
  fail(m1 + drop_copy("DC", "[\"M1\"]") + drop_copy("DC2", "[\"DC\"]") + instrument(),
       "members[2].drop_copy_for[0]", "[\"DC\"]", "\"DC\" is itself a drop-copy session");
  fail(m1 + drop_copy("DC", "[\"M1\", \"M1\"]") + instrument(), "members[1].drop_copy_for[1]",
       "[\"M1\", \"M1\"]", "duplicate comp_id \"M1\"");
  fail(m1 + drop_copy("DC", "[]") + instrument(), "members[1].drop_copy_for", "drop_copy_for",
       "at least one member comp_id");
  fail(m1 + drop_copy("DC", "\"M1\"") + instrument(), "members[1].drop_copy_for", "drop_copy_for",
       "an array of member comp_ids");
  fail(m1 + drop_copy("DC", "[\"M1\"]", "accounts = [\"A\"]") + instrument(), "members[1].accounts",
       "accounts = [\"A\"]", "does not trade", 2);
  fail(m1 + drop_copy("DC", "[\"M1\"]", "credit_limit = \"10\"") + instrument(),
       "members[1].credit_limit", "credit_limit", "does not trade");
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
  EXPECT_EQ(
      load("[dedup]\nbackend = \"off\"\n" + member() + instrument()).gateway.network.dedup.backend,
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
  const auto server = [&](const std::string& addr) {
    return load(listen(addr)).gateway.network.server;
  };
  EXPECT_EQ(server("0.0.0.0:1").port, 1);
  EXPECT_EQ(server("exchange-gw.example.com:65535").host, "exchange-gw.example.com");
  EXPECT_EQ(server("exchange-gw.example.com:65535").port, 65535);
  EXPECT_EQ(server("localhost:9878").host, "localhost");
  EXPECT_EQ(server("[::]:9878").host, "::");
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
    const auto& specs = b.gateway.shards[s].instruments;
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

// [trading_day]: absent, the schedule is disabled (always open, UTC date).
TEST_F(ConfigTest, TradingDayAbsentIsDisabled) {
  const auto config = load(member() + instrument());
  EXPECT_FALSE(config.gateway.network.schedule.enabled);
}

std::string trading_day(const std::string& keys) {
  return "[trading_day]\n" + keys + "\n";
}

TEST_F(ConfigTest, TradingDayKeysReachTheSchedule) {
  const auto config = load(trading_day("time_zone = \"Europe/London\"\npre_open = \"07:50\"\n"
                                       "open = 08:00:00\nclose = \"16:30:15\"\n"
                                       "holidays = [\"2026-12-28\", 2026-12-25]\n"
                                       "trading_days = [\"Sun\", \"Mon\", \"Tue\", \"Wed\"]") +
                           member() + instrument());
  const matchgate::risk::ScheduleOptions& s = config.gateway.network.schedule;
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.time_zone, "Europe/London");
  EXPECT_EQ(s.pre_open_s, 7 * 3600 + 50 * 60);
  EXPECT_EQ(s.open_s, 8 * 3600);
  EXPECT_EQ(s.close_s, 16 * 3600 + 30 * 60 + 15);
  EXPECT_EQ(s.holidays, (std::vector<std::int32_t>{20261225, 20261228}));
  EXPECT_EQ(s.trading_weekdays, (std::array<bool, 7>{true, true, true, true, false, false, false}));
}

TEST_F(ConfigTest, TradingDayDefaults) {
  const auto config = load(trading_day("time_zone = \"UTC\"\nopen = \"09:30\"\nclose = \"16:00\"") +
                           member() + instrument());
  const matchgate::risk::ScheduleOptions& s = config.gateway.network.schedule;
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.pre_open_s, s.open_s);  // no pre-open phase
  EXPECT_TRUE(s.holidays.empty());
  EXPECT_EQ(s.trading_weekdays, matchgate::risk::ScheduleOptions{}.trading_weekdays);  // Mon-Fri
}

// The demo config's commented [trading_day] loads as written.
TEST_F(ConfigTest, BundledCommentedTradingDayLoads) {
  std::ifstream in(std::filesystem::path(MATCHGATE_SOURCE_DIR) / "config/matchgate.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* line : {"[trading_day]", "time_zone = ", "pre_open = ", "open = ", "close = ",
                           "holidays = ", "trading_days = "}) {
    text = replaced(text, std::string("# ") + line, line);
  }
  const auto config = load(text);
  EXPECT_TRUE(config.gateway.network.schedule.enabled);
  EXPECT_EQ(config.gateway.network.schedule.time_zone, "Europe/London");
}

TEST_F(ConfigTest, TradingDayErrors) {
  const std::string rest = member() + instrument();
  const std::string zone = "time_zone = \"Europe/London\"\n";
  const std::string hours = "open = \"08:00\"\nclose = \"16:30\"\n";
  fail(trading_day(hours) + rest, "trading_day.time_zone", "[trading_day]", "missing required key");
  fail(trading_day("time_zone = \"Europe/Londn\"\n" + hours) + rest, "trading_day.time_zone",
       "time_zone", "no zone file");
  fail(trading_day(zone + "close = \"16:30\"") + rest, "trading_day.open", "[trading_day]",
       "missing required key");
  for (const char* bad : {"\"8:00\"", "\"24:00\"", "\"08:60\"", "\"08:00:60\"", "\"0800\""}) {
    fail(trading_day(zone + "open = " + bad + "\nclose = \"16:30\"") + rest, "trading_day.open",
         "open =", "is not a time of day");
  }
  fail(trading_day(zone + "open = 800\nclose = \"16:30\"") + rest, "trading_day.open",
       "open =", "expected a time such as \"09:30\", got an integer");
  fail(trading_day(zone + hours + "pre_open = \"08:00:01\"") + rest, "trading_day.pre_open",
       "pre_open", "08:00:01 is after open 08:00:00");
  fail(trading_day(zone + "open = \"08:00\"\nclose = \"08:00\"") + rest, "trading_day.close",
       "close", "08:00:00 is not after open 08:00:00");
  fail(trading_day(zone + hours + "holidays = [\"2026-12-25\", \"2026-02-29\"]") + rest,
       "trading_day.holidays[1]", "holidays", "not a date \"YYYY-MM-DD\"");
  fail(trading_day(zone + hours + "holidays = [\"2026-12-25\", 2026-12-25]") + rest,
       "trading_day.holidays[1]", "holidays", "duplicate date 20261225");
  fail(trading_day(zone + hours + "holidays = [20261225]") + rest, "trading_day.holidays[0]",
       "holidays", "expected a date \"YYYY-MM-DD\", got an integer");
  fail(trading_day(zone + hours + "trading_days = [\"Mon\", \"Monday\"]") + rest,
       "trading_day.trading_days[1]", "trading_days", "\"Monday\" is not one of \"Sun\"");
  fail(trading_day(zone + hours + "trading_days = [\"Mon\", \"Mon\"]") + rest,
       "trading_day.trading_days[1]", "trading_days", "duplicate day \"Mon\"");
  fail(trading_day(zone + hours + "trading_days = []") + rest, "trading_day.trading_days",
       "trading_days", "at least one trading day");
  fail(trading_day(zone + hours + "holiday = []") + rest, "trading_day.holiday",
       "holiday =", "did you mean \"holidays\"?");
}

}  // namespace

TEST_F(ConfigTest, AdminEndpointKeys) {
  const auto defaults = load(member() + instrument()).gateway.admin;
  EXPECT_EQ(defaults.socket, "var/matchgate-admin.sock");
  EXPECT_EQ(defaults.socket_mode, 0600U);
  const auto set = load("[admin]\nsocket = \"/run/mg/a.sock\"\nsocket_mode = \"0660\"\n" +
                        member() + instrument())
                       .gateway.admin;
  EXPECT_EQ(set.socket, "/run/mg/a.sock");
  EXPECT_EQ(set.socket_mode, 0660U);
  // An empty path: no admin endpoint.
  EXPECT_TRUE(
      load("[admin]\nsocket = \"\"\n" + member() + instrument()).gateway.admin.socket.empty());
  fail("[admin]\nsocket = \"/" + std::string(107, 'x') + "\"\n" + member() + instrument(),
       "admin.socket", "socket", "longer than 107 bytes");
  for (const char* mode : {"60", "0800", "rw", "01600"}) {
    fail(std::string("[admin]\nsocket_mode = \"") + mode + "\"\n" + member() + instrument(),
         "admin.socket_mode", "socket_mode", "octal permission bits");
  }
  fail("[admin]\nsocket_mode = \"0400\"\n" + member() + instrument(), "admin.socket_mode",
       "socket_mode", "the owner needs read and write");
  fail("[admin]\nsocket_mode = 384\n" + member() + instrument(), "admin.socket_mode", "socket_mode",
       "a string");
  fail("[admin]\nsockt = \"x\"\n" + member() + instrument(), "admin.sockt", "sockt",
       "did you mean \"socket\"");
}
