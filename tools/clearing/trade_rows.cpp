#include "trade_rows.hpp"

#include <charconv>
#include <chrono>
#include <string_view>

#include "matchgate/clearing/money_text.hpp"
#include "matchgate/engine/types.hpp"
#include "matchgate/util/assert.hpp"

namespace matchgate::clearing_load {

const char* const kTradeColumns =
    "seq, record_time, record_time_ns, action, trade_id, business_date, instrument, symbol, "
    "price, qty, aggressor, buyer_member, buyer_comp_id, buyer_account, buyer_account_name, "
    "buyer_order, buyer_fee, seller_member, seller_comp_id, seller_account, "
    "seller_account_name, seller_order, seller_fee";

namespace {

template <typename Int>
void append_int(std::string& out, Int v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  MATCHGATE_ASSERT(r.ec == std::errc(), "24 characters hold any 64-bit integer");
  out.append(buf, r.ptr);
}

void append_money(std::string& out, clearing::Money v) {
  char buf[clearing::kMoneyTextMax];
  out.append(buf, clearing::money_chars(v, buf));
}

// `value` as exactly `width` digits (zero-padded) at `p`; value < 10^width.
void put_digits(char* p, std::uint32_t value, int width) {
  for (int i = width - 1; i >= 0; --i, value /= 10) p[i] = static_cast<char>('0' + value % 10);
}

// yyyymmdd as "yyyy-mm-dd".
void append_date(std::string& out, std::int32_t yyyymmdd) {
  MATCHGATE_ASSERT(yyyymmdd >= 0 && yyyymmdd <= 99991231, "a business date is yyyymmdd");
  const auto d = static_cast<std::uint32_t>(yyyymmdd);
  char buf[10];
  put_digits(buf, d / 10000, 4);
  buf[4] = '-';
  put_digits(buf + 5, d / 100 % 100, 2);
  buf[7] = '-';
  put_digits(buf + 8, d % 100, 2);
  out.append(buf, sizeof buf);
}

// COPY text format: backslash escapes for the characters that frame it.
void append_escaped(std::string& out, std::string_view s) {
  for (const char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

void append_name(std::string& out, const std::string* name) {
  if (name == nullptr) {
    out += "\\N";
  } else {
    append_escaped(out, *name);
  }
}

const std::string* member_name(const clearing::ClearingOptions& names, std::uint32_t member) {
  return member < names.members.size() ? &names.members[member].comp_id : nullptr;
}

const std::string* account_name(const clearing::ClearingOptions& names, std::uint32_t member,
                                std::uint32_t account) {
  if (member >= names.members.size()) return nullptr;
  const auto& accounts = names.members[member].accounts;
  return account < accounts.size() ? &accounts[account] : nullptr;
}

// "yyyy-mm-dd hh:mm:ss" of a second since the epoch (UTC, proleptic
// Gregorian, years 0..9999).
void second_text(std::int64_t second, std::array<char, 19>& text) {
  using namespace std::chrono;
  const sys_seconds t{seconds(second)};
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{t - day};
  const int y = static_cast<int>(ymd.year());
  MATCHGATE_ASSERT(y >= 0 && y <= 9999, "a record time has a four-digit year");
  char* p = text.data();
  put_digits(p, static_cast<std::uint32_t>(y), 4);
  p[4] = '-';
  put_digits(p + 5, static_cast<unsigned>(ymd.month()), 2);
  p[7] = '-';
  put_digits(p + 8, static_cast<unsigned>(ymd.day()), 2);
  p[10] = ' ';
  put_digits(p + 11, static_cast<std::uint32_t>(hms.hours().count()), 2);
  p[13] = ':';
  put_digits(p + 14, static_cast<std::uint32_t>(hms.minutes().count()), 2);
  p[16] = ':';
  put_digits(p + 17, static_cast<std::uint32_t>(hms.seconds().count()), 2);
}

}  // namespace

void TradeRowWriter::append_time(std::string& out, std::int64_t ns) {
  // Floor division: a time before the epoch still has a non-negative fraction.
  std::int64_t second = ns / 1'000'000'000;
  std::int64_t rest = ns % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --second;
  }
  if (second != cached_second_) {
    second_text(second, second_text_);
    cached_second_ = second;
  }
  char micros[7 + 3];
  micros[0] = '.';
  put_digits(micros + 1, static_cast<std::uint32_t>(rest / 1000), 6);
  micros[7] = '+';
  micros[8] = '0';
  micros[9] = '0';
  out.append(second_text_.data(), second_text_.size());
  out.append(micros, sizeof micros);
}

void TradeRowWriter::append_side(std::string& out, const records::TradeSide& side) const {
  append_int(out, side.member);
  out += '\t';
  append_name(out, member_name(names_, side.member));
  out += '\t';
  append_int(out, side.account);
  out += '\t';
  append_name(out, account_name(names_, side.member, side.account));
  out += '\t';
  append_int(out, side.order);
  out += '\t';
  append_money(out, side.fee);
}

void TradeRowWriter::append(std::string& out, std::uint64_t seq, std::int64_t time_ns,
                            const records::TradeRecord& r) {
  append_int(out, seq);
  out += '\t';
  append_time(out, time_ns);
  out += '\t';
  append_int(out, time_ns);
  out += '\t';
  out += records::to_string(r.action);
  out += '\t';
  append_int(out, r.trade_id);
  out += '\t';
  append_date(out, r.business_date);
  out += '\t';
  append_int(out, r.instrument);
  out += '\t';
  append_name(out, r.instrument < names_.instruments.size()
                       ? &names_.instruments[r.instrument].symbol
                       : nullptr);
  out += '\t';
  append_money(out, r.price);
  out += '\t';
  append_int(out, r.qty);
  out += '\t';
  out += r.aggressor == engine::Side::Buy ? "buy" : "sell";
  out += '\t';
  append_side(out, r.buyer);
  out += '\t';
  append_side(out, r.seller);
  out += '\n';
}

}  // namespace matchgate::clearing_load
