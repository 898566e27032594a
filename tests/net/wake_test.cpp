// TcpServer::wake(): another thread can end a poll() that is waiting.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "matchgate/net/tcp_server.hpp"

namespace matchgate::net {
namespace {

struct NullHandler final : ConnectionHandler {
  bool on_accept(ConnectionId, const PeerAddress&) override { return true; }
  std::size_t on_data(ConnectionId, std::span<const char> d) override { return d.size(); }
  void on_close(ConnectionId, CloseReason) override {}
};

class WakeTest : public ::testing::TestWithParam<Backend> {};

TEST_P(WakeTest, WakeFromAnotherThreadEndsAPollThatWouldWaitAMinute) {
  NullHandler handler;
  auto server = make_tcp_server(GetParam(), ServerOptions{}, handler);
  server->do_work();  // the driving thread is this one from now on
  std::atomic<bool> woken{false};
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    woken = true;
    server->wake();
  });
  const auto start = std::chrono::steady_clock::now();
  while (!woken.load()) server->poll(std::chrono::seconds(60));
  const auto waited = std::chrono::steady_clock::now() - start;
  waker.join();
  // Without the wake this would take a minute; the bound only has to tell
  // "woken" from "timed out" on a loaded machine.
  EXPECT_LT(waited, std::chrono::seconds(30));
}

TEST_P(WakeTest, WakeBeforePollMakesTheNextPollReturn) {
  NullHandler handler;
  auto server = make_tcp_server(GetParam(), ServerOptions{}, handler);
  server->do_work();
  server->wake();
  const auto start = std::chrono::steady_clock::now();
  server->poll(std::chrono::seconds(60));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  // And it re-arms: a second wake works too.
  std::thread waker([&] { server->wake(); });
  server->poll(std::chrono::seconds(60));
  waker.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

INSTANTIATE_TEST_SUITE_P(Backends, WakeTest, ::testing::Values(Backend::IoUring, Backend::Asio),
                         [](const auto& info) {
                           return info.param == Backend::IoUring ? std::string("io_uring")
                                                                 : std::string("asio");
                         });

}  // namespace
}  // namespace matchgate::net
