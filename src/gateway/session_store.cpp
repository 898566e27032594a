#include "matchgate/gateway/session_store.hpp"

namespace matchgate::gateway {

SessionStore::SessionStore(std::size_t reserve_bytes, std::size_t reserve_messages) {
  bytes_.reserve(reserve_bytes);
  entries_.reserve(reserve_messages);
}

void SessionStore::append(std::uint64_t seq, std::string_view message, bool admin) {
  if (seq != last_seq() + 1) reset(seq);
  entries_.push_back(Entry{bytes_.size(), static_cast<std::uint32_t>(message.size()), admin});
  bytes_.insert(bytes_.end(), message.begin(), message.end());
}

std::string_view SessionStore::message(std::uint64_t seq) const noexcept {
  if (seq < first_seq_ || seq > last_seq()) return {};
  const Entry& e = entries_[seq - first_seq_];
  return {bytes_.data() + e.offset, e.length};
}

bool SessionStore::is_admin(std::uint64_t seq) const noexcept {
  if (seq < first_seq_ || seq > last_seq()) return true;
  return entries_[seq - first_seq_].admin;
}

void SessionStore::reset(std::uint64_t next_seq) {
  bytes_.clear();
  entries_.clear();
  first_seq_ = next_seq;
}

}  // namespace matchgate::gateway
