// matchgate-clearing load in process against a real PostgreSQL server:
// every trade row, and the settlement views against a clearing::Ledger fed
// the same records; loading again, and after the log grew, adds each
// record exactly once.
#include <gtest/gtest.h>

#include <memory>

#include "load_support.hpp"
#include "pg_server.hpp"
#include "trade_loader.hpp"
#include "trade_log.hpp"

namespace matchgate::testing {
namespace {

using clearing_load::LoadSettings;
using clearing_load::PgConnection;

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<PgServer>();
    server_->create_database("clearing");
  }
  LoadSettings settings() const {
    LoadSettings s;
    s.wal_dir = log_.dir();
    s.pubkey = log_.pub_path();
    s.conninfo = server_->conninfo("clearing");
    s.names = sample_names();
    s.batch_trades = 37;  // batches end inside blocks and inside days
    return s;
  }
  void write(TradeScript& script, std::size_t from = 0) {
    TradeLogWriter w(log_, from == 0 ? wal::LogTail{} : log_.tail());
    for (std::size_t i = from; i < script.records().size(); ++i) w.append(script.records()[i]);
    w.close();
  }

  LogDir log_;
  std::unique_ptr<PgServer> server_;
};

std::vector<std::string> side_columns(const records::TradeSide& s,
                                      const clearing::ClearingOptions& n) {
  return {std::to_string(s.member),  n.members[s.member].comp_id,
          std::to_string(s.account), n.members[s.member].accounts[s.account],
          std::to_string(s.order),   money_text(s.fee)};
}

Rows expected_trade_rows(const LogDir& log, const clearing::ClearingOptions& names) {
  Rows out;
  for (const auto& [seq, r] : logged_trades(log)) {
    std::vector<std::string> row = {std::to_string(seq),
                                    records::to_string(r.action),
                                    std::to_string(r.trade_id),
                                    iso_date(r.business_date),
                                    std::to_string(r.instrument),
                                    names.instruments[r.instrument].symbol,
                                    money_text(r.price),
                                    std::to_string(r.qty),
                                    r.aggressor == engine::Side::Buy ? "buy" : "sell"};
    for (const auto& c : side_columns(r.buyer, names)) row.push_back(c);
    for (const auto& c : side_columns(r.seller, names)) row.push_back(c);
    row.emplace_back(r.action == records::TradeAction::Bust ? "-1" : "1");
    out.push_back(std::move(row));
  }
  return out;
}

constexpr const char* kTradeRowsSql =
    "SELECT seq, action, trade_id, business_date, instrument, symbol, price, qty, aggressor, "
    "buyer_member, buyer_comp_id, buyer_account, buyer_account_name, buyer_order, buyer_fee, "
    "seller_member, seller_comp_id, seller_account, seller_account_name, seller_order, "
    "seller_fee, sign FROM trades ORDER BY seq";

Rows expected_positions(const std::vector<LedgerDay>& days) {
  Rows out;
  for (const LedgerDay& d : days) {
    for (const auto& [k, p] : d.positions) {
      out.push_back({iso_date(d.date), std::to_string(k.member), std::to_string(k.account),
                     std::to_string(k.instrument), std::to_string(p.opening),
                     std::to_string(p.bought), money_text(p.bought_value), std::to_string(p.sold),
                     money_text(p.sold_value), money_text(p.fees), std::to_string(p.trades),
                     std::to_string(p.net()), money_text(p.cash())});
    }
  }
  return out;
}

Rows expected_obligations(const std::vector<LedgerDay>& days) {
  Rows out;
  for (const LedgerDay& d : days) {
    for (const clearing::Obligation& o : d.obligations) {
      out.push_back({iso_date(d.date), std::to_string(o.member), std::to_string(o.instrument),
                     std::to_string(o.qty), money_text(o.cash)});
    }
  }
  return out;
}

Rows expected_member_cash(const std::vector<LedgerDay>& days) {
  Rows out;
  for (const LedgerDay& d : days) {
    for (const auto& [member, cash] : d.member_cash) {
      out.push_back({iso_date(d.date), std::to_string(member), money_text(cash)});
    }
  }
  return out;
}

Rows expected_fees(const std::vector<LedgerDay>& days) {
  Rows out;
  for (const LedgerDay& d : days) out.push_back({iso_date(d.date), money_text(d.fees_collected)});
  return out;
}

void expect_store_equals_ledger(PgConnection& db, const LogDir& log, const TradeScript& script) {
  EXPECT_EQ(select_rows(db, kTradeRowsSql), expected_trade_rows(log, script.names()));
  EXPECT_EQ(
      select_rows(db,
                  "SELECT business_date, member, account, instrument, opening, bought, "
                  "bought_value, sold, sold_value, fees, trades, net_qty, cash FROM positions "
                  "ORDER BY business_date, member, account, instrument"),
      expected_positions(script.days()));
  EXPECT_EQ(select_rows(db,
                        "SELECT business_date, member, instrument, qty, cash FROM obligations "
                        "ORDER BY business_date, member, instrument"),
            expected_obligations(script.days()));
  EXPECT_EQ(select_rows(db, "SELECT business_date, member, cash FROM member_cash ORDER BY 1, 2"),
            expected_member_cash(script.days()));
  EXPECT_EQ(select_rows(db, "SELECT business_date, fees FROM fees_collected ORDER BY 1"),
            expected_fees(script.days()));
}

TradeScript three_days() {
  TradeScript script(sample_names(), 13);
  script.day(20261118, 400);
  script.day(20261119, 300);
  script.day(20261123, 350);
  script.day(20261124, 4);  // most carried positions see no trade that day
  return script;
}

TEST_F(LoadTest, TradeRowsAndSettlementViewsEqualTheLedgerFedTheSameRecords) {
  const TradeScript script = three_days();
  TradeScript copy = script;
  write(copy);
  const clearing_load::LoadStats stats = clearing_load::run_load(settings());
  EXPECT_EQ(stats.trades, script.records().size());
  PgConnection db(server_->conninfo("clearing"));
  expect_store_equals_ledger(db, log_, script);
  // The script exercised what the views must get right: busts, corrections,
  // positions carried into a later date.
  EXPECT_NE(select_rows(db, "SELECT count(*) FROM trades WHERE action = 'correction'"),
            Rows{{"0"}});
  EXPECT_NE(select_rows(db, "SELECT count(*) FROM trades WHERE action = 'bust'"), Rows{{"0"}});
  EXPECT_NE(select_rows(db, "SELECT count(*) FROM positions WHERE opening <> 0 AND trades = 0"),
            Rows{{"0"}});
  // The day's quantities of every instrument sum to zero, and so do the
  // members' cash and the fees collected, in SQL too.
  EXPECT_EQ(select_rows(db,
                        "SELECT count(*) FROM (SELECT business_date, instrument FROM obligations "
                        "GROUP BY 1, 2 HAVING sum(qty) <> 0) x"),
            Rows{{"0"}});
  EXPECT_EQ(select_rows(db,
                        "SELECT count(*) FROM (SELECT business_date FROM member_cash "
                        "GROUP BY 1 HAVING sum(cash) + (SELECT f.fees FROM fees_collected f "
                        "WHERE f.business_date = member_cash.business_date) <> 0) x"),
            Rows{{"0"}});
}

TEST_F(LoadTest, ReferenceTablesHoldTheConfiguredNames) {
  TradeScript script(sample_names(), 5);
  script.day(20261118, 10);
  write(script);
  clearing_load::run_load(settings());
  PgConnection db(server_->conninfo("clearing"));
  EXPECT_EQ(select_rows(db, "SELECT member, comp_id FROM members ORDER BY 1"),
            (Rows{{"0", "MEMBER1"}, {"1", "MEMBER2"}, {"2", "MEMBER3"}}));
  EXPECT_EQ(select_rows(db, "SELECT member, account, name FROM accounts ORDER BY 1, 2"),
            (Rows{{"0", "0", "M1-A"},
                  {"0", "1", "M1-B"},
                  {"1", "0", "M2-A"},
                  {"1", "1", "M2-B"},
                  {"2", "0", "M3-A"},
                  {"2", "1", "M3-B"},
                  {"2", "2", "M3\tTAB\\X"}}));
  EXPECT_EQ(
      select_rows(db, "SELECT instrument, symbol, carry_positions FROM instruments ORDER BY 1"),
      (Rows{{"0", "AAPL", "f"}, {"1", "MSFT", "t"}, {"2", "BOND.10Y", "f"}}));
  EXPECT_EQ(select_rows(db, "SELECT version FROM clearing_schema"), Rows{{"2"}});
}

TEST_F(LoadTest, RefusesADatabaseOfAnotherSchemaVersionLoadingNothing) {
  TradeScript script(sample_names(), 5);
  script.day(20261118, 50);
  write(script);
  PgConnection db(server_->conninfo("clearing"));
  // What schema version 1 left (its trades table had the text columns).
  db.exec(
      "CREATE TABLE clearing_schema (version integer PRIMARY KEY, created_at timestamptz);"
      "INSERT INTO clearing_schema VALUES (1, now());"
      "CREATE TABLE trades (seq bigint PRIMARY KEY, action text)");
  std::string refusal;
  try {
    clearing_load::run_load(settings());
  } catch (const clearing_load::PgError& e) {
    refusal = e.what();
  }
  EXPECT_EQ(refusal,
            "the database holds clearing schema version 1, this matchgate-clearing writes "
            "version 2: load into a new database or schema (the loader reloads everything from "
            "the log)");
  EXPECT_EQ(select_rows(db, "SELECT count(*) FROM trades"), Rows{{"0"}});
  EXPECT_EQ(select_rows(db, "SELECT to_regclass('trade_records') IS NULL"), Rows{{"t"}});
}

TEST_F(LoadTest, LoadingAgainAndAfterTheLogGrewAddsEachRecordOnce) {
  TradeScript script(sample_names(), 21);
  script.day(20261118, 300);
  write(script);
  const auto first = clearing_load::run_load(settings());
  EXPECT_EQ(first.trades, script.records().size());
  const auto again = clearing_load::run_load(settings());
  EXPECT_EQ(again.trades, 0U);
  EXPECT_EQ(again.batches, 0U);
  EXPECT_EQ(again.progress.last_seq, first.progress.last_seq);
  // The daemon restarts and logs more (a Start record, another day).
  const std::size_t before = script.records().size();
  script.day(20261119, 250);
  write(script, before);
  const auto third = clearing_load::run_load(settings());
  EXPECT_EQ(third.trades, script.records().size() - before);
  PgConnection db(server_->conninfo("clearing"));
  expect_store_equals_ledger(db, log_, script);
  EXPECT_EQ(select_rows(db, "SELECT trades_loaded FROM load_progress"),
            Rows{{std::to_string(script.records().size())}});
  // The progress row names where its block is, for the next scan to go
  // straight there.
  std::uint64_t chain_block_offset = 0;
  wal::scan_log(log_.dir(), {}, [&](const wal::RecordView& v) {
    if (v.header.seq == third.progress.chain_seq) chain_block_offset = v.block->offset;
  });
  EXPECT_EQ(third.progress.chain_offset, chain_block_offset);
  EXPECT_GT(chain_block_offset, 0U);
  EXPECT_EQ(select_rows(db, "SELECT chain_seq, chain_offset FROM load_progress"),
            (Rows{{std::to_string(third.progress.chain_seq), std::to_string(chain_block_offset)}}));
}

TEST_F(LoadTest, RefusesALogThatIsNotTheOneItLoadedFrom) {
  TradeScript script(sample_names(), 8);
  script.day(20261118, 200);
  write(script);
  clearing_load::run_load(settings());
  // Another log sealed with the same key, with other trades.
  std::filesystem::remove_all(log_.dir());
  TradeScript other(sample_names(), 9);
  other.day(20261118, 300);
  write(other);
  EXPECT_THROW(clearing_load::run_load(settings()), clearing_load::LoadError);
  PgConnection db(server_->conninfo("clearing"));
  EXPECT_EQ(select_rows(db, "SELECT count(*) FROM trades"),
            Rows{{std::to_string(script.records().size())}});
}

}  // namespace
}  // namespace matchgate::testing
