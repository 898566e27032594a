#pragma once
// The randomized clearing test's own arithmetic, independent of the
// clearing library: decimal text <-> 1e-8 units, CSV files as rows, and
// positions / obligations / member cash recomputed from scratch from a
// list of trades (the settlement reports' trades.csv), carried over dates
// the way docs/CLEARING.md says.
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace matchgate::testing::clearing_random {

using Units = __int128;  // 1e-8 currency units
inline constexpr int kScaleDigits = 8;

// "-1000.2" -> -100020000000; throws on anything else than [-]digits[.digits].
inline Units parse_units(const std::string& s) {
  std::size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) ++i;
  Units whole = 0;
  Units frac = 0;
  int frac_digits = 0;
  bool dot = false;
  bool any = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '.' && !dot) {
      dot = true;
      continue;
    }
    if (s[i] < '0' || s[i] > '9') throw std::runtime_error("not a decimal: \"" + s + "\"");
    any = true;
    if (dot) {
      if (++frac_digits > kScaleDigits) throw std::runtime_error("too many decimals: " + s);
      frac = frac * 10 + (s[i] - '0');
    } else {
      whole = whole * 10 + (s[i] - '0');
    }
  }
  if (!any) throw std::runtime_error("not a decimal: \"" + s + "\"");
  for (; frac_digits < kScaleDigits; ++frac_digits) frac *= 10;
  const Units v = whole * 100'000'000 + frac;
  return negative ? -v : v;
}

// The shortest exact text: no trailing fraction zeros, no '.' for whole numbers.
inline std::string units_text(Units v) {
  const bool negative = v < 0;
  unsigned __int128 m = negative ? static_cast<unsigned __int128>(-v) : v;
  std::string frac;
  for (int i = 0; i < kScaleDigits; ++i) {
    frac.insert(frac.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  }
  std::string whole;
  do {
    whole.insert(whole.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m != 0);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return (negative ? "-" : "") + whole + (frac.empty() ? "" : "." + frac);
}

// value / qty in 1e-8 units, rounded half away from zero; "" for qty 0.
inline std::string average_text(Units value, std::int64_t qty) {
  if (qty == 0) return "";
  const bool negative = value < 0;
  const Units a = negative ? -value : value;
  Units q = a / qty;
  if ((a % qty) * 2 >= qty) ++q;
  return units_text(negative ? -q : q);
}

using CsvRow = std::vector<std::string>;

// A CSV file without quoted fields (the test's names have no commas):
// the header, then the rows.
struct Csv {
  CsvRow header;
  std::vector<CsvRow> rows;
  std::size_t column(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return i;
    }
    throw std::runtime_error("no column " + name);
  }
};

inline CsvRow split_csv_line(const std::string& line) {
  CsvRow out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

inline Csv read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  Csv csv;
  std::string line;
  if (std::getline(in, line)) csv.header = split_csv_line(line);
  while (std::getline(in, line)) csv.rows.push_back(split_csv_line(line));
  return csv;
}

// One side of a trade as trades.csv gives it.
struct Leg {
  std::string member;
  std::string account;
  Units fee = 0;
};

struct TradeRow {
  std::uint64_t trade_id = 0;
  std::string action;
  std::string symbol;
  Units price = 0;
  std::int64_t qty = 0;
  Leg buyer;
  Leg seller;
};

inline std::vector<TradeRow> trades_of(const Csv& csv) {
  std::vector<TradeRow> out;
  for (const CsvRow& r : csv.rows) {
    const auto at = [&](const char* c) { return r.at(csv.column(c)); };
    TradeRow t;
    t.trade_id = std::stoull(at("trade_id"));
    t.action = at("action");
    t.symbol = at("symbol");
    t.price = parse_units(at("price"));
    t.qty = std::stoll(at("qty"));
    t.buyer = Leg{at("buyer"), at("buyer_account"), parse_units(at("buyer_fee"))};
    t.seller = Leg{at("seller"), at("seller_account"), parse_units(at("seller_fee"))};
    out.push_back(t);
  }
  return out;
}

// The names in configuration order: the reports sort by these indices.
struct Names {
  std::vector<std::string> members;
  std::vector<std::vector<std::string>> accounts;  // per member
  std::vector<std::string> symbols;
  std::vector<bool> carry;  // per instrument
  std::size_t member(const std::string& s) const { return index(members, s); }
  std::size_t account(std::size_t m, const std::string& s) const { return index(accounts[m], s); }
  std::size_t symbol(const std::string& s) const { return index(symbols, s); }
  static std::size_t index(const std::vector<std::string>& v, const std::string& s) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == s) return i;
    }
    throw std::runtime_error("unknown name " + s);
  }
};

struct Pos {
  std::int64_t opening = 0;
  std::int64_t bought = 0;
  Units bought_value = 0;
  std::int64_t sold = 0;
  Units sold_value = 0;
  Units fees = 0;
  std::int64_t trades = 0;
  std::int64_t net() const { return opening + bought - sold; }
  Units cash() const { return sold_value - bought_value - fees; }
  bool booked() const { return trades != 0 || bought != 0 || sold != 0 || fees != 0; }
};

using PosKey = std::tuple<std::size_t, std::size_t, std::size_t>;  // member, account, instrument

// Positions of one business date, recomputed from its trades, the carried
// openings given.
class DayModel {
 public:
  DayModel(const Names& names, std::map<PosKey, Pos> carried)
      : names_(names), positions_(std::move(carried)) {}

  void book(const TradeRow& t) {
    const int sign = t.action == "bust" ? -1 : 1;
    const std::size_t instrument = names_.symbol(t.symbol);
    const Units value = t.price * t.qty * sign;
    Pos& b = at(t.buyer, instrument);
    b.bought += t.qty * sign;
    b.bought_value += value;
    b.fees += t.buyer.fee * sign;
    b.trades += sign;
    Pos& s = at(t.seller, instrument);
    s.sold += t.qty * sign;
    s.sold_value += value;
    s.fees += t.seller.fee * sign;
    s.trades += sign;
    fees_collected_ += (t.buyer.fee + t.seller.fee) * sign;
  }
  // What the next date opens with: the carrying instruments' non-zero nets.
  std::map<PosKey, Pos> carried() const {
    std::map<PosKey, Pos> out;
    for (const auto& [k, p] : positions_) {
      if (names_.carry[std::get<2>(k)] && p.net() != 0) out[k].opening = p.net();
    }
    return out;
  }
  const std::map<PosKey, Pos>& positions() const { return positions_; }
  Units fees_collected() const { return fees_collected_; }

  std::vector<CsvRow> position_rows() const;
  std::vector<CsvRow> obligation_rows() const;
  std::vector<CsvRow> cash_rows() const;

 private:
  Pos& at(const Leg& leg, std::size_t instrument) {
    const std::size_t m = names_.member(leg.member);
    return positions_[PosKey{m, names_.account(m, leg.account), instrument}];
  }
  const Names& names_;
  std::map<PosKey, Pos> positions_;  // (member, account, instrument): the reports' order
  Units fees_collected_ = 0;
};

inline std::vector<CsvRow> DayModel::position_rows() const {
  std::vector<CsvRow> rows;
  for (const auto& [k, p] : positions_) {
    const auto [m, a, i] = k;
    rows.push_back({names_.members[m], names_.accounts[m][a], names_.symbols[i],
                    std::to_string(p.opening), std::to_string(p.bought), units_text(p.bought_value),
                    average_text(p.bought_value, p.bought), std::to_string(p.sold),
                    units_text(p.sold_value), average_text(p.sold_value, p.sold),
                    std::to_string(p.bought - p.sold), std::to_string(p.net()), units_text(p.fees),
                    units_text(p.cash()), std::to_string(p.trades)});
  }
  return rows;
}

// T+0 netting per member and instrument over the accounts with something booked.
inline std::vector<CsvRow> DayModel::obligation_rows() const {
  std::map<std::pair<std::size_t, std::size_t>, std::pair<std::int64_t, Units>> net;
  for (const auto& [k, p] : positions_) {
    if (!p.booked()) continue;
    auto& [qty, cash] = net[{std::get<0>(k), std::get<2>(k)}];
    qty += p.bought - p.sold;
    cash += p.cash();
  }
  std::vector<CsvRow> rows;
  for (const auto& [k, v] : net) {
    rows.push_back({names_.members[k.first], names_.symbols[k.second], std::to_string(v.first),
                    units_text(v.second)});
  }
  return rows;
}

inline std::vector<CsvRow> DayModel::cash_rows() const {
  std::map<std::size_t, std::pair<Units, Units>> members;  // fees, cash
  for (const auto& [k, p] : positions_) {
    if (!p.booked()) continue;
    auto& [fees, cash] = members[std::get<0>(k)];
    fees += p.fees;
    cash += p.cash();
  }
  std::vector<CsvRow> rows;
  for (const auto& [m, v] : members) {
    rows.push_back({"member", names_.members[m], units_text(v.first), units_text(v.second)});
  }
  rows.push_back({"venue", "venue", units_text(fees_collected_), units_text(fees_collected_)});
  return rows;
}

}  // namespace matchgate::testing::clearing_random
