// clearing_load_bench: how fast matchgate-clearing load puts a log's trades
// into PostgreSQL. Writes a log of N Trade records shaped like the daemon's
// (testing::LogShape::DaemonOrders: the OrderRequest and Outbound records
// of the orders before each trade, which the loader checks and hashes
// too), prints its records, bytes and seals per trade, starts a throwaway PostgreSQL server
// (tests/clearing_pg/pg_server.hpp; fsync off, so this measures the
// loader and the server's CPU, not the disk), loads the log in process and
// prints trades/s, the loader's CPU per trade (this process) and the
// server's (the postmaster and all its processes, from /proc).
//
//   clearing_load_bench [--trades N] [--batch N]
#include <sys/resource.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

#include <CLI/CLI.hpp>

#include "clearing_pg/pg_server.hpp"
#include "clearing_pg/trade_log.hpp"
#include "trade_loader.hpp"

namespace {

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// utime, stime, cutime, cstime of /proc/<pid>/stat (fields 14-17) in
// seconds, and the parent's pid (field 4); {-1, 0} for a process gone.
std::pair<int, double> parent_and_cpu(const std::filesystem::path& stat_file) {
  std::ifstream f(stat_file);
  std::string line;
  if (!std::getline(f, line)) return {-1, 0.0};
  // The command name (field 2) may hold spaces: fields after its ')'.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string state;
  int parent = 0;
  rest >> state >> parent;
  std::string skip;
  for (int field = 5; field < 14; ++field) rest >> skip;
  long long ticks[4] = {};
  rest >> ticks[0] >> ticks[1] >> ticks[2] >> ticks[3];
  const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return {parent, static_cast<double>(ticks[0] + ticks[1] + ticks[2] + ticks[3]) / hz};
}

// The PostgreSQL server's CPU so far: the postmaster with its reaped
// children (exited backends), plus its live children.
double server_cpu_seconds(int postmaster) {
  double total = parent_and_cpu("/proc/" + std::to_string(postmaster) + "/stat").second;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto [parent, cpu] = parent_and_cpu(e.path() / "stat");
    if (parent == postmaster) total += cpu;
  }
  return total;
}

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

// What the loader reads per trade, to compare with the daemon's log
// (`matchgate-wal stats` of loader_lag.sh's: 7.05 records, 69.5 bytes per
// record, a seal per ~240 trades at 20,000 trades/s).
void print_log_shape(const matchgate::testing::LogDir& log, std::size_t trades) {
  const matchgate::wal::LogSummary s = matchgate::wal::scan_log(log.dir(), {}).summary;
  const double n = static_cast<double>(trades);
  std::printf("log: %.2f records per trade, %.1f bytes per record, a seal per %.0f trades\n",
              static_cast<double>(s.records) / n,
              static_cast<double>(s.bytes) / static_cast<double>(s.records),
              s.seals > 0 ? n / static_cast<double>(s.seals) : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  namespace mt = matchgate::testing;
  namespace cl = matchgate::clearing_load;
  CLI::App app("clearing_load_bench: matchgate-clearing load throughput into PostgreSQL");
  int days = 4;
  int per_day = 50'000;
  std::size_t batch = 1000;
  app.add_option("--per-day", per_day, "records per business date (default 50000)");
  app.add_option("--days", days, "business dates (default 4)");
  app.add_option("--batch", batch, "trades per transaction (default 1000)");
  CLI11_PARSE(app, argc, argv);

  mt::TradeScript script(mt::sample_names(), 1);
  for (int d = 0; d < days; ++d) script.day(20261118 + d, per_day);
  mt::LogDir log;
  {
    mt::TradeLogWriter w(log, {}, std::uint64_t{64} << 20, mt::LogShape::DaemonOrders);
    for (const auto& r : script.records()) w.append(r);
    w.close();
  }
  print_log_shape(log, script.records().size());
  mt::PgServer server;
  server.create_database("clearing");
  cl::LoadSettings s;
  s.wal_dir = log.dir();
  s.pubkey = log.pub_path();
  s.conninfo = server.conninfo("clearing");
  s.names = mt::sample_names();
  s.batch_trades = batch;

  const int postmaster = server.postmaster_pid();
  const double server_cpu0 = server_cpu_seconds(postmaster);
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  const cl::LoadStats stats = cl::run_load(s);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  // The loader's backend has exited; give the postmaster a moment to reap
  // it, so its CPU is in the postmaster's children's total.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double server_cpu = server_cpu_seconds(postmaster) - server_cpu0;
  const double n = static_cast<double>(stats.trades);
  std::printf(
      "loaded %llu trade records in %llu transactions of %zu: %.2f s, %.0f trades/s; "
      "loader CPU %.2f us/trade (%.2f s); server CPU %.2f us/trade (%.2f s)\n",
      static_cast<unsigned long long>(stats.trades), static_cast<unsigned long long>(stats.batches),
      batch, wall, n / wall, cpu / n * 1e6, cpu, server_cpu / n * 1e6, server_cpu);
  std::printf(
      "scanning thread waited for commits %.2f s; committing thread in transactions %.2f s\n",
      seconds(stats.scanner_waited), seconds(stats.committing));
  return stats.trades == script.records().size() ? 0 : 1;
}
