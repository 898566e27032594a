#include "load_command.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>

#include "matchgate/app/config.hpp"
#include "pg_connection.hpp"
#include "trade_loader.hpp"

namespace matchgate::clearing_load {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct LoadArgs {
  std::string config;
  std::string dir;
  std::string pubkey;
  std::string sm2_id;
  std::string db;
  bool follow = false;
  int poll_ms = 200;
  std::size_t batch = 1000;
};

std::atomic<bool> g_stop{false};

extern "C" void request_stop(int) {
  g_stop.store(true);
}

// The names clearing prints, from the daemon's own config loader.
// The config's clearing view: names, carry flags, fee rates, as the daemon
// has them.
clearing::ClearingOptions names_of(const app::Config& config) {
  return config.gateway.network.clearing;
}

// --config gives the log directory, the SM2 ID, the names and (unless
// --pubkey says otherwise) the public half of the daemon's sealing key;
// --dir and --sm2-id override the config's.
LoadSettings settings_of(const LoadArgs& a) {
  LoadSettings s;
  s.conninfo = a.db;
  s.follow = a.follow;
  s.poll = std::chrono::milliseconds(a.poll_ms);
  s.batch_trades = a.batch;
  s.pubkey = a.pubkey;
  if (!a.config.empty()) {
    const app::Config config = app::load_config(a.config);
    s.wal_dir = config.gateway.wal.dir;
    s.sm2_id = config.gateway.wal.sm2_id;
    s.names = names_of(config);
    s.sign_key = config.gateway.sign_key;
  }
  if (!a.dir.empty()) s.wal_dir = a.dir;
  if (!a.sm2_id.empty()) s.sm2_id = a.sm2_id;
  if (const char* hook = std::getenv("MATCHGATE_CLEARING_PAUSE_IN_BATCH")) {
    s.pause_in_batch = std::atoi(hook);
  }
  s.stop = &g_stop;
  s.note = [](const std::string& line) {
    std::fprintf(stderr, "matchgate-clearing: %s\n", line.c_str());
  };
  return s;
}

int run(const LoadArgs& a) {
  if (a.config.empty() && (a.dir.empty() || a.pubkey.empty())) {
    std::fprintf(stderr, "matchgate-clearing load: give --config, or --dir and --pubkey\n");
    return kExitUsage;
  }
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  try {
    run_load(settings_of(a));
    return kExitOk;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "matchgate-clearing load: %s\n", e.what());
    return kExitFailed;
  }
}

}  // namespace

void add_load_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<LoadArgs>();
  CLI::App* load = app.add_subcommand(
      "load", "Load the log's Trade records into PostgreSQL, exactly once by sequence number");
  load->add_option("--config", args->config,
                   "matchgated's config: log directory, SM2 ID, names (and its key's public half)");
  load->add_option("--dir", args->dir, "log directory (overrides the config's)");
  load->add_option("--pubkey", args->pubkey,
                   "SM2 public key (PEM) the log's seals are checked with");
  load->add_option("--sm2-id", args->sm2_id,
                   "SM2 distinguishing ID (default the config's, else 1234567812345678)");
  load->add_option("--db", args->db,
                   "libpq connection string, e.g. \"host=/run/postgresql dbname=clearing\"")
      ->required();
  load->add_flag("--follow", args->follow,
                 "keep polling the log for new records until SIGINT/SIGTERM");
  load->add_option("--poll-ms", args->poll_ms, "--follow: milliseconds between scans (default 200)")
      ->check(CLI::Range(1, 3'600'000));
  load->add_option("--batch", args->batch, "trades per transaction (default 1000)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  load->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace matchgate::clearing_load
