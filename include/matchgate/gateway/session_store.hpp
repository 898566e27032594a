#pragma once
// Every message the gateway sent to one member, by MsgSeqNum, so that a
// ResendRequest can be answered (application messages again with
// PossDupFlag=Y, administrative ones as a gap fill).
#include <cstdint>
#include <string_view>
#include <vector>

namespace matchgate::gateway {

class SessionStore {
 public:
  // The store grows in large steps; reserve what a busy day needs up front.
  explicit SessionStore(std::size_t reserve_bytes = 0, std::size_t reserve_messages = 0);

  // Stores message `seq`; seq must be last_seq() + 1.
  void append(std::uint64_t seq, std::string_view message, bool admin);
  // Empty when not stored (never sent, or sent before a sequence reset).
  std::string_view message(std::uint64_t seq) const noexcept;
  bool is_admin(std::uint64_t seq) const noexcept;
  std::uint64_t first_seq() const noexcept { return first_seq_; }
  std::uint64_t last_seq() const noexcept { return first_seq_ + entries_.size() - 1; }
  // Forget everything; the next append is `next_seq`.
  void reset(std::uint64_t next_seq = 1);

 private:
  struct Entry {
    std::uint64_t offset;
    std::uint32_t length;
    bool admin;
  };
  std::vector<char> bytes_;
  std::vector<Entry> entries_;
  std::uint64_t first_seq_ = 1;
};

}  // namespace matchgate::gateway
