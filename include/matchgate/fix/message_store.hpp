#pragma once
// Every message a session sent, by MsgSeqNum, so that a ResendRequest can be
// answered (application messages again with PossDupFlag=Y, administrative
// ones as a gap fill).
//
// In memory and bounded: past `max_bytes` the oldest messages are dropped
// (a resend of those is answered with a gap fill, and `dropped()` counts
// them). The gateway rebuilds it from the write-ahead log after a restart.
#include <cstdint>
#include <string_view>
#include <vector>

#include "matchgate/util/byte_io.hpp"

namespace matchgate::fix {

class MessageStore {
 public:
  explicit MessageStore(std::size_t max_bytes = std::size_t{64} << 20);

  // Stores message `seq`; a seq other than last_seq() + 1 starts afresh.
  void append(std::uint64_t seq, std::string_view message, bool admin);
  // Empty when not stored (never sent, dropped, or before a sequence reset).
  std::string_view message(std::uint64_t seq) const noexcept;
  bool is_admin(std::uint64_t seq) const noexcept;
  std::uint64_t first_seq() const noexcept { return first_seq_; }
  std::uint64_t last_seq() const noexcept { return first_seq_ + size() - 1; }
  std::size_t stored_bytes() const noexcept { return bytes_.size() - byte_begin_; }
  std::uint64_t dropped() const noexcept { return dropped_; }
  // Forget everything; the next append is `next_seq`.
  void reset(std::uint64_t next_seq = 1);
  // Snapshot: the stored messages; load() replaces the contents.
  void save(util::ByteWriter& out) const;
  void load(util::ByteReader& in);

 private:
  struct Entry {
    std::uint64_t offset;  // into bytes_
    std::uint32_t length;
    bool admin;
  };
  std::size_t size() const noexcept { return entries_.size() - entry_begin_; }
  void drop_oldest();
  void compact();

  std::size_t max_bytes_;
  // Both vectors only grow at the back; dropped prefixes are skipped by
  // *_begin_ and cut off when they are the larger half, so the cost of
  // dropping stays amortised O(1).
  std::vector<char> bytes_;
  std::size_t byte_begin_ = 0;
  std::vector<Entry> entries_;
  std::size_t entry_begin_ = 0;
  std::uint64_t first_seq_ = 1;
  std::uint64_t dropped_ = 0;
};

}  // namespace matchgate::fix
