#pragma once
// A network thread's proxy to the engine shards (Aeron's sender proxy is the
// model): the only code that pushes to a shard's request ring. Each request
// is logged as an OrderRequest record at the moment it is pushed, so the
// log's order is the order every shard applies them in. Room is checked
// before a member's message is taken, so a push never fails: a full ring
// stops reading instead of dropping.
#include <cstdint>
#include <vector>

#include "matchgate/gateway/network_options.hpp"
#include "matchgate/gateway/shard_agent.hpp"
#include "matchgate/records/order_request.hpp"
#include "matchgate/util/clock.hpp"
#include "matchgate/util/doorbell.hpp"
#include "matchgate/wal/wal_writer.hpp"

namespace matchgate::gateway {

class ShardRouter {
 public:
  // `instruments`: the config's instruments (gateway numbering) with their
  // shard and shard-local id, for the requests about one instrument.
  ShardRouter(std::vector<RequestRing*> to_shards, std::vector<InstrumentRoute> instruments,
              const util::ThreadClock& clock);

  void attach_log(wal::WalProducer* producer) noexcept { wal_ = producer; }
  void set_doorbells(std::vector<util::Doorbell*> bells) { bells_ = std::move(bells); }

  std::size_t shards() const noexcept { return rings_.size(); }
  // Every ring can take one more request, no snapshot holds them and no
  // sweep waits for room.
  bool has_room() const noexcept;
  // While held, has_room() is false: nothing new reaches the shards (a
  // snapshot is being taken).
  void hold(bool held) noexcept { held_ = held; }

  // Hands `r.request` to shard `r.shard` and logs `r`. Requires has_room().
  void push(const records::OrderRequestRecord& r);
  // The sweeps below are logged like push() and, while a ring is full, kept
  // and retried by poll() in the order they were asked for.
  static constexpr std::uint32_t kAllInstruments = 0xffffffffU;
  // A mass cancel of `member`'s orders on every shard (MassCancel).
  void mass_cancel(engine::MemberId member) { mass_cancel(member, kAllInstruments, 0); }
  // `member`'s orders in one instrument (the config's numbering), on that
  // instrument's shard only (MassCancelInstrument).
  void mass_cancel(engine::MemberId member, std::uint32_t gateway_instrument) {
    mass_cancel(member, gateway_instrument, 0);
  }
  // Either (kAllInstruments: every instrument), logged with the MsgSeqNum of
  // the member's request that asked for it (0: the gateway's own).
  void mass_cancel(engine::MemberId member, std::uint32_t gateway_instrument, std::uint64_t in_seq);
  // Every Day order on every shard (ExpireDay): the close.
  void expire_day_orders();
  int poll();
  bool has_pending() const noexcept { return !pending_sweeps_.empty(); }
  // A Snapshot request to every shard; false (nothing sent) without room.
  bool request_snapshots();
  // Wakes the shards that were given requests since the last call.
  void ring_shards() noexcept;

  // Requests handed to shard `i` so far (this run), and in all.
  std::uint64_t pushed_to(std::size_t i) const noexcept { return pushed_[i]; }
  std::uint64_t pushed_total() const noexcept;

 private:
  struct Sweep {
    RequestKind kind;  // MassCancel, MassCancelInstrument or ExpireDay
    engine::MemberId member;
    std::uint32_t gateway_instrument;  // MassCancelInstrument only
    std::uint64_t in_seq;
  };
  bool rings_have_room() const noexcept;
  void push_to_ring(std::uint32_t shard, const ShardRequest& r);
  void push_sweep(const Sweep& s);

  std::vector<RequestRing*> rings_;
  std::vector<InstrumentRoute> instruments_;
  const util::ThreadClock& clock_;
  wal::WalProducer* wal_ = nullptr;
  std::vector<util::Doorbell*> bells_;
  std::vector<bool> rung_;  // per shard: pushed to since the last ring_shards()
  std::vector<std::uint64_t> pushed_;
  std::vector<Sweep> pending_sweeps_;
  std::vector<std::byte> record_buffer_;
  bool held_ = false;
};

}  // namespace matchgate::gateway
