#include "matchgate/engine/order_id_map.hpp"

#include <bit>
#include <cstring>

namespace matchgate::engine {

OrderIdMap::OrderIdMap(std::uint32_t max_entries, std::pmr::memory_resource* memory)
    : memory_(memory) {
  // At most half full keeps linear probes short.
  size_ = std::bit_ceil(std::max<std::size_t>(16, std::size_t{max_entries} * 2));
  mask_ = size_ - 1;
  shift_ = 64U - static_cast<unsigned>(std::countr_zero(size_));
  entries_ = static_cast<Entry*>(memory_->allocate(sizeof(Entry) * size_, alignof(Entry)));
  for (std::size_t i = 0; i < size_; ++i) entries_[i] = Entry{kNoOrder, kNil};
}

OrderIdMap::~OrderIdMap() { memory_->deallocate(entries_, sizeof(Entry) * size_, alignof(Entry)); }

void OrderIdMap::erase(OrderId id) noexcept {
  std::size_t i = home(id);
  while (entries_[i].id != id) {
    if (entries_[i].id == kNoOrder) return;
    i = (i + 1) & mask_;
  }
  // Backward-shift: pull later entries of the probe run into the hole when
  // their home position allows it, so lookups never need tombstones.
  std::size_t hole = i;
  for (std::size_t j = (hole + 1) & mask_; entries_[j].id != kNoOrder; j = (j + 1) & mask_) {
    const std::size_t h = home(entries_[j].id);
    const bool movable = ((j - h) & mask_) >= ((j - hole) & mask_);
    if (movable) {
      entries_[hole] = entries_[j];
      hole = j;
    }
  }
  entries_[hole] = Entry{kNoOrder, kNil};
}

}  // namespace matchgate::engine
