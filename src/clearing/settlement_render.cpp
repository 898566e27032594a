// The settlement report's data files: CSV and JSON, byte for byte the same
// for the same report (docs/CLEARING.md lists every column).
#include <algorithm>
#include <functional>
#include <string>

#include "matchgate/clearing/settlement_report.hpp"
#include "report_text.hpp"

namespace matchgate::clearing {

namespace {

// Names from the options; the index where the configuration has none (an
// account a member's list does not name: its default account).
// "#<index>"; appended piece by piece (GCC 12 warns, wrongly, about
// `index_name(i)`).
std::string index_name(std::uint64_t i) {
  std::string s = "#";
  s += std::to_string(i);
  return s;
}

class Names {
 public:
  explicit Names(const ClearingOptions& o) : o_(o) {}
  std::string member(engine::MemberId m) const {
    return m < o_.members.size() ? o_.members[m].comp_id : index_name(m);
  }
  std::string account(engine::MemberId m, engine::AccountId a) const {
    if (m < o_.members.size() && a < o_.members[m].accounts.size()) {
      return o_.members[m].accounts[a];
    }
    return index_name(a);
  }
  std::string symbol(std::uint32_t i) const {
    return i < o_.instruments.size() ? o_.instruments[i].symbol : index_name(i);
  }

 private:
  const ClearingOptions& o_;
};

// One row, as (column, value, is_text) cells: CSV writes the values;
// JSON writes an object whose text values are quoted strings (null when
// empty: an average over no quantity) and whose other values (quantities,
// counts, sequence numbers) are bare integers.
struct Cell {
  const char* column;
  std::string value;
  bool text;
};
using Row = std::vector<Cell>;

Cell txt(const char* c, std::string v) {
  return Cell{c, std::move(v), true};
}
Cell num(const char* c, std::int64_t v) {
  return Cell{c, std::to_string(v), false};
}
Cell num_u(const char* c, std::uint64_t v) {
  return Cell{c, std::to_string(v), false};
}
Cell cash(const char* c, Money v) {
  return Cell{c, money_text(v), true};
}

std::string average(Money value, engine::Qty qty) {
  return qty > 0 ? money_text(text::divide_rounded(value, qty)) : std::string();
}

Row trade_row(const ReportTrade& t, const Names& n) {
  const records::TradeRecord& r = t.record;
  return {num_u("seq", t.seq),
          txt("time", text::utc_time(t.time_ns)),
          txt("action", records::to_string(r.action)),
          num_u("trade_id", r.trade_id),
          txt("symbol", n.symbol(r.instrument)),
          cash("price", r.price),
          num("qty", r.qty),
          txt("aggressor", r.aggressor == engine::Side::Buy ? "buy" : "sell"),
          txt("buyer", n.member(r.buyer.member)),
          txt("buyer_account", n.account(r.buyer.member, r.buyer.account)),
          num_u("buyer_order", r.buyer.order),
          cash("buyer_fee", r.buyer.fee),
          txt("seller", n.member(r.seller.member)),
          txt("seller_account", n.account(r.seller.member, r.seller.account)),
          num_u("seller_order", r.seller.order),
          cash("seller_fee", r.seller.fee)};
}

Row position_row(const PositionKey& k, const Position& p, const Names& n) {
  return {txt("member", n.member(k.member)),
          txt("account", n.account(k.member, k.account)),
          txt("symbol", n.symbol(k.instrument)),
          num("opening", p.opening),
          num("bought", p.bought),
          cash("bought_value", p.bought_value),
          txt("avg_buy_price", average(p.bought_value, p.bought)),
          num("sold", p.sold),
          cash("sold_value", p.sold_value),
          txt("avg_sell_price", average(p.sold_value, p.sold)),
          num("day_qty", p.day_qty()),
          num("net", p.net()),
          cash("fees", p.fees),
          cash("cash", p.cash()),
          num("trades", p.trades)};
}

Row obligation_row(const Obligation& o, const Names& n) {
  return {txt("member", n.member(o.member)), txt("symbol", n.symbol(o.instrument)),
          num("qty", o.qty), cash("cash", o.cash)};
}

std::vector<Row> cash_rows(const SettlementReport& r, const Names& n) {
  std::vector<Row> rows;
  for (const MemberCash& m : r.members) {
    rows.push_back({txt("role", "member"), txt("party", n.member(m.member)), cash("fees", m.fees),
                    cash("cash", m.cash)});
  }
  rows.push_back({txt("role", "venue"), txt("party", "venue"), cash("fees", r.fees_collected),
                  cash("cash", r.fees_collected)});
  return rows;
}

// Every table of the report, in the order report.json lists them.
struct Table {
  const char* name;  // the CSV file is <name>.csv
  Row header;        // the column names (an empty row's cells)
  std::vector<Row> rows;
};

template <typename Item, typename MakeRow>
Table table(const char* name, const std::vector<Item>& items, Row header, MakeRow make_row) {
  Table t{name, std::move(header), {}};
  for (const Item& item : items) t.rows.push_back(make_row(item));
  return t;
}

std::vector<Table> tables(const SettlementReport& r, const Names& n) {
  const ReportTrade no_trade{};
  const Obligation no_obligation{};
  std::vector<Table> out;
  out.push_back(table("trades", r.trades, trade_row(no_trade, n),
                      [&](const ReportTrade& t) { return trade_row(t, n); }));
  out.push_back(table("positions", r.positions, position_row({}, {}, n),
                      [&](const auto& kp) { return position_row(kp.first, kp.second, n); }));
  out.push_back(table("obligations", r.obligations, obligation_row(no_obligation, n),
                      [&](const Obligation& o) { return obligation_row(o, n); }));
  Table c{"cash", {}, cash_rows(r, n)};
  c.header = c.rows.front();
  out.push_back(std::move(c));
  return out;
}

std::string csv(const Table& t) {
  std::string out;
  for (std::size_t i = 0; i < t.header.size(); ++i) {
    if (i != 0) out += ',';
    out += t.header[i].column;
  }
  out += '\n';
  for (const Row& row : t.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i != 0) out += ',';
      out += text::csv_field(row[i].value);
    }
    out += '\n';
  }
  return out;
}

std::string json_object(const Row& row) {
  std::string out = "{";
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (i != 0) out += ", ";
    out += text::json_string(row[i].column);
    out += ": ";
    if (!row[i].text) {
      out += row[i].value;
    } else {
      out += row[i].value.empty() ? "null" : text::json_string(row[i].value);
    }
  }
  return out + "}";
}

std::string json(const SettlementReport& r, const ClearingOptions& o,
                 const std::vector<Table>& ts) {
  std::string out = "{\n";
  out += "  \"format\": \"matchgate-settlement-report/1\",\n";
  out += "  \"business_date\": " + std::to_string(r.business_date) + ",\n";
  out += "  \"close_seq\": " + std::to_string(r.close_seq) + ",\n";
  out += "  \"close_time\": " + text::json_string(text::utc_time(r.close_time_ns)) + ",\n";
  out += "  \"chain_hash_seq\": " + std::to_string(r.chain_hash_seq) + ",\n";
  out += "  \"chain_hash\": " +
         text::json_string(text::hex(r.chain_hash.data(), r.chain_hash.size())) + ",\n";
  out += "  \"fee_decimals\": " + std::to_string(o.fee_decimals) + ",\n";
  out += "  \"fees_collected\": " + text::json_string(money_text(r.fees_collected));
  for (const Table& t : ts) {
    out += ",\n  " + text::json_string(t.name) + ": [";
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
      out += i != 0 ? ",\n    " : "\n    ";
      out += json_object(t.rows[i]);
    }
    out += t.rows.empty() ? "]" : "\n  ]";
  }
  return out + "\n}\n";
}

}  // namespace

std::vector<ReportFile> render_report(const SettlementReport& report,
                                      const ClearingOptions& options) {
  const Names names(options);
  const std::vector<Table> ts = tables(report, names);
  std::vector<ReportFile> files;
  files.reserve(ts.size() + 1);
  for (const Table& t : ts) files.push_back(ReportFile{std::string(t.name) + ".csv", csv(t)});
  files.push_back(ReportFile{"report.json", json(report, options, ts)});
  std::sort(files.begin(), files.end(),
            [](const ReportFile& a, const ReportFile& b) { return a.name < b.name; });
  return files;
}

}  // namespace matchgate::clearing
