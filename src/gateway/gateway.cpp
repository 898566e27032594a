#include "matchgate/gateway/gateway.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "matchgate/util/agent_runner.hpp"
#include "matchgate/util/cpu_affinity.hpp"
#include "matchgate/util/numa_memory_resource.hpp"
#include "matchgate/util/parking_idle.hpp"

namespace matchgate::gateway {

namespace {

// "spin" never parks; "wait" spins briefly, then parks the agent until it is
// rung or its I/O is ready. A shard has no timers, so it may park longer.
template <class A>
util::ParkingIdle make_idle(const std::string& mode, std::chrono::microseconds spin, A& agent,
                            std::chrono::microseconds max_park) {
  if (mode != "spin" && mode != "wait") {
    throw std::invalid_argument("unknown idle mode \"" + mode + "\"");
  }
  util::ParkingIdle::Config config;
  config.never_park = mode == "spin";
  config.spin = spin;
  config.max_park = max_park;
  return util::ParkingIdle(
      [](void* a, std::chrono::microseconds timeout) { static_cast<A*>(a)->park(timeout); }, &agent,
      config);
}

util::AgentRunnerOptions runner_options(int cpu, const std::string& name) {
  util::AgentRunnerOptions o;
  o.cpu = cpu;
  o.thread_name = name;
  o.on_error = [](std::string_view agent, std::string_view what) {
    spdlog::critical("{} failed: {}", agent, what);
  };
  return o;
}

}  // namespace

struct Gateway::Impl {
  GatewayOptions options;
  // Per shard: its NUMA-local memory, then the rings it shares with the
  // network thread (allocated on the shard's node: the shard touches them
  // on every message, the network thread once per batch).
  std::vector<std::unique_ptr<util::NumaMemoryResource>> memory;
  std::vector<std::unique_ptr<RequestRing>> requests;
  std::vector<std::unique_ptr<ReplyRing>> replies;
  std::vector<std::unique_ptr<ShardAgent>> shards;
  std::unique_ptr<NetworkAgent> network;
  std::vector<std::unique_ptr<util::AgentRunner<ShardAgent, util::ParkingIdle>>> shard_runners;
  std::unique_ptr<util::AgentRunner<NetworkAgent, util::ParkingIdle>> network_runner;
};

Gateway::Gateway(GatewayOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& g = *impl_;
  g.options = std::move(options);
  const std::size_t n = g.options.shards.size();
  std::vector<RequestRing*> to_shards;
  std::vector<ReplyRing*> from_shards;
  for (std::size_t i = 0; i < n; ++i) {
    const int cpu = g.options.shards[i].cpu;
    const int node = cpu >= 0 ? util::numa_node_of_cpu(cpu) : -1;
    g.memory.push_back(std::make_unique<util::NumaMemoryResource>(node));
    g.requests.push_back(
        std::make_unique<RequestRing>(g.options.ring_capacity, g.memory.back().get()));
    g.replies.push_back(
        std::make_unique<ReplyRing>(g.options.ring_capacity, g.memory.back().get()));
    to_shards.push_back(g.requests.back().get());
    from_shards.push_back(g.replies.back().get());
  }
  for (std::size_t i = 0; i < n; ++i) {
    engine::EngineOptions eo;
    eo.max_orders = g.options.max_orders_per_shard;
    eo.id_base = std::uint64_t{i} << 48;  // order and exec ids never collide across shards
    eo.memory = g.memory[i].get();
    g.shards.push_back(std::make_unique<ShardAgent>(
        static_cast<std::uint32_t>(i), g.options.shards[i].instruments, g.options.members, eo,
        std::vector<RequestRing*>{g.requests[i].get()}, std::vector<ReplyRing*>{g.replies[i].get()},
        g.options.network.max_records));
  }
  g.network = std::make_unique<NetworkAgent>(0, g.options.network, to_shards, from_shards);
  std::vector<util::Doorbell*> shard_bells;
  for (auto& shard : g.shards) {
    shard->set_reply_doorbells({&g.network->doorbell()});
    shard_bells.push_back(&shard->doorbell());
  }
  g.network->set_shard_doorbells(std::move(shard_bells));
  if (!g.network->fallback_reason().empty()) {
    spdlog::warn("io_uring unavailable, using the asio backend: {}", g.network->fallback_reason());
  }
}

Gateway::~Gateway() {
  stop(std::chrono::milliseconds(0));
}

void Gateway::start() {
  Impl& g = *impl_;
  for (std::size_t i = 0; i < g.shards.size(); ++i) {
    auto runner = std::make_unique<util::AgentRunner<ShardAgent, util::ParkingIdle>>(
        *g.shards[i],
        make_idle(g.options.idle, g.options.idle_spin, *g.shards[i], std::chrono::milliseconds(10)),
        runner_options(g.options.shards[i].cpu, g.shards[i]->name()));
    runner->start();
    if (!runner->pin_error().empty()) {
      spdlog::warn("{}: could not pin to CPU {}: {}", g.shards[i]->name(), g.options.shards[i].cpu,
                   runner->pin_error());
    }
    g.shard_runners.push_back(std::move(runner));
  }
  g.network_runner = std::make_unique<util::AgentRunner<NetworkAgent, util::ParkingIdle>>(
      *g.network,
      make_idle(g.options.idle, g.options.idle_spin, *g.network, std::chrono::milliseconds(1)),
      runner_options(g.options.network_cpu, "net-0"));
  g.network_runner->start();
}

void Gateway::stop(std::chrono::milliseconds drain) {
  Impl& g = *impl_;
  if (!g.network_runner) return;
  g.network->request_logout_all();
  const auto deadline = std::chrono::steady_clock::now() + drain;
  while (std::chrono::steady_clock::now() < deadline && !g.network->all_sessions_closed()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Shards finish what the network thread handed them before it stops.
  bool rings_empty = false;
  while (!rings_empty && std::chrono::steady_clock::now() < deadline) {
    rings_empty = true;
    for (const auto& r : g.requests) rings_empty = rings_empty && r->size_approx() == 0;
    if (!rings_empty) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  g.network_runner->stop();
  for (auto& r : g.shard_runners) r->stop();
  g.network_runner.reset();
  g.shard_runners.clear();
}

std::uint16_t Gateway::port() const {
  return impl_->network->port();
}
const NetworkAgent& Gateway::network() const {
  return *impl_->network;
}
std::size_t Gateway::shard_count() const {
  return impl_->shards.size();
}
const ShardAgent& Gateway::shard(std::size_t i) const {
  return *impl_->shards[i];
}

std::string Gateway::failure() const {
  const Impl& g = *impl_;
  if (g.network_runner && g.network_runner->failed())
    return "net-0: " + g.network_runner->failure();
  for (std::size_t i = 0; i < g.shard_runners.size(); ++i) {
    if (g.shard_runners[i]->failed()) {
      return g.shards[i]->name() + std::string(": ") + g.shard_runners[i]->failure();
    }
  }
  return {};
}

}  // namespace matchgate::gateway
