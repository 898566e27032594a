#pragma once
// Messages a network thread has produced but may not send yet: each waits
// until the log records up to its position are durable (sync = "group").
// Messages leave in the order they were produced, whatever connection they
// go to, so a connection never sees a later message before an earlier one.
// Grows to the high-water mark of messages in flight, then allocates no more.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "matchgate/net/tcp_server.hpp"

namespace matchgate::gateway {

class DurableOutbox {
 public:
  void push(net::ConnectionId conn, std::uint64_t position, std::string_view bytes) {
    entries_.push_back(Entry{conn, position, bytes_.size(), bytes.size(), false});
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  }
  // Closing a connection waits behind its held messages (a Logout, say).
  void push_close(net::ConnectionId conn, std::uint64_t position) {
    entries_.push_back(Entry{conn, position, bytes_.size(), 0, true});
  }
  // Hands every message whose position is at most `durable` to `send`
  // (conn, bytes) and every close to `close` (conn), oldest first; returns
  // how many.
  template <class Send, class Close>
  std::size_t release(std::uint64_t durable, Send&& send, Close&& close) {
    std::size_t n = 0;
    while (head_ < entries_.size() && entries_[head_].position <= durable) {
      const Entry& e = entries_[head_];
      if (e.close) {
        close(e.conn);
      } else {
        send(e.conn, std::span<const char>(bytes_.data() + e.offset, e.length));
      }
      ++head_;
      ++n;
    }
    if (head_ == entries_.size()) {
      entries_.clear();
      bytes_.clear();
      head_ = 0;
    } else if (head_ > entries_.size() / 2 && head_ > 1024) {
      compact();
    }
    return n;
  }
  bool empty() const noexcept { return head_ == entries_.size(); }
  std::size_t size() const noexcept { return entries_.size() - head_; }
  std::uint64_t oldest_position() const noexcept { return empty() ? 0 : entries_[head_].position; }

 private:
  struct Entry {
    net::ConnectionId conn;
    std::uint64_t position;
    std::size_t offset;
    std::size_t length;
    bool close;
  };
  // Messages keep arriving while older ones leave: drop the sent prefix
  // once it is the larger half, so both vectors stay at the high-water mark.
  void compact() {
    const std::size_t cut = entries_[head_].offset;
    bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(cut));
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
    for (Entry& e : entries_) e.offset -= cut;
  }

  std::vector<char> bytes_;
  std::vector<Entry> entries_;
  std::size_t head_ = 0;  // the oldest entry not yet released
};

}  // namespace matchgate::gateway
