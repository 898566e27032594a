#pragma once
// Drives one randomized session against the real daemon: random limit,
// market and IOC orders of four members on three instruments over three
// business dates, with kill -9 restarts, a clean restart and snapshots;
// keeps every fill report and each date's 35=AN answers for the checks.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <set>

#include "clearing_random/venue.hpp"

namespace matchgate::testing::clearing_random {

// "ACCOUNT|SYMBOL" -> "SOD=long/short TQ=... FIN=..." as a member's APs say.
using PositionAnswer = std::map<std::string, std::string>;

inline std::uint64_t seed_from_env() {
  if (const char* s = std::getenv("MATCHGATE_CLEARING_SEED")) return std::stoull(s);
  return std::random_device{}();
}

class RandomSession {
 public:
  explicit RandomSession(std::uint64_t seed) : rng_(seed) {
    shift_file_ = std::string(::testing::TempDir()) + "/matchgate-clearing-shift-" +
                  std::to_string(::getpid());
    write_shift(shift_file_, kDateShifts[0]);
    daemon_ = std::make_unique<Daemon>(options());
    log_on_all();
  }
  ~RandomSession() {
    clients_.clear();
    daemon_.reset();
    std::remove(shift_file_.c_str());
  }

  Daemon& daemon() { return *daemon_; }
  const Zone& zone() const { return zone_; }
  std::string date(std::size_t i) const { return zone_.date(kDateShifts[i]); }
  const std::vector<std::pair<std::string, FixMessage>>& fills() const { return fills_; }
  // Per date, per member.
  const std::vector<std::vector<PositionAnswer>>& answers() const { return answers_; }
  std::size_t orders_sent() const { return order_no_; }
  // How much of the crash handling the run went through.
  std::size_t resent_fills() const { return resent_fills_; }
  std::size_t gap_fills() const { return gap_fills_; }

  // One business date: `orders` random orders with the given interruptions
  // (before order k: "kill" = a burst of orders sent and kill -9 at once,
  // without waiting for their answers; "stop" = clean stop), then the
  // members' positions over FIX and the operator's close.
  void trade_date(std::size_t i, int orders, const std::map<int, std::string>& interruptions) {
    if (i > 0) open_date(i);
    for (int k = 0; k < orders; ++k) {
      const auto it = interruptions.find(k);
      if (it != interruptions.end() && it->second == "stop") restart_clean();
      if (it != interruptions.end() && it->second == "kill") crash_in_flight();
      random_order();
    }
    quiesce();
    std::vector<PositionAnswer> day;
    for (std::size_t m = 0; m < clients_.size(); ++m) day.push_back(positions(m, i));
    answers_.push_back(day);
    controls::admin_ok(*daemon_, "session close");
    const std::filesystem::path report =
        std::filesystem::path(daemon_->settlement_dir()) / date(i) / "manifest.sig";
    EXPECT_TRUE(controls::polled_until([&] { return std::filesystem::exists(report); }, 20s))
        << "no settlement report " << report << "\n"
        << daemon_->log().substr(0, 50000);
  }

  void finish() {
    quiesce();
    clients_.clear();
    EXPECT_EQ(daemon_->stop(), 0) << daemon_->log().substr(0, 50000);
  }

 private:
  DaemonOptions options() const {
    DaemonOptions o = gw::small();
    o.members = members();
    o.instruments = instruments_toml();
    o.clearing =
        "fee_decimals = 2\nmaker_fee_bps = \"-0.5\"\ntaker_fee_bps = \"2\"\n"
        "maker_fee_per_unit = \"-0.001\"\ntaker_fee_per_unit = \"0.003\"\n";
    o.trading_day =
        "time_zone = \"" + zone_.name +
        "\"\nopen = \"08:00:00\"\nclose = \"17:00:00\"\n"
        "trading_days = [\"Sun\", \"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\"]\n";
    o.gateway_extra += "max_sending_time_skew_s = 86400\n";
    o.wal_extra = "snapshot_every_records = 150\nsnapshot_min_interval_s = 0\n";
    o.env.push_back("MATCHGATE_TEST_CLOCK_SKEW_FILE=" + shift_file_);
    return o;
  }

  // Logons with ResetSeqNumFlag: both sides start again at 1.
  void log_on_all() {
    clients_.clear();
    last_in_.assign(members().size(), 1);  // the gateway's Logon
    for (const TestMember& m : members()) {
      auto c = std::make_unique<FixClient>(daemon_->port(), m.comp_id);
      EXPECT_TRUE(c->logon(m.password, true)) << m.comp_id << " logon failed";
      clients_.push_back(std::move(c));
    }
  }

  // The daemon's clock moves to the next date; the schedule's next
  // boundary (the previous date's close) has passed, so it opens that date.
  void open_date(std::size_t i) {
    write_shift(shift_file_, kDateShifts[i]);
    const std::string wanted = "venue: session open, business date " + date(i);
    std::string status;
    EXPECT_TRUE(controls::polled_until(
        [&] {
          status = controls::status_of(*daemon_);
          return status.find(wanted) != std::string::npos;
        },
        20s))
        << status;
  }

  void restart_clean() {
    quiesce();
    clients_.clear();
    EXPECT_EQ(daemon_->stop(), 0);
    ASSERT_TRUE(daemon_->restart()) << daemon_->log().substr(0, 50000);
    log_on_all();
  }

  // kill -9 with orders in flight; the members come back where their
  // sessions were and have the gateway resend what they missed.
  void crash_in_flight() {
    const int burst = 1 + static_cast<int>(rng_() % 8);
    for (int k = 0; k < burst; ++k) random_order(false);
    // At once, or while the burst is being logged, matched or answered.
    std::this_thread::sleep_for(std::chrono::microseconds(rng_() % 5000));
    daemon_->kill();
    std::vector<std::uint64_t> next_out;
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      for (const FixMessage& m : clients_[i]->drain(50ms)) absorb(i, m);
      next_out.push_back(clients_[i]->next_seq());
    }
    clients_.clear();
    ASSERT_TRUE(daemon_->restart()) << daemon_->log().substr(0, 50000);
    clients_.resize(next_out.size());
    for (std::size_t i = 0; i < next_out.size(); ++i) relogon(i, next_out[i]);
  }

  void relogon(std::size_t member, std::uint64_t next_out);

  void absorb(std::size_t member, const FixMessage& m) {
    last_in_[member] = std::max(last_in_[member], m.seq());
    // Requests the daemon did not log before the kill are gone: filled
    // with a gap up to the next number.
    if (m.type == "2" && member < clients_.size() && clients_[member]) {
      FixClient& c = *clients_[member];
      c.send("4", {{123, "Y"}, {36, std::to_string(c.next_seq())}}, std::stoull(m.get(7)), true);
    }
    if (m.type == "8" && m.get(150) == "F") {
      fills_.emplace_back(members()[member].comp_id, m);
      if (m.get(43) == "Y") ++resent_fills_;
    }
    if (m.type == "2") ++gap_fills_;
  }

  // Everything the members were sent and have not read yet.
  void quiesce() {
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      for (const FixMessage& m : clients_[i]->drain(150ms)) absorb(i, m);
    }
  }

  void random_order(bool await_answer = true);
  PositionAnswer positions(std::size_t member, std::size_t date_index);

  Zone zone_;
  std::mt19937_64 rng_;
  std::string shift_file_;
  std::unique_ptr<Daemon> daemon_;
  std::vector<std::unique_ptr<FixClient>> clients_;
  std::vector<std::uint64_t> last_in_;  // per member: the highest MsgSeqNum received
  std::vector<std::pair<std::string, FixMessage>> fills_;  // (member, report)
  std::vector<std::vector<PositionAnswer>> answers_;
  std::size_t order_no_ = 0;
  std::size_t resent_fills_ = 0;
  std::size_t gap_fills_ = 0;
};

inline std::string hundredths_text(std::int64_t h) {
  const std::string frac = std::to_string(100 + h % 100).substr(1);
  return std::to_string(h / 100) + "." + frac;
}

// A limit (Day or GTC), IOC limit or market order of a random member,
// account, instrument and side, priced around the reference so that
// orders cross often; waits for its first answer.
inline void RandomSession::random_order(bool await_answer) {
  const auto pick = [&](std::uint64_t n) { return static_cast<std::int64_t>(rng_() % n); };
  const std::size_t m = static_cast<std::size_t>(pick(clients_.size()));
  const TestMember member = members()[m];
  const InstrumentSpec& inst = instruments()[static_cast<std::size_t>(pick(3))];
  const char side = pick(2) == 0 ? '1' : '2';
  const std::int64_t qty = inst.lot * (1 + pick(static_cast<std::uint64_t>(inst.max_lots)));
  const std::int64_t ticks = inst.ref_ticks + pick(13) - 6;
  const std::int64_t kind = pick(10);
  Fields extra{{1, member.accounts[static_cast<std::size_t>(pick(member.accounts.size()))]}};
  std::string price = hundredths_text(ticks * inst.tick_hundredths);
  if (kind < 2) {
    price.clear();  // market
    extra.emplace_back(59, "3");
  } else {
    extra.emplace_back(59, kind < 5 ? "3" : (kind < 8 ? "0" : "1"));
  }
  const std::string id = "O" + std::to_string(++order_no_);
  FixClient& c = *clients_[m];
  gw::new_order(c, id, inst.symbol, side, std::to_string(qty), price, extra);
  if (!await_answer) return;
  std::vector<FixMessage> skipped;
  const auto answer = await_message(c, Wanted{"8", {{11, id}}}, 5s, &skipped);
  for (const FixMessage& s : skipped) absorb(m, s);
  if (answer) absorb(m, *answer);
}

// Logon continuing the session (no reset). The daemon asks for what it
// did not log (answered in absorb with a gap fill); what the member did not
// receive it asks for, from the number after the last it had; a
// TestRequest's Heartbeat says the session is in step again.
inline void RandomSession::relogon(std::size_t member, std::uint64_t next_out) {
  const TestMember m = members()[member];
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto c = std::make_unique<FixClient>(daemon_->port(), m.comp_id);
    c->set_next_seq(next_out);
    c->send("A", {{98, "0"}, {108, "30"}, {554, m.password}});
    const auto logon = c->receive(5s);
    if (logon && logon->type == "A") {
      const std::uint64_t from = last_in_[member] + 1;
      last_in_[member] = std::max(last_in_[member], logon->seq());
      FixClient* raw = c.get();
      clients_[member] = std::move(c);
      // The daemon's ResendRequest, if any, comes right after its Logon.
      if (const auto first = raw->receive(300ms)) absorb(member, *first);
      if (logon->seq() > from) raw->send("2", {{7, std::to_string(from)}, {16, "0"}});
      const std::string probe = "sync-" + std::to_string(member) + "-" + std::to_string(next_out);
      raw->send("1", {{112, probe}});
      std::vector<FixMessage> skipped;
      EXPECT_TRUE(await_message(*raw, Wanted{"0", {{112, probe}}}, 10s, &skipped)) << m.comp_id;
      for (const FixMessage& s : skipped) absorb(member, s);
      return;
    }
    if (!logon || logon->get(58) != "already logged on") {
      ADD_FAILURE() << "relogon of " << m.comp_id << ": "
                    << (logon ? logon->printable() : "no answer");
      clients_[member] = std::move(c);  // the test goes on, failing, without a crash
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "relogon of " << m.comp_id << " kept being refused";
  clients_[member] = std::make_unique<FixClient>(daemon_->port(), m.comp_id);
}

inline std::string long_short(const std::string& type, std::int64_t long_qty,
                              std::int64_t short_qty) {
  return type + "=" + std::to_string(long_qty) + "/" + std::to_string(short_qty);
}

// 35=AN for all the member's accounts: the AO, then one AP per position.
inline PositionAnswer RandomSession::positions(std::size_t member, std::size_t date_index) {
  FixClient& c = *clients_[member];
  const std::string id = "P" + std::to_string(date_index);
  c.send("AN", {{710, id}, {724, "0"}, {60, utc_now()}});
  std::vector<FixMessage> skipped;
  const auto ack = await_message(c, Wanted{"AO", {{710, id}}}, 5s, &skipped);
  PositionAnswer out;
  const int n = ack && !ack->get(727).empty() ? std::stoi(ack->get(727)) : 0;
  for (int i = 0; i < n; ++i) {
    const auto ap = await_message(c, Wanted{"AP", {{710, id}}}, 5s, &skipped);
    if (!ap) break;
    std::string type;
    std::map<std::string, std::pair<std::string, std::string>> qty;
    for (const auto& [tag, value] : ap->fields) {
      if (tag == 703) type = value;
      if (tag == 704) qty[type].first = value;
      if (tag == 705) qty[type].second = value;
    }
    std::string text;
    for (const auto& [t, q] : qty) text += t + "=" + q.first + "/" + q.second + " ";
    out[ap->get(1) + "|" + ap->get(55)] = text;
  }
  for (const FixMessage& s : skipped) absorb(member, s);
  return out;
}

}  // namespace matchgate::testing::clearing_random
