// Building a settlement report by reading the log (settlement_report.hpp).
#include <string>

#include "matchgate/clearing/settlement_report.hpp"
#include "matchgate/records/control.hpp"
#include "matchgate/records/record_types.hpp"
#include "matchgate/wal/wal_reader.hpp"

namespace matchgate::clearing {

namespace {

// risk::TradingPhase::Closed; clearing may not depend on risk, so the
// value is repeated here (tests/clearing check that it stays the same).
constexpr std::uint8_t kPhaseClosed = 0;

// Thrown from the scan callback to stop reading once the report's end is
// known; the reader holds its files through RAII, so unwinding is clean.
struct StopScan {};

struct ClosePoint {
  std::uint64_t seq = 0;
  std::int64_t time_ns = 0;
  std::uint64_t block_last_seq = 0;
  wal::Hash block_hash{};
};

// A phase change to Closed, or nullopt.
std::optional<records::ControlRecord> close_record(const wal::RecordView& v) {
  if (v.header.type != records::to_wire(records::RecordType::Control)) return std::nullopt;
  const auto c = records::decode_control(v.payload);
  if (!c || c->action != records::ControlAction::Phase || c->phase != kPhaseClosed) {
    return std::nullopt;
  }
  return c;
}

// The business date a record belongs to, for the records that say one
// (Trade, and phase changes); 0 for the others.
std::int32_t record_business_date(const wal::RecordView& v) {
  if (v.header.type == records::to_wire(records::RecordType::Trade)) {
    const auto t = records::decode_trade(v.payload);
    return t ? t->business_date : 0;
  }
  if (v.header.type == records::to_wire(records::RecordType::Control)) {
    const auto c = records::decode_control(v.payload);
    return c && c->action == records::ControlAction::Phase ? c->business_date : 0;
  }
  return 0;
}

std::string date_text(std::int32_t d) {
  return std::to_string(d);
}

void require_whole_log(const std::filesystem::path& dir) {
  const std::vector<wal::SegmentFile> segments = wal::list_segments(dir);
  if (segments.empty()) {
    throw ReportError("no log segments in " + dir.string());
  }
  if (segments.front().index != 1) {
    throw ReportError("regenerating needs the whole log: segment 1 is missing from " +
                      dir.string() + " (the oldest is " +
                      segments.front().path.filename().string() +
                      "; restore the older segments from the archive)");
  }
}

wal::ScanOptions scan_options(const LogSource& log) {
  if (log.key == nullptr) throw ReportError("a report needs the log's public key to verify it");
  wal::ScanOptions so;
  so.key = log.key;
  so.sm2_id = log.sm2_id;
  return so;
}

// Runs the scan; `on_record` throws StopScan once it has what it needs.
// Returns whether it stopped early; throws ReportError on a damaged log
// unless everything up to `through` was read before the damage.
bool scan_until_stopped(const LogSource& log, const wal::RecordCallback& on_record,
                        std::optional<std::uint64_t> through, std::uint64_t& last_seq) {
  require_whole_log(log.dir);
  const wal::ScanOptions so = scan_options(log);
  wal::ScanResult result;
  try {
    result = wal::scan_log(log.dir, so, [&](const wal::RecordView& v) {
      on_record(v);
      last_seq = v.header.seq;
    });
  } catch (const StopScan&) {
    return true;
  } catch (const std::system_error& e) {
    throw ReportError(std::string("cannot read the log: ") + e.what());
  }
  if (result.problem && !(through && last_seq >= *through)) {
    throw ReportError("the log does not verify: " + result.problem->describe());
  }
  return false;
}

// The scan's state: the ledger fed so far, the date's trades, and a copy
// of both taken at the latest close of the date.
class ReportScan {
 public:
  ReportScan(const ClearingOptions& options, std::int32_t date,
             std::optional<std::uint64_t> through)
      : ledger_(options.ledger_shape()),
        closed_(options.ledger_shape()),
        date_(date),
        through_(through) {}

  void on_record(const wal::RecordView& v) {
    if (through_ && v.header.seq > *through_) throw StopScan{};
    if (record_business_date(v) > date_) throw StopScan{};
    if (v.header.type == records::to_wire(records::RecordType::Trade)) {
      book(v);
    } else if (const auto c = close_record(v); c && c->business_date == date_) {
      take_close(v);
    }
  }

  SettlementReport finish();

 private:
  void book(const wal::RecordView& v) {
    const auto t = records::decode_trade(v.payload);
    if (!t)
      throw ReportError("record " + std::to_string(v.header.seq) + ": a malformed Trade record");
    if (!ledger_.apply(*t)) {
      throw ReportError("record " + std::to_string(v.header.seq) + ": the ledger refuses " +
                        records::to_string(t->action) + " " + std::to_string(t->trade_id) +
                        " (a member or instrument the configuration does not have, or a bust "
                        "or correction that does not fit)");
    }
    if (t->business_date == date_)
      trades_.push_back(ReportTrade{v.header.seq, v.header.time_ns, *t});
  }

  void take_close(const wal::RecordView& v) {
    close_ = ClosePoint{v.header.seq, v.header.time_ns, v.block->last_seq(), v.block->hash};
    closed_ = ledger_;
    closed_trades_ = trades_.size();
  }

  Ledger ledger_;
  Ledger closed_;  // the ledger at the latest close of the date
  std::int32_t date_;
  std::optional<std::uint64_t> through_;
  std::vector<ReportTrade> trades_;
  std::optional<ClosePoint> close_;
  std::size_t closed_trades_ = 0;
};

SettlementReport ReportScan::finish() {
  if (!close_) {
    throw ReportError("the log has no close of business date " + date_text(date_) +
                      (through_ ? " at or before record " + std::to_string(*through_) : ""));
  }
  closed_.roll_to(date_);  // a date without trades still shows the carried positions
  if (const auto broken = closed_.check()) {
    throw ReportError("the ledger's invariants do not hold at the close of " + date_text(date_) +
                      ": " + *broken);
  }
  SettlementReport r;
  r.business_date = date_;
  r.close_seq = close_->seq;
  r.close_time_ns = close_->time_ns;
  r.chain_hash_seq = close_->block_last_seq;
  r.chain_hash = close_->block_hash;
  trades_.resize(closed_trades_);
  r.trades = std::move(trades_);
  r.positions = closed_.positions();
  r.obligations = closed_.obligations();
  for (const Obligation& o : r.obligations) {
    if (r.members.empty() || r.members.back().member != o.member) {
      r.members.push_back(MemberCash{o.member, 0, closed_.member_cash(o.member)});
    }
  }
  for (MemberCash& m : r.members) {
    for (const auto& [key, p] : closed_.positions_of(m.member)) m.fees += p.fees;
  }
  r.fees_collected = closed_.fees_collected();
  return r;
}

}  // namespace

SettlementReport build_settlement_report(const LogSource& log, const ClearingOptions& options,
                                         std::int32_t business_date,
                                         std::optional<std::uint64_t> through) {
  ReportScan scan(options, business_date, through);
  std::uint64_t last_seq = 0;
  scan_until_stopped(
      log, [&](const wal::RecordView& v) { scan.on_record(v); }, through, last_seq);
  return scan.finish();
}

std::int32_t last_closed_business_date(const LogSource& log, std::optional<std::uint64_t> through) {
  std::int32_t date = 0;
  std::uint64_t last_seq = 0;
  scan_until_stopped(
      log,
      [&](const wal::RecordView& v) {
        if (through && v.header.seq > *through) throw StopScan{};
        if (const auto c = close_record(v)) date = c->business_date;
      },
      through, last_seq);
  if (date == 0) throw ReportError("the log has no close of any business date");
  return date;
}

}  // namespace matchgate::clearing
