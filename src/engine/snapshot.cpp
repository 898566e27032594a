// Engine::save_snapshot and Engine::load_snapshot. The byte layout is
// specified in docs/SNAPSHOT.md ("Engine state"); keep the two in step.
#include <bit>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "matchgate/engine/engine.hpp"
#include "matchgate/engine/state_hash.hpp"

namespace matchgate::engine {

namespace {

// Fixed part of the header, through the order count.
constexpr std::size_t kHeaderBytes = 52;
// id, client_ref, member, account, side, type, tif, price, qty, filled.
constexpr std::size_t kOrderBytes = 8 + 8 + 4 + 4 + 1 + 1 + 1 + 8 + 8 + 8;

std::size_t snapshot_size(std::size_t instruments, std::size_t members, std::size_t orders) {
  // Header, one digest per instrument and member, a 4-byte order count per
  // book side, the orders and the 8-byte state hash.
  return kHeaderBytes + 8 * instruments + 8 * members + 2 * 4 * instruments + kOrderBytes * orders +
         8;
}

std::uint64_t digest(const InstrumentSpec& spec) {
  StateHasher h;
  h.add(spec.symbol.size());
  for (std::size_t i = 0; i < spec.symbol.size(); i += 8) {
    std::uint64_t word = 0;
    for (std::size_t k = 0; k < 8 && i + k < spec.symbol.size(); ++k) {
      word |= std::uint64_t{static_cast<unsigned char>(spec.symbol[i + k])} << (8 * k);
    }
    h.add(word);
  }
  h.add(static_cast<std::uint64_t>(spec.tick));
  h.add(static_cast<std::uint64_t>(spec.lot));
  h.add(static_cast<std::uint64_t>(spec.max_qty));
  h.add(static_cast<std::uint64_t>(spec.band_low));
  h.add(static_cast<std::uint64_t>(spec.band_high));
  return h.value();
}

std::uint64_t digest(const MemberSpec& spec) {
  StateHasher h;
  h.add(static_cast<std::uint64_t>(spec.stp));
  return h.value();
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("engine snapshot: " + what);
}

// Little-endian whatever the host: the bytes are the format. On a
// little-endian host each field is one memcpy, i.e. one plain store or load;
// byte-wise stores through std::byte* (which may alias anything) were half
// the cost of a save.
template <class T>
void store_le(std::byte* p, T v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, sizeof v);
  } else {
    const auto u = static_cast<std::make_unsigned_t<T>>(v);
    for (std::size_t i = 0; i < sizeof v; ++i) p[i] = static_cast<std::byte>(u >> (8 * i));
  }
}
template <class T>
T load_le(const std::byte* p) {
  if constexpr (std::endian::native == std::endian::little) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
  } else {
    std::make_unsigned_t<T> u = 0;
    for (std::size_t i = 0; i < sizeof u; ++i) {
      u |= static_cast<std::make_unsigned_t<T>>(std::to_integer<unsigned>(p[i])) << (8 * i);
    }
    return static_cast<T>(u);
  }
}

class Writer {
 public:
  explicit Writer(std::byte* p) : p_(p) {}
  void u8(std::uint8_t v) { put(v); }
  void u32(std::uint32_t v) { put(v); }
  void u64(std::uint64_t v) { put(v); }
  void i64(std::int64_t v) { put(v); }
  std::byte* position() const { return p_; }

 private:
  template <class T>
  void put(T v) {
    store_le(p_, v);
    p_ += sizeof v;
  }
  std::byte* p_;
};

// Every read is bounds-checked, so no input can make it read past `in`.
class Reader {
 public:
  explicit Reader(std::span<const std::byte> in) : in_(in) {}
  std::uint8_t u8() { return get<std::uint8_t>(); }
  std::uint32_t u32() { return get<std::uint32_t>(); }
  std::uint64_t u64() { return get<std::uint64_t>(); }
  std::int64_t i64() { return get<std::int64_t>(); }
  std::size_t position() const { return pos_; }
  // `n` must not be below position().
  void limit(std::size_t n) { in_ = in_.first(n); }
  // The 8 bytes `n` bytes ahead, or nothing past the end; for prefetching.
  std::optional<std::uint64_t> peek_u64(std::size_t n) const {
    if (in_.size() - pos_ < n + 8) return std::nullopt;
    return load_le<std::uint64_t>(in_.data() + pos_ + n);
  }

 private:
  template <class T>
  T get() {
    if (in_.size() - pos_ < sizeof(T)) {
      fail("truncated: " + std::to_string(in_.size()) + " bytes, more needed at offset " +
           std::to_string(pos_));
    }
    const T v = load_le<T>(in_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }
  std::span<const std::byte> in_;
  std::size_t pos_ = 0;
};

std::string hex(std::uint32_t v) {
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s += "0123456789abcdef"[(v >> shift) & 0xfU];
  return s;
}

std::string where(std::uint64_t index, OrderId id, InstrumentId instrument, Side side) {
  return "order " + std::to_string(index) + " (id " + std::to_string(id) + ", instrument " +
         std::to_string(instrument) + " " + to_string(side) + ")";
}

}  // namespace

void Engine::save_snapshot(std::vector<std::byte>& out) const {
  const std::size_t size = snapshot_size(books_.size(), members_.size(), pool_.in_use());
  const std::size_t start = out.size();
  out.resize(start + size);
  Writer w(out.data() + start);
  w.u32(kSnapshotMagic);
  w.u32(kSnapshotVersion);
  w.u64(size);
  w.u32(static_cast<std::uint32_t>(books_.size()));
  w.u32(static_cast<std::uint32_t>(members_.size()));
  w.u64(id_base_);
  w.u64(next_order_id_);
  w.u64(next_exec_id_);
  w.u32(pool_.in_use());
  for (const OrderBook& book : books_) w.u64(digest(book.spec));
  for (const MemberSpec& member : members_) w.u64(digest(member));

  // The trailer is state_hash(), computed on the way rather than by a second
  // walk over orders scattered through the pool.
  StateHasher h;
  h.add(next_order_id_);
  h.add(next_exec_id_);
  for (const OrderBook& book : books_) {
    for (const BookSide* side : {&book.bids, &book.asks}) {
      std::uint32_t count = 0;
      for (std::size_t i = 0; i < side->level_count(); ++i) count += side->from_best(i).count;
      w.u32(count);
      for (std::size_t i = 0; i < side->level_count(); ++i) {
        for (std::uint32_t m = side->from_best(i).head, next; m != kNil; m = next) {
          // The orders of a level are scattered through the pool, and the
          // hash's long dependency chain keeps the CPU from running ahead to
          // the next one by itself.
          next = pool_.link(m).next;
          if (next != kNil) {
            __builtin_prefetch(&pool_[next]);
            __builtin_prefetch(&pool_.link(next));
          }
          const Order& o = pool_[m];
          w.u64(o.id);
          w.u64(o.client_ref);
          w.u32(o.member);
          w.u32(o.account);
          w.u8(static_cast<std::uint8_t>(o.side));
          w.u8(static_cast<std::uint8_t>(o.type));
          w.u8(static_cast<std::uint8_t>(o.tif));
          w.i64(o.price);
          w.i64(o.qty);
          w.i64(o.filled);
          add_order(h, o);
        }
      }
    }
  }
  w.u64(h.value());
  if (w.position() != out.data() + out.size()) {
    throw std::logic_error("engine snapshot: size computed wrongly");
  }
}

std::size_t Engine::load_snapshot(std::span<const std::byte> in) {
  if (pool_.in_use() != 0 || next_order_id_ != id_base_ + 1 || next_exec_id_ != id_base_ + 1) {
    fail("load needs a freshly constructed engine; this one has " + std::to_string(pool_.in_use()) +
         " live orders and next order/exec ids " + std::to_string(next_order_id_) + "/" +
         std::to_string(next_exec_id_));
  }
  try {
    return restore(in);
  } catch (...) {
    clear_state();
    throw;
  }
}

void Engine::clear_state() noexcept {
  for (OrderBook& book : books_) {
    book.bids.clear();
    book.asks.clear();
  }
  ids_.clear();
  pool_.reset();
  next_order_id_ = id_base_ + 1;
  next_exec_id_ = id_base_ + 1;
}

std::size_t Engine::restore(std::span<const std::byte> in) {
  Reader r(in);
  if (const std::uint32_t magic = r.u32(); magic != kSnapshotMagic) {
    fail("not an engine snapshot (magic " + hex(magic) + ", expected " + hex(kSnapshotMagic) + ")");
  }
  if (const std::uint32_t version = r.u32(); version != kSnapshotVersion) {
    fail("unknown version " + std::to_string(version) + " (this engine reads version " +
         std::to_string(kSnapshotVersion) + ")");
  }
  const std::uint64_t size = r.u64();
  if (size > in.size()) {
    fail("truncated: the snapshot is " + std::to_string(size) + " bytes, " +
         std::to_string(in.size()) + " given");
  }
  if (size < snapshot_size(0, 0, 0)) {
    fail("malformed: a length of " + std::to_string(size) + " bytes is too short");
  }
  r.limit(static_cast<std::size_t>(size));  // nothing past the snapshot's own end

  const std::uint32_t instruments = r.u32();
  const std::uint32_t members = r.u32();
  if (instruments != books_.size()) {
    fail("configuration differs: the snapshot has " + std::to_string(instruments) +
         " instruments, this engine " + std::to_string(books_.size()));
  }
  if (members != members_.size()) {
    fail("configuration differs: the snapshot has " + std::to_string(members) +
         " members, this engine " + std::to_string(members_.size()));
  }
  if (const OrderId id_base = r.u64(); id_base != id_base_) {
    fail("configuration differs: the snapshot's id_base is " + std::to_string(id_base) +
         ", this engine's " + std::to_string(id_base_));
  }
  const OrderId next_order_id = r.u64();
  const ExecId next_exec_id = r.u64();
  const std::uint32_t orders = r.u32();
  if (next_order_id <= id_base_ || next_exec_id <= id_base_) {
    fail("malformed: next order/exec ids " + std::to_string(next_order_id) + "/" +
         std::to_string(next_exec_id) + " not above id_base " + std::to_string(id_base_));
  }
  if (size != snapshot_size(instruments, members, orders)) {
    fail("malformed: " + std::to_string(size) + " bytes do not fit " + std::to_string(orders) +
         " orders");
  }
  if (orders > pool_.capacity()) {
    fail("the snapshot holds " + std::to_string(orders) +
         " resting orders, more than this engine's max_orders (" +
         std::to_string(pool_.capacity()) + ")");
  }
  for (InstrumentId i = 0; i < books_.size(); ++i) {
    if (r.u64() != digest(books_[i].spec)) {
      fail("configuration differs: instrument " + std::to_string(i) + " (" + books_[i].spec.symbol +
           " here) has another symbol, tick, lot, max_qty or band than in the snapshot");
    }
  }
  for (MemberId m = 0; m < members_.size(); ++m) {
    if (r.u64() != digest(members_[m])) {
      fail("configuration differs: member " + std::to_string(m) +
           " has another self-trade prevention mode than in the snapshot");
    }
  }

  next_order_id_ = next_order_id;
  next_exec_id_ = next_exec_id;
  std::uint64_t index = 0;  // of the order being read, for messages
  for (InstrumentId instrument = 0; instrument < books_.size(); ++instrument) {
    OrderBook& book = books_[instrument];
    for (BookSide* side : {&book.bids, &book.asks}) {
      const std::uint32_t count = r.u32();
      if (count > orders - index) {
        fail("malformed: the book sides hold more than the " + std::to_string(orders) +
             " orders in the header");
      }
      PriceLevel* level = nullptr;
      for (std::uint32_t k = 0; k < count; ++k, ++index) {
        // Ids in priority order are scattered over the id index, so each
        // insert would wait for a cache miss. A wrong guess (ahead lies in the
        // next side) costs only a useless prefetch.
        constexpr std::size_t kAhead = 8;
        if (const auto ahead = r.peek_u64(kAhead * kOrderBytes)) ids_.prefetch(*ahead);
        const std::uint32_t slot = pool_.acquire();  // the count was checked against capacity
        Order& o = pool_[slot];
        o.id = r.u64();
        o.client_ref = r.u64();
        o.member = r.u32();
        o.account = r.u32();
        const std::uint8_t side_byte = r.u8();
        const std::uint8_t type_byte = r.u8();
        const std::uint8_t tif_byte = r.u8();
        o.price = r.i64();
        o.qty = r.i64();
        o.filled = r.i64();
        o.instrument = instrument;
        o.side = side->side();
        o.type = OrdType::Limit;
        o.tif = tif_byte == 0 ? TimeInForce::Day : TimeInForce::Gtc;
        // Only what the engine can have left resting is accepted: anything
        // else would break an invariant the matching code relies on.
        const auto at = [&] { return where(index, o.id, instrument, o.side); };
        if (side_byte != static_cast<std::uint8_t>(o.side)) {
          fail(at() + ": side " + std::to_string(side_byte) + " in this book side");
        }
        if (type_byte != static_cast<std::uint8_t>(OrdType::Limit) || tif_byte > 1) {
          fail(at() + ": type " + std::to_string(type_byte) + " and time in force " +
               std::to_string(tif_byte) + " cannot rest (limit Day or GTC only)");
        }
        if (o.member >= members_.size()) {
          fail(at() + ": unknown member " + std::to_string(o.member));
        }
        if (o.id <= id_base_ || o.id >= next_order_id_) {
          fail(at() + ": id outside the assigned range");
        }
        if (ids_.find(o.id) != kNil) fail(at() + ": id appears twice");
        if (check_price(book, o.price) != RejectReason::None) {
          fail(at() + ": price " + std::to_string(o.price) + " not valid for the instrument");
        }
        if (check_qty(book, o.qty) != RejectReason::None || o.filled < 0 || o.filled >= o.qty) {
          fail(at() + ": quantity " + std::to_string(o.qty) + " with " + std::to_string(o.filled) +
               " filled cannot rest");
        }
        if (level == nullptr || o.price != level->price) {
          if (level != nullptr && !side->better(level->price, o.price)) {
            fail(at() + ": price " + std::to_string(o.price) + " out of priority order");
          }
          level = &side->append_worse(o.price);
        }
        ids_.insert(o.id, slot);
        level->push_back(pool_, slot);
      }
      side->end_append();
    }
  }
  if (index != orders) {
    fail("malformed: the book sides hold " + std::to_string(index) + " orders, the header " +
         std::to_string(orders));
  }
  if (const std::uint64_t hash = r.u64(); hash != state_hash()) {
    fail("the rebuilt state's hash differs from the one saved with it (corrupt snapshot)");
  }
  return r.position();
}

}  // namespace matchgate::engine
