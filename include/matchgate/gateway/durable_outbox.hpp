#pragma once
// Messages a network thread has produced but may not send yet: each waits
// until the log records up to its position are durable (sync = "group").
// Messages leave in the order they were produced, whatever connection they
// go to, so a connection never sees a later message before an earlier one.
// Grows to the high-water mark of messages in flight, then allocates no more.
#include <cstdint>
#include <deque>
#include <span>
#include <string_view>
#include <vector>

#include "matchgate/net/tcp_server.hpp"

namespace matchgate::gateway {

class DurableOutbox {
 public:
  void push(net::ConnectionId conn, std::uint64_t position, std::string_view bytes) {
    if (entries_.empty()) bytes_.clear();
    entries_.push_back(Entry{conn, position, bytes_.size(), bytes.size(), false});
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  }
  // Closing a connection waits behind its held messages (a Logout, say).
  void push_close(net::ConnectionId conn, std::uint64_t position) {
    if (entries_.empty()) bytes_.clear();
    entries_.push_back(Entry{conn, position, bytes_.size(), 0, true});
  }
  // Hands every message whose position is at most `durable` to `send`
  // (conn, bytes) and every close to `close` (conn), oldest first; returns
  // how many.
  template <class Send, class Close>
  std::size_t release(std::uint64_t durable, Send&& send, Close&& close) {
    std::size_t n = 0;
    while (!entries_.empty() && entries_.front().position <= durable) {
      const Entry& e = entries_.front();
      if (e.close) {
        close(e.conn);
      } else {
        send(e.conn, std::span<const char>(bytes_.data() + e.offset, e.length));
      }
      entries_.pop_front();
      ++n;
    }
    if (entries_.empty()) {
      bytes_.clear();
    } else if (entries_.front().offset > bytes_.size() / 2 && entries_.front().offset > 65536) {
      compact();
    }
    return n;
  }
  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }
  std::uint64_t oldest_position() const noexcept {
    return entries_.empty() ? 0 : entries_.front().position;
  }

 private:
  struct Entry {
    net::ConnectionId conn;
    std::uint64_t position;
    std::size_t offset;
    std::size_t length;
    bool close;
  };
  void compact() {
    const std::size_t cut = entries_.front().offset;
    bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(cut));
    for (Entry& e : entries_) e.offset -= cut;
  }

  std::vector<char> bytes_;
  std::deque<Entry> entries_;
};

}  // namespace matchgate::gateway
