#include "matchgate/gateway/snapshot_taker.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "matchgate/util/byte_io.hpp"
#include "matchgate/wal/snapshot.hpp"

namespace matchgate::gateway {

SnapshotTaker::SnapshotTaker(std::filesystem::path dir, crypto::Sm2PrivateKey key,
                             std::string sm2_id, SnapshotOptions options,
                             std::vector<const ShardAgent*> shards, wal::WalProducer& producer)
    : dir_(std::move(dir)),
      key_(std::move(key)),
      sm2_id_(std::move(sm2_id)),
      options_(options),
      shards_(std::move(shards)),
      producer_(producer) {
  options_.keep = std::max<std::size_t>(options_.keep, 1);
  thread_ = std::thread([this] { run(); });
}

SnapshotTaker::~SnapshotTaker() {
  stop(std::chrono::milliseconds(0));
}

void SnapshotTaker::take(const std::vector<std::byte>* network_state, std::uint64_t position) {
  {
    const std::lock_guard lock(mutex_);
    job_state_ = network_state;
    job_position_ = position;
    idle_.store(false, std::memory_order_release);
  }
  wake_.notify_one();
}

void SnapshotTaker::stop(std::chrono::milliseconds wait) {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + wait;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void SnapshotTaker::run() {
  pthread_setname_np(pthread_self(), "snapshot");
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return job_state_ != nullptr || stopping_; });
    if (job_state_ == nullptr) return;
    const std::vector<std::byte>& state = *job_state_;
    const std::uint64_t position = job_position_;
    lock.unlock();
    // The state may only be saved once the record it is tied to is durable:
    // a snapshot must never describe more than the log holds.
    bool durable = false;
    for (;;) {
      if (producer_.durable() >= position && producer_.watched(position)) {
        durable = true;
        break;
      }
      lock.lock();
      const bool give_up = stopping_ && std::chrono::steady_clock::now() >= stop_deadline_;
      lock.unlock();
      if (give_up) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (durable) {
      try {
        write(state, position);
      } catch (const std::exception& e) {
        spdlog::error("snapshot: not written: {}", e.what());
      }
    } else {
      spdlog::warn("snapshot: abandoned at shutdown (its log record was not durable yet)");
    }
    lock.lock();
    job_state_ = nullptr;
    idle_.store(true, std::memory_order_release);
  }
}

void SnapshotTaker::write(const std::vector<std::byte>& network_state, std::uint64_t position) {
  const auto started = std::chrono::steady_clock::now();
  const wal::RecordPosition where = *producer_.watched(position);
  payload_.clear();
  util::ByteWriter out(payload_);
  out.put(kGatewaySnapshotVersion);
  out.put(static_cast<std::uint32_t>(shards_.size()));
  for (const ShardAgent* shard : shards_) {
    out.put(static_cast<std::uint64_t>(shard->snapshot().size()));
    out.put_bytes(shard->snapshot());
  }
  out.put(static_cast<std::uint64_t>(network_state.size()));
  out.put_bytes(network_state);

  wal::SnapshotInfo info;
  info.seq = where.seq;
  info.chain_hash = where.hash;
  info.boots = where.boots;
  const std::filesystem::path path = wal::write_snapshot(dir_, info, payload_, key_, sm2_id_);
  written_.fetch_add(1, std::memory_order_relaxed);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  spdlog::info("snapshot: the state up to record {} is in {} ({} bytes, written in {} ms)",
               where.seq, path.filename().string(), payload_.size(), ms);

  if (options_.remove_covered_segments) {
    wal::RetentionOptions retention;
    retention.keep_snapshots = options_.keep;
    const wal::RetentionReport r =
        wal::remove_covered_segments(dir_, key_.public_key(), sm2_id_, retention);
    if (!r.segments.empty() || !r.snapshots.empty()) {
      spdlog::info("snapshot: retention removed {} segments and {} snapshots covered by {}",
                   r.segments.size(), r.snapshots.size(),
                   r.anchor ? r.anchor->path.filename().string() : std::string("?"));
    }
    for (const auto& [file, why] : r.ignored) {
      spdlog::warn("snapshot: {} is not used by retention: {}", file.filename().string(), why);
    }
    return;
  }
  // Segments stay (the log is the audit record); only old snapshots go.
  const std::vector<wal::SnapshotFile> all = wal::list_snapshots(dir_);
  for (std::size_t i = 0; i + options_.keep < all.size(); ++i) {
    std::error_code ec;
    std::filesystem::remove(all[i].path, ec);
    if (ec) spdlog::warn("snapshot: could not remove {}: {}", all[i].path.string(), ec.message());
  }
}

}  // namespace matchgate::gateway
