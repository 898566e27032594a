#include "matchgate/gateway/network_agent.hpp"

#include <spdlog/spdlog.h>

namespace matchgate::gateway {

namespace {
constexpr std::int64_t kTimerPeriodNs = 10'000'000;  // session timers every 10 ms
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::int64_t kCounterLogPeriodNs = 60 * kNsPerSecond;
}  // namespace

NetworkAgent::NetworkAgent(std::uint32_t index, NetworkOptions options,
                           std::vector<RequestRing*> to_shards, std::vector<ReplyRing*> from_shards,
                           ops::MetricsRegistry& metrics)
    : index_(index),
      name_("net-" + std::to_string(index)),
      options_(std::move(options)),
      from_shards_(std::move(from_shards)),
      registry_(metrics),
      metrics_(metrics.group(name_, {{"thread", name_}})),
      clock_(name_),
      outbound_(options_.members.size(), clock_.now(), OutboundMetrics::registered(metrics_)),
      sessions_(options_, outbound_, clock_.now(), &metrics_),
      answers_(index_, options_, sessions_, clock_.now(), AnswerMetrics::registered(metrics_)),
      router_(std::move(to_shards), options_.instruments, clock_.now()),
      trading_(options_.members.size(), options_.instruments.size()),
      order_entry_(index_, options_, answers_, router_, clock_.now(), trading_,
                   OrderEntryMetrics::registered(metrics_),
                   options_.dedup.backend == dedup::Backend::Redis
                       ? dedup::RedisMetrics::registered(metrics_)
                       : dedup::RedisMetrics{}),
      controls_(options_, trading_, order_entry_, router_, answers_, sessions_, clock_.now()),
      connections_(options_, sessions_, outbound_, order_entry_, clock_,
                   ConnectionMetrics::registered(metrics_)),
      snapshots_(router_, sessions_, order_entry_, trading_, clock_.now()),
      bell_(
          [](void* self) noexcept {
            auto* agent = static_cast<NetworkAgent*>(self);
            if (agent->server_) agent->server_->wake();  // no socket yet while recovering
          },
          this) {
  next_counter_log_ns_ = clock_.now().mono_ns + kCounterLogPeriodNs;
  connections_.set_logon_listener([this](engine::MemberId m) { controls_.tell_logged_on(m); });
}

NetworkAgent::~NetworkAgent() {
  log_metrics();
}

void NetworkAgent::listen() {
  server_ =
      net::make_tcp_server(options_.backend, options_.server, connections_, &fallback_reason_);
  outbound_.attach_server(server_.get());
  connections_.attach_server(server_.get());
}

void NetworkAgent::attach_log(wal::WalProducer* producer, bool hold, std::uint64_t boot) {
  wal_ = producer;
  hold_ = hold;
  outbound_.attach_log(producer, hold);
  router_.attach_log(producer);
  controls_.attach_log(producer);
  order_entry_.trade_book().attach_log(producer);
  answers_.set_boot(boot);
}

void NetworkAgent::attach_snapshots(SnapshotTaker* taker, std::uint64_t replayed) {
  snapshots_.attach(taker, wal_, replayed);
}

int NetworkAgent::do_work() {
  clock_.refresh();
  int work = outbound_.release_durable();
  work += server_->do_work();
  work += drain_replies();
  work += order_entry_.poll();
  connections_.resume_paused();
  connections_.collect_logons();
  if (clock_.now().mono_ns >= next_timer_ns_) on_timers();
  work += poll_admin();
  snapshots_.poll();
  router_.ring_shards();
  settle_log();
  notify_log();
  return work;
}

int NetworkAgent::drain_replies() {
  int work = 0;
  for (ReplyRing* ring : from_shards_) {
    work += static_cast<int>(ring->drain([this](const ShardReply& r) { on_reply(r); }));
  }
  return work;
}

void NetworkAgent::on_reply(const ShardReply& reply) {
  if (reply.kind == ReplyKind::Event) {
    order_entry_.on_reply(reply);
  } else {
    snapshots_.on_taken();
  }
}

int NetworkAgent::poll_admin() {
  if (admin_mailbox_ == nullptr) return 0;
  if (!admin_waiting_) {
    ops::AdminRequest request;
    if (!admin_mailbox_->take(request)) return 0;
    admin_waiting_ = execute_admin(request);
    admin_waiting_id_ = request.id;
  }
  // Acknowledged means durable: an operator is told only what the log
  // will show after a crash.
  if (hold_ && wal_ != nullptr && wal_->durable() < admin_waiting_->logged_at) return 1;
  admin_mailbox_->answer(admin_waiting_id_,
                         ops::AdminAnswer{admin_waiting_->ok, std::move(admin_waiting_->text)});
  admin_waiting_.reset();
  return 1;
}

void NetworkAgent::on_timers() {
  next_timer_ns_ = clock_.now().mono_ns + kTimerPeriodNs;
  clock_.read_skew();
  order_entry_.expire_keys();
  controls_.on_timer();
  connections_.check_timers();
  if (clock_.now().mono_ns >= next_counter_log_ns_) {
    next_counter_log_ns_ = clock_.now().mono_ns + kCounterLogPeriodNs;
    log_metrics();
  }
}

void NetworkAgent::settle_log() {
  if (shard_answered_.size() != from_shards_.size()) return;
  const std::uint64_t pushed = router_.pushed_total();
  for (std::size_t i = 0; i < shard_answered_.size(); ++i) {
    // Read before the ring is drained: the replies to that many requests
    // are in the ring by then.
    if (shard_answered_[i]->load(std::memory_order_acquire) != router_.pushed_to(i)) {
      all_answered_.store(false, std::memory_order_relaxed);
      return;
    }
  }
  drain_replies();
  // Handling the replies pushed nothing new (a snapshot barrier would).
  const bool settled = router_.pushed_total() == pushed;
  all_answered_.store(settled, std::memory_order_relaxed);
  if (!settled || wal_ == nullptr || wal_->appended() == settled_) return;
  settled_ = wal_->appended();
  wal_->settle(settled_);
  wal_->notify();
}

void NetworkAgent::notify_log() noexcept {
  if (wal_ == nullptr || wal_->appended() == notified_) return;
  notified_ = wal_->appended();
  wal_->notify();
}

void NetworkAgent::park(std::chrono::microseconds timeout) {
  notify_log();
  bell_.arm();
  // Held messages whose records became durable are work; the writer rings
  // the doorbell when more do.
  bool idle = !order_entry_.has_pending() && !outbound_.has_releasable();
  idle = idle && (admin_mailbox_ == nullptr || !admin_mailbox_->pending_approx());
  for (const ReplyRing* ring : from_shards_) idle = idle && ring->empty_approx();
  // poll() handles whatever I/O it finds, which may hand requests to shards.
  if (idle) server_->poll(timeout);
  bell_.disarm();
  router_.ring_shards();
  settle_log();
}

// Rejects, garbled input and the like are counted on the message path and
// reported here once a minute: never a log line per message. One line for
// the whole registry (every thread's metrics).
void NetworkAgent::log_metrics() {
  std::string line;
  registry_.format_log_line(line);
  spdlog::info("metrics: {}", line);
}

}  // namespace matchgate::gateway
