// Idempotent order entry end to end with `[dedup] backend = "redis"`: a real
// redis-server started on a free loopback port (tests/dedup/redis_server.hpp;
// without redis-server these tests fail, saying so), killed and restarted
// under a running daemon, and shared by two daemons.
#include <gtest/gtest.h>

#include <hiredis/hiredis.h>

#include <map>
#include <optional>
#include <vector>

#include "dedup/redis_server.hpp"
#include "gateway/gateway_test_util.hpp"

namespace matchgate::testing {
namespace {

using namespace gw;

void expect_fields(const FixMessage& m, const std::map<int, std::string>& want) {
  for (const auto& [tag, value] : want) {
    EXPECT_EQ(m.get(tag), value) << "tag " << tag << " in " << m.printable();
  }
}

// A synchronous command on a second connection, for checking what is stored.
std::string redis_command(std::uint16_t port, const std::string& a, const std::string& b) {
  redisContext* c = redisConnect("127.0.0.1", port);
  if (c == nullptr || c->err != 0) {
    if (c != nullptr) redisFree(c);
    return "<no connection>";
  }
  auto* reply = static_cast<redisReply*>(redisCommand(c, "%s %b", a.c_str(), b.data(), b.size()));
  std::string out = "<nil>";
  if (reply != nullptr) {
    if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) {
      out.assign(reply->str, reply->len);
    } else if (reply->type == REDIS_REPLY_INTEGER) {
      out = std::to_string(reply->integer);
    }
    freeReplyObject(reply);
  }
  redisFree(c);
  return out;
}

DaemonOptions redis_daemon(std::uint16_t redis_port) {
  DaemonOptions o = small();
  o.dedup = "backend = \"redis\"\nmax_keys = 4096\nredis_host = \"127.0.0.1\"\nredis_port = " +
            std::to_string(redis_port) + "\nredis_prefix = \"mgtest:\"\nredis_timeout_ms = 200\n";
  return o;
}

class DedupRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      redis_ = std::make_unique<RedisServer>();
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
    daemon_ = std::make_unique<Daemon>(redis_daemon(redis_->port()));
    m1_ = logged_on(*daemon_, "MEMBER1");
    m2_ = logged_on(*daemon_, "MEMBER2");
  }
  void TearDown() override {
    m1_.reset();
    m2_.reset();
    if (daemon_) stop_and_check(*daemon_);
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<FixClient> m1_;
  std::unique_ptr<FixClient> m2_;
};

TEST_F(DedupRedisTest, RetriesAndDuplicatesWithTheKeyInRedis) {
  new_order(*m1_, "x-1", "ACME", '1', "10", "100");
  const FixMessage ack = next_er(*m1_);
  expect_fields(ack, {{150, "0"}, {39, "0"}});
  // The key: prefix, the member's hash tag (MEMBER1 is member 0), the ClOrdID;
  // it expires after ttl_s.
  const std::string key = "mgtest:{0}:x-1";
  EXPECT_EQ(redis_command(redis_->port(), "EXISTS", key), "1");
  const long ttl = std::stol(redis_command(redis_->port(), "TTL", key));
  EXPECT_GT(ttl, 1790);
  EXPECT_LE(ttl, 1800);

  new_order(*m1_, "x-1", "ACME", '1', "10", "100");
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "0"}, {37, ack.get(37)}});
  new_order(*m1_, "x-1", "ACME", '1', "11", "100");
  expect_fields(next_er(*m1_), {{150, "8"}, {103, "6"}, {58, "duplicate ClOrdID"}});

  // A key set in Redis by someone else (another gateway) with this request's
  // fingerprint: a repeat of an order this gateway does not track.
  new_order(*m1_, "x-2", "ACME", '1', "10", "100");
  const FixMessage ack2 = next_er(*m1_);
  ASSERT_EQ(ack2.get(150), "0");
  const std::string stored = redis_command(redis_->port(), "GET", "mgtest:{0}:x-2");
  ASSERT_EQ(stored.size(), 2U + 16 + 1 + 16) << stored;
  redis_command(redis_->port(), "DEL", "mgtest:{0}:x-3");
  {
    redisContext* c = redisConnect("127.0.0.1", redis_->port());
    ASSERT_TRUE(c != nullptr && c->err == 0);
    auto* r = static_cast<redisReply*>(
        redisCommand(c, "SET %s %s EX 100", "mgtest:{0}:x-3", stored.c_str()));
    freeReplyObject(r);
    redisFree(c);
  }
  new_order(*m1_, "x-3", "ACME", '1', "10", "100");
  expect_fields(next_er(*m1_),
                {{150, "8"},
                 {103, "6"},
                 {37, "NONE"},
                 {58, "duplicate ClOrdID: repeat of an order this gateway does not track"}});
  new_order(*m1_, "x-3", "ACME", '2', "10", "100");
  expect_fields(next_er(*m1_), {{150, "8"}, {103, "6"}, {58, "duplicate ClOrdID"}});
}

TEST_F(DedupRedisTest, RequestsBehindANewOrderWaitingForRedisFindIt) {
  // A new order waits for Redis; the cancel sent right behind it waits for
  // its turn, so it finds the order (and is answered after its ack).
  for (int i = 0; i < 20; ++i) {
    const std::string id = "seq-" + std::to_string(i);
    new_order(*m1_, id, "ACME", '1', "1", "90");
    m1_->send("F", {{11, id + "-c"}, {41, id}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  }
  for (int i = 0; i < 20; ++i) {
    const std::string id = "seq-" + std::to_string(i);
    expect_fields(next_er(*m1_), {{150, "0"}, {11, id}});
    expect_fields(next_er(*m1_), {{150, "4"}, {11, id + "-c"}, {41, id}});
  }
  // A status request behind a new order sees it (pending until the shard's
  // ack, as without Redis), never "unknown order".
  new_order(*m1_, "seq-h", "ACME", '1', "1", "90");
  m1_->send("H", {{11, "seq-h"}, {55, "ACME"}, {54, "1"}});
  for (int i = 0; i < 2; ++i) {
    const FixMessage er = next_er(*m1_);
    EXPECT_EQ(er.get(11), "seq-h") << er.printable();
    EXPECT_NE(er.get(58), "unknown order") << er.printable();
  }
}

TEST_F(DedupRedisTest, AMassCancelBehindANewOrderWaitingForRedisWaitsItsTurn) {
  // The order before the OrderMassCancelRequest is canceled by it (and
  // counted); the one after it is not, even when it was handed to Redis
  // while the mass cancel waited.
  new_order(*m1_, "mq-1", "ACME", '1', "1", "90");
  m1_->send("q", {{11, "mq-c"}, {530, "7"}, {60, utc_now()}});
  new_order(*m1_, "mq-2", "ACME", '1', "1", "90");
  std::map<std::string, std::vector<std::string>> exec_types;  // ClOrdID -> 150s in order
  std::optional<FixMessage> report;
  for (int i = 0; i < 4;) {  // the report, and three ExecutionReports in any order with it
    auto m = m1_->receive(5s);
    ASSERT_TRUE(m) << "message " << i;
    if (m->type == "0") continue;
    ++i;
    if (m->type == "r") {
      report = *m;
    } else {
      exec_types[m->get(11)].push_back(m->get(150));
    }
  }
  ASSERT_TRUE(report);
  expect_fields(*report, {{11, "mq-c"}, {531, "7"}, {533, "1"}});
  EXPECT_EQ(exec_types["mq-1"], (std::vector<std::string>{"0", "4"}));
  EXPECT_EQ(exec_types["mq-2"], (std::vector<std::string>{"0"}));
}

TEST_F(DedupRedisTest, RedisDownRejectsNewOrdersCancelsWorkAndItComesBack) {
  new_order(*m1_, "live-1", "ACME", '1', "5", "95");
  const FixMessage ack = next_er(*m1_);
  ASSERT_EQ(ack.get(150), "0");
  new_order(*m1_, "live-2", "ACME", '1', "5", "94");
  ASSERT_EQ(next_er(*m1_).get(150), "0");

  redis_->kill();
  // Fail closed: no dedup answer, no order.
  new_order(*m1_, "down-1", "ACME", '1', "5", "95");
  const FixMessage rej = next_er(*m1_);
  expect_fields(rej, {{150, "8"}, {39, "8"}, {103, "99"}, {37, "NONE"}, {11, "down-1"}});
  EXPECT_EQ(rej.get(58).rfind("ClOrdID check unavailable (Redis: ", 0), 0U) << rej.printable();
  // A retry of an order the gateway tracks is still answered.
  new_order(*m1_, "live-1", "ACME", '1', "5", "95");
  expect_fields(next_er(*m1_), {{150, "I"}, {37, ack.get(37)}});
  // Cancels and replaces keep working (their keys are in process).
  m1_->send("F", {{11, "live-1-c"}, {41, "live-1"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  expect_fields(next_er(*m1_), {{150, "4"}, {11, "live-1-c"}});
  m1_->send("F", {{11, "live-1-c"}, {41, "live-1"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  expect_fields(next_er(*m1_), {{150, "I"}, {39, "4"}});
  m1_->send("G", {{11, "live-2-r"},
                  {41, "live-2"},
                  {55, "ACME"},
                  {54, "1"},
                  {38, "6"},
                  {40, "2"},
                  {44, "94"},
                  {60, utc_now()}});
  expect_fields(next_er(*m1_), {{150, "5"}, {11, "live-2-r"}, {38, "6"}});

  // Redis back on the same port: the gateway reconnects by itself (its
  // backoff is at most 1 s) and takes orders again.
  redis_->restart();
  bool accepted = false;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  for (int i = 0; !accepted && std::chrono::steady_clock::now() < deadline; ++i) {
    const std::string id = "back-" + std::to_string(i);
    new_order(*m1_, id, "ACME", '1', "1", "90");
    const FixMessage er = next_er(*m1_);
    accepted = er.get(150) == "0";
    if (!accepted) {
      ASSERT_EQ(er.get(103), "99") << er.printable();
      std::this_thread::sleep_for(50ms);  // the reconnect backoff, not an answer
    }
  }
  EXPECT_TRUE(accepted) << "no order accepted after Redis came back";
  // The rejected order's ClOrdID may or may not be held (fail closed does
  // not mean "not stored"), but it never becomes a second order silently:
  // any answer is a single report.
  std::vector<FixMessage> extra;
  ASSERT_TRUE(alive(*m1_, "end", &extra));
  for (const FixMessage& m : extra) ADD_FAILURE() << "unexpected: " << m.printable();
}

TEST(DedupRedisShared, TwoGatewaysSharingOneRedisCreateOneOrderPerClOrdId) {
  std::unique_ptr<RedisServer> redis;
  try {
    redis = std::make_unique<RedisServer>();
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  Daemon a(redis_daemon(redis->port()));
  Daemon b(redis_daemon(redis->port()));
  auto ca = logged_on(a, "MEMBER1");
  auto cb = logged_on(b, "MEMBER1");
  constexpr int kIds = 40;
  // Both gateways get every ClOrdID, in opposite orders, as fast as they take them.
  for (int i = 0; i < kIds; ++i) {
    new_order(*ca, "both-" + std::to_string(i), "ACME", '1', "1", "90");
    new_order(*cb, "both-" + std::to_string(kIds - 1 - i), "ACME", '1', "1", "90");
  }
  std::map<std::string, int> created;
  int duplicates = 0;
  for (FixClient* c : {ca.get(), cb.get()}) {
    for (int i = 0; i < kIds; ++i) {
      const FixMessage er = next_er(*c);
      if (er.get(150) == "0") {
        ++created[er.get(11)];
      } else {
        expect_fields(er,
                      {{150, "8"},
                       {103, "6"},
                       {58, "duplicate ClOrdID: repeat of an order this gateway does not track"}});
        ++duplicates;
      }
    }
  }
  EXPECT_EQ(created.size(), static_cast<std::size_t>(kIds));
  for (const auto& [id, n] : created) EXPECT_EQ(n, 1) << id << " became " << n << " orders";
  EXPECT_EQ(duplicates, kIds);
  ca.reset();
  cb.reset();
  stop_and_check(a);
  stop_and_check(b);
}

}  // namespace
}  // namespace matchgate::testing
