#pragma once
// Random operation generator of the differential test. It looks at the
// ReferenceEngine (never at the engine under test) to aim cancels and
// replaces at live, done, unknown and other members' orders, and keeps
// prices clustered around a per-instrument mid so books cross often.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "engine_diff/diff_support.hpp"
#include "matchgate/engine/instrument.hpp"
#include "support/reference_book.hpp"

namespace matchgate::testing {

// SplitMix64: tiny, fast and identical on every platform, so a seed names
// the same operation sequence everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {  // inclusive
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
  }
  bool percent(unsigned p) { return below(100) < p; }

 private:
  std::uint64_t state_;
};

struct Universe {
  std::vector<engine::InstrumentSpec> instruments;
  std::vector<engine::Price> mids;
  std::vector<engine::MemberSpec> members;
};

// Four instruments with different tick/lot/max/band; six members covering
// all STP modes (two with None, two with CancelResting).
inline Universe make_universe() {
  using engine::kPriceScale;
  Universe u;
  auto add = [&](const char* sym, engine::Price tick, engine::Qty lot, engine::Qty max_qty,
                 engine::Price lo, engine::Price hi, engine::Price mid) {
    engine::InstrumentSpec s;
    s.symbol = sym;
    s.tick = tick;
    s.lot = lot;
    s.max_qty = max_qty;
    s.band_low = lo;
    s.band_high = hi;
    u.instruments.push_back(s);
    u.mids.push_back(mid);
  };
  // cent tick, lots of 100, band +-8 ticks around the mid
  add("AAA", kPriceScale / 100, 100, 100'000, 100 * kPriceScale - 8 * (kPriceScale / 100),
      100 * kPriceScale + 8 * (kPriceScale / 100), 100 * kPriceScale);
  // unit tick and lot, tiny max, band as wide as it gets
  add("BBB", 1, 1, 50, 1, engine::kMaxPrice, 1000);
  // tick 50, lots of 10, narrow asymmetric band
  add("CCC", 50, 10, 5'000, 100'000 - 5 * 50, 100'000 + 3 * 50, 100'000);
  // quarter tick, unit lot, huge max
  add("DDD", kPriceScale / 4, 1, 1'000'000'000, 45 * kPriceScale, 60 * kPriceScale,
      50 * kPriceScale);
  u.members = {engine::MemberSpec{engine::StpMode::None},
               engine::MemberSpec{engine::StpMode::CancelResting},
               engine::MemberSpec{engine::StpMode::CancelIncoming},
               engine::MemberSpec{engine::StpMode::CancelBoth},
               engine::MemberSpec{engine::StpMode::None},
               engine::MemberSpec{engine::StpMode::CancelResting}};
  return u;
}

class OpGenerator {
 public:
  // deep: fewer cancels and a wider passive spread, so books hold hundreds
  // of orders with long queues; otherwise books stay thin and cross a lot.
  OpGenerator(const Universe& u, std::uint64_t seed, engine::OrderId id_base, bool deep = false)
      : u_(u), rng_(seed), id_base_(id_base), deep_(deep) {}

  // Call after every operation with the reference's events.
  void observe(const std::vector<engine::Event>& events) {
    for (const auto& e : events) {
      if (e.type == engine::EventType::Accepted)
        live_.push_back(Known{e.order.id, e.order.member, e.instrument});
    }
  }

  Op next(const ReferenceEngine& ref) {
    const std::uint64_t r = rng_.below(10'000);
    Op op;
    if (r < 4) {
      op.kind = Op::Kind::MassCancel;
      op.member =
          static_cast<engine::MemberId>(rng_.below(u_.members.size() + 1));  // may be unknown
    } else if (r < 6) {
      op.kind = Op::Kind::Expire;
    } else if (r < (deep_ ? 7'000 : 6'200)) {
      op.kind = Op::Kind::New;
      op.new_order = new_order();
    } else if (r < 7'600) {
      op.kind = Op::Kind::Cancel;
      op.cancel = cancel(ref);
    } else {
      op.kind = Op::Kind::Replace;
      op.replace = replace(ref);
    }
    return op;
  }

 private:
  struct Known {
    engine::OrderId id;
    engine::MemberId member;
    engine::InstrumentId instrument;
  };

  engine::MemberId member() {
    if (rng_.percent(2)) {
      return rng_.percent(50) ? static_cast<engine::MemberId>(u_.members.size() + rng_.below(3))
                              : 0xffffffffU;
    }
    return static_cast<engine::MemberId>(rng_.below(u_.members.size()));
  }

  engine::MemberId other_member(engine::MemberId m) {
    const auto n = u_.members.size();
    return static_cast<engine::MemberId>((m + 1 + rng_.below(n - 1)) % n);
  }

  engine::Price invalid_price(const engine::InstrumentSpec& s) {
    switch (rng_.below(6)) {
      case 0:
        return 0;
      case 1:
        return -s.tick;
      case 2:
        return engine::kMaxPrice + 1;
      case 3:
        return std::numeric_limits<engine::Price>::min();
      case 4:
        return engine::kMaxPrice;  // valid for BBB, off tick or outside band elsewhere
      default:
        return s.band_high + s.tick;
    }
  }

  // Buys cluster a little below the mid and sells a little above, so books
  // build depth yet cross often.
  engine::Price price(engine::InstrumentId inst, engine::Side side = engine::Side::Buy) {
    const engine::InstrumentSpec& s = u_.instruments[inst];
    const engine::Price mid = u_.mids[inst];
    const std::uint64_t r = rng_.below(100);
    const std::int64_t away = deep_ ? 14 : 7;
    if (r < 86)
      return mid +
             s.tick * (side == engine::Side::Buy ? rng_.between(-away, 3) : rng_.between(-3, away));
    if (r < 93) return mid + s.tick * rng_.between(-14, 14);  // often outside the narrow bands
    if (r < 97 && s.tick > 1)
      return mid + s.tick * rng_.between(-6, 6) + rng_.between(1, s.tick - 1);
    return invalid_price(s);
  }

  engine::Qty invalid_qty(const engine::InstrumentSpec& s) {
    switch (rng_.below(6)) {
      case 0:
        return 0;
      case 1:
        return -s.lot;
      case 2:
        return s.lot > 1 ? s.lot + 1 + static_cast<engine::Qty>(rng_.below(s.lot - 1)) : 0;
      case 3:
        return s.max_qty + s.lot;
      case 4:
        return std::numeric_limits<engine::Qty>::min();
      default:
        return std::numeric_limits<engine::Qty>::max();
    }
  }

  engine::Qty qty(engine::InstrumentId inst) {
    const engine::InstrumentSpec& s = u_.instruments[inst];
    const std::uint64_t r = rng_.below(100);
    if (r < 88) return s.lot * rng_.between(1, 8);
    if (r < 93) return s.lot * rng_.between(1, std::min<engine::Qty>(s.max_qty / s.lot, 60));
    if (r < 96) return s.max_qty - s.lot * static_cast<engine::Qty>(rng_.below(2));
    return invalid_qty(s);
  }

  engine::NewOrder new_order() {
    engine::NewOrder n;
    n.client_ref = ++client_ref_;
    n.member = member();
    n.account = (n.member % 16) * 10 + static_cast<engine::AccountId>(rng_.below(3));
    n.instrument = rng_.percent(2)
                       ? static_cast<engine::InstrumentId>(u_.instruments.size() + rng_.below(2))
                       : static_cast<engine::InstrumentId>(rng_.below(u_.instruments.size()));
    const engine::InstrumentId inst = n.instrument < u_.instruments.size() ? n.instrument : 0;
    n.side = rng_.percent(50) ? engine::Side::Buy : engine::Side::Sell;
    n.type = rng_.percent(9) ? engine::OrdType::Market : engine::OrdType::Limit;
    const std::uint64_t t = rng_.below(100);
    n.tif = t < 36   ? engine::TimeInForce::Day
            : t < 70 ? engine::TimeInForce::Gtc
            : t < 85 ? engine::TimeInForce::Ioc
                     : engine::TimeInForce::Fok;
    n.price = price(inst, n.side);
    if (n.type == engine::OrdType::Market && rng_.percent(50)) n.price = rng_.percent(50) ? 0 : -7;
    n.qty = qty(inst);
    return n;
  }

  // A live order of the reference, or nullopt; prunes ids that are done.
  // Sets live_inst_ to its instrument.
  std::optional<engine::OrderView> pick_live(const ReferenceEngine& ref) {
    for (int tries = 0; tries < 8 && !live_.empty(); ++tries) {
      const std::size_t i = rng_.below(live_.size());
      const Known k = live_[i];
      if (auto v = ref.find(k.id)) {
        live_inst_ = k.instrument;
        return v;
      }
      live_[i] = live_.back();
      live_.pop_back();
      remember_done(k);
    }
    return std::nullopt;
  }

  void remember_done(Known k) {
    if (done_.size() < 512) {
      done_.push_back(k);
    } else {
      done_[rng_.below(done_.size())] = k;
    }
  }

  // Target of a cancel or replace that is not a live own order.
  void aim_elsewhere(const ReferenceEngine& ref, engine::MemberId& m, engine::OrderId& id) {
    const std::uint64_t r = rng_.below(100);
    if (r < 35) {  // another member's live order
      if (auto v = pick_live(ref)) {
        m = other_member(v->member);
        id = v->id;
        return;
      }
    }
    if (r < 70 && !done_.empty()) {  // done order, usually own
      const Known k = done_[rng_.below(done_.size())];
      m = rng_.percent(80) ? k.member : other_member(k.member);
      id = k.id;
      return;
    }
    if (r < 85) {  // unknown member on a live order
      if (auto v = pick_live(ref)) {
        m = static_cast<engine::MemberId>(u_.members.size() + rng_.below(2));
        id = v->id;
        return;
      }
    }
    m = static_cast<engine::MemberId>(rng_.below(u_.members.size()));
    switch (rng_.below(4)) {
      case 0:
        id = engine::kNoOrder;
        break;
      case 1:
        id = ref.next_order_id() + rng_.below(3);
        break;
      case 2:
        id = id_base_;
        break;  // unknown when id_base > 0, kNoOrder otherwise
      default:
        id = id_base_ - 1;
        break;  // wraps to the top when id_base == 0
    }
  }

  engine::CancelOrder cancel(const ReferenceEngine& ref) {
    engine::CancelOrder c;
    c.client_ref = ++client_ref_;
    if (rng_.percent(65)) {
      if (auto v = pick_live(ref)) {
        c.member = v->member;
        c.order_id = v->id;
        return c;
      }
    }
    aim_elsewhere(ref, c.member, c.order_id);
    return c;
  }

  engine::ReplaceOrder replace(const ReferenceEngine& ref) {
    engine::ReplaceOrder rp;
    rp.client_ref = ++client_ref_;
    std::optional<engine::OrderView> live;
    if (!rng_.percent(12)) live = pick_live(ref);
    if (!live) {
      aim_elsewhere(ref, rp.member, rp.order_id);
      rp.price = price(0);
      rp.qty = qty(0);
      return rp;
    }
    const engine::OrderView& v = *live;
    rp.member = v.member;
    rp.order_id = v.id;
    rp.price = v.price;
    rp.qty = v.qty;
    const engine::InstrumentId inst = live_inst_;
    const engine::InstrumentSpec& s = u_.instruments[inst];
    const std::uint64_t r = rng_.below(100);
    if (r < 22) {  // quantity down, same price: keeps priority
      const engine::Qty min_q = (v.filled / s.lot + 1) * s.lot;
      if (min_q < v.qty)
        rp.qty = min_q + s.lot * static_cast<engine::Qty>(rng_.below((v.qty - min_q) / s.lot));
    } else if (r < 30) {  // unchanged
    } else if (r < 42) {  // quantity up, same price
      rp.qty = std::min(s.max_qty, v.qty + s.lot * rng_.between(1, 5));
    } else if (r < 58) {  // price change, maybe with a new quantity
      rp.price = v.price + s.tick * rng_.between(-3, 3);
      if (rng_.percent(40)) rp.qty = std::max(v.filled + s.lot, qty(inst));
    } else if (r < 72) {  // crossing: at or through the opposite best
      const auto opp = ref.depth(inst, engine::opposite(v.side));
      if (!opp.empty()) {
        const engine::Price through = s.tick * rng_.between(0, 2);
        rp.price =
            v.side == engine::Side::Buy ? opp.front().price + through : opp.front().price - through;
      }
      if (rng_.percent(50)) rp.qty = v.filled + s.lot * rng_.between(1, 12);
    } else if (r < 80) {  // at or below what has filled
      rp.qty = v.filled - s.lot * static_cast<engine::Qty>(rng_.below(2));
    } else if (r < 90) {  // invalid
      if (rng_.percent(50)) {
        rp.qty = invalid_qty(s);
      } else {
        rp.price = rng_.percent(30) && s.tick > 1 ? v.price + 1 : invalid_price(s);
      }
    } else {  // anything
      rp.price = price(inst, v.side);
      rp.qty = qty(inst);
    }
    return rp;
  }

  const Universe& u_;
  Rng rng_;
  engine::OrderId id_base_;
  bool deep_;
  std::uint64_t client_ref_ = 0;
  std::vector<Known> live_;
  std::vector<Known> done_;
  engine::InstrumentId live_inst_ = 0;
};

}  // namespace matchgate::testing
