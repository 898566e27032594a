#include "matchgate/gateway/recovery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "matchgate/fix/writer.hpp"
#include "matchgate/records/control.hpp"
#include "matchgate/records/record_types.hpp"
#include "matchgate/records/trade.hpp"
#include "matchgate/util/byte_io.hpp"
#include "matchgate/util/crc32c.hpp"

namespace matchgate::gateway {

Recovery::Recovery(std::filesystem::path dir, std::string sm2_id, NetworkAgent& network,
                   std::vector<ShardAgent*> shards, std::vector<ReplyRing*> replies)
    : dir_(std::move(dir)),
      sm2_id_(std::move(sm2_id)),
      network_(network),
      shards_(std::move(shards)),
      replies_(std::move(replies)),
      queued_(shards_.size()) {}

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
  // They wait for the records of their reports (snapshot replies are never
  // replayed: Snapshot requests are not logged).
  std::deque<QueuedReply>& queue = queued_[r.shard];
  do {
    replies_[r.shard]->drain([&](const ShardReply& reply) {
      if (reply.kind == ReplyKind::Event) queue.push_back(QueuedReply{reply, time_ns});
    });
  } while (shards_[r.shard]->do_work() > 0 || !replies_[r.shard]->empty_approx());
}

void Recovery::replay_outbound(const records::OutboundRecord& o, std::int64_t time_ns) {
  const records::OutboundRecordHead& h = o.head;
  if (o.form == records::OutboundForm::Regenerated) {
    regenerate(h, o.message_crc, time_ns);
    return;
  }
  SessionTable& sessions = network_.sessions();
  if (h.member >= sessions.size()) return;
  sessions[h.member].restore_sent(h.seq, o.message, h.admin, h.next_in);
}

void Recovery::replay_trade(const records::TradeRecord& t, std::int64_t time_ns) {
  TradeBook& book = network_.order_entry().trade_book();
  if (!book.enabled()) return;  // a log written with clearing on, read with it off
  network_.clock().set_wall(time_ns);
  if (t.action != records::TradeAction::Trade) {
    // An operator's bust or correction: the function the command used live.
    if (!network_.order_entry().apply_adjustment(t)) ++trade_mismatches_;
    return;
  }
  // Logged just before the fill reports of its event: handle the event now,
  // with this record as its decision.
  book.expect_logged(t);
  if (!handle_replies_until(t.trade_id)) ++trade_mismatches_;
  book.expect_logged_done();
}

void Recovery::regenerate(const records::OutboundRecordHead& h, std::uint32_t message_crc,
                          std::int64_t time_ns) {
  // Live, the report's SendingTime and TransactTime and its record's time
  // are one duty-cycle clock value.
  network_.clock().set_wall(time_ns);
  Outbound& outbound = network_.outbound();
  std::optional<Outbound::Unlogged> report = outbound.take_composed(h.cause, h.member);
  if (!report && handle_replies_until(records::exec_id_of(h.cause))) {
    report = outbound.take_composed(h.cause, h.member);
  }
  SessionTable& sessions = network_.sessions();
  if (h.member >= sessions.size()) return;
  fix::Session& session = sessions[h.member];
  std::string_view message;
  if (report && report->member == h.member) {
    message = report->message;
    if (report->seq != h.seq || report->sending_time_ns != time_ns) {
      // Sent under its record's MsgSeqNum and time, whenever it was
      // composed: ahead of a message of the same member the same event
      // caused (both sides of a trade); at its request's time by an earlier
      // recovery that sent it later; or with the other side of a trade whose
      // first report's record is the last the crashed run logged, and sent
      // by that recovery (WAL.md 7, step 9).
      const fix::WriteResult r = fix::resequence(
          message, h.seq, time_ns, resequence_buffer(message.size()), session.options().timestamps);
      message = r.ok() ? r.message : std::string_view();
    }
  }
  ++regenerated_;
  if (!message.empty() && util::crc32c(0, message.data(), message.size()) == message_crc) {
    session.restore_sent(h.seq, message, false, h.next_in);
    return;
  }
  // Never resend what was not sent: a gap fill answers for it.
  session.restore_unsendable(h.seq, h.next_in);
  outbound.count_mismatch();
  if (mismatches_++ == 0) {
    first_mismatch_member_ = h.member;
    first_mismatch_seq_ = h.seq;
  }
}

std::span<char> Recovery::resequence_buffer(std::size_t message_bytes) {
  // Room for a longer MsgSeqNum and SendingTime than the composed ones.
  resequenced_.resize(message_bytes + 64);
  return std::span<char>(resequenced_.data(), resequenced_.size());
}

bool Recovery::handle_replies_until(engine::ExecId exec_id) {
  for (std::deque<QueuedReply>& queue : queued_) {
    const auto it = std::find_if(queue.begin(), queue.end(), [&](const QueuedReply& q) {
      return q.reply.event.exec_id == exec_id;
    });
    if (it == queue.end()) continue;
    // Replies before it answered nothing the log recorded (or their
    // records are missing): handled in ring order as live, at this time.
    const auto count = static_cast<std::size_t>(it - queue.begin()) + 1;
    for (std::size_t i = 0; i < count; ++i) {
      const QueuedReply queued = queue.front();
      queue.pop_front();
      handle_reply(queued);
    }
    return true;
  }
  return false;
}

void Recovery::handle_reply(const QueuedReply& queued) {
  if (!queued.from_earlier_run) {
    network_.order_entry().on_reply(queued.reply);
    return;
  }
  const std::int64_t record_time_ns = network_.clock().now().wall_ns;
  network_.clock().set_wall(queued.request_time_ns);
  network_.order_entry().on_reply(queued.reply);
  network_.clock().set_wall(record_time_ns);
}

void Recovery::handle_queued_replies() {
  // As before reports were regenerated: composed at their request's time,
  // sequenced after start (send_unlogged_reports()).
  for (std::deque<QueuedReply>& queue : queued_) {
    while (!queue.empty()) {
      const QueuedReply q = queue.front();
      queue.pop_front();
      network_.clock().set_wall(q.request_time_ns);
      network_.order_entry().on_reply(q.reply);
    }
  }
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
      replay_outbound(*o, v.header.time_ns);
      ++outbound_;
      return;
    }
    case records::RecordType::SnapshotPoint:
      return;  // nothing to replay
    case records::RecordType::Control: {
      const auto c = records::decode_control(v.payload);
      if (!c) throw std::runtime_error("malformed control record in the log at " + where());
      network_.clock().set_wall(v.header.time_ns);
      network_.controls().replay(*c, v.header.time_ns);
      return;
    }
    case records::RecordType::Trade: {
      const auto t = records::decode_trade(v.payload);
      if (!t) throw std::runtime_error("malformed trade record in the log at " + where());
      replay_trade(*t, v.header.time_ns);
      return;
    }
  }
  // The log's own records (Start, Seal, Shutdown). A Start ends the run
  // before it: whatever that run left queued, the new run's recovery
  // handled at the end of its scan.
  if (v.header.type == static_cast<std::uint16_t>(wal::RecordType::Start)) {
    for (std::deque<QueuedReply>& queue : queued_) {
      for (QueuedReply& q : queue) q.from_earlier_run = true;
    }
  }
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
  handle_queued_replies();
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
  const std::uint64_t trade_mismatches =
      trade_mismatches_ + network_.order_entry().trade_book().mismatches();
  if (trade_mismatches > 0) {
    spdlog::warn(
        "log: {} trade records in the log do not match the trades of the replayed engine events "
        "(the logged records were booked). A bug, or a log written by another build",
        trade_mismatches);
  }
  if (mismatches_ > 0) {
    spdlog::warn(
        "log: {} of {} reports composed again from the log differ from the ones sent (the first: "
        "member {} MsgSeqNum {}); a resend of them is a gap fill. A bug, or a log written by "
        "another build",
        mismatches_, regenerated_, first_mismatch_member_, first_mismatch_seq_);
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
  // Trades of replayed events the log had no record of yet: logged before
  // their fill reports, as live.
  if (const std::size_t trades = network_.order_entry().trade_book().log_unlogged(); trades > 0) {
    spdlog::warn(
        "log: {} trades of replayed events had not reached the log before the crash; "
        "their Trade records are logged now",
        trades);
  }
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
