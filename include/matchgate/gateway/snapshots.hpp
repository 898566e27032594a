#pragma once
// The network thread's side of a snapshot (docs/WAL.md 6.9): when one is
// due it holds new requests and sends each shard a Snapshot request; when
// every shard has answered, every reply to an earlier request has become a
// logged message, so it copies its own state (sessions with their stores,
// order records, ClOrdID keys), appends a SnapshotPoint record and hands
// the copy to the SnapshotTaker thread, which writes the file once that
// record is durable. Also the layout of that state, for loading it back.
#include <cstdint>
#include <vector>

#include "matchgate/gateway/order_entry.hpp"
#include "matchgate/gateway/session_table.hpp"
#include "matchgate/gateway/shard_router.hpp"
#include "matchgate/gateway/snapshot_schedule.hpp"
#include "matchgate/gateway/snapshot_taker.hpp"
#include "matchgate/util/byte_io.hpp"
#include "matchgate/util/clock.hpp"
#include "matchgate/wal/wal_writer.hpp"

namespace matchgate::gateway {

class Snapshots {
 public:
  Snapshots(ShardRouter& router, SessionTable& sessions, OrderEntry& order_entry,
            risk::TradingControls& trading, const util::ThreadClock& clock);

  // After the log is attached. `replayed` counts the records recovery
  // replayed after the snapshot it started from, towards every_records
  // (SnapshotSchedule).
  void attach(SnapshotTaker* taker, wal::WalProducer* producer, std::uint64_t replayed);

  // Duty cycle: starts a snapshot when one is due and none is in progress.
  void poll();
  // A shard's SnapshotTaken reply; the last one finishes the snapshot.
  void on_taken();
  std::uint64_t taken() const noexcept { return taken_; }

  // The network thread's state: u32 members; per member its session
  // (fix::Session::save); then order entry's (OrderEntry::save).
  // docs/SNAPSHOT.md "Gateway state".
  void save_state(util::ByteWriter& out) const;
  // Recovery, before any record is replayed; throws std::runtime_error
  // when the snapshot does not fit the configuration.
  void load_state(util::ByteReader& in);

 private:
  bool due() const noexcept;
  void start();
  void finish();
  void log_pause();

  ShardRouter& router_;
  SessionTable& sessions_;
  OrderEntry& order_entry_;
  risk::TradingControls& trading_;
  const util::ThreadClock& clock_;
  SnapshotTaker* taker_ = nullptr;
  wal::WalProducer* wal_ = nullptr;
  SnapshotSchedule schedule_{SnapshotOptions{}};
  std::uint64_t appended_at_last_ = 0;  // producer position of the last one
  std::uint64_t replayed_since_last_ = 0;
  std::size_t replies_due_ = 0;  // shards that have not answered yet
  std::uint64_t taken_ = 0;
  std::int64_t held_since_ns_ = 0;   // CLOCK_MONOTONIC when new requests were held
  std::int64_t shards_done_ns_ = 0;  // ... and when every shard had copied its state
  std::vector<std::byte> state_;
};

}  // namespace matchgate::gateway
