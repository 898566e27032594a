#include "matchgate/engine/order_id_map.hpp"

#include <algorithm>
#include <bit>

namespace matchgate::engine {

OrderIdMap::OrderIdMap(const OrderPool& pool, std::uint32_t max_entries,
                       std::pmr::memory_resource* memory)
    : pool_(pool), memory_(memory) {
  // At most half full keeps linear probes short.
  size_ = std::bit_ceil(std::max<std::size_t>(16, std::size_t{max_entries} * 2));
  mask_ = size_ - 1;
  slots_ = static_cast<std::uint32_t*>(
      memory_->allocate(sizeof(std::uint32_t) * size_, alignof(std::uint32_t)));
  std::fill_n(slots_, size_, kNil);
}

OrderIdMap::~OrderIdMap() {
  memory_->deallocate(slots_, sizeof(std::uint32_t) * size_, alignof(std::uint32_t));
}

void OrderIdMap::erase(OrderId id) noexcept {
  std::size_t i = home(id);
  while (true) {
    if (slots_[i] == kNil) return;
    if (pool_[slots_[i]].id == id) break;
    i = (i + 1) & mask_;
  }
  // Backward-shift: pull later entries of the probe run into the hole when
  // their home position allows it, so lookups never need tombstones.
  std::size_t hole = i;
  for (std::size_t j = (hole + 1) & mask_; slots_[j] != kNil; j = (j + 1) & mask_) {
    const std::size_t h = home(pool_[slots_[j]].id);
    const bool movable = ((j - h) & mask_) >= ((j - hole) & mask_);
    if (movable) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = kNil;
}

void OrderIdMap::clear() noexcept {
  std::fill_n(slots_, size_, kNil);
}

}  // namespace matchgate::engine
