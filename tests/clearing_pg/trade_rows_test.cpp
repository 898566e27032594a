// The COPY rows matchgate-clearing load writes: each column's text, byte
// for byte, and the record time as PostgreSQL reads it back, for times on
// both sides of second, day, leap-day and epoch boundaries and out of
// order (the writer caches the text of the last second it wrote).
#include <gtest/gtest.h>

#include <memory>

#include "clearing_schema.hpp"
#include "load_support.hpp"
#include "pg_server.hpp"
#include "trade_log.hpp"
#include "trade_rows.hpp"

namespace matchgate::testing {
namespace {

using clearing_load::PgConnection;
using clearing_load::TradeRowWriter;

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

TEST(TradeRows, EveryColumnIsWrittenExactly) {
  const clearing::ClearingOptions names = sample_names();
  TradeRowWriter writer(names);
  std::string out;
  writer.append(out, 42, kMarch1st2024 * kSecond - 1, sample_trade());
  EXPECT_EQ(out,
            "42\t2024-02-29 23:59:59.999999+00\t1709251199999999999\tcorrection\t"
            "18446744073709551615\t2024-02-29\t2\tBOND.10Y\t12.345\t700\tsell\t"
            "2\tMEMBER3\t2\tM3\\tTAB\\\\X\t77\t-0.0000005\t"
            "0\tMEMBER1\t1\tM1-B\t78\t3\n");
}

TEST(TradeRows, NamesTheConfigDoesNotHaveAreNull) {
  const clearing::ClearingOptions none;
  TradeRowWriter writer(none);
  std::string out;
  writer.append(out, 1, 0, sample_trade());
  EXPECT_EQ(out,
            "1\t1970-01-01 00:00:00.000000+00\t0\tcorrection\t18446744073709551615\t2024-02-29\t2\t"
            "\\N\t12.345\t700\tsell\t2\t\\N\t2\t\\N\t77\t-0.0000005\t0\t\\N\t1\t\\N\t78\t3\n");
}

TEST(TradeRows, RecordTimesReadBackFromPostgresqlToTheMicrosecond) {
  PgServer server;
  server.create_database("clearing");
  PgConnection db(server.conninfo("clearing"));
  clearing_load::ensure_schema(db);
  const clearing::ClearingOptions names = sample_names();
  TradeRowWriter writer(names);
  // Out of order, and the same second again after another one.
  const std::vector<std::int64_t> times = {kMarch1st2024 * kSecond - 1,
                                           kMarch1st2024 * kSecond,
                                           kMarch1st2024 * kSecond + 999,
                                           kMarch1st2024 * kSecond - kSecond * 86'400,
                                           kMarch1st2024 * kSecond + 1'000,
                                           -1,
                                           -kSecond,
                                           946'684'800 * kSecond + 123'456'789,
                                           kMarch1st2024 * kSecond - 2,
                                           0};
  std::string rows;
  records::TradeRecord r = sample_trade();
  for (std::size_t i = 0; i < times.size(); ++i) {
    r.trade_id = i;
    writer.append(rows, i + 1, times[i], r);
  }
  db.copy_in("COPY trades (" + std::string(clearing_load::kTradeColumns) + ") FROM STDIN", rows);
  // PostgreSQL's own reading of each text against the exact nanoseconds,
  // floored to microseconds.
  EXPECT_EQ(select_rows(db,
                        "SELECT count(*) FROM trades WHERE record_time = to_timestamp(0) + "
                        "floor(record_time_ns::numeric / 1000) * interval '1 microsecond'"),
            (Rows{{std::to_string(times.size())}}));
  EXPECT_EQ(select_rows(db,
                        "SELECT to_char(record_time AT TIME ZONE 'UTC', "
                        "'YYYY-MM-DD HH24:MI:SS.US') FROM trades WHERE seq IN (4, 6, 8) "
                        "ORDER BY seq"),
            (Rows{{"2024-02-29 00:00:00.000000"},
                  {"1969-12-31 23:59:59.999999"},
                  {"2000-01-01 00:00:00.123456"}}));
}

}  // namespace
}  // namespace matchgate::testing
