#include "matchgate/gateway/redis_queue.hpp"

#include <bit>
#include <cstring>

#include "matchgate/util/assert.hpp"

namespace matchgate::gateway {

RedisQueue::RedisQueue(std::size_t entries, std::size_t max_pending, std::size_t frame_bytes,
                       std::size_t max_message_bytes)
    : entries_(std::bit_ceil(entries)),
      mask_(entries_.size() - 1),
      max_pending_(max_pending),
      max_message_bytes_(max_message_bytes),
      frames_(frame_bytes) {}

bool RedisQueue::has_room() const noexcept {
  if (size() >= max_pending_) return false;
  return frames_.size() - (frames_tail_ - frames_head_) >= 2 * max_message_bytes_;
}

std::uint64_t RedisQueue::wait_for_answer(engine::MemberId member, std::uint64_t seq,
                                          std::uint32_t slot) {
  std::uint64_t token = 0;
  if (converting_) {  // the message at the head becomes this new order
    token = head_;
    converting_ = false;
  } else {
    MATCHGATE_ASSERT(size() < entries_.size(), "Redis wait queue overflow");
    token = tail_++;
  }
  Entry& e = at(token);
  e = Entry{};
  e.kind = Entry::Kind::NewOrder;
  e.member = member;
  e.seq = seq;
  e.slot = slot;
  return token;
}

void RedisQueue::push_message(engine::MemberId member, std::uint64_t seq, std::string_view raw) {
  std::uint64_t at_byte = frames_tail_;
  const std::size_t pos = at_byte % frames_.size();
  if (pos + raw.size() > frames_.size()) at_byte += frames_.size() - pos;  // to the start
  // has_room() was checked before the message was taken.
  MATCHGATE_ASSERT(at_byte + raw.size() - frames_head_ <= frames_.size(),
                   "Redis wait queue bytes overflow");
  MATCHGATE_ASSERT(size() < entries_.size(), "Redis wait queue overflow");
  std::memcpy(frames_.data() + at_byte % frames_.size(), raw.data(), raw.size());
  frames_tail_ = at_byte + raw.size();
  Entry& e = at(tail_++);
  e = Entry{};
  e.kind = Entry::Kind::Message;
  e.member = member;
  e.seq = seq;
  e.frame_at = at_byte;
  e.frame_length = static_cast<std::uint32_t>(raw.size());
}

void RedisQueue::push_mass_cancel(engine::MemberId member) {
  MATCHGATE_ASSERT(size() < entries_.size(), "Redis wait queue overflow");
  Entry& e = at(tail_++);
  e = Entry{};
  e.kind = Entry::Kind::MassCancel;
  e.member = member;
}

void RedisQueue::answer(const dedup::RedisResult& result) noexcept {
  if (result.token < head_ || result.token >= tail_) return;
  Entry& e = at(result.token);
  if (e.kind != Entry::Kind::NewOrder || e.answered) return;
  e.answered = true;
  e.result = result;
}

std::string_view RedisQueue::take_head_message() noexcept {
  const Entry& e = head();
  converting_ = true;
  head_frame_end_ = e.frame_at + e.frame_length;
  return {frames_.data() + e.frame_at % frames_.size(), e.frame_length};
}

bool RedisQueue::finish_head_message() noexcept {
  const bool converted = !converting_;
  converting_ = false;
  frames_head_ = head_frame_end_;  // the message's bytes are free either way
  if (!converted) pop();           // otherwise the head is that new order now
  return converted;
}

void RedisQueue::pop() noexcept {
  ++head_;
  if (empty()) frames_head_ = frames_tail_ = 0;
}

}  // namespace matchgate::gateway
