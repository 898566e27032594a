#include "support/fix_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <stdexcept>

#include "matchgate/fix/framer.hpp"

namespace matchgate::testing {

std::string FixMessage::get(int tag) const {
  for (const auto& [t, v] : fields) {
    if (t == tag) return v;
  }
  return {};
}

bool FixMessage::has(int tag) const {
  for (const auto& f : fields) {
    if (f.first == tag) return true;
  }
  return false;
}

std::uint64_t FixMessage::seq() const {
  const std::string s = get(34);
  return s.empty() ? 0 : std::stoull(s);
}

std::string FixMessage::printable() const {
  std::string out = raw;
  for (char& c : out) {
    if (c == '\x01') c = '|';
  }
  return out;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H:%M:%S", &tm);
  return buf;
}

FixClient::FixClient(std::uint16_t port, std::string sender, std::string target)
    : sender_(std::move(sender)), target_(std::move(target)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    throw std::runtime_error("FixClient: connect failed");
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

FixClient::~FixClient() {
  if (fd_ >= 0) ::close(fd_);
}

std::string FixClient::encode(std::string_view msg_type, std::string_view sender,
                              std::string_view target, std::uint64_t seq, const Fields& body,
                              bool poss_dup) {
  std::string b;
  b += "35=";
  b += msg_type;
  b += "\x01"
       "49=";
  b += sender;
  b += "\x01"
       "56=";
  b += target;
  b += "\x01"
       "34=" +
       std::to_string(seq) + "\x01";
  if (poss_dup)
    b += "43=Y\x01"
         "122=" +
         utc_now() + "\x01";
  b += "52=" + utc_now() + "\x01";
  for (const auto& [tag, value] : body) b += std::to_string(tag) + "=" + value + "\x01";
  return frame(b);
}

std::string FixClient::frame(std::string_view body) {
  std::string m =
      "8=FIX.4.4\x01"
      "9=";
  m += std::to_string(body.size());
  m += '\x01';
  m += body;
  unsigned sum = 0;
  for (unsigned char c : m) sum += c;
  char cs[8];
  std::snprintf(cs, sizeof cs, "%03u", sum % 256);
  m += "10=";
  m += cs;
  m += "\x01";
  return m;
}

std::string FixClient::send(std::string_view msg_type, const Fields& body,
                            std::optional<std::uint64_t> seq, bool poss_dup) {
  const std::uint64_t n = seq.value_or(next_seq_);
  if (!seq) ++next_seq_;
  std::string m = encode(msg_type, sender_, target_, n, body, poss_dup);
  send_raw(m);
  return m;
}

void FixClient::send_raw(std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;  // the peer closed; tests notice on receive
    done += static_cast<std::size_t>(n);
  }
}

std::optional<FixMessage> FixClient::receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const fix::FrameResult f =
        fix::frame_message(buffer_, fix::FrameConfig{fix::kBeginStringFix44, 1 << 20});
    if (f.status == fix::FrameStatus::Complete) {
      FixMessage m;
      m.raw = buffer_.substr(0, f.length);
      buffer_.erase(0, f.length);
      std::size_t pos = 0;
      while (pos < m.raw.size()) {
        const std::size_t eq = m.raw.find('=', pos);
        const std::size_t soh = m.raw.find('\x01', eq);
        if (eq == std::string::npos || soh == std::string::npos) break;
        m.fields.emplace_back(std::stoi(m.raw.substr(pos, eq - pos)),
                              m.raw.substr(eq + 1, soh - eq - 1));
        pos = soh + 1;
      }
      m.type = m.get(35);
      return m;
    }
    if (f.status == fix::FrameStatus::Garbled) {
      buffer_.erase(0, f.length);
      continue;
    }
    if (closed_) return std::nullopt;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    const int wait_ms =
        static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) +
        1;
    if (::poll(&p, 1, wait_ms) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      continue;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

std::optional<FixMessage> FixClient::receive_type(std::string_view type,
                                                  std::chrono::milliseconds timeout,
                                                  bool skip_others) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    auto m = receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
    if (!m) return std::nullopt;
    if (m->type == type) return m;
    if (m->type == "0" || skip_others) continue;
    return m;  // something else: let the test see it
  }
}

std::vector<FixMessage> FixClient::drain(std::chrono::milliseconds window) {
  std::vector<FixMessage> out;
  const auto deadline = std::chrono::steady_clock::now() + window;
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    auto m = receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
    if (!m) break;
    out.push_back(std::move(*m));
  }
  return out;
}

bool FixClient::logon(std::string_view password, bool reset, int heartbeat_s) {
  Fields body{{98, "0"}, {108, std::to_string(heartbeat_s)}};
  if (reset) {
    body.emplace_back(141, "Y");
    next_seq_ = 1;
  }
  body.emplace_back(554, std::string(password));
  send("A", body);
  const auto reply = receive(std::chrono::seconds(10));
  return reply && reply->type == "A";
}

bool FixClient::peer_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_ && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      break;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
  return closed_;
}

}  // namespace matchgate::testing
