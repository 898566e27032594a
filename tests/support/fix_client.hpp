#pragma once
// A deliberately plain FIX 4.4 client over a blocking loopback socket, for
// tests that need to send exactly the bytes they choose (gaps, garbage,
// wrong checksums) and read exactly what the gateway answers.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace matchgate::testing {

struct FixMessage {
  std::string raw;
  std::string type;
  std::vector<std::pair<int, std::string>> fields;
  std::string get(int tag) const;
  bool has(int tag) const;
  std::uint64_t seq() const;
  // "35=8|11=..." for failure messages.
  std::string printable() const;
};

using Fields = std::vector<std::pair<int, std::string>>;

class FixClient {
 public:
  FixClient(std::uint16_t port, std::string sender, std::string target = "MATCHGATE");
  ~FixClient();
  FixClient(const FixClient&) = delete;
  FixClient& operator=(const FixClient&) = delete;

  // A message with the standard header and the next sequence number (or
  // `seq` when given). Returns the bytes sent.
  std::string send(std::string_view msg_type, const Fields& body,
                   std::optional<std::uint64_t> seq = std::nullopt, bool poss_dup = false);
  void send_raw(std::string_view bytes);
  // "8=FIX.4.4|9=<len>|<body>10=<sum>|" around a body that starts at 35=:
  // lets a test send exactly the body it chooses, malformed or not.
  static std::string frame(std::string_view body);
  static std::string encode(std::string_view msg_type, std::string_view sender,
                            std::string_view target, std::uint64_t seq, const Fields& body,
                            bool poss_dup = false);

  // The next message, or nullopt on timeout or when the peer closed.
  std::optional<FixMessage> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next message of `type`, skipping Heartbeats (and other types when
  // `skip_others`); nullopt on timeout.
  std::optional<FixMessage> receive_type(
      std::string_view type, std::chrono::milliseconds timeout = std::chrono::seconds(5),
      bool skip_others = false);
  // Everything that arrives within `window`.
  std::vector<FixMessage> drain(std::chrono::milliseconds window = std::chrono::milliseconds(200));

  // Logon and wait for the gateway's Logon. False when refused.
  bool logon(std::string_view password, bool reset = true, int heartbeat_s = 30);
  bool peer_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  std::uint64_t next_seq() const noexcept { return next_seq_; }
  void set_next_seq(std::uint64_t s) noexcept { next_seq_ = s; }
  int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
  std::string sender_;
  std::string target_;
  std::uint64_t next_seq_ = 1;
  std::string buffer_;
  bool closed_ = false;
};

// TransactTime for order messages.
std::string utc_now();

}  // namespace matchgate::testing
