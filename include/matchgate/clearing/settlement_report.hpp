#pragma once
// The end-of-day settlement report (docs/CLEARING.md "Settlement reports"):
// for one business date, every member's trades, positions, fees and net
// obligations, computed by reading the log from its first record, tied to
// the log by the sequence number and chain hash of the close it covers, and
// signed with SM2 like the log's seals. Anyone with the log and the public
// key regenerates it byte for byte; anyone with the public key verifies it.
//
// The daemon writes one at each close (write_settlement_report, on a
// background thread once the close record is durable); matchgate-clearing
// regenerates and verifies them.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "matchgate/clearing/clearing_options.hpp"
#include "matchgate/clearing/ledger.hpp"
#include "matchgate/crypto/sm2.hpp"
#include "matchgate/records/trade.hpp"
#include "matchgate/wal/format.hpp"

namespace matchgate::clearing {

// Why a report cannot be built, written or verified; the message says what
// and where.
struct ReportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A Trade record of the business date, where the log has it.
struct ReportTrade {
  std::uint64_t seq = 0;
  std::int64_t time_ns = 0;  // the record's time (UTC ns since the epoch)
  records::TradeRecord record;
};

// One member's settlement totals for the date.
struct MemberCash {
  engine::MemberId member = 0;
  Money fees = 0;  // paid; negative: net rebates
  Money cash = 0;  // to receive (> 0) or pay (< 0), fees included
};

struct SettlementReport {
  std::int32_t business_date = 0;
  // The close (Control record, phase Closed, of business_date) it covers.
  std::uint64_t close_seq = 0;
  std::int64_t close_time_ns = 0;
  // A record inside a block has no chain hash of its own: the chain hash
  // after the block holding the close, and that block's last record.
  std::uint64_t chain_hash_seq = 0;
  wal::Hash chain_hash{};
  std::vector<ReportTrade> trades;  // the date's trades, busts and corrections, in log order
  std::vector<std::pair<PositionKey, Position>> positions;  // (member, account, instrument)
  std::vector<Obligation> obligations;                      // (member, instrument)
  std::vector<MemberCash> members;                          // those with an obligation, by member
  Money fees_collected = 0;                                 // the venue's: sum of every side's fee
};

// Where the log is and how its seals are checked.
struct LogSource {
  std::filesystem::path dir;
  const crypto::Sm2PublicKey* key = nullptr;  // required: the log is verified
  std::string sm2_id = std::string(crypto::kDefaultSm2Id);
};

// Reads the log from record 1 (verifying every block, link and seal),
// books every Trade record in a Ledger, and stops at the last close of
// `business_date` before any record of a later business date (a Trade or
// phase record), at or before record `through` if given. Throws
// ReportError when there is no such close, when segment 1 is gone (the
// whole log is needed), when the log is damaged before the close, or when
// the ledger refuses a record or an invariant breaks.
SettlementReport build_settlement_report(const LogSource& log, const ClearingOptions& options,
                                         std::int32_t business_date,
                                         std::optional<std::uint64_t> through = std::nullopt);

// The business date of the last close in the log (at or before `through`).
std::int32_t last_closed_business_date(const LogSource& log,
                                       std::optional<std::uint64_t> through = std::nullopt);

// One file of a report: its name in the report's directory and its bytes.
struct ReportFile {
  std::string name;
  std::string bytes;
};

// The report's data files (trades.csv, positions.csv, obligations.csv,
// cash.csv, report.json), in name order, names from `options`.
std::vector<ReportFile> render_report(const SettlementReport& report,
                                      const ClearingOptions& options);

// What the manifest says besides the files.
struct ManifestInfo {
  std::string software;  // e.g. "matchgate 0.1.0"
  std::string sm2_id = std::string(crypto::kDefaultSm2Id);
};

// Writes `<report_dir>/<yyyymmdd>/`: the data files, manifest.json (each
// file's name, size and SM3, the date, close, chain hash, software and key
// fingerprint) and manifest.sig (SM2 over the manifest's bytes). All of it
// goes to a temporary directory, fsync'd, which then replaces the old
// report in one rename (RENAME_EXCHANGE): a crash leaves the old report or
// the new one, never a mix. Returns the report's directory.
std::filesystem::path write_report(const std::filesystem::path& report_dir,
                                   const SettlementReport& report, const ClearingOptions& options,
                                   const crypto::Sm2PrivateKey& key, const ManifestInfo& info);

// The software string this build writes into manifests.
std::string report_software();

// Checks a report directory against the public key: manifest.sig over
// manifest.json, then every listed file's size and SM3, and that the
// directory holds no other file and misses none. Empty when it verifies;
// otherwise one line per problem, each naming the file.
std::vector<std::string> verify_report(
    const std::filesystem::path& dir, const crypto::Sm2PublicKey& key,
    const std::string& sm2_id = std::string(crypto::kDefaultSm2Id));

// Compares two report directories file by file; manifest.sig is left out
// (an SM2 signature is randomized: two signatures of the same manifest
// differ, and both verify). Empty when byte-identical, else one line per
// difference.
std::vector<std::string> compare_reports(const std::filesystem::path& a,
                                         const std::filesystem::path& b);

// What the daemon calls at a close, once the close record is durable.
struct ReportRequest {
  std::filesystem::path log_dir;
  const crypto::Sm2PrivateKey* key = nullptr;  // the log's sealing key
  std::string sm2_id = std::string(crypto::kDefaultSm2Id);
  const ClearingOptions* options = nullptr;  // names, carry-over, report_dir
  std::int32_t business_date = 0;
  std::optional<std::uint64_t> through;  // the close record's seq
  std::string software = report_software();
};

struct ReportOutcome {
  std::filesystem::path dir;  // set when written
  std::string error;          // set when not
  bool ok() const noexcept { return error.empty(); }
};

// Builds and writes the report; never throws.
ReportOutcome write_settlement_report(const ReportRequest& request) noexcept;

}  // namespace matchgate::clearing
