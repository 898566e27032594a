#include <algorithm>

#include "matchgate/clearing/ledger.hpp"
#include "matchgate/util/assert.hpp"

namespace matchgate::clearing {

namespace {

constexpr std::size_t kEntriesReserved = std::size_t{1} << 15;

// The shard of `prefix` in `shards`, or its end. (Templates: the element
// types are TradeIndex's private ones; find and insert share these.)
template <class Shards>
auto shard_with(Shards& shards, std::uint64_t prefix) {
  return std::find_if(shards.begin(), shards.end(),
                      [prefix](const auto& s) { return s.prefix == prefix; });
}

// The first entry of `entries` (ascending) whose id is not below `trade_id`.
template <class Entries>
auto first_not_below(Entries& entries, std::uint64_t trade_id) {
  return std::lower_bound(entries.begin(), entries.end(), trade_id,
                          [](const auto& entry, std::uint64_t id) { return entry.trade_id < id; });
}

}  // namespace

std::optional<std::uint32_t> TradeIndex::find(std::uint64_t trade_id) const noexcept {
  const auto shard = shard_with(shards_, trade_id >> kShardShift);
  if (shard == shards_.end()) return std::nullopt;
  const auto& e = shard->entries;
  if (e.empty() || trade_id > e.back().trade_id) return std::nullopt;
  const auto at = first_not_below(e, trade_id);
  if (at == e.end() || at->trade_id != trade_id) return std::nullopt;
  return at->value;
}

bool TradeIndex::insert(std::uint64_t trade_id, std::uint32_t value) {
  const std::uint64_t prefix = trade_id >> kShardShift;
  auto shard = shard_with(shards_, prefix);
  if (shard == shards_.end()) {
    shards_.push_back(Shard{prefix, {}});
    shard = shards_.end() - 1;
    shard->entries.reserve(kEntriesReserved);
  }
  auto& e = shard->entries;
  if (e.empty() || trade_id > e.back().trade_id) {
    e.push_back(Entry{trade_id, value});
    return true;
  }
  const auto at = first_not_below(e, trade_id);
  // trade_id <= the last id, so lower_bound stops at an entry.
  MATCHGATE_ASSERT(at != e.end(), "TradeIndex: an id below the shard's last has a place");
  if (at->trade_id == trade_id) return false;
  e.insert(at, Entry{trade_id, value});
  return true;
}

void TradeIndex::clear() noexcept {
  for (Shard& shard : shards_) shard.entries.clear();
}

std::size_t TradeIndex::size() const noexcept {
  std::size_t n = 0;
  for (const Shard& shard : shards_) n += shard.entries.size();
  return n;
}

}  // namespace matchgate::clearing
