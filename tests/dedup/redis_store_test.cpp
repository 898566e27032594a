#include "matchgate/dedup/redis_store.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dedup/redis_server.hpp"

namespace {

using matchgate::dedup::RedisMetrics;
using matchgate::dedup::RedisOptions;
using matchgate::dedup::RedisResult;
using matchgate::dedup::RedisState;
using matchgate::dedup::RedisStatus;
using matchgate::dedup::RedisStore;
namespace ops = matchgate::ops;
using matchgate::dedup::UnavailableReason;
using matchgate::testing::RedisServer;
using namespace std::chrono_literals;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string numbered(std::string prefix, std::uint64_t n) {
  prefix += std::to_string(n);
  return prefix;
}

// Polls until `count` results have arrived or `limit` has passed.
std::vector<RedisResult> collect(RedisStore& store, std::size_t count,
                                 std::chrono::milliseconds limit = 10s) {
  std::vector<RedisResult> results;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (results.size() < count && std::chrono::steady_clock::now() < deadline) {
    if (store.poll(now_ns(), [&](const RedisResult& r) { results.push_back(r); }) == 0) {
      std::this_thread::sleep_for(100us);
    }
  }
  return results;
}

RedisResult one(RedisStore& store, matchgate::dedup::MemberId member, std::string_view id,
                std::uint64_t ref, std::uint64_t fp, std::uint64_t token = 0) {
  EXPECT_TRUE(store.submit(member, id, ref, fp, token, now_ns()));
  const auto results = collect(store, 1);
  EXPECT_EQ(results.size(), 1u);
  return results.empty() ? RedisResult{} : results.front();
}

// A plain blocking connection to look at what the client stored.
class Inspector {
 public:
  explicit Inspector(std::uint16_t port) {
    context_ = redisConnectWithTimeout("127.0.0.1", port, timeval{2, 0});
    if (context_ == nullptr || context_->err != 0) throw std::runtime_error("inspector connect");
  }
  ~Inspector() { redisFree(context_); }
  Inspector(const Inspector&) = delete;
  Inspector& operator=(const Inspector&) = delete;

  // The reply as text: strings and status as is, integers in decimal, nil as "(nil)".
  std::string command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
    if (reply == nullptr) throw std::runtime_error("inspector command failed");
    std::string text;
    switch (reply->type) {
      case REDIS_REPLY_STRING:
      case REDIS_REPLY_STATUS:
      case REDIS_REPLY_ERROR:
        text.assign(reply->str, reply->len);
        break;
      case REDIS_REPLY_INTEGER:
        text = std::to_string(reply->integer);
        break;
      case REDIS_REPLY_NIL:
        text = "(nil)";
        break;
      default:
        text = "(other)";
        break;
    }
    freeReplyObject(reply);
    return text;
  }

 private:
  redisContext* context_ = nullptr;
};

// Each store counts in a group of its own, so the tests can read its counts.
RedisMetrics fresh_metrics() {
  static ops::MetricsRegistry registry(1024);
  static int stores = 0;
  const std::string name = "store-" + std::to_string(++stores);
  ops::MetricGroup group = registry.group(name, {{"store", name}});
  return RedisMetrics::registered(group);
}

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (matchgate::testing::find_redis_server().empty()) {
      FAIL() << matchgate::testing::kRedisServerMissing;
    }
    server_ = std::make_unique<RedisServer>();
  }

  RedisOptions options() const {
    RedisOptions o;
    o.port = server_->port();
    o.prefix = "test:dedup:";
    o.ttl = 1800s;
    o.timeout = 300ms;
    o.reconnect_min = 5ms;
    o.reconnect_max = 50ms;
    return o;
  }

  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisStoreTest, FirstRequestCreatesAndRetriesGetTheStoredOrderRefAndFingerprint) {
  RedisStore store(options(), fresh_metrics());
  const RedisResult created = one(store, 7, "ORD-1", 100, 0xAAAA, 1);
  EXPECT_EQ(created.status, RedisStatus::Created);
  EXPECT_EQ(created.token, 1u);

  const RedisResult retry = one(store, 7, "ORD-1", 200, 0xAAAA, 2);
  EXPECT_EQ(retry.status, RedisStatus::Exists);
  EXPECT_EQ(retry.token, 2u);
  EXPECT_EQ(retry.order_ref, 100u);
  EXPECT_EQ(retry.fingerprint, 0xAAAAu);

  const RedisResult other = one(store, 7, "ORD-1", 300, 0xBBBB, 3);
  EXPECT_EQ(other.status, RedisStatus::Exists);
  EXPECT_EQ(other.order_ref, 100u);
  EXPECT_EQ(other.fingerprint, 0xAAAAu);  // the original request, untouched
  EXPECT_EQ(store.state(), RedisState::Connected);
  EXPECT_EQ(store.metrics().created.value(), 1u);
  EXPECT_EQ(store.metrics().exists.value(), 2u);
}

TEST_F(RedisStoreTest, MembersHaveSeparateKeySpaces) {
  RedisStore store(options(), fresh_metrics());
  EXPECT_EQ(one(store, 1, "SAME", 1, 1).status, RedisStatus::Created);
  EXPECT_EQ(one(store, 2, "SAME", 2, 2).status, RedisStatus::Created);
  EXPECT_EQ(one(store, 1, "SAME", 3, 3).order_ref, 1u);
  EXPECT_EQ(one(store, 2, "SAME", 3, 3).order_ref, 2u);
}

TEST_F(RedisStoreTest, TenThousandPipelinedRequestsCompleteInSubmissionOrder) {
  RedisStore store(options(), fresh_metrics());
  constexpr std::uint64_t kCount = 10'000;
  constexpr std::uint64_t kDistinct = 9'000;  // the last 1000 repeat the first 1000
  const std::int64_t start = now_ns();
  for (std::uint64_t i = 0; i < kCount; ++i) {
    const std::uint64_t k = i % kDistinct;
    ASSERT_TRUE(store.submit(3, numbered("P-", k), 1000 + i, k, i, start));
  }
  EXPECT_EQ(store.in_flight(), kCount);
  const auto results = collect(store, kCount);
  ASSERT_EQ(results.size(), kCount);
  for (std::uint64_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(results[i].token, i);
    if (i < kDistinct) {
      ASSERT_EQ(results[i].status, RedisStatus::Created) << i;
    } else {
      ASSERT_EQ(results[i].status, RedisStatus::Exists) << i;
      ASSERT_EQ(results[i].order_ref, 1000 + i - kDistinct) << i;
      ASSERT_EQ(results[i].fingerprint, i - kDistinct) << i;
    }
  }
  EXPECT_EQ(store.in_flight(), 0u);
  EXPECT_EQ(store.metrics().connects.value(), 1u);  // one connection, no reconnects
}

TEST_F(RedisStoreTest, KeyCarriesPrefixAndMemberHashTagValueAndTtl) {
  RedisStore store(options(), fresh_metrics());
  ASSERT_EQ(one(store, 42, "ORD-7", 0x1234, 0xfeedface).status, RedisStatus::Created);
  const std::string key = "test:dedup:{42}:ORD-7";
  EXPECT_EQ(store.key_name(42, "ORD-7"), key);
  Inspector redis(server_->port());
  EXPECT_EQ(redis.command({"GET", key}), "1:0000000000001234:00000000feedface");
  EXPECT_EQ(redis.command({"GET", key}), RedisStore::encode_value(0x1234, 0xfeedface));
  const int ttl = std::stoi(redis.command({"TTL", key}));
  EXPECT_LE(ttl, 1800);
  EXPECT_GE(ttl, 1790);
}

TEST_F(RedisStoreTest, TwoClientsSharingOneRedisSeeEachOthersKeys) {
  RedisStore gateway_a(options());
  RedisStore gateway_b(options());
  EXPECT_EQ(one(gateway_a, 5, "SHARED", 11, 0xA).status, RedisStatus::Created);
  const RedisResult seen_by_b = one(gateway_b, 5, "SHARED", 22, 0xA);
  EXPECT_EQ(seen_by_b.status, RedisStatus::Exists);
  EXPECT_EQ(seen_by_b.order_ref, 11u);
}

TEST_F(RedisStoreTest, ValuesItDidNotWriteFailClosed) {
  RedisStore store(options(), fresh_metrics());
  Inspector redis(server_->port());
  redis.command({"SET", "test:dedup:{1}:FOREIGN", "hello"});
  redis.command({"LPUSH", "test:dedup:{1}:LIST", "x"});

  const RedisResult foreign = one(store, 1, "FOREIGN", 1, 1);
  EXPECT_EQ(foreign.status, RedisStatus::Unavailable);
  EXPECT_EQ(foreign.reason, UnavailableReason::BadValue);

  const RedisResult list = one(store, 1, "LIST", 1, 1);
  EXPECT_EQ(list.status, RedisStatus::Unavailable);
  EXPECT_EQ(list.reason, UnavailableReason::ServerError);
  EXPECT_NE(store.last_error().find("WRONGTYPE"), std::string_view::npos) << store.last_error();
  // Errors in replies do not cost the connection.
  EXPECT_EQ(one(store, 1, "FINE", 1, 1).status, RedisStatus::Created);
  EXPECT_EQ(store.metrics().connects.value(), 1u);
}

TEST_F(RedisStoreTest, InvalidClOrdIdsCompleteInOrderWithoutReachingRedis) {
  RedisStore store(options(), fresh_metrics());
  ASSERT_TRUE(store.submit(1, "A", 1, 1, 0, now_ns()));
  ASSERT_TRUE(store.submit(1, "", 1, 1, 1, now_ns()));
  ASSERT_TRUE(store.submit(1, std::string(65, 'x'), 1, 1, 2, now_ns()));
  ASSERT_TRUE(store.submit(1, "B", 1, 1, 3, now_ns()));
  const auto results = collect(store, 4);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].status, RedisStatus::Created);
  EXPECT_EQ(results[1].reason, UnavailableReason::InvalidKey);
  EXPECT_EQ(results[2].reason, UnavailableReason::InvalidKey);
  EXPECT_EQ(results[3].status, RedisStatus::Created);
  for (std::uint64_t i = 0; i < 4; ++i) EXPECT_EQ(results[i].token, i);
}

TEST_F(RedisStoreTest, KilledRedisFailsClosedWithinTheTimeoutAndRestartIsPickedUp) {
  RedisOptions o = options();
  RedisStore store(o, fresh_metrics());
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(store.submit(1, numbered("BEFORE-", i), i, 1, i, now_ns()));
  for (const auto& r : collect(store, 100)) ASSERT_EQ(r.status, RedisStatus::Created);

  server_->kill();
  // Requests sent into the dead connection and requests made while the
  // client waits to reconnect all fail, each no later than the timeout.
  for (int round = 0; round < 20; ++round) {
    const std::int64_t submitted = now_ns();
    ASSERT_TRUE(store.submit(1, numbered("DOWN-", round), round, 1, round, submitted));
    const auto results = collect(store, 1, o.timeout + 1s);
    ASSERT_EQ(results.size(), 1u) << "no result within timeout + 1 s";
    EXPECT_EQ(results[0].status, RedisStatus::Unavailable);
    EXPECT_NE(results[0].reason, UnavailableReason::None);
    EXPECT_LE(now_ns() - submitted,
              std::chrono::duration_cast<std::chrono::nanoseconds>(o.timeout + 200ms).count());
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_NE(store.state(), RedisState::Connected);
  EXPECT_GE(store.metrics().disconnects.value(), 1u);
  EXPECT_GE(store.metrics().connect_failures.value(), 1u);

  server_->restart();
  // The client reconnects by itself: keep trying a fresh key until one is created.
  bool created = false;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (int i = 0; !created && std::chrono::steady_clock::now() < deadline; ++i) {
    ASSERT_TRUE(store.submit(1, numbered("AFTER-", i), i, 1, i, now_ns()));
    const auto results = collect(store, 1, 2s);
    created = results.size() == 1 && results[0].status == RedisStatus::Created;
    if (!created) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(created) << "no Created within 10 s of the restart; last error: "
                       << store.last_error();
  EXPECT_EQ(store.state(), RedisState::Connected);
  EXPECT_GE(store.metrics().connects.value(), 2u);
}

TEST_F(RedisStoreTest, StalledRedisTimesOutThenRecoversWhenItResumes) {
  RedisOptions o = options();
  RedisStore store(o, fresh_metrics());
  ASSERT_EQ(one(store, 1, "WARM", 1, 1).status, RedisStatus::Created);

  server_->pause();
  const std::int64_t submitted = now_ns();
  ASSERT_TRUE(store.submit(1, "STALLED", 2, 2, 9, submitted));
  const auto results = collect(store, 1, o.timeout + 2s);
  const std::int64_t waited = now_ns() - submitted;
  server_->resume();
  ASSERT_EQ(results.size(), 1u) << "no result within timeout + 2 s";
  EXPECT_EQ(results[0].token, 9u);
  EXPECT_EQ(results[0].status, RedisStatus::Unavailable);
  EXPECT_EQ(results[0].reason, UnavailableReason::Timeout);
  EXPECT_GE(waited, std::chrono::duration_cast<std::chrono::nanoseconds>(o.timeout).count());
  EXPECT_LE(waited,
            std::chrono::duration_cast<std::chrono::nanoseconds>(o.timeout + 500ms).count());
  EXPECT_GE(store.metrics().timeouts.value(), 1u);

  bool created = false;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (int i = 0; !created && std::chrono::steady_clock::now() < deadline; ++i) {
    ASSERT_TRUE(store.submit(1, numbered("RESUMED-", i), i, 1, i, now_ns()));
    const auto r = collect(store, 1, 2s);
    created = r.size() == 1 && r[0].status == RedisStatus::Created;
  }
  EXPECT_TRUE(created) << "last error: " << store.last_error();
}

TEST(RedisStore, NoServerFailsClosedAtOnce) {
  RedisOptions o;
  o.port = matchgate::testing::free_loopback_port();  // nobody listens there
  o.timeout = 300ms;
  RedisStore store(o, fresh_metrics());
  const std::int64_t submitted = now_ns();
  ASSERT_TRUE(store.submit(1, "X", 1, 1, 5, submitted));
  const auto results = collect(store, 1, 2s);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].token, 5u);
  EXPECT_EQ(results[0].status, RedisStatus::Unavailable);
  EXPECT_NE(store.state(), RedisState::Connected);
  EXPECT_GE(store.metrics().connect_failures.value(), 1u);
  EXPECT_FALSE(store.last_error().empty());
}

TEST(RedisStore, SubmitRefusesBeyondMaxInFlight) {
  RedisOptions o;
  o.port = matchgate::testing::free_loopback_port();
  o.max_in_flight = 4;
  RedisStore store(o, fresh_metrics());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(store.submit(1, "X", 1, 1, i, now_ns()));
  EXPECT_FALSE(store.submit(1, "X", 1, 1, 4, now_ns()));
  EXPECT_EQ(collect(store, 4, 2s).size(), 4u);
  EXPECT_TRUE(store.submit(1, "X", 1, 1, 5, now_ns()));
}

TEST(RedisStore, RejectsOptionsThatCannotWork) {
  RedisOptions o;
  o.host = "localhost";  // would need a blocking name lookup
  EXPECT_THROW(RedisStore{o}, std::invalid_argument);
  o = RedisOptions{};
  o.prefix = std::string(300, 'p');
  EXPECT_THROW(RedisStore{o}, std::invalid_argument);
  o = RedisOptions{};
  o.timeout = 0ms;
  EXPECT_THROW(RedisStore{o}, std::invalid_argument);
}

}  // namespace
