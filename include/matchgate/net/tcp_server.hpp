#pragma once
// TCP server for one network thread. The owner drives it as an agent
// (matchgate::util::Agent): do_work() never blocks, poll() may wait a bounded
// time when idle. Every handler callback runs inside do_work()/poll() on the
// driving thread, so neither the server nor the handler needs locks.
//
// The module moves bytes; framing belongs to the handler, which tells the
// server how many bytes it consumed. Unconsumed bytes stay in a bounded
// per-connection input buffer and are presented again, together with the next
// data received.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace matchgate::net {

// Slot index tagged with the slot's generation. A slot's generation changes
// whenever its connection closes, so an id kept after close never reaches the
// connection that reuses the slot.
class ConnectionId {
 public:
  constexpr ConnectionId() = default;
  constexpr ConnectionId(std::uint32_t slot, std::uint32_t generation)
      : slot_(slot), generation_(generation) {}

  constexpr std::uint32_t slot() const { return slot_; }
  constexpr std::uint32_t generation() const { return generation_; }
  constexpr std::uint64_t value() const { return (std::uint64_t{generation_} << 32) | slot_; }
  static constexpr ConnectionId from_value(std::uint64_t v) {
    return ConnectionId(static_cast<std::uint32_t>(v), static_cast<std::uint32_t>(v >> 32));
  }
  // Generation 0 is never handed out.
  constexpr bool valid() const { return generation_ != 0; }

  friend constexpr bool operator==(ConnectionId, ConnectionId) = default;

 private:
  std::uint32_t slot_ = 0;
  std::uint32_t generation_ = 0;
};

struct PeerAddress {
  std::array<char, 46> host{};  // numeric, NUL-terminated (INET6_ADDRSTRLEN)
  std::uint16_t port = 0;
  std::string_view host_view() const { return std::string_view(host.data()); }
};

enum class CloseReason : std::uint8_t {
  PeerClosed,      // orderly shutdown by the peer
  Error,           // socket error (reset, broken pipe, ...)
  LocalClose,      // TcpServer::close()
  InputOverflow,   // input buffer filled without the handler consuming anything
  OutputOverflow,  // send() would have exceeded max_output_bytes
};
std::string_view to_string(CloseReason r);

enum class Backend : std::uint8_t { IoUring, Asio, Auto };
std::string_view to_string(Backend b);

struct ServerOptions {
  std::string host = "127.0.0.1";  // numeric IPv4 or IPv6 address
  std::uint16_t port = 0;          // 0: the kernel picks a free port, see TcpServer::port()
  std::size_t max_connections = 1024;
  std::size_t max_message_bytes = 4096;
  std::size_t max_output_bytes = 1 << 20;
  std::size_t input_buffer_bytes = 0;  // 0: 2 * max_message_bytes
  int listen_backlog = 1024;
  // send() that does not fit closes the connection (reason OutputOverflow):
  // a client that does not read its output must not hold the gateway's memory.
  // When false, the caller gets false and decides.
  bool close_on_output_overflow = true;
  // close() keeps sending what was buffered for at most this long.
  std::chrono::milliseconds close_linger{1000};
  // SO_SNDBUF / SO_RCVBUF for accepted sockets; 0 keeps the kernel default.
  // A small send buffer makes slow consumers visible in max_output_bytes
  // instead of hiding megabytes in the kernel.
  int socket_send_buffer = 0;
  int socket_receive_buffer = 0;

  // io_uring backend only.
  unsigned ring_entries = 1024;      // submission queue size (completion queue is 4x)
  unsigned recv_buffer_count = 256;  // provided buffers, rounded up to a power of two
  std::size_t recv_buffer_bytes = 16384;
};

// Counters since construction. Read on the driving thread.
struct ServerStats {
  std::uint64_t accepted = 0;             // connections handed to on_accept
  std::uint64_t rejected_by_handler = 0;  // on_accept returned false
  std::uint64_t refused_over_limit = 0;   // accepted and closed at once: max_connections reached
  std::uint64_t closed = 0;               // on_close delivered
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t send_calls = 0;  // system-level send operations issued
  std::uint64_t output_overflows = 0;
  std::uint64_t input_overflows = 0;
  std::uint64_t recv_rearms = 0;             // io_uring: multishot recv re-armed after it ended
  std::uint64_t recv_buffers_exhausted = 0;  // io_uring: multishot recv ended with ENOBUFS
};

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // Return false to refuse the connection (closed at once, no on_close).
  virtual bool on_accept(ConnectionId id, const PeerAddress& peer) = 0;
  // Return how many leading bytes of data were consumed (clamped to the size).
  // The span is only valid during the call.
  virtual std::size_t on_data(ConnectionId id, std::span<const char> data) = 0;
  // Exactly once for every accepted connection, except when the server is
  // destroyed with the connection still open. The id is already invalid.
  virtual void on_close(ConnectionId id, CloseReason reason) = 0;
};

class TcpServer {
 public:
  virtual ~TcpServer();

  // One duty cycle: process completions, deliver data, submit queued sends.
  // Returns the amount of work done (0 = idle). Never blocks.
  virtual int do_work() = 0;
  // do_work(), and when it found nothing to do, wait at most max_idle_wait
  // for I/O and then do_work() again.
  virtual int poll(std::chrono::microseconds max_idle_wait) = 0;
  // The one call any thread may make: ends a poll() that is waiting (or
  // makes the next one return at once). Lets another thread that left work
  // for this one, e.g. in a ring, wake it without it having to spin.
  virtual void wake() noexcept = 0;

  // Copies data into the connection's output buffer; it is sent by the next
  // do_work(). False when the id is stale/closed, or when the data would
  // exceed max_output_bytes (then nothing is copied; see
  // ServerOptions::close_on_output_overflow).
  virtual bool send(ConnectionId id, std::span<const char> data) = 0;
  // Backpressure: stop reading the socket until resume_reading(). Data the
  // kernel already handed over is kept (not delivered) and is presented first
  // after resume_reading(). Both may be called from inside on_data.
  virtual void pause_reading(ConnectionId id) = 0;
  virtual void resume_reading(ConnectionId id) = 0;
  // Stop reading; what is already buffered is still sent (see close_linger),
  // then the socket closes. on_close(LocalClose) follows from do_work().
  virtual void close(ConnectionId id) = 0;

  virtual bool is_open(ConnectionId id) const = 0;
  virtual std::size_t connection_count() const = 0;
  virtual std::uint16_t port() const = 0;
  virtual Backend backend() const = 0;
  virtual const ServerStats& stats() const = 0;
  virtual const char* name() const = 0;
};

// Backend::Auto tries io_uring and falls back to Asio on any io_uring setup
// failure (EPERM under seccomp, ENOSYS, kernel too old, ...), storing why in
// *fallback_reason when given. Setting the environment variable
// MATCHGATE_NET_DISABLE_IO_URING=1 makes Auto choose Asio.
// Throws std::system_error when the listening socket cannot be set up.
// The handler must outlive the server.
std::unique_ptr<TcpServer> make_tcp_server(Backend backend, const ServerOptions& options,
                                           ConnectionHandler& handler,
                                           std::string* fallback_reason = nullptr);

}  // namespace matchgate::net
