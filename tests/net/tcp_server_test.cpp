// Every case runs against both backends. Server and clients live on the test
// thread: the loop alternates server.poll() with non-blocking client I/O, so
// nothing races and every wait is a bounded number of iterations.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "matchgate/net/tcp_server.hpp"

namespace matchgate::net {
namespace {

// ---- framing used by the test handler: u32 little-endian length + payload

std::string frame(const std::string& payload) {
  std::string f(4, '\0');
  const auto n = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i)
    f[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return f + payload;
}

std::uint32_t frame_len(const char* p) {
  std::uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= std::uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return n;
}

std::string random_payload(std::mt19937& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& ch : s) ch = static_cast<char>('a' + rng() % 26);
  return s;
}

// ---- non-blocking loopback client

class Client {
 public:
  explicit Client(std::uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    connect_failed_ = rc != 0 && errno != EINPROGRESS;
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void queue(const std::string& bytes) { out_ += bytes; }
  void set_reading(bool on) { reading_ = on; }
  void set_max_write(std::size_t n) { max_write_ = n; }

  // Writes what the socket takes, reads what is there.
  void pump() {
    if (fd_ < 0) return;
    while (out_off_ < out_.size()) {
      const std::size_t n = std::min(out_.size() - out_off_, max_write_);
      const ssize_t w = ::send(fd_, out_.data() + out_off_, n, MSG_NOSIGNAL);
      if (w <= 0) break;
      out_off_ += static_cast<std::size_t>(w);
    }
    if (out_off_ == out_.size()) out_.clear(), out_off_ = 0;
    if (!reading_) return;
    char buf[65536];
    for (int i = 0; i < 64; ++i) {
      const ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
      if (r > 0) {
        in_.append(buf, static_cast<std::size_t>(r));
        continue;
      }
      if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) eof_ = true;
      break;
    }
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // RST instead of FIN.
  void abort() {
    linger lg{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close();
  }

  const std::string& in() const { return in_; }
  bool eof() const { return eof_; }
  bool sent_all() const { return out_.empty(); }
  bool connect_failed() const { return connect_failed_; }

 private:
  int fd_ = -1;
  bool connect_failed_ = false;
  bool reading_ = true;
  bool eof_ = false;
  std::size_t max_write_ = 1 << 20;
  std::string out_;
  std::size_t out_off_ = 0;
  std::string in_;
};

// ---- handler: echoes complete frames, records everything

struct ConnRecord {
  std::size_t frames = 0;
  std::size_t on_data_calls = 0;
  std::size_t bytes_presented = 0;
};

class EchoHandler : public ConnectionHandler {
 public:
  bool on_accept(ConnectionId id, const PeerAddress& peer) override {
    accepted.push_back(id);
    last_peer = peer;
    conns[id.value()];
    return accept_connections;
  }

  std::size_t on_data(ConnectionId id, std::span<const char> data) override {
    ConnRecord& r = conns[id.value()];
    ++r.on_data_calls;
    r.bytes_presented += data.size();
    if (on_data_hook) return on_data_hook(id, data);
    return echo_frames(id, data, SIZE_MAX);
  }

  void on_close(ConnectionId id, CloseReason reason) override {
    ++close_calls[id.value()];
    closes[id.value()] = reason;
  }

  std::size_t echo_frames(ConnectionId id, std::span<const char> data, std::size_t max_frames) {
    std::size_t off = 0;
    std::size_t n = 0;
    while (n < max_frames && data.size() - off >= 4) {
      const std::uint32_t len = frame_len(data.data() + off);
      if (data.size() - off - 4 < len) break;
      if (server != nullptr && !server->send(id, data.subspan(off, 4 + len))) ++send_failures;
      off += 4 + len;
      ++n;
      ++conns[id.value()].frames;
    }
    return off;
  }

  bool closed(ConnectionId id) const { return closes.count(id.value()) != 0; }
  std::size_t frames(ConnectionId id) { return conns[id.value()].frames; }

  TcpServer* server = nullptr;
  bool accept_connections = true;
  std::function<std::size_t(ConnectionId, std::span<const char>)> on_data_hook;
  std::vector<ConnectionId> accepted;
  std::map<std::uint64_t, ConnRecord> conns;
  std::map<std::uint64_t, CloseReason> closes;
  std::map<std::uint64_t, int> close_calls;
  std::size_t send_failures = 0;
  PeerAddress last_peer;
};

// ---- fixture

class TcpServerTest : public ::testing::TestWithParam<Backend> {
 protected:
  void start(ServerOptions opt = {}) {
    opt.host = "127.0.0.1";
    opt.port = 0;
    server_ = make_tcp_server(GetParam(), opt, handler_);
    handler_.server = server_.get();
    ASSERT_EQ(server_->backend(), GetParam());
    ASSERT_NE(server_->port(), 0);
  }

  // Drives server and clients until pred() holds; false if it never did.
  bool pump_until(const std::vector<Client*>& clients, const std::function<bool()>& pred,
                  int max_iters = 20000) {
    for (int i = 0; i < max_iters; ++i) {
      server_->poll(std::chrono::microseconds(200));
      for (Client* c : clients) c->pump();
      if (pred()) return true;
    }
    return false;
  }
  void pump_for(const std::vector<Client*>& clients, int iters) {
    pump_until(
        clients, [] { return false; }, iters);
  }

  std::unique_ptr<Client> connect_one(int rcvbuf = 0) {
    auto c = std::make_unique<Client>(server_->port(), rcvbuf);
    EXPECT_FALSE(c->connect_failed());
    const std::size_t before = handler_.accepted.size();
    EXPECT_TRUE(pump_until({c.get()}, [&] { return handler_.accepted.size() > before; }));
    return c;
  }

  EchoHandler handler_;
  std::unique_ptr<TcpServer> server_;
};

std::string make_messages(std::mt19937& rng, int count, std::size_t max_payload) {
  std::string all;
  for (int i = 0; i < count; ++i) all += frame(random_payload(rng, 1 + rng() % max_payload));
  return all;
}

TEST_P(TcpServerTest, EchoesManyMessagesOfManySizes) {
  ServerOptions opt;
  opt.max_message_bytes = 4096;
  // The client pipelines all 4 MB before reading anything back; a
  // real client that floods without reading is what the bound is for.
  opt.max_output_bytes = 8 << 20;
  start(opt);
  auto c = connect_one();
  std::mt19937 rng(42);
  const std::string msgs = make_messages(rng, 2000, opt.max_message_bytes - 4);
  // Odd write sizes split frames at arbitrary points.
  c->set_max_write(3001);
  c->queue(msgs);
  ASSERT_TRUE(pump_until({c.get()}, [&] { return c->in().size() >= msgs.size(); }))
      << "client got " << c->in().size() << " of " << msgs.size() << ", server received "
      << server_->stats().bytes_received << " sent " << server_->stats().bytes_sent << " frames "
      << handler_.frames(handler_.accepted[0]) << " closes " << handler_.closes.size() << " reason "
      << (handler_.closes.empty() ? "" : to_string(handler_.closes.begin()->second))
      << " send_calls " << server_->stats().send_calls << " ovf "
      << server_->stats().output_overflows;
  EXPECT_EQ(c->in(), msgs);
  EXPECT_EQ(handler_.frames(handler_.accepted[0]), 2000u);
  EXPECT_EQ(server_->stats().bytes_received, msgs.size());
  // The client can see the bytes before the server has seen its send complete.
  EXPECT_TRUE(pump_until({c.get()}, [&] { return server_->stats().bytes_sent == msgs.size(); }));
  EXPECT_EQ(handler_.last_peer.host_view(), "127.0.0.1");
  EXPECT_NE(handler_.last_peer.port, 0);
}

TEST_P(TcpServerTest, ServesHundredConcurrentClients) {
  ServerOptions opt;
  opt.max_connections = 128;
  start(opt);
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<Client*> raw;
  std::vector<std::string> expected;
  std::mt19937 rng(7);
  for (int i = 0; i < 100; ++i) {
    clients.push_back(std::make_unique<Client>(server_->port()));
    raw.push_back(clients.back().get());
    expected.push_back(make_messages(rng, 40, 1500));
    clients.back()->queue(expected.back());
  }
  ASSERT_TRUE(pump_until(raw, [&] {
    for (std::size_t i = 0; i < clients.size(); ++i)
      if (clients[i]->in().size() < expected[i].size()) return false;
    return true;
  }));
  for (std::size_t i = 0; i < clients.size(); ++i)
    EXPECT_EQ(clients[i]->in(), expected[i]) << "client " << i;
  EXPECT_EQ(server_->connection_count(), 100u);
  EXPECT_EQ(handler_.accepted.size(), 100u);
}

TEST_P(TcpServerTest, ClientDisconnectMidStreamGivesOnClose) {
  start();
  auto a = connect_one();
  auto b = connect_one();
  const ConnectionId ida = handler_.accepted[0];
  const ConnectionId idb = handler_.accepted[1];
  // Half a frame: the handler keeps it buffered, then the peer goes away.
  const std::string f = frame(std::string(1000, 'x'));
  a->queue(f.substr(0, 600));
  b->queue(f.substr(0, 600));
  ASSERT_TRUE(pump_until({a.get(), b.get()}, [&] {
    return handler_.conns[ida.value()].bytes_presented > 0 &&
           handler_.conns[idb.value()].bytes_presented > 0;
  }));
  a->close();
  b->abort();
  ASSERT_TRUE(pump_until({}, [&] { return handler_.closed(ida) && handler_.closed(idb); }));
  EXPECT_EQ(handler_.closes[ida.value()], CloseReason::PeerClosed);
  EXPECT_TRUE(handler_.closes[idb.value()] == CloseReason::Error ||
              handler_.closes[idb.value()] == CloseReason::PeerClosed);
  EXPECT_EQ(handler_.close_calls[ida.value()], 1);
  EXPECT_EQ(handler_.close_calls[idb.value()], 1);
  EXPECT_FALSE(server_->is_open(ida));
  EXPECT_EQ(server_->connection_count(), 0u);
  EXPECT_EQ(server_->stats().closed, 2u);
}

TEST_P(TcpServerTest, ServerCloseSendsBufferedOutputThenDisconnects) {
  start();
  auto c = connect_one();
  const ConnectionId id = handler_.accepted[0];
  std::mt19937 rng(3);
  const std::string goodbye = random_payload(rng, 200000);
  ASSERT_TRUE(server_->send(id, goodbye));
  server_->close(id);
  EXPECT_FALSE(server_->is_open(id));
  EXPECT_FALSE(server_->send(id, std::string("late")));
  ASSERT_TRUE(pump_until({c.get()}, [&] { return c->eof(); }));
  EXPECT_EQ(c->in(), goodbye);
  ASSERT_TRUE(handler_.closed(id));
  EXPECT_EQ(handler_.closes[id.value()], CloseReason::LocalClose);
  EXPECT_EQ(handler_.close_calls[id.value()], 1);
  server_->close(id);  // stale: no effect, no second on_close
  pump_for({}, 20);
  EXPECT_EQ(handler_.close_calls[id.value()], 1);
}

TEST_P(TcpServerTest, RefusesConnectionsBeyondMax) {
  ServerOptions opt;
  opt.max_connections = 2;
  start(opt);
  auto a = connect_one();
  auto b = connect_one();
  Client extra(server_->port());
  ASSERT_TRUE(pump_until({&extra}, [&] { return extra.eof(); }));
  EXPECT_EQ(server_->stats().refused_over_limit, 1u);
  EXPECT_EQ(handler_.accepted.size(), 2u);
  EXPECT_TRUE(extra.in().empty());
  // The two admitted clients are still served.
  const std::string m = frame("still here");
  a->queue(m);
  b->queue(m);
  ASSERT_TRUE(pump_until({a.get(), b.get()}, [&] { return a->in() == m && b->in() == m; }));
  // A freed slot admits the next client.
  a->close();
  ASSERT_TRUE(pump_until({}, [&] { return server_->connection_count() == 1; }));
  auto c = connect_one();
  EXPECT_EQ(handler_.accepted.size(), 3u);
  c->queue(m);
  ASSERT_TRUE(pump_until({c.get()}, [&] { return c->in() == m; }));
}

TEST_P(TcpServerTest, HandlerCanRejectConnection) {
  start();
  handler_.accept_connections = false;
  Client c(server_->port());
  ASSERT_TRUE(pump_until({&c}, [&] { return c.eof(); }));
  EXPECT_EQ(server_->stats().rejected_by_handler, 1u);
  EXPECT_TRUE(handler_.closes.empty());
  EXPECT_EQ(server_->connection_count(), 0u);
}

TEST_P(TcpServerTest, PauseHoldsDataAndResumeDeliversAllOfIt) {
  start();
  auto c = connect_one();
  const ConnectionId id = handler_.accepted[0];
  server_->pause_reading(id);
  std::mt19937 rng(11);
  const std::string msgs = make_messages(rng, 300, 2000);
  c->queue(msgs);
  pump_for({c.get()}, 300);
  EXPECT_EQ(handler_.conns[id.value()].on_data_calls, 0u);
  EXPECT_TRUE(c->in().empty());
  EXPECT_TRUE(server_->is_open(id));
  server_->resume_reading(id);
  ASSERT_TRUE(pump_until({c.get()}, [&] { return c->in().size() >= msgs.size(); }));
  EXPECT_EQ(c->in(), msgs);
  // Pause and resume again mid-stream.
  server_->pause_reading(id);
  const std::string more = make_messages(rng, 100, 3000);
  c->queue(more);
  pump_for({c.get()}, 100);
  server_->resume_reading(id);
  ASSERT_TRUE(pump_until({c.get()}, [&] { return c->in().size() >= msgs.size() + more.size(); }));
  EXPECT_EQ(c->in(), msgs + more);
}

// Backpressure from the handler itself: it takes a few frames, pauses
// inside on_data, and the unconsumed bytes must come back after resume
// without the client sending anything new.
TEST_P(TcpServerTest, PauseInsideOnDataRepresentsUnconsumedBytesOnResume) {
  start();
  auto c = connect_one();
  const ConnectionId id = handler_.accepted[0];
  // Three frames fill the pretend downstream ring.
  handler_.on_data_hook = [&](ConnectionId cid, std::span<const char> data) {
    const std::size_t before = handler_.frames(cid);
    const std::size_t used = handler_.echo_frames(cid, data, 3);
    if (handler_.frames(cid) - before == 3) server_->pause_reading(cid);
    return used;
  };
  std::mt19937 rng(5);
  const std::string msgs = make_messages(rng, 200, 500);
  c->queue(msgs);
  for (int round = 0; round < 2000 && c->in().size() < msgs.size(); ++round) {
    pump_for({c.get()}, 3);
    server_->resume_reading(id);
  }
  ASSERT_TRUE(pump_until(
      {c.get()}, [&] { return c->in().size() >= msgs.size(); }, 200));
  EXPECT_EQ(c->in(), msgs);
  EXPECT_EQ(handler_.frames(id), 200u);
}

TEST_P(TcpServerTest, SlowReaderIsDisconnectedWhileOthersAreServed) {
  ServerOptions opt;
  opt.max_output_bytes = 64 * 1024;
  opt.socket_send_buffer = 16 * 1024;
  start(opt);
  auto slow = connect_one(16 * 1024);
  slow->set_reading(false);
  const ConnectionId slow_id = handler_.accepted[0];
  auto fast = connect_one();
  const std::string chunk(4096, 'z');
  std::mt19937 rng(9);
  std::string expected;
  bool refused = false;
  for (int i = 0; i < 20000 && server_->is_open(slow_id); ++i) {
    if (!server_->send(slow_id, chunk)) refused = true;
    const std::string m = frame(random_payload(rng, 100));
    fast->queue(m);
    expected += m;
    server_->poll(std::chrono::microseconds(100));
    fast->pump();
    slow->pump();
  }
  EXPECT_TRUE(refused);
  ASSERT_TRUE(pump_until({fast.get()}, [&] { return handler_.closed(slow_id); }));
  EXPECT_EQ(handler_.closes[slow_id.value()], CloseReason::OutputOverflow);
  EXPECT_GE(server_->stats().output_overflows, 1u);
  ASSERT_TRUE(pump_until({fast.get()}, [&] { return fast->in().size() >= expected.size(); }));
  EXPECT_EQ(fast->in(), expected);
  const std::string after = frame("after");
  fast->queue(after);
  ASSERT_TRUE(pump_until({fast.get()},
                         [&] { return fast->in().size() >= expected.size() + after.size(); }));
  EXPECT_EQ(server_->connection_count(), 1u);
}

// Few small provided buffers and many senders at once: the multishot recvs
// run the buffer ring dry, end with ENOBUFS and must be re-armed without
// losing or reordering bytes. (Asio has no buffer ring; same traffic.)
TEST_P(TcpServerTest, SurvivesProvidedBufferExhaustionWithoutDataLoss) {
  ServerOptions opt;
  opt.recv_buffer_count = 4;
  opt.recv_buffer_bytes = 512;
  opt.max_message_bytes = 1024;
  opt.max_connections = 64;
  start(opt);
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<Client*> raw;
  std::vector<std::string> expected;
  std::mt19937 rng(13);
  for (int i = 0; i < 24; ++i) {
    clients.push_back(connect_one());
    raw.push_back(clients.back().get());
  }
  for (auto& c : clients) {
    expected.push_back(make_messages(rng, 150, 1000));
    c->queue(expected.back());
    c->pump();
  }
  ASSERT_TRUE(pump_until(raw, [&] {
    for (std::size_t i = 0; i < clients.size(); ++i)
      if (clients[i]->in().size() < expected[i].size()) return false;
    return true;
  }));
  for (std::size_t i = 0; i < clients.size(); ++i)
    EXPECT_EQ(clients[i]->in(), expected[i]) << "client " << i;
  if (GetParam() == Backend::IoUring) {
    EXPECT_GT(server_->stats().recv_buffers_exhausted, 0u);
    EXPECT_GT(server_->stats().recv_rearms, 0u);
  } else {  // Asio reads into each connection's own buffer: nothing to run dry
    EXPECT_EQ(server_->stats().recv_buffers_exhausted, 0u);
    EXPECT_EQ(server_->stats().recv_rearms, 0u);
  }
}

TEST_P(TcpServerTest, StaleIdIsIgnoredAfterSlotReuse) {
  ServerOptions opt;
  opt.max_connections = 1;
  start(opt);
  auto a = connect_one();
  const ConnectionId old_id = handler_.accepted[0];
  a->close();
  ASSERT_TRUE(
      pump_until({}, [&] { return handler_.closed(old_id) && server_->connection_count() == 0; }));
  auto b = connect_one();
  const ConnectionId new_id = handler_.accepted[1];
  EXPECT_EQ(old_id.slot(), new_id.slot());
  EXPECT_NE(old_id, new_id);
  EXPECT_FALSE(server_->is_open(old_id));
  EXPECT_TRUE(server_->is_open(new_id));
  EXPECT_FALSE(server_->send(old_id, std::string("for the old one")));
  server_->pause_reading(old_id);
  server_->close(old_id);
  const std::string m = frame("new one");
  b->queue(m);
  ASSERT_TRUE(pump_until({b.get()}, [&] { return b->in().size() >= m.size(); }));
  EXPECT_EQ(b->in(), m);
  EXPECT_TRUE(server_->is_open(new_id));
  EXPECT_FALSE(handler_.closed(new_id));
  EXPECT_EQ(handler_.close_calls[old_id.value()], 1);
  EXPECT_EQ(server_->connection_count(), 1u);
}

TEST_P(TcpServerTest, ThousandConnectionsOpenedAndDroppedThenStillServes) {
  ServerOptions opt;
  opt.max_connections = 64;
  opt.max_output_bytes = 64 * 1024;
  start(opt);
  int opened = 0;
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 50; ++i) {
      clients.push_back(std::make_unique<Client>(server_->port()));
      if (i % 3 == 0) clients.back()->queue(frame("hi"));
    }
    opened += 50;
    ASSERT_TRUE(pump_until(
        {}, [&] { return handler_.accepted.size() == static_cast<std::size_t>(opened); }));
    for (std::size_t i = 0; i < clients.size(); ++i) {
      clients[i]->pump();
      if (i % 2 == 0) {
        clients[i]->abort();
      } else {
        clients[i]->close();
      }
    }
    ASSERT_TRUE(pump_until({}, [&] { return server_->connection_count() == 0; }))
        << "batch " << batch;
  }
  ASSERT_TRUE(pump_until({}, [&] { return server_->stats().closed == 1000; }));
  EXPECT_EQ(server_->stats().accepted, 1000u);
  EXPECT_EQ(server_->stats().refused_over_limit, 0u);
  auto c = connect_one();
  const std::string m = frame("alive");
  c->queue(m);
  ASSERT_TRUE(pump_until({c.get()}, [&] { return c->in() == m; }));
}

TEST_P(TcpServerTest, InputThatNeverFramesClosesConnection) {
  ServerOptions opt;
  opt.max_message_bytes = 1024;
  start(opt);
  auto c = connect_one();
  const ConnectionId id = handler_.accepted[0];
  std::string junk = frame(std::string(100000, 'j'));  // far beyond max_message_bytes
  c->queue(junk);
  ASSERT_TRUE(pump_until({c.get()}, [&] { return handler_.closed(id); }));
  EXPECT_EQ(handler_.closes[id.value()], CloseReason::InputOverflow);
  EXPECT_EQ(server_->stats().input_overflows, 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, TcpServerTest,
                         ::testing::Values(Backend::IoUring, Backend::Asio),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::IoUring ? std::string("IoUring")
                                                                 : std::string("Asio");
                         });

class NullHandler : public ConnectionHandler {
 public:
  bool on_accept(ConnectionId, const PeerAddress&) override { return true; }
  std::size_t on_data(ConnectionId, std::span<const char> d) override { return d.size(); }
  void on_close(ConnectionId, CloseReason) override {}
};

TEST(TcpServerFactory, AutoFallsBackToAsioAndSaysWhy) {
  NullHandler h;
  ::setenv("MATCHGATE_NET_DISABLE_IO_URING", "1", 1);
  std::string why;
  auto s = make_tcp_server(Backend::Auto, ServerOptions{}, h, &why);
  ::unsetenv("MATCHGATE_NET_DISABLE_IO_URING");
  EXPECT_EQ(s->backend(), Backend::Asio);
  EXPECT_FALSE(why.empty());
}

// Whether this machine can run the io_uring backend, asked of the backend
// itself; empty when it can, else why not.
std::string io_uring_unavailable_because() {
  NullHandler h;
  try {
    make_tcp_server(Backend::IoUring, ServerOptions{}, h);
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

TEST(TcpServerFactory, AutoChoosesIoUringWhereItRuns) {
  const std::string unavailable = io_uring_unavailable_because();
  if (!unavailable.empty()) GTEST_SKIP() << "io_uring unavailable here: " << unavailable;
  NullHandler h;
  std::string why;
  auto s = make_tcp_server(Backend::Auto, ServerOptions{}, h, &why);
  EXPECT_EQ(s->backend(), Backend::IoUring);
  EXPECT_EQ(why, "");
}

// In a child process whose io_uring_setup(2) the kernel refuses with EPERM
// (a seccomp filter, as Docker's default profile does), Backend::Auto must
// fall back to Asio and report the kernel's refusal. Returns "backend|why"
// from the child, or what went wrong.
std::string auto_backend_with_io_uring_refused() {
  int out[2];
  if (::pipe(out) != 0) return "pipe failed";
  const pid_t child = ::fork();
  if (child < 0) return "fork failed";
  if (child == 0) {
    ::close(out[0]);
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
    std::string result;
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
      result = std::string("seccomp filter refused: ") + std::strerror(errno);
    } else {
      try {
        NullHandler h;
        std::string why;
        auto s = make_tcp_server(Backend::Auto, ServerOptions{}, h, &why);
        result = std::string(to_string(s->backend())) + "|" + why;
      } catch (const std::exception& e) {
        result = std::string("threw: ") + e.what();
      }
    }
    const ssize_t written = ::write(out[1], result.data(), result.size());
    ::_exit(written == static_cast<ssize_t>(result.size()) ? 0 : 1);
  }
  ::close(out[1]);
  std::string result;
  char buf[512];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) result.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) result += " (child failed)";
  return result;
}

TEST(TcpServerFactory, AutoFallsBackToAsioWhereIoUringIsRefused) {
  const std::string result = auto_backend_with_io_uring_refused();
  const auto bar = result.find('|');
  ASSERT_NE(bar, std::string::npos) << result;
  EXPECT_EQ(result.substr(0, bar), "asio");
  const std::string why = result.substr(bar + 1);
  EXPECT_NE(why.find(std::strerror(EPERM)), std::string::npos) << why;
}

TEST(TcpServerFactory, PortInUseThrows) {
  NullHandler h;
  auto first = make_tcp_server(Backend::Asio, ServerOptions{}, h);
  ServerOptions opt;
  opt.port = first->port();
  EXPECT_THROW(make_tcp_server(Backend::Auto, opt, h), std::system_error);
}

TEST(ConnectionIdTest, RoundTripsThroughValue) {
  const ConnectionId id(17, 99);
  EXPECT_EQ(ConnectionId::from_value(id.value()), id);
  EXPECT_FALSE(ConnectionId{}.valid());
  EXPECT_NE(ConnectionId(17, 100), id);
}

}  // namespace
}  // namespace matchgate::net
