#pragma once
// Logs of Trade records for the loader's tests and benchmark, written with
// the real WalWriter, and what a clearing::Ledger fed the same records says
// at the end of each business date.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "matchgate/clearing/clearing_options.hpp"
#include "matchgate/clearing/ledger.hpp"
#include "matchgate/crypto/sm2.hpp"
#include "matchgate/records/order_request.hpp"
#include "matchgate/records/outbound.hpp"
#include "matchgate/records/record_types.hpp"
#include "matchgate/records/trade.hpp"
#include "matchgate/wal/wal_reader.hpp"
#include "matchgate/wal/wal_writer.hpp"
#include "wal/wal_test_util.hpp"

namespace matchgate::testing {

// Three members (two accounts each, the last one three), three instruments,
// the second carrying positions over.
inline clearing::ClearingOptions sample_names() {
  clearing::ClearingOptions o;
  o.members = {{"MEMBER1", {"M1-A", "M1-B"}},
               {"MEMBER2", {"M2-A", "M2-B"}},
               {"MEMBER3", {"M3-A", "M3-B", "M3\tTAB\\X"}}};
  o.instruments.resize(3);
  o.instruments[0].symbol = "AAPL";
  o.instruments[1].symbol = "MSFT";
  o.instruments[1].carry_positions = true;
  o.instruments[2].symbol = "BOND.10Y";
  return o;
}

// One business date as the ledger saw it after its last record.
struct LedgerDay {
  std::int32_t date = 0;
  std::vector<std::pair<clearing::PositionKey, clearing::Position>> positions;
  std::vector<clearing::Obligation> obligations;
  std::map<engine::MemberId, clearing::Money> member_cash;
  clearing::Money fees_collected = 0;
};

// Trades, busts and corrections over several business dates, each one
// accepted by a Ledger (which the script keeps, to say what it computed).
class TradeScript {
 public:
  TradeScript(clearing::ClearingOptions names, std::uint64_t seed)
      : names_(std::move(names)), ledger_(names_.ledger_shape()), rng_(seed) {}

  // `count` records on `date` (later than the last), mostly trades, some
  // busts, some of those followed by a correction.
  void day(std::int32_t date, int count) {
    live_.clear();
    for (int i = 0; i < count; ++i) {
      const int roll = pick(0, 99);
      if (roll < 12 && !live_.empty()) {
        bust_and_maybe_correct(date);
      } else {
        add(new_trade(date));
      }
    }
    close_day();
  }
  const std::vector<records::TradeRecord>& records() const { return records_; }
  const std::vector<LedgerDay>& days() const { return days_; }
  const clearing::ClearingOptions& names() const { return names_; }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  records::TradeSide side() {
    records::TradeSide s;
    s.member = static_cast<engine::MemberId>(pick(0, static_cast<int>(names_.members.size()) - 1));
    s.account = static_cast<engine::AccountId>(
        pick(0, static_cast<int>(names_.members[s.member].accounts.size()) - 1));
    s.order = 1'000'000 + static_cast<std::uint64_t>(pick(0, 1 << 30));
    s.fee = pick(-2000, 900'000);  // rebates too
    return s;
  }

  records::TradeRecord new_trade(std::int32_t date) {
    records::TradeRecord r;
    r.business_date = date;
    r.trade_id = (std::uint64_t{3} << 56) + next_id_++;  // a shard number in the top bits
    r.instrument = static_cast<std::uint32_t>(pick(0, 2));
    r.aggressor = pick(0, 1) ? engine::Side::Buy : engine::Side::Sell;
    r.price = static_cast<engine::Price>(pick(1, 500'000)) * 1'000'000 + pick(0, 99);
    r.qty = pick(1, 5000);
    r.buyer = side();
    r.seller = side();
    return r;
  }

  void add(const records::TradeRecord& r) {
    if (!ledger_.apply(r)) throw std::logic_error("the ledger refused a scripted record");
    records_.push_back(r);
    if (r.action != records::TradeAction::Bust) live_.push_back(r);
  }

  void bust_and_maybe_correct(std::int32_t date) {
    const std::size_t at = static_cast<std::size_t>(pick(0, static_cast<int>(live_.size()) - 1));
    records::TradeRecord bust = live_[at];
    live_.erase(live_.begin() + static_cast<std::ptrdiff_t>(at));
    bust.action = records::TradeAction::Bust;
    add(bust);
    if (pick(0, 1) == 0) return;
    records::TradeRecord fix = new_trade(date);
    fix.action = records::TradeAction::Correction;
    fix.trade_id = bust.trade_id;
    --next_id_;
    add(fix);
  }

  void close_day() {
    LedgerDay d;
    d.date = ledger_.business_date();
    d.positions = ledger_.positions();
    d.obligations = ledger_.obligations();
    for (const auto& [key, p] : d.positions) d.member_cash[key.member] += p.cash();
    d.fees_collected = ledger_.fees_collected();
    if (auto broken = ledger_.check()) throw std::logic_error("ledger invariant: " + *broken);
    days_.push_back(std::move(d));
  }

  clearing::ClearingOptions names_;
  clearing::Ledger ledger_;
  std::mt19937_64 rng_;
  std::uint64_t next_id_ = 1;
  std::vector<records::TradeRecord> records_;
  std::vector<records::TradeRecord> live_;  // this date's trades not busted
  std::vector<LedgerDay> days_;
};

// A temporary log directory with its own key pair (the WAL tests' TempLog),
// written the way the loader tests want: a large producer ring and no
// fdatasync (their logs are big; durability is not what they test).
class LogDir : public wal::testing::TempLog {
 public:
  wal::WalOptions options(std::uint64_t segment_bytes = 1 << 20) const {
    wal::WalOptions o = TempLog::options(segment_bytes);
    o.producer_ring_bytes = 1 << 22;
    o.sync = wal::SyncMode::None;
    return o;
  }
  // Where a writer continues this log.
  wal::LogTail tail() const { return scan().tail; }
};

// What a TradeLogWriter logs around each Trade record.
enum class LogShape {
  // One 24-byte Control record before each trade, groups of 64 records:
  // small logs for the tests.
  FillerPerTrade,
  // The daemon's log at 0.5 trades per order (what bench/clearing/
  // loader_lag.sh's daemon writes: 7.05 records and ~490 bytes per trade,
  // blocks of ~350 records): per trade two OrderRequest records with a
  // 16-character ClOrdID and four regenerated Outbound records (an
  // acknowledgement and a fill report per order), groups of 350 records.
  // Their payloads are zeros of the real sizes: the loader only frames,
  // checksums and hashes records other than Trade and Start.
  DaemonOrders,
};

// Appends records to an open log, as the daemon's network thread does:
// each Trade record after the records of the orders that made it (one
// filler record in LogShape::FillerPerTrade), groups committed as they fill.
class TradeLogWriter {
 public:
  TradeLogWriter(const LogDir& log, wal::LogTail tail = {}, std::uint64_t segment_bytes = 1 << 20,
                 LogShape shape = LogShape::FillerPerTrade)
      : writer_(log.options(segment_bytes), tail, crypto::Sm2PrivateKey::load_pem(log.key_path())),
        producer_(writer_.add_producer()),
        shape_(shape) {}

  void append(const records::TradeRecord& r) {
    if (shape_ == LogShape::FillerPerTrade) {
      std::byte filler[24]{};
      append_record(records::RecordType::Control, filler, 64);
    } else {
      append_orders();
    }
    std::byte payload[records::kTradeRecordSize];
    records::encode_trade(r, payload);
    append_record(records::RecordType::Trade, payload, group_records());
  }
  // Everything appended is written (sync = none: written means durable).
  void commit() {
    producer_.settle(producer_.appended());
    for (int spins = 0; producer_.durable() < producer_.appended() && spins < 10'000'000; ++spins) {
      writer_.do_work();
    }
  }
  void close() {
    commit();
    writer_.close();
  }

 private:
  static constexpr std::size_t kClOrdIdLength = 16;

  std::uint64_t group_records() const { return shape_ == LogShape::FillerPerTrade ? 64 : 350; }

  void append_orders() {
    std::byte order[records::kOrderRequestFixedSize + kClOrdIdLength]{};
    std::byte report[records::kOutboundRegeneratedSize]{};
    for (int i = 0; i < 2; ++i) {
      append_record(records::RecordType::OrderRequest, order, group_records());
      append_record(records::RecordType::Outbound, report, group_records());
      append_record(records::RecordType::Outbound, report, group_records());
    }
  }

  template <std::size_t N>
  void append_record(records::RecordType type, const std::byte (&payload)[N], std::uint64_t group) {
    producer_.append(records::to_wire(type), time_ns_++, payload);
    if (producer_.appended() % group == 0) commit();
  }

  wal::WalWriter writer_;
  wal::WalProducer& producer_;
  LogShape shape_;
  std::int64_t time_ns_ = 1'795'000'000'123'456'789;
};

// The Trade records of a log with their sequence numbers, as a scan reads them.
inline std::vector<std::pair<std::uint64_t, records::TradeRecord>> logged_trades(
    const LogDir& log) {
  std::vector<std::pair<std::uint64_t, records::TradeRecord>> out;
  const crypto::Sm2PublicKey key = crypto::Sm2PublicKey::load_pem(log.pub_path());
  wal::ScanOptions so;
  so.key = &key;
  const wal::ScanResult r = wal::scan_log(log.dir(), so, [&](const wal::RecordView& v) {
    if (v.header.type == records::to_wire(records::RecordType::Trade)) {
      out.emplace_back(v.header.seq, *records::decode_trade(v.payload));
    }
  });
  if (!r.ok()) throw std::runtime_error("test log damaged: " + r.problem->describe());
  return out;
}

}  // namespace matchgate::testing
