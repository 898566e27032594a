#include <algorithm>

#include "matchgate/clearing/ledger.hpp"
#include "matchgate/util/assert.hpp"

namespace matchgate::clearing {

namespace {

constexpr std::size_t kEntriesReserved = std::size_t{1} << 15;

}  // namespace

std::optional<std::uint32_t> TradeIndex::find(std::uint64_t trade_id) const noexcept {
  const std::uint64_t prefix = trade_id >> kShardShift;
  for (const Shard& shard : shards_) {
    if (shard.prefix != prefix) continue;
    const auto& e = shard.entries;
    if (e.empty() || trade_id > e.back().trade_id) return std::nullopt;
    const auto at =
        std::lower_bound(e.begin(), e.end(), trade_id,
                         [](const Entry& entry, std::uint64_t id) { return entry.trade_id < id; });
    if (at == e.end() || at->trade_id != trade_id) return std::nullopt;
    return at->value;
  }
  return std::nullopt;
}

bool TradeIndex::insert(std::uint64_t trade_id, std::uint32_t value) {
  const std::uint64_t prefix = trade_id >> kShardShift;
  auto shard = std::find_if(shards_.begin(), shards_.end(),
                            [prefix](const Shard& s) { return s.prefix == prefix; });
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
  const auto at =
      std::lower_bound(e.begin(), e.end(), trade_id,
                       [](const Entry& entry, std::uint64_t id) { return entry.trade_id < id; });
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
