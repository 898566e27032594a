#include "report_commands.hpp"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "matchgate/app/config.hpp"
#include "matchgate/clearing/settlement_report.hpp"

namespace matchgate::tools {

namespace {

namespace mc = matchgate::clearing;

// The clearing names and carry-over of a daemon config.
// The config's clearing view: names, carry flags, fee rates, as the daemon
// has them.
mc::ClearingOptions clearing_options_of(const app::Config& config) {
  return config.gateway.network.clearing;
}

struct ReportArgs {
  std::string config;
  std::int32_t date = 0;
  std::uint64_t through = 0;
  std::string out;
  std::string compare;
};

void print_lines(const std::vector<std::string>& lines) {
  for (const std::string& l : lines) std::printf("  %s\n", l.c_str());
}

int run_report(const ReportArgs& a) {
  const app::Config config = app::load_config(a.config);
  const mc::ClearingOptions options = clearing_options_of(config);
  const crypto::Sm2PrivateKey key = crypto::Sm2PrivateKey::load_pem(config.gateway.sign_key);
  const crypto::Sm2PublicKey pub = key.public_key();
  const std::string& sm2_id = config.gateway.wal.sm2_id;
  const mc::LogSource log{config.gateway.wal.dir, &pub, sm2_id};
  const std::optional<std::uint64_t> through =
      a.through != 0 ? std::optional<std::uint64_t>(a.through) : std::nullopt;
  const std::int32_t date = a.date != 0 ? a.date : mc::last_closed_business_date(log, through);
  const mc::SettlementReport report = mc::build_settlement_report(log, options, date, through);
  const std::filesystem::path dir = mc::write_report(
      a.out, report, options, key, mc::ManifestInfo{mc::report_software(), sm2_id});
  std::printf("wrote %s: business date %d, close record %llu, %zu trade records\n", dir.c_str(),
              date, static_cast<unsigned long long>(report.close_seq), report.trades.size());
  if (a.compare.empty()) return 0;
  const std::vector<std::string> diffs = mc::compare_reports(a.compare, dir);
  if (diffs.empty()) {
    std::printf("byte-identical to %s (manifest.sig aside: SM2 signatures are randomized)\n",
                a.compare.c_str());
    return 0;
  }
  std::printf("differs from %s:\n", a.compare.c_str());
  print_lines(diffs);
  return 1;
}

int run_verify(const std::string& dir, const std::string& pubkey, const std::string& sm2_id) {
  const crypto::Sm2PublicKey key = crypto::Sm2PublicKey::load_pem(pubkey);
  const std::vector<std::string> problems = mc::verify_report(dir, key, sm2_id);
  if (problems.empty()) {
    std::printf("%s: verified (signature, and every file's size and SM3)\n", dir.c_str());
    return 0;
  }
  std::printf("%s: NOT VERIFIED\n", dir.c_str());
  print_lines(problems);
  return 1;
}

// Runs `body`, turning an exception into a message and exit status 1.
template <typename Body>
void guarded(int& exit_code, Body body) {
  try {
    exit_code = body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "matchgate-clearing: %s\n", e.what());
    exit_code = 1;
  }
}

}  // namespace

void add_report_commands(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* report = app.add_subcommand(
      "report", "Regenerate a business date's signed settlement report from the log");
  report->add_option("--config", args->config, "The daemon's config file")->required();
  report->add_option("--date", args->date, "Business date, yyyymmdd (default: the last closed)");
  report->add_option("--through", args->through,
                     "Cover the last close at or before this record (an earlier close)");
  report->add_option("--out", args->out, "Directory to write <yyyymmdd>/ into")->required();
  report->add_option("--compare", args->compare,
                     "An existing report directory: say whether the new one is byte-identical");
  report->callback([args, &exit_code] { guarded(exit_code, [&] { return run_report(*args); }); });

  auto dir = std::make_shared<std::string>();
  auto pubkey = std::make_shared<std::string>();
  auto sm2_id = std::make_shared<std::string>(crypto::kDefaultSm2Id);
  CLI::App* verify = app.add_subcommand(
      "verify", "Check a report directory's signature, files, sizes and SM3 hashes");
  verify->add_option("dir", *dir, "The report directory (<report_dir>/<yyyymmdd>)")->required();
  verify->add_option("--pubkey", *pubkey, "The log's public key (PEM)")->required();
  verify->add_option("--sm2-id", *sm2_id, "SM2 distinguishing ID of the signer");
  verify->callback(
      [=, &exit_code] { guarded(exit_code, [&] { return run_verify(*dir, *pubkey, *sm2_id); }); });
}

}  // namespace matchgate::tools
