#include "matchgate/risk/pre_trade_risk.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>

#include "matchgate/util/assert.hpp"

namespace matchgate::risk {

namespace {

constexpr std::array<const char*, kLimitKeys> kKeyNames = {
    "credit_limit", "max_order_value", "max_open_orders", "max_messages_per_s", "message_burst"};

Notional abs128(Notional v) noexcept {
  return v < 0 ? -v : v;
}

// Money as decimal text with at least two fraction digits: the price scale
// is 10^8, so the last six digits are shown only when they are not zero.
std::size_t format_money(Notional value, char* buf, std::size_t cap) noexcept {
  char digits[48];
  std::size_t n = 0;
  const bool negative = value < 0;
  auto u = static_cast<unsigned __int128>(negative ? -value : value);
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
  } while (u != 0 || n < 9);  // at least "0.00000000"
  std::size_t fraction = 8;
  std::size_t skip = 0;  // trailing fraction zeros beyond two places
  while (fraction > 2 && digits[skip] == '0') {
    ++skip;
    --fraction;
  }
  std::size_t out = 0;
  const auto put = [&](char c) {
    if (out < cap) buf[out++] = c;
  };
  if (negative) put('-');
  for (std::size_t i = n; i-- > 8;) put(digits[i]);
  put('.');
  for (std::size_t i = 8; i-- > skip;) put(digits[i]);
  return out;
}

std::size_t format_count(Notional value, char* buf, std::size_t cap) noexcept {
  const int n = std::snprintf(buf, cap, "%lld", static_cast<long long>(value));
  return n < 0 ? 0 : std::min(static_cast<std::size_t>(n), cap);
}

}  // namespace

std::string money_text(Notional value) {
  char buf[64];
  return std::string(buf, format_money(value, buf, sizeof buf));
}

const char* to_string(LimitKey k) noexcept {
  const auto i = static_cast<std::size_t>(k);
  return i < kKeyNames.size() ? kKeyNames[i] : "unknown";
}

bool parse_limit_key(std::string_view name, LimitKey& out) noexcept {
  for (std::size_t i = 0; i < kKeyNames.size(); ++i) {
    if (name == kKeyNames[i]) {
      out = static_cast<LimitKey>(i);
      return true;
    }
  }
  return false;
}

bool is_money(LimitKey k) noexcept {
  return k == LimitKey::CreditLimit || k == LimitKey::MaxOrderValue;
}

std::int64_t get(const MemberLimits& l, LimitKey k) noexcept {
  switch (k) {
    case LimitKey::CreditLimit:
      return l.credit_limit;
    case LimitKey::MaxOrderValue:
      return l.max_order_value;
    case LimitKey::MaxOpenOrders:
      return l.max_open_orders;
    case LimitKey::MaxMessagesPerS:
      return l.max_messages_per_s;
    case LimitKey::MessageBurst:
      return l.message_burst;
  }
  return kNoLimit;
}

void set(MemberLimits& l, LimitKey k, std::int64_t value) noexcept {
  switch (k) {
    case LimitKey::CreditLimit:
      l.credit_limit = value;
      return;
    case LimitKey::MaxOrderValue:
      l.max_order_value = value;
      return;
    case LimitKey::MaxOpenOrders:
      l.max_open_orders = value;
      return;
    case LimitKey::MaxMessagesPerS:
      l.max_messages_per_s = value;
      return;
    case LimitKey::MessageBurst:
      l.message_burst = value;
      return;
  }
}

std::size_t describe(const Verdict& v, char* buf, std::size_t cap) noexcept {
  char limit[48], in_use[48], needs[48];
  const bool money = v.rule != Rule::MaxOpenOrders;
  const auto fmt = money ? format_money : format_count;
  const std::size_t nl = fmt(v.limit, limit, sizeof limit);
  const std::size_t nu = fmt(v.in_use, in_use, sizeof in_use);
  const std::size_t nn = fmt(v.needs, needs, sizeof needs);
  int n = 0;
  switch (v.rule) {
    case Rule::CreditLimit:
      n = std::snprintf(buf, cap, "credit limit %.*s: in use %.*s, order needs %.*s",
                        static_cast<int>(nl), limit, static_cast<int>(nu), in_use,
                        static_cast<int>(nn), needs);
      break;
    case Rule::MaxOrderValue:
      n = std::snprintf(buf, cap, "max order value %.*s: order value %.*s", static_cast<int>(nl),
                        limit, static_cast<int>(nn), needs);
      break;
    case Rule::MaxOpenOrders:
      n = std::snprintf(buf, cap, "max open orders %.*s: open %.*s", static_cast<int>(nl), limit,
                        static_cast<int>(nu), in_use);
      break;
    case Rule::None:
      n = std::snprintf(buf, cap, "within limits");
      break;
  }
  return n < 0 ? 0 : std::min(static_cast<std::size_t>(n), cap == 0 ? 0 : cap - 1);
}

PreTradeRisk::PreTradeRisk(std::vector<MemberLimits> limits,
                           std::vector<InstrumentRisk> instruments)
    : members_(limits.size()),
      instruments_(std::move(instruments)),
      positions_(members_.size() * instruments_.size(), 0) {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    members_[i].limits = limits[i];
    members_[i].tokens = burst_tokens(limits[i]);
  }
  for (const InstrumentRisk& ins : instruments_) {
    if (ins.reference <= 0 || ins.band_low > ins.band_high) {
      throw std::invalid_argument("an instrument's reference price or band is not usable for risk");
    }
  }
}

engine::Price PreTradeRisk::risk_price(std::uint32_t instrument, engine::Side side,
                                       engine::OrdType type, engine::Price price) const noexcept {
  const InstrumentRisk& ins = instruments_[instrument];
  if (type == engine::OrdType::Market) {
    price = side == engine::Side::Buy ? ins.band_high : ins.band_low;
  }
  return std::max(price, ins.reference);
}

Verdict PreTradeRisk::check_new(engine::MemberId member, Notional hold) const noexcept {
  const MemberRisk& m = members_[member];
  const MemberLimits& l = m.limits;
  if (l.max_order_value != kNoLimit && hold > l.max_order_value) {
    return Verdict{Rule::MaxOrderValue, l.max_order_value, 0, hold};
  }
  if (l.max_open_orders != kNoLimit && m.open_orders + 1 > l.max_open_orders) {
    return Verdict{Rule::MaxOpenOrders, l.max_open_orders, m.open_orders, 1};
  }
  if (l.credit_limit != kNoLimit && m.credit_in_use() + hold > l.credit_limit) {
    return Verdict{Rule::CreditLimit, l.credit_limit, m.credit_in_use(), hold};
  }
  return Verdict{};
}

Verdict PreTradeRisk::check_replace(engine::MemberId member, Notional order_value,
                                    Notional current_hold, Notional new_hold) const noexcept {
  const MemberRisk& m = members_[member];
  const MemberLimits& l = m.limits;
  if (l.max_order_value != kNoLimit && order_value > l.max_order_value) {
    return Verdict{Rule::MaxOrderValue, l.max_order_value, 0, order_value};
  }
  const Notional more = new_hold - current_hold;
  // A replace that does not add to the hold is always allowed: it can only
  // reduce what the member has at risk.
  if (more > 0 && l.credit_limit != kNoLimit && m.credit_in_use() + more > l.credit_limit) {
    return Verdict{Rule::CreditLimit, l.credit_limit, m.credit_in_use(), more};
  }
  return Verdict{};
}

std::int64_t PreTradeRisk::burst_tokens(const MemberLimits& l) const noexcept {
  if (l.max_messages_per_s == kNoLimit) return 0;
  const std::int64_t burst = l.message_burst != kNoLimit ? l.message_burst : l.max_messages_per_s;
  return std::max<std::int64_t>(burst, 1) * kTokenScale;
}

void PreTradeRisk::refill(MemberRisk& m, std::int64_t now_ns) const noexcept {
  const std::int64_t cap = burst_tokens(m.limits);
  const std::int64_t elapsed = now_ns - m.refilled_ns;
  m.refilled_ns = now_ns;
  if (elapsed <= 0 || m.tokens >= cap) return;
  // Exact integers: elapsed ns x rate is the tokens (in 1/kTokenScale)
  // the time earned. The time is capped at what fills the bucket from
  // empty (burst / rate seconds), so the product stays in range.
  const std::int64_t rate = m.limits.max_messages_per_s;
  const std::int64_t fill_ns = cap / rate + 1;
  m.tokens = std::min(cap, m.tokens + std::min(elapsed, fill_ns) * rate);
}

bool PreTradeRisk::take_message(engine::MemberId member, std::int64_t now_ns) noexcept {
  MemberRisk& m = members_[member];
  if (m.limits.max_messages_per_s == kNoLimit) return true;
  refill(m, now_ns);
  if (m.tokens < kTokenScale) return false;
  m.tokens -= kTokenScale;
  return true;
}

void PreTradeRisk::change_hold(engine::MemberId member, Notional from, Notional to) noexcept {
  MemberRisk& m = members_[member];
  m.held += to - from;
  MATCHGATE_ASSERT(m.held >= 0, "a member's held credit below zero");
}

void PreTradeRisk::open_order(engine::MemberId member) noexcept {
  ++members_[member].open_orders;
}

void PreTradeRisk::close_order(engine::MemberId member) noexcept {
  MemberRisk& m = members_[member];
  --m.open_orders;
  MATCHGATE_ASSERT(m.open_orders >= 0, "a member's open orders below zero");
}

Notional PreTradeRisk::exposure_of(std::uint32_t instrument, engine::Qty position) const noexcept {
  return abs128(static_cast<Notional>(position)) * instruments_[instrument].reference;
}

void PreTradeRisk::fill(engine::MemberId member, std::uint32_t instrument, engine::Side side,
                        engine::Qty qty) noexcept {
  engine::Qty& pos = positions_[member * instruments_.size() + instrument];
  MemberRisk& m = members_[member];
  m.exposure -= exposure_of(instrument, pos);
  pos += side == engine::Side::Buy ? qty : -qty;
  m.exposure += exposure_of(instrument, pos);
}

void PreTradeRisk::set_limit(engine::MemberId member, LimitKey key, std::int64_t value) noexcept {
  MemberRisk& m = members_[member];
  const bool rate = key == LimitKey::MaxMessagesPerS || key == LimitKey::MessageBurst;
  risk::set(m.limits, key, value);
  m.overridden = static_cast<std::uint8_t>(m.overridden | (1U << static_cast<unsigned>(key)));
  if (rate) m.tokens = std::min(m.tokens, burst_tokens(m.limits));
}

void PreTradeRisk::reset_orders() noexcept {
  for (MemberRisk& m : members_) {
    m.held = 0;
    m.open_orders = 0;
  }
}

void PreTradeRisk::save(util::ByteWriter& out) const {
  out.put(static_cast<std::uint32_t>(members_.size()));
  out.put(static_cast<std::uint32_t>(instruments_.size()));
  for (const MemberRisk& m : members_) {
    out.put(m.overridden);
    for (std::size_t k = 0; k < kLimitKeys; ++k) {
      if ((m.overridden >> k) & 1U) out.put(get(m.limits, static_cast<LimitKey>(k)));
    }
  }
  for (const engine::Qty q : positions_) out.put(q);
}

void PreTradeRisk::load(util::ByteReader& in) {
  const auto members = in.get<std::uint32_t>("risk member count");
  const auto instruments = in.get<std::uint32_t>("risk instrument count");
  if (members != members_.size() || instruments != instruments_.size()) {
    throw std::runtime_error("risk state of " + std::to_string(members) + " members and " +
                             std::to_string(instruments) + " instruments, the configuration has " +
                             std::to_string(members_.size()) + " and " +
                             std::to_string(instruments_.size()));
  }
  for (MemberRisk& m : members_) {
    const auto overridden = in.get<std::uint8_t>("risk limits set at runtime");
    for (std::size_t k = 0; k < kLimitKeys; ++k) {
      if ((overridden >> k) & 1U) {
        set_limit(static_cast<engine::MemberId>(&m - members_.data()), static_cast<LimitKey>(k),
                  in.get<std::int64_t>("risk limit"));
      }
    }
    m.exposure = 0;
  }
  for (std::size_t i = 0; i < positions_.size(); ++i) {
    positions_[i] = in.get<engine::Qty>("risk position");
    members_[i / instruments_.size()].exposure +=
        exposure_of(static_cast<std::uint32_t>(i % instruments_.size()), positions_[i]);
  }
}

}  // namespace matchgate::risk
