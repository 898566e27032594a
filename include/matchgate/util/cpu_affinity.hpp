#pragma once
// Thread placement helpers. They report failure as a value because they run
// on agent threads, where an exception would have nowhere useful to go.
#include <string>
#include <string_view>

namespace matchgate::util {

// NUMA node that owns `cpu`; 0 when libnuma is unavailable (single-node
// machine, container without /sys) or the CPU is unknown, so callers can use
// the result as a node number without checking.
int numa_node_of_cpu(int cpu) noexcept;

// Number of configured NUMA nodes, at least 1.
int numa_node_count() noexcept;

// Restricts the calling thread to `cpu`. Returns an empty string on success,
// otherwise a message saying why (bad CPU number, CPU not in the cgroup's
// cpuset, ...).
std::string pin_current_thread(int cpu);

// CPU the calling thread is running on right now, -1 if unknown.
int current_cpu() noexcept;

// Names the calling thread for top/perf/gdb. Linux allows 15 characters, so
// longer names are truncated rather than rejected. Empty string on success.
std::string set_current_thread_name(std::string_view name);

}  // namespace matchgate::util
