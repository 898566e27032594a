#pragma once
// Recovery at every start, before any thread runs (docs/WAL.md section 7):
// the newest valid snapshot, if any, then the log after it, verified as it
// is read and replayed: each OrderRequest through the same shard code as
// live (books and ids come out the same), order records at their logged
// slots, each member's sequence numbers and message store from the
// Outbound records. The shard's replies wait in a queue per shard until
// the Outbound record of their report: live, a reply was handled, its
// report composed and its record appended in one step, so handling it at
// that record, with the clock at the record's time, composes the report
// again byte for byte and changes the order records in the live order.
// Then, with the log attached, what the crash left undone: reports of
// replayed events whose records never reached the log, and cancel on
// disconnect for every member that has it.
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "matchgate/crypto/sm2.hpp"
#include "matchgate/gateway/network_agent.hpp"
#include "matchgate/gateway/shard_agent.hpp"
#include "matchgate/records/order_request.hpp"
#include "matchgate/records/outbound.hpp"
#include "matchgate/records/trade.hpp"
#include "matchgate/wal/snapshot.hpp"
#include "matchgate/wal/wal_reader.hpp"

namespace matchgate::gateway {

class Recovery {
 public:
  Recovery(std::filesystem::path dir, std::string sm2_id, NetworkAgent& network,
           std::vector<ShardAgent*> shards, std::vector<ReplyRing*> replies);

  // Loads and replays; throws std::runtime_error naming the problem when the
  // log is damaged or does not fit the configuration. Returns where the
  // log continues.
  wal::LogTail run(const crypto::Sm2PublicKey& key);
  // Records replayed after the snapshot recovery started from.
  std::uint64_t replayed_records() const noexcept { return replayed_records_; }

  // With the log attached: the reports replay composed for events whose
  // Outbound records never reached the log, sequenced, stored and logged
  // now in the order replay composed them. Returns how many.
  std::size_t send_unlogged_reports();
  // Every session ended with the previous run.
  void cancel_on_disconnect_all();

 private:
  void load_snapshot(const wal::SnapshotRead& snapshot);
  void replay(const wal::RecordView& v);
  void replay_request(const records::OrderRequestRecord& r, std::int64_t time_ns);
  void replay_outbound(const records::OutboundRecord& o, std::int64_t time_ns);
  // A Trade record: a trade is handed to its replayed event; a bust or
  // correction is booked at once.
  void replay_trade(const records::TradeRecord& t, std::int64_t time_ns);
  // A report logged without its text: composed again, checked against the
  // logged CRC-32C, kept for resend only if it matches.
  void regenerate(const records::OutboundRecordHead& h, std::uint32_t message_crc,
                  std::int64_t time_ns);
  std::span<char> resequence_buffer(std::size_t message_bytes);
  // Handles queued replies, oldest first, up to the one of engine event
  // `exec_id`; false if no queue holds it.
  bool handle_replies_until(engine::ExecId exec_id);
  // End of the log: every reply still queued, at its request's time.
  void handle_queued_replies();
  void log_summary(const wal::ScanResult& result) const;

  struct QueuedReply {
    ShardReply reply;
    std::int64_t request_time_ns = 0;
    // Queued before a later run's Start record: that run's recovery found
    // it unanswered at the end of the log and handled it at its request's
    // time (handle_queued_replies), so replay does the same.
    bool from_earlier_run = false;
  };
  void handle_reply(const QueuedReply& queued);

  std::filesystem::path dir_;
  std::string sm2_id_;
  NetworkAgent& network_;
  std::vector<ShardAgent*> shards_;
  std::vector<ReplyRing*> replies_;
  std::vector<std::deque<QueuedReply>> queued_;  // per shard, in ring order
  std::string resequenced_;
  std::uint64_t regenerated_ = 0;
  std::uint64_t mismatches_ = 0;
  std::uint64_t trade_mismatches_ = 0;  // trade records without their event
  engine::MemberId first_mismatch_member_ = 0;
  std::uint64_t first_mismatch_seq_ = 0;
  std::uint64_t requests_ = 0;
  std::uint64_t outbound_ = 0;
  std::uint64_t replayed_records_ = 0;
};

}  // namespace matchgate::gateway
