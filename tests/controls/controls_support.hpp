#pragma once
// Helpers for the end-to-end tests of the trading controls: matchgate-admin
// and matchgate-wal run as an operator runs them, and waiting for the
// message a member must receive (with a deadline, never a fixed sleep).
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "gateway/gateway_test_util.hpp"
#include "support/command.hpp"
#include "support/daemon.hpp"
#include "support/fix_client.hpp"

namespace matchgate::testing::controls {

using namespace std::chrono_literals;

// matchgate-admin ARGS against the daemon's socket, as operator "tester".
inline CommandRun admin(const Daemon& d, const std::string& args) {
  return run_command("timeout 60 " + Daemon::binary("matchgate-admin") + " " + args + " --socket " +
                     d.admin_socket() + " --operator tester");
}

// A command that must succeed; its output (the answer's text and OK).
inline std::string admin_ok(const Daemon& d, const std::string& args) {
  const CommandRun r = admin(d, args);
  EXPECT_EQ(r.status, 0) << "matchgate-admin " << args << ":\n" << r.out;
  return r.out;
}

inline std::string status_of(const Daemon& d) {
  return admin_ok(d, "status");
}

// The log as `matchgate-wal dump` prints it (verified with the fixture's key).
inline std::string wal_dump(const Daemon& d) {
  const CommandRun r =
      run_command("timeout 60 " + Daemon::binary("matchgate-wal") + " dump --dir " + d.wal_dir() +
                  " --pubkey " + d.public_key_path());
  EXPECT_EQ(r.status, 0) << r.out.substr(0, 20000);
  return r.out;
}

// Lines of `text` that contain every one of `parts`.
inline std::size_t count_lines(const std::string& text, std::initializer_list<std::string> parts) {
  std::size_t n = 0;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + begin, end - begin);
    bool all = true;
    for (const std::string& p : parts) all = all && line.find(p) != std::string_view::npos;
    n += all ? 1 : 0;
    begin = end + 1;
  }
  return n;
}

inline bool polled_until(const std::function<bool()>& condition,
                         std::chrono::milliseconds within = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// A message of `type` carrying every one of `fields`.
struct Wanted {
  std::string type;
  Fields fields;
  bool matches(const FixMessage& m) const {
    if (m.type != type) return false;
    for (const auto& [tag, value] : fields) {
      if (m.get(tag) != value) return false;
    }
    return true;
  }
  std::string printable() const {
    std::string s = "35=" + type;
    for (const auto& [tag, value] : fields) s += "|" + std::to_string(tag) + "=" + value;
    return s;
  }
};

// Reads until a message matching `wanted` arrives (others are skipped and
// kept in *skipped when given); nullopt and a test failure at the deadline.
inline std::optional<FixMessage> await_message(FixClient& c, const Wanted& wanted,
                                               std::chrono::milliseconds within = 5s,
                                               std::vector<FixMessage>* skipped = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    std::optional<FixMessage> m;
    if (left.count() > 0) m = c.receive(left);
    if (!m) {
      ADD_FAILURE() << "no " << wanted.printable() << " within " << within.count() << " ms";
      return std::nullopt;
    }
    if (wanted.matches(*m)) return m;
    if (skipped != nullptr) skipped->push_back(*m);
  }
}

// A limit order (Day unless `extra` says otherwise) and its answer.
inline FixMessage order_answer(FixClient& c, const std::string& id, const std::string& symbol,
                               char side, const std::string& qty, const std::string& price,
                               const Fields& extra = {}) {
  gw::new_order(c, id, symbol, side, qty, price, extra);
  const auto m = await_message(c, Wanted{"8", {{11, id}}});
  return m ? *m : FixMessage{};
}

// OrderStatusRequest (35=H): the order's OrdStatus(39) as the daemon knows it.
inline std::string ord_status(FixClient& c, const std::string& id, const std::string& symbol,
                              char side) {
  c.send("H", {{11, id}, {55, symbol}, {54, std::string(1, side)}});
  const auto m = await_message(c, Wanted{"8", {{11, id}, {150, "I"}}});
  return m ? m->get(39) : "";
}

}  // namespace matchgate::testing::controls
