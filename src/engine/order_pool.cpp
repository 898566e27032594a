#include "matchgate/engine/order_pool.hpp"

#include <new>

namespace matchgate::engine {

OrderPool::OrderPool(std::uint32_t capacity, std::pmr::memory_resource* memory)
    : memory_(memory),
      slots_(static_cast<Order*>(memory->allocate(sizeof(Order) * capacity, alignof(Order)))),
      links_(static_cast<OrderLink*>(
          memory->allocate(sizeof(OrderLink) * capacity, alignof(OrderLink)))),
      capacity_(capacity) {}

OrderPool::~OrderPool() {
  memory_->deallocate(links_, sizeof(OrderLink) * capacity_, alignof(OrderLink));
  memory_->deallocate(slots_, sizeof(Order) * capacity_, alignof(Order));
}

}  // namespace matchgate::engine
