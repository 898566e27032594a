#pragma once
#include <cstdint>
#include <memory_resource>

#include "matchgate/engine/order.hpp"
#include "matchgate/engine/types.hpp"

namespace matchgate::engine {

// OrderId -> pool slot, open addressing with linear probing and
// backward-shift deletion (no tombstones, so probe lengths stay short under
// constant churn). Sized once at twice the pool capacity; never rehashes.
class OrderIdMap {
 public:
  OrderIdMap(std::uint32_t max_entries, std::pmr::memory_resource* memory);
  ~OrderIdMap();
  OrderIdMap(const OrderIdMap&) = delete;
  OrderIdMap& operator=(const OrderIdMap&) = delete;

  std::uint32_t find(OrderId id) const noexcept {
    for (std::size_t i = home(id);; i = (i + 1) & mask_) {
      const Entry& e = entries_[i];
      if (e.id == id) return e.slot;
      if (e.id == kNoOrder) return kNil;
    }
  }

  // `id` must not be present.
  void insert(OrderId id, std::uint32_t slot) noexcept {
    std::size_t i = home(id);
    while (entries_[i].id != kNoOrder) i = (i + 1) & mask_;
    entries_[i] = Entry{id, slot};
  }

  void erase(OrderId id) noexcept;

 private:
  struct Entry {
    OrderId id;
    std::uint32_t slot;
  };
  // Fibonacci hashing: ids are dense and sequential, and the multiply spreads
  // consecutive ids across the table.
  std::size_t home(OrderId id) const noexcept {
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ULL) >> shift_);
  }

  std::pmr::memory_resource* memory_;
  Entry* entries_;
  std::size_t size_;
  std::size_t mask_;
  unsigned shift_;
};

}  // namespace matchgate::engine
