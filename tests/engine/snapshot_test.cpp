// Engine snapshots: an engine loaded from a snapshot continues exactly like
// the one that saved it, and every damaged, foreign or misplaced snapshot is
// refused with the engine left as constructed. The encoding is checked
// against an independent decoder written from docs/SNAPSHOT.md.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine_diff/diff_support.hpp"
#include "engine_diff/op_generator.hpp"
#include "engine_fixture.hpp"
#include "matchgate/engine/engine.hpp"
#include "matchgate/engine/state_hash.hpp"
#include "support/reference_book.hpp"

namespace matchgate::engine::test {
namespace {

namespace mt = matchgate::testing;
using Bytes = std::vector<std::byte>;

Bytes save(const Engine& e) {
  Bytes out;
  e.save_snapshot(out);
  return out;
}

// The message of the std::runtime_error `fn` throws; fails the test when it
// throws nothing.
template <class Fn>
std::string refusal(Fn&& fn) {
  try {
    fn();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no std::runtime_error thrown";
  return {};
}

// ---------------------------------------------------------------------------
// An independent codec, written from docs/SNAPSHOT.md rather than from the
// engine's code.

std::uint64_t get_le(const Bytes& b, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= std::to_integer<std::uint64_t>(b.at(at + i)) << (8 * i);
  return v;
}
void put_le(Bytes& b, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<std::byte>(v >> (8 * i)));
}

struct Decoded {
  std::uint32_t magic = 0;
  std::uint32_t version = 0;
  std::uint64_t length = 0;
  std::uint64_t id_base = 0;
  std::uint64_t next_order_id = 0;
  std::uint64_t next_exec_id = 0;
  std::uint32_t order_count = 0;
  std::vector<std::uint64_t> instrument_digests;
  std::vector<std::uint64_t> member_digests;
  std::vector<std::vector<OrderView>> sides;  // instrument 0 buy, 0 sell, 1 buy, ...
  std::uint64_t hash = 0;
};

Decoded decode(const Bytes& b) {
  Decoded d;
  std::size_t at = 0;
  auto take = [&](int n) {
    const std::uint64_t v = get_le(b, at, n);
    at += static_cast<std::size_t>(n);
    return v;
  };
  d.magic = static_cast<std::uint32_t>(take(4));
  d.version = static_cast<std::uint32_t>(take(4));
  d.length = take(8);
  const auto instruments = static_cast<std::uint32_t>(take(4));
  const auto members = static_cast<std::uint32_t>(take(4));
  d.id_base = take(8);
  d.next_order_id = take(8);
  d.next_exec_id = take(8);
  d.order_count = static_cast<std::uint32_t>(take(4));
  for (std::uint32_t i = 0; i < instruments; ++i) d.instrument_digests.push_back(take(8));
  for (std::uint32_t i = 0; i < members; ++i) d.member_digests.push_back(take(8));
  for (std::uint32_t s = 0; s < 2 * instruments; ++s) {
    auto& side = d.sides.emplace_back();
    const std::uint64_t n = take(4);
    for (std::uint64_t k = 0; k < n; ++k) {
      OrderView o;
      o.id = take(8);
      o.client_ref = take(8);
      o.member = static_cast<MemberId>(take(4));
      o.account = static_cast<AccountId>(take(4));
      o.side = static_cast<Side>(take(1));
      o.type = static_cast<OrdType>(take(1));
      o.tif = static_cast<TimeInForce>(take(1));
      o.price = static_cast<Price>(take(8));
      o.qty = static_cast<Qty>(take(8));
      o.filled = static_cast<Qty>(take(8));
      side.push_back(o);
    }
  }
  d.hash = take(8);
  EXPECT_EQ(at, b.size()) << "decoder and snapshot disagree on the length";
  return d;
}

// The documented state hash of a decoded snapshot.
std::uint64_t hash_of(const Decoded& d) {
  StateHasher h;
  h.add(d.next_order_id);
  h.add(d.next_exec_id);
  for (const auto& side : d.sides) {
    for (const OrderView& o : side) {
      for (std::uint64_t w :
           {o.id, o.client_ref, std::uint64_t{o.member}, std::uint64_t{o.account},
            std::uint64_t{static_cast<std::uint8_t>(o.side)},
            std::uint64_t{static_cast<std::uint8_t>(o.type)},
            std::uint64_t{static_cast<std::uint8_t>(o.tif)}, static_cast<std::uint64_t>(o.price),
            static_cast<std::uint64_t>(o.qty), static_cast<std::uint64_t>(o.filled)}) {
        h.add(w);
      }
    }
  }
  return h.value();
}

// Re-encodes with a consistent length, order count and hash, so that a test
// can present a well-framed snapshot of a state the engine could never have.
Bytes encode(const Decoded& d) {
  std::uint32_t orders = 0;
  for (const auto& side : d.sides) orders += static_cast<std::uint32_t>(side.size());
  const std::uint64_t length =
      60 + 16 * d.instrument_digests.size() + 8 * d.member_digests.size() + 51 * orders;
  Bytes b;
  put_le(b, d.magic, 4);
  put_le(b, d.version, 4);
  put_le(b, length, 8);
  put_le(b, d.instrument_digests.size(), 4);
  put_le(b, d.member_digests.size(), 4);
  put_le(b, d.id_base, 8);
  put_le(b, d.next_order_id, 8);
  put_le(b, d.next_exec_id, 8);
  put_le(b, orders, 4);
  for (std::uint64_t x : d.instrument_digests) put_le(b, x, 8);
  for (std::uint64_t x : d.member_digests) put_le(b, x, 8);
  for (const auto& side : d.sides) {
    put_le(b, side.size(), 4);
    for (const OrderView& o : side) {
      put_le(b, o.id, 8);
      put_le(b, o.client_ref, 8);
      put_le(b, o.member, 4);
      put_le(b, o.account, 4);
      put_le(b, static_cast<std::uint8_t>(o.side), 1);
      put_le(b, static_cast<std::uint8_t>(o.type), 1);
      put_le(b, static_cast<std::uint8_t>(o.tif), 1);
      put_le(b, static_cast<std::uint64_t>(o.price), 8);
      put_le(b, static_cast<std::uint64_t>(o.qty), 8);
      put_le(b, static_cast<std::uint64_t>(o.filled), 8);
    }
  }
  put_le(b, hash_of(d), 8);
  return b;
}

std::uint64_t spec_digest(const InstrumentSpec& s) {
  StateHasher h;
  h.add(s.symbol.size());
  std::string padded = s.symbol;
  padded.resize((s.symbol.size() + 7) / 8 * 8, '\0');
  for (std::size_t i = 0; i < padded.size(); i += 8) {
    std::uint64_t w = 0;
    for (std::size_t k = 0; k < 8; ++k) {
      w |= std::uint64_t{static_cast<unsigned char>(padded[i + k])} << (8 * k);
    }
    h.add(w);
  }
  for (std::int64_t v : {s.tick, s.lot, s.max_qty, s.band_low, s.band_high}) {
    h.add(static_cast<std::uint64_t>(v));
  }
  return h.value();
}

std::uint64_t member_digest(const MemberSpec& m) {
  StateHasher h;
  h.add(static_cast<std::uint64_t>(m.stp));
  return h.value();
}

// ---------------------------------------------------------------------------
// Comparing engines.

// Everything observable: ids, every order in priority order, level totals
// and counts, find().
void expect_same_state(const Engine& a, const Engine& b) {
  ASSERT_EQ(a.instrument_count(), b.instrument_count());
  EXPECT_EQ(a.next_order_id(), b.next_order_id());
  EXPECT_EQ(a.next_exec_id(), b.next_exec_id());
  EXPECT_EQ(a.live_orders(), b.live_orders());
  EXPECT_EQ(a.state_hash(), b.state_hash());
  for (InstrumentId i = 0; i < a.instrument_count(); ++i) {
    for (Side s : {Side::Buy, Side::Sell}) {
      const auto orders = a.orders(i, s);
      EXPECT_TRUE(orders == b.orders(i, s)) << "instrument " << i << " " << to_string(s);
      EXPECT_TRUE(a.depth(i, s) == b.depth(i, s)) << "instrument " << i << " " << to_string(s);
      for (const OrderView& o : orders) {
        EXPECT_TRUE(b.find(o.id) == std::optional(o)) << "order " << o.id;
        EXPECT_TRUE(b.find_instrument_of(o.id) == std::optional(i)) << "order " << o.id;
      }
    }
  }
}

// A freshly constructed engine's look, to check a refused load left it so.
void expect_pristine(const Engine& e, const Engine& fresh) {
  EXPECT_EQ(e.live_orders(), 0U);
  EXPECT_EQ(e.next_order_id(), fresh.next_order_id());
  EXPECT_EQ(e.next_exec_id(), fresh.next_exec_id());
  EXPECT_EQ(e.state_hash(), fresh.state_hash());
  for (InstrumentId i = 0; i < e.instrument_count(); ++i) {
    EXPECT_TRUE(e.depth(i, Side::Buy).empty());
    EXPECT_TRUE(e.depth(i, Side::Sell).empty());
  }
}

// ---------------------------------------------------------------------------
// Randomized: snapshot at random points, continue both.

struct Scenario {
  std::uint64_t seed;
  int ops;
  std::uint32_t max_orders;
  OrderId id_base;
  bool deep;
};

// Operations are generated against the reference engine, which the
// generator consults to aim cancels and replaces at live orders.
std::vector<mt::Op> generate(const mt::Universe& u, const Scenario& sc) {
  const EngineOptions options{.max_orders = sc.max_orders, .id_base = sc.id_base};
  mt::ReferenceEngine ref(u.instruments, u.members, options);
  mt::OpGenerator gen(u, sc.seed, sc.id_base, sc.deep);
  mt::Recorder rec;
  std::vector<mt::Op> ops;
  for (int i = 0; i < sc.ops; ++i) {
    ops.push_back(gen.next(ref));
    rec.events.clear();
    mt::apply(ref, ops.back(), rec);
    gen.observe(rec.events);
  }
  return ops;
}

struct Follower {
  std::unique_ptr<Engine> engine;
  std::size_t loaded_at;
};

// Applies `run` to the live engine and every follower; their events must be
// identical, event by event. Returns the live engine's events.
template <class What, class Run>
std::vector<Event> step_all(Engine& live, std::vector<Follower>& followers, What what, Run run) {
  mt::Recorder live_rec;
  run(live, live_rec);
  for (Follower& f : followers) {
    mt::Recorder rec;
    run(*f.engine, rec);
    if (rec.events != live_rec.events) {
      ADD_FAILURE() << what() << ": events of the engine loaded at op " << f.loaded_at
                    << " differ\n  saved engine:\n"
                    << mt::describe(live_rec.events) << "  loaded engine:\n"
                    << mt::describe(rec.events);
      return live_rec.events;
    }
  }
  return live_rec.events;
}

void run_scenario(const Scenario& sc) {
  const mt::Universe u = mt::make_universe();
  const EngineOptions options{.max_orders = sc.max_orders, .id_base = sc.id_base};
  const std::vector<mt::Op> ops = generate(u, sc);

  // Op 0 (an empty engine), a random point in each third, and the end.
  mt::Rng rng(sc.seed * 31 + 7);
  std::set<std::size_t> points{0, ops.size()};
  const std::size_t third = ops.size() / 3;
  for (std::size_t k = 0; k < 3; ++k) points.insert(k * third + 1 + rng.below(third - 1));

  Engine live(u.instruments, u.members, options);
  std::vector<Follower> followers;
  std::size_t events_after_first_load[6] = {};  // by EventType
  std::size_t capacity_rejects = 0;
  std::size_t self_trade_cancels = 0;
  for (std::size_t i = 0; i <= ops.size(); ++i) {
    if (points.count(i) != 0) {
      const Bytes bytes = save(live);
      auto f = std::make_unique<Engine>(u.instruments, u.members, options);
      ASSERT_EQ(f->load_snapshot(bytes), bytes.size()) << "at op " << i;
      expect_same_state(live, *f);
      // The encoding is canonical: the loaded engine saves the same bytes.
      ASSERT_TRUE(save(*f) == bytes) << "at op " << i;
      followers.push_back({std::move(f), i});
    }
    if (i == ops.size()) break;
    const auto events = step_all(
        live, followers, [&] { return "op " + std::to_string(i) + " " + mt::describe(ops[i]); },
        [&](Engine& e, mt::Recorder& r) { mt::apply(e, ops[i], r); });
    if (::testing::Test::HasFailure()) return;
    if (followers.size() < 2) continue;  // count only what loaded engines were fed
    for (const Event& e : events) {
      ++events_after_first_load[static_cast<int>(e.type)];
      capacity_rejects += e.reject_reason == RejectReason::CapacityExceeded ? 1U : 0U;
      self_trade_cancels += e.cancel_reason == CancelReason::SelfTradeResting ||
                                    e.cancel_reason == CancelReason::SelfTradeIncoming
                                ? 1U
                                : 0U;
    }
  }
  // Sweeps touch every resting order, so they check every member and tif.
  step_all(
      live, followers, [] { return std::string("mass_cancel(3, instrument 1)"); },
      [](Engine& e, mt::Recorder& r) { e.mass_cancel(3, InstrumentId{1}, r); });
  for (MemberId m : {MemberId{3}, MemberId{0}}) {
    step_all(
        live, followers, [m] { return "mass_cancel(" + std::to_string(m) + ")"; },
        [&](Engine& e, mt::Recorder& r) { e.mass_cancel(m, r); });
  }
  const auto expired = step_all(
      live, followers, [] { return std::string("expire_day_orders()"); },
      [](Engine& e, mt::Recorder& r) { e.expire_day_orders(r); });
  for (const Follower& f : followers) {
    expect_same_state(live, *f.engine);
    EXPECT_TRUE(save(*f.engine) == save(live));
  }

  // The workload must have exercised what the snapshot has to carry over.
  EXPECT_GT(events_after_first_load[static_cast<int>(EventType::Trade)], 100U);
  EXPECT_GT(events_after_first_load[static_cast<int>(EventType::Replaced)], 100U);
  EXPECT_GT(events_after_first_load[static_cast<int>(EventType::Rejected)], 100U);
  EXPECT_GT(events_after_first_load[static_cast<int>(EventType::Canceled)], 100U);
  EXPECT_GT(self_trade_cancels, 0U);
  EXPECT_FALSE(expired.empty());
  if (sc.max_orders < 100) {
    EXPECT_GT(capacity_rejects, 0U);
  }
}

TEST(Snapshot, RandomWorkloadsContinueIdenticallyAfterLoad) {
  for (const Scenario& sc :
       {Scenario{1, 20'000, 4096, 0, false}, Scenario{2, 20'000, 4096, OrderId{3} << 56, true},
        Scenario{3, 10'000, 48, 0, true}, Scenario{4, 10'000, 1024, 1'000'000, false}}) {
    SCOPED_TRACE("seed " + std::to_string(sc.seed));
    run_scenario(sc);
    if (HasFailure()) return;
  }
}

// ---------------------------------------------------------------------------
// A small hand-made state for the byte-level tests.

class SnapshotTest : public EngineTest {
 protected:
  SnapshotTest() : EngineTest({64, 0, nullptr}) {}

  Engine fresh(std::uint32_t max_orders = 64, OrderId id_base = 0) const {
    return Engine(instruments(), members(), {max_orders, id_base, nullptr});
  }

  // Both sides of both books, several levels, a partial fill, a replace that
  // moved an order behind a younger one, Day and GTC, several members.
  void fill_books() {
    const OrderId a = rest(0, Side::Buy, cents(10000), 10);
    rest(1, Side::Buy, cents(10000), 20, TimeInForce::Gtc);
    rest(2, Side::Buy, cents(9990), 5);
    rest(3, Side::Sell, cents(10010), 7, TimeInForce::Gtc);
    rest(4, Side::Sell, cents(10020), 8);
    replace(0, a, cents(10000), 12);                // quantity up: to the back of its level
    submit(limit(5, Side::Sell, cents(10000), 4));  // fills 4 of member 1's order
    rest(0, Side::Buy, cents(100), 30, TimeInForce::Gtc, kLots);
    rest(1, Side::Sell, cents(105), 20, TimeInForce::Day, kLots);
    submit(limit(2, Side::Buy, cents(3), 10, TimeInForce::Day, kLots));  // rejected: off tick
    ASSERT_EQ(engine.live_orders(), 7U);
    ASSERT_EQ(queue(Side::Buy).size(), 3U);
  }
};

TEST_F(SnapshotTest, EncodingMatchesTheDocumentedLayout) {
  fill_books();
  const Bytes b = save(engine);
  const Decoded d = decode(b);
  EXPECT_EQ(d.magic, 0x5345474dU);
  EXPECT_EQ(get_le(b, 0, 4), 0x5345474dU);
  EXPECT_EQ(std::to_integer<char>(b[0]), 'M');
  EXPECT_EQ(std::to_integer<char>(b[3]), 'S');
  EXPECT_EQ(d.version, 1U);
  EXPECT_EQ(d.length, b.size());
  EXPECT_EQ(b.size(), 60 + 16 * 2 + 8 * 6 + 51 * 7U);
  EXPECT_EQ(d.id_base, 0U);
  EXPECT_EQ(d.next_order_id, engine.next_order_id());
  EXPECT_EQ(d.next_exec_id, engine.next_exec_id());
  EXPECT_EQ(d.order_count, 7U);
  ASSERT_EQ(d.instrument_digests.size(), 2U);
  for (InstrumentId i = 0; i < 2; ++i) {
    EXPECT_EQ(d.instrument_digests[i], spec_digest(instruments()[i]));
  }
  ASSERT_EQ(d.member_digests.size(), 6U);
  for (MemberId m = 0; m < 6; ++m) EXPECT_EQ(d.member_digests[m], member_digest(members()[m]));
  ASSERT_EQ(d.sides.size(), 4U);
  EXPECT_TRUE(d.sides[0] == engine.orders(kAcme, Side::Buy));
  EXPECT_TRUE(d.sides[1] == engine.orders(kAcme, Side::Sell));
  EXPECT_TRUE(d.sides[2] == engine.orders(kLots, Side::Buy));
  EXPECT_TRUE(d.sides[3] == engine.orders(kLots, Side::Sell));
  EXPECT_EQ(d.hash, engine.state_hash());
  EXPECT_EQ(hash_of(d), engine.state_hash());
  EXPECT_TRUE(encode(d) == b);
}

TEST_F(SnapshotTest, KeepsTimePriorityAcrossAReplace) {
  fill_books();
  Engine loaded = fresh();
  loaded.load_snapshot(save(engine));
  // Member 1's order came second but is first since order 1 was replaced up.
  ASSERT_EQ(loaded.orders(kAcme, Side::Buy).front().member, 1U);
  Recorder r;
  const NewOrder sell = limit(4, Side::Sell, cents(10000), 20);
  loaded.submit(sell, r);
  engine.submit(sell, r);
  const auto events = r.take();
  ASSERT_EQ(events.size(), 6U);
  for (std::size_t k = 0; k < 3; ++k) EXPECT_TRUE(events[k] == events[k + 3]);
  EXPECT_EQ(events[1].maker.member, 1U);
  EXPECT_EQ(events[2].maker.member, 0U);
  expect_same_state(engine, loaded);
}

TEST(Snapshot, EmptyEngineRoundTrips) {
  for (OrderId id_base : {OrderId{0}, OrderId{5} << 56}) {
    const EngineOptions options{16, id_base, nullptr};
    Engine a(EngineTest::instruments(), EngineTest::members(), options);
    Engine b(EngineTest::instruments(), EngineTest::members(), options);
    const Bytes bytes = save(a);
    EXPECT_EQ(bytes.size(), 60 + 16 * 2 + 8 * 6U);
    EXPECT_EQ(b.load_snapshot(bytes), bytes.size());
    expect_same_state(a, b);
    EXPECT_TRUE(save(b) == bytes);
    // A loaded empty engine is still fresh as far as ids go.
    Recorder ra, rb;
    const NewOrder o{
        9, 1, 2, EngineTest::kAcme, Side::Buy, OrdType::Limit, TimeInForce::Day, cents(10000), 5};
    a.submit(o, ra);
    b.submit(o, rb);
    ASSERT_EQ(ra.events.size(), 1U);
    EXPECT_EQ(ra.events[0].order.id, id_base + 1);
    EXPECT_TRUE(ra.events == rb.events);
  }
}

TEST_F(SnapshotTest, ReadsExactlyItsOwnBytes) {
  fill_books();
  Bytes buf{std::byte{0xaa}, std::byte{0xbb}};
  engine.save_snapshot(buf);  // appends
  const std::size_t first = buf.size() - 2;
  Engine other = fresh();
  other.save_snapshot(buf);  // a second snapshot right after the first
  buf.push_back(std::byte{0xcc});
  EXPECT_TRUE(buf[0] == std::byte{0xaa} && buf[1] == std::byte{0xbb});

  Engine a = fresh();
  const std::size_t used = a.load_snapshot(std::span(buf).subspan(2));
  EXPECT_EQ(used, first);
  expect_same_state(engine, a);
  Engine b = fresh();
  const std::size_t used2 = b.load_snapshot(std::span(buf).subspan(2 + used));
  EXPECT_EQ(2 + used + used2 + 1, buf.size());
  expect_same_state(other, b);
}

TEST_F(SnapshotTest, TruncatedAtEveryLengthIsRefused) {
  fill_books();
  const Bytes b = save(engine);
  Engine target = fresh();
  const Engine pristine = fresh();
  for (std::size_t n = 0; n < b.size(); ++n) {
    const std::string why = refusal([&] { target.load_snapshot(std::span(b).first(n)); });
    EXPECT_NE(why.find("truncated"), std::string::npos) << "length " << n << ": " << why;
    expect_pristine(target, pristine);
    if (HasFailure()) return;
  }
  // Every refusal left it loadable.
  EXPECT_EQ(target.load_snapshot(b), b.size());
  expect_same_state(engine, target);
}

TEST_F(SnapshotTest, EveryFlippedBitIsRefused) {
  fill_books();
  const Bytes b = save(engine);
  Engine target = fresh();
  const Engine pristine = fresh();
  for (std::size_t bit = 0; bit < 8 * b.size(); ++bit) {
    Bytes bad = b;
    bad[bit / 8] ^= std::byte{static_cast<unsigned char>(1U << (bit % 8))};
    const std::string why = refusal([&] { target.load_snapshot(bad); });
    ASSERT_FALSE(why.empty()) << "bit " << bit << " of byte " << bit / 8;
    expect_pristine(target, pristine);
    if (HasFailure()) return;
  }
}

TEST_F(SnapshotTest, MagicVersionAndLengthAreChecked) {
  fill_books();
  const Bytes b = save(engine);
  Engine target = fresh();
  Decoded d = decode(b);

  Bytes bad = b;
  bad[1] = std::byte{'X'};
  EXPECT_NE(refusal([&] { target.load_snapshot(bad); }).find("magic"), std::string::npos);

  d.version = 2;
  const std::string why = refusal([&] { target.load_snapshot(encode(d)); });
  EXPECT_NE(why.find("unknown version 2"), std::string::npos) << why;
  d.version = 0;
  EXPECT_NE(refusal([&] { target.load_snapshot(encode(d)); }).find("version"), std::string::npos);

  // A length that does not fit the content.
  bad = b;
  bad.push_back(std::byte{0});
  bad[8] = static_cast<std::byte>(std::to_integer<unsigned>(bad[8]) + 1);
  EXPECT_NE(refusal([&] { target.load_snapshot(bad); }).find("malformed"), std::string::npos);
  bad = b;
  bad[8] = std::byte{20};
  for (int i = 9; i < 16; ++i) bad[i] = std::byte{0};
  EXPECT_NE(refusal([&] { target.load_snapshot(bad); }).find("too short"), std::string::npos);
  // The header's order count disagrees with the book sides.
  bad = b;
  bad[48] = static_cast<std::byte>(std::to_integer<unsigned>(bad[48]) + 1);
  EXPECT_FALSE(refusal([&] { target.load_snapshot(bad); }).empty());
  // The content is intact but the saved hash is not.
  bad = b;
  bad.back() ^= std::byte{0x80};
  EXPECT_NE(refusal([&] { target.load_snapshot(bad); }).find("hash"), std::string::npos);
  expect_pristine(target, fresh());
}

// Well-framed snapshots (consistent length, count and hash) of states the
// engine cannot have produced.
TEST_F(SnapshotTest, ImpossibleStatesAreRefused) {
  fill_books();
  const Decoded good = decode(save(engine));
  Engine target = fresh();
  const Engine pristine = fresh();
  auto expect = [&](const char* needle, auto edit) {
    Decoded d = good;
    edit(d);
    const std::string why = refusal([&] { target.load_snapshot(encode(d)); });
    EXPECT_NE(why.find(needle), std::string::npos) << "wanted '" << needle << "', got: " << why;
    expect_pristine(target, pristine);
  };
  // sides[0] is ACME's bids, best first: 100.00 (two orders), 99.90.
  expect("side", [](Decoded& d) { d.sides[0][0].side = Side::Sell; });
  expect("side", [](Decoded& d) { d.sides[1][0].side = static_cast<Side>(2); });
  expect("cannot rest", [](Decoded& d) { d.sides[0][1].type = OrdType::Market; });
  expect("cannot rest", [](Decoded& d) { d.sides[0][1].tif = TimeInForce::Ioc; });
  expect("cannot rest", [](Decoded& d) { d.sides[0][1].tif = static_cast<TimeInForce>(9); });
  expect("unknown member", [](Decoded& d) { d.sides[2][0].member = 6; });
  expect("outside the assigned range", [](Decoded& d) { d.sides[0][2].id = d.next_order_id; });
  expect("outside the assigned range", [](Decoded& d) { d.sides[0][2].id = 0; });
  expect("twice", [](Decoded& d) { d.sides[3][0].id = d.sides[0][0].id; });
  expect("price", [](Decoded& d) { d.sides[0][2].price += 1; });           // off tick
  expect("price", [](Decoded& d) { d.sides[0][2].price = cents(8990); });  // below band
  expect("price", [](Decoded& d) { d.sides[2][0].price = 0; });
  expect("cannot rest", [](Decoded& d) { d.sides[2][0].qty = 25; });      // not lots of 10
  expect("cannot rest", [](Decoded& d) { d.sides[0][0].qty = 10'001; });  // above max
  expect("cannot rest", [](Decoded& d) { d.sides[0][0].filled = d.sides[0][0].qty; });
  expect("cannot rest", [](Decoded& d) { d.sides[0][0].filled = -1; });
  expect("priority order", [](Decoded& d) { std::swap(d.sides[0][0], d.sides[0][2]); });
  expect("priority order", [](Decoded& d) {  // one price split into two levels
    d.sides[0].push_back(d.sides[0][0]);
    d.sides[0].erase(d.sides[0].begin());
  });
  expect("not above id_base", [](Decoded& d) { d.next_exec_id = 0; });
  // LOTS's bid at 1.00 moved into ACME's book, whose band starts at 90.00.
  expect("price", [](Decoded& d) {
    d.sides[0].push_back(d.sides[2][0]);
    d.sides[2].clear();
  });
  // The unchanged state still loads: the edits above were the only problem.
  EXPECT_EQ(target.load_snapshot(encode(good)), save(engine).size());
}

TEST_F(SnapshotTest, AnotherConfigurationIsRefusedNamingTheDifference) {
  fill_books();
  const Bytes b = save(engine);
  auto why = [&](std::vector<InstrumentSpec> inst, std::vector<MemberSpec> mem,
                 OrderId id_base = 0) {
    Engine target(std::move(inst), std::move(mem), {64, id_base, nullptr});
    std::string w = refusal([&] { target.load_snapshot(b); });
    EXPECT_EQ(target.live_orders(), 0U);
    return w;
  };
  auto inst = instruments();
  inst.pop_back();
  EXPECT_NE(why(inst, members()).find("2 instruments, this engine 1"), std::string::npos);
  inst = instruments();
  inst[1].tick = cents(10);
  EXPECT_NE(why(inst, members()).find("instrument 1 (LOTS"), std::string::npos);
  inst = instruments();
  inst[0].band_high += cents(1);
  EXPECT_NE(why(inst, members()).find("instrument 0 (ACME"), std::string::npos);
  inst = instruments();
  inst[0].symbol = "ACMF";
  EXPECT_NE(why(inst, members()).find("instrument 0"), std::string::npos);
  auto mem = members();
  mem.push_back({});
  EXPECT_NE(why(instruments(), mem).find("6 members, this engine 7"), std::string::npos);
  mem = members();
  mem[3].stp = StpMode::CancelBoth;
  EXPECT_NE(why(instruments(), mem).find("member 3"), std::string::npos);
  EXPECT_NE(why(instruments(), members(), 1000).find("id_base"), std::string::npos);
}

TEST_F(SnapshotTest, OnlyAFreshEngineLoads) {
  fill_books();
  const Bytes b = save(engine);
  const std::uint64_t before = engine.state_hash();
  EXPECT_NE(refusal([&] { engine.load_snapshot(b); }).find("freshly constructed"),
            std::string::npos);
  EXPECT_EQ(engine.state_hash(), before);  // refused before anything changed
  EXPECT_EQ(engine.live_orders(), 7U);

  // No live orders, but ids have been handed out.
  Engine rejected_only = fresh();
  Recorder r;
  rejected_only.submit(limit(0, Side::Buy, cents(1), 1), r);  // outside the band
  ASSERT_EQ(r.take().at(0).type, EventType::Rejected);
  EXPECT_FALSE(refusal([&] { rejected_only.load_snapshot(b); }).empty());
  Engine all_canceled = fresh();
  all_canceled.submit(limit(0, Side::Buy, cents(10000), 1), r);
  all_canceled.cancel(CancelOrder{1, 0, 1}, r);
  ASSERT_EQ(all_canceled.live_orders(), 0U);
  EXPECT_FALSE(refusal([&] { all_canceled.load_snapshot(b); }).empty());

  // A successful load counts as state too.
  Engine loaded = fresh();
  loaded.load_snapshot(b);
  EXPECT_FALSE(refusal([&] { loaded.load_snapshot(b); }).empty());
  // A load of an empty snapshot left nothing to lose: a second load is
  // taken, and the engine is then the one that was saved.
  Engine loaded_empty = fresh();
  loaded_empty.load_snapshot(save(fresh()));
  ASSERT_EQ(loaded_empty.load_snapshot(b), b.size());
  expect_same_state(engine, loaded_empty);
  const NewOrder sweep = limit(5, Side::Sell, cents(9900), 40);  // takes all bids, rests 7
  const NewOrder take = limit(0, Side::Buy, cents(10000), 3);    // takes 3 of those 7
  const auto trade = [&](Engine& e, Recorder& rec) {
    e.submit(sweep, rec);
    e.submit(take, rec);
  };
  Recorder from_original;
  Recorder from_loaded;
  trade(engine, from_original);
  trade(loaded_empty, from_loaded);
  ASSERT_EQ(from_original.events.size(), 6U);  // 2 accepted, 3 + 1 trades
  EXPECT_TRUE(from_original.events == from_loaded.events);
  expect_same_state(engine, loaded_empty);
}

TEST_F(SnapshotTest, MaxOrdersIsRespected) {
  fill_books();
  const Bytes b = save(engine);
  Engine small = fresh(6);
  EXPECT_NE(refusal([&] { small.load_snapshot(b); }).find("max_orders (6)"), std::string::npos);
  expect_pristine(small, fresh(6));

  Engine exact = fresh(7);
  ASSERT_EQ(exact.load_snapshot(b), b.size());
  expect_same_state(engine, exact);
  Recorder r;
  exact.submit(limit(2, Side::Buy, cents(9950), 1), r);
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_EQ(r.events[0].reject_reason, RejectReason::CapacityExceeded);
  r.take();
  exact.cancel(CancelOrder{1, 2, exact.orders(kAcme, Side::Buy).back().id}, r);
  exact.submit(limit(2, Side::Buy, cents(9950), 1), r);
  ASSERT_EQ(r.events.size(), 2U);
  EXPECT_EQ(r.events[1].type, EventType::Accepted);
  EXPECT_EQ(exact.live_orders(), 7U);

  // More room than the saving engine had is fine.
  Engine large = fresh(1 << 16);
  ASSERT_EQ(large.load_snapshot(b), b.size());
  expect_same_state(engine, large);
}

}  // namespace
}  // namespace matchgate::engine::test
