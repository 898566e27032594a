// The admin endpoint's transport: an in-process AdminServer on a socket in a
// temporary directory, with a fake network thread that takes requests from
// the mailbox and answers them.
#include "matchgate/ops/admin_server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ops = matchgate::ops;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Connects, sends `bytes`, then reads until the server closes.
std::string talk(const fs::path& socket, const std::string& bytes, bool shut_write = false) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed: " + std::string(std::strerror(errno));
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  if (shut_write) ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

// The network thread's part: takes each request and answers "<identity>|<words>".
class FakeNetworkThread {
 public:
  explicit FakeNetworkThread(ops::AdminMailbox& mailbox) : mailbox_(mailbox) {
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        ops::AdminRequest r;
        if (!mailbox_.take(r)) {
          std::this_thread::sleep_for(100us);
          continue;
        }
        taken_.fetch_add(1);
        std::string words;
        for (const auto& w : r.words) words += (words.empty() ? "" : " ") + w;
        const bool ok = r.words.front() != "fail";
        mailbox_.answer(r.id, {ok, ok ? r.operator_identity + "|" + words + "\nsecond line"
                                      : "no such thing: " + words});
      }
    });
  }
  ~FakeNetworkThread() {
    stop_.store(true);
    thread_.join();
  }
  int taken() const { return taken_.load(); }

 private:
  ops::AdminMailbox& mailbox_;
  std::atomic<bool> stop_{false};
  std::atomic<int> taken_{0};
  std::thread thread_;
};

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/matchgate-admin-test-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
    options_.socket = dir_ / "run" / "admin.sock";  // the missing parent is created
    options_.socket_mode = 0660;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string my_identity(const std::string& name) const {
    return ops::admin_identity(::getuid(), name);
  }

  fs::path dir_;
  ops::AdminOptions options_;
  ops::AdminMailbox mailbox_;
};

TEST_F(AdminServerTest, RoundTripCarriesIdentityAndWords) {
  ops::AdminServer server(options_, mailbox_);
  server.start();
  FakeNetworkThread net(mailbox_);
  EXPECT_EQ(talk(options_.socket, "operator=alice kill MEMBER1\n"),
            my_identity("alice") + "|kill MEMBER1\nsecond line\nOK\n");
  EXPECT_EQ(talk(options_.socket, "operator=bob fail X\n"), "ERROR no such thing: fail X\n");
  EXPECT_EQ(net.taken(), 2);
}

TEST_F(AdminServerTest, IdentityNamesTheUidAndItsUser) {
  const std::string id = ops::admin_identity(0, "alice");
  EXPECT_EQ(id, "uid 0 (root) as \"alice\"");
  EXPECT_EQ(ops::admin_identity(0, ""), "uid 0 (root)");
  const std::string mine = my_identity("x");
  EXPECT_EQ(mine.rfind("uid " + std::to_string(::getuid()) + " (", 0), 0u) << mine;
}

TEST_F(AdminServerTest, MalformedLinesNeverReachTheMailbox) {
  ops::AdminServer server(options_, mailbox_);
  server.start();
  FakeNetworkThread net(mailbox_);
  const std::string too_long = "operator=a " + std::string(ops::kMaxAdminLineBytes, 'x') + "\n";
  const struct {
    std::string bytes;
    std::string reason;
  } cases[] = {
      {"\n", "empty request line"},
      {too_long, "longer than 1024 bytes"},
      {"operator=a kill\tM1\n", "byte 0x09 at offset 15"},
      {"operator=a kill M1\r\n", "byte 0x0d"},
      {"operator=a kill \xc3\xa9\n", "byte 0xc3"},
      {"kill M1\n", "must start with operator=NAME"},
      {"operator= kill M1\n", "empty operator name"},
      {"operator=a\"b kill\n", "operator name may hold only"},
      {"operator=alice\n", "no command"},
      {"operator=alice  kill\n", "empty word at offset 15"},
      {"operator=alice kill \n", "empty word"},
  };
  for (const auto& c : cases) {
    const std::string out = talk(options_.socket, c.bytes);
    EXPECT_EQ(out.rfind("ERROR ", 0), 0u) << c.bytes << " -> " << out;
    EXPECT_NE(out.find(c.reason), std::string::npos) << c.bytes << " -> " << out;
    EXPECT_EQ(out.find('\n'), out.size() - 1) << out;
  }
  // No newline before the client's end of input.
  EXPECT_EQ(talk(options_.socket, "operator=a ping", /*shut_write=*/true),
            "ERROR the request line did not end with a newline\n");
  EXPECT_EQ(net.taken(), 0);
  // A line may be exactly the limit.
  const std::string longest = "operator=a " + std::string(ops::kMaxAdminLineBytes - 11, 'y');
  EXPECT_EQ(talk(options_.socket, longest + "\n").substr(0, 4), "uid ");
  EXPECT_EQ(net.taken(), 1);
}

TEST_F(AdminServerTest, ConcurrentClientsAreAllAnsweredCorrectly) {
  ops::AdminServer server(options_, mailbox_);
  server.start();
  FakeNetworkThread net(mailbox_);
  constexpr int kThreads = 8;
  constexpr int kCommands = 20;
  std::atomic<int> wrong{0};
  std::vector<std::thread> clients;
  clients.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < kCommands; ++i) {
        const std::string who = "op" + std::to_string(t);
        const std::string words = "halt S" + std::to_string(t) + "-" + std::to_string(i);
        const std::string out = talk(options_.socket, "operator=" + who + " " + words + "\n");
        if (out != my_identity(who) + "|" + words + "\nsecond line\nOK\n") wrong.fetch_add(1);
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(net.taken(), kThreads * kCommands);
}

TEST_F(AdminServerTest, SilentClientDoesNotHoldUpOthers) {
  options_.read_timeout = 300ms;
  ops::AdminServer server(options_, mailbox_);
  server.start();
  FakeNetworkThread net(mailbox_);
  std::string silent_answer;
  std::thread silent([&] { silent_answer = talk(options_.socket, "operator=a pi"); });
  std::this_thread::sleep_for(50ms);  // the silent client is connected first
  EXPECT_EQ(talk(options_.socket, "operator=b ping\n"),
            my_identity("b") + "|ping\nsecond line\nOK\n");
  silent.join();
  EXPECT_EQ(silent_answer, "ERROR no request line within 300 ms\n");
  EXPECT_EQ(net.taken(), 1);
}

TEST_F(AdminServerTest, NoAnswerInTimeIsAnErrorAndTheRequestIsWithdrawn) {
  options_.answer_timeout = 200ms;
  ops::AdminServer server(options_, mailbox_);
  server.start();  // nobody takes requests
  EXPECT_EQ(talk(options_.socket, "operator=a stop\n"),
            "ERROR the gateway did not answer in 200 ms (the command was withdrawn: not "
            "executed)\n");
  ops::AdminRequest r;
  EXPECT_FALSE(mailbox_.take(r));
}

TEST_F(AdminServerTest, LateAnswerIsDroppedAndTheNextCallGetsItsOwn) {
  ops::AdminRequest taken;
  std::thread slow([&] {
    while (!mailbox_.take(taken)) std::this_thread::sleep_for(100us);
  });
  const ops::AdminAnswer first = mailbox_.call({0, "id", {"stop"}}, 100ms);
  slow.join();
  EXPECT_FALSE(first.ok);
  EXPECT_NE(first.text.find("taken and may still take effect"), std::string::npos) << first.text;
  mailbox_.answer(taken.id, {true, "late"});  // nobody waits for it any more
  std::thread prompt([&] {
    ops::AdminRequest r;
    while (!mailbox_.take(r)) std::this_thread::sleep_for(100us);
    mailbox_.answer(r.id, {true, "second"});
  });
  const ops::AdminAnswer second = mailbox_.call({0, "id", {"status"}}, 5s);
  prompt.join();
  EXPECT_TRUE(second.ok);
  EXPECT_EQ(second.text, "second");
}

// One request in flight at a time: a caller whose turn does not come before
// its deadline is told so, and the turn passes on once the first is answered.
TEST_F(AdminServerTest, CallerWhoseTurnDoesNotComeInTimeIsToldAndTheTurnPassesOn) {
  ops::AdminAnswer first;
  std::thread first_caller([&] { first = mailbox_.call({0, "id", {"stop"}}, 10s); });
  ops::AdminRequest taken;
  while (!mailbox_.take(taken)) std::this_thread::sleep_for(100us);
  const ops::AdminAnswer second = mailbox_.call({0, "id", {"status"}}, 100ms);
  EXPECT_FALSE(second.ok);
  EXPECT_NE(second.text.find("an earlier command was still in flight"), std::string::npos)
      << second.text;
  mailbox_.answer(taken.id, {true, "first"});
  first_caller.join();
  EXPECT_TRUE(first.ok);
  EXPECT_EQ(first.text, "first");
  std::thread prompt([&] {
    ops::AdminRequest r;
    while (!mailbox_.take(r)) std::this_thread::sleep_for(100us);
    mailbox_.answer(r.id, {true, "third"});
  });
  const ops::AdminAnswer third = mailbox_.call({0, "id", {"status"}}, 5s);
  prompt.join();
  EXPECT_TRUE(third.ok);
  EXPECT_EQ(third.text, "third");
}

TEST_F(AdminServerTest, ClosedMailboxAnswersAtOnce) {
  mailbox_.close();
  const auto start = std::chrono::steady_clock::now();
  const ops::AdminAnswer a = mailbox_.call({0, "id", {"status"}}, 10s);
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.text, "the gateway is stopping");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(AdminServerTest, WakeIsCalledOnEachPost) {
  std::atomic<int> wakes{0};
  mailbox_.set_wake([&] { wakes.fetch_add(1); });
  FakeNetworkThread net(mailbox_);
  EXPECT_TRUE(mailbox_.call({0, "id", {"a"}}, 5s).ok);
  EXPECT_TRUE(mailbox_.call({0, "id", {"b"}}, 5s).ok);
  EXPECT_EQ(wakes.load(), 2);
}

TEST_F(AdminServerTest, SocketFileHasTheConfiguredModeAndIsRemovedAtTheEnd) {
  for (unsigned mode : {0600u, 0660u}) {
    options_.socket_mode = mode;
    {
      ops::AdminServer server(options_, mailbox_);
      struct stat st {};
      ASSERT_EQ(::stat(options_.socket.c_str(), &st), 0);
      EXPECT_TRUE(S_ISSOCK(st.st_mode));
      EXPECT_EQ(st.st_mode & 07777, mode);
    }
    EXPECT_FALSE(fs::exists(options_.socket));
  }
}

TEST_F(AdminServerTest, SecondServerOnALivePathFailsClearly) {
  ops::AdminServer first(options_, mailbox_);
  first.start();
  ops::AdminMailbox other;
  try {
    ops::AdminServer second(options_, other);
    FAIL() << "a second server bound a live socket";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is in use"), std::string::npos) << e.what();
  }
  FakeNetworkThread net(mailbox_);  // the first one still works
  EXPECT_NE(talk(options_.socket, "operator=a ping\n").find("OK\n"), std::string::npos);
}

TEST_F(AdminServerTest, StaleSocketFileIsReplaced) {
  // A socket file nobody accepts on, as a crashed daemon leaves it.
  fs::create_directories(options_.socket.parent_path());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, options_.socket.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
  ASSERT_TRUE(fs::is_socket(options_.socket));
  ops::AdminServer server(options_, mailbox_);
  server.start();
  FakeNetworkThread net(mailbox_);
  EXPECT_NE(talk(options_.socket, "operator=a ping\n").find("OK\n"), std::string::npos);
}

TEST_F(AdminServerTest, PathThatIsNotASocketOrTooLongIsRefused) {
  fs::create_directories(options_.socket.parent_path());
  { std::ofstream(options_.socket) << "not a socket"; }
  EXPECT_THROW(ops::AdminServer(options_, mailbox_), std::runtime_error);
  EXPECT_TRUE(fs::is_regular_file(options_.socket));  // left alone
  options_.socket = dir_ / std::string(120, 'x');
  EXPECT_THROW(ops::AdminServer(options_, mailbox_), std::runtime_error);
}

}  // namespace
