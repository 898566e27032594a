#pragma once
// The dedup store shared by several gateways: one Redis connection per owning
// thread, driven without blocking and pipelined. submit() only appends a
// command to a buffer; poll() writes what it can, reads what has arrived and
// delivers results in submission order. No threads, no blocking calls, no
// allocation per request once buffers have grown to the working size.
//
// Every request is one command,
//   SET <prefix>{<member>}:<ClOrdID> 1:<order_ref hex16>:<fingerprint hex16> NX GET EX <ttl>
// (NX together with GET needs Redis >= 7.0): the reply is nil when the key was
// created and the stored value when it already existed, so a duplicate's
// original order_ref and fingerprint come back in the same round trip.
//
// Fail closed: whatever is not answered by Redis in time completes as
// Unavailable. Unavailable does not mean the key was not set: the command may
// have reached Redis before the connection failed (docs/DEDUP.md).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "matchgate/dedup/types.hpp"
#include "matchgate/ops/metrics.hpp"

struct redisContext;

namespace matchgate::dedup {

struct RedisOptions {
  // A numeric IPv4 or IPv6 address: a host name would need a blocking lookup.
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string prefix = "matchgate:dedup:";  // at most kMaxPrefixLength bytes
  std::chrono::seconds ttl{1800};
  // A request without a reply after this long fails as Timeout and the
  // connection is dropped (its replies could no longer be matched cheaply).
  std::chrono::milliseconds timeout{50};
  // Requests submitted and not yet delivered by poll(); rounded up to a power of two.
  std::size_t max_in_flight = 65536;
  // Delay before reconnecting after a failure, doubling up to reconnect_max.
  std::chrono::milliseconds reconnect_min{10};
  std::chrono::milliseconds reconnect_max{1000};
};

inline constexpr std::size_t kMaxPrefixLength = 256;

enum class RedisStatus : std::uint8_t {
  Created,      // the key was absent; it now holds this request's value
  Exists,       // the key holds a value: order_ref and fingerprint are the stored ones
  Unavailable,  // no answer from Redis that can be trusted; reject the request (reason says why)
};

enum class UnavailableReason : std::uint8_t {
  None,            // Created or Exists
  NotConnected,    // submitted while the client was waiting to reconnect
  ConnectionLost,  // the connection failed before the reply came
  Timeout,         // no reply within RedisOptions::timeout
  ServerError,     // Redis answered with an error (e.g. MOVED, LOADING); see last_error()
  BadValue,        // the key holds a value this client did not write
  InvalidKey,      // ClOrdID empty or longer than kMaxClOrdIdLength
};

// Static text for reject messages and logs.
const char* to_string(RedisStatus status) noexcept;
const char* to_string(UnavailableReason reason) noexcept;

struct RedisResult {
  std::uint64_t token = 0;  // as given to submit()
  RedisStatus status = RedisStatus::Unavailable;
  UnavailableReason reason = UnavailableReason::None;
  std::uint64_t order_ref = 0;  // Exists: the stored value
  std::uint64_t fingerprint = 0;
};

enum class RedisState : std::uint8_t {
  Disconnected,  // waiting for the next reconnect attempt; submissions fail at once
  Connecting,    // TCP connect in progress; submissions are queued
  Connected,
};
const char* to_string(RedisState state) noexcept;

// The store's metrics (docs/METRICS.md), written by the owning thread;
// handles that were never registered count nowhere.
struct RedisMetrics {
  ops::Counter submitted;
  ops::Counter created;
  ops::Counter exists;
  ops::Counter unavailable;
  ops::Counter timeouts;          // connections dropped because a reply was late
  ops::Counter connects;          // connections established
  ops::Counter connect_failures;  // attempts that did not get connected
  ops::Counter disconnects;       // established connections lost or dropped
  ops::Counter server_errors;     // error replies
  static RedisMetrics registered(ops::MetricGroup& group);
};

namespace detail {
// Where the hiredis reader puts the top-level reply it parses (see redis_store.cpp).
struct RedisReplySlot {
  static constexpr std::size_t kTextCapacity = 128;
  int type = 0;            // REDIS_REPLY_*
  std::size_t length = 0;  // full length; text holds at most kTextCapacity bytes
  char text[kTextCapacity];
};
}  // namespace detail

class RedisStore {
 public:
  // Validates the options (std::invalid_argument) but does not connect: the
  // first submit() or poll() does, without blocking.
  explicit RedisStore(RedisOptions options, RedisMetrics metrics = {});
  ~RedisStore();
  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;
  RedisStore(RedisStore&&) = delete;
  RedisStore& operator=(RedisStore&&) = delete;

  // Queues SET NX GET EX for the key; its result comes from a later poll()
  // with `token`. Returns false, queueing nothing, when max_in_flight results
  // are undelivered: poll() first. now_ns is any monotonic clock (timeouts
  // and reconnect delays only), the same one poll() gets.
  [[nodiscard]] bool submit(MemberId member, std::string_view cl_ord_id, std::uint64_t order_ref,
                            std::uint64_t fingerprint, std::uint64_t token, std::int64_t now_ns);

  // Does all I/O that is possible without waiting (connect, write, read),
  // fails requests that are past the timeout, then calls on_result(const
  // RedisResult&) for every finished request, oldest first, stopping at the
  // first unfinished one. Returns how many were delivered. on_result may call
  // submit().
  template <class OnResult>
  std::size_t poll(std::int64_t now_ns, OnResult&& on_result) {
    pump(now_ns);
    std::size_t delivered = 0;
    while (head_ != tail_) {
      const Pending& p = pending_[head_ & pending_mask_];
      if (p.awaiting) break;
      const RedisResult result = p.result;  // the slot is free once head_ moves
      ++head_;
      ++delivered;
      on_result(result);
    }
    return delivered;
  }

  RedisState state() const noexcept { return state_; }
  const RedisMetrics& metrics() const noexcept { return metrics_; }
  // The latest connection failure or error reply, for status pages and logs.
  std::string_view last_error() const noexcept { return {last_error_, last_error_length_}; }
  // Submitted and not yet delivered.
  std::size_t in_flight() const noexcept { return static_cast<std::size_t>(tail_ - head_); }
  // The socket, for an owner that sleeps in poll()/epoll between calls; -1
  // while disconnected. Wait for writability while wants_write().
  int fd() const noexcept;
  bool wants_write() const noexcept {
    return state_ == RedisState::Connecting || out_sent_ < out_.size();
  }

  // The Redis key of (member, ClOrdID), and the stored value format; for
  // tests and operators (allocate, not for the order path).
  std::string key_name(MemberId member, std::string_view cl_ord_id) const;
  static std::string encode_value(std::uint64_t order_ref, std::uint64_t fingerprint);

 private:
  struct Pending {
    RedisResult result;
    std::int64_t submitted_ns = 0;
    bool awaiting = false;  // command sent or queued on the current connection
  };

  void pump(std::int64_t now_ns);
  void start_connect(std::int64_t now_ns);
  void check_connect(std::int64_t now_ns);
  void flush(std::int64_t now_ns);
  void receive(std::int64_t now_ns);
  void handle_reply(std::int64_t now_ns);
  void check_timeout(std::int64_t now_ns);
  void sync_reply_cursor() noexcept;
  // Drops the connection: requests waiting for a reply complete as `reason`.
  void fail(std::int64_t now_ns, UnavailableReason reason, std::string_view what);
  void finish(Pending& p, RedisStatus status, UnavailableReason reason, std::uint64_t order_ref = 0,
              std::uint64_t fingerprint = 0) noexcept;
  void append_command(MemberId member, std::string_view cl_ord_id, std::uint64_t order_ref,
                      std::uint64_t fingerprint);
  void set_last_error(std::string_view what) noexcept;

  RedisOptions options_;
  std::int64_t timeout_ns_ = 0;
  std::int64_t reconnect_min_ns_ = 0;
  std::int64_t reconnect_max_ns_ = 0;
  std::string key_head_;      // <prefix>{
  std::string command_tail_;  // everything after the value, "NX GET EX <ttl>"

  redisContext* context_ = nullptr;
  RedisState state_ = RedisState::Disconnected;
  std::int64_t connect_started_ns_ = 0;
  std::int64_t next_attempt_ns_ = 0;
  std::int64_t backoff_ns_ = 0;

  // Requests in submission order: [head_, tail_) undelivered; entries before
  // reply_ have their reply or never needed one.
  std::vector<Pending> pending_;
  std::size_t pending_mask_ = 0;
  std::uint64_t head_ = 0;
  std::uint64_t reply_ = 0;
  std::uint64_t tail_ = 0;
  std::size_t awaiting_ = 0;

  std::string out_;  // commands for the socket; the first out_sent_ bytes are written
  std::size_t out_sent_ = 0;
  std::vector<char> in_;  // one recv() worth
  detail::RedisReplySlot reply_slot_;

  RedisMetrics metrics_;
  char last_error_[160] = {};
  std::size_t last_error_length_ = 0;
};

}  // namespace matchgate::dedup
