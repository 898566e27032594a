#include "clearing_schema.hpp"

#include <string>

namespace matchgate::clearing_load {

namespace {

// trade_records is what the loader writes, lean because the server's CPU
// per row sets how fast it loads (binary COPY, no text to parse): money
// and prices as bigint 1e-8 units (`*_e8`, the log's integers), action
// and aggressor as the log's codes, no names. Trade and order ids are the
// log's u64 bits as bigint: the id itself below 2^63, which every id the
// daemon makes is (shard << 48 | counter). The `trades` view presents the
// records as people read them: exact decimals, text codes, names.
const char* const kTables = R"SQL(
CREATE TABLE clearing_schema (
  version     integer PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE members (
  member   integer PRIMARY KEY,
  comp_id  text NOT NULL
);
CREATE TABLE accounts (
  member   integer NOT NULL,
  account  integer NOT NULL,
  name     text NOT NULL,
  PRIMARY KEY (member, account)
);
CREATE TABLE instruments (
  instrument       integer PRIMARY KEY,
  symbol           text NOT NULL,
  carry_positions  boolean NOT NULL
);
CREATE TABLE load_progress (
  id             smallint PRIMARY KEY CHECK (id = 1),
  last_seq       bigint NOT NULL,
  chain_seq      bigint NOT NULL,
  chain_hash     bytea,
  chain_boots    bigint NOT NULL,
  chain_offset   bigint NOT NULL,
  trades_loaded  bigint NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO load_progress VALUES (1, 0, 0, NULL, 0, 0, 0, now());
CREATE TABLE trade_records (
  seq              bigint PRIMARY KEY,
  record_time_ns   bigint NOT NULL,
  action           smallint NOT NULL CHECK (action IN (1, 2, 3)),
  trade_id         bigint NOT NULL,
  business_date    date NOT NULL,
  instrument       integer NOT NULL,
  price_e8         bigint NOT NULL,
  qty              bigint NOT NULL,
  aggressor        smallint NOT NULL CHECK (aggressor IN (0, 1)),
  buyer_member     integer NOT NULL,
  buyer_account    integer NOT NULL,
  buyer_order      bigint NOT NULL,
  buyer_fee_e8     bigint NOT NULL,
  seller_member    integer NOT NULL,
  seller_account   integer NOT NULL,
  seller_order     bigint NOT NULL,
  seller_fee_e8    bigint NOT NULL
);
CREATE INDEX trade_records_date_trade ON trade_records (business_date, trade_id);
)SQL";

// The records as people read them: the log's u64 ids and 1e-8 units as
// exact numerics, codes as words, the time to the microsecond (floored;
// record_time_ns is exact), names from the reference tables (NULL where
// they have none).
const char* const kTradesView = R"SQL(
CREATE FUNCTION clearing_u64(bits bigint) RETURNS numeric
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN bits < 0 THEN bits::numeric + 18446744073709551616
                    ELSE bits::numeric END $$;
CREATE FUNCTION clearing_money(units_e8 bigint) RETURNS numeric
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (units_e8 * 0.00000001)::numeric(38,8) $$;
CREATE VIEW trades AS
  SELECT t.seq,
         timestamptz 'epoch' + floor(t.record_time_ns::numeric / 1000) * interval '1 microsecond'
           AS record_time,
         t.record_time_ns,
         (ARRAY['trade', 'bust', 'correction'])[t.action] AS action,
         (CASE WHEN t.action = 2 THEN -1 ELSE 1 END)::smallint AS sign,
         clearing_u64(t.trade_id) AS trade_id,
         t.business_date, t.instrument, i.symbol,
         clearing_money(t.price_e8) AS price, t.qty,
         CASE WHEN t.aggressor = 0 THEN 'buy' ELSE 'sell' END AS aggressor,
         t.buyer_member, bm.comp_id AS buyer_comp_id,
         t.buyer_account, ba.name AS buyer_account_name,
         clearing_u64(t.buyer_order) AS buyer_order,
         clearing_money(t.buyer_fee_e8) AS buyer_fee,
         t.seller_member, sm.comp_id AS seller_comp_id,
         t.seller_account, sa.name AS seller_account_name,
         clearing_u64(t.seller_order) AS seller_order,
         clearing_money(t.seller_fee_e8) AS seller_fee
  FROM trade_records t
  LEFT JOIN instruments i ON i.instrument = t.instrument
  LEFT JOIN members bm ON bm.member = t.buyer_member
  LEFT JOIN accounts ba ON ba.member = t.buyer_member AND ba.account = t.buyer_account
  LEFT JOIN members sm ON sm.member = t.seller_member
  LEFT JOIN accounts sa ON sa.member = t.seller_member AND sa.account = t.seller_account;
)SQL";

// Each trade as two legs, signed: a bust subtracts what its trade added.
// Sums run over integers (value: numeric, price x qty can pass 2^63) and
// become 1e-8 decimals once, at the end.
const char* const kLegsAndDayPositions = R"SQL(
CREATE VIEW trade_legs AS
  SELECT seq, business_date, instrument,
         (CASE WHEN action = 2 THEN -1 ELSE 1 END)::smallint AS sign, 'buy'::text AS side,
         buyer_member AS member, buyer_account AS account,
         qty, price_e8::numeric * qty AS value_e8, buyer_fee_e8 AS fee_e8
  FROM trade_records
  UNION ALL
  SELECT seq, business_date, instrument,
         (CASE WHEN action = 2 THEN -1 ELSE 1 END)::smallint, 'sell'::text,
         seller_member, seller_account, qty, price_e8::numeric * qty, seller_fee_e8
  FROM trade_records;
CREATE VIEW day_positions AS
  SELECT business_date, member, account, instrument,
         coalesce(sum(sign * qty) FILTER (WHERE side = 'buy'), 0)::bigint AS bought,
         (coalesce(sum(sign * value_e8) FILTER (WHERE side = 'buy'), 0) * 0.00000001)::numeric(38,8)
           AS bought_value,
         coalesce(sum(sign * qty) FILTER (WHERE side = 'sell'), 0)::bigint AS sold,
         (coalesce(sum(sign * value_e8) FILTER (WHERE side = 'sell'), 0) * 0.00000001)::numeric(38,8)
           AS sold_value,
         (sum(sign * fee_e8) * 0.00000001)::numeric(38,8) AS fees,
         sum(sign)::bigint AS trades
  FROM trade_legs
  GROUP BY business_date, member, account, instrument;
)SQL";

// Opening quantities: for an instrument with carry_positions, the sum of
// the earlier dates' day quantities (the ledger carries net positions from
// one booked date to the next, so this is its opening on each date with
// trades). Positions: the day's, plus carried ones without trades that day.
const char* const kPositions = R"SQL(
CREATE VIEW business_dates AS
  SELECT DISTINCT business_date FROM trade_records;
CREATE VIEW opening_positions AS
  SELECT d.business_date, p.member, p.account, p.instrument,
         sum(p.bought - p.sold)::bigint AS opening
  FROM business_dates d
  JOIN day_positions p ON p.business_date < d.business_date
  JOIN instruments i ON i.instrument = p.instrument AND i.carry_positions
  GROUP BY d.business_date, p.member, p.account, p.instrument
  HAVING sum(p.bought - p.sold) <> 0;
CREATE VIEW positions AS
  SELECT coalesce(p.business_date, o.business_date) AS business_date,
         coalesce(p.member, o.member) AS member,
         coalesce(p.account, o.account) AS account,
         coalesce(p.instrument, o.instrument) AS instrument,
         coalesce(o.opening, 0)::bigint AS opening,
         coalesce(p.bought, 0)::bigint AS bought,
         coalesce(p.bought_value, 0)::numeric(38,8) AS bought_value,
         coalesce(p.sold, 0)::bigint AS sold,
         coalesce(p.sold_value, 0)::numeric(38,8) AS sold_value,
         coalesce(p.fees, 0)::numeric(38,8) AS fees,
         coalesce(p.trades, 0)::bigint AS trades,
         coalesce(p.bought - p.sold, 0)::bigint AS day_qty,
         (coalesce(o.opening, 0) + coalesce(p.bought - p.sold, 0))::bigint AS net_qty,
         coalesce(p.sold_value - p.bought_value - p.fees, 0)::numeric(38,8) AS cash
  FROM day_positions p
  FULL JOIN opening_positions o USING (business_date, member, account, instrument);
)SQL";

// T+0 netting per member: one quantity and one cash amount per instrument
// (fees included), over the positions that saw trading that day.
const char* const kObligations = R"SQL(
CREATE VIEW obligations AS
  SELECT business_date, member, instrument,
         sum(bought - sold)::bigint AS qty,
         sum(sold_value - bought_value - fees)::numeric(38,8) AS cash
  FROM day_positions
  WHERE trades <> 0 OR bought <> 0 OR sold <> 0 OR fees <> 0
  GROUP BY business_date, member, instrument;
CREATE VIEW member_cash AS
  SELECT business_date, member,
         sum(sold_value - bought_value - fees)::numeric(38,8) AS cash,
         sum(fees)::numeric(38,8) AS fees
  FROM day_positions
  GROUP BY business_date, member;
CREATE VIEW fees_collected AS
  SELECT business_date,
         (sum(CASE WHEN action = 2 THEN -1 ELSE 1 END * (buyer_fee_e8::numeric + seller_fee_e8))
          * 0.00000001)::numeric(38,8) AS fees
  FROM trade_records
  GROUP BY business_date;
)SQL";

}  // namespace

const std::string& schema_sql() {
  static const std::string sql =
      std::string(kTables) + kTradesView + kLegsAndDayPositions + kPositions + kObligations;
  return sql;
}

void ensure_schema(PgConnection& db) {
  db.exec("BEGIN");
  try {
    // Two loaders starting on an empty database: the second waits here.
    db.exec("SELECT pg_advisory_xact_lock(7736001)");
    PgRows exists = db.query("SELECT to_regclass('clearing_schema') IS NOT NULL");
    if (exists.text(0, 0) != "t") {
      db.exec(schema_sql());
      db.query("INSERT INTO clearing_schema (version) VALUES ($1)",
               {std::to_string(kSchemaVersion)});
    } else {
      PgRows v = db.query("SELECT max(version) FROM clearing_schema");
      const std::string found = v.get(0, 0).value_or("none");
      if (found != std::to_string(kSchemaVersion)) {
        throw PgError("the database holds clearing schema version " + found +
                      ", this matchgate-clearing writes version " + std::to_string(kSchemaVersion) +
                      ": load into a new database or schema (the loader reloads everything "
                      "from the log)");
      }
    }
    db.exec("COMMIT");
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
}

void store_reference_data(PgConnection& db, const clearing::ClearingOptions& names) {
  db.exec("BEGIN");
  try {
    for (std::size_t m = 0; m < names.members.size(); ++m) {
      const clearing::MemberNames& member = names.members[m];
      db.query(
          "INSERT INTO members VALUES ($1, $2) "
          "ON CONFLICT (member) DO UPDATE SET comp_id = EXCLUDED.comp_id",
          {std::to_string(m), member.comp_id});
      for (std::size_t a = 0; a < member.accounts.size(); ++a) {
        db.query(
            "INSERT INTO accounts VALUES ($1, $2, $3) "
            "ON CONFLICT (member, account) DO UPDATE SET name = EXCLUDED.name",
            {std::to_string(m), std::to_string(a), member.accounts[a]});
      }
    }
    for (std::size_t i = 0; i < names.instruments.size(); ++i) {
      const clearing::InstrumentClearing& inst = names.instruments[i];
      db.query(
          "INSERT INTO instruments VALUES ($1, $2, $3) ON CONFLICT (instrument) DO UPDATE "
          "SET symbol = EXCLUDED.symbol, carry_positions = EXCLUDED.carry_positions",
          {std::to_string(i), inst.symbol, inst.carry_positions ? "true" : "false"});
    }
    db.exec("COMMIT");
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
}

}  // namespace matchgate::clearing_load
