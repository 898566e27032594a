#pragma once
// One engine shard: a pinned thread that owns its instruments' books and talks
// to the network threads only through SPSC rings (one per pair and direction).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory_resource>
#include <span>
#include <string>
#include <vector>

#include "matchgate/engine/engine.hpp"
#include "matchgate/gateway/shard_messages.hpp"
#include "matchgate/ops/metrics.hpp"
#include "matchgate/util/doorbell.hpp"
#include "matchgate/util/spsc_ring.hpp"

namespace matchgate::gateway {

using RequestRing = util::SpscRing<ShardRequest>;
using ReplyRing = util::SpscRing<ShardReply>;

class ShardAgent {
 public:
  // `inbound[i]` and `outbound[i]` connect to network thread i; each network
  // thread numbers its records below `records_per_net_thread`.
  ShardAgent(std::uint32_t index, std::vector<engine::InstrumentSpec> instruments,
             std::vector<engine::MemberSpec> members, engine::EngineOptions options,
             std::vector<RequestRing*> inbound, std::vector<ReplyRing*> outbound,
             std::uint32_t records_per_net_thread, ops::MetricsRegistry* metrics = nullptr);

  int do_work();
  const char* name() const noexcept { return name_.c_str(); }

  // Idle "wait": sleep until a network thread rings doorbell() after
  // pushing requests, or `timeout` passes.
  void park(std::chrono::microseconds timeout) noexcept;
  util::Doorbell& doorbell() noexcept { return bell_; }
  // Rung after replies were pushed to network thread i.
  void set_reply_doorbells(std::vector<util::Doorbell*> bells) { reply_bells_ = std::move(bells); }

  const engine::Engine& engine() const noexcept { return engine_; }
  std::uint64_t requests_processed() const noexcept { return processed_; }
  // From any thread: how many requests taken from the rings have all their
  // replies in the reply rings (none spilled). Published after the replies,
  // so a network thread that reads it and then drains its ring has seen
  // every reply to that many requests.
  const std::atomic<std::uint64_t>& answered() const noexcept { return answered_; }
  // Replies waiting because a network thread's ring was full.
  std::size_t spilled() const noexcept { return spill_.size(); }
  // From any thread, for a draining stop.
  std::size_t spilled_approx() const noexcept { return static_cast<std::size_t>(spilled_.value()); }

  // Recovery, before the thread starts: applies a logged request exactly as
  // do_work() would have; its replies go to the rings as usual.
  void replay(const ShardRequest& r) { process(r); }

  // The state copied at the last Snapshot request: the engine's snapshot
  // and the record -> order table. Written by the shard's thread before its
  // SnapshotTaken reply, untouched until the next Snapshot request.
  const std::vector<std::byte>& snapshot() const noexcept { return snapshot_; }
  // Recovery, before the thread starts, on a fresh shard: the state a
  // snapshot() holds. Throws std::runtime_error when it does not fit.
  void load_snapshot(std::span<const std::byte> state);

  // The engine's listener: routes events to the network threads concerned
  // and keeps the record -> order id table current.
  void on_event(const engine::Event& e);

 private:
  void process(const ShardRequest& r);
  void take_snapshot();
  engine::OrderId order_of(RecordRef ref) const noexcept;
  void deliver(std::uint32_t net_thread, const ShardReply& reply);
  int flush_spill();

  std::string name_;
  engine::Engine engine_;
  std::vector<RequestRing*> inbound_;
  std::vector<ReplyRing*> outbound_;
  // Per network thread, record slot -> the engine order it names. Lets a
  // cancel that follows its order on the same ring find the order before the
  // network thread has seen the order's acknowledgement.
  std::vector<std::pmr::vector<engine::OrderId>> order_of_record_;
  // Replies a full ring could not take, in order. Allocates only under
  // backpressure; while non-empty no new request is taken.
  std::deque<std::pair<std::uint32_t, ShardReply>> spill_;
  util::Doorbell bell_;
  std::vector<util::Doorbell*> reply_bells_;
  std::vector<bool> replied_;  // per network thread, this duty cycle
  RecordRef current_request_ = kNoRecord;
  std::vector<std::byte> snapshot_;
  std::uint64_t processed_ = 0;
  std::uint64_t taken_ = 0;  // from the rings (replayed requests are not)
  ops::Gauge spilled_;       // replies waiting in spill_
  ops::Counter requests_;    // taken from the rings
  alignas(64) std::atomic<std::uint64_t> answered_{0};
};

}  // namespace matchgate::gateway
