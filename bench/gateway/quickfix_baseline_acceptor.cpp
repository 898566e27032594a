// quickfix_baseline_acceptor: the reference point for matchgated's
// throughput. A FIX 4.4 acceptor built the way most FIX gateways are
// (QuickFIX ThreadedSocketAcceptor, one thread per session, MessageCracker,
// typed messages) that answers every NewOrderSingle with an
// ExecutionReport(New) and does nothing else. In-memory message store and no
// message log, so it does no more I/O than matchgated with sync = "none".
//
//   quickfix_baseline_acceptor --port P [--comp-id MATCHGATE]
//       (--member MEMBER1 ... | --members-from 'MEMBER{}' --sessions N)
//
// Runs until SIGINT/SIGTERM. Passwords are not checked.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <quickfix/Application.h>
#include <quickfix/MessageCracker.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketAcceptor.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/NewOrderSingle.h>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

class Responder : public FIX::Application, public FIX::MessageCracker {
 public:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {}
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override {}
  void fromApp(const FIX::Message& message,
               const FIX::SessionID& session) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                    FIX::IncorrectTagValue,
                                                    FIX::UnsupportedMessageType) override {
    crack(message, session);
  }

  void onMessage(const FIX44::NewOrderSingle& order, const FIX::SessionID& session) override {
    FIX::ClOrdID cl_ord_id;
    FIX::Symbol symbol;
    FIX::Side side;
    FIX::OrderQty qty;
    order.get(cl_ord_id);
    order.get(symbol);
    order.get(side);
    order.get(qty);
    // Sessions run on their own threads; ids must stay unique across them.
    const unsigned long long n = ++next_id_;
    FIX44::ExecutionReport report(FIX::OrderID(std::to_string(n)), FIX::ExecID(std::to_string(n)),
                                  FIX::ExecType(FIX::ExecType_NEW),
                                  FIX::OrdStatus(FIX::OrdStatus_NEW), side,
                                  FIX::LeavesQty(qty.getValue()), FIX::CumQty(0), FIX::AvgPx(0));
    report.set(cl_ord_id);
    report.set(symbol);
    report.set(qty);
    if (order.isSetField(FIX::FIELD::Price)) {
      FIX::Price price;
      order.get(price);
      report.set(price);
    }
    report.set(FIX::TransactTime());
    FIX::Session::sendToTarget(report, session);
  }

 private:
  std::atomic<unsigned long long> next_id_{0};
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(
      stderr,
      "quickfix_baseline_acceptor: %s\nusage: quickfix_baseline_acceptor --port P [--comp-id ID] "
      "(--member COMPID ... | --members-from PATTERN --sessions N)\n",
      why);
  std::exit(2);
}

std::string expand(std::string pattern, int i) {
  const std::string n = std::to_string(i);
  for (std::size_t p = pattern.find("{}"); p != std::string::npos;
       p = pattern.find("{}", p + n.size())) {
    pattern.replace(p, 2, n);
  }
  return pattern;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  int sessions = 0;
  std::string comp_id = "MATCHGATE";
  std::string pattern;
  std::vector<std::string> members;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + a).c_str());
    const std::string v = argv[++i];
    if (a == "--port") {
      port = std::atoi(v.c_str());
    } else if (a == "--comp-id") {
      comp_id = v;
    } else if (a == "--member") {
      // COMPID or COMPID:PASSWORD, so matchgate-load's flags can be reused.
      members.push_back(v.substr(0, v.find(':')));
    } else if (a == "--members-from") {
      pattern = v;
    } else if (a == "--sessions") {
      sessions = std::atoi(v.c_str());
    } else {
      usage(("unknown option " + a).c_str());
    }
  }
  for (int i = 1; !pattern.empty() && i <= sessions; ++i) {
    const std::string m = expand(pattern, i);
    members.push_back(m.substr(0, m.find(':')));
  }
  if (port <= 0 || port > 65535) usage("--port is required");
  if (members.empty()) usage("no members");

  std::ostringstream cfg;
  cfg << "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=" << port
      << "\nSocketReuseAddress=Y\nSocketNodelay=Y\nStartTime=00:00:00\nEndTime=00:00:00\n"
         "UseDataDictionary=N\nResetOnLogon=Y\nResetOnLogout=Y\nResetOnDisconnect=Y\n"
         "BeginString=FIX.4.4\nSenderCompID="
      << comp_id << "\n";
  for (const auto& m : members) cfg << "\n[SESSION]\nTargetCompID=" << m << "\n";
  std::istringstream in(cfg.str());

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    FIX::SessionSettings settings(in);
    Responder app;
    FIX::MemoryStoreFactory store;
    FIX::ThreadedSocketAcceptor acceptor(app, store, settings);
    acceptor.start();
    std::printf("quickfix_baseline_acceptor: listening on %d, %zu sessions\n", port,
                members.size());
    std::fflush(stdout);
    while (!g_stop) ::usleep(50 * 1000);
    acceptor.stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quickfix_baseline_acceptor: %s\n", e.what());
    return 1;
  }
  return 0;
}
