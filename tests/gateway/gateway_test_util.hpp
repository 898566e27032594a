#pragma once
// Helpers shared by the end-to-end gateway tests (session, orders,
// robustness): logons, order messages, reading the answers.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/daemon.hpp"
#include "support/fix_client.hpp"

namespace matchgate::testing::gw {

using namespace std::chrono_literals;

inline std::string password_of(const std::string& comp_id) {
  if (comp_id == "MEMBER1") return "secret-1";
  if (comp_id == "MEMBER2") return "secret-2";
  if (comp_id == "MEMBER3") return "secret-3";
  return "?";
}

// Daemon options for these tests: the gateway's ClOrdID table is sized down
// (the default, 2^20 records, costs most of the daemon's start-up time).
// (MATCHGATE_TEST_BACKEND and MATCHGATE_TEST_IDLE choose every daemon's back
// end and idle strategy: DaemonOptions.)
inline DaemonOptions small(DaemonOptions o = {}) {
  o.gateway_extra += "\nmax_tracked_orders = 4096\n";
  return o;
}

// Stops the daemon and checks that it exited cleanly: status 0 and no
// sanitizer report in its output (under MATCHGATE_SANITIZE the daemon is
// sanitized too). Prints the log on any failure of the test.
inline void stop_and_check(Daemon& d) {
  const int status = d.stop();
  const std::string log = d.log();
  EXPECT_EQ(status, 0) << "daemon exit status";
  EXPECT_EQ(log.find("Sanitizer"), std::string::npos) << "sanitizer report";
  EXPECT_EQ(log.find("runtime error:"), std::string::npos) << "sanitizer report";
  if (::testing::Test::HasFailure()) std::cerr << "daemon log:\n" << log.substr(0, 200000);
}

// Three members: the fixture's two and MEMBER3 with cancel_on_disconnect.
inline DaemonOptions three_members(DaemonOptions o = small()) {
  o.members.push_back({"MEMBER3", "secret-3", {"M3-A"}, "none", true});
  return o;
}

// A client logged on with ResetSeqNumFlag=Y (unless reset is false).
inline std::unique_ptr<FixClient> logged_on(const Daemon& d, const std::string& comp_id,
                                            bool reset = true, int heartbeat_s = 30) {
  auto c = std::make_unique<FixClient>(d.port(), comp_id);
  EXPECT_TRUE(c->logon(password_of(comp_id), reset, heartbeat_s)) << comp_id << " logon failed";
  return c;
}

// Logs on again without a sequence reset, continuing at `next_seq`. Until
// the gateway has seen the previous connection close it refuses with
// "already logged on"; retried for a bounded time. Null when it never works.
inline std::unique_ptr<FixClient> relogon(const Daemon& d, const std::string& comp_id,
                                          std::uint64_t next_seq) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto c = std::make_unique<FixClient>(d.port(), comp_id);
    c->set_next_seq(next_seq);
    c->send("A", {{98, "0"}, {108, "30"}, {554, password_of(comp_id)}});
    auto m = c->receive(5s);
    if (m && m->type == "A") return c;
    if (!m || m->get(58) != "already logged on") {
      ADD_FAILURE() << "relogon of " << comp_id << ": " << (m ? m->printable() : "no answer");
      return nullptr;
    }
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "relogon of " << comp_id << " kept being refused";
  return nullptr;
}

inline Fields order_fields(const std::string& id, const std::string& symbol, char side,
                           const std::string& qty, const std::string& price,
                           const Fields& extra = {}) {
  Fields f{{11, id}, {55, symbol}, {54, std::string(1, side)}, {38, qty}};
  f.emplace_back(40, price.empty() ? "1" : "2");
  if (!price.empty()) f.emplace_back(44, price);
  f.emplace_back(60, utc_now());
  for (const auto& e : extra) f.push_back(e);
  return f;
}

inline void new_order(FixClient& c, const std::string& id, const std::string& symbol, char side,
                      const std::string& qty, const std::string& price, const Fields& extra = {}) {
  c.send("D", order_fields(id, symbol, side, qty, price, extra));
}

// The next ExecutionReport (skipping Heartbeats); fails the test when
// anything else arrives first.
inline FixMessage next_er(FixClient& c, std::chrono::milliseconds timeout = 5s) {
  auto m = c.receive_type("8", timeout);
  if (!m) {
    ADD_FAILURE() << "no ExecutionReport";
    return {};
  }
  EXPECT_EQ(m->type, "8") << m->printable();
  return *m;
}

// The next message of `type`, skipping Heartbeats only.
inline FixMessage next_of(FixClient& c, const std::string& type,
                          std::chrono::milliseconds timeout = 5s) {
  auto m = c.receive_type(type, timeout);
  if (!m) {
    ADD_FAILURE() << "no message of type " << type;
    return {};
  }
  EXPECT_EQ(m->type, type) << m->printable();
  return *m;
}

inline double num(const std::string& s) {
  return s.empty() ? -1e300 : std::stod(s);
}

// TestRequest -> Heartbeat with the same TestReqID: the session is alive and
// in sequence. Everything before the Heartbeat goes to *before when given.
inline bool alive(FixClient& c, const std::string& id = "ping",
                  std::vector<FixMessage>* before = nullptr) {
  c.send("1", {{112, id}});
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = c.receive(1s);
    if (!m) continue;
    if (m->type == "0" && m->get(112) == id) return true;
    if (before != nullptr) before->push_back(*m);
  }
  return false;
}

// A raw loopback socket with nothing on top.
inline int raw_connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace matchgate::testing::gw
