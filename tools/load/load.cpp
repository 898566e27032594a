#include "load.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "matchgate/fix/framer.hpp"
#include "matchgate/fix/message.hpp"
#include "matchgate/fix/tags.hpp"
#include "matchgate/fix/writer.hpp"
#include "matchgate/util/decimal.hpp"

namespace matchgate::load {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Millisecond timestamps: the coarsest precision every acceptor parses, and
// the load generator has no use for finer ones in SendingTime.
constexpr fix::TimePrecision kTimePrecision = fix::TimePrecision::Millis;

constexpr std::int64_t kAnswered = -2;

enum class Kind : std::uint8_t { Passive, Cross, Cancel };

struct Prices {
  std::vector<std::string> passive_buy;   // level 1..levels below the mid
  std::vector<std::string> passive_sell;  // above the mid
  std::string cross_buy;                  // `levels` ticks above the mid
  std::string cross_sell;
};

// Per-session PRNG (SplitMix64): deterministic for a seed, and independent
// of the standard library.
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

struct Session {
  int index = 0;  // global, part of every ClOrdID
  Credentials cred;
  int fd = -1;
  bool open = false;
  bool logged_on = false;
  bool logout_received = false;
  std::string logout_text;

  std::vector<char> in;
  std::size_t in_len = 0;
  std::string out;
  std::size_t out_off = 0;
  bool want_write = false;  // EPOLLOUT armed

  std::uint64_t next_out_seq = 1;
  std::uint64_t next_in_seq = 1;
  std::int64_t last_sent_ns = 0;

  // Per order number: when it was scheduled (open loop) or sent (closed
  // loop), kAnswered once its first answer arrived.
  std::vector<std::int64_t> start_ns;
  // Per outgoing MsgSeqNum: order number + 1, 0 for session messages. Lets a
  // Reject(3), which names only RefSeqNum, be matched to its order.
  std::vector<std::uint32_t> order_of_seq;
  std::uint64_t orders = 0;
  std::uint64_t outstanding = 0;
  std::int64_t next_sched_ns = 0;
  double interval_ns = 0;
  std::uint64_t sched_count = 0;
  std::int64_t sched_origin = 0;

  Rng rng{1};
  bool passive_buy_next = true;
  bool cross_buy_next = true;
  std::deque<std::uint64_t> resting;  // passive order numbers, oldest first (cancel targets)
  std::array<char, 512> scratch{};
};

struct Worker {
  const Options* options = nullptr;
  std::string nonce;  // makes ClOrdIDs unique across runs against one acceptor
  const std::vector<Prices>* prices = nullptr;
  int epfd = -1;
  std::vector<std::unique_ptr<Session>> sessions;
  Results results;
  std::int64_t window_start = 0;
  std::int64_t window_end = 0;
  bool stop_sending = false;
  fix::MessageView view;
  std::int64_t now = 0;

  ~Worker() {
    for (auto& s : sessions) {
      if (s->fd >= 0) ::close(s->fd);
    }
    if (epfd >= 0) ::close(epfd);
  }

  bool in_window(std::int64_t t) const { return t >= window_start && t < window_end; }

  void arm(Session& s, bool write) {
    if (!s.open || s.want_write == write) return;
    epoll_event ev{};
    ev.events = EPOLLIN | (write ? EPOLLOUT : 0u);
    ev.data.ptr = &s;
    ::epoll_ctl(epfd, EPOLL_CTL_MOD, s.fd, &ev);
    s.want_write = write;
  }

  void close_session(Session& s) {
    if (!s.open) return;
    ::epoll_ctl(epfd, EPOLL_CTL_DEL, s.fd, nullptr);
    ::close(s.fd);
    s.fd = -1;
    s.open = false;
    s.logged_on = false;
  }

  // Starts a message with the standard header; the caller adds the body and
  // calls commit().
  fix::MessageWriter begin(Session& s, std::string_view type, std::uint32_t order_plus_one) {
    fix::MessageWriter w(std::span<char>(s.scratch.data(), s.scratch.size()),
                         fix::kBeginStringFix44, kTimePrecision);
    if (s.order_of_seq.size() <= s.next_out_seq) s.order_of_seq.resize(s.next_out_seq * 2 + 16, 0);
    s.order_of_seq[s.next_out_seq] = order_plus_one;
    w.begin(type, s.cred.comp_id, options->target_comp_id, s.next_out_seq++, wall_ns());
    return w;
  }

  void commit(Session& s, fix::MessageWriter& w) {
    const fix::WriteResult r = w.finish();
    if (!r)
      throw std::runtime_error("FIX encoding failed: " + std::string(fix::to_string(r.error)));
    s.out.append(r.message);
    s.last_sent_ns = now;
  }

  std::string cl_ord_id(const Session& s, std::uint64_t order) const {
    char buf[64];
    const int n = std::snprintf(buf, sizeof buf, "%s-%d-%llu", nonce.c_str(), s.index,
                                static_cast<unsigned long long>(order));
    return std::string(buf, static_cast<std::size_t>(n));
  }

  // Order number from a ClOrdID this session made; false for anything else.
  bool parse_cl_ord_id(const Session& s, std::string_view id, std::uint64_t& order) const {
    if (id.size() <= nonce.size() + 1 || id.substr(0, nonce.size()) != nonce ||
        id[nonce.size()] != '-') {
      return false;
    }
    id.remove_prefix(nonce.size() + 1);
    const std::size_t dash = id.find('-');
    if (dash == std::string_view::npos) return false;
    int session = -1;
    auto r = std::from_chars(id.data(), id.data() + dash, session);
    if (r.ec != std::errc() || session != s.index) return false;
    r = std::from_chars(id.data() + dash + 1, id.data() + id.size(), order);
    return r.ec == std::errc() && r.ptr == id.data() + id.size() && order < s.orders;
  }

  void send_logon(Session& s) {
    auto w = begin(s, fix::msg_type::Logon, 0);
    w.add_int(fix::tag::EncryptMethod, 0)
        .add_int(fix::tag::HeartBtInt, options->heartbeat_s)
        .add_bool(fix::tag::ResetSeqNumFlag, true)
        .add_string(fix::tag::Password, s.cred.password);
    commit(s, w);
  }

  void send_logout(Session& s) {
    auto w = begin(s, fix::msg_type::Logout, 0);
    commit(s, w);
  }

  Kind pick_kind(Session& s) {
    const Mix& m = options->mix;
    const std::uint64_t total = std::uint64_t{m.passive} + m.cross + m.cancel;
    const std::uint64_t r = s.rng.next() % total;
    if (r < m.passive) return Kind::Passive;
    if (r < std::uint64_t{m.passive} + m.cross) return Kind::Cross;
    return s.resting.empty() ? Kind::Passive : Kind::Cancel;
  }

  // Encodes the next order of `s`; `start` is the time its latency is
  // measured from.
  void enqueue_order(Session& s, std::int64_t start) {
    const std::uint64_t order = s.orders++;
    s.start_ns.push_back(start);
    ++s.outstanding;
    ++results.orders_sent;
    if (in_window(start)) ++results.orders_measured;

    const Kind kind = pick_kind(s);
    const std::size_t sym = order % options->symbols.size();
    const Prices& px = (*prices)[sym];
    const std::string id = cl_ord_id(s, order);
    char qty[24];
    const auto qn = std::to_chars(qty, qty + sizeof qty, options->qty);
    const std::string_view qty_text(qty, static_cast<std::size_t>(qn.ptr - qty));

    if (kind == Kind::Cancel) {
      constexpr std::uint64_t kSellBit = std::uint64_t{1} << 63;
      const bool target_sells = (s.resting.front() & kSellBit) != 0;
      const std::uint64_t target = s.resting.front() & ~kSellBit;
      s.resting.pop_front();
      const std::string orig = cl_ord_id(s, target);
      auto w = begin(s, fix::msg_type::OrderCancelRequest, static_cast<std::uint32_t>(order + 1));
      w.add_string(fix::tag::OrigClOrdID, orig)
          .add_string(fix::tag::ClOrdID, id)
          .add_string(fix::tag::Symbol, options->symbols[target % options->symbols.size()])
          .add_char(fix::tag::Side, target_sells ? '2' : '1')
          .add_timestamp(fix::tag::TransactTime, wall_ns(), kTimePrecision)
          .add_string(fix::tag::OrderQty, qty_text);
      commit(s, w);
      return;
    }
    bool buy;
    const std::string* price;
    if (kind == Kind::Passive) {
      buy = s.passive_buy_next;
      s.passive_buy_next = !buy;
      const std::size_t level = static_cast<std::size_t>(s.rng.next() % px.passive_buy.size());
      price = buy ? &px.passive_buy[level] : &px.passive_sell[level];
    } else {
      buy = s.cross_buy_next;
      s.cross_buy_next = !buy;
      price = buy ? &px.cross_buy : &px.cross_sell;
    }
    auto w = begin(s, fix::msg_type::NewOrderSingle, static_cast<std::uint32_t>(order + 1));
    w.add_string(fix::tag::ClOrdID, id);
    if (!options->account.empty()) w.add_string(fix::tag::Account, options->account);
    w.add_string(fix::tag::Symbol, options->symbols[sym])
        .add_char(fix::tag::Side, buy ? '1' : '2')
        .add_timestamp(fix::tag::TransactTime, wall_ns(), kTimePrecision)
        .add_string(fix::tag::OrderQty, qty_text)
        .add_char(fix::tag::OrdType, '2')
        .add_decimal(fix::tag::Price, *price)
        .add_char(fix::tag::TimeInForce, kind == Kind::Cross ? '3' : '0');
    commit(s, w);
    // The side travels in the top bit, so a later cancel can repeat it
    // without a per-order table.
    if (kind == Kind::Passive) s.resting.push_back(order | (buy ? 0 : std::uint64_t{1} << 63));
  }

  void flush(Session& s) {
    while (s.open && s.out_off < s.out.size()) {
      const ssize_t n = ::send(s.fd, s.out.data() + s.out_off, s.out.size() - s.out_off,
                               MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        s.out_off += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        arm(s, true);
        return;
      }
      ++results.disconnects;
      close_session(s);
      return;
    }
    s.out.clear();
    s.out_off = 0;
    arm(s, false);
  }

  void answered(Session& s, std::uint64_t order) {
    std::int64_t& start = s.start_ns[order];
    if (start == kAnswered) return;
    ++results.orders_answered;
    --s.outstanding;
    if (in_window(start)) {
      ++results.answers_measured;
      results.latencies_ns.push_back(now - start);
    }
    start = kAnswered;
  }

  void on_message(Session& s, std::string_view frame) {
    const fix::ParseError err = view.parse(frame);
    if (!err.ok()) {
      if (options->verbose)
        std::fprintf(stderr, "session %s: unparsable message\n", s.cred.comp_id.c_str());
      return;
    }
    const auto seq = view.get_uint(fix::tag::MsgSeqNum);
    if (seq) {
      if (view.msg_type() == fix::msg_type::Logon &&
          view.get_bool(fix::tag::ResetSeqNumFlag).value_or(false)) {
        s.next_in_seq = seq.value;
      }
      if (seq.value != s.next_in_seq) ++results.sequence_gaps;
      s.next_in_seq = seq.value + 1;
    }
    const std::string_view type = view.msg_type();
    if (type.size() != 1) return;
    switch (type[0]) {
      case '8': {
        ++results.exec_reports_total;
        if (in_window(now)) ++results.exec_reports_in_window;
        const std::string_view exec_type = view.get(fix::tag::ExecType);
        if (exec_type == "F") ++results.trades;
        std::uint64_t order = 0;
        if (!parse_cl_ord_id(s, view.get(fix::tag::ClOrdID), order)) return;
        if (s.start_ns[order] != kAnswered && exec_type == "8") ++results.order_rejects;
        answered(s, order);
        return;
      }
      case '9': {
        std::uint64_t order = 0;
        if (!parse_cl_ord_id(s, view.get(fix::tag::ClOrdID), order)) return;
        if (s.start_ns[order] != kAnswered) ++results.cancel_rejects;
        answered(s, order);
        return;
      }
      case '3':
      case 'j': {
        const auto ref = view.get_uint(fix::tag::RefSeqNum);
        if (options->verbose) {
          std::fprintf(stderr, "session %s: %s: %.*s\n", s.cred.comp_id.c_str(),
                       type[0] == '3' ? "Reject" : "BusinessMessageReject",
                       static_cast<int>(view.get(fix::tag::Text).size()),
                       view.get(fix::tag::Text).data());
        }
        if (!ref || ref.value >= s.order_of_seq.size() || s.order_of_seq[ref.value] == 0) return;
        const std::uint64_t order = s.order_of_seq[ref.value] - 1;
        if (s.start_ns[order] != kAnswered) ++results.session_rejects;
        answered(s, order);
        return;
      }
      case 'A':
        s.logged_on = true;
        return;
      case '1': {
        auto w = begin(s, fix::msg_type::Heartbeat, 0);
        const std::string_view id = view.get(fix::tag::TestReqID);
        if (!id.empty()) w.add_string(fix::tag::TestReqID, id);
        commit(s, w);
        return;
      }
      case '5':
        s.logout_received = true;
        s.logout_text = std::string(view.get(fix::tag::Text));
        if (s.logged_on && !stop_sending) ++results.logouts;
        s.logged_on = false;
        return;
      default:
        return;
    }
  }

  void read_session(Session& s) {
    for (;;) {
      if (s.in_len == s.in.size()) s.in.resize(s.in.size() * 2);
      const ssize_t n = ::recv(s.fd, s.in.data() + s.in_len, s.in.size() - s.in_len, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        if (!s.logout_received) ++results.disconnects;
        close_session(s);
        return;
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        return;
      }
      now = mono_ns();
      s.in_len += static_cast<std::size_t>(n);
      std::size_t off = 0;
      while (off < s.in_len) {
        const std::string_view rest(s.in.data() + off, s.in_len - off);
        const fix::FrameResult f = fix::frame_message(rest);
        if (f.status == fix::FrameStatus::NeedMore) break;
        if (f.status == fix::FrameStatus::Garbled) {
          off += f.length;
          continue;
        }
        on_message(s, rest.substr(0, f.length));
        off += f.length;
      }
      if (off > 0) {
        std::memmove(s.in.data(), s.in.data() + off, s.in_len - off);
        s.in_len -= off;
      }
      if (static_cast<std::size_t>(n) < s.in.size() / 2) return;  // the socket is very likely empty
    }
  }

  // Waits for I/O at most `timeout_ns` (0: just look) and handles it.
  void poll_io(std::int64_t timeout_ns) {
    epoll_event events[64];
    timespec ts{};
    timeout_ns = std::max<std::int64_t>(timeout_ns, 0);
    ts.tv_sec = timeout_ns / 1'000'000'000;
    ts.tv_nsec = timeout_ns % 1'000'000'000;
    const int n = ::epoll_pwait2(epfd, events, 64, &ts, nullptr);
    now = mono_ns();
    for (int i = 0; i < n; ++i) {
      Session& s = *static_cast<Session*>(events[i].data.ptr);
      if (!s.open) continue;
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_session(s);
      if (s.open && (events[i].events & EPOLLOUT)) flush(s);
    }
  }

  void flush_all() {
    for (auto& s : sessions) {
      if (s->open && s->out_off < s->out.size()) flush(*s);
    }
  }

  std::uint64_t outstanding() const {
    std::uint64_t n = 0;
    for (const auto& s : sessions) {
      if (s->open) n += s->outstanding;
    }
    return n;
  }

  void run_load(std::int64_t t0, std::int64_t sending_end) {
    const bool open_loop = options->rate > 0;
    const std::int64_t heartbeat_ns = std::int64_t{options->heartbeat_s} * 1'000'000'000;
    for (auto& s : sessions) {
      if (open_loop) {
        // Sessions are staggered so the aggregate stream is evenly spaced.
        const double total = static_cast<double>(options->sessions.size());
        s->interval_ns = total * 1e9 / options->rate;
        s->sched_origin = t0 + static_cast<std::int64_t>(s->index * 1e9 / options->rate);
        s->next_sched_ns = s->sched_origin;
        // Growing the vector mid-run would stall the sender for milliseconds.
        s->start_ns.reserve(static_cast<std::size_t>((sending_end - t0) / s->interval_ns) + 16);
      }
    }
    std::int64_t drain_deadline = 0;
    now = mono_ns();
    for (;;) {
      if (!stop_sending && now >= sending_end) {
        stop_sending = true;
        drain_deadline = now + static_cast<std::int64_t>(options->drain_timeout_s * 1e9);
      }
      if (stop_sending && (outstanding() == 0 || now >= drain_deadline)) break;
      std::int64_t next_due = now + 1'000'000;  // bounds the wait: heartbeats, the end of the run
      for (auto& sp : sessions) {
        Session& s = *sp;
        if (!s.logged_on) continue;
        if (!stop_sending) {
          if (open_loop) {
            if (now > s.next_sched_ns) {
              results.max_behind_ns =
                  std::max<std::uint64_t>(results.max_behind_ns, now - s.next_sched_ns);
            }
            while (s.next_sched_ns <= now && s.next_sched_ns < sending_end) {
              enqueue_order(s, s.next_sched_ns);
              ++s.sched_count;
              s.next_sched_ns =
                  s.sched_origin + static_cast<std::int64_t>(s.sched_count * s.interval_ns);
            }
            next_due = std::min(next_due, s.next_sched_ns);
          } else {
            while (s.outstanding < static_cast<std::uint64_t>(options->inflight))
              enqueue_order(s, now);
          }
        }
        if (now - s.last_sent_ns >= heartbeat_ns) {
          auto w = begin(s, fix::msg_type::Heartbeat, 0);
          commit(s, w);
        }
      }
      flush_all();
      poll_io(options->spin ? 0 : next_due - mono_ns());
    }
  }
};

Prices make_prices(const Options& o) {
  Prices p;
  char buf[util::kMaxDecimalChars];
  const auto fmt = [&](std::int64_t v) {
    return std::string(buf, util::format_decimal(v, buf, sizeof buf));
  };
  for (int k = 1; k <= o.levels; ++k) {
    p.passive_buy.push_back(fmt(o.mid - k * o.tick));
    p.passive_sell.push_back(fmt(o.mid + k * o.tick));
  }
  p.cross_buy = fmt(o.mid + o.levels * o.tick);
  p.cross_sell = fmt(o.mid - o.levels * o.tick);
  return p;
}

int connect_to(const Options& o) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(o.port);
  if (::getaddrinfo(o.host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
    throw std::runtime_error("cannot resolve " + o.host);
  }
  int fd = -1;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0)
    throw std::runtime_error("cannot connect to " + o.host + ":" + port + ": " +
                             std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::string make_nonce() {
  // Base 36 of the wall clock in milliseconds: unique per run, short.
  std::uint64_t v = static_cast<std::uint64_t>(wall_ns() / 1'000'000);
  std::string s;
  do {
    s.insert(s.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36]);
    v /= 36;
  } while (v != 0);
  return s;
}

void merge(Results& into, Results&& from) {
  into.orders_sent += from.orders_sent;
  into.orders_answered += from.orders_answered;
  into.orders_measured += from.orders_measured;
  into.answers_measured += from.answers_measured;
  into.exec_reports_in_window += from.exec_reports_in_window;
  into.exec_reports_total += from.exec_reports_total;
  into.order_rejects += from.order_rejects;
  into.cancel_rejects += from.cancel_rejects;
  into.session_rejects += from.session_rejects;
  into.trades += from.trades;
  into.missing += from.missing;
  for (auto& m : from.missing_examples) {
    if (into.missing_examples.size() < 10) into.missing_examples.push_back(std::move(m));
  }
  into.sequence_gaps += from.sequence_gaps;
  into.logouts += from.logouts;
  into.disconnects += from.disconnects;
  into.max_behind_ns = std::max(into.max_behind_ns, from.max_behind_ns);
  into.latencies_ns.insert(into.latencies_ns.end(), from.latencies_ns.begin(),
                           from.latencies_ns.end());
}

}  // namespace

Results run(const Options& options) {
  if (options.sessions.empty()) throw std::runtime_error("no sessions");
  if (options.symbols.empty()) throw std::runtime_error("no symbols");
  const int nthreads =
      std::max(1, std::min<int>(options.threads, static_cast<int>(options.sessions.size())));
  std::vector<Prices> prices;
  for (std::size_t i = 0; i < options.symbols.size(); ++i) prices.push_back(make_prices(options));
  const std::string nonce = make_nonce();

  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < nthreads; ++t) {
    auto w = std::make_unique<Worker>();
    w->options = &options;
    w->nonce = nonce;
    w->prices = &prices;
    w->epfd = ::epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0) throw std::runtime_error("epoll_create1 failed");
    workers.push_back(std::move(w));
  }
  // Connect and log on everything before any order goes out, so the
  // measured window sees the steady state only.
  for (std::size_t i = 0; i < options.sessions.size(); ++i) {
    Worker& w = *workers[i % workers.size()];
    auto s = std::make_unique<Session>();
    s->index = static_cast<int>(i);
    s->cred = options.sessions[i];
    s->in.resize(1 << 20);
    s->rng.state = options.seed * 1000003 + i;
    s->fd = connect_to(options);
    s->open = true;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = s.get();
    ::epoll_ctl(w.epfd, EPOLL_CTL_ADD, s->fd, &ev);
    w.now = mono_ns();
    w.send_logon(*s);
    w.flush(*s);
    w.sessions.push_back(std::move(s));
  }
  const std::int64_t logon_deadline =
      mono_ns() + static_cast<std::int64_t>(options.logon_timeout_s * 1e9);
  for (;;) {
    bool all = true;
    for (auto& w : workers) {
      w->poll_io(1'000'000);
      for (auto& s : w->sessions) {
        if (!s->open || s->logout_received) {
          throw std::runtime_error(
              "logon of " + s->cred.comp_id + " refused" +
              (s->logout_text.empty() ? std::string() : ": " + s->logout_text));
        }
        all = all && s->logged_on;
      }
    }
    if (all) break;
    if (mono_ns() > logon_deadline) throw std::runtime_error("logon timed out");
  }

  const std::int64_t t0 = mono_ns() + 1'000'000;
  const std::int64_t window_start = t0 + static_cast<std::int64_t>(options.warmup_s * 1e9);
  const std::int64_t window_end =
      window_start + static_cast<std::int64_t>(options.duration_s * 1e9);
  for (auto& w : workers) {
    w->window_start = window_start;
    w->window_end = window_end;
    w->results.latencies_ns.reserve(static_cast<std::size_t>(
        options.rate > 0 ? options.rate * options.duration_s / nthreads + 1024 : 1 << 20));
  }
  std::vector<std::thread> threads;
  std::vector<std::string> errors(workers.size());
  for (std::size_t t = 1; t < workers.size(); ++t) {
    threads.emplace_back([&, t] {
      try {
        workers[t]->run_load(t0, window_end);
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  try {
    workers[0]->run_load(t0, window_end);
  } catch (const std::exception& e) {
    errors[0] = e.what();
  }
  for (auto& th : threads) th.join();
  for (const auto& e : errors) {
    if (!e.empty()) throw std::runtime_error(e);
  }

  // Whatever is still unanswered after the drain is missing.
  for (auto& w : workers) {
    for (auto& s : w->sessions) {
      for (std::uint64_t i = 0; i < s->orders; ++i) {
        if (s->start_ns[i] == kAnswered) continue;
        ++w->results.missing;
        if (w->results.missing_examples.size() < 10)
          w->results.missing_examples.push_back(w->cl_ord_id(*s, i));
      }
    }
  }
  // Orderly logout; a peer that does not answer within a second is closed anyway.
  for (auto& w : workers) {
    for (auto& s : w->sessions) {
      if (!s->open) continue;
      w->now = mono_ns();
      w->send_logout(*s);
      w->flush(*s);
    }
  }
  const std::int64_t logout_deadline = mono_ns() + 1'000'000'000;
  for (;;) {
    bool done = true;
    for (auto& w : workers) {
      w->poll_io(1'000'000);
      for (auto& s : w->sessions) done = done && (!s->open || s->logout_received);
    }
    if (done || mono_ns() > logout_deadline) break;
  }

  Results total;
  total.mode = options.rate > 0 ? "open-loop" : "closed-loop";
  total.measured_s = static_cast<double>(window_end - window_start) / 1e9;
  for (auto& w : workers) merge(total, std::move(w->results));
  std::sort(total.latencies_ns.begin(), total.latencies_ns.end());
  return total;
}

}  // namespace matchgate::load
