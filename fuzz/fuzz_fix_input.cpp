// Fuzz target: what a member's bytes do to the gateway, at the highest
// level that runs without sockets and threads. A byte stream goes through
// the framer (fix::frame_message), MessageView::parse, a member's
// fix::Session (logon checks, sequence numbers, resend, rejects, timers)
// and, for the application messages the session passes, OrderEntry with a
// real engine shard driven step by step (the in-process fixture of
// tests/gateway/order_entry_fixture.hpp). The connection handling mirrors
// gateway::Connections::on_data / handle_frame; the password check (the
// authenticator's thread) is taken as passed.
//
// Input: one flags byte, then the stream. Flags bit 0 set: the rest is
// lines ('\n'), each a message body in pipe notation ("35=A|49=M1|...|",
// '|' standing for SOH) that gets 8=FIX.4.4, BodyLength and CheckSum
// around it, so mutations reach the session instead of dying in the
// framer. Bit 0 clear: the rest is the raw stream. Bits 1-2: the size of
// the reads the stream arrives in; bits 3-4: how far the clock moves after
// each read (the session's timers run then).
//
// Besides sanitizer reports, every message the gateway sends must frame as
// exactly one complete FIX 4.4 message and parse.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "matchgate/fix/framer.hpp"
#include "matchgate/fix/message.hpp"
#include "matchgate/fix/session.hpp"
#include "matchgate/gateway/answers.hpp"
#include "matchgate/gateway/order_entry.hpp"
#include "matchgate/gateway/session_table.hpp"
#include "matchgate/gateway/shard_agent.hpp"
#include "matchgate/gateway/shard_router.hpp"

namespace matchgate::fuzz {
namespace {

using namespace gateway;

constexpr std::int64_t kT0 = 1'710'495'000LL * 1'000'000'000;  // 2024-03-15 09:30:00 UTC
constexpr std::size_t kMaxMessageBytes = 8192;

[[noreturn]] void fail(const char* what, std::string_view bytes) {
  std::fprintf(stderr, "fuzz_fix_input: %s: %.*s\n", what, static_cast<int>(bytes.size()),
               bytes.data());
  std::abort();
}

// Everything the gateway sends must be one well-formed FIX 4.4 message.
class CheckingSink final : public fix::SessionSink {
 public:
  void on_send(std::uint32_t, const fix::Outgoing& o) override {
    const fix::FrameResult f =
        fix::frame_message(o.bytes, {fix::kBeginStringFix44, 2 * kMaxMessageBytes});
    if (f.status != fix::FrameStatus::Complete || f.length != o.bytes.size()) {
      fail("sent a message that does not frame", o.bytes);
    }
    fix::MessageView view;
    if (!view.parse(o.bytes).ok()) fail("sent a message that does not parse", o.bytes);
  }
};

NetworkOptions network_options() {
  NetworkOptions o;
  o.comp_id = "GW";
  MemberOptions limited{"M1", "", {"M1-A", "M1-B"}, false, {}, {}};
  limited.limits.credit_limit = 1'000'000 * engine::kPriceScale;
  limited.limits.max_order_value = 100'000 * engine::kPriceScale;
  limited.limits.max_open_orders = 20;
  limited.limits.max_messages_per_s = 50;
  MemberOptions cancelling{"M2", "", {"M2-A"}, true, {}, {}};
  MemberOptions drop_copy{"DC", "", {}, false, {}, {0, 1}};
  o.members = {limited, cancelling, drop_copy};
  o.instruments = {{"ACME", 0, 0, 100 * engine::kPriceScale, 1, 1000 * engine::kPriceScale,
                    engine::kPriceScale / 100, 1},
                   {"BOLT", 0, 1, 10 * engine::kPriceScale, 1, 1000 * engine::kPriceScale,
                    engine::kPriceScale / 100, 1}};
  o.server.max_message_bytes = kMaxMessageBytes;
  o.max_records = 256;
  o.resend_buffer_bytes = std::size_t{1} << 20;
  o.resend_buffer_prefault = false;
  o.dedup.max_keys = 256;
  return o;
}

std::vector<engine::InstrumentSpec> shard_instruments() {
  const engine::Price cent = engine::kPriceScale / 100;
  return {{"ACME", cent, 1, 1000, 1, engine::kMaxPrice},
          {"BOLT", cent, 1, 1000, 1, engine::kMaxPrice}};
}

engine::EngineOptions engine_options() {
  engine::EngineOptions e;
  e.max_orders = 1024;
  return e;
}

// One network thread's order path and one shard, fresh for every input so
// that a finding reproduces from its input alone.
struct World {
  World()
      : options(network_options()),
        requests(256),
        replies(256),
        sessions(options, sink, clock),
        answers(0, options, sessions, clock),
        router({&requests}, options.instruments, clock),
        controls(options.members.size(), options.instruments.size()),
        entry(0, options, answers, router, clock, controls),
        shard(0, shard_instruments(), std::vector<engine::MemberSpec>(options.members.size()),
              engine_options(), {&requests}, {&replies}, options.max_records) {
    clock.wall_ns = kT0;
    clock.mono_ns = 1;
  }

  // The shard takes every request, order entry every reply.
  void settle() {
    while (shard.do_work() > 0 || !replies.empty_approx()) {
      replies.drain([this](const ShardReply& r) { entry.on_reply(r); });
    }
  }

  util::ThreadClock clock;
  NetworkOptions options;
  CheckingSink sink;
  RequestRing requests;
  ReplyRing replies;
  SessionTable sessions;
  Answers answers;
  ShardRouter router;
  risk::TradingControls controls;
  OrderEntry entry;
  ShardAgent shard;
};

// One member connection after another, as gateway::Connections runs them.
class Connection {
 public:
  explicit Connection(World& world) : world_(world) {}

  // Appends a read to the receive buffer and consumes what it completes.
  void on_data(std::string_view data);
  void on_timer();

 private:
  enum class State : std::uint8_t { AwaitLogon, LoggedOn };
  void handle_frame(std::string_view frame);
  void handle_logon();
  void close();

  World& world_;
  State state_ = State::AwaitLogon;
  engine::MemberId member_ = 0;
  std::string buffer_;
  fix::MessageView view_;
};

void Connection::on_data(std::string_view data) {
  buffer_.append(data);
  std::string_view rest = buffer_;
  std::size_t consumed = 0;
  while (!rest.empty() && world_.entry.has_room()) {
    const fix::FrameResult f = fix::frame_message(rest, {fix::kBeginStringFix44, kMaxMessageBytes});
    if (f.status == fix::FrameStatus::NeedMore) break;
    consumed += f.length;
    if (f.status == fix::FrameStatus::Garbled) {
      rest.remove_prefix(f.length);
      if (state_ == State::AwaitLogon) {
        buffer_.clear();  // not a client: the connection closes with its bytes
        return;
      }
      world_.sessions[member_].on_garbled();
      continue;
    }
    handle_frame(rest.substr(0, f.length));
    rest.remove_prefix(f.length);
  }
  buffer_.erase(0, consumed);
}

void Connection::handle_frame(std::string_view frame) {
  const fix::ParseError error = view_.parse(frame);
  if (state_ == State::AwaitLogon) {
    if (error.ok() && view_.msg_type() == fix::msg_type::Logon) handle_logon();
    return;
  }
  fix::Session& s = world_.sessions[member_];
  if (!error.ok()) {
    if (error.garbled()) {
      s.on_garbled();
    } else {
      s.on_malformed(frame, error);
    }
    return;
  }
  switch (s.on_message(view_)) {
    case fix::Verdict::Application:
      world_.entry.on_message(member_, view_.get_uint(fix::tag::MsgSeqNum).value, view_);
      world_.settle();
      return;
    case fix::Verdict::Close:
      close();
      return;
    case fix::Verdict::Handled:
      return;
  }
}

void Connection::handle_logon() {
  engine::MemberId member = 0;
  if (!world_.sessions.find(view_.get(fix::tag::SenderCompID), member)) return;
  if (view_.get(fix::tag::TargetCompID) != world_.options.comp_id) return;
  fix::Session& s = world_.sessions[member];
  const fix::LogonCheck check = s.check_logon(view_);
  if (!check.ok || view_.get(fix::tag::Password).empty()) return;
  if (!s.accept_logon(check.request).empty()) return;
  member_ = member;
  state_ = State::LoggedOn;
}

void Connection::on_timer() {
  if (state_ == State::LoggedOn && world_.sessions[member_].on_timer() == fix::Verdict::Close) {
    close();
  }
}

void Connection::close() {
  world_.sessions[member_].on_disconnect();
  if (world_.options.members[member_].cancel_on_disconnect) {
    world_.entry.mass_cancel(member_);
    world_.settle();
  }
  state_ = State::AwaitLogon;
}

// Lines of pipe-notation bodies, each framed with a right BodyLength and
// CheckSum.
std::string framed_lines(std::string_view lines) {
  std::string stream;
  while (!lines.empty()) {
    const std::size_t end = std::min(lines.find('\n'), lines.size());
    std::string body(lines.substr(0, end));
    lines.remove_prefix(std::min(end + 1, lines.size()));
    for (char& c : body) {
      if (c == '|') c = fix::kSoh;
    }
    std::string message =
        "8=FIX.4.4\x01"
        "9=" +
        std::to_string(body.size()) + '\x01' + body;
    char trailer[8];
    std::snprintf(trailer, sizeof trailer, "10=%03u\x01", unsigned{fix::checksum(message)});
    stream += message + trailer;
  }
  return stream;
}

void run(std::uint8_t flags, std::string_view input) {
  static constexpr std::size_t kReadSizes[] = {1 << 20, 1, 7, 100};
  static constexpr std::int64_t kClockSteps[] = {0, 1'000'000, 1'000'000'000, 31'000'000'000};
  const std::string stream = (flags & 1) != 0 ? framed_lines(input) : std::string(input);
  const std::size_t read_size = kReadSizes[(flags >> 1) & 3];
  const std::int64_t step = kClockSteps[(flags >> 3) & 3];
  World world;
  Connection connection(world);
  for (std::size_t at = 0; at < stream.size(); at += read_size) {
    connection.on_data(std::string_view(stream).substr(at, read_size));
    world.clock.mono_ns += step;
    world.clock.wall_ns += step;
    connection.on_timer();
  }
}

}  // namespace
}  // namespace matchgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  matchgate::fuzz::run(data[0],
                       std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
