// Boost.Asio (epoll) backend: the portable fallback. The io_context is
// polled, never run, so the owner's duty cycle stays in charge.
#include <sys/socket.h>
#include <unistd.h>

#include <sys/eventfd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>
#include <optional>

#include "server_common.hpp"

namespace matchgate::net::detail {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct AsioConn : ConnCore {
  std::optional<tcp::socket> sock;
  bool reading = false;
  bool writing = false;
};

class AsioServer final : public ServerCore<AsioConn> {
  static constexpr int kHandlersPerCycle = 64;

 public:
  AsioServer(const ServerOptions& options, ConnectionHandler& handler)
      : ServerCore(options, handler), io_(1), acceptor_(io_), pending_(io_), wake_desc_(io_) {
    conns_.resize(opt_.max_connections);
    for (auto& c : conns_) c.sock.emplace(io_);
    attach_buffers();
    const int fd = open_listen_socket(opt_);
    port_ = local_port(fd);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    error_code ec;
    acceptor_.assign(ss.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec);
    if (ec) {
      ::close(fd);
      throw boost::system::system_error(ec, "asio acceptor");
    }
    start_accept();
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    wake_desc_.assign(wake_fd_);
    arm_wake();
  }

  void wake() noexcept override {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }

  ~AsioServer() override {
    // Sockets must go before the io_context they belong to; pending
    // handlers are destroyed with it, uninvoked.
    error_code ec;
    acceptor_.close(ec);
    wake_desc_.close(ec);
    conns_.clear();
  }

  int do_work() override {
    if (io_.stopped()) io_.restart();
    int work = 0;
    flush_queued();
    // poll() would run until nothing is ready, and reads complete
    // speculatively while the peer keeps sending: one busy connection
    // could keep this cycle (and every queued send) waiting indefinitely.
    for (int i = 0; i < kHandlersPerCycle && io_.poll_one() != 0; ++i) ++work;
    work += after_events();
    flush_queued();
    return work;
  }

  int poll(std::chrono::microseconds max_idle_wait) override {
    const int work = do_work();
    if (work > 0 || max_idle_wait.count() <= 0) return work;
    if (io_.stopped()) io_.restart();
    const int ran = static_cast<int>(io_.run_one_for(max_idle_wait));
    return ran + do_work();
  }

  std::uint16_t port() const override { return port_; }
  Backend backend() const override { return Backend::Asio; }
  const char* name() const override { return "net-asio"; }

 protected:
  // A read already in flight completes into the input buffer and is kept
  // there, undelivered, until resume.
  void backend_pause(std::uint32_t) override {}

  void backend_drain(std::uint32_t slot) override {
    AsioConn& c = conns_[slot];
    error_code ec;
    // Ends a pending read with EOF; what arrives afterwards is discarded.
    if (c.reading) c.sock->shutdown(tcp::socket::shutdown_receive, ec);
    if (c.out.empty() && !c.writing) close_now(slot, CloseReason::LocalClose);
  }

  void backend_abort(std::uint32_t slot, bool abortive) override {
    AsioConn& c = conns_[slot];
    error_code ec;
    if (abortive) c.sock->set_option(asio::socket_base::linger(true, 0), ec);
    c.sock->close(ec);  // pending operations complete with operation_aborted
  }

  bool backend_idle(std::uint32_t slot) const override {
    return !conns_[slot].reading && !conns_[slot].writing;
  }
  void backend_release(std::uint32_t) override {}

 private:
  // A read of the eventfd that wake() writes; completing ends run_one_for().
  void arm_wake() {
    wake_desc_.async_read_some(asio::buffer(&wake_value_, sizeof wake_value_),
                               [this](const error_code& ec, std::size_t) {
                                 if (ec != asio::error::operation_aborted) arm_wake();
                               });
  }

  void start_accept() {
    accept_pending_ = true;
    acceptor_.async_accept(pending_, [this](const error_code& ec) { on_accept(ec); });
  }

  void on_accept(const error_code& ec) {
    accept_pending_ = false;
    if (ec == asio::error::operation_aborted) return;
    // Re-armed in after_events, not here: a persistent error (EMFILE) would
    // otherwise keep io_context::poll() busy forever.
    accept_rearm_ = true;
    if (ec) return;
    std::uint32_t slot = 0;
    if (!take_slot(slot)) {
      error_code ignored;
      pending_.close(ignored);
      ++stats_.refused_over_limit;
      return;
    }
    AsioConn& c = conns_[slot];
    *c.sock = std::move(pending_);
    // A moved-from socket loses its (type-erased) executor: start afresh.
    pending_ = tcp::socket(io_);
    const int fd = c.sock->native_handle();
    tune_accepted_socket(fd, opt_);
    const PeerAddress peer = peer_address(fd);
    if (!handler_.on_accept(id_of(slot), peer)) {
      if (c.state == ConnState::Open) {
        reject_slot(slot);
        error_code ignored;
        c.sock->close(ignored);
      }
      return;
    }
    start_read(slot);
  }

  void start_read(std::uint32_t slot) {
    AsioConn& c = conns_[slot];
    if (c.reading || c.paused || c.state != ConnState::Open || c.in.space() == 0) return;
    c.reading = true;
    c.sock->async_read_some(
        asio::buffer(c.in.data + c.in.size, c.in.space()),
        [this, slot](const error_code& ec, std::size_t n) { on_read(slot, ec, n); });
  }

  void on_read(std::uint32_t slot, const error_code& ec, std::size_t n) {
    AsioConn& c = conns_[slot];
    c.reading = false;
    if (c.state != ConnState::Open) {
      try_release(slot);
      return;
    }
    if (ec) {
      close_now(slot, ec == asio::error::eof ? CloseReason::PeerClosed : CloseReason::Error);
      return;
    }
    stats_.bytes_received += n;
    c.in.size += n;
    if (!c.paused) present_input(slot);
    start_read(slot);
  }

  void flush_queued() {
    for (const std::uint32_t slot : flush_list_) {
      AsioConn& c = conns_[slot];
      c.flush_queued = false;
      if ((c.state == ConnState::Open || c.state == ConnState::Draining) && !c.writing &&
          !c.out.empty())
        start_write(slot);
    }
    flush_list_.clear();
  }

  void start_write(std::uint32_t slot) {
    AsioConn& c = conns_[slot];
    std::array<iovec, 2> seg{};
    const int nseg = c.out.segments(seg);
    std::array<asio::const_buffer, 2> bufs{
        asio::const_buffer(seg[0].iov_base, seg[0].iov_len),
        asio::const_buffer(nseg == 2 ? seg[1].iov_base : nullptr, nseg == 2 ? seg[1].iov_len : 0)};
    c.writing = true;
    ++stats_.send_calls;
    asio::async_write(*c.sock, bufs,
                      [this, slot](const error_code& ec, std::size_t n) { on_write(slot, ec, n); });
  }

  void on_write(std::uint32_t slot, const error_code& ec, std::size_t n) {
    AsioConn& c = conns_[slot];
    c.writing = false;
    c.out.consume(n);
    stats_.bytes_sent += n;
    if (c.state == ConnState::Open || c.state == ConnState::Draining) {
      if (ec) {
        close_now(slot, CloseReason::Error);
      } else if (!c.out.empty()) {
        queue_flush(slot);
      } else if (c.state == ConnState::Draining) {
        close_now(slot, CloseReason::LocalClose);
      }
    }
    try_release(slot);
  }

  int after_events() {
    int work = 0;
    for (std::size_t i = 0; i < pump_list_.size(); ++i) {
      const std::uint32_t slot = pump_list_[i];
      AsioConn& c = conns_[slot];
      c.pump_queued = false;
      if (c.state != ConnState::Open || c.paused) continue;
      ++work;
      present_input(slot);
      start_read(slot);
    }
    pump_list_.clear();
    check_linger();
    work += deliver_closed();
    if (accept_rearm_ && !accept_pending_) {
      accept_rearm_ = false;
      start_accept();
    }
    return work;
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  tcp::socket pending_;
  asio::posix::stream_descriptor wake_desc_;
  int wake_fd_ = -1;  // owned by wake_desc_
  std::uint64_t wake_value_ = 0;
  std::uint16_t port_ = 0;
  bool accept_pending_ = false;
  bool accept_rearm_ = false;
};

}  // namespace

std::unique_ptr<TcpServer> make_asio_server(const ServerOptions& options,
                                            ConnectionHandler& handler) {
  return std::make_unique<AsioServer>(options, handler);
}

}  // namespace matchgate::net::detail
