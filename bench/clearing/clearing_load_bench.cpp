// clearing_load_bench: how fast matchgate-clearing load puts a log's trades
// into PostgreSQL. Writes a log of N Trade records shaped like the daemon's
// (testing::LogShape::DaemonOrders: the OrderRequest and Outbound records
// of the orders before each trade, which the loader checks and hashes
// too), prints its records, bytes and seals per trade, starts a throwaway PostgreSQL server
// (tests/clearing_pg/pg_server.hpp; fsync off, so this measures the
// loader and the server's CPU, not the disk), loads the log in process and
// prints trades/s and the loader's CPU per trade (this process only; the
// server's backend is another process).
//
//   clearing_load_bench [--trades N] [--batch N]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

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

  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  const cl::LoadStats stats = cl::run_load(s);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  const double n = static_cast<double>(stats.trades);
  std::printf(
      "loaded %llu trade records in %llu transactions of %zu: %.2f s, %.0f trades/s; "
      "loader CPU %.2f us/trade (%.2f s)\n",
      static_cast<unsigned long long>(stats.trades), static_cast<unsigned long long>(stats.batches),
      batch, wall, n / wall, cpu / n * 1e6, cpu);
  std::printf(
      "scanning thread waited for commits %.2f s; committing thread in transactions %.2f s\n",
      seconds(stats.scanner_waited), seconds(stats.committing));
  return stats.trades == script.records().size() ? 0 : 1;
}
