#pragma once
// Every message a session sent, by MsgSeqNum, so that a ResendRequest can be
// answered (application messages again with PossDupFlag=Y, administrative
// ones as a gap fill).
//
// A fixed ring, all of its memory mapped at construction: `capacity_bytes`
// of message bytes plus one entry (16 bytes) per 64 of them. Appending
// never allocates, reallocates or moves stored bytes; when the ring is full
// the oldest messages are dropped (a resend of those is answered with a gap
// fill, and `dropped()` counts them). A message never wraps: when it would
// not fit before the end of the ring, the rest of the ring is skipped and it
// goes to the start, so message() is always one contiguous view. The gateway
// rebuilds the store from the write-ahead log or a snapshot after a restart.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "matchgate/util/byte_io.hpp"

namespace matchgate::fix {

class MessageStore {
 public:
  static constexpr std::size_t kDefaultCapacityBytes = std::size_t{64} << 20;
  // Bytes of message per entry slot: the entry ring holds capacity / this.
  static constexpr std::size_t kBytesPerEntry = 64;

  // Maps the ring. With `prefault` every page is faulted in now (the whole
  // memory_bytes() becomes resident at once); without, pages are faulted in
  // by the first message that reaches them. Throws std::bad_alloc when the
  // memory cannot be mapped.
  explicit MessageStore(std::size_t capacity_bytes = kDefaultCapacityBytes, bool prefault = false);
  ~MessageStore();
  MessageStore(const MessageStore&) = delete;
  MessageStore& operator=(const MessageStore&) = delete;

  // Stores message `seq`; a seq other than last_seq() + 1 starts afresh. A
  // message longer than capacity_bytes() cannot be kept: its number stays
  // in sequence but holds nothing (resent as a gap fill; counted in
  // dropped()).
  void append(std::uint64_t seq, std::string_view message, bool admin) noexcept;
  // Empty when not stored (never sent, dropped, or before a sequence reset).
  std::string_view message(std::uint64_t seq) const noexcept;
  // True as well for a number the store does not hold.
  bool is_admin(std::uint64_t seq) const noexcept;
  std::uint64_t first_seq() const noexcept { return first_seq_; }
  std::uint64_t last_seq() const noexcept { return first_seq_ + count_ - 1; }
  // Ring bytes in use, from the oldest message to the newest (skipped ends
  // of the ring included); at most capacity_bytes().
  std::size_t stored_bytes() const noexcept;
  std::size_t capacity_bytes() const noexcept { return capacity_bytes_; }
  std::size_t capacity_messages() const noexcept { return entry_mask_ + 1; }
  // What the store maps: the byte ring and the entry ring, whole pages.
  std::size_t memory_bytes() const noexcept { return mapped_bytes_; }
  std::uint64_t dropped() const noexcept { return dropped_; }
  // Forget everything; the next append is `next_seq`.
  void reset(std::uint64_t next_seq = 1) noexcept;
  // Snapshot: the stored messages; load() replaces the contents.
  void save(util::ByteWriter& out) const;
  void load(util::ByteReader& in);

 private:
  struct Entry {
    // Position in the endless stream of ring bytes (the ring offset is
    // begin % capacity); never decreases from one message to the next, so
    // "the newest message's end minus the oldest's begin" is the ring space
    // in use.
    std::uint64_t begin;
    std::uint32_t length;
    bool admin;
  };
  Entry& entry(std::uint64_t seq) noexcept { return entries_[seq & entry_mask_]; }
  const Entry& entry(std::uint64_t seq) const noexcept { return entries_[seq & entry_mask_]; }
  bool holds(std::uint64_t seq) const noexcept {
    return seq >= first_seq_ && seq - first_seq_ < count_;
  }
  std::uint64_t place(std::size_t length) const noexcept;
  void drop_oldest() noexcept;

  std::size_t capacity_bytes_;
  std::size_t entry_mask_;  // entry slots - 1 (a power of two)
  std::size_t mapped_bytes_;
  void* mapping_;
  Entry* entries_;  // slot seq & entry_mask_ holds message seq
  char* bytes_;
  std::uint64_t write_at_ = 0;  // stream position where the next message may start
  std::uint64_t first_seq_ = 1;
  std::uint64_t count_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace matchgate::fix
