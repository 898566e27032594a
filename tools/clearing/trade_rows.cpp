#include "trade_rows.hpp"

#include <chrono>
#include <limits>
#include <string>
#include <type_traits>

#include "trade_loader.hpp"

namespace matchgate::clearing_load {

const char* const kTradeColumns =
    "seq, record_time_ns, action, trade_id, business_date, instrument, price_e8, qty, aggressor, "
    "buyer_member, buyer_account, buyer_order, buyer_fee_e8, "
    "seller_member, seller_account, seller_order, seller_fee_e8";

// Signature, flags (no OIDs), header extension length: PostgreSQL's COPY
// documentation, "Binary Format".
const std::string_view kCopyBinaryHeader{"PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19};
const std::string_view kCopyBinaryTrailer{"\377\377", 2};  // field count -1

namespace {

constexpr std::int16_t kColumns = 17;

// Big-endian, as the binary format has every integer.
template <typename Int>
void put(std::string& out, Int v) {
  using U = std::make_unsigned_t<Int>;
  auto u = static_cast<U>(v);
  char buf[sizeof(Int)];
  for (int i = static_cast<int>(sizeof(Int)) - 1; i >= 0; --i, u >>= 8U) {
    buf[i] = static_cast<char>(u & 0xFFU);
  }
  out.append(buf, sizeof buf);
}

// One field: its length, then its value.
template <typename Int>
void field(std::string& out, Int v) {
  put(out, static_cast<std::int32_t>(sizeof(Int)));
  put(out, v);
}

std::int32_t int4(std::uint32_t v, const char* what, std::uint64_t seq) {
  if (v > static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max())) {
    throw LoadError("record " + std::to_string(seq) + ": " + what + " " + std::to_string(v) +
                    " does not fit an integer column");
  }
  return static_cast<std::int32_t>(v);
}

// A date field holds days since 2000-01-01.
std::int32_t days_since_2000(std::int32_t yyyymmdd, std::uint64_t seq) {
  using namespace std::chrono;
  const year_month_day ymd{year(yyyymmdd / 10000),
                           month(static_cast<unsigned>(yyyymmdd / 100 % 100)),
                           day(static_cast<unsigned>(yyyymmdd % 100))};
  if (yyyymmdd < 0 || !ymd.ok()) {
    throw LoadError("record " + std::to_string(seq) + ": business date " +
                    std::to_string(yyyymmdd) + " is not a date");
  }
  return static_cast<std::int32_t>((sys_days(ymd) - sys_days(year(2000) / January / 1)).count());
}

void side_fields(std::string& out, const records::TradeSide& side, std::uint64_t seq) {
  field(out, int4(side.member, "member", seq));
  field(out, int4(side.account, "account", seq));
  field(out, static_cast<std::int64_t>(side.order));
  field(out, side.fee);
}

}  // namespace

void append_trade_row(std::string& out, std::uint64_t seq, std::int64_t time_ns,
                      const records::TradeRecord& r) {
  put(out, kColumns);
  field(out, static_cast<std::int64_t>(seq));
  field(out, time_ns);
  field(out, static_cast<std::int16_t>(r.action));
  field(out, static_cast<std::int64_t>(r.trade_id));
  field(out, days_since_2000(r.business_date, seq));
  field(out, int4(r.instrument, "instrument", seq));
  field(out, r.price);
  field(out, r.qty);
  field(out, static_cast<std::int16_t>(r.aggressor == engine::Side::Buy ? 0 : 1));
  side_fields(out, r.buyer, seq);
  side_fields(out, r.seller, seq);
}

}  // namespace matchgate::clearing_load
