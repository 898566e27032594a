#include "matchgate/gateway/snapshots.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>

#include "matchgate/records/record_types.hpp"
#include "matchgate/records/snapshot_point.hpp"

namespace matchgate::gateway {

Snapshots::Snapshots(ShardRouter& router, SessionTable& sessions, OrderEntry& order_entry,
                     risk::TradingControls& trading, const util::ThreadClock& clock)
    : router_(router),
      sessions_(sessions),
      order_entry_(order_entry),
      trading_(trading),
      clock_(clock) {}

void Snapshots::attach(SnapshotTaker* taker, wal::WalProducer* producer, std::uint64_t replayed) {
  taker_ = taker;
  wal_ = producer;
  replayed_since_last_ = replayed;
  appended_at_last_ = wal_ != nullptr ? wal_->appended() : 0;
  if (taker_ == nullptr) return;
  schedule_ = SnapshotSchedule(taker_->options());
  schedule_.restart_at(clock_.mono_ns);
}

bool Snapshots::due() const noexcept {
  if (taker_ == nullptr || replies_due_ > 0 || !taker_->idle()) return false;
  const std::uint64_t since = wal_->appended() - appended_at_last_ + replayed_since_last_;
  return schedule_.due(clock_.mono_ns, since);
}

void Snapshots::poll() {
  if (due()) start();
}

void Snapshots::start() {
  // Nothing new reaches a shard until every shard has copied its state, so
  // the copies and this thread's state describe the same requests.
  if (!router_.request_snapshots()) return;  // a ring is full: next cycle
  router_.hold(true);
  held_since_ns_ = util::clock_ns(CLOCK_MONOTONIC);
  replies_due_ = router_.shards();
}

void Snapshots::on_taken() {
  if (replies_due_ > 0 && --replies_due_ == 0) finish();
}

void Snapshots::finish() {
  // Every reply to a request before the barrier has been turned into
  // sequenced, logged messages by now: the log up to the SnapshotPoint
  // record is exactly the state copied.
  shards_done_ns_ = util::clock_ns(CLOCK_MONOTONIC);
  state_.clear();
  util::ByteWriter out(state_);
  save_state(out);
  ++taken_;
  std::byte payload[records::kSnapshotPointSize];
  records::encode_snapshot_point(taken_, payload);
  const std::uint64_t position = wal_->appended() + 1;
  wal_->watch(position);  // before the writer can take the record
  // A snapshot names the last record of a block: its record ends one.
  wal_->append(records::to_wire(records::RecordType::SnapshotPoint), clock_.wall_ns, payload, {},
               wal::EndBlock::yes);
  taker_->take(&state_, position);
  router_.hold(false);
  log_pause();
  appended_at_last_ = position;
  replayed_since_last_ = 0;
  schedule_.restart_at(clock_.mono_ns);
}

void Snapshots::log_pause() {
  // Once per snapshot: operators size snapshot_every_records by this pause.
  const std::int64_t now_ns = util::clock_ns(CLOCK_MONOTONIC);
  spdlog::info(
      "snapshot {}: new requests held for {} us: {} us until every shard had copied its state, "
      "{} us for this thread's ({} bytes)",
      taken_, (now_ns - held_since_ns_) / 1000, (shards_done_ns_ - held_since_ns_) / 1000,
      (now_ns - shards_done_ns_) / 1000, state_.size());
}

void Snapshots::save_state(util::ByteWriter& out) const {
  out.put(static_cast<std::uint32_t>(sessions_.size()));
  for (std::uint32_t m = 0; m < sessions_.size(); ++m) sessions_[m].save(out);
  order_entry_.save(out);
  trading_.save(out);
}

void Snapshots::load_state(util::ByteReader& in) {
  const auto members = in.get<std::uint32_t>("member count");
  if (members != sessions_.size()) {
    throw std::runtime_error("the snapshot has " + std::to_string(members) +
                             " members, the configuration " + std::to_string(sessions_.size()) +
                             "; start with the configuration that took it");
  }
  for (std::uint32_t m = 0; m < sessions_.size(); ++m) sessions_[m].load(in);
  order_entry_.load(in);
  trading_.load(in);
}

}  // namespace matchgate::gateway
