#include "recovery/member_trading.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <thread>

#include "gateway/gateway_test_util.hpp"

namespace matchgate::testing {

using namespace std::chrono_literals;
using gw::password_of;

// The fields a resend must repeat exactly: all but the header fields a
// resend changes (PossDupFlag, SendingTime, OrigSendingTime) and the frame.
std::vector<std::pair<int, std::string>> stable_fields(const FixMessage& m) {
  std::vector<std::pair<int, std::string>> out;
  for (const auto& f : m.fields) {
    if (f.first == 8 || f.first == 9 || f.first == 10 || f.first == 43 || f.first == 52 ||
        f.first == 97 || f.first == 122) {
      continue;
    }
    out.push_back(f);
  }
  return out;
}

void record(MemberBook& b, const FixMessage& m) {
  const std::uint64_t seq = m.seq();
  if (m.type == "8" || m.type == "9" || m.type == "3" || m.type == "j") {
    const bool poss_dup = m.get(43) == "Y";
    auto it = b.received.find(seq);
    if (it == b.received.end()) {
      b.received.emplace(seq, m);
    } else if (stable_fields(it->second) != stable_fields(m)) {
      b.fail("message " + std::to_string(seq) + " changed: was " + it->second.printable() +
             " now " + m.printable());
    } else if (!poss_dup) {
      b.fail("message " + std::to_string(seq) + " sent twice without PossDupFlag");
    }
    if (m.type == "8" && m.get(150) == "0") b.open.push_back(m.get(11));
  }
  if (seq >= b.expect_in) b.expect_in = seq + 1;
}

namespace {

// Every message sent uses up its MsgSeqNum, answered or not, as in a real
// FIX engine: the daemon may have logged our Logon or ResendRequest just
// before it died, and then expects the next number (a number too high is
// gap-filled; one too low is a Logout). Kept in the book however a life ends.
class KeepNextOut {
 public:
  KeepNextOut(MemberBook& book, const std::unique_ptr<FixClient>& client)
      : book_(book), client_(client) {}
  KeepNextOut(const KeepNextOut&) = delete;
  KeepNextOut& operator=(const KeepNextOut&) = delete;
  KeepNextOut(KeepNextOut&&) = delete;
  KeepNextOut& operator=(KeepNextOut&&) = delete;
  ~KeepNextOut() {
    if (client_) book_.next_out = client_->next_seq();
  }

 private:
  MemberBook& book_;
  const std::unique_ptr<FixClient>& client_;
};

}  // namespace

// One life of the daemon as seen by one member: log on without a reset,
// fetch everything from MsgSeqNum 1 again, then trade until the daemon dies
// or `stop` is set.
void trade(const Daemon& d, MemberBook& b, std::uint64_t seed, std::atomic<bool>& stop) {
  std::mt19937_64 rng(seed);
  // Until the daemon has seen this member's previous connection close it
  // answers "already logged on"; that is retried, anything else is not.
  std::unique_ptr<FixClient> client;
  const KeepNextOut keep_next_out(b, client);
  std::optional<std::uint64_t> logon_seq;
  const auto logon_deadline = std::chrono::steady_clock::now() + 10s;
  while (!logon_seq && std::chrono::steady_clock::now() < logon_deadline) {
    client = std::make_unique<FixClient>(d.port(), b.comp_id);
    client->set_next_seq(b.next_out);
    client->send("A", {{98, "0"}, {108, "30"}, {554, password_of(b.comp_id)}});
    // The Logon answer; the daemon may also ask us to resend (our sequence
    // is ahead when it died before logging our last messages).
    bool retry = false;
    while (!logon_seq && !retry) {
      auto m = client->receive(1s);
      if (!m) {
        if (client->peer_closed(0ms)) return;  // killed already: the next life tries again
        continue;
      }
      if (m->type == "A") logon_seq = m->seq();
      if (m->type == "5") {
        if (m->get(58) != "already logged on") {
          b.fail("logon refused: " + m->printable());
          return;
        }
        retry = true;
        std::this_thread::sleep_for(20ms);
      }
    }
  }
  FixClient& c = *client;
  if (!logon_seq) {
    b.fail("no Logon answer");
    return;
  }
  if (*logon_seq < b.expect_in) {
    b.fail("the daemon's MsgSeqNum went back from " + std::to_string(b.expect_in) + " to " +
           std::to_string(*logon_seq) + ": messages a member received were lost");
  }
  const std::uint64_t resend_until = *logon_seq;
  // Ask for everything again: every message we ever received must come
  // back identical (PossDupFlag=Y), and any we never received shows up.
  c.send("2", {{7, "1"}, {16, "0"}});
  std::uint64_t covered = 0;  // resent or gap-filled up to here
  const auto resend_deadline = std::chrono::steady_clock::now() + 20s;
  while (covered + 1 < resend_until && std::chrono::steady_clock::now() < resend_deadline) {
    auto m = c.receive(1s);
    if (!m) {
      if (c.peer_closed(0ms)) return;  // killed during the resend
      continue;
    }
    if (m->type == "2") {  // the daemon missed our tail: gap-fill it
      c.send("4", {{123, "Y"}, {36, std::to_string(c.next_seq())}}, std::stoull(m->get(7)), true);
      continue;
    }
    if (m->type == "4") {
      // A gap fill over a message we received: the daemon no longer has it.
      const std::uint64_t new_seq = std::stoull(m->get(36));
      const auto lost = b.received.lower_bound(m->seq());
      if (lost != b.received.end() && lost->first < new_seq) {
        b.fail("message " + std::to_string(lost->first) +
               " was received and is now gap-filled: " + lost->second.printable());
      }
      covered = std::max<std::uint64_t>(covered, new_seq - 1);
      continue;
    }
    if (m->seq() < resend_until) {
      covered = std::max(covered, m->seq());
      record(b, *m);
    }
  }
  if (covered + 1 < resend_until) {
    b.fail("resend stopped at " + std::to_string(covered) + " of " +
           std::to_string(resend_until - 1));
    return;
  }
  b.expect_in = std::max(b.expect_in, resend_until + 1);

  // Trade: bursts of orders that cross each other, cancels and replaces of
  // acknowledged ones, until the connection dies.
  std::uniform_int_distribution<int> price_tick(-5, 5);
  std::uniform_int_distribution<int> qty(1, 20);
  std::uniform_int_distribution<int> action(0, 9);
  while (!stop.load()) {
    for (int i = 0; i < 8; ++i) {
      const int a = action(rng);
      if (a == 0 && !b.open.empty()) {
        const std::string orig = b.open[rng() % b.open.size()];
        c.send("F", {{11, b.comp_id + "-C" + std::to_string(++b.orders)},
                     {41, orig},
                     {55, "ACME"},
                     {54, "1"},
                     {60, utc_now()}});
      } else if (a == 1 && !b.open.empty()) {
        const std::string orig = b.open[rng() % b.open.size()];
        c.send("G", {{11, b.comp_id + "-R" + std::to_string(++b.orders)},
                     {41, orig},
                     {55, "ACME"},
                     {38, std::to_string(qty(rng) + 5)},
                     {40, "2"},
                     {44, std::to_string(100 + price_tick(rng)) + ".00"},
                     {60, utc_now()}});
      } else {
        c.send("D", {{11, b.comp_id + "-N" + std::to_string(++b.orders)},
                     {55, "ACME"},
                     {54, (rng() & 1) ? "1" : "2"},
                     {38, std::to_string(qty(rng))},
                     {40, "2"},
                     {44, std::to_string(100 + price_tick(rng)) + ".00"},
                     {59, "0"},
                     {60, utc_now()}});
      }
    }
    b.next_out = c.next_seq();
    for (;;) {
      auto m = c.receive(20ms);
      if (!m) break;
      record(b, *m);
    }
    if (c.peer_closed(0ms)) break;
  }
  b.next_out = c.next_seq();
  // Whatever is still in the socket was sent before the daemon died. When
  // the daemon lives on, it may still be working through our last orders
  // (pipelined, unanswered): read until it has been quiet for a second.
  const auto quiet =
      c.peer_closed(0ms) ? std::chrono::milliseconds(50) : std::chrono::milliseconds(1000);
  for (;;) {
    auto m = c.receive(quiet);
    if (!m) break;
    record(b, *m);
  }
}

}  // namespace matchgate::testing
