#include "matchgate/dedup/redis_store.hpp"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace matchgate::dedup {
namespace {

// The value is "1:" then order_ref and fingerprint as 16 lower-case hex
// digits each, separated by ':'; the leading 1 is the format version.
constexpr std::size_t kValueLength = 2 + 16 + 1 + 16;
constexpr char kHexDigits[] = "0123456789abcdef";

void put_hex16(char* out, std::uint64_t v) noexcept {
  for (int i = 15; i >= 0; --i) {
    out[i] = kHexDigits[v & 0xf];
    v >>= 4;
  }
}

bool parse_hex16(const char* in, std::uint64_t& v) noexcept {
  v = 0;
  for (int i = 0; i < 16; ++i) {
    const char c = in[i];
    std::uint64_t digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<std::uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<std::uint64_t>(c - 'a') + 10;
    } else {
      return false;
    }
    v = (v << 4) | digit;
  }
  return true;
}

void format_value(char* out, std::uint64_t order_ref, std::uint64_t fingerprint) noexcept {
  out[0] = '1';
  out[1] = ':';
  put_hex16(out + 2, order_ref);
  out[18] = ':';
  put_hex16(out + 19, fingerprint);
}

bool parse_value(const char* in, std::size_t length, std::uint64_t& order_ref,
                 std::uint64_t& fingerprint) noexcept {
  return length == kValueLength && in[0] == '1' && in[1] == ':' && in[18] == ':' &&
         parse_hex16(in + 2, order_ref) && parse_hex16(in + 19, fingerprint);
}

// Reply objects for the hiredis reader: instead of allocating a redisReply
// per reply, the reader describes the top-level reply in the client's one
// RedisReplySlot, which handle_reply() reads before the next one is parsed.
// Elements of arrays (no command here gets one) are acknowledged and dropped.
void* slot_of(const redisReadTask* task) noexcept {
  return task->privdata;
}

void* create_string(const redisReadTask* task, char* str, size_t len) {
  auto* slot = static_cast<detail::RedisReplySlot*>(slot_of(task));
  if (task->parent == nullptr) {
    slot->type = task->type;
    slot->length = len;
    std::memcpy(slot->text, str, std::min(len, detail::RedisReplySlot::kTextCapacity));
  }
  return slot;
}

void* create_array(const redisReadTask* task, int) {
  auto* slot = static_cast<detail::RedisReplySlot*>(slot_of(task));
  if (task->parent == nullptr) {
    slot->type = REDIS_REPLY_ARRAY;
    slot->length = 0;
  }
  return slot;
}

void* create_integer(const redisReadTask* task, long long) {
  auto* slot = static_cast<detail::RedisReplySlot*>(slot_of(task));
  if (task->parent == nullptr) {
    slot->type = REDIS_REPLY_INTEGER;
    slot->length = 0;
  }
  return slot;
}

void* create_nil(const redisReadTask* task) {
  auto* slot = static_cast<detail::RedisReplySlot*>(slot_of(task));
  if (task->parent == nullptr) {
    slot->type = REDIS_REPLY_NIL;
    slot->length = 0;
  }
  return slot;
}

void free_nothing(void*) {}

redisReplyObjectFunctions slot_functions = {create_string, create_array, create_integer, create_nil,
                                            free_nothing};

bool numeric_address(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::int64_t to_ns(std::chrono::milliseconds ms) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(ms).count();
}

void append_bulk_header(std::string& out, std::size_t length) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, length).ptr;
  out += '$';
  out.append(digits, end);
  out += "\r\n";
}

}  // namespace

const char* to_string(RedisStatus status) noexcept {
  switch (status) {
    case RedisStatus::Created:
      return "created";
    case RedisStatus::Exists:
      return "exists";
    case RedisStatus::Unavailable:
      return "unavailable";
  }
  return "?";
}

const char* to_string(UnavailableReason reason) noexcept {
  switch (reason) {
    case UnavailableReason::None:
      return "none";
    case UnavailableReason::NotConnected:
      return "dedup store (redis) not connected";
    case UnavailableReason::ConnectionLost:
      return "dedup store (redis) connection lost";
    case UnavailableReason::Timeout:
      return "dedup store (redis) timed out";
    case UnavailableReason::ServerError:
      return "dedup store (redis) returned an error";
    case UnavailableReason::BadValue:
      return "dedup store (redis) holds an unreadable value";
    case UnavailableReason::InvalidKey:
      return "ClOrdID empty or too long for the dedup store";
  }
  return "?";
}

const char* to_string(RedisState state) noexcept {
  switch (state) {
    case RedisState::Disconnected:
      return "disconnected";
    case RedisState::Connecting:
      return "connecting";
    case RedisState::Connected:
      return "connected";
  }
  return "?";
}

RedisMetrics RedisMetrics::registered(ops::MetricGroup& g) {
  const auto result = [&](const char* r) {
    return g.counter(
        {"matchgate_dedup_redis_results_total", "Redis answers by kind", {{"result", r}}});
  };
  RedisMetrics m;
  m.submitted = g.counter({"matchgate_dedup_redis_requests_total", "SET NX requests sent"});
  m.created = result("created");
  m.exists = result("exists");
  m.unavailable = result("unavailable");
  m.timeouts = g.counter({"matchgate_dedup_redis_timeouts_total", "connections dropped: late"});
  m.connects = g.counter({"matchgate_dedup_redis_connects_total", "connections established"});
  m.connect_failures =
      g.counter({"matchgate_dedup_redis_connect_failures_total", "connection attempts failed"});
  m.disconnects = g.counter({"matchgate_dedup_redis_disconnects_total", "connections lost"});
  m.server_errors = g.counter({"matchgate_dedup_redis_server_errors_total", "error replies"});
  return m;
}

RedisStore::RedisStore(RedisOptions options, RedisMetrics metrics)
    : options_(std::move(options)), metrics_(metrics) {
  if (!numeric_address(options_.host)) {
    throw std::invalid_argument("RedisStore: host must be a numeric IP address, not \"" +
                                options_.host + "\"");
  }
  if (options_.port == 0) throw std::invalid_argument("RedisStore: port must be 1..65535");
  if (options_.prefix.size() > kMaxPrefixLength) {
    throw std::invalid_argument("RedisStore: prefix longer than 256 bytes");
  }
  if (options_.ttl.count() <= 0) throw std::invalid_argument("RedisStore: ttl must be positive");
  if (options_.timeout.count() <= 0) {
    throw std::invalid_argument("RedisStore: timeout must be positive");
  }
  if (options_.max_in_flight == 0 || options_.max_in_flight > (std::size_t{1} << 24)) {
    throw std::invalid_argument("RedisStore: max_in_flight must be 1..2^24");
  }
  if (options_.reconnect_min.count() <= 0 || options_.reconnect_max < options_.reconnect_min) {
    throw std::invalid_argument("RedisStore: need 0 < reconnect_min <= reconnect_max");
  }
  timeout_ns_ = to_ns(options_.timeout);
  reconnect_min_ns_ = to_ns(options_.reconnect_min);
  reconnect_max_ns_ = to_ns(options_.reconnect_max);
  backoff_ns_ = reconnect_min_ns_;

  key_head_ = options_.prefix + "{";
  const std::string ttl = std::to_string(options_.ttl.count());
  command_tail_ = "$2\r\nNX\r\n$3\r\nGET\r\n$2\r\nEX\r\n";
  append_bulk_header(command_tail_, ttl.size());
  command_tail_ += ttl;
  command_tail_ += "\r\n";

  pending_.resize(std::bit_ceil(options_.max_in_flight));
  pending_mask_ = pending_.size() - 1;
  out_.reserve(std::size_t{1} << 20);
  in_.resize(std::size_t{1} << 16);
}

RedisStore::~RedisStore() {
  if (context_ != nullptr) redisFree(context_);
}

int RedisStore::fd() const noexcept {
  return context_ != nullptr ? context_->fd : -1;
}

std::string RedisStore::key_name(MemberId member, std::string_view cl_ord_id) const {
  return key_head_ + std::to_string(member) + "}:" + std::string(cl_ord_id);
}

std::string RedisStore::encode_value(std::uint64_t order_ref, std::uint64_t fingerprint) {
  std::string value(kValueLength, '\0');
  format_value(value.data(), order_ref, fingerprint);
  return value;
}

void RedisStore::append_command(MemberId member, std::string_view cl_ord_id,
                                std::uint64_t order_ref, std::uint64_t fingerprint) {
  char member_digits[12];
  const auto member_end =
      std::to_chars(member_digits, member_digits + sizeof member_digits, member).ptr;
  const auto member_length = static_cast<std::size_t>(member_end - member_digits);
  char value[kValueLength];
  format_value(value, order_ref, fingerprint);

  // *7 SET <key> <value> NX GET EX <ttl>, as RESP.
  out_ += "*7\r\n$3\r\nSET\r\n";
  append_bulk_header(out_, key_head_.size() + member_length + 2 + cl_ord_id.size());
  out_ += key_head_;
  out_.append(member_digits, member_length);
  out_ += "}:";
  out_ += cl_ord_id;
  out_ += "\r\n$35\r\n";
  out_.append(value, kValueLength);
  out_ += "\r\n";
  out_ += command_tail_;
}

bool RedisStore::submit(MemberId member, std::string_view cl_ord_id, std::uint64_t order_ref,
                        std::uint64_t fingerprint, std::uint64_t token, std::int64_t now_ns) {
  if (tail_ - head_ == pending_.size()) return false;
  metrics_.submitted.inc();
  Pending& p = pending_[tail_++ & pending_mask_];
  p.result = RedisResult{};
  p.result.token = token;
  p.submitted_ns = now_ns;
  p.awaiting = false;
  if (cl_ord_id.empty() || cl_ord_id.size() > kMaxClOrdIdLength) {
    finish(p, RedisStatus::Unavailable, UnavailableReason::InvalidKey);
    return true;
  }
  if (state_ == RedisState::Disconnected && now_ns >= next_attempt_ns_) start_connect(now_ns);
  if (state_ == RedisState::Disconnected) {
    finish(p, RedisStatus::Unavailable, UnavailableReason::NotConnected);
    return true;
  }
  append_command(member, cl_ord_id, order_ref, fingerprint);
  p.awaiting = true;
  ++awaiting_;
  return true;
}

void RedisStore::finish(Pending& p, RedisStatus status, UnavailableReason reason,
                        std::uint64_t order_ref, std::uint64_t fingerprint) noexcept {
  p.awaiting = false;
  p.result.status = status;
  p.result.reason = reason;
  p.result.order_ref = order_ref;
  p.result.fingerprint = fingerprint;
  switch (status) {
    case RedisStatus::Created:
      metrics_.created.inc();
      break;
    case RedisStatus::Exists:
      metrics_.exists.inc();
      break;
    case RedisStatus::Unavailable:
      metrics_.unavailable.inc();
      break;
  }
}

void RedisStore::set_last_error(std::string_view what) noexcept {
  last_error_length_ = std::min(what.size(), sizeof last_error_);
  std::memcpy(last_error_, what.data(), last_error_length_);
}

void RedisStore::pump(std::int64_t now_ns) {
  if (state_ == RedisState::Disconnected && now_ns >= next_attempt_ns_) start_connect(now_ns);
  if (state_ == RedisState::Connecting) check_connect(now_ns);
  if (state_ == RedisState::Connected) flush(now_ns);
  if (state_ == RedisState::Connected) receive(now_ns);
  check_timeout(now_ns);
}

void RedisStore::start_connect(std::int64_t now_ns) {
  context_ = redisConnectNonBlock(options_.host.c_str(), options_.port);
  if (context_ == nullptr || context_->err != 0) {
    state_ = RedisState::Connecting;  // so fail() counts a failed attempt
    fail(now_ns, UnavailableReason::NotConnected,
         context_ != nullptr ? std::string_view(context_->errstr) : "out of memory");
    return;
  }
  redisReader* reader = context_->reader;
  reader->fn = &slot_functions;
  reader->privdata = &reply_slot_;
  reader->maxbuf = 0;  // keep the reader's buffer: no allocation per batch
  state_ = RedisState::Connecting;
  connect_started_ns_ = now_ns;
  check_connect(now_ns);
}

void RedisStore::check_connect(std::int64_t now_ns) {
  pollfd pfd{context_->fd, POLLOUT, 0};
  const int ready = ::poll(&pfd, 1, 0);
  if (ready == 0 || (ready < 0 && errno == EINTR)) {
    if (now_ns - connect_started_ns_ >= timeout_ns_) {
      metrics_.timeouts.inc();
      fail(now_ns, UnavailableReason::Timeout, "connect timed out");
    }
    return;
  }
  int error = 0;
  socklen_t length = sizeof error;
  if (ready < 0 || ::getsockopt(pfd.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
    error = errno;
  }
  if (error != 0) {
    fail(now_ns, UnavailableReason::ConnectionLost, std::strerror(error));
    return;
  }
  state_ = RedisState::Connected;
  metrics_.connects.inc();
  backoff_ns_ = reconnect_min_ns_;
  flush(now_ns);
}

void RedisStore::flush(std::int64_t now_ns) {
  while (out_sent_ < out_.size()) {
    const ssize_t n = ::send(context_->fd, out_.data() + out_sent_, out_.size() - out_sent_,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_sent_ += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      fail(now_ns, UnavailableReason::ConnectionLost, std::strerror(errno));
      return;
    }
  }
  if (out_sent_ == out_.size()) {
    out_.clear();  // keeps its capacity
    out_sent_ = 0;
  } else if (out_sent_ >= (std::size_t{1} << 20)) {
    out_.erase(0, out_sent_);
    out_sent_ = 0;
  }
}

void RedisStore::receive(std::int64_t now_ns) {
  for (;;) {
    const ssize_t n = ::recv(context_->fd, in_.data(), in_.size(), MSG_DONTWAIT);
    if (n == 0) {
      fail(now_ns, UnavailableReason::ConnectionLost, "connection closed by redis");
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      fail(now_ns, UnavailableReason::ConnectionLost, std::strerror(errno));
      return;
    }
    if (redisReaderFeed(context_->reader, in_.data(), static_cast<std::size_t>(n)) != REDIS_OK) {
      fail(now_ns, UnavailableReason::ConnectionLost, context_->reader->errstr);
      return;
    }
    for (;;) {
      void* reply = nullptr;
      if (redisReaderGetReply(context_->reader, &reply) != REDIS_OK) {
        fail(now_ns, UnavailableReason::ConnectionLost, context_->reader->errstr);
        return;
      }
      if (reply == nullptr) break;
      handle_reply(now_ns);
      if (state_ != RedisState::Connected) return;
    }
    if (static_cast<std::size_t>(n) < in_.size()) return;  // drained
  }
}

void RedisStore::sync_reply_cursor() noexcept {
  // Delivered requests never await a reply, and their slots may be reused.
  if (reply_ < head_) reply_ = head_;
}

void RedisStore::handle_reply(std::int64_t now_ns) {
  sync_reply_cursor();
  while (reply_ != tail_ && !pending_[reply_ & pending_mask_].awaiting) ++reply_;
  if (reply_ == tail_) {
    fail(now_ns, UnavailableReason::ConnectionLost, "reply without a request");
    return;
  }
  Pending& p = pending_[reply_++ & pending_mask_];
  --awaiting_;
  const detail::RedisReplySlot& r = reply_slot_;
  std::uint64_t order_ref = 0;
  std::uint64_t fingerprint = 0;
  switch (r.type) {
    case REDIS_REPLY_NIL:
      finish(p, RedisStatus::Created, UnavailableReason::None);
      break;
    case REDIS_REPLY_STRING:
      if (parse_value(r.text, r.length, order_ref, fingerprint)) {
        finish(p, RedisStatus::Exists, UnavailableReason::None, order_ref, fingerprint);
      } else {
        finish(p, RedisStatus::Unavailable, UnavailableReason::BadValue);
      }
      break;
    case REDIS_REPLY_ERROR:
      metrics_.server_errors.inc();
      set_last_error({r.text, std::min(r.length, detail::RedisReplySlot::kTextCapacity)});
      finish(p, RedisStatus::Unavailable, UnavailableReason::ServerError);
      break;
    default:
      metrics_.server_errors.inc();
      set_last_error("unexpected reply type to SET NX GET");
      finish(p, RedisStatus::Unavailable, UnavailableReason::ServerError);
      break;
  }
}

void RedisStore::check_timeout(std::int64_t now_ns) {
  if (awaiting_ == 0) return;
  sync_reply_cursor();
  while (!pending_[reply_ & pending_mask_].awaiting) ++reply_;
  if (now_ns - pending_[reply_ & pending_mask_].submitted_ns >= timeout_ns_) {
    metrics_.timeouts.inc();
    fail(now_ns, UnavailableReason::Timeout, "no reply within the timeout");
  }
}

void RedisStore::fail(std::int64_t now_ns, UnavailableReason reason, std::string_view what) {
  set_last_error(what);
  if (state_ == RedisState::Connected) {
    metrics_.disconnects.inc();
  } else {
    metrics_.connect_failures.inc();
  }
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
  sync_reply_cursor();
  for (; reply_ != tail_; ++reply_) {
    Pending& p = pending_[reply_ & pending_mask_];
    if (p.awaiting) finish(p, RedisStatus::Unavailable, reason);
  }
  awaiting_ = 0;
  out_.clear();
  out_sent_ = 0;
  state_ = RedisState::Disconnected;
  next_attempt_ns_ = now_ns + backoff_ns_;
  backoff_ns_ = std::min(backoff_ns_ * 2, reconnect_max_ns_);
}

}  // namespace matchgate::dedup
