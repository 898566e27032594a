#pragma once
// With the Redis dedup backend, the requests of a network thread in arrival
// order from the first one still waiting for Redis's answer: new orders
// whose record is reserved until Redis says whether the ClOrdID is free,
// messages kept as received behind them (so that answers keep the order of
// requests), and mass cancels. A passive FIFO of fixed capacity that order
// entry drives; it allocates nothing after construction.
#include <cstdint>
#include <string_view>
#include <vector>

#include "matchgate/dedup/redis_store.hpp"
#include "matchgate/engine/types.hpp"
#include "matchgate/records/request.hpp"

namespace matchgate::gateway {

class RedisQueue {
 public:
  struct Entry {
    enum class Kind : std::uint8_t { NewOrder, Message, MassCancel };
    Kind kind = Kind::Message;
    bool answered = false;  // NewOrder: Redis's result is in `result`
    engine::MemberId member = 0;
    std::uint64_t seq = 0;
    std::uint32_t slot = records::kNoSlot;  // NewOrder: the reserved record
    std::uint64_t frame_at = 0;             // Message: position in the byte FIFO
    std::uint32_t frame_length = 0;
    dedup::RedisResult result;
  };

  // `entries` is rounded up to a power of two.
  RedisQueue(std::size_t entries, std::size_t max_pending, std::size_t frame_bytes,
             std::size_t max_message_bytes);

  std::size_t size() const noexcept { return static_cast<std::size_t>(tail_ - head_); }
  bool empty() const noexcept { return tail_ == head_; }
  // One more message may join: an entry, and its bytes even if they do not
  // fit before the end of the byte FIFO.
  bool has_room() const noexcept;

  // A new order waiting for Redis: appended, or, while the head message is
  // being processed (take_head_message), in that message's place. Returns
  // the token Redis's answer will carry.
  std::uint64_t wait_for_answer(engine::MemberId member, std::uint64_t seq, std::uint32_t slot);

  void push_message(engine::MemberId member, std::uint64_t seq, std::string_view raw);
  void push_mass_cancel(engine::MemberId member);
  // Redis answered the request with this token (ignored when unknown).
  void answer(const dedup::RedisResult& result) noexcept;

  Entry& head() noexcept { return at(head_); }
  // The head is a Message: its bytes, valid until finish_head_message().
  // Meanwhile a new order waiting for Redis takes the head's place instead
  // of joining at the tail.
  std::string_view take_head_message() noexcept;
  // Releases the head message's bytes; true when it became a waiting order
  // (which is the head now), false when it is done (and popped).
  bool finish_head_message() noexcept;
  void pop() noexcept;
  // The record slot of every new order still waiting (reserved, not yet
  // handed to a shard), head to tail.
  template <class F>
  void for_each_waiting_order(F&& f) const {
    for (std::uint64_t t = head_; t != tail_; ++t) {
      const Entry& e = entries_[t & mask_];
      if (e.kind == Entry::Kind::NewOrder) f(e.slot);
    }
  }

 private:
  Entry& at(std::uint64_t token) noexcept { return entries_[token & mask_]; }

  std::vector<Entry> entries_;
  std::size_t mask_ = 0;
  std::size_t max_pending_ = 0;
  std::size_t max_message_bytes_ = 0;
  std::uint64_t head_ = 0;
  std::uint64_t tail_ = 0;
  bool converting_ = false;
  std::uint64_t head_frame_end_ = 0;
  std::vector<char> frames_;  // messages kept as received, a FIFO of bytes
  std::uint64_t frames_head_ = 0;
  std::uint64_t frames_tail_ = 0;
};

}  // namespace matchgate::gateway
