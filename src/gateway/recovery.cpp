#include "matchgate/gateway/recovery.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "matchgate/records/record_types.hpp"
#include "matchgate/util/byte_io.hpp"

namespace matchgate::gateway {

Recovery::Recovery(std::filesystem::path dir, std::string sm2_id, NetworkAgent& network,
                   std::vector<ShardAgent*> shards, std::vector<ReplyRing*> replies)
    : dir_(std::move(dir)),
      sm2_id_(std::move(sm2_id)),
      network_(network),
      shards_(std::move(shards)),
      replies_(std::move(replies)) {}

void Recovery::load_snapshot(const wal::SnapshotRead& snapshot) {
  const std::string name = snapshot.path.filename().string();
  try {
    util::ByteReader in(snapshot.payload);
    const auto version = in.get<std::uint32_t>("version");
    if (version != kGatewaySnapshotVersion) {
      throw std::runtime_error("gateway state version " + std::to_string(version) +
                               ", this build reads " + std::to_string(kGatewaySnapshotVersion));
    }
    const auto count = in.get<std::uint32_t>("shard count");
    if (count != shards_.size()) {
      throw std::runtime_error("it holds " + std::to_string(count) +
                               " shards, the configuration has " + std::to_string(shards_.size()));
    }
    for (ShardAgent* shard : shards_) {
      const auto n = in.get<std::uint64_t>("shard state length");
      shard->load_snapshot(in.get_bytes(n, "shard state"));
    }
    const auto n = in.get<std::uint64_t>("network state length");
    util::ByteReader net(in.get_bytes(n, "network state"));
    network_.snapshots().load_state(net);
    if (net.remaining() != 0 || in.remaining() != 0) {
      throw std::runtime_error("bytes after the gateway state");
    }
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("snapshot " + name + " in " + dir_.string() +
                             " cannot be loaded: " + e.what() +
                             " (recover with the configuration that wrote it, or move it aside "
                             "to replay the whole log)");
  }
}

void Recovery::replay_request(const records::OrderRequestRecord& r, std::int64_t time_ns) {
  if (r.shard >= shards_.size()) {
    throw std::runtime_error("the log sends a request to shard " + std::to_string(r.shard) +
                             " but the configuration has " + std::to_string(shards_.size()) +
                             " shards; recover with the configuration that wrote the log");
  }
  // Replay composes with the record's time (a report made again after a
  // crash carries it as TransactTime).
  network_.clock().set_wall(time_ns);
  network_.order_entry().replay_request(r, time_ns);
  SessionTable& sessions = network_.sessions();
  if (r.in_seq != 0 && r.request.member < sessions.size()) {
    sessions[r.request.member].restore_received(r.in_seq);
  }
  shards_[r.shard]->replay(r.request);
  // A mass cancel can produce more replies than the ring holds: the shard
  // spills them, and its duty cycle hands them over as the ring empties.
  do {
    replies_[r.shard]->drain(
        [this](const ShardReply& reply) { network_.order_entry().on_reply(reply); });
  } while (shards_[r.shard]->do_work() > 0 || !replies_[r.shard]->empty_approx());
}

void Recovery::replay_outbound(const records::OutboundRecordHead& h, std::string_view message) {
  if (h.cause != 0) network_.outbound().logged(h.cause);
  SessionTable& sessions = network_.sessions();
  if (h.member >= sessions.size()) return;
  sessions[h.member].restore_sent(h.seq, message, h.admin, h.next_in);
}

void Recovery::replay(const wal::RecordView& v) {
  const auto where = [&] {
    return v.segment->filename().string() + " offset " + std::to_string(v.offset) + " (record " +
           std::to_string(v.header.seq) + ")";
  };
  switch (static_cast<records::RecordType>(v.header.type)) {
    case records::RecordType::OrderRequest: {
      const auto r = records::decode_order_request(v.payload);
      if (!r) throw std::runtime_error("malformed order request in the log at " + where());
      replay_request(*r, v.header.time_ns);
      ++requests_;
      return;
    }
    case records::RecordType::Outbound: {
      const auto o = records::decode_outbound(v.payload);
      if (!o) throw std::runtime_error("malformed outbound message in the log at " + where());
      replay_outbound(o->first, o->second);
      ++outbound_;
      return;
    }
    case records::RecordType::SnapshotPoint:
      return;  // nothing to replay
  }
  // The log's own records (Start, Seal, Shutdown).
}

wal::LogTail Recovery::run(const crypto::Sm2PublicKey& key) {
  wal::ScanOptions scan_options;
  scan_options.key = &key;
  scan_options.sm2_id = sm2_id_;
  network_.clock().refresh();
  network_.sessions().begin_replay();
  network_.order_entry().begin_replay();
  const wal::NewestSnapshot newest = wal::newest_valid_snapshot(dir_, key, sm2_id_);
  for (const wal::SnapshotRead& skipped : newest.skipped) {
    spdlog::warn("log: snapshot {} is not used: {}", skipped.path.filename().string(),
                 skipped.problem.value_or("invalid"));
  }
  if (newest.snapshot) {
    load_snapshot(*newest.snapshot);
    scan_options.start = newest.snapshot->info->start_point();
    spdlog::info("log: starting from snapshot {} (the state up to record {})",
                 newest.snapshot->path.filename().string(), newest.snapshot->info->seq);
  }
  const wal::ScanResult result =
      wal::scan_log(dir_, scan_options, [&](const wal::RecordView& v) { replay(v); });
  network_.order_entry().end_replay();
  network_.sessions().end_replay();
  network_.clock().refresh();
  if (!result.ok()) {
    throw std::runtime_error("the write-ahead log in " + dir_.string() +
                             " is damaged: " + result.problem->describe() +
                             "; refusing to start (matchgate-wal verify reports every detail)");
  }
  if (result.torn_tail) {
    const wal::TornTail& t = *result.torn_tail;
    spdlog::warn(
        "log: cutting an incomplete tail in {} at offset {}: {} bytes from record {} on were "
        "never completely written (a crash mid-write); with sync = \"group\" nothing in them was "
        "acknowledged",
        t.segment.filename().string(), t.offset, t.bytes, t.first_lost_seq);
    wal::cut_torn_tail(t);
  }
  replayed_records_ = result.summary.records;
  log_summary(result);
  return result.tail;
}

void Recovery::log_summary(const wal::ScanResult& result) const {
  const wal::LogSummary& sum = result.summary;
  if (sum.records == 0) {
    spdlog::info("log: {} holds no log yet; starting a new one", dir_.string());
  } else {
    spdlog::info(
        "log: recovered {} records ({} order requests, {} outbound messages) from {} segments in "
        "{}; last record {}, sealed up to {}, {} starts before this one, {}",
        sum.records, requests_, outbound_, sum.segments, dir_.string(), sum.last_seq,
        sum.last_sealed_seq, sum.boots,
        sum.clean_shutdown ? "clean shutdown" : "the last run did not stop cleanly");
  }
  const OrderEntryMetrics& o = network_.order_entry().metrics();
  const std::uint64_t restored = o.dedup_keys_restored.value();
  const std::uint64_t not_restored = o.dedup_keys_not_restored.value();
  if (restored > 0 || not_restored > 0) {
    spdlog::info("{}: dedup: {} ClOrdID keys rebuilt from the log with their original expiry",
                 network_.name(), restored);
  }
  if (not_restored > 0) {
    spdlog::warn(
        "{}: dedup: {} unexpired ClOrdID keys from the log did not fit into [dedup] max_keys; "
        "repeats of those requests are answered from the order records only",
        network_.name(), not_restored);
  }
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    spdlog::info("log: shard {} recovered state_hash {:016x}", i,
                 shards_[i]->engine().state_hash());
  }
}

std::size_t Recovery::send_unlogged_reports() {
  network_.clock().refresh();
  std::size_t sent = 0;
  for (const Outbound::Unlogged& report : network_.outbound().take_unlogged()) {
    network_.sessions()[report.member].send_composed(report.message, report.cause);
    ++sent;
  }
  return sent;
}

void Recovery::cancel_on_disconnect_all() {
  const SessionTable& sessions = network_.sessions();
  for (engine::MemberId m = 0; m < sessions.size(); ++m) {
    if (network_.member_options(m).cancel_on_disconnect) network_.order_entry().mass_cancel(m);
  }
}

}  // namespace matchgate::gateway
