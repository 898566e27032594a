#pragma once
// Writes snapshots of the gateway's state on its own thread, so that
// recovery can start from the newest one instead of the log's first record.
//
// The network thread takes a snapshot in three steps (docs/WAL.md,
// "Snapshots"): it stops handing requests to shards and sends each a
// Snapshot request; each shard copies its state and answers; when every
// answer is in, all replies to earlier requests have been turned into
// logged messages, so the network thread copies its own state, appends a
// SnapshotPoint record and hands both to take(). This thread waits until
// that record is durable, learns its sequence number and chain hash from the
// writer, and writes the signed snapshot file (the SM2 signature and the
// file I/O stay off the order path), then applies retention.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "matchgate/crypto/sm2.hpp"
#include "matchgate/gateway/shard_agent.hpp"
#include "matchgate/gateway/snapshot_options.hpp"
#include "matchgate/wal/wal_writer.hpp"

namespace matchgate::gateway {

// The gateway's snapshot payload: u32 version 3, u32 shard count, per shard
// u64 length and ShardAgent::snapshot(), then u64 length and the network
// thread's state (NetworkAgent::save_state). docs/SNAPSHOT.md.
inline constexpr std::uint32_t kGatewaySnapshotVersion = 3;

class SnapshotTaker {
 public:
  SnapshotTaker(std::filesystem::path dir, crypto::Sm2PrivateKey key, std::string sm2_id,
                SnapshotOptions options, std::vector<const ShardAgent*> shards,
                wal::WalProducer& producer);
  ~SnapshotTaker();
  SnapshotTaker(const SnapshotTaker&) = delete;
  SnapshotTaker& operator=(const SnapshotTaker&) = delete;

  const SnapshotOptions& options() const noexcept { return options_; }
  // No snapshot is being written: the shards' and the network thread's
  // copies may be overwritten.
  bool idle() const noexcept { return idle_.load(std::memory_order_acquire); }
  // Network thread, when idle(): `network_state` stays untouched until
  // idle() again; `position` is the producer position of the SnapshotPoint
  // record.
  void take(const std::vector<std::byte>* network_state, std::uint64_t position);
  // Finishes a snapshot in progress if its record became durable (waits up
  // to `wait`), then ends the thread.
  void stop(std::chrono::milliseconds wait);
  std::uint64_t written() const noexcept { return written_.load(std::memory_order_relaxed); }

 private:
  void run();
  void write(const std::vector<std::byte>& network_state, std::uint64_t position);

  std::filesystem::path dir_;
  crypto::Sm2PrivateKey key_;
  std::string sm2_id_;
  SnapshotOptions options_;
  std::vector<const ShardAgent*> shards_;
  wal::WalProducer& producer_;
  std::vector<std::byte> payload_;

  std::mutex mutex_;
  std::condition_variable wake_;
  const std::vector<std::byte>* job_state_ = nullptr;
  std::uint64_t job_position_ = 0;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_deadline_;
  std::atomic<bool> idle_{true};
  std::atomic<std::uint64_t> written_{0};
  std::thread thread_;
};

}  // namespace matchgate::gateway
