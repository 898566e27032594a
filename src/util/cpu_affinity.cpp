#include "matchgate/util/cpu_affinity.hpp"

#include <numa.h>
#include <pthread.h>
#include <sched.h>

#include <cstring>
#include <string>
#include <system_error>

namespace matchgate::util {

namespace {
bool numa_usable() noexcept {
  // libnuma requires numa_available() before any other call; the answer
  // cannot change while the process runs.
  static const bool usable = ::numa_available() >= 0;
  return usable;
}
}  // namespace

int numa_node_of_cpu(int cpu) noexcept {
  if (cpu < 0 || !numa_usable()) return 0;
  const int node = ::numa_node_of_cpu(cpu);
  return node < 0 ? 0 : node;
}

int numa_node_count() noexcept {
  if (!numa_usable()) return 1;
  const int nodes = ::numa_num_configured_nodes();
  return nodes < 1 ? 1 : nodes;
}

std::string pin_current_thread(int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) {
    return "cpu " + std::to_string(cpu) + " out of range [0, " + std::to_string(CPU_SETSIZE) + ")";
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  const int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  if (rc != 0) {
    return "cannot pin thread to cpu " + std::to_string(cpu) + ": " +
           std::system_category().message(rc);
  }
  return {};
}

int current_cpu() noexcept {
  return sched_getcpu();
}

std::string set_current_thread_name(std::string_view name) {
  char buf[16];
  const std::size_t n = name.size() < sizeof(buf) - 1 ? name.size() : sizeof(buf) - 1;
  std::memcpy(buf, name.data(), n);
  buf[n] = '\0';
  const int rc = pthread_setname_np(pthread_self(), buf);
  if (rc != 0) return "cannot set thread name: " + std::system_category().message(rc);
  return {};
}

}  // namespace matchgate::util
