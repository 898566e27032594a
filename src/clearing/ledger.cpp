#include "matchgate/clearing/ledger.hpp"

#include <algorithm>
#include <stdexcept>

#include "matchgate/util/assert.hpp"
#include "report_text.hpp"

namespace matchgate::clearing {

namespace {

std::uint64_t packed(const PositionKey& k) noexcept {
  return (static_cast<std::uint64_t>(k.member) << 44) |
         (static_cast<std::uint64_t>(k.account) << 32) | k.instrument;
}

void put_money(util::ByteWriter& out, Money v) {
  const auto u = static_cast<unsigned __int128>(v);
  out.put(static_cast<std::uint64_t>(u));
  out.put(static_cast<std::uint64_t>(u >> 64));
}

Money get_money(util::ByteReader& in, const char* what) {
  const auto lo = in.get<std::uint64_t>(what);
  const auto hi = in.get<std::uint64_t>(what);
  return static_cast<Money>((static_cast<unsigned __int128>(hi) << 64) | lo);
}

}  // namespace

Ledger::Ledger(LedgerShape shape) : shape_(std::move(shape)), position_index_(1024) {
  MATCHGATE_ASSERT(shape_.members <= kMaxMembers, "too many members for the ledger's key");
}

bool Ledger::fits(const records::TradeRecord& r) const noexcept {
  const auto side_fits = [&](const records::TradeSide& s) {
    return s.member < shape_.members && s.account < kMaxAccounts;
  };
  return r.instrument < shape_.carry_positions.size() && side_fits(r.buyer) &&
         side_fits(r.seller) && r.business_date >= date_ && r.qty > 0 && r.price > 0;
}

bool Ledger::apply(const records::TradeRecord& r) {
  if (!fits(r)) return false;
  using records::TradeAction;
  if (r.action != TradeAction::Trade) {
    // A bust or a correction acts on a trade of the current date.
    if (r.business_date != date_) return false;
    const auto at = trade_index_.find(r.trade_id);
    if (!at) return false;
    DayTrade& t = trades_[*at];
    if (r.action == TradeAction::Bust) {
      if (t.busted || t.record.qty != r.qty || t.record.price != r.price ||
          t.record.buyer != r.buyer || t.record.seller != r.seller) {
        return false;
      }
      t.busted = true;
    } else {
      if (!t.busted) return false;
      t.busted = false;
      t.record = r;
    }
    book(r, r.sign());
    return true;
  }
  if (r.business_date > date_) roll_to(r.business_date);
  if (!trade_index_.insert(r.trade_id, static_cast<std::uint32_t>(trades_.size()))) return false;
  trades_.push_back(DayTrade{r, false});
  book(r, 1);
  return true;
}

void Ledger::book(const records::TradeRecord& r, int sign) {
  const Money value = static_cast<Money>(r.price) * r.qty * sign;
  const engine::Qty qty = r.qty * sign;
  Position& buy = position(PositionKey{r.buyer.member, r.buyer.account, r.instrument});
  buy.bought += qty;
  buy.bought_value += value;
  buy.fees += static_cast<Money>(r.buyer.fee) * sign;
  buy.trades += sign;
  Position& sell = position(PositionKey{r.seller.member, r.seller.account, r.instrument});
  sell.sold += qty;
  sell.sold_value += value;
  sell.fees += static_cast<Money>(r.seller.fee) * sign;
  sell.trades += sign;
  fees_collected_ += (static_cast<Money>(r.buyer.fee) + r.seller.fee) * sign;
  ++trades_booked_;
}

Position& Ledger::position(const PositionKey& key) {
  const std::uint64_t k = packed(key);
  if (const auto at = position_index_.find(k)) return positions_[*at].second;
  position_index_.insert(k, static_cast<std::uint32_t>(positions_.size()));
  positions_.emplace_back(key, Position{});
  return positions_.back().second;
}

void Ledger::roll_to(std::int32_t business_date) {
  if (business_date <= date_) return;
  std::vector<std::pair<PositionKey, Position>> carried;
  for (const auto& [key, p] : positions_) {
    if (shape_.carry_positions[key.instrument] && p.net() != 0) {
      Position next;
      next.opening = p.net();
      carried.emplace_back(key, next);
    }
  }
  positions_.clear();
  position_index_.clear();
  std::sort(carried.begin(), carried.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, p] : carried) position(key) = p;
  trades_.clear();
  trade_index_.clear();
  fees_collected_ = 0;
  date_ = business_date;
}

const records::TradeRecord* Ledger::find_trade(std::uint64_t trade_id, bool* busted) const {
  const auto at = trade_index_.find(trade_id);
  if (!at) return nullptr;
  if (busted != nullptr) *busted = trades_[*at].busted;
  return &trades_[*at].record;
}

const Position* Ledger::find(const PositionKey& key) const {
  const auto at = position_index_.find(packed(key));
  return at ? &positions_[*at].second : nullptr;
}

std::vector<std::pair<PositionKey, Position>> Ledger::positions() const {
  auto sorted = positions_;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return sorted;
}

std::vector<std::pair<PositionKey, Position>> Ledger::positions_of(engine::MemberId member) const {
  std::vector<std::pair<PositionKey, Position>> out;
  for (const auto& entry : positions()) {
    if (entry.first.member == member) out.push_back(entry);
  }
  return out;
}

std::vector<Obligation> Ledger::obligations() const {
  // Sorted by (member, account, instrument): merge each member's accounts
  // per instrument.
  std::vector<Obligation> out;
  for (const auto& [key, p] : positions()) {
    if (p.trades == 0 && p.bought == 0 && p.sold == 0 && p.fees == 0) continue;
    out.push_back(Obligation{key.member, key.instrument, p.day_qty(), p.cash()});
  }
  std::stable_sort(out.begin(), out.end(), [](const Obligation& a, const Obligation& b) {
    return a.member != b.member ? a.member < b.member : a.instrument < b.instrument;
  });
  std::vector<Obligation> merged;
  for (const Obligation& o : out) {
    if (!merged.empty() && merged.back().member == o.member &&
        merged.back().instrument == o.instrument) {
      merged.back().qty += o.qty;
      merged.back().cash += o.cash;
    } else {
      merged.push_back(o);
    }
  }
  return merged;
}

Money Ledger::member_cash(engine::MemberId member) const {
  Money cash = 0;
  for (const auto& [key, p] : positions_) {
    if (key.member == member) cash += p.cash();
  }
  return cash;
}

std::optional<std::string> Ledger::check() const {
  std::vector<engine::Qty> per_instrument(shape_.carry_positions.size(), 0);
  Money cash = 0;
  for (const auto& [key, p] : positions_) {
    if (p.bought < 0 || p.sold < 0 || p.trades < 0) {
      return "member " + std::to_string(key.member) + " account " + std::to_string(key.account) +
             " instrument " + std::to_string(key.instrument) + " has a negative quantity (bought " +
             std::to_string(p.bought) + ", sold " + std::to_string(p.sold) + ")";
    }
    per_instrument[key.instrument] += p.day_qty();
    cash += p.cash();
  }
  for (std::size_t i = 0; i < per_instrument.size(); ++i) {
    if (per_instrument[i] != 0) {
      return "instrument " + std::to_string(i) + ": the members' quantities sum to " +
             std::to_string(per_instrument[i]) + ", not 0";
    }
  }
  if (cash + fees_collected_ != 0) {
    return "the members' net cash (" + money_text(cash) + ") plus the fees collected (" +
           money_text(fees_collected_) + ") is not 0";
  }
  return std::nullopt;
}

void Ledger::save(util::ByteWriter& out) const {
  out.put(date_);
  out.put(static_cast<std::uint32_t>(shape_.carry_positions.size()));
  const auto sorted = positions();
  out.put(static_cast<std::uint64_t>(sorted.size()));
  for (const auto& [key, p] : sorted) {
    out.put(key.member);
    out.put(key.account);
    out.put(key.instrument);
    out.put(p.opening);
    out.put(p.bought);
    put_money(out, p.bought_value);
    out.put(p.sold);
    put_money(out, p.sold_value);
    put_money(out, p.fees);
    out.put(p.trades);
  }
  out.put(static_cast<std::uint64_t>(trades_.size()));
  for (std::size_t i = 0; i < trades_.size(); ++i) {
    const DayTrade& t = trades_[i];
    std::byte buf[records::kTradeRecordSize];
    records::encode_trade(t.record, buf);
    out.put_bytes(buf);
    out.put(static_cast<std::uint8_t>(t.busted ? 1 : 0));
  }
  put_money(out, fees_collected_);
  out.put(trades_booked_);
}

void Ledger::load(util::ByteReader& in) {
  const auto date = in.get<std::int32_t>("clearing date");
  const auto instruments = in.get<std::uint32_t>("clearing instruments");
  if (instruments != shape_.carry_positions.size()) {
    throw std::runtime_error("the clearing ledger holds " + std::to_string(instruments) +
                             " instruments, the configuration has " +
                             std::to_string(shape_.carry_positions.size()));
  }
  positions_.clear();
  position_index_.clear();
  trades_.clear();
  trade_index_.clear();
  date_ = date;
  const auto count = in.get<std::uint64_t>("position count");
  for (std::uint64_t i = 0; i < count; ++i) {
    PositionKey key;
    key.member = in.get<std::uint32_t>("position member");
    key.account = in.get<std::uint32_t>("position account");
    key.instrument = in.get<std::uint32_t>("position instrument");
    if (key.member >= shape_.members || key.account >= kMaxAccounts ||
        key.instrument >= instruments) {
      throw std::runtime_error(
          "a clearing position names a member or instrument this "
          "configuration does not have");
    }
    Position& p = position(key);
    p.opening = in.get<engine::Qty>("opening");
    p.bought = in.get<engine::Qty>("bought");
    p.bought_value = get_money(in, "bought value");
    p.sold = in.get<engine::Qty>("sold");
    p.sold_value = get_money(in, "sold value");
    p.fees = get_money(in, "fees");
    p.trades = in.get<std::int64_t>("trades");
  }
  const auto trades = in.get<std::uint64_t>("day trade count");
  for (std::uint64_t i = 0; i < trades; ++i) {
    const auto r = records::decode_trade(in.get_bytes(records::kTradeRecordSize, "day trade"));
    if (!r) throw std::runtime_error("a malformed trade in the clearing ledger");
    const bool busted = in.get<std::uint8_t>("busted") != 0;
    if (!trade_index_.insert(r->trade_id, static_cast<std::uint32_t>(trades_.size()))) {
      throw std::runtime_error("the clearing ledger holds trade " + std::to_string(r->trade_id) +
                               " twice");
    }
    trades_.push_back(DayTrade{*r, busted});
  }
  fees_collected_ = get_money(in, "fees collected");
  trades_booked_ = in.get<std::uint64_t>("trades booked");
}

bool Ledger::operator==(const Ledger& other) const {
  if (date_ != other.date_ || positions() != other.positions() ||
      fees_collected_ != other.fees_collected_ || trades_.size() != other.trades_.size()) {
    return false;
  }
  for (std::size_t i = 0; i < trades_.size(); ++i) {
    if (trades_[i].record != other.trades_[i].record ||
        trades_[i].busted != other.trades_[i].busted) {
      return false;
    }
  }
  return true;
}

}  // namespace matchgate::clearing
