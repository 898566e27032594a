#pragma once
// Pre-trade risk of one network thread's members (docs/RISK.md): per-member
// limits, the credit each member has in use, its open orders and its
// message rate. The network thread that owns a member's session owns its
// risk state, so nothing here is shared or locked; every update is O(1) and
// nothing allocates after construction.
//
// Credit in use = sum over the member's open orders of their holds
//               + sum over instruments of |net position| x reference price.
// An order holds leaves x its risk price, where the risk price is
// max(limit price, reference price) and a market order's limit price is its
// band edge (buy: the band's top, sell: its bottom). Because a fill of q
// releases q x risk price >= q x reference price from the hold and moves the
// position by at most q, a fill never raises credit in use: only new orders
// and replaces can, and those are checked here.
//
// Decisions (check_*) are made live only. The state (holds, positions, open
// orders) follows the logged requests and the engine's events, so a replay
// of the log rebuilds it exactly; the message rate is not state a replay
// needs (a refused message never reaches the log).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "matchgate/engine/instrument.hpp"
#include "matchgate/engine/types.hpp"
#include "matchgate/util/byte_io.hpp"

namespace matchgate::risk {

// Price units (10^-8 currency units) x quantity: notionals never overflow.
using Notional = __int128;
inline constexpr std::int64_t kNoLimit = -1;

// A member's limits, every one optional (kNoLimit). Money in price units
// (10^-8 currency units), as the config's decimals are read.
struct MemberLimits {
  std::int64_t credit_limit = kNoLimit;
  std::int64_t max_order_value = kNoLimit;
  std::int64_t max_open_orders = kNoLimit;
  std::int64_t max_messages_per_s = kNoLimit;
  std::int64_t message_burst = kNoLimit;  // kNoLimit: max_messages_per_s
  bool operator==(const MemberLimits&) const = default;
};

// The keys of MemberLimits, as the config and `set-limit` name them.
enum class LimitKey : std::uint8_t {
  CreditLimit = 0,
  MaxOrderValue = 1,
  MaxOpenOrders = 2,
  MaxMessagesPerS = 3,
  MessageBurst = 4,
};
inline constexpr std::size_t kLimitKeys = 5;
const char* to_string(LimitKey k) noexcept;  // "credit_limit", ...
bool parse_limit_key(std::string_view name, LimitKey& out) noexcept;
// Money keys are decimals (price units); the others whole numbers.
bool is_money(LimitKey k) noexcept;
std::int64_t get(const MemberLimits& l, LimitKey k) noexcept;
void set(MemberLimits& l, LimitKey k, std::int64_t value) noexcept;

// What an instrument contributes to risk: its reference price and band.
struct InstrumentRisk {
  engine::Price reference = 0;
  engine::Price band_low = 1;
  engine::Price band_high = engine::kMaxPrice;
};

enum class Rule : std::uint8_t { None, CreditLimit, MaxOrderValue, MaxOpenOrders };

// A check's answer: the rule that refuses, and the numbers to name.
struct Verdict {
  Rule rule = Rule::None;
  Notional limit = 0;
  Notional in_use = 0;  // credit in use, or open orders
  Notional needs = 0;   // what the order would add (or its value)
  bool ok() const noexcept { return rule == Rule::None; }
};

// Writes e.g. "credit limit 1000000.00: in use 998500.00, order needs
// 2500.00"; returns the characters written (at most `cap`).
std::size_t describe(const Verdict& v, char* buf, std::size_t cap) noexcept;
// Money in price units as decimal text with at least two fraction digits
// ("998500.00", "0.125"); not for the order path (it allocates).
std::string money_text(Notional value);

struct MemberRisk {
  MemberLimits limits;
  // Keys set at runtime (bit per LimitKey): they override the config's
  // value from then on, across restarts.
  std::uint8_t overridden = 0;
  Notional held = 0;      // sum of the open orders' holds
  Notional exposure = 0;  // sum of |net position| x reference price
  std::int64_t open_orders = 0;
  // Token bucket of the message rate, in 1/kTokenScale messages: one
  // nanosecond at r messages per second adds exactly r of them.
  std::int64_t tokens = 0;
  std::int64_t refilled_ns = 0;
  Notional credit_in_use() const noexcept { return held + exposure; }
};

class PreTradeRisk {
 public:
  static constexpr std::int64_t kTokenScale = 1'000'000'000;

  PreTradeRisk(std::vector<MemberLimits> limits, std::vector<InstrumentRisk> instruments);

  // The price an order is valued at (see the header comment).
  engine::Price risk_price(std::uint32_t instrument, engine::Side side, engine::OrdType type,
                           engine::Price price) const noexcept;
  Notional value(std::uint32_t instrument, engine::Side side, engine::OrdType type,
                 engine::Price price, engine::Qty qty) const noexcept {
    return static_cast<Notional>(risk_price(instrument, side, type, price)) * qty;
  }

  // A new order of value `hold` (= value(..., qty)): max_order_value,
  // max_open_orders, then the credit limit.
  Verdict check_new(engine::MemberId member, Notional hold) const noexcept;
  // A replace to total value `order_value` that changes the order's hold
  // from `current_hold` to `new_hold`.
  Verdict check_replace(engine::MemberId member, Notional order_value, Notional current_hold,
                        Notional new_hold) const noexcept;
  // One application message at `now_ns`: false when the member's rate limit
  // has no token left (nothing is taken then).
  bool take_message(engine::MemberId member, std::int64_t now_ns) noexcept;

  // State changes, live and in replay alike.
  void change_hold(engine::MemberId member, Notional from, Notional to) noexcept;
  void open_order(engine::MemberId member) noexcept;
  void close_order(engine::MemberId member) noexcept;
  // A fill of `qty` on `side` moves the member's net position.
  void fill(engine::MemberId member, std::uint32_t instrument, engine::Side side,
            engine::Qty qty) noexcept;
  void set_limit(engine::MemberId member, LimitKey key, std::int64_t value) noexcept;

  const MemberRisk& member(engine::MemberId m) const noexcept { return members_[m]; }
  engine::Qty position(engine::MemberId m, std::uint32_t instrument) const noexcept {
    return positions_[m * instruments_.size() + instrument];
  }
  std::size_t member_count() const noexcept { return members_.size(); }
  std::size_t instrument_count() const noexcept { return instruments_.size(); }
  const InstrumentRisk& instrument(std::uint32_t i) const noexcept { return instruments_[i]; }

  // Snapshot: the limits set at runtime and the positions; holds and open
  // orders are rebuilt from the open order records (reset_orders, then
  // change_hold/open_order per record). load() applies the saved limits
  // over the config's, as a replay of the set-limit requests would.
  void save(util::ByteWriter& out) const;
  void load(util::ByteReader& in);
  void reset_orders() noexcept;

 private:
  Notional exposure_of(std::uint32_t instrument, engine::Qty position) const noexcept;
  void refill(MemberRisk& m, std::int64_t now_ns) const noexcept;
  std::int64_t burst_tokens(const MemberLimits& l) const noexcept;

  std::vector<MemberRisk> members_;
  std::vector<InstrumentRisk> instruments_;
  std::vector<engine::Qty> positions_;  // member-major: [member][instrument]
};

}  // namespace matchgate::risk
