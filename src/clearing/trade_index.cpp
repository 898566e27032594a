#include <algorithm>

#include "matchgate/clearing/ledger.hpp"
#include "matchgate/util/assert.hpp"

namespace matchgate::clearing {

namespace {

// The shard of `prefix` in `shards`, or its end. (Templates: the element
// types are TradeIndex's private ones; find and insert share these.)
template <class Shards>
auto shard_with(Shards& shards, std::uint64_t prefix) {
  return std::find_if(shards.begin(), shards.end(),
                      [prefix](const auto& s) { return s.prefix == prefix; });
}

// The index of the first entry of `entries` (ascending) whose id is not
// below `trade_id`; entries.size() when there is none.
template <class Entries>
std::size_t first_not_below(const Entries& entries, std::uint64_t trade_id) {
  std::size_t low = 0;
  std::size_t high = entries.size();
  while (low < high) {
    const std::size_t middle = low + (high - low) / 2;
    if (entries[middle].trade_id < trade_id) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

}  // namespace

std::optional<std::uint32_t> TradeIndex::find(std::uint64_t trade_id) const noexcept {
  const auto shard = shard_with(shards_, trade_id >> kShardShift);
  if (shard == shards_.end()) return std::nullopt;
  const auto& e = shard->entries;
  if (e.empty() || trade_id > e.back().trade_id) return std::nullopt;
  const std::size_t at = first_not_below(e, trade_id);
  if (at == e.size() || e[at].trade_id != trade_id) return std::nullopt;
  return e[at].value;
}

bool TradeIndex::insert(std::uint64_t trade_id, std::uint32_t value) {
  const std::uint64_t prefix = trade_id >> kShardShift;
  auto shard = shard_with(shards_, prefix);
  if (shard == shards_.end()) {
    shards_.push_back(Shard{prefix, {}});
    shard = shards_.end() - 1;
  }
  auto& e = shard->entries;
  if (e.empty() || trade_id > e.back().trade_id) {
    e.push_back(Entry{trade_id, value});
    return true;
  }
  const std::size_t at = first_not_below(e, trade_id);
  // trade_id <= the last id, so the search stops at an entry.
  MATCHGATE_ASSERT(at < e.size(), "TradeIndex: an id below the shard's last has a place");
  if (e[at].trade_id == trade_id) return false;
  // Out of order (a hand-made log): shift the later entries up by one.
  e.push_back(e.back());
  for (std::size_t i = e.size() - 2; i > at; --i) e[i] = e[i - 1];
  e[at] = Entry{trade_id, value};
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
