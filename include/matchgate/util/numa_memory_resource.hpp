#pragma once
// Memory on a chosen NUMA node, so a shard's rings, pools and books sit next
// to the core that uses them.
#include <cstddef>
#include <memory_resource>
#include <mutex>
#include <unordered_map>

namespace matchgate::util {

// Every allocation is its own mapping rounded up to whole pages (numa_alloc
// is an mmap): use this resource for a few large, long-lived blocks (rings,
// arenas), or put a std::pmr::monotonic_buffer_resource /
// unsynchronized_pool_resource on top of it for small objects.
//
// Without usable libnuma (numa_available() < 0) it falls back to aligned
// operator new, and node() is only advisory.
//
// Thread-safe. Only the resource that allocated a block may free it
// (is_equal is identity).
class NumaMemoryResource final : public std::pmr::memory_resource {
 public:
  struct Options {
    // Try explicit huge pages (MAP_HUGETLB) for blocks of at least one huge
    // page, then transparent huge pages (madvise). Best effort: when neither
    // is available the block silently uses normal pages.
    bool huge_pages = false;
    // Touch every page at allocation time, so page faults happen at startup
    // and not on the first order that reaches a fresh page.
    bool prefault = false;
  };

  // node -1 means the node of the allocating thread. Throws
  // std::invalid_argument for a node the machine does not have (only checked
  // when libnuma is usable).
  explicit NumaMemoryResource(int node = -1) : NumaMemoryResource(node, Options{}) {}
  NumaMemoryResource(int node, Options options);
  ~NumaMemoryResource() override = default;

  NumaMemoryResource(const NumaMemoryResource&) = delete;
  NumaMemoryResource& operator=(const NumaMemoryResource&) = delete;

  int node() const noexcept { return node_; }
  bool numa_backed() const noexcept { return numa_; }
  const Options& options() const noexcept { return options_; }
  std::size_t page_size() const noexcept { return page_size_; }
  // Number of live blocks that got explicit huge pages; for tests and logs.
  std::size_t huge_page_blocks() const;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  void* try_hugetlb(std::size_t bytes);
  void prefault(void* p, std::size_t bytes) const noexcept;

  int node_;
  bool numa_;
  Options options_;
  std::size_t page_size_;
  std::size_t huge_page_size_;
  // Blocks mapped with MAP_HUGETLB and their mapped length: they must be
  // unmapped with the huge-page-rounded length, not via numa_free.
  mutable std::mutex huge_mutex_;
  std::unordered_map<void*, std::size_t> huge_blocks_;
};

}  // namespace matchgate::util
