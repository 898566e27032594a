#pragma once
#include <algorithm>
#include <cstddef>
#include <memory_resource>
#include <vector>

#include "matchgate/engine/price_level.hpp"

namespace matchgate::engine {

// One side of a book: price levels in a contiguous array ordered from worst
// to best, so the touch is at the back. Nearly all activity is at or near
// the touch, which makes matching a pop_back and most inserts and removals a
// short move at the end of a cache-resident array.
class BookSide {
 public:
  BookSide(Side side, std::pmr::memory_resource* memory) : side_(side), levels_(memory) {
    levels_.reserve(kInitialLevels);
  }

  Side side() const noexcept { return side_; }
  bool empty() const noexcept { return levels_.empty(); }
  std::size_t level_count() const noexcept { return levels_.size(); }

  PriceLevel& best() noexcept { return levels_.back(); }
  const PriceLevel& best() const noexcept { return levels_.back(); }
  void pop_best() noexcept { levels_.pop_back(); }

  // Level i counted from the best (0 = touch).
  PriceLevel& from_best(std::size_t i) noexcept { return levels_[levels_.size() - 1 - i]; }
  const PriceLevel& from_best(std::size_t i) const noexcept {
    return levels_[levels_.size() - 1 - i];
  }

  // Strictly better for this side: higher bids, lower offers.
  bool better(Price a, Price b) const noexcept { return side_ == Side::Buy ? a > b : a < b; }

  void add(OrderPool& pool, std::uint32_t slot) {
    const Price price = pool[slot].price;
    const std::size_t pos = position(price);
    if (pos == levels_.size() || levels_[pos].price != price) {
      levels_.insert(levels_.begin() + static_cast<std::ptrdiff_t>(pos),
                     PriceLevel{price, 0, kNil, kNil, 0});
    }
    levels_[pos].push_back(pool, slot);
  }

  // Removes a resting order with its remaining leaves.
  void remove(OrderPool& pool, std::uint32_t slot) noexcept {
    const std::size_t pos = position(pool[slot].price);
    PriceLevel& level = levels_[pos];
    level.total -= pool[slot].leaves();
    level.unlink(pool, slot);
    if (level.count == 0) levels_.erase(levels_.begin() + static_cast<std::ptrdiff_t>(pos));
  }

  // Drops the emptied level i counted from the best.
  void remove_empty_from_best(std::size_t i) noexcept {
    levels_.erase(levels_.end() - 1 - static_cast<std::ptrdiff_t>(i));
  }

  // Loading a snapshot, whose levels come best first: append_worse() puts each
  // at the back and end_append() reverses the array once. Inserting each at
  // the front instead would move the whole array per level.
  PriceLevel& append_worse(Price price) {
    levels_.push_back(PriceLevel{price, 0, kNil, kNil, 0});
    return levels_.back();
  }
  void end_append() noexcept { std::reverse(levels_.begin(), levels_.end()); }
  void clear() noexcept { levels_.clear(); }

  // The level holding `price`; it must exist.
  PriceLevel& level_at(Price price) noexcept { return levels_[position(price)]; }

 private:
  static constexpr std::size_t kInitialLevels = 256;

  // Index of the level with `price`, or where it would be inserted. Scans
  // back from the touch first because that is where the orders are.
  std::size_t position(Price price) const noexcept {
    const std::size_t n = levels_.size();
    constexpr std::size_t kScan = 8;
    std::size_t i = n;
    for (std::size_t k = 0; k < kScan && i > 0; ++k) {
      if (!better(levels_[i - 1].price, price) && levels_[i - 1].price != price) return i;
      if (levels_[i - 1].price == price) return i - 1;
      --i;
    }
    const auto it = std::partition_point(
        levels_.begin(), levels_.begin() + static_cast<std::ptrdiff_t>(i),
        [&](const PriceLevel& l) { return !better(l.price, price) && l.price != price; });
    return static_cast<std::size_t>(it - levels_.begin());
  }

  Side side_;
  std::pmr::vector<PriceLevel> levels_;
};

}  // namespace matchgate::engine
