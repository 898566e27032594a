// The binary COPY rows matchgate-clearing load writes, as PostgreSQL reads
// them back through the `trades` view: every column's text, names from the
// reference tables, the record time on both sides of second, day,
// leap-day and epoch boundaries, and records a column cannot hold.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "clearing_schema.hpp"
#include "load_support.hpp"
#include "pg_server.hpp"
#include "trade_loader.hpp"
#include "trade_log.hpp"
#include "trade_rows.hpp"

namespace matchgate::testing {
namespace {

using clearing_load::append_trade_row;
using clearing_load::PgConnection;

constexpr std::int64_t kMarch1st2024 = 1'709'251'200;  // 2024-03-01 00:00:00 UTC, in seconds
constexpr std::int64_t kSecond = 1'000'000'000;

records::TradeRecord sample_trade() {
  records::TradeRecord r;
  r.action = records::TradeAction::Correction;
  r.aggressor = engine::Side::Sell;
  r.business_date = 20240229;
  r.trade_id = 18'446'744'073'709'551'615ULL;
  r.instrument = 2;
  r.price = 1'234'500'000;  // 12.345
  r.qty = 700;
  r.buyer = {2, 2, 77, -50};           // a rebate of 0.0000005
  r.seller = {0, 1, 78, 300'000'000};  // 3
  return r;
}

// A fresh database with the schema, and the records copied in as the
// loader does.
class TradeRowsDb {
 public:
  TradeRowsDb() : db_(created(server_)) { clearing_load::ensure_schema(db_); }
  PgConnection& db() { return db_; }
  void copy(const std::string& rows) {
    db_.copy_in("COPY trade_records (" + std::string(clearing_load::kTradeColumns) +
                    ") FROM STDIN (FORMAT binary)",
                {clearing_load::kCopyBinaryHeader, rows, clearing_load::kCopyBinaryTrailer});
  }

 private:
  static std::string created(const PgServer& server) {
    server.create_database("clearing");
    return server.conninfo("clearing");
  }

  PgServer server_;  // before db_: started first, stopped last
  PgConnection db_;
};

const char* const kEveryColumn =
    "SELECT seq, to_char(record_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), "
    "record_time_ns, action, sign, trade_id, business_date, instrument, symbol, price, qty, "
    "aggressor, buyer_member, buyer_comp_id, buyer_account, buyer_account_name, buyer_order, "
    "buyer_fee, seller_member, seller_comp_id, seller_account, seller_account_name, "
    "seller_order, seller_fee FROM trades ORDER BY seq";

TEST(TradeRows, EveryColumnReadsBackExactlyThroughTheTradesView) {
  TradeRowsDb t;
  clearing_load::store_reference_data(t.db(), sample_names());
  std::string rows;
  append_trade_row(rows, 42, kMarch1st2024 * kSecond - 1, sample_trade());
  records::TradeRecord bust = sample_trade();
  bust.action = records::TradeAction::Bust;
  bust.aggressor = engine::Side::Buy;
  bust.trade_id = 5;
  bust.price = -1;  // the row keeps what the record says; decode_trade refuses this
  append_trade_row(rows, 43, 0, bust);
  t.copy(rows);
  EXPECT_EQ(select_rows(t.db(), kEveryColumn), (Rows{{"42",
                                                      "2024-02-29 23:59:59.999999",
                                                      "1709251199999999999",
                                                      "correction",
                                                      "1",
                                                      "18446744073709551615",
                                                      "2024-02-29",
                                                      "2",
                                                      "BOND.10Y",
                                                      "12.34500000",
                                                      "700",
                                                      "sell",
                                                      "2",
                                                      "MEMBER3",
                                                      "2",
                                                      "M3\tTAB\\X",
                                                      "77",
                                                      "-0.00000050",
                                                      "0",
                                                      "MEMBER1",
                                                      "1",
                                                      "M1-B",
                                                      "78",
                                                      "3.00000000"},
                                                     {"43",         "1970-01-01 00:00:00.000000",
                                                      "0",          "bust",
                                                      "-1",         "5",
                                                      "2024-02-29", "2",
                                                      "BOND.10Y",   "-0.00000001",
                                                      "700",        "buy",
                                                      "2",          "MEMBER3",
                                                      "2",          "M3\tTAB\\X",
                                                      "77",         "-0.00000050",
                                                      "0",          "MEMBER1",
                                                      "1",          "M1-B",
                                                      "78",         "3.00000000"}}));
}

TEST(TradeRows, NamesWithoutReferenceRowsAreNull) {
  TradeRowsDb t;
  std::string rows;
  append_trade_row(rows, 1, 0, sample_trade());
  t.copy(rows);
  EXPECT_EQ(select_rows(t.db(),
                        "SELECT symbol, buyer_comp_id, buyer_account_name, seller_comp_id, "
                        "seller_account_name FROM trades"),
            (Rows{{"NULL", "NULL", "NULL", "NULL", "NULL"}}));
}

// What append_trade_row throws for `r` ("" if nothing).
std::string refusal(std::uint64_t seq, const records::TradeRecord& r) {
  std::string rows;
  try {
    append_trade_row(rows, seq, 0, r);
  } catch (const clearing_load::LoadError& e) {
    return e.what();
  }
  return "";
}

TEST(TradeRows, ARecordAColumnCannotHoldIsRefusedNamingIt) {
  records::TradeRecord r = sample_trade();
  EXPECT_EQ(refusal(6, r), "");
  r.business_date = 20230229;
  EXPECT_EQ(refusal(7, r), "record 7: business date 20230229 is not a date");
  r = sample_trade();
  r.seller.member = 2'147'483'648U;
  EXPECT_EQ(refusal(8, r), "record 8: member 2147483648 does not fit an integer column");
  r = sample_trade();
  r.buyer.account = 2'147'483'647U;
  EXPECT_EQ(refusal(9, r), "");
  r.instrument = 4'000'000'000U;
  EXPECT_EQ(refusal(10, r), "record 10: instrument 4000000000 does not fit an integer column");
}

TEST(TradeRows, RecordTimesReadBackToTheMicrosecondFlooredOnBothSidesOfTheEpoch) {
  TradeRowsDb t;
  // Out of order, and the same second again after another one.
  const std::vector<std::pair<std::int64_t, std::string>> times = {
      {kMarch1st2024 * kSecond - 1, "2024-02-29 23:59:59.999999"},
      {kMarch1st2024 * kSecond, "2024-03-01 00:00:00.000000"},
      {kMarch1st2024 * kSecond + 999, "2024-03-01 00:00:00.000000"},
      {kMarch1st2024 * kSecond - kSecond * 86'400, "2024-02-29 00:00:00.000000"},
      {kMarch1st2024 * kSecond + 1'000, "2024-03-01 00:00:00.000001"},
      {-1, "1969-12-31 23:59:59.999999"},
      {-kSecond, "1969-12-31 23:59:59.000000"},
      {946'684'800 * kSecond + 123'456'789, "2000-01-01 00:00:00.123456"},
      {kMarch1st2024 * kSecond - 2, "2024-02-29 23:59:59.999999"},
      {0, "1970-01-01 00:00:00.000000"}};
  std::string rows;
  records::TradeRecord r = sample_trade();
  Rows expected;
  for (std::size_t i = 0; i < times.size(); ++i) {
    r.trade_id = i;
    append_trade_row(rows, i + 1, times[i].first, r);
    expected.push_back({times[i].second, std::to_string(times[i].first)});
  }
  t.copy(rows);
  EXPECT_EQ(select_rows(t.db(),
                        "SELECT to_char(record_time AT TIME ZONE 'UTC', "
                        "'YYYY-MM-DD HH24:MI:SS.US'), record_time_ns FROM trades ORDER BY seq"),
            expected);
}

}  // namespace
}  // namespace matchgate::testing
