#pragma once
// Private to src/net: what the io_uring and Asio backends share — bounded
// per-connection buffers, the generation-tagged slot table, close
// bookkeeping and the listening socket.
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "matchgate/net/tcp_server.hpp"

namespace matchgate::net::detail {

// Thrown when io_uring cannot be used at all; Backend::Auto falls back on it.
class UringUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::unique_ptr<TcpServer> make_uring_server(const ServerOptions& options,
                                             ConnectionHandler& handler);
std::unique_ptr<TcpServer> make_asio_server(const ServerOptions& options,
                                            ConnectionHandler& handler);

// Anonymous private mapping. Pages are only backed once touched, so the
// connection table can reserve every slot's buffers up front and still cost
// memory only for the slots actually used; page alignment suits the
// io_uring buffer ring too.
class MappedBlock {
 public:
  MappedBlock() = default;
  explicit MappedBlock(std::size_t bytes);
  ~MappedBlock();
  MappedBlock(MappedBlock&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr, o.size_ = 0;
  }
  MappedBlock& operator=(MappedBlock&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    return *this;
  }
  char* data() const { return data_; }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

// Bytes the handler has not consumed yet, kept at the front so the handler
// always sees one contiguous span.
struct InputBuffer {
  char* data = nullptr;
  std::size_t cap = 0;
  std::size_t size = 0;

  std::size_t space() const { return cap - size; }
  void append(const char* p, std::size_t n) {
    std::memcpy(data + size, p, n);
    size += n;
  }
  void consume(std::size_t n) {
    if (n >= size) {
      size = 0;
      return;
    }
    std::memmove(data, data + n, size - n);
    size -= n;
  }
};

// Output bytes as a ring: new data is appended behind the bytes a send in
// flight is reading, so the in-flight region is never moved or overwritten.
class OutputRing {
 public:
  void attach(char* mem, std::size_t cap) { mem_ = mem, cap_ = cap, head_ = 0, size_ = 0; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool fits(std::size_t n) const { return n <= cap_ - size_; }
  void push(const char* p, std::size_t n) {
    std::size_t tail = head_ + size_;
    if (tail >= cap_) tail -= cap_;
    std::size_t first = std::min(n, cap_ - tail);
    std::memcpy(mem_ + tail, p, first);
    std::memcpy(mem_, p + first, n - first);
    size_ += n;
  }
  // All buffered bytes as at most two segments; returns how many.
  int segments(std::array<iovec, 2>& out) const {
    std::size_t first = std::min(size_, cap_ - head_);
    out[0] = {mem_ + head_, first};
    if (first == size_) return 1;
    out[1] = {mem_, size_ - first};
    return 2;
  }
  void consume(std::size_t n) {
    n = std::min(n, size_);
    head_ += n;
    if (head_ >= cap_) head_ -= cap_;
    size_ -= n;
    // Rewinding keeps the next send contiguous; only called with no send in flight.
    if (size_ == 0) head_ = 0;
  }
  void clear() { head_ = 0, size_ = 0; }

 private:
  char* mem_ = nullptr;
  std::size_t cap_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

enum class ConnState : std::uint8_t {
  Free,
  Open,
  Draining,  // close() called: sending what is buffered, id already invalid
  Closing,   // socket being torn down, waiting for the backend's operations to end
};

struct ConnCore {
  std::uint32_t generation = 1;
  ConnState state = ConnState::Free;
  bool paused = false;
  bool notified = true;  // false while on_close is owed
  // Each slot sits at most once in each work list, so the lists never grow
  // past max_connections and never reallocate.
  bool flush_queued = false;
  bool pump_queued = false;
  CloseReason reason = CloseReason::PeerClosed;
  std::chrono::steady_clock::time_point linger_deadline{};
  InputBuffer in;
  OutputRing out;
};

inline bool is_abortive(CloseReason r) {
  return r == CloseReason::Error || r == CloseReason::InputOverflow ||
         r == CloseReason::OutputOverflow;
}

// Listening socket bound to options.host:options.port. Throws std::system_error.
int open_listen_socket(const ServerOptions& options);
std::uint16_t local_port(int fd);
PeerAddress peer_address(int fd);
// TCP_NODELAY (the gateway writes whole messages and wants them on the wire
// now) and the configured socket buffer sizes.
void tune_accepted_socket(int fd, const ServerOptions& options);
void validate(const ServerOptions& options);

// Slot table, close bookkeeping and the parts of the TcpServer interface that
// do not depend on the backend. Conn derives from ConnCore.
template <class Conn>
class ServerCore : public TcpServer {
 public:
  bool send(ConnectionId id, std::span<const char> data) override {
    Conn* c = lookup(id);
    if (c == nullptr) return false;
    if (data.empty()) return true;
    if (!c->out.fits(data.size())) {
      ++stats_.output_overflows;
      if (opt_.close_on_output_overflow) close_now(id.slot(), CloseReason::OutputOverflow);
      return false;
    }
    c->out.push(data.data(), data.size());
    queue_flush(id.slot());
    return true;
  }

  void pause_reading(ConnectionId id) override {
    Conn* c = lookup(id);
    if (c == nullptr || c->paused) return;
    c->paused = true;
    backend_pause(id.slot());
  }

  void resume_reading(ConnectionId id) override {
    Conn* c = lookup(id);
    if (c == nullptr || !c->paused) return;
    c->paused = false;
    // Deferred to do_work so that buffered data is re-presented even if no
    // new bytes arrive, and never re-entrantly inside a handler callback.
    if (!c->pump_queued) {
      c->pump_queued = true;
      pump_list_.push_back(id.slot());
    }
  }

  void close(ConnectionId id) override {
    Conn* c = lookup(id);
    if (c == nullptr) return;
    const std::uint32_t slot = id.slot();
    leave_open(slot, CloseReason::LocalClose);
    c->state = ConnState::Draining;
    c->linger_deadline = std::chrono::steady_clock::now() + opt_.close_linger;
    ++draining_;
    c->paused = false;
    c->in.size = 0;
    backend_drain(slot);
  }

  bool is_open(ConnectionId id) const override {
    if (id.slot() >= conns_.size()) return false;
    const Conn& c = conns_[id.slot()];
    return c.state == ConnState::Open && c.generation == id.generation();
  }
  std::size_t connection_count() const override { return open_count_; }
  const ServerStats& stats() const override { return stats_; }

 protected:
  ServerCore(const ServerOptions& options, ConnectionHandler& handler)
      : opt_(options), handler_(handler) {
    validate(opt_);
    in_cap_ = opt_.input_buffer_bytes != 0 ? opt_.input_buffer_bytes : 2 * opt_.max_message_bytes;
    const std::size_t n = opt_.max_connections;
    in_mem_ = MappedBlock(n * in_cap_);
    out_mem_ = MappedBlock(n * opt_.max_output_bytes);
    free_.reserve(n);
    for (std::size_t i = n; i-- > 0;) free_.push_back(static_cast<std::uint32_t>(i));
    flush_list_.reserve(n);
    pump_list_.reserve(n);
    closed_.reserve(n);
  }

  // Called by the backend once conns_ holds max_connections entries.
  void attach_buffers() {
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      conns_[i].in.data = in_mem_.data() + i * in_cap_;
      conns_[i].in.cap = in_cap_;
      conns_[i].out.attach(out_mem_.data() + i * opt_.max_output_bytes, opt_.max_output_bytes);
    }
  }

  // Backend hooks.
  virtual void backend_pause(std::uint32_t slot) = 0;
  virtual void backend_drain(std::uint32_t slot) = 0;                 // state is Draining
  virtual void backend_abort(std::uint32_t slot, bool abortive) = 0;  // state is Closing
  virtual bool backend_idle(std::uint32_t slot) const = 0;            // no operation in flight
  virtual void backend_release(std::uint32_t slot) = 0;               // close the socket

  Conn* lookup(ConnectionId id) {
    if (id.slot() >= conns_.size()) return nullptr;
    Conn& c = conns_[id.slot()];
    return (c.state == ConnState::Open && c.generation == id.generation()) ? &c : nullptr;
  }
  ConnectionId id_of(std::uint32_t slot) const {
    return ConnectionId(slot, conns_[slot].generation);
  }

  bool take_slot(std::uint32_t& slot) {
    if (free_.empty()) return false;
    slot = free_.back();
    free_.pop_back();
    Conn& c = conns_[slot];
    c.state = ConnState::Open;
    c.paused = false;
    c.notified = true;
    c.in.size = 0;
    c.out.clear();
    ++open_count_;
    ++stats_.accepted;
    return true;
  }

  // on_accept said no: the slot goes back without on_close.
  void reject_slot(std::uint32_t slot) {
    Conn& c = conns_[slot];
    bump_generation(c);
    c.state = ConnState::Free;
    --open_count_;
    ++stats_.rejected_by_handler;
    free_.push_back(slot);
  }

  void queue_flush(std::uint32_t slot) {
    Conn& c = conns_[slot];
    if (!c.flush_queued) {
      c.flush_queued = true;
      flush_list_.push_back(slot);
    }
  }

  // Immediate teardown (errors, overflow, peer close, end of a drain).
  void close_now(std::uint32_t slot, CloseReason reason) {
    Conn& c = conns_[slot];
    if (c.state == ConnState::Open) {
      leave_open(slot, reason);
    } else if (c.state == ConnState::Draining) {
      --draining_;
    } else {
      return;
    }
    if (reason == CloseReason::InputOverflow) ++stats_.input_overflows;
    c.state = ConnState::Closing;
    c.paused = false;
    backend_abort(slot, is_abortive(reason));
    try_release(slot);
  }

  void try_release(std::uint32_t slot) {
    Conn& c = conns_[slot];
    if (c.state != ConnState::Closing || !c.notified || !backend_idle(slot)) return;
    backend_release(slot);
    c.state = ConnState::Free;
    c.in.size = 0;
    c.out.clear();
    free_.push_back(slot);
  }

  std::size_t call_on_data(std::uint32_t slot, const char* p, std::size_t n) {
    const std::size_t used = handler_.on_data(id_of(slot), std::span<const char>(p, n));
    return std::min(used, n);
  }

  // Presents the input buffer on its own (after resume_reading, or with new
  // bytes already appended). A full buffer the handler does not touch can
  // never make progress, so it closes the connection.
  void present_input(std::uint32_t slot) {
    Conn& c = conns_[slot];
    if (c.in.size == 0) return;
    const std::size_t used = call_on_data(slot, c.in.data, c.in.size);
    if (c.state != ConnState::Open) return;
    c.in.consume(used);
    if (!c.paused && used == 0 && c.in.size == c.in.cap)
      close_now(slot, CloseReason::InputOverflow);
  }

  // on_close for every connection closed since the last call, then the
  // slots whose sockets are already done go back to the free list.
  int deliver_closed() {
    int n = 0;
    for (std::size_t i = 0; i < closed_.size(); ++i) {
      const Closed e = closed_[i];
      handler_.on_close(e.id, e.reason);
      ++stats_.closed;
      conns_[e.slot].notified = true;
      try_release(e.slot);
      ++n;
    }
    closed_.clear();
    return n;
  }

  void check_linger() {
    if (draining_ == 0) return;
    const auto now = std::chrono::steady_clock::now();
    for (std::uint32_t s = 0; s < conns_.size() && draining_ > 0; ++s) {
      if (conns_[s].state == ConnState::Draining && conns_[s].linger_deadline <= now)
        close_now(s, CloseReason::LocalClose);
    }
  }

  ServerOptions opt_;
  ConnectionHandler& handler_;
  ServerStats stats_;
  std::size_t in_cap_ = 0;
  std::vector<Conn> conns_;
  std::vector<std::uint32_t>
      free_;  // stack: a just-freed slot is reused first, keeping its pages warm
  std::vector<std::uint32_t> flush_list_;
  std::vector<std::uint32_t> pump_list_;
  std::size_t open_count_ = 0;
  std::size_t draining_ = 0;

 private:
  struct Closed {
    ConnectionId id;
    std::uint32_t slot;
    CloseReason reason;
  };

  static void bump_generation(Conn& c) {
    if (++c.generation == 0) c.generation = 1;
  }

  void leave_open(std::uint32_t slot, CloseReason reason) {
    Conn& c = conns_[slot];
    closed_.push_back(Closed{id_of(slot), slot, reason});
    c.reason = reason;
    c.notified = false;
    bump_generation(c);
    --open_count_;
  }

  MappedBlock in_mem_;
  MappedBlock out_mem_;
  std::vector<Closed> closed_;
};

}  // namespace matchgate::net::detail
