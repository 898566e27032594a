#pragma once
// The application layer of a network thread: NewOrderSingle, cancel,
// cancel/replace and status requests become shard requests; shard replies
// become ExecutionReports and OrderCancelRejects. docs/FIX.md is the
// member-facing description of every answer given here.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "matchgate/dedup/embedded_store.hpp"
#include "matchgate/dedup/fingerprint.hpp"
#include "matchgate/dedup/redis_store.hpp"
#include "matchgate/fix/message.hpp"
#include "matchgate/gateway/network_options.hpp"
#include "matchgate/gateway/order_records.hpp"
#include "matchgate/gateway/shard_agent.hpp"
#include "matchgate/records/order_request.hpp"
#include "matchgate/records/outbound.hpp"
#include "matchgate/records/record_types.hpp"
#include "matchgate/records/snapshot_point.hpp"
#include "matchgate/util/doorbell.hpp"

namespace matchgate::gateway {

class NetworkAgent;

using records::decode_order_request;
using records::decode_outbound;
using records::encode_order_request;
using records::encode_outbound_head;
using records::event_cause;
using records::kOrderRequestFixedSize;
using records::kOutboundHeadSize;
using records::OrderRequestRecord;
using records::OutboundRecordHead;

struct OrderEntryCounters {
  std::uint64_t new_orders = 0;
  std::uint64_t cancels = 0;
  std::uint64_t replaces = 0;
  std::uint64_t status_requests = 0;
  std::uint64_t rejected_at_gateway = 0;
  std::uint64_t execution_reports = 0;
  // ClOrdID dedup (docs/DEDUP.md): repeats of a request with the same
  // fingerprint, reuses with another one, and requests refused because the
  // store could not answer (full, Redis unavailable).
  std::uint64_t dedup_retries = 0;
  std::uint64_t dedup_duplicates = 0;
  std::uint64_t dedup_unavailable = 0;
  std::uint64_t dedup_keys_restored = 0;
  std::uint64_t dedup_keys_not_restored = 0;  // the store was full
};

class OrderEntry {
 public:
  OrderEntry(std::uint32_t net_index, const NetworkOptions& options,
             std::vector<RequestRing*> to_shards, NetworkAgent& out);

  // True when every shard ring can take one more request; checked before a
  // message is consumed, so a full ring stops reading instead of dropping.
  bool has_room() const noexcept;
  // While held, has_room() is false: nothing new reaches the shards (a
  // snapshot is being taken).
  void hold_requests(bool hold) noexcept { held_ = hold; }
  // Sends a Snapshot request to every shard; false (nothing sent) when a
  // ring has no room.
  bool request_snapshots();
  // Requests handed to shard `i` so far (this run).
  std::uint64_t pushed_to(std::size_t i) const noexcept { return pushed_total_[i]; }
  std::uint64_t pushed_total() const noexcept {
    std::uint64_t sum = 0;
    for (const std::uint64_t n : pushed_total_) sum += n;
    return sum;
  }
  // An application message of a logged-on member, in sequence.
  void on_message(engine::MemberId member, std::uint64_t seq, const fix::MessageView& m);
  void on_reply(const ShardReply& reply);
  // Cancel every resting order of the member (cancel on disconnect). Retried
  // from poll_pending() while a ring is full.
  void mass_cancel(engine::MemberId member);
  int poll_pending();
  // Wakes the shards that were given requests since the last call.
  void ring_shards() noexcept;
  void set_shard_doorbells(std::vector<util::Doorbell*> bells) { shard_bells_ = std::move(bells); }
  // Work that needs polling: mass cancels waiting for ring room, requests
  // waiting for Redis.
  bool has_pending() const noexcept {
    return !pending_mass_cancels_.empty() || waiting_count() > 0 ||
           (redis_ && redis_->in_flight() > 0);
  }

  // Recovery (before the thread runs): rebuilds the record a logged request
  // created, as new_order()/cancel_or_replace() did when it arrived.
  // `time_ns` is the log record's time: the request's ClOrdID key expires at
  // time_ns + ttl.
  void begin_replay() { records_.begin_restore(); }
  void replay_request(const OrderRequestRecord& r, std::int64_t time_ns);
  void end_replay() { records_.end_restore(); }
  // Between begin_replay() and the first replay_request(): the records a
  // snapshot holds.
  void load_records(util::ByteReader& in) { records_.load(in); }
  // Snapshot: the in-process ClOrdID keys with their expiry (u8 present,
  // then u64 count and per key u32 member, ClOrdID, u64 order_ref, u64
  // fingerprint, i64 expires_ns). load_keys() drops keys expired by now.
  void save_keys(util::ByteWriter& out) const;
  void load_keys(util::ByteReader& in);
  // Removes expired ClOrdID keys; called regularly by the network thread.
  void expire_keys();
  const dedup::EmbeddedStore* keys() const noexcept { return keys_.get(); }
  const dedup::RedisStore* redis() const noexcept { return redis_.get(); }
  // Requests waiting for Redis or queued behind one.
  std::size_t waiting_count() const noexcept {
    return static_cast<std::size_t>(wait_tail_ - wait_head_);
  }
  // Start count of the log: part of gateway-made ExecIDs, which must not
  // repeat after a restart.
  void set_boot(std::uint64_t boot) noexcept { boot_ = boot; }

  const OrderRecordTable& records() const noexcept { return records_; }
  const OrderEntryCounters& counters() const noexcept { return counters_; }
  static bool supported(std::string_view msg_type) noexcept;

 private:
  struct Context {  // the inbound message being answered
    engine::MemberId member;
    std::uint64_t seq;
    std::string_view msg_type;
  };
  // Returns false only when !may_answer and the message must wait its turn.
  bool new_order(const Context& ctx, const fix::MessageView& m, bool may_answer);
  void push_new(std::uint32_t slot, std::uint64_t in_seq);
  void dispatch(const Context& ctx, const fix::MessageView& m);
  void cancel_or_replace(const Context& ctx, const fix::MessageView& m, bool replace);
  void status(const Context& ctx, const fix::MessageView& m);

  // An ExecutionReport about order record `r`. `exec_id` 0 means gateway
  // generated (a G-prefixed id); `ord_rej_reason` < 0 leaves tag 103 out.
  void report(const OrderRecord& r, std::string_view cl_ord_id, std::string_view orig_cl_ord_id,
              char exec_type, std::uint64_t exec_id, bool maker_side, engine::Qty last_qty,
              engine::Price last_px, int ord_rej_reason, std::string_view text);
  void reject_new(const Context& ctx, const fix::MessageView& m, int ord_rej_reason,
                  std::string_view text);
  void cancel_reject(engine::MemberId member, std::string_view cl_ord_id,
                     std::string_view orig_cl_ord_id, const OrderRecord* order, bool replace,
                     int reason, std::string_view text, std::uint64_t cause = 0);
  bool required(const Context& ctx, const fix::MessageView& m, fix::Tag tag);
  // A cancel or replace request's record takes the order it acts on:
  // `target` (the latest record of the order), `named` (what OrigClOrdID
  // named) and the order's instrument, side, type, time in force, account.
  void refer_to(OrderRecord& request, std::uint32_t target, std::uint32_t named) noexcept;
  bool shard_room() const noexcept;
  // ClOrdID dedup. A record still holds its ClOrdID's key while it is open
  // or younger than the TTL.
  bool holds_key(const OrderRecord& r) const noexcept;
  // A request whose ClOrdID is taken: a repeat of the request that created
  // record `slot` (`same`: same fingerprint; answered with the order's
  // state) or a reuse of its ClOrdID (rejected). slot kNoSlot: the key is
  // held but the gateway no longer tracks (or never had) the record.
  void answer_repeated_new(const Context& ctx, const fix::MessageView& m, std::uint32_t slot,
                           bool same);
  void answer_repeated_cancel(const Context& ctx, std::string_view cl_ord_id,
                              std::string_view orig_cl_ord_id, const OrderRecord* order,
                              bool replace, std::uint32_t slot, bool same);
  // The order's current state as an ExecutionReport 150=I (as for a status request).
  void status_report(std::uint32_t slot);

  // Redis backend: requests in arrival order, each waiting for Redis's answer
  // (a new order whose record is reserved) or for the ones before it (a
  // message kept as received, a mass cancel). Fixed capacity, no allocation.
  struct Waiting {
    enum class Kind : std::uint8_t { NewOrder, Message, MassCancel };
    Kind kind = Kind::Message;
    bool answered = false;  // NewOrder: Redis's result is in `result`
    bool account_sent = false;
    engine::MemberId member = 0;
    std::uint64_t seq = 0;
    std::uint32_t slot = kNoSlot;  // NewOrder: the reserved record
    std::uint64_t frame_at = 0;    // Message: position in frames_
    std::uint32_t frame_length = 0;
    dedup::RedisResult result;
  };
  void wait_for_redis(const Context& ctx, std::uint32_t slot, bool account_sent);
  bool defer_message(const Context& ctx, const fix::MessageView& m);
  void on_redis_result(const dedup::RedisResult& result) noexcept;
  int poll_redis();
  int drain_waiting();
  void complete_new(const Waiting& w);
  void reject_reserved(const Waiting& w, int ord_rej_reason, std::string_view text);
  Waiting& waiting_at(std::uint64_t i) noexcept { return waiting_[i & waiting_mask_]; }
  void log_redis_state() noexcept;
  // ExecID of a report the gateway makes itself (no engine event): "G<n>-<k>".
  static constexpr std::size_t kExecIdChars = 32;
  std::string_view next_gateway_exec_id(char (&buf)[kExecIdChars]) noexcept;
  std::uint32_t latest(std::uint32_t slot) const noexcept;
  std::uint32_t find_instrument(std::string_view symbol) const noexcept;
  // Hands `r` to its shard and logs it. `slot` is the record it created
  // (kNoSlot for none), `in_seq` the member's message that caused it.
  bool push(std::uint32_t shard, const ShardRequest& r, std::uint32_t slot, std::uint64_t in_seq);

  std::uint32_t net_index_;
  const NetworkOptions& options_;
  std::vector<RequestRing*> to_shards_;
  std::vector<util::Doorbell*> shard_bells_;
  std::vector<bool> pushed_;  // per shard, since the last ring_shards()
  NetworkAgent& out_;
  OrderRecordTable records_;
  std::vector<std::pair<std::string, std::uint32_t>> symbols_;  // sorted, -> instrument
  std::vector<engine::MemberId> pending_mass_cancels_;
  std::uint64_t gateway_exec_ids_ = 0;
  std::uint64_t boot_ = 0;
  bool held_ = false;
  std::vector<std::uint64_t> pushed_total_;  // per shard
  OrderEntryCounters counters_;
  // The in-process ClOrdID store (every key with the embedded backend,
  // cancel/replace keys with Redis); null with backend "off".
  std::unique_ptr<dedup::EmbeddedStore> keys_;
  std::int64_t ttl_ns_ = 0;
  std::unique_ptr<dedup::RedisStore> redis_;
  std::vector<Waiting> waiting_;
  std::size_t waiting_mask_ = 0;
  std::uint64_t wait_head_ = 0;
  std::uint64_t wait_tail_ = 0;
  bool converting_head_ = false;  // processing the head message: a new order replaces it
  std::vector<char> frames_;      // messages kept as received, a FIFO of bytes
  std::uint64_t frames_head_ = 0;
  std::uint64_t frames_tail_ = 0;
  fix::MessageView waiting_view_;
  dedup::RedisState redis_logged_state_ = dedup::RedisState::Disconnected;
  bool redis_ever_connected_ = false;
};

}  // namespace matchgate::gateway
