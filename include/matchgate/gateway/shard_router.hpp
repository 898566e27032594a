#pragma once
// A network thread's proxy to the engine shards (Aeron's sender proxy is the
// model): the only code that pushes to a shard's request ring. Each request
// is logged as an OrderRequest record at the moment it is pushed, so the
// log's order is the order every shard applies them in. Room is checked
// before a member's message is taken, so a push never fails: a full ring
// stops reading instead of dropping.
#include <cstdint>
#include <vector>

#include "matchgate/gateway/shard_agent.hpp"
#include "matchgate/records/order_request.hpp"
#include "matchgate/util/clock.hpp"
#include "matchgate/util/doorbell.hpp"
#include "matchgate/wal/wal_writer.hpp"

namespace matchgate::gateway {

class ShardRouter {
 public:
  ShardRouter(std::vector<RequestRing*> to_shards, const util::ThreadClock& clock);

  void attach_log(wal::WalProducer* producer) noexcept { wal_ = producer; }
  void set_doorbells(std::vector<util::Doorbell*> bells) { bells_ = std::move(bells); }

  std::size_t shards() const noexcept { return rings_.size(); }
  // Every ring can take one more request, and no snapshot holds them.
  bool has_room() const noexcept;
  // While held, has_room() is false: nothing new reaches the shards (a
  // snapshot is being taken).
  void hold(bool held) noexcept { held_ = held; }

  // Hands `r.request` to shard `r.shard` and logs `r`. Requires has_room().
  void push(const records::OrderRequestRecord& r);
  // A mass cancel of `member`'s orders on every shard; kept and retried by
  // poll() while a ring is full.
  void mass_cancel(engine::MemberId member);
  int poll();
  bool has_pending() const noexcept { return !pending_mass_cancels_.empty(); }
  // A Snapshot request to every shard; false (nothing sent) without room.
  bool request_snapshots();
  // Wakes the shards that were given requests since the last call.
  void ring_shards() noexcept;

  // Requests handed to shard `i` so far (this run), and in all.
  std::uint64_t pushed_to(std::size_t i) const noexcept { return pushed_[i]; }
  std::uint64_t pushed_total() const noexcept;

 private:
  void push_to_ring(std::uint32_t shard, const ShardRequest& r);

  std::vector<RequestRing*> rings_;
  const util::ThreadClock& clock_;
  wal::WalProducer* wal_ = nullptr;
  std::vector<util::Doorbell*> bells_;
  std::vector<bool> rung_;  // per shard: pushed to since the last ring_shards()
  std::vector<std::uint64_t> pushed_;
  std::vector<engine::MemberId> pending_mass_cancels_;
  std::vector<std::byte> record_buffer_;
  bool held_ = false;
};

}  // namespace matchgate::gateway
