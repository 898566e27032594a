// Reports regenerated at recovery, in-process: a real network thread
// (NetworkAgent, not listening) and engine shard write a real log while
// two members trade; a second pair recovers from it and must hold, for
// every MsgSeqNum, exactly the bytes the first one sent (the log keeps only
// their CRC-32C). A copy of the log with one report's CRC altered must
// recover that report as a gap (resent as a gap fill), counted in the
// mismatch metric, and every other report intact.
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fix/fix_test_util.hpp"
#include "matchgate/gateway/network_agent.hpp"
#include "matchgate/gateway/recovery.hpp"
#include "matchgate/gateway/shard_agent.hpp"
#include "matchgate/records/order_request.hpp"
#include "matchgate/records/outbound.hpp"
#include "matchgate/records/record_types.hpp"
#include "matchgate/util/crc32c.hpp"
#include "wal/wal_test_util.hpp"

namespace matchgate::gateway {
namespace {

using fix::testing::make_message;

constexpr std::int64_t kT0 = 1'710'495'000LL * 1'000'000'000;  // 2024-03-15 09:30:00 UTC
constexpr engine::Price kScale = engine::kPriceScale;

NetworkOptions options() {
  NetworkOptions o;
  o.comp_id = "GW";
  o.members = {{"M1", "", {"M1-A", "M1-B"}, false, {}, {}}, {"M2", "", {"M2-A"}, false, {}, {}}};
  o.instruments = {{"ACME", 0, 0}};
  o.max_records = 64;
  o.dedup.max_keys = 64;
  return o;
}

// The same members and two drop-copy sessions: DC1 of M1, DCALL of both.
NetworkOptions options_with_drop_copies() {
  NetworkOptions o = options();
  o.members.push_back({"DC1", "", {}, false, {}, {0}});
  o.members.push_back({"DCALL", "", {}, false, {}, {0, 1}});
  return o;
}

// One network thread and one shard, wired as the daemon wires them.
struct Node {
  explicit Node(const wal::testing::TempLog& log, NetworkOptions o = options())
      : network_options(std::move(o)),
        requests(1024),
        replies(1024),
        shard(0, {engine::InstrumentSpec{"ACME", kScale / 100, 1, 1000, 1, engine::kMaxPrice}},
              std::vector<engine::MemberSpec>(network_options.members.size()),
              engine::EngineOptions{}, {&requests}, {&replies}, network_options.max_records),
        network(0, network_options, {&requests}, {&replies}, metrics),
        recovery(log.dir(), "1234567812345678", network, {&shard}, {&replies}) {}

  NetworkOptions network_options;
  RequestRing requests;
  ReplyRing replies;
  ShardAgent shard;
  ops::MetricsRegistry metrics{4096};
  NetworkAgent network;
  Recovery recovery;
};

// Every message of `member`'s store, by MsgSeqNum.
std::map<std::uint64_t, std::string> stored(const Node& n, engine::MemberId member) {
  std::map<std::uint64_t, std::string> out;
  const fix::MessageStore& s = n.network.sessions()[member].store();
  for (std::uint64_t seq = s.first_seq(); seq <= s.last_seq(); ++seq) {
    out.emplace(seq, std::string(s.message(seq)));
  }
  return out;
}

class Regeneration : public ::testing::Test {
 protected:
  // Trades through a live node writing the log, then `more`, then closes
  // the log.
  void run_live(const std::function<void()>& more = {}) {
    Node live(log_, node_options_);
    const wal::LogTail tail = live.recovery.run(log_.pub());
    wal::WalWriter writer(log_.options(), tail, log_.key());
    wal::WalProducer& producer = writer.add_producer();
    live.network.attach_log(&producer, false, writer.boot());
    node_ = &live;
    order(0, "B1", "1", "10", "100");  // rests
    order(1, "S1", "2", "4", "100");   // both sides of a trade
    in(0, "G", "11=B1R|41=B1|55=ACME|54=1|38=12|40=2|44=101|60=20240315-09:30:00.000|");
    order(1, "S2", "2", "12", "101");  // fills B1R, partial for S2
    order(0, "B2", "1", "7", "101");   // fills S2's rest, partial for B2
    in(1, "F", "11=C1|41=S2|55=ACME|54=2|60=20240315-09:30:00.000|");  // already filled
    in(0, "F", "11=C2|41=B2|55=ACME|54=1|60=20240315-09:30:00.000|");
    in(0, "F", "11=C3|41=NONE|55=ACME|54=1|60=20240315-09:30:00.000|");  // gateway's own
    if (more) more();
    wal::testing::pump(writer, producer);
    writer.close();
    for (engine::MemberId m = 0; m < node_options_.members.size(); ++m) {
      sent_[m] = stored(live, m);
    }
    live_hash_ = live.shard.engine().state_hash();
    node_ = nullptr;
  }

  void order(engine::MemberId member, const std::string& id, const std::string& side,
             const std::string& qty, const std::string& price) {
    in(member, "D",
       "11=" + id + "|55=ACME|54=" + side + "|38=" + qty + "|40=2|44=" + price +
           "|60=20240315-09:30:00.000|");
  }
  void in(engine::MemberId member, const std::string& type, const std::string& body) {
    const std::uint64_t seq = next_seq_[member]++;
    frames_.push_back(std::make_unique<std::string>(
        make_message("35=" + type + "|49=" + std::string(member == 0 ? "M1" : "M2") +
                     "|56=GW|34=" + std::to_string(seq) + "|52=20240315-09:30:00.000|" + body)));
    fix::MessageView m;
    ASSERT_TRUE(m.parse(*frames_.back()).ok());
    // Each message in its own duty cycle, with its own clock value.
    now_ += 1'000'000;
    node_->network.clock().set_wall(now_);
    node_->network.order_entry().on_message(member, seq, m);
    settle();
  }
  void settle() {
    while (node_->shard.do_work() > 0 || !node_->replies.empty_approx()) {
      node_->replies.drain([&](const ShardReply& r) { node_->network.order_entry().on_reply(r); });
    }
  }

  wal::testing::TempLog log_;
  NetworkOptions node_options_ = options();
  Node* node_ = nullptr;
  std::int64_t now_ = kT0;
  std::uint64_t next_seq_[2] = {1, 1};
  std::vector<std::unique_ptr<std::string>> frames_;
  std::map<std::uint64_t, std::string> sent_[4];
  std::uint64_t live_hash_ = 0;
};

std::size_t reports_in(const std::map<std::uint64_t, std::string>& messages) {
  std::size_t n = 0;
  for (const auto& [seq, m] : messages)
    n += m.find(
             "\x01"
             "35=8\x01") != std::string::npos;
  return n;
}

TEST_F(Regeneration, RecoveryComposesEveryReportAsItWasSent) {
  run_live();
  ASSERT_GE(reports_in(sent_[0]), 7U);
  ASSERT_GE(reports_in(sent_[1]), 4U);
  std::size_t regenerated = 0;
  log_.scan([&](const wal::RecordView& v) {
    if (v.header.type != records::to_wire(records::RecordType::Outbound)) return;
    const auto o = records::decode_outbound(v.payload);
    ASSERT_TRUE(o);
    regenerated += o->form == records::OutboundForm::Regenerated ? 1 : 0;
  });
  EXPECT_GE(regenerated, 12U) << "reports of engine events are logged without their text";

  Node again(log_);
  again.recovery.run(log_.pub());
  for (engine::MemberId m = 0; m < 2; ++m) {
    EXPECT_EQ(stored(again, m), sent_[m]) << "member " << m;
  }
  EXPECT_EQ(again.network.outbound().metrics().regeneration_mismatches.value(), 0U);
  EXPECT_EQ(again.recovery.send_unlogged_reports(), 0U);
}

// Drop copies of reports of engine events are logged like the reports
// (regenerated form, the same cause, the drop-copy session as member):
// recovery composes each copy again, byte for byte, under its MsgSeqNum,
// including two copies of one trade to the session that copies both sides.
TEST_F(Regeneration, DropCopiesAreComposedAgainAsTheyWereSent) {
  node_options_ = options_with_drop_copies();
  run_live();
  EXPECT_EQ(reports_in(sent_[2]), reports_in(sent_[0]));
  EXPECT_EQ(reports_in(sent_[3]), reports_in(sent_[0]) + reports_in(sent_[1]));
  std::size_t regenerated_copies = 0;
  log_.scan([&](const wal::RecordView& v) {
    if (v.header.type != records::to_wire(records::RecordType::Outbound)) return;
    const auto o = records::decode_outbound(v.payload);
    ASSERT_TRUE(o);
    regenerated_copies +=
        o->head.member >= 2 && o->form == records::OutboundForm::Regenerated ? 1 : 0;
  });
  EXPECT_GE(regenerated_copies, 12U);

  Node again(log_, node_options_);
  again.recovery.run(log_.pub());
  for (engine::MemberId m = 0; m < 4; ++m) {
    EXPECT_EQ(stored(again, m), sent_[m]) << "member " << m;
  }
  EXPECT_EQ(again.network.outbound().metrics().regeneration_mismatches.value(), 0U);
  EXPECT_EQ(again.recovery.send_unlogged_reports(), 0U);
}

// Mass cancels (of one instrument, of all) and the close's Day-order expiry
// are logged requests: a recovery replays them into the same book and
// composes their reports again byte for byte.
TEST_F(Regeneration, MassCancelsAndDayExpiryReplayAsTheyHappened) {
  run_live([&] {
    order(0, "D1", "1", "3", "99");                                                   // Day
    in(0, "D", "11=G1|55=ACME|54=1|38=3|40=2|44=98|59=1|60=20240315-09:30:00.000|");  // GTC
    order(1, "D2", "2", "3", "105");  // Day, the other member
    in(0, "q", "11=MQ1|530=1|55=ACME|60=20240315-09:30:00.000|");
    order(0, "D3", "1", "2", "97");
    order(1, "D4", "2", "2", "106");
    in(1, "q", "11=MQ2|530=7|60=20240315-09:30:00.000|");
    order(0, "D5", "1", "1", "96");
    order(0, "G2", "1", "1", "95");
    node_->network.router().expire_day_orders();
    settle();
  });
  std::size_t sweeps = 0;
  log_.scan([&](const wal::RecordView& v) {
    if (v.header.type != records::to_wire(records::RecordType::OrderRequest)) return;
    const auto r = records::decode_order_request(v.payload);
    ASSERT_TRUE(r);
    sweeps += records::is_sweep(r->request.kind) ? 1 : 0;
  });
  EXPECT_EQ(sweeps, 3U);  // one shard: one record each
  const auto count = [&](engine::MemberId m, const std::string& what) {
    std::size_t n = 0;
    for (const auto& [seq, msg] : sent_[m]) n += msg.find(what) != std::string::npos;
    return n;
  };
  EXPECT_EQ(count(0,
                  "\x01"
                  "35=r\x01"),
            1U);
  EXPECT_EQ(count(1,
                  "\x01"
                  "35=r\x01"),
            1U);
  EXPECT_GE(count(0,
                  "\x01"
                  "150=C\x01"),
            2U);  // D3 and D5 (D1 went with MQ1)

  Node again(log_);
  again.recovery.run(log_.pub());
  for (engine::MemberId m = 0; m < 2; ++m) {
    EXPECT_EQ(stored(again, m), sent_[m]) << "member " << m;
  }
  EXPECT_EQ(again.shard.engine().state_hash(), live_hash_);
  EXPECT_EQ(again.network.outbound().metrics().regeneration_mismatches.value(), 0U);
}

// What each of the two members' stores holds, by MsgSeqNum.
using MemberMessages = std::array<std::map<std::uint64_t, std::string>, 2>;

// `log`'s records from the first OrderRequest on, copied into `crashed`
// until `stop_before` says stop; dropped unclosed, as a killed process
// leaves a log.
void copy_until_crash(const wal::testing::TempLog& log, const wal::testing::TempLog& crashed,
                      const std::function<bool(const wal::RecordView&)>& stop_before) {
  wal::WalWriter writer(crashed.options(), {}, crashed.key());
  wal::WalProducer& producer = writer.add_producer();
  bool stopped = false;
  log.scan([&](const wal::RecordView& v) {
    if (v.header.type < records::to_wire(records::RecordType::OrderRequest) || stopped) return;
    stopped = stop_before(v);
    if (stopped) return;
    producer.append(v.header.type, v.header.time_ns, v.payload);
    wal::testing::pump(writer, producer);
  });
}

// The run after the crash: recovers, sends the reports that died with the
// crashed run (`unlogged` of them expected), closes the log; the members'
// stores then.
MemberMessages run_after_crash(const wal::testing::TempLog& crashed, std::size_t unlogged) {
  Node second(crashed);
  const wal::LogTail tail = second.recovery.run(crashed.pub());
  wal::WalWriter writer(crashed.options(), tail, crashed.key());
  wal::WalProducer& producer = writer.add_producer();
  second.network.attach_log(&producer, false, writer.boot());
  EXPECT_EQ(second.recovery.send_unlogged_reports(), unlogged);
  wal::testing::pump(writer, producer);
  writer.close();
  return {stored(second, 0), stored(second, 1)};
}

// The run after that recovers every message exactly as the one before sent
// it, with no report recovered as a gap.
void expect_composed_again_as_sent(const wal::testing::TempLog& crashed,
                                   const MemberMessages& sent) {
  Node third(crashed);
  third.recovery.run(crashed.pub());
  for (engine::MemberId m = 0; m < 2; ++m) {
    EXPECT_EQ(stored(third, m), sent[m]) << "member " << m;
  }
  EXPECT_EQ(third.network.outbound().metrics().regeneration_mismatches.value(), 0U);
}

bool is_request(const wal::RecordView& v) {
  return v.header.type == records::to_wire(records::RecordType::OrderRequest);
}

// A crash after a trading request was logged, before its reports were: the
// next run handles the replies at the request's time and sends the reports
// under new numbers (WAL.md 7, step 9), logged without their text. A third
// run must compose those again exactly as the second run sent them, with
// the second run's SendingTime and the request's TransactTime.
TEST_F(Regeneration, ReportsSentAfterACrashAreComposedAgainAsSent) {
  run_live();
  // The log up to and including its second OrderRequest (S1, which trades
  // with B1), without any record that followed it.
  wal::testing::TempLog crashed;
  int requests = 0;
  copy_until_crash(log_, crashed, [&](const wal::RecordView& v) {
    if (requests == 2) return true;
    requests += is_request(v) ? 1 : 0;
    return false;
  });
  ASSERT_EQ(requests, 2);

  // S1's acknowledgement and its fill, B1's fill.
  const MemberMessages sent_after_crash = run_after_crash(crashed, 3);
  ASSERT_EQ(reports_in(sent_after_crash[0]), 2U) << "B1's acknowledgement and fill";
  ASSERT_EQ(reports_in(sent_after_crash[1]), 2U) << "S1's acknowledgement and fill";
  expect_composed_again_as_sent(crashed, sent_after_crash);
}

// A crash between the two reports of one trade: the aggressor's report is
// the last record the run logged, the maker's is not. The next run composes
// the maker's report while replaying the aggressor's record (at that
// record's time) and sends it under the next MsgSeqNum at its own time. A
// third run must compose it again as sent, SendingTime included (before
// the fix it kept the composed SendingTime when the MsgSeqNum happened to
// be the same, and recovered the report as a gap; seen in CrashRecovery).
TEST_F(Regeneration, AReportSentAfterACrashBetweenATradesTwoSidesIsComposedAgainAsSent) {
  run_live();
  // Records up to S1's request, then those that follow it up to the first
  // record of member 0 (M1): B1's fill, the maker's side of S1's trade.
  wal::testing::TempLog crashed;
  int requests = 0;
  bool maker_report_reached = false;
  copy_until_crash(log_, crashed, [&](const wal::RecordView& v) {
    if (is_request(v)) {
      if (requests == 2) return true;  // S1's records ended without it
      ++requests;
      return false;
    }
    if (requests < 2 || v.header.type != records::to_wire(records::RecordType::Outbound)) {
      return false;
    }
    const auto o = records::decode_outbound(v.payload);
    maker_report_reached = o && o->head.member == 0;
    return maker_report_reached;
  });
  ASSERT_EQ(requests, 2);
  ASSERT_TRUE(maker_report_reached);

  const MemberMessages sent_after_crash = run_after_crash(crashed, 1);  // B1's fill
  // B1's fill went out under the MsgSeqNum it had live, at a later time.
  const auto& [fill_seq, fill] = *sent_after_crash[0].rbegin();
  ASSERT_TRUE(sent_[0].contains(fill_seq));
  EXPECT_NE(fill, sent_[0][fill_seq]);
  EXPECT_NE(fill.find("\x01"
                      "150=F\x01"),
            std::string::npos);
  expect_composed_again_as_sent(crashed, sent_after_crash);
}

TEST_F(Regeneration, ATamperedCrcBecomesAGapAndIsCounted) {
  run_live();
  // The same records in a new log, one report's CRC changed.
  wal::testing::TempLog copy;
  std::uint64_t tampered_seq = 0;
  engine::MemberId tampered_member = 0;
  {
    wal::WalWriter writer(copy.options(), {}, copy.key());
    wal::WalProducer& producer = writer.add_producer();
    log_.scan([&](const wal::RecordView& v) {
      if (v.header.type < records::to_wire(records::RecordType::OrderRequest)) return;
      std::vector<std::byte> payload(v.payload.begin(), v.payload.end());
      const auto o = records::decode_outbound(payload);
      if (v.header.type == records::to_wire(records::RecordType::Outbound) && tampered_seq == 0 &&
          o && o->form == records::OutboundForm::Regenerated && o->head.member == 1) {
        tampered_seq = o->head.seq;
        tampered_member = o->head.member;
        records::encode_outbound_regenerated(o->head, o->message_crc ^ 1U, payload.data());
      }
      producer.append(v.header.type, v.header.time_ns, payload);
      wal::testing::pump(writer, producer);
    });
    writer.close();
  }
  ASSERT_NE(tampered_seq, 0U);
  ASSERT_FALSE(sent_[tampered_member][tampered_seq].empty());

  Node again(copy);
  again.recovery.run(copy.pub());
  EXPECT_EQ(again.network.outbound().metrics().regeneration_mismatches.value(), 1U);
  const fix::MessageStore& store = again.network.sessions()[tampered_member].store();
  // Nothing to resend under that number: a resend answers it with a gap fill.
  EXPECT_TRUE(store.message(tampered_seq).empty());
  EXPECT_TRUE(store.is_admin(tampered_seq));
  auto expected = sent_[tampered_member];
  expected[tampered_seq] = "";
  EXPECT_EQ(stored(again, tampered_member), expected);
  const engine::MemberId other = tampered_member == 0 ? 1 : 0;
  EXPECT_EQ(stored(again, other), sent_[other]);
}

}  // namespace
}  // namespace matchgate::gateway
