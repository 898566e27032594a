#include "trade_rows.hpp"

#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "matchgate/engine/types.hpp"

namespace matchgate::clearing_load {

const char* const kTradeColumns =
    "seq, record_time, record_time_ns, action, trade_id, business_date, instrument, symbol, "
    "price, qty, aggressor, buyer_member, buyer_comp_id, buyer_account, buyer_account_name, "
    "buyer_order, buyer_fee, seller_member, seller_comp_id, seller_account, "
    "seller_account_name, seller_order, seller_fee";

namespace {

static_assert(engine::kPriceScale == 100'000'000, "fixed8_text writes eight fraction digits");

// COPY text format: backslash escapes for the characters that frame it.
void append_escaped(std::string& out, const std::string& s) {
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

void append_side(std::string& out, const records::TradeSide& side,
                 const clearing::ClearingOptions& names) {
  out += std::to_string(side.member);
  out += '\t';
  append_name(out, member_name(names, side.member));
  out += '\t';
  out += std::to_string(side.account);
  out += '\t';
  append_name(out, account_name(names, side.member, side.account));
  out += '\t';
  out += std::to_string(side.order);
  out += '\t';
  out += fixed8_text(side.fee);
}

}  // namespace

std::string fixed8_text(std::int64_t units) {
  // Through the magnitude as unsigned: INT64_MIN has no positive twin.
  const bool negative = units < 0;
  const std::uint64_t magnitude =
      negative ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%" PRIu64 ".%08" PRIu64, negative ? "-" : "",
                magnitude / 100'000'000, magnitude % 100'000'000);
  return buf;
}

std::string date_text(std::int32_t yyyymmdd) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", yyyymmdd / 10000, yyyymmdd / 100 % 100,
                yyyymmdd % 100);
  return buf;
}

std::string utc_micros_text(std::int64_t ns) {
  std::int64_t seconds = ns / 1'000'000'000;
  std::int64_t rest = ns % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lld+00", static_cast<long long>(rest / 1000));
  return buf;
}

void append_trade_row(std::string& out, std::uint64_t seq, std::int64_t time_ns,
                      const records::TradeRecord& r, const clearing::ClearingOptions& names) {
  out += std::to_string(seq);
  out += '\t';
  out += utc_micros_text(time_ns);
  out += '\t';
  out += std::to_string(time_ns);
  out += '\t';
  out += records::to_string(r.action);
  out += '\t';
  out += std::to_string(r.trade_id);
  out += '\t';
  out += date_text(r.business_date);
  out += '\t';
  out += std::to_string(r.instrument);
  out += '\t';
  append_name(out, r.instrument < names.instruments.size() ? &names.instruments[r.instrument].symbol
                                                           : nullptr);
  out += '\t';
  out += fixed8_text(r.price);
  out += '\t';
  out += std::to_string(r.qty);
  out += '\t';
  out += r.aggressor == engine::Side::Buy ? "buy" : "sell";
  out += '\t';
  append_side(out, r.buyer, names);
  out += '\t';
  append_side(out, r.seller, names);
  out += '\n';
}

}  // namespace matchgate::clearing_load
