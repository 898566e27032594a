#pragma once
// The in-process order-entry fixture: the real OrderEntry, Answers, sessions
// and shard router, a real engine shard driven step by step, and a sink
// that records every message the members' sessions send (the Parity
// recording-listener pattern). Included by one test file each, inside an
// anonymous namespace.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fix/fix_test_util.hpp"
#include "matchgate/gateway/answers.hpp"
#include "matchgate/gateway/order_entry.hpp"
#include "matchgate/gateway/session_table.hpp"
#include "matchgate/gateway/shard_agent.hpp"
#include "matchgate/gateway/shard_router.hpp"

namespace matchgate::gateway {
namespace {

using fix::testing::make_message;

constexpr std::int64_t kT0 = 1'710'495'000LL * 1'000'000'000;  // 2024-03-15 09:30:00 UTC
constexpr engine::Price kScale = engine::kPriceScale;

struct Sent {
  engine::MemberId member = 0;
  std::string bytes;
  fix::MessageView view;
  std::string type() const { return std::string(view.msg_type()); }
  std::string get(fix::Tag t) const { return std::string(view.get(t)); }
  bool has(fix::Tag t) const { return view.has(t); }
};

class RecordingSink final : public fix::SessionSink {
 public:
  void on_send(std::uint32_t member, const fix::Outgoing& o) override {
    auto s = std::make_unique<Sent>();
    s->member = member;
    s->bytes = std::string(o.bytes);
    EXPECT_TRUE(s->view.parse(s->bytes).ok());
    sent.push_back(std::move(s));
  }
  std::vector<std::unique_ptr<Sent>> sent;
};

NetworkOptions options() {
  NetworkOptions o;
  o.comp_id = "GW";
  o.members = {{"M1", "", {"M1-A", "M1-B"}, false, {}, {}}, {"M2", "", {"M2-A"}, false, {}, {}}};
  // Reference prices and bands as pre-trade risk sees them (docs/RISK.md).
  o.instruments = {{"ACME", 0, 0, 100 * engine::kPriceScale, 1, 1000 * engine::kPriceScale},
                   {"BOLT", 0, 1, 10 * engine::kPriceScale, 1, 1000 * engine::kPriceScale}};
  o.max_records = 64;
  o.dedup.max_keys = 64;
  return o;
}

std::vector<engine::InstrumentSpec> instruments() {
  engine::InstrumentSpec acme{"ACME", kScale / 100, 1, 1000, 1, engine::kMaxPrice};
  engine::InstrumentSpec bolt{"BOLT", kScale / 100, 1, 1000, 1, engine::kMaxPrice};
  return {acme, bolt};
}

class OrderEntryTest : public ::testing::Test {
 protected:
  explicit OrderEntryTest(std::vector<engine::MemberSpec> members = {{}, {}},
                          NetworkOptions network = options())
      : options_(std::move(network)),
        requests_(1024),
        replies_(1024),
        sessions_(options_, sink_, clock_),
        answers_(0, options_, sessions_, clock_),
        router_({&requests_}, options_.instruments, clock_),
        controls_(options_.members.size(), options_.instruments.size()),
        entry_(0, options_, answers_, router_, clock_, controls_),
        shard_(0, instruments(), std::move(members), engine::EngineOptions{}, {&requests_},
               {&replies_}, options_.max_records) {
    clock_.wall_ns = kT0;
    clock_.mono_ns = 1;
  }

  // One message of `member`, then everything it caused: the shard takes
  // the requests, order entry the replies.
  void in(engine::MemberId member, const std::string& type, const std::string& body) {
    const std::uint64_t seq = next_seq_[member]++;
    frames_.push_back(std::make_unique<std::string>(
        make_message("35=" + type + "|49=" + options_.members[member].comp_id +
                     "|56=GW|34=" + std::to_string(seq) + "|52=20240315-09:30:00.000|" + body)));
    fix::MessageView m;
    ASSERT_TRUE(m.parse(*frames_.back()).ok());
    entry_.on_message(member, seq, m);
    if (settle_each_) settle();
  }
  void settle() {
    while (shard_.do_work() > 0 || !replies_.empty_approx()) {
      replies_.drain([this](const ShardReply& r) { entry_.on_reply(r); });
    }
  }
  void order(engine::MemberId member, const std::string& id, const std::string& side,
             const std::string& qty, const std::string& price, const std::string& extra = "") {
    in(member, "D",
       "11=" + id + "|55=ACME|54=" + side + "|38=" + qty + "|40=2|44=" + price +
           "|60=20240315-09:30:00.000|" + extra);
  }
  void cancel(engine::MemberId member, const std::string& id, const std::string& orig) {
    in(member, "F", "11=" + id + "|41=" + orig + "|55=ACME|54=1|60=20240315-09:30:00.000|");
  }
  void replace(engine::MemberId member, const std::string& id, const std::string& orig,
               const std::string& qty, const std::string& price) {
    in(member, "G",
       "11=" + id + "|41=" + orig + "|55=ACME|54=1|38=" + qty + "|40=2|44=" + price +
           "|60=20240315-09:30:00.000|");
  }
  void status(engine::MemberId member, const std::string& id, const std::string& extra = "") {
    in(member, "H", "11=" + id + "|55=ACME|54=1|" + extra);
  }

  // Everything sent to `member` since the last call.
  std::vector<const Sent*> out(engine::MemberId member) {
    std::vector<const Sent*> r;
    for (std::size_t i = taken_[member]; i < sink_.sent.size(); ++i) {
      if (sink_.sent[i]->member == member) r.push_back(sink_.sent[i].get());
    }
    taken_[member] = sink_.sent.size();
    return r;
  }
  // The one message sent to `member` since the last call.
  const Sent& one(engine::MemberId member) {
    const auto r = out(member);
    EXPECT_EQ(r.size(), 1U);
    static Sent none;
    return r.empty() ? none : *r.back();
  }

  // false: in() leaves the requests in flight (settle() later), as when a
  // member sends faster than the shard answers.
  bool settle_each_ = true;
  util::ThreadClock clock_;
  NetworkOptions options_;
  RecordingSink sink_;
  RequestRing requests_;
  ReplyRing replies_;
  SessionTable sessions_;
  Answers answers_;
  ShardRouter router_;
  risk::TradingControls controls_;
  OrderEntry entry_;
  ShardAgent shard_;
  std::map<engine::MemberId, std::uint64_t> next_seq_{{0, 2}, {1, 2}};
  std::map<engine::MemberId, std::size_t> taken_;
  std::vector<std::unique_ptr<std::string>> frames_;
};

void expect(const Sent& m, const std::map<fix::Tag, std::string>& fields) {
  for (const auto& [tag, value] : fields) {
    EXPECT_EQ(m.get(tag), value) << "tag " << tag << " in " << m.bytes;
  }
}

}  // namespace
}  // namespace matchgate::gateway
