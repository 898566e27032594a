// io_uring backend: one ring, multishot accept, multishot recv into a
// provided buffer ring, at most one send per connection in flight.
#include <liburing.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "server_common.hpp"

namespace matchgate::net::detail {
namespace {

constexpr std::uint16_t kNoBuf = 0xFFFF;
constexpr std::uint16_t kBufGroup = 0;
constexpr std::uint32_t kListenSlot = 0xFFFFFFFFu;
constexpr unsigned kCqeBatch = 256;

enum Op : std::uint64_t { kAccept = 1, kRecv = 2, kSend = 3, kCancel = 4, kWake = 5 };

std::uint64_t user_data(Op op, std::uint32_t slot) {
  return (std::uint64_t{op} << 56) | slot;
}

struct UringConn : ConnCore {
  int fd = -1;
  std::uint32_t ops = 0;  // SQEs whose final CQE has not been seen; the slot is reused only at 0
  bool recv_armed = false;
  bool recv_cancel_sent = false;
  bool recv_started = false;
  bool arm_queued = false;
  bool send_inflight = false;
  // Provided buffers received while paused (or not fully absorbed), in order.
  std::uint16_t held_head = kNoBuf;
  std::uint16_t held_tail = kNoBuf;
  // Wrapped output goes out as one sendmsg; the kernel reads these while the send is in flight.
  msghdr msg{};
  std::array<iovec, 2> iov{};
};

std::string errno_text(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

unsigned round_up_pow2(unsigned v) {
  unsigned p = 1;
  while (p < v && p < 32768) p <<= 1;
  return p;
}

class UringServer final : public ServerCore<UringConn> {
 public:
  UringServer(const ServerOptions& options, ConnectionHandler& handler)
      : ServerCore(options, handler) {
    conns_.resize(opt_.max_connections);
    attach_buffers();
    arm_list_.reserve(opt_.max_connections);
    setup_ring();
    setup_buffer_ring();
    listen_fd_ = open_listen_socket(opt_);
    port_ = local_port(listen_fd_);
    arm_accept();
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    arm_wake();
  }

  ~UringServer() override {
    // Tearing the ring down first cancels every request, so the kernel no
    // longer touches buffers or sockets when they go away.
    ring_holder_.reset();
    for (auto& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  void wake() noexcept override {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }

  int do_work() override {
    if (!enabled_) enable();
    int work = reap();
    work += after_events();
    prepare_submissions();
    enter();
    return work;
  }

  int poll(std::chrono::microseconds max_idle_wait) override {
    const int work = do_work();
    if (work > 0 || max_idle_wait.count() <= 0) return work;
    __kernel_timespec ts{};
    ts.tv_sec = max_idle_wait.count() / 1000000;
    ts.tv_nsec = (max_idle_wait.count() % 1000000) * 1000;
    io_uring_cqe* cqe = nullptr;
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    return do_work();
  }

  std::uint16_t port() const override { return port_; }
  Backend backend() const override { return Backend::IoUring; }
  const char* name() const override { return "net-uring"; }

 protected:
  void backend_pause(std::uint32_t slot) override { cancel_recv(slot); }

  void backend_drain(std::uint32_t slot) override {
    UringConn& c = conns_[slot];
    cancel_recv(slot);
    recycle_held(c);
    if (c.out.empty() && !c.send_inflight) close_now(slot, CloseReason::LocalClose);
  }

  void backend_abort(std::uint32_t slot, bool abortive) override {
    UringConn& c = conns_[slot];
    recycle_held(c);
    if (abortive) {
      // RST: a peer that misbehaved gets no orderly FIN after unread data.
      linger lg{1, 0};
      ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    } else {
      ::shutdown(c.fd, SHUT_RDWR);
    }
    if (c.ops > 0) {
      io_uring_sqe* sqe = get_sqe();
      io_uring_prep_cancel_fd(sqe, c.fd, IORING_ASYNC_CANCEL_ALL);
      io_uring_sqe_set_data64(sqe, user_data(kCancel, slot));
      ++c.ops;
    }
  }

  bool backend_idle(std::uint32_t slot) const override { return conns_[slot].ops == 0; }

  void backend_release(std::uint32_t slot) override {
    UringConn& c = conns_[slot];
    ::close(c.fd);
    c.fd = -1;
    c.recv_armed = c.recv_cancel_sent = c.recv_started = c.send_inflight = false;
  }

 private:
  void setup_ring() {
    // Best first: SINGLE_ISSUER+DEFER_TASKRUN runs completion work only when
    // this thread asks for events. R_DISABLED lets the owner construct the
    // server on one thread and drive it from another: the issuer is the
    // thread that enables the ring (first do_work).
    static constexpr unsigned kAttempts[] = {
        IORING_SETUP_R_DISABLED | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
            IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_R_DISABLED | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN |
            IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_R_DISABLED | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
        0,
    };
    int err = 0;
    for (unsigned flags : kAttempts) {
      io_uring_params p{};
      p.flags = flags | IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
      p.cq_entries = opt_.ring_entries * 4;
      err = io_uring_queue_init_params(opt_.ring_entries, &ring_, &p);
      if (err == -EINVAL) {
        p = io_uring_params{};
        p.flags = flags;
        err = io_uring_queue_init_params(opt_.ring_entries, &ring_, &p);
      }
      if (err == 0) {
        ring_flags_ = p.flags;
        break;
      }
      // Permission and absence do not depend on the flags.
      if (err == -EPERM || err == -ENOSYS || err == -EACCES) break;
    }
    if (err != 0) throw UringUnavailable(errno_text("io_uring_queue_init_params", -err));
    ring_holder_.ring = &ring_;
    enabled_ = (ring_flags_ & IORING_SETUP_R_DISABLED) == 0;

    io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
    // SEND_ZC came with 6.0, as did multishot recv, which has no opcode of its own to probe.
    const bool ok = probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_ACCEPT) &&
                    io_uring_opcode_supported(probe, IORING_OP_SEND_ZC) &&
                    io_uring_opcode_supported(probe, IORING_OP_ASYNC_CANCEL);
    if (probe != nullptr) io_uring_free_probe(probe);
    if (!ok)
      throw UringUnavailable(
          "io_uring: kernel lacks multishot recv / accept support (needs Linux 6.0)");
  }

  void setup_buffer_ring() {
    buf_count_ = round_up_pow2(std::max(opt_.recv_buffer_count, 1u));
    buf_size_ = std::max<std::size_t>(opt_.recv_buffer_bytes, 64);
    // liburing 2.3 has no io_uring_setup_buf_ring: the ring memory must be
    // page aligned, which an anonymous mapping is.
    br_mem_ = MappedBlock(sizeof(io_uring_buf) * buf_count_);
    bufs_mem_ = MappedBlock(buf_size_ * buf_count_);
    br_ = reinterpret_cast<io_uring_buf_ring*>(br_mem_.data());
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uint64_t>(br_);
    reg.ring_entries = buf_count_;
    reg.bgid = kBufGroup;
    const int rc = io_uring_register_buf_ring(&ring_, &reg, 0);
    if (rc != 0) throw UringUnavailable(errno_text("io_uring_register_buf_ring", -rc));
    io_uring_buf_ring_init(br_);
    held_next_.assign(buf_count_, kNoBuf);
    held_off_.assign(buf_count_, 0);
    held_len_.assign(buf_count_, 0);
    for (unsigned i = 0; i < buf_count_; ++i) recycle(static_cast<std::uint16_t>(i));
    publish_buffers();
  }

  void enable() {
    if (ring_flags_ & IORING_SETUP_R_DISABLED) {
      // liburing 2.3 declares io_uring_enable_rings but does not export it.
      if (::syscall(__NR_io_uring_register, ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr,
                    0) != 0)
        throw std::system_error(errno, std::generic_category(), "io_uring enable rings");
    }
    // Saves the fd lookup on every io_uring_enter; optional.
    io_uring_register_ring_fd(&ring_);
    enabled_ = true;
  }

  io_uring_sqe* get_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr && enabled_) {
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    if (sqe == nullptr) throw std::runtime_error("io_uring submission queue full");
    return sqe;
  }

  // One io_uring_enter per duty cycle at most, and none when there is
  // nothing to submit and the kernel flags no pending completion work.
  void enter() {
    const bool taskrun_flag = (ring_flags_ & IORING_SETUP_TASKRUN_FLAG) != 0;
    if (taskrun_flag && io_uring_sq_ready(&ring_) == 0) {
      const unsigned kflags =
          std::atomic_ref<unsigned>(*ring_.sq.kflags).load(std::memory_order_relaxed);
      if ((kflags & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) == 0) return;
    }
    io_uring_submit_and_get_events(&ring_);
  }

  void arm_accept() {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_multishot_accept(sqe, listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, user_data(kAccept, kListenSlot));
    accept_armed_ = true;
  }

  // A read of the eventfd that wake() writes: its completion ends a wait in
  // poll(). Re-armed after every completion.
  void arm_wake() {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_read(sqe, wake_fd_, &wake_value_, sizeof wake_value_, 0);
    io_uring_sqe_set_data64(sqe, user_data(kWake, 0));
  }

  void arm_recv(std::uint32_t slot) {
    UringConn& c = conns_[slot];
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = kBufGroup;
    io_uring_sqe_set_data64(sqe, user_data(kRecv, slot));
    ++c.ops;
    c.recv_armed = true;
    c.recv_cancel_sent = false;
    if (c.recv_started) ++stats_.recv_rearms;
    c.recv_started = true;
  }

  void cancel_recv(std::uint32_t slot) {
    UringConn& c = conns_[slot];
    if (!c.recv_armed || c.recv_cancel_sent) return;
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_cancel64(sqe, user_data(kRecv, slot), 0);
    io_uring_sqe_set_data64(sqe, user_data(kCancel, slot));
    ++c.ops;
    c.recv_cancel_sent = true;
  }

  void queue_arm(std::uint32_t slot) {
    UringConn& c = conns_[slot];
    if (!c.arm_queued) {
      c.arm_queued = true;
      arm_list_.push_back(slot);
    }
  }

  char* buf_addr(std::uint16_t bid) const {
    return bufs_mem_.data() + std::size_t{bid} * buf_size_;
  }

  // Returned buffers become visible to the kernel in publish_buffers(), once
  // per duty cycle and before any recv is re-armed.
  void recycle(std::uint16_t bid) {
    io_uring_buf_ring_add(br_, buf_addr(bid), static_cast<unsigned>(buf_size_), bid,
                          io_uring_buf_ring_mask(buf_count_), pending_returns_++);
  }
  void publish_buffers() {
    if (pending_returns_ == 0) return;
    io_uring_buf_ring_advance(br_, pending_returns_);
    pending_returns_ = 0;
  }

  void hold(UringConn& c, std::uint16_t bid, std::uint32_t off, std::uint32_t len) {
    held_next_[bid] = kNoBuf;
    held_off_[bid] = off;
    held_len_[bid] = len;
    if (c.held_tail == kNoBuf) {
      c.held_head = bid;
    } else {
      held_next_[c.held_tail] = bid;
    }
    c.held_tail = bid;
  }

  void recycle_held(UringConn& c) {
    while (c.held_head != kNoBuf) {
      const std::uint16_t bid = c.held_head;
      c.held_head = held_next_[bid];
      recycle(bid);
    }
    c.held_tail = kNoBuf;
  }

  int reap() {
    // Bounded so that sends queued by the handlers go out before a flood of
    // receive completions is worked through; the rest wait in the CQ ring.
    io_uring_cqe* batch[kCqeBatch];
    const unsigned n = io_uring_peek_batch_cqe(&ring_, batch, kCqeBatch);
    for (unsigned i = 0; i < n; ++i) handle(batch[i]->user_data, batch[i]->res, batch[i]->flags);
    io_uring_cq_advance(&ring_, n);
    return static_cast<int>(n);
  }

  void handle(std::uint64_t ud, int res, unsigned flags) {
    const auto op = static_cast<Op>(ud >> 56);
    const auto slot = static_cast<std::uint32_t>(ud);
    switch (op) {
      case kAccept:
        on_accept_cqe(res, flags);
        break;
      case kRecv:
        on_recv_cqe(slot, res, flags);
        break;
      case kSend:
        on_send_cqe(slot, res);
        break;
      case kCancel:
        --conns_[slot].ops;
        try_release(slot);
        break;
      case kWake:
        if (res != -ECANCELED) arm_wake();
        break;
    }
  }

  void on_accept_cqe(int res, unsigned flags) {
    if ((flags & IORING_CQE_F_MORE) == 0) accept_armed_ = false;
    if (res < 0) return;  // EMFILE and the like: the next accept may succeed
    const int fd = res;
    std::uint32_t slot = 0;
    if (!take_slot(slot)) {
      ::close(fd);
      ++stats_.refused_over_limit;
      return;
    }
    UringConn& c = conns_[slot];
    c.fd = fd;
    tune_accepted_socket(fd, opt_);
    const PeerAddress peer = peer_address(fd);
    if (!handler_.on_accept(id_of(slot), peer)) {
      if (c.state == ConnState::Open) {
        reject_slot(slot);
        c.out.clear();
        ::close(fd);
        c.fd = -1;
      }
      return;
    }
    if (c.state == ConnState::Open) arm_recv(slot);
  }

  void on_recv_cqe(std::uint32_t slot, int res, unsigned flags) {
    UringConn& c = conns_[slot];
    const bool more = (flags & IORING_CQE_F_MORE) != 0;
    if (!more) {
      c.recv_armed = false;
      c.recv_cancel_sent = false;
      --c.ops;
    }
    if (res > 0 && (flags & IORING_CQE_F_BUFFER) != 0) {
      const auto bid = static_cast<std::uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
      const auto len = static_cast<std::uint32_t>(res);
      stats_.bytes_received += len;
      if (c.state != ConnState::Open) {
        recycle(bid);
      } else if (c.paused || c.held_head != kNoBuf) {
        hold(c, bid, 0, len);
        if (!c.paused) pump_held(slot);
      } else {
        const std::size_t absorbed = deliver(slot, buf_addr(bid), len);
        if (absorbed < len && c.state == ConnState::Open) {
          hold(c, bid, static_cast<std::uint32_t>(absorbed),
               static_cast<std::uint32_t>(len - absorbed));
        } else {
          recycle(bid);
        }
      }
    } else if ((flags & IORING_CQE_F_BUFFER) != 0) {
      recycle(static_cast<std::uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT));
    }
    if (more) return;
    if (c.state == ConnState::Open) {
      if (res == 0) {
        close_now(slot, CloseReason::PeerClosed);
      } else if (res < 0 && res != -ENOBUFS && res != -ECANCELED && res != -EINTR) {
        close_now(slot, CloseReason::Error);
      } else {
        // Multishot ended but the connection lives: ENOBUFS (buffer ring
        // ran dry; buffers come back this cycle), a pause's cancel, or the
        // kernel simply stopping. Re-armed after buffers are published.
        if (res == -ENOBUFS) ++stats_.recv_buffers_exhausted;
        if (!c.paused) queue_arm(slot);
      }
    } else {
      try_release(slot);
    }
  }

  void on_send_cqe(std::uint32_t slot, int res) {
    UringConn& c = conns_[slot];
    --c.ops;
    c.send_inflight = false;
    if (res > 0) {
      c.out.consume(static_cast<std::size_t>(res));
      stats_.bytes_sent += static_cast<std::uint64_t>(res);
    }
    if (c.state == ConnState::Open || c.state == ConnState::Draining) {
      if (res < 0 && res != -EAGAIN && res != -EINTR) {
        close_now(slot, CloseReason::Error);
      } else if (!c.out.empty()) {
        queue_flush(slot);
      } else if (c.state == ConnState::Draining) {
        close_now(slot, CloseReason::LocalClose);
      }
    }
    try_release(slot);
  }

  // Hands p[0, n) to the handler, through the input buffer when earlier
  // bytes are still unconsumed. Returns how many bytes were absorbed
  // (consumed or copied into the input buffer); fewer than n only when the
  // connection paused or closed meanwhile, and then the caller holds the rest.
  std::size_t deliver(std::uint32_t slot, const char* p, std::size_t n) {
    UringConn& c = conns_[slot];
    std::size_t absorbed = 0;
    while (c.state == ConnState::Open && !c.paused && absorbed < n) {
      if (c.in.size == 0) {
        // Common case: straight from the provided buffer, no copy.
        const std::size_t used = call_on_data(slot, p + absorbed, n - absorbed);
        absorbed += used;
        if (c.state != ConnState::Open) break;
        const std::size_t rest = n - absorbed;
        if (rest == 0) break;
        if (c.paused || rest < c.in.cap) {
          const std::size_t k = std::min(rest, c.in.cap);
          c.in.append(p + absorbed, k);
          absorbed += k;
          break;
        }
        // At least a full input buffer left: progress means present the
        // remainder again, none means it can never be consumed.
        if (used == 0) {
          close_now(slot, CloseReason::InputOverflow);
          break;
        }
      } else {
        // A full buffer (left by a pause) is presented as is: the handler
        // either makes room or the connection overflows.
        const std::size_t k = std::min(n - absorbed, c.in.space());
        c.in.append(p + absorbed, k);
        absorbed += k;
        present_input(slot);
      }
    }
    return absorbed;
  }

  void pump_held(std::uint32_t slot) {
    UringConn& c = conns_[slot];
    while (c.state == ConnState::Open && !c.paused && c.held_head != kNoBuf) {
      const std::uint16_t bid = c.held_head;
      const std::size_t absorbed = deliver(slot, buf_addr(bid) + held_off_[bid], held_len_[bid]);
      if (c.state != ConnState::Open) break;  // the close recycled the held list
      if (absorbed == held_len_[bid]) {
        c.held_head = held_next_[bid];
        if (c.held_head == kNoBuf) c.held_tail = kNoBuf;
        recycle(bid);
      } else {
        held_off_[bid] += static_cast<std::uint32_t>(absorbed);
        held_len_[bid] -= static_cast<std::uint32_t>(absorbed);
        break;
      }
    }
  }

  int after_events() {
    int work = 0;
    for (std::size_t i = 0; i < pump_list_.size(); ++i) {
      const std::uint32_t slot = pump_list_[i];
      UringConn& c = conns_[slot];
      c.pump_queued = false;
      if (c.state != ConnState::Open || c.paused) continue;
      ++work;
      // Held bytes are merged into the input buffer so the handler sees as
      // much as possible in one call.
      if (c.held_head != kNoBuf) {
        pump_held(slot);
      } else {
        present_input(slot);
      }
      if (c.state == ConnState::Open && !c.paused && !c.recv_armed) queue_arm(slot);
    }
    pump_list_.clear();
    check_linger();
    work += deliver_closed();
    return work;
  }

  void prepare_submissions() {
    publish_buffers();
    if (!accept_armed_) arm_accept();
    for (const std::uint32_t slot : arm_list_) {
      UringConn& c = conns_[slot];
      c.arm_queued = false;
      if (c.state == ConnState::Open && !c.paused && !c.recv_armed) arm_recv(slot);
    }
    arm_list_.clear();
    for (const std::uint32_t slot : flush_list_) {
      UringConn& c = conns_[slot];
      c.flush_queued = false;
      if ((c.state == ConnState::Open || c.state == ConnState::Draining) && !c.send_inflight &&
          !c.out.empty())
        start_send(slot);
    }
    flush_list_.clear();
  }

  void start_send(std::uint32_t slot) {
    UringConn& c = conns_[slot];
    io_uring_sqe* sqe = get_sqe();
    const int nseg = c.out.segments(c.iov);
    if (nseg == 1) {
      io_uring_prep_send(sqe, c.fd, c.iov[0].iov_base, c.iov[0].iov_len, MSG_NOSIGNAL);
    } else {
      c.msg = msghdr{};
      c.msg.msg_iov = c.iov.data();
      c.msg.msg_iovlen = 2;
      io_uring_prep_sendmsg(sqe, c.fd, &c.msg, MSG_NOSIGNAL);
    }
    io_uring_sqe_set_data64(sqe, user_data(kSend, slot));
    ++c.ops;
    c.send_inflight = true;
    ++stats_.send_calls;
  }

  io_uring ring_{};
  bool enabled_ = false;
  unsigned ring_flags_ = 0;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::uint64_t wake_value_ = 0;  // the kernel reads the eventfd into it
  std::uint16_t port_ = 0;
  bool accept_armed_ = false;

  MappedBlock br_mem_;
  MappedBlock bufs_mem_;
  io_uring_buf_ring* br_ = nullptr;
  unsigned buf_count_ = 0;
  std::size_t buf_size_ = 0;
  int pending_returns_ = 0;
  std::vector<std::uint16_t> held_next_;
  std::vector<std::uint32_t> held_off_;
  std::vector<std::uint32_t> held_len_;
  std::vector<std::uint32_t> arm_list_;

  // Declared after the buffer memory so that, even when the constructor
  // throws, the ring is torn down before that memory is unmapped.
  struct RingHolder {
    io_uring* ring = nullptr;
    void reset() {
      if (ring != nullptr) io_uring_queue_exit(ring);
      ring = nullptr;
    }
    ~RingHolder() { reset(); }
  } ring_holder_;
};

}  // namespace

std::unique_ptr<TcpServer> make_uring_server(const ServerOptions& options,
                                             ConnectionHandler& handler) {
  return std::make_unique<UringServer>(options, handler);
}

}  // namespace matchgate::net::detail
