#pragma once
// What the loader's tests compare: database rows as text, and the same
// figures formatted from the records and the ledger, independently of the
// loader's own formatting.
#include <cstdint>
#include <string>
#include <vector>

#include "matchgate/clearing/fees.hpp"
#include "pg_connection.hpp"

namespace matchgate::testing {

using Rows = std::vector<std::vector<std::string>>;

inline Rows select_rows(clearing_load::PgConnection& db, const std::string& sql) {
  const clearing_load::PgRows r = db.query(sql);
  Rows out;
  for (int i = 0; i < r.rows(); ++i) {
    std::vector<std::string> row;
    for (int c = 0; c < r.columns(); ++c) row.push_back(r.get(i, c).value_or("NULL"));
    out.push_back(std::move(row));
  }
  return out;
}

// 1e-8 units as NUMERIC(38,8) prints them.
inline std::string money_text(clearing::Money units) {
  const bool negative = units < 0;
  unsigned __int128 m =
      negative ? static_cast<unsigned __int128>(-units) : static_cast<unsigned __int128>(units);
  std::string frac;
  for (int i = 0; i < 8; ++i) {
    frac.insert(frac.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  }
  std::string whole;
  do {
    whole.insert(whole.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m != 0);
  return (negative ? "-" : "") + whole + "." + frac;
}

inline std::string iso_date(std::int32_t yyyymmdd) {
  const std::string s = std::to_string(yyyymmdd);
  return s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2);
}

}  // namespace matchgate::testing
