// matchgate-load: FIX 4.4 order load against any acceptor that answers
// NewOrderSingle with an ExecutionReport.
//
//   matchgate-load --port 9878 --member MEMBER1:secret-1 --closed-loop --inflight 1
//   matchgate-load --port 9878 --members-from 'MEMBER{}:secret-{}' --sessions 8 --rate 200000
//
// Latency runs from an order's start to the first answer naming its ClOrdID
// (ExecutionReport, OrderCancelReject, or a Reject naming its MsgSeqNum). In
// open loop (--rate) the start is the order's scheduled send time, not the
// moment it actually left: a stalled sender or a full socket then shows up
// as latency instead of silently thinning the load (coordinated omission).
// Exit status: 0 when every order was answered, 1 when some were not, 2 on
// setup errors.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "load.hpp"
#include "matchgate/util/decimal.hpp"

namespace {

using matchgate::load::Credentials;

Credentials parse_member(const std::string& spec) {
  const std::size_t colon = spec.find(':');
  if (colon == std::string::npos || colon == 0)
    throw CLI::ValidationError("--member", "expected COMPID:PASSWORD");
  return {spec.substr(0, colon), spec.substr(colon + 1)};
}

std::string expand(std::string pattern, int i) {
  const std::string n = std::to_string(i);
  for (std::size_t p = pattern.find("{}"); p != std::string::npos;
       p = pattern.find("{}", p + n.size())) {
    pattern.replace(p, 2, n);
  }
  return pattern;
}

matchgate::load::Mix parse_mix(const std::string& text) {
  matchgate::load::Mix mix{0, 0, 0};
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(pos, end - pos);
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos) throw CLI::ValidationError("--mix", "expected KIND=SHARE,...");
    const std::string kind = item.substr(0, eq);
    const unsigned share = static_cast<unsigned>(std::stoul(item.substr(eq + 1)));
    if (kind == "new" || kind == "passive") {
      mix.passive = share;
    } else if (kind == "cross") {
      mix.cross = share;
    } else if (kind == "cancel") {
      mix.cancel = share;
    } else {
      throw CLI::ValidationError("--mix", "unknown kind \"" + kind + "\" (new, cross, cancel)");
    }
    pos = end + 1;
  }
  if (mix.passive + mix.cross + mix.cancel == 0)
    throw CLI::ValidationError("--mix", "all shares are zero");
  return mix;
}

std::int64_t parse_price(const std::string& name, const std::string& text) {
  const auto d = matchgate::util::parse_decimal(text);
  if (!d || d.value <= 0) throw CLI::ValidationError(name, "expected a positive decimal");
  return d.value;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"matchgate-load: FIX 4.4 order load generator and latency meter"};
  matchgate::load::Options o;
  std::vector<std::string> members;
  std::string members_from;
  int sessions = 0;
  std::string mix = "new=50,cross=50";
  std::string mid = "100.00";
  std::string tick = "0.01";
  std::string json;
  bool closed_loop = false;
  app.add_option("--host", o.host, "acceptor address")->capture_default_str();
  app.add_option("--port", o.port, "acceptor port")->capture_default_str();
  app.add_option("--target", o.target_comp_id, "TargetCompID")->capture_default_str();
  app.add_option("--member", members, "COMPID:PASSWORD of one session (repeat)");
  app.add_option(
      "--members-from", members_from,
      "pattern COMPID:PASSWORD with {} replaced by 1..--sessions, e.g. 'MEMBER{}:secret-{}'");
  app.add_option("--sessions", sessions, "number of sessions (default: every --member)");
  app.add_option("--symbol", o.symbols, "symbol (repeat; orders rotate over them)")
      ->capture_default_str();
  app.add_option("--account", o.account, "Account(1) on every order (default: none)");
  app.add_option("--mid", mid, "price the order flow is centred on")->capture_default_str();
  app.add_option("--tick", tick, "price step")->capture_default_str();
  app.add_option("--levels", o.levels,
                 "passive orders rest 1..N ticks from the mid; crossing ones are N ticks through")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--qty", o.qty, "OrderQty of every order")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--mix", mix, "shares of new (passive), cross (IOC through the mid) and cancel")
      ->capture_default_str();
  app.add_option("--rate", o.rate, "open loop: orders/s over all sessions, on a fixed schedule");
  app.add_flag("--closed-loop", closed_loop,
               "closed loop: keep --inflight orders outstanding per session");
  app.add_option("--inflight", o.inflight, "closed loop: outstanding orders per session")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--duration", o.duration_s, "measured seconds")->capture_default_str();
  app.add_option("--warmup", o.warmup_s, "seconds of load before measuring")->capture_default_str();
  app.add_option("--drain-timeout", o.drain_timeout_s,
                 "seconds to wait for outstanding answers at the end")
      ->capture_default_str();
  app.add_option("--logon-timeout", o.logon_timeout_s, "seconds to wait for every Logon answer")
      ->capture_default_str();
  app.add_option("--heartbeat", o.heartbeat_s, "HeartBtInt(108) sent in the Logon")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "sender/receiver threads (sessions are spread over them)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_flag("--spin", o.spin, "busy-poll instead of sleeping in epoll (takes a whole core)");
  app.add_option("--seed", o.seed, "seed of the order mix")->capture_default_str();
  app.add_option("--json", json, "also write the results to this file");
  app.add_flag("-v,--verbose", o.verbose, "print rejects as they arrive");
  CLI11_PARSE(app, argc, argv);

  try {
    for (const auto& m : members) o.sessions.push_back(parse_member(m));
    if (!members_from.empty()) {
      if (sessions <= 0) throw CLI::ValidationError("--members-from", "needs --sessions N");
      for (int i = 1; i <= sessions; ++i)
        o.sessions.push_back(parse_member(expand(members_from, i)));
    }
    if (sessions > 0 && static_cast<std::size_t>(sessions) < o.sessions.size())
      o.sessions.resize(sessions);
    if (o.sessions.empty())
      throw CLI::ValidationError("--member", "give --member or --members-from");
    if (sessions > 0 && static_cast<std::size_t>(sessions) > o.sessions.size()) {
      throw CLI::ValidationError("--sessions",
                                 "more sessions than members (one session per member)");
    }
    if (closed_loop == (o.rate > 0))
      throw CLI::ValidationError("--rate", "give exactly one of --rate R or --closed-loop");
    if (o.duration_s <= 0 || o.warmup_s < 0)
      throw CLI::ValidationError("--duration", "must be positive");
    o.mix = parse_mix(mix);
    o.mid = parse_price("--mid", mid);
    o.tick = parse_price("--tick", tick);
    if (o.mid - o.levels * o.tick <= 0)
      throw CLI::ValidationError("--levels", "prices would go below zero");
  } catch (const CLI::Error& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "matchgate-load: %s\n", e.what());
    return 2;
  }

  matchgate::load::Results r;
  try {
    r = matchgate::load::run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "matchgate-load: %s\n", e.what());
    return 2;
  }
  matchgate::load::print_summary(o, r);
  if (!json.empty() && !matchgate::load::write_json(json, o, r)) {
    std::fprintf(stderr, "matchgate-load: cannot write %s\n", json.c_str());
    return 2;
  }
  return r.missing == 0 ? 0 : 1;
}
