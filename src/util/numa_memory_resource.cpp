#include "matchgate/util/numa_memory_resource.hpp"

#include <numa.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <new>
#include <stdexcept>
#include <string>

namespace matchgate::util {

namespace {

constexpr std::size_t kDefaultHugePageSize = std::size_t{2} << 20;

std::size_t system_page_size() {
  const long ps = sysconf(_SC_PAGESIZE);
  return ps > 0 ? static_cast<std::size_t>(ps) : 4096;
}

// The size MAP_HUGETLB uses when no size flag is given.
std::size_t default_huge_page_size() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::size_t value = 0;
  std::string unit;
  while (meminfo >> key >> value) {
    std::getline(meminfo, unit);
    if (key == "Hugepagesize:" && value > 0) return value * 1024;  // reported in kB
  }
  return kDefaultHugePageSize;
}

std::size_t round_up(std::size_t n, std::size_t multiple) {
  return (n + multiple - 1) / multiple * multiple;
}

std::align_val_t new_alignment(std::size_t alignment) {
  return std::align_val_t(std::max(alignment, alignof(std::max_align_t)));
}

}  // namespace

NumaMemoryResource::NumaMemoryResource(int node, Options options)
    : node_(node),
      numa_(::numa_available() >= 0),
      options_(options),
      page_size_(system_page_size()),
      huge_page_size_(options.huge_pages ? default_huge_page_size() : kDefaultHugePageSize) {
  if (node_ < -1) throw std::invalid_argument("NumaMemoryResource: node must be >= -1");
  if (numa_ && node_ > ::numa_max_node()) {
    throw std::invalid_argument("NumaMemoryResource: no NUMA node " + std::to_string(node_));
  }
}

std::size_t NumaMemoryResource::huge_page_blocks() const {
  std::lock_guard lock(huge_mutex_);
  return huge_blocks_.size();
}

void* NumaMemoryResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  // numa_alloc* hands out whole pages, so page alignment is what we can promise.
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > page_size_) {
    throw std::bad_alloc();
  }
  if (bytes == 0) bytes = 1;

  if (options_.huge_pages && bytes >= huge_page_size_) {
    if (void* p = try_hugetlb(bytes)) {
      if (options_.prefault) prefault(p, bytes);
      return p;
    }
  }

  void* p = nullptr;
  if (numa_) {
    p = node_ < 0 ? ::numa_alloc_local(bytes) : ::numa_alloc_onnode(bytes, node_);
    if (p == nullptr) throw std::bad_alloc();
    if (options_.huge_pages) {
      // Transparent huge pages, if enabled in "madvise" mode; the mapping is
      // ours alone, so the advice cannot affect anyone else's memory.
      (void)::madvise(p, round_up(bytes, page_size_), MADV_HUGEPAGE);
    }
  } else {
    p = ::operator new(bytes, new_alignment(alignment));
  }
  if (options_.prefault) prefault(p, bytes);
  return p;
}

void NumaMemoryResource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  if (p == nullptr) return;
  if (bytes == 0) bytes = 1;
  if (options_.huge_pages) {
    std::size_t mapped = 0;
    {
      std::lock_guard lock(huge_mutex_);
      if (auto it = huge_blocks_.find(p); it != huge_blocks_.end()) {
        mapped = it->second;
        huge_blocks_.erase(it);
      }
    }
    if (mapped != 0) {
      ::munmap(p, mapped);
      return;
    }
  }
  if (numa_) {
    ::numa_free(p, bytes);
  } else {
    ::operator delete(p, new_alignment(alignment));
  }
}

bool NumaMemoryResource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return this == &other;
}

void* NumaMemoryResource::try_hugetlb(std::size_t bytes) {
  const std::size_t len = round_up(bytes, huge_page_size_);
  // Without MAP_NORESERVE the kernel reserves the huge pages now, so a
  // shortage fails here (and we fall back) instead of SIGBUS on first touch.
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
                   -1, 0);
  if (p == MAP_FAILED) return nullptr;
  if (numa_ && node_ >= 0) ::numa_tonode_memory(p, len, node_);
  try {
    std::lock_guard lock(huge_mutex_);
    huge_blocks_.emplace(p, len);
  } catch (...) {
    ::munmap(p, len);
    return nullptr;
  }
  return p;
}

void NumaMemoryResource::prefault(void* p, std::size_t bytes) const noexcept {
  // One write per page is enough to fault it in; volatile so the compiler
  // keeps stores to memory nobody reads yet.
  auto* bytes_ptr = static_cast<volatile char*>(p);
  for (std::size_t off = 0; off < bytes; off += page_size_) bytes_ptr[off] = 0;
  bytes_ptr[bytes - 1] = 0;
}

}  // namespace matchgate::util
