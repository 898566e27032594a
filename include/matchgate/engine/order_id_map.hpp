#pragma once
#include <cstdint>
#include <memory_resource>

#include "matchgate/engine/order.hpp"
#include "matchgate/engine/order_pool.hpp"
#include "matchgate/engine/types.hpp"

namespace matchgate::engine {

// OrderId -> pool slot, open addressing with linear probing and
// backward-shift deletion (no tombstones, so probe lengths stay short under
// constant churn). Sized once at twice the pool capacity; never rehashes.
//
// Ids are dense and increasing, and most orders die young, so the live ids
// sit in a sliding window of recent ids. Indexing by the id's low bits keeps
// that window in a few warm cache lines and pages; a scattering hash would
// make nearly every insert a cache and TLB miss on a table of many MiB.
// Entries are bare 4-byte slots: the id they stand for is the order's own,
// which every caller loads next anyway.
class OrderIdMap {
 public:
  OrderIdMap(const OrderPool& pool, std::uint32_t max_entries, std::pmr::memory_resource* memory);
  ~OrderIdMap();
  OrderIdMap(const OrderIdMap&) = delete;
  OrderIdMap& operator=(const OrderIdMap&) = delete;

  std::uint32_t find(OrderId id) const noexcept {
    for (std::size_t i = home(id);; i = (i + 1) & mask_) {
      const std::uint32_t slot = slots_[i];
      if (slot == kNil) return kNil;
      if (pool_[slot].id == id) return slot;
    }
  }

  // `id` must not be present; pool[slot].id must already be `id`.
  void insert(OrderId id, std::uint32_t slot) noexcept {
    std::size_t i = home(id);
    while (slots_[i] != kNil) i = (i + 1) & mask_;
    slots_[i] = slot;
  }

  void prefetch(OrderId id) const noexcept { __builtin_prefetch(&slots_[home(id)]); }

  // Call before the slot is released (its id is read).
  void erase(OrderId id) noexcept;

  // Empties the table; for undoing a failed snapshot load.
  void clear() noexcept;

 private:
  // Twice the id: consecutive ids land one slot apart, so each is followed
  // by a free slot and probe runs stay short. (At id & mask they would form
  // one run as long as the book, and every erase's backward shift would
  // walk all of it.) The table has at least 2 * max_entries slots.
  std::size_t home(OrderId id) const noexcept { return static_cast<std::size_t>(id << 1) & mask_; }

  const OrderPool& pool_;
  std::pmr::memory_resource* memory_;
  std::uint32_t* slots_;
  std::size_t size_;
  std::size_t mask_;
};

}  // namespace matchgate::engine
