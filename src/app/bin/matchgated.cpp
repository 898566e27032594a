// matchgated: the exchange gateway daemon.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "matchgate/app/config.hpp"
#include "matchgate/app/startup_check.hpp"
#include "matchgate/gateway/gateway.hpp"
#include "matchgate/ops/logging.hpp"
#include "matchgate/risk/trading_schedule.hpp"
#include "matchgate/wal/file_io.hpp"
#include "matchgate/wal/journaling_file_io.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitConfig = 1;  // config invalid, or the environment refuses it
constexpr int kExitUsage = 2;   // bad command line

namespace app = matchgate::app;
namespace ops = matchgate::ops;

// Startup failures go to the log and, when the log is a file, to stderr too,
// so whoever started the daemon sees why it stopped.
template <class... Args>
void fatal(const app::Config& config, fmt::format_string<Args...> format, Args&&... args) {
  const std::string message = fmt::format(format, std::forward<Args>(args)...);
  spdlog::critical("{}", message);
  if (config.log.file) std::fprintf(stderr, "matchgated: %s\n", message.c_str());
}

// check_startable()'s refusal, if any: the same text --check-config prints.
std::optional<app::ConfigError> startup_refusal(const app::Config& config) {
  try {
    app::check_startable(config);
  } catch (const app::ConfigError& e) {
    return e;
  }
  return std::nullopt;
}

// Logging as the config says; nullptr (reported on stderr) if it cannot start.
std::unique_ptr<ops::LoggingScope> start_logging(const app::Config& config,
                                                 const std::string& level_override) {
  ops::LogOptions log_options = config.log;
  if (!level_override.empty()) log_options.level = *ops::parse_log_level(level_override);
  try {
    return std::make_unique<ops::LoggingScope>(log_options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "matchgated: %s: log.file: %s\n", config.source.string().c_str(),
                 e.what());
    return nullptr;
  }
}

// What the start does before the gateway reads the log: refuse what
// check_startable() refused, warn about settings not acted on, create the
// WAL directory. False if the daemon must not start.
bool prepare_environment(const app::Config& config,
                         const std::optional<app::ConfigError>& refusal) {
  if (refusal) {
    fatal(config, "{}", refusal->what());
    return false;
  }
  // check_startable() found that it can be created; creating it can still
  // fail if the file system changed since.
  std::error_code ec;
  const std::filesystem::path& wal_dir = config.gateway.wal.dir;
  std::filesystem::create_directories(wal_dir, ec);
  if (ec) {
    fatal(config, "{}",
          app::ConfigError(config.source.string(), 0, 0, "wal.dir",
                           "cannot create directory " + wal_dir.string() + ": " + ec.message())
              .what());
    return false;
  }
  return true;
}

void log_configuration(const app::Config& config, const matchgate::gateway::Gateway& gateway) {
  const matchgate::gateway::GatewayOptions& g = config.gateway;
  const matchgate::gateway::DedupOptions& dedup = g.network.dedup;
  spdlog::info(
      "gateway listening on {}:{} ({} backend), comp_id {}; {} members; wal {} (sync {}); "
      "dedup {} ttl {}s{}",
      g.network.server.host, gateway.port(), matchgate::net::to_string(gateway.network().backend()),
      g.network.comp_id, config.members.size(), g.wal.dir.string(),
      matchgate::wal::to_string(g.wal.sync), matchgate::dedup::to_string(dedup.backend),
      dedup.ttl.count(),
      dedup.backend == matchgate::dedup::Backend::Redis
          ? fmt::format(" redis {}:{} prefix \"{}\"", dedup.redis.host, dedup.redis.port,
                        dedup.redis.prefix)
          : fmt::format(" max_keys {}", dedup.max_keys));
  for (std::size_t shard = 0; shard < g.shards.size(); ++shard) {
    std::string symbols;
    for (const matchgate::engine::InstrumentSpec& instrument : g.shards[shard].instruments) {
      if (!symbols.empty()) symbols += ' ';
      symbols += instrument.symbol;
    }
    const int cpu = g.shards[shard].cpu;
    spdlog::info("shard {} ({}, max_orders {}): {}", shard,
                 cpu < 0 ? "unpinned" : "cpu " + std::to_string(cpu), g.max_orders_per_shard,
                 symbols.empty() ? "(no instruments)" : symbols);
  }
}

// Runs until SIGINT/SIGTERM or a failed agent thread; returns the exit status.
int serve(const app::Config& config, matchgate::gateway::Gateway& gateway,
          const sigset_t& stop_signals) {
  gateway.start();
  spdlog::info("ready; SIGINT or SIGTERM stops the daemon");
  // Wake up now and then to notice a failed agent thread.
  int exit_code = kExitOk;
  while (true) {
    const timespec period{0, 200'000'000};
    const int signal = sigtimedwait(&stop_signals, nullptr, &period);
    if (signal == SIGINT || signal == SIGTERM) {
      spdlog::info("received {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    if (const std::string failure = gateway.failure(); !failure.empty()) {
      fatal(config, "agent thread failed: {}; shutting down", failure);
      exit_code = kExitConfig;
      break;
    }
  }
  gateway.stop();
  spdlog::info("stopped");
  return exit_code;
}

// The log's test hooks, never for production (docs/WAL.md 6.8 and 12):
// MATCHGATE_TEST_POWER_JOURNAL journals what a power cut could undo,
// MATCHGATE_TEST_WAL_FAULT makes the log's Nth pwrite or fdatasync of this
// run fail (on top of the journal when both are set). Neither set: the log
// keeps the POSIX calls, nothing here is created.
struct TestFileIo {
  std::optional<matchgate::wal::JournalingFileIo> journal;
  std::optional<matchgate::wal::FailingFileIo> fault;
};

bool install_test_hooks(matchgate::wal::WalOptions& wal, TestFileIo& io) {
  matchgate::wal::FileIo* file_io = &matchgate::wal::posix_file_io();
  if (const char* spec = std::getenv("MATCHGATE_TEST_POWER_JOURNAL")) {
    std::filesystem::path journal;
    std::chrono::microseconds sync_delay{};
    if (!matchgate::wal::parse_power_journal_hook(spec, journal, sync_delay)) {
      spdlog::critical("MATCHGATE_TEST_POWER_JOURNAL={}: expected PATH or PATH:SYNC_DELAY_US",
                       spec);
      return false;
    }
    spdlog::warn("test hook MATCHGATE_TEST_POWER_JOURNAL={}: the log's writes are journaled", spec);
    io.journal.emplace(*file_io, journal, sync_delay);
    file_io = &*io.journal;
  }
  if (const char* spec = std::getenv("MATCHGATE_TEST_WAL_FAULT")) {
    matchgate::wal::FaultHook hook;
    if (!matchgate::wal::parse_fault_hook(spec, hook)) {
      spdlog::critical("MATCHGATE_TEST_WAL_FAULT={}: expected pwrite|fdatasync:N:EIO|ENOSPC", spec);
      return false;
    }
    spdlog::warn("test hook MATCHGATE_TEST_WAL_FAULT={}: the log will fail on purpose", spec);
    io.fault.emplace(*file_io, hook);
    file_io = &*io.fault;
  }
  if (file_io != &matchgate::wal::posix_file_io()) wal.file_io = file_io;
  return true;
}

int run(const app::Config& config, const std::string& level_override) {
  // Blocked before any thread exists (the log worker included), so every
  // thread inherits the mask and only sigwait() below sees the signals.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (int rc = pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr); rc != 0) {
    std::fprintf(stderr, "matchgated: cannot block signals: %s\n", std::strerror(rc));
    return kExitConfig;
  }

  // The trading day's zone (checked at load) is the process zone: setenv is
  // not thread-safe, so before the log worker or any other thread exists.
  if (config.gateway.network.schedule.enabled)
    matchgate::risk::set_process_time_zone(config.gateway.network.schedule.time_zone);

  // The same checks as --check-config, before anything is created.
  const std::optional<app::ConfigError> refusal = startup_refusal(config);
  if (refusal && refusal->key() == "log.file") {
    std::fprintf(stderr, "matchgated: %s\n", refusal->what());  // no log to write it to
    return kExitConfig;
  }
  const std::unique_ptr<ops::LoggingScope> logging = start_logging(config, level_override);
  if (!logging) return kExitConfig;
  spdlog::info("matchgated {} starting: config {}", MATCHGATE_VERSION, config.source.string());
  if (!prepare_environment(config, refusal)) return kExitConfig;

  matchgate::gateway::GatewayOptions options = config.gateway;
  options.wal.software = std::string("matchgated ") + MATCHGATE_VERSION;
  // Test hooks, never for production. Outlive the gateway (declared first).
  TestFileIo test_io;
  if (!install_test_hooks(options.wal, test_io)) return kExitConfig;
  matchgate::gateway::Gateway gateway(std::move(options));
  log_configuration(config, gateway);
  return serve(config, gateway, stop_signals);
}

// --check-config: everything the start checks before it reads the log.
int check_config(const app::Config& config) {
  if (const std::optional<app::ConfigError> refusal = startup_refusal(config)) {
    std::fprintf(stderr, "%s\n", refusal->what());
    return kExitConfig;
  }
  std::printf("config OK: %zu members, %zu instruments, %zu shards\n", config.members.size(),
              config.instruments.size(), config.gateway.shards.size());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{
      "matchgated: exchange order-matching and clearing gateway daemon.\n"
      "FIX 4.4 members connect over TCP; orders are matched by per-core engine shards.",
      "matchgated"};
  std::string config_path;
  bool check_only = false;
  std::string level_override;
  cli.add_option("-c,--config", config_path,
                 "Configuration file, TOML (required; every key is described in docs/CONFIG.md)")
      ->required()
      ->option_text("PATH");
  cli.add_flag(
      "--check-config", check_only,
      "Check the configuration and what the start needs from this machine before it reads the "
      "log (log file, WAL directory, signing key) without creating anything; print a one-line "
      "summary and exit 0, or the first problem (file[:line:col]: key: problem) and exit 1. "
      "Settings accepted but not enforced are warned about on stderr. The log itself (damage, "
      "seals, snapshots) is not read: check it with `matchgate-wal verify`");
  cli.add_option("--log-level", level_override,
                 "Log level, overriding [log] level of the config: trace, debug, info, warn, "
                 "error, critical or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->option_text("LEVEL");
  cli.set_version_flag("--version", std::string("matchgated ") + MATCHGATE_VERSION,
                       "Print the version and exit");
  cli.footer(
      "Exit status: 0 clean shutdown (SIGINT/SIGTERM) or a config that passed --check-config, 1 "
      "invalid config or startup failure, 2 usage error.\nRelative paths in the config (wal.dir, "
      "log.file, admin.socket) are relative to the "
      "working directory.");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return cli.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    cli.exit(e);
    return kExitUsage;
  }

  app::Config config;
  try {
    config = app::load_config(config_path);
  } catch (const app::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kExitConfig;
  }

  if (check_only) return check_config(config);
  try {
    return run(config, level_override);
  } catch (const std::exception& e) {
    // Anything thrown while starting (e.g. an allocation for the order pool)
    // is fatal; report it rather than abort with a core.
    std::fprintf(stderr, "matchgated: startup failed: %s\n", e.what());
    ops::shutdown_logging();
    return kExitConfig;
  }
}
