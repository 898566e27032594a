// Randomized differential test: matchgate::engine::Engine against the
// independent ReferenceEngine (tests/support/reference_book.hpp). Both get
// the same operations; every event, the depth of every touched book, the
// live order count and (at checkpoints) state_hash() must be identical.
//
// Environment knobs for investigating a failure:
//   MATCHGATE_DIFF_DUMP=<file>  write every operation of a failing run to <file>
//   MATCHGATE_DIFF_MINIMIZE=1   shrink a failing run to a short op sequence
//                               (delta debugging) and print it
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine_diff/diff_support.hpp"
#include "engine_diff/op_generator.hpp"
#include "matchgate/engine/engine.hpp"
#include "support/reference_book.hpp"

namespace {

using namespace matchgate::engine;
using matchgate::testing::describe;
using matchgate::testing::make_universe;
using matchgate::testing::Op;
using matchgate::testing::OpGenerator;
using matchgate::testing::Recorder;
using matchgate::testing::ReferenceEngine;
using matchgate::testing::Universe;

struct Scenario {
  std::uint64_t seed;
  int ops;
  std::uint32_t max_orders;
  OrderId id_base;
  bool deep = false;  // generator profile: deep books (few cancels) or thin, fast-crossing ones
};

std::ostream& operator<<(std::ostream& os, const Scenario& s) {
  return os << "seed=" << s.seed << " ops=" << s.ops << " max_orders=" << s.max_orders
            << " id_base=" << s.id_base << (s.deep ? " deep" : " thin");
}

constexpr int kHashEvery = 1'000;
constexpr int kFullCheckEvery = 5'000;

std::string describe_levels(const std::vector<LevelView>& levels) {
  std::ostringstream os;
  for (const auto& l : levels) os << " " << l.price << ":" << l.qty << "/" << l.orders;
  if (levels.empty()) os << " (empty)";
  return os.str();
}

// Sanity of one event on its own.
std::string check_event(const Event& e) {
  auto bad_view = [](const OrderView& v) { return v.filled < 0 || v.filled > v.qty; };
  if (e.type != EventType::Rejected && bad_view(e.order)) return "order filled outside [0, qty]";
  if (e.type == EventType::Trade) {
    if (bad_view(e.maker)) return "maker filled outside [0, qty]";
    if (e.trade_qty <= 0) return "trade_qty <= 0";
    if (e.order.side == e.maker.side) return "taker and maker on the same side";
  }
  return {};
}

// Depth of one side: best first, strictly ordered, no empty levels.
std::string check_levels(const std::vector<LevelView>& levels, Side side) {
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (levels[i].qty <= 0 || levels[i].orders == 0) return "empty or negative level";
    if (i > 0) {
      const bool ordered = side == Side::Buy ? levels[i].price < levels[i - 1].price
                                             : levels[i].price > levels[i - 1].price;
      if (!ordered) return "levels not best first";
    }
  }
  return {};
}

// Runs `ops` (or generates `count` of them when `ops` is empty and a
// generator is given) against both engines. Returns the first discrepancy as
// readable text, or an empty string; `failed_at` gets the op index.
class Differ {
 public:
  Differ(const Universe& u, const Scenario& sc)
      : u_(u),
        sc_(sc),
        engine_(u.instruments, u.members,
                EngineOptions{.max_orders = sc.max_orders, .id_base = sc.id_base}),
        ref_(u.instruments, u.members,
             EngineOptions{.max_orders = sc.max_orders, .id_base = sc.id_base}) {}

  // One step; empty string when both engines agree.
  std::string step(const Op& op, std::size_t index, bool full_checks) {
    eng_rec_.events.clear();
    ref_rec_.events.clear();
    matchgate::testing::apply(engine_, op, eng_rec_);
    matchgate::testing::apply(ref_, op, ref_rec_);

    std::ostringstream why;
    if (eng_rec_.events != ref_rec_.events) {
      why << "event sequences differ";
    }
    std::set<InstrumentId> touched;
    if (op.kind == Op::Kind::MassCancel || op.kind == Op::Kind::Expire) {
      for (InstrumentId i = 0; i < u_.instruments.size(); ++i) touched.insert(i);
    }
    if (op.kind == Op::Kind::New && op.new_order.instrument < u_.instruments.size()) {
      touched.insert(op.new_order.instrument);
    }
    for (const auto* evs : {&eng_rec_.events, &ref_rec_.events}) {
      for (const Event& e : *evs) {
        if (e.instrument < u_.instruments.size()) touched.insert(e.instrument);
        if (why.tellp() == 0) {
          const std::string bad = check_event(e);
          if (!bad.empty()) why << "event sanity: " << bad << " in " << describe(e);
        }
        if (e.type == EventType::Accepted) accepted_.push_back(e.order.id);
      }
    }
    for (InstrumentId i : touched) {
      if (why.tellp() != 0) break;
      const auto eb = engine_.depth(i, Side::Buy);
      const auto es = engine_.depth(i, Side::Sell);
      const auto rb = ref_.depth(i, Side::Buy);
      const auto rs = ref_.depth(i, Side::Sell);
      if (eb != rb || es != rs) {
        why << "depth of instrument " << i << " differs\n  engine bids:" << describe_levels(eb)
            << "\n  ref    bids:" << describe_levels(rb)
            << "\n  engine asks:" << describe_levels(es)
            << "\n  ref    asks:" << describe_levels(rs);
        break;
      }
      for (auto [levels, side] : {std::pair{&eb, Side::Buy}, std::pair{&es, Side::Sell}}) {
        const std::string bad = check_levels(*levels, side);
        if (!bad.empty()) why << "instrument " << i << " " << to_string(side) << ": " << bad;
      }
      if (!eb.empty() && !es.empty() && eb.front().price >= es.front().price) {
        why << "instrument " << i << " is crossed: bid " << eb.front().price << " >= ask "
            << es.front().price;
      }
    }
    if (why.tellp() == 0 && engine_.live_orders() != ref_.live_orders()) {
      why << "live_orders: engine " << engine_.live_orders() << " ref " << ref_.live_orders();
    }
    if (why.tellp() == 0 && full_checks && (index + 1) % kHashEvery == 0) why << check_hash();
    if (why.tellp() == 0 && full_checks && (index + 1) % kFullCheckEvery == 0) why << full_check();

    if (why.tellp() == 0) return {};
    std::ostringstream os;
    os << "op #" << index << ": " << describe(op) << "\n  " << why.str() << "\n  engine events:\n"
       << describe(eng_rec_.events) << "  reference events:\n"
       << describe(ref_rec_.events);
    return os.str();
  }

  std::string check_hash() const {
    if (engine_.state_hash() == ref_.state_hash()) return {};
    std::ostringstream os;
    os << "state_hash differs: engine " << engine_.state_hash() << " ref " << ref_.state_hash()
       << " (next ids engine " << engine_.next_order_id() << "/" << engine_.next_exec_id()
       << ", ref " << ref_.next_order_id() << "/" << ref_.next_exec_id() << ")";
    return os.str();
  }

  // Every book in full: orders in priority order, level totals equal the
  // sum of order leaves, find() agrees, live count matches.
  std::string full_check() {
    std::ostringstream os;
    std::size_t live = 0;
    for (InstrumentId i = 0; i < u_.instruments.size(); ++i) {
      for (Side side : {Side::Buy, Side::Sell}) {
        const auto eo = engine_.orders(i, side);
        const auto ro = ref_.orders(i, side);
        if (eo != ro) {
          os << "orders of instrument " << i << " " << to_string(side) << " differ (engine "
             << eo.size() << ", ref " << ro.size() << ")";
          return os.str();
        }
        std::vector<LevelView> rebuilt;
        for (const auto& o : eo) {
          if (o.leaves() <= 0) return "live order without leaves: " + describe(o);
          if (o.side != side || o.type != OrdType::Limit) return "misplaced order: " + describe(o);
          if (o.tif != TimeInForce::Day && o.tif != TimeInForce::Gtc)
            return "resting IOC/FOK: " + describe(o);
          if (rebuilt.empty() || rebuilt.back().price != o.price)
            rebuilt.push_back(LevelView{o.price, 0, 0});
          rebuilt.back().qty += o.leaves();
          rebuilt.back().orders += 1;
          const auto found = engine_.find(o.id);
          if (!found || *found != o)
            return "engine find() disagrees with its book for " + describe(o);
        }
        if (rebuilt != engine_.depth(i, side)) {
          os << "engine depth is not the sum of its orders on instrument " << i << ": depth"
             << describe_levels(engine_.depth(i, side)) << " orders" << describe_levels(rebuilt);
          return os.str();
        }
        live += eo.size();
      }
    }
    if (live != engine_.live_orders()) {
      os << "live_orders " << engine_.live_orders() << " but books hold " << live;
      return os.str();
    }
    // Every id ever accepted: live in one engine iff live in the other, same view.
    std::vector<OrderId> still;
    for (OrderId id : accepted_) {
      const auto e = engine_.find(id);
      const auto r = ref_.find(id);
      if (e != r) {
        os << "find(" << id << ") differs: engine " << (e ? describe(*e) : "none") << " ref "
           << (r ? describe(*r) : "none");
        return os.str();
      }
      if (e) still.push_back(id);
    }
    accepted_.swap(still);
    return check_hash();
  }

  // Final comparison of every book.
  std::string finish() {
    std::string s = full_check();
    for (InstrumentId i = 0; s.empty() && i < u_.instruments.size(); ++i) {
      for (Side side : {Side::Buy, Side::Sell}) {
        if (engine_.depth(i, side) != ref_.depth(i, side))
          s = "final depth differs on instrument " + std::to_string(i);
      }
    }
    return s;
  }

  const ReferenceEngine& ref() const { return ref_; }
  const std::vector<Event>& ref_events() const { return ref_rec_.events; }

 private:
  const Universe& u_;
  Scenario sc_;
  Engine engine_;
  ReferenceEngine ref_;
  Recorder eng_rec_, ref_rec_;
  std::vector<OrderId> accepted_;  // ids that may still be live
};

// Replays `ops` on fresh engines; true when they disagree anywhere.
bool disagrees(const Universe& u, const Scenario& sc, const std::vector<Op>& ops) {
  auto d = std::make_unique<Differ>(u, sc);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (!d->step(ops[i], i, false).empty()) return true;
  }
  return !d->finish().empty();
}

// Delta debugging: a short subsequence of `ops` on which the engines still disagree.
std::vector<Op> minimize(const Universe& u, const Scenario& sc, std::vector<Op> ops) {
  std::size_t chunks = 2;
  while (ops.size() >= 2) {
    const std::size_t size = (ops.size() + chunks - 1) / chunks;
    bool reduced = false;
    for (std::size_t start = 0; start < ops.size(); start += size) {
      std::vector<Op> candidate(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(start));
      candidate.insert(
          candidate.end(),
          ops.begin() + static_cast<std::ptrdiff_t>(std::min(start + size, ops.size())), ops.end());
      if (disagrees(u, sc, candidate)) {
        ops = std::move(candidate);
        chunks = std::max<std::size_t>(chunks - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (chunks >= ops.size()) break;
      chunks = std::min(ops.size(), chunks * 2);
    }
  }
  return ops;
}

class EngineDifferential : public ::testing::TestWithParam<Scenario> {};

TEST_P(EngineDifferential, MatchesReference) {
  const Scenario sc = GetParam();
  const Universe u = make_universe();
  auto differ = std::make_unique<Differ>(u, sc);
  OpGenerator gen(u, sc.seed, sc.id_base, sc.deep);
  std::vector<Op> history;
  history.reserve(static_cast<std::size_t>(sc.ops));

  // Coverage of the rules, to make sure the generator reaches them.
  std::set<int> rejects, cancels, kinds;
  std::size_t trades = 0, replaced = 0, max_live = 0, sum_live = 0, events = 0;

  std::string failure;
  for (int i = 0; i < sc.ops && failure.empty(); ++i) {
    const Op op = gen.next(differ->ref());
    history.push_back(op);
    failure = differ->step(op, static_cast<std::size_t>(i), true);
    gen.observe(differ->ref_events());
    max_live = std::max(max_live, differ->ref().live_orders());
    sum_live += differ->ref().live_orders();
    events += differ->ref_events().size();
    for (const Event& e : differ->ref_events()) {
      kinds.insert(static_cast<int>(e.type));
      if (e.type == EventType::Rejected) rejects.insert(static_cast<int>(e.reject_reason));
      if (e.type == EventType::Canceled) cancels.insert(static_cast<int>(e.cancel_reason));
      trades += e.type == EventType::Trade;
      replaced += e.type == EventType::Replaced;
    }
  }
  if (failure.empty()) failure = differ->finish();
  std::printf("[%s] %zu events, %zu trades, %zu replaced, live orders max %zu avg %zu\n",
              ::testing::PrintToString(sc).c_str(), events, trades, replaced, max_live,
              sum_live / static_cast<std::size_t>(sc.ops));

  if (!failure.empty()) {
    std::ostringstream os;
    os << "[" << sc << "] engine and reference disagree\n" << failure << "\n  preceding ops:\n";
    const std::size_t from = history.size() > 25 ? history.size() - 25 : 0;
    for (std::size_t j = from; j < history.size(); ++j)
      os << "    #" << j << " " << describe(history[j]) << "\n";
    if (const char* path = std::getenv("MATCHGATE_DIFF_DUMP")) {
      std::ofstream out(path);
      for (std::size_t j = 0; j < history.size(); ++j)
        out << "#" << j << " " << describe(history[j]) << "\n";
      os << "  full op log written to " << path << "\n";
    }
    if (std::getenv("MATCHGATE_DIFF_MINIMIZE") != nullptr) {
      const auto small = minimize(u, sc, history);
      os << "  minimized reproducer (" << small.size() << " ops, same options):\n";
      auto d = std::make_unique<Differ>(u, sc);
      std::string f;
      for (std::size_t j = 0; j < small.size() && f.empty(); ++j) {
        os << "    " << describe(small[j]) << "\n";
        f = d->step(small[j], j, false);
      }
      if (f.empty()) f = d->finish();
      os << "  -> " << f << "\n";
    }
    FAIL() << os.str();
  }

  // The generator must have reached every rule (over a long enough run).
  if (sc.ops >= 100'000) {
    for (int r = static_cast<int>(RejectReason::UnknownInstrument);
         r <= static_cast<int>(RejectReason::ReplaceBelowFilled); ++r) {
      EXPECT_TRUE(rejects.count(r))
          << "never rejected with " << to_string(static_cast<RejectReason>(r));
    }
    if (sc.max_orders < 1000) {
      EXPECT_TRUE(rejects.count(static_cast<int>(RejectReason::CapacityExceeded)));
    }
    for (int c = static_cast<int>(CancelReason::Requested);
         c <= static_cast<int>(CancelReason::MassCancel); ++c) {
      EXPECT_TRUE(cancels.count(c))
          << "never canceled with " << to_string(static_cast<CancelReason>(c));
    }
    EXPECT_TRUE(kinds.count(static_cast<int>(EventType::Expired)));
    EXPECT_GT(trades, static_cast<std::size_t>(sc.ops / 10));
    EXPECT_GT(replaced, static_cast<std::size_t>(sc.ops / 50));
  }
}

// Short hand-written sequences through the same comparison, one per tricky
// rule, so a regression names the rule directly (instrument 1 "BBB": tick 1,
// lot 1, max 50; members 0/4 STP None, 1/5 CancelResting, 2 CancelIncoming,
// 3 CancelBoth).
Op lmt(MemberId m, Side side, Price px, Qty q, TimeInForce tif = TimeInForce::Gtc,
       InstrumentId inst = 1) {
  Op op;
  op.new_order = NewOrder{0, m, m, inst, side, OrdType::Limit, tif, px, q};
  return op;
}
Op mkt(MemberId m, Side side, Qty q, TimeInForce tif = TimeInForce::Ioc, InstrumentId inst = 1) {
  Op op = lmt(m, side, 0, q, tif, inst);
  op.new_order.type = OrdType::Market;
  return op;
}
Op rpl(MemberId m, OrderId id, Price px, Qty q) {
  Op op;
  op.kind = Op::Kind::Replace;
  op.replace = ReplaceOrder{77, m, id, px, q};
  return op;
}
Op cxl(MemberId m, OrderId id) {
  Op op;
  op.kind = Op::Kind::Cancel;
  op.cancel = CancelOrder{78, m, id};
  return op;
}

std::string run_directed(const std::vector<Op>& ops, std::uint32_t max_orders = 4096) {
  const Universe u = make_universe();
  Differ d(u, Scenario{0, 0, max_orders, 0});
  for (std::size_t i = 0; i < ops.size(); ++i) {
    std::string f = d.step(ops[i], i, false);
    if (!f.empty()) return f;
  }
  return d.finish();
}

TEST(EngineDifferentialDirected, ReplaceQtyDownSamePriceKeepsPriority) {
  // Minimal reproducer: order 1 must stay ahead of order 2 after shrinking.
  EXPECT_EQ(
      run_directed({lmt(1, Side::Sell, 1001, 7), lmt(1, Side::Sell, 1001, 1, TimeInForce::Day),
                    rpl(1, 1, 1001, 6), mkt(0, Side::Buy, 2)}),
      "");
  EXPECT_EQ(
      run_directed({lmt(0, Side::Buy, 999, 5), lmt(4, Side::Buy, 999, 5), mkt(4, Side::Sell, 1),
                    rpl(0, 1, 999, 4), rpl(0, 1, 999, 4), mkt(4, Side::Sell, 1), rpl(0, 1, 999, 9),
                    mkt(4, Side::Sell, 1), rpl(0, 1, 999, 2)}),
      "");
}

TEST(EngineDifferentialDirected, ReplacePriceChangeAndCrossing) {
  EXPECT_EQ(run_directed({lmt(0, Side::Buy, 999, 5), lmt(4, Side::Buy, 998, 5),
                          lmt(4, Side::Sell, 1003, 3), rpl(0, 1, 998, 5), rpl(0, 1, 1004, 9),
                          rpl(0, 1, 1004, 3), rpl(0, 1, 1004, 2), rpl(4, 1, 1004, 4), cxl(0, 1),
                          cxl(0, 1)}),
            "");
}

TEST(EngineDifferentialDirected, StpModes) {
  for (MemberId m : {1u, 2u, 3u}) {
    EXPECT_EQ(
        run_directed({lmt(0, Side::Sell, 1001, 1), lmt(m, Side::Sell, 1001, 2),
                      lmt(0, Side::Sell, 1002, 2), lmt(m, Side::Buy, 1002, 4, TimeInForce::Day),
                      lmt(m, Side::Buy, 1000, 1), rpl(m, 5, 1002, 3)}),
        "")
        << "member " << m;
  }
}

TEST(EngineDifferentialDirected, FokWithStp) {
  for (MemberId m : {0u, 1u, 2u, 3u}) {
    EXPECT_EQ(
        run_directed({lmt(4, Side::Sell, 1001, 2), lmt(m, Side::Sell, 1001, 3),
                      lmt(4, Side::Sell, 1002, 2), lmt(m, Side::Buy, 1002, 5, TimeInForce::Fok),
                      lmt(m, Side::Buy, 1002, 4, TimeInForce::Fok),
                      lmt(m, Side::Buy, 1001, 2, TimeInForce::Fok),
                      mkt(m, Side::Buy, 3, TimeInForce::Fok)}),
        "")
        << "member " << m;
  }
}

TEST(EngineDifferentialDirected, Capacity) {
  EXPECT_EQ(run_directed({lmt(0, Side::Sell, 1001, 1), lmt(0, Side::Sell, 1002, 1),
                          lmt(0, Side::Buy, 1002, 1), mkt(4, Side::Buy, 1),
                          lmt(0, Side::Buy, 999, 1), lmt(0, Side::Buy, 998, 1),
                          lmt(0, Side::Buy, 997, 0), lmt(4, Side::Sell, 998, 1, TimeInForce::Ioc),
                          cxl(0, 1), lmt(4, Side::Sell, 999, 1, TimeInForce::Ioc),
                          lmt(4, Side::Sell, 990, 3, TimeInForce::Fok)},
                         2),
            "");
}

TEST(EngineDifferentialDirected, MarketOrders) {
  // Instrument 0 "AAA": lot 100, band +-8 cents around 100.
  const Price mid = 100 * kPriceScale, cent = kPriceScale / 100;
  EXPECT_EQ(run_directed({lmt(0, Side::Sell, mid + 8 * cent, 100, TimeInForce::Gtc, 0),
                          lmt(0, Side::Sell, mid + 9 * cent, 100, TimeInForce::Gtc, 0),
                          lmt(0, Side::Sell, mid, 100, TimeInForce::Day, 0),
                          mkt(4, Side::Buy, 300, TimeInForce::Day, 0),
                          mkt(4, Side::Sell, 100, TimeInForce::Fok, 0),
                          mkt(4, Side::Buy, 150, TimeInForce::Gtc, 0)}),
            "");
}

INSTANTIATE_TEST_SUITE_P(Seeds, EngineDifferential,
                         ::testing::Values(Scenario{1, 200'000, 1u << 20, 0, false},
                                           Scenario{2, 200'000, 1u << 20, 1'000'000, true},
                                           Scenario{3, 150'000, 64, 0, false},
                                           Scenario{4, 200'000, 1u << 20, 7, true},
                                           Scenario{5, 150'000, 400, 0, true},
                                           Scenario{6, 200'000, 1u << 20, (1ull << 40), false},
                                           Scenario{7, 150'000, 20'000, 3, true},
                                           Scenario{8, 150'000, 1u << 20, 0, false}),
                         [](const ::testing::TestParamInfo<Scenario>& info) {
                           return "seed" + std::to_string(info.param.seed);
                         });

}  // namespace
