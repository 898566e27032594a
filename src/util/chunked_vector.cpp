#include "matchgate/util/chunked_vector.hpp"

#include <sys/mman.h>

namespace matchgate::util::detail {

void* allocate_huge_chunk() {
  void* p = std::aligned_alloc(kChunkBytes, kChunkBytes);
  if (p == nullptr) throw std::bad_alloc();
  // Advice only: where THP is off (or "never") the chunk is ordinary pages,
  // so a refusal changes nothing but speed.
  (void)::madvise(p, kChunkBytes, MADV_HUGEPAGE);
  return p;
}

}  // namespace matchgate::util::detail
