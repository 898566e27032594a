#include "matchgate/fix/message_store.hpp"

namespace matchgate::fix {

MessageStore::MessageStore(std::size_t max_bytes) : max_bytes_(max_bytes) {}

void MessageStore::append(std::uint64_t seq, std::string_view message, bool admin) {
  if (seq != last_seq() + 1) reset(seq);
  if (bytes_.capacity() == 0) {
    // Reserved once, at the first message, so the store never reallocates
    // and copies itself; the pages are only touched as messages arrive.
    bytes_.reserve(max_bytes_ + (max_bytes_ >> 4));
    entries_.reserve(max_bytes_ / 64);
  }
  entries_.push_back(Entry{bytes_.size(), static_cast<std::uint32_t>(message.size()), admin});
  bytes_.insert(bytes_.end(), message.begin(), message.end());
  while (stored_bytes() > max_bytes_ && size() > 1) drop_oldest();
}

void MessageStore::drop_oldest() {
  const Entry& e = entries_[entry_begin_];
  byte_begin_ = e.offset + e.length;
  ++entry_begin_;
  ++first_seq_;
  ++dropped_;
  if (entry_begin_ * 2 > entries_.size()) compact();
}

void MessageStore::compact() {
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(entry_begin_));
  entry_begin_ = 0;
  bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(byte_begin_));
  for (Entry& e : entries_) e.offset -= byte_begin_;
  byte_begin_ = 0;
}

std::string_view MessageStore::message(std::uint64_t seq) const noexcept {
  if (seq < first_seq_ || seq > last_seq()) return {};
  const Entry& e = entries_[entry_begin_ + (seq - first_seq_)];
  return {bytes_.data() + e.offset, e.length};
}

bool MessageStore::is_admin(std::uint64_t seq) const noexcept {
  if (seq < first_seq_ || seq > last_seq()) return true;
  return entries_[entry_begin_ + (seq - first_seq_)].admin;
}

void MessageStore::reset(std::uint64_t next_seq) {
  bytes_.clear();
  entries_.clear();
  byte_begin_ = 0;
  entry_begin_ = 0;
  first_seq_ = next_seq;
}

void MessageStore::save(util::ByteWriter& out) const {
  out.put(first_seq_);
  out.put(static_cast<std::uint64_t>(size()));
  out.put(dropped_);
  for (std::size_t i = entry_begin_; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    out.put(static_cast<std::uint8_t>(e.admin));
    out.put_string(std::string_view(bytes_.data() + e.offset, e.length));
  }
}

void MessageStore::load(util::ByteReader& in) {
  const auto first = in.get<std::uint64_t>("resend store first seq");
  const auto count = in.get<std::uint64_t>("resend store size");
  const auto dropped = in.get<std::uint64_t>("resend store dropped");
  reset(first);
  for (std::uint64_t i = 0; i < count; ++i) {
    const bool admin = in.get<std::uint8_t>("admin flag") != 0;
    append(first + i, in.get_string(std::uint32_t{1} << 24, "stored message"), admin);
  }
  dropped_ = dropped + (count > size() ? count - size() : 0);
}

}  // namespace matchgate::fix
