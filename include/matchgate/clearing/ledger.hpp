#pragma once
// The clearing ledger (docs/CLEARING.md): positions per member, account and
// instrument for the current business date, and each member's settlement
// obligations (T+0 netting), kept as the sum of the Trade records (trades
// and corrections add, busts subtract). Fed the same records, in log order,
// it reaches the same state wherever it runs: in the daemon's network
// thread (live and in replay), in the settlement report, in tests.
//
// Invariants, at every point (check() says which one broke): per
// instrument the members' day quantities (bought - sold) sum to zero; the
// members' net cash plus the fees collected sums to zero; no quantity is
// negative.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "matchgate/clearing/fees.hpp"
#include "matchgate/engine/types.hpp"
#include "matchgate/records/trade.hpp"
#include "matchgate/util/byte_io.hpp"
#include "matchgate/util/chunked_vector.hpp"

namespace matchgate::clearing {

struct PositionKey {
  engine::MemberId member = 0;
  engine::AccountId account = 0;
  std::uint32_t instrument = 0;  // the config's numbering
  // clang-tidy 14 sees the literal 0 that a defaulted <=> compares with as a
  // null pointer (llvm-project issue 53961).
  auto operator<=>(const PositionKey&) const = default;  // NOLINT(modernize-use-nullptr)
};

// One member account's position in one instrument on the business date.
struct Position {
  engine::Qty opening = 0;  // net quantity carried from the previous business date
  engine::Qty bought = 0;
  Money bought_value = 0;  // sum of price x qty, 1e-8 units
  engine::Qty sold = 0;
  Money sold_value = 0;
  Money fees = 0;           // paid (negative: rebates received)
  std::int64_t trades = 0;  // fills counted (a bust takes one back)
  engine::Qty day_qty() const noexcept { return bought - sold; }
  engine::Qty net() const noexcept { return opening + bought - sold; }
  // Cash of the day: sales received minus purchases paid minus fees.
  Money cash() const noexcept { return sold_value - bought_value - fees; }
  bool operator==(const Position&) const = default;
};

// What a member settles for the business date (T+0 netting over its
// accounts): per instrument one quantity to receive (> 0) or deliver (< 0),
// and one cash amount to receive (> 0) or pay (< 0), fees included.
struct Obligation {
  engine::MemberId member = 0;
  std::uint32_t instrument = 0;
  engine::Qty qty = 0;
  Money cash = 0;  // this instrument's share of the member's cash, fees included
  bool operator==(const Obligation&) const = default;
};

// u64 key -> u32 index, open addressing; grows (doubling, rarely) past half
// full, so a day's millionth trade costs what its first did on average.
class FlatIndex {
 public:
  explicit FlatIndex(std::size_t initial_capacity = 1024);
  std::optional<std::uint32_t> find(std::uint64_t key) const noexcept;
  void insert(std::uint64_t key, std::uint32_t value);  // key must be absent
  void clear() noexcept;
  std::size_t size() const noexcept { return size_; }

 private:
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t value = 0;
    bool used = false;
  };
  void grow();
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

// Trade id -> index into the day's trades. Trade ids are the engine's
// ExecIds: a shard's number in the top 16 bits, ascending within the shard
// (gateway.cpp's id_base), so a shard's new trade has a greater id than its
// last one and is appended, touching only the shard's newest entry; a bust
// or correction (an operator's, rare) finds its trade by binary search. A
// hash index missed the cache on every trade once a day held millions.
// Ids out of order (a hand-made log) are still placed right, at O(n).
class TradeIndex {
 public:
  std::optional<std::uint32_t> find(std::uint64_t trade_id) const noexcept;
  // False, changing nothing, when trade_id is there already.
  bool insert(std::uint64_t trade_id, std::uint32_t value);
  // Keeps the memory for the next date.
  void clear() noexcept;
  std::size_t size() const noexcept;

 private:
  struct Entry {
    std::uint64_t trade_id = 0;
    std::uint32_t value = 0;
  };
  struct Shard {
    std::uint64_t prefix = 0;            // trade_id >> 48
    util::ChunkedVector<Entry> entries;  // ascending trade_id
  };
  static constexpr int kShardShift = 48;
  std::vector<Shard> shards_;  // a venue has a handful: searched linearly
};

// Limits of the packed position key.
inline constexpr std::uint32_t kMaxMembers = 1U << 20;
inline constexpr std::uint32_t kMaxAccounts = 1U << 12;

struct LedgerShape {
  std::size_t members = 0;
  // Per instrument (the config's numbering): does its net position carry
  // over to the next business date (true), or settle flat each day.
  std::vector<bool> carry_positions;
};

class Ledger {
 public:
  explicit Ledger(LedgerShape shape);

  // Books `r` on its business date. A later date than the ledger's rolls
  // the day first (roll_to). A bust or correction must name a trade of the
  // current date (find_trade); returns false, changing nothing, for a
  // record that does not fit (unknown member or instrument, an earlier
  // date, a bust of an unknown or busted trade, a correction of a trade not
  // just busted).
  bool apply(const records::TradeRecord& r);
  // A new business date: carried positions become the opening quantities,
  // everything else starts from zero; the day's trades are forgotten.
  void roll_to(std::int32_t business_date);

  std::int32_t business_date() const noexcept { return date_; }
  // The trade `trade_id` of the current date as last booked (corrections
  // applied), or null; `busted` says whether it was busted.
  const records::TradeRecord* find_trade(std::uint64_t trade_id, bool* busted = nullptr) const;
  const Position* find(const PositionKey& key) const;
  // Every position of the date (including carried ones without trades),
  // in (member, account, instrument) order.
  std::vector<std::pair<PositionKey, Position>> positions() const;
  std::vector<std::pair<PositionKey, Position>> positions_of(engine::MemberId member) const;
  // Per member and instrument, ordered; members without trades omitted.
  std::vector<Obligation> obligations() const;
  Money member_cash(engine::MemberId member) const;
  Money fees_collected() const noexcept { return fees_collected_; }
  std::uint64_t trades_booked() const noexcept { return trades_booked_; }
  // Empty when every invariant holds, else which one broke and the figures.
  std::optional<std::string> check() const;

  // Snapshot: the date, positions, the day's trades (for busts).
  void save(util::ByteWriter& out) const;
  void load(util::ByteReader& in);  // throws std::runtime_error on another shape
  bool operator==(const Ledger& other) const;

 private:
  struct DayTrade {
    records::TradeRecord record;
    bool busted = false;
  };
  Position& position(const PositionKey& key);
  void book(const records::TradeRecord& r, int sign);
  bool fits(const records::TradeRecord& r) const noexcept;

  LedgerShape shape_;
  std::int32_t date_ = 0;
  // In booking order; sorted on demand only (reports, snapshots). Found by
  // key (PositionKey packed into 64 bits) or trade id in O(1).
  std::vector<std::pair<PositionKey, Position>> positions_;
  FlatIndex position_index_;
  util::ChunkedVector<DayTrade> trades_;  // the date's, in booking order
  TradeIndex trade_index_;
  Money fees_collected_ = 0;
  std::uint64_t trades_booked_ = 0;
};

}  // namespace matchgate::clearing
