#pragma once
// matchgate-load: the load generator's options, the run and its results.
#include <cstdint>
#include <string>
#include <vector>

namespace matchgate::load {

struct Credentials {
  std::string comp_id;
  std::string password;
};

// Shares of the order flow, in any unit (they are normalised).
struct Mix {
  // Passive Day limit order a few ticks away from the mid: rests.
  unsigned passive = 50;
  // IOC limit order priced through the mid: trades with resting liquidity
  // when there is some, otherwise expires. Equal passive and crossing shares
  // keep the books from growing without bound during long runs.
  unsigned cross = 50;
  // OrderCancelRequest for the session's oldest passive order.
  unsigned cancel = 0;
};

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9878;
  std::string target_comp_id = "MATCHGATE";
  std::vector<Credentials> sessions;
  std::vector<std::string> symbols = {"ACME"};
  std::string account;              // Account(1); empty: not sent
  std::int64_t mid = 100'00000000;  // util decimal units (10^-8)
  std::int64_t tick = 1000000;      // 0.01
  int levels = 5;
  std::int64_t qty = 1;
  Mix mix;

  double rate = 0;   // orders/s over all sessions; 0 = closed loop
  int inflight = 1;  // closed loop: outstanding orders per session
  double duration_s = 10;
  double warmup_s = 2;
  double drain_timeout_s = 5;
  double logon_timeout_s = 30;
  int heartbeat_s = 30;
  int threads = 1;
  // Poll without sleeping. Lowest latency, but on a small machine it takes a
  // core from the process under test.
  bool spin = false;
  std::uint64_t seed = 1;
  bool verbose = false;
};

struct Results {
  std::string mode;  // "open-loop" or "closed-loop"
  double measured_s = 0;
  std::uint64_t orders_sent = 0;       // whole run, warm-up and drain included
  std::uint64_t orders_answered = 0;   // got a first answer
  std::uint64_t orders_measured = 0;   // scheduled/sent inside the measured window
  std::uint64_t answers_measured = 0;  // of those, answered (their latencies are below)
  std::uint64_t exec_reports_in_window = 0;
  std::uint64_t exec_reports_total = 0;
  std::uint64_t order_rejects = 0;    // ExecutionReport with ExecType 8
  std::uint64_t cancel_rejects = 0;   // OrderCancelReject
  std::uint64_t session_rejects = 0;  // Reject(3) / BusinessMessageReject(j) naming an order
  std::uint64_t trades = 0;           // ExecutionReports with ExecType F
  std::uint64_t missing = 0;          // sent, never answered
  std::vector<std::string> missing_examples;
  std::uint64_t sequence_gaps = 0;
  std::uint64_t logouts = 0;  // unsolicited Logouts during the run
  std::uint64_t disconnects = 0;
  std::vector<std::int64_t> latencies_ns;  // sorted after finish()
  std::uint64_t max_behind_ns = 0;         // open loop: how late the sender ever was

  double orders_per_s() const { return measured_s > 0 ? orders_measured / measured_s : 0; }
  double answers_per_s() const { return measured_s > 0 ? answers_measured / measured_s : 0; }
  double exec_reports_per_s() const {
    return measured_s > 0 ? exec_reports_in_window / measured_s : 0;
  }
};

// Connects and logs on every session, runs the load, drains, logs out.
// Throws std::runtime_error when the sessions cannot be set up.
Results run(const Options& options);

// Nearest-rank percentile of sorted values, q in [0, 1].
std::int64_t percentile(const std::vector<std::int64_t>& sorted, double q);
void print_summary(const Options& options, const Results& results);
bool write_json(const std::string& path, const Options& options, const Results& results);

}  // namespace matchgate::load
