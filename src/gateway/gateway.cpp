#include "matchgate/gateway/gateway.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "matchgate/crypto/sm2.hpp"
#include "matchgate/gateway/recovery.hpp"
#include "matchgate/gateway/settlement_writer.hpp"
#include "matchgate/gateway/snapshot_taker.hpp"
#include "matchgate/gateway/trade_book.hpp"
#include "matchgate/wal/wal_writer.hpp"

#include "matchgate/util/agent_runner.hpp"
#include "matchgate/util/cpu_affinity.hpp"
#include "matchgate/util/numa_memory_resource.hpp"
#include "matchgate/util/parking_idle.hpp"

namespace matchgate::gateway {

namespace {

// 128-byte blocks: each thread's counters pack 16 to a block, a histogram
// takes a few; room for several hundred members' session counters.
constexpr std::size_t kMetricBlocks = 4096;

// Spin never parks; Wait spins briefly, then parks the agent until it is
// rung or its I/O is ready. A shard has no timers, so it may park longer.
template <class A>
util::ParkingIdle make_idle(util::IdleMode mode, std::chrono::microseconds spin, A& agent,
                            std::chrono::microseconds max_park) {
  util::ParkingIdle::Config config;
  config.mode = mode;
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
  // Every thread's metrics (docs/METRICS.md); before everything that
  // registers in it.
  ops::MetricsRegistry metrics{kMetricBlocks};
  // The operator's commands to the network thread: outlives it.
  ops::AdminMailbox admin_mailbox;
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
  std::unique_ptr<wal::WalWriter> writer;
  std::unique_ptr<util::AgentRunner<wal::WalWriter, util::ParkingIdle>> writer_runner;
  std::unique_ptr<SnapshotTaker> snapshot_taker;   // uses the writer's producer
  std::unique_ptr<SettlementWriter> settlement;    // too; none with clearing off
  std::unique_ptr<ops::AdminServer> admin_server;  // none without [admin] socket

  void open_admin_endpoint();
  void open_settlement(const wal::WalProducer& producer);

  void build_shards();
  std::vector<ShardAgent*> shard_pointers() const;
  std::vector<ReplyRing*> reply_pointers() const;
};

// Settlement reports (docs/CLEARING.md): one thread writes each close's
// report. A close logged in a run that stopped before its report was
// written gets it now.
void Gateway::Impl::open_settlement(const wal::WalProducer& producer) {
  if (!options.network.clearing.enabled) return;
  settlement = std::make_unique<SettlementWriter>(
      options.wal.dir, crypto::Sm2PrivateKey::load_pem(options.sign_key), options.wal.sm2_id,
      clearing_options_of(options.network), producer);
  network->controls().attach_settlement(settlement.get());
  const risk::TradingControls& day = network->trading();
  if (day.phase() == risk::TradingPhase::Closed && day.business_date() != 0) {
    const std::filesystem::path dir =
        options.network.clearing.report_dir / std::to_string(day.business_date());
    if (!std::filesystem::exists(dir)) settlement->post(day.business_date(), 0);
  }
}

void Gateway::Impl::build_shards() {
  const std::size_t n = options.shards.size();
  for (std::size_t i = 0; i < n; ++i) {
    const int cpu = options.shards[i].cpu;
    const int node = cpu >= 0 ? util::numa_node_of_cpu(cpu) : -1;
    memory.push_back(std::make_unique<util::NumaMemoryResource>(node));
    requests.push_back(std::make_unique<RequestRing>(options.ring_capacity, memory.back().get()));
    replies.push_back(std::make_unique<ReplyRing>(options.ring_capacity, memory.back().get()));
  }
  for (std::size_t i = 0; i < n; ++i) {
    engine::EngineOptions eo;
    eo.max_orders = options.max_orders_per_shard;
    eo.id_base = std::uint64_t{i} << 48;  // order and exec ids never collide across shards
    eo.memory = memory[i].get();
    shards.push_back(std::make_unique<ShardAgent>(
        static_cast<std::uint32_t>(i), options.shards[i].instruments, options.members, eo,
        std::vector<RequestRing*>{requests[i].get()}, std::vector<ReplyRing*>{replies[i].get()},
        options.network.max_records, &metrics));
  }
}

std::vector<ShardAgent*> Gateway::Impl::shard_pointers() const {
  std::vector<ShardAgent*> out;
  for (const auto& s : shards) out.push_back(s.get());
  return out;
}

std::vector<ReplyRing*> Gateway::Impl::reply_pointers() const {
  std::vector<ReplyRing*> out;
  for (const auto& r : replies) out.push_back(r.get());
  return out;
}

// After recovery, like the FIX port: nobody operates a daemon that is not
// ready. Binding here makes a socket in use a start error.
void Gateway::Impl::open_admin_endpoint() {
  if (options.admin.socket.empty()) return;
  NetworkAgent* net = network.get();
  admin_mailbox.set_wake([net] { net->doorbell().ring(); });
  network->attach_admin(&admin_mailbox);
  admin_server = std::make_unique<ops::AdminServer>(options.admin, admin_mailbox);
  spdlog::info("admin: endpoint {} (mode {:04o})", options.admin.socket.string(),
               options.admin.socket_mode);
}

Gateway::Gateway(GatewayOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& g = *impl_;
  g.options = std::move(options);
  g.build_shards();
  std::vector<RequestRing*> to_shards;
  for (const auto& r : g.requests) to_shards.push_back(r.get());
  g.network = std::make_unique<NetworkAgent>(0, g.options.network, to_shards, g.reply_pointers(),
                                             g.metrics);
  std::vector<util::Doorbell*> shard_bells;
  std::vector<const std::atomic<std::uint64_t>*> answered;
  for (auto& shard : g.shards) {
    shard->set_reply_doorbells({&g.network->doorbell()});
    shard_bells.push_back(&shard->doorbell());
    answered.push_back(&shard->answered());
  }
  g.network->set_shard_doorbells(std::move(shard_bells));
  g.network->set_shard_progress(std::move(answered));

  crypto::Sm2PrivateKey key = crypto::Sm2PrivateKey::load_pem(g.options.sign_key);
  Recovery recovery(g.options.wal.dir, g.options.wal.sm2_id, *g.network, g.shard_pointers(),
                    g.reply_pointers());
  const wal::LogTail tail = recovery.run(key.public_key());
  ops::MetricGroup wal_metrics = g.metrics.group("wal-writer", {{"thread", "wal-writer"}});
  g.writer = std::make_unique<wal::WalWriter>(g.options.wal, tail, std::move(key),
                                              wal::WalMetrics::registered(wal_metrics));
  wal::WalProducer& producer = g.writer->add_producer();
  g.writer->set_durable_doorbells({&g.network->doorbell()});
  g.network->attach_log(&producer, g.options.wal.sync == wal::SyncMode::Group, g.writer->boot());
  std::vector<const ShardAgent*> shards(g.shards.size());
  for (std::size_t i = 0; i < g.shards.size(); ++i) shards[i] = g.shards[i].get();
  g.snapshot_taker = std::make_unique<SnapshotTaker>(
      g.options.wal.dir, crypto::Sm2PrivateKey::load_pem(g.options.sign_key), g.options.wal.sm2_id,
      g.options.snapshots, std::move(shards), producer);
  g.network->attach_snapshots(g.snapshot_taker.get(), recovery.replayed_records());
  g.open_settlement(producer);
  if (const std::size_t again = recovery.send_unlogged_reports(); again > 0) {
    spdlog::warn(
        "log: {} reports of replayed events had not reached the log before the crash; they are "
        "sent now under new MsgSeqNums (members get them at logon through the resend they ask "
        "for)",
        again);
  }
  // Every session ended with the previous run: members who asked for it
  // have their resting orders cancelled, as at any disconnect.
  if (tail.next_seq > 1) recovery.cancel_on_disconnect_all();
  // The trading day as the schedule says now: a close missed while the
  // daemon was down is applied here, once, after everything replayed.
  g.network->controls().start();
  g.network->listen();
  g.open_admin_endpoint();
  spdlog::info("log: start {} in segment {} of {}, sync \"{}\"", g.writer->boot(),
               tail.next_segment_index, g.options.wal.dir.string(),
               wal::to_string(g.options.wal.sync));
  if (!g.network->fallback_reason().empty()) {
    spdlog::warn("io_uring unavailable, using the asio backend: {}", g.network->fallback_reason());
  }
}

Gateway::~Gateway() {
  stop(std::chrono::milliseconds(0));
}

void Gateway::start() {
  Impl& g = *impl_;
  g.writer_runner = std::make_unique<util::AgentRunner<wal::WalWriter, util::ParkingIdle>>(
      *g.writer,
      make_idle(g.options.idle, g.options.idle_spin, *g.writer, std::chrono::milliseconds(1)),
      runner_options(-1, "wal-writer"));
  g.writer_runner->start();
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
  if (g.admin_server) g.admin_server->start();
}

void Gateway::stop(std::chrono::milliseconds drain) {
  Impl& g = *impl_;
  if (!g.network_runner) return;
  // Operators are answered while the network thread still runs; a command
  // waiting now is told the gateway is stopping.
  g.admin_mailbox.close();
  g.admin_server.reset();  // stops its thread, removes the socket file
  g.network->request_logout_all();
  const auto deadline = std::chrono::steady_clock::now() + drain;
  while (std::chrono::steady_clock::now() < deadline && !g.network->all_sessions_closed()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Shards finish what the network thread handed them, and the network
  // thread turns their replies into logged messages, before it stops: a
  // request taken is answered, durably, even on the way down.
  bool drained = false;
  while (!drained && std::chrono::steady_clock::now() < deadline) {
    drained = g.network->held_messages_approx() == 0 && g.network->waiting_requests_approx() == 0 &&
              g.network->all_answered_approx();
    for (const auto& r : g.requests) drained = drained && r->size_approx() == 0;
    for (const auto& r : g.replies) drained = drained && r->size_approx() == 0;
    for (const auto& s : g.shards) drained = drained && s->spilled_approx() == 0;
    if (!drained) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  g.network_runner->stop();
  for (auto& r : g.shard_runners) r->stop();
  g.network_runner.reset();
  g.shard_runners.clear();
  // The producers have stopped: the log takes what they left, then closes.
  g.writer_runner->stop();
  const bool writer_failed = g.writer_runner->failed();
  g.writer_runner.reset();
  if (!writer_failed) {
    g.writer->close();
    const wal::WalMetrics& m = g.writer->metrics();
    spdlog::info("log: closed after record {} ({} records, {} commits, {} seals this run)",
                 g.writer->last_seq(), m.records.value(), m.commits.value(), m.seals.value());
  }
  // A snapshot in progress is finished: its record is durable now.
  g.snapshot_taker->stop(std::chrono::milliseconds(writer_failed ? 0 : 5000));
  // So is a settlement report asked for by a close.
  if (g.settlement) g.settlement->stop(!writer_failed);
  for (std::size_t i = 0; i < g.shards.size(); ++i) {
    spdlog::info("shard {} state_hash {:016x}", i, g.shards[i]->engine().state_hash());
  }
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
  if (g.writer_runner && g.writer_runner->failed()) {
    return "wal-writer: " + g.writer_runner->failure();
  }
  for (std::size_t i = 0; i < g.shard_runners.size(); ++i) {
    if (g.shard_runners[i]->failed()) {
      return g.shards[i]->name() + std::string(": ") + g.shard_runners[i]->failure();
    }
  }
  return {};
}

}  // namespace matchgate::gateway
