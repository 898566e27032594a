#pragma once
// A member trading through the real daemon across its lives, as the
// recovery tests that kill it (crash_test.cpp, power_cut_test.cpp) drive
// it: what it was told, and one life of its session (log on without a
// reset, a resend from MsgSeqNum 1 checked against what it was told, then
// orders until the daemon dies or the test stops it).
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "support/daemon.hpp"
#include "support/fix_client.hpp"

namespace matchgate::testing {

// What one member has been told, across all of the daemon's lives.
struct MemberBook {
  std::string comp_id;
  std::uint64_t next_out = 1;                    // our next MsgSeqNum
  std::uint64_t expect_in = 1;                   // the daemon's next MsgSeqNum as far as we know
  std::map<std::uint64_t, FixMessage> received;  // application messages, by MsgSeqNum
  std::uint64_t orders = 0;
  std::vector<std::string> open;  // ClOrdIDs acknowledged and not known done
  std::vector<std::string> failures;
  void fail(std::string what) { failures.push_back(comp_id + ": " + std::move(what)); }
};

// The fields a resend must repeat exactly: all but the header fields a
// resend changes (PossDupFlag, SendingTime, OrigSendingTime) and the frame.
std::vector<std::pair<int, std::string>> stable_fields(const FixMessage& m);

// Files an application message (by MsgSeqNum) and notes a difference from
// an earlier copy, or a copy sent twice without PossDupFlag, as a failure.
void record(MemberBook& b, const FixMessage& m);

// One life of the daemon as seen by one member: log on without a reset,
// fetch everything from MsgSeqNum 1 again (a failure if the daemon's
// MsgSeqNum went back or a message came back different), then trade until
// the daemon dies or `stop` is set; then read what is left.
void trade(const Daemon& d, MemberBook& b, std::uint64_t seed, std::atomic<bool>& stop);

}  // namespace matchgate::testing
