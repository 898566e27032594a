#include "matchgate/fix/message_store.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <new>

#include "matchgate/util/assert.hpp"

namespace matchgate::fix {

namespace {

std::size_t entry_slots(std::size_t capacity_bytes) {
  // At least 64, so that a small store is still bounded by its bytes.
  return std::bit_ceil(std::max<std::size_t>(capacity_bytes / MessageStore::kBytesPerEntry, 64));
}

std::size_t whole_pages(std::size_t bytes) {
  const long page = ::sysconf(_SC_PAGESIZE);
  const std::size_t size = page > 0 ? static_cast<std::size_t>(page) : 4096;
  return (bytes + size - 1) / size * size;
}

// MAP_POPULATE on a private writable mapping faults every page in for
// writing, so no append takes a page fault afterwards.
void* map_anonymous(std::size_t bytes, bool prefault) {
  const int flags = MAP_PRIVATE | MAP_ANONYMOUS | (prefault ? MAP_POPULATE : 0);
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

}  // namespace

MessageStore::MessageStore(std::size_t capacity_bytes, bool prefault)
    : capacity_bytes_(capacity_bytes),
      entry_mask_(entry_slots(capacity_bytes) - 1),
      mapped_bytes_(whole_pages((entry_mask_ + 1) * sizeof(Entry) + capacity_bytes)),
      mapping_(map_anonymous(mapped_bytes_, prefault)),
      entries_(static_cast<Entry*>(mapping_)),
      bytes_(static_cast<char*>(mapping_) + (entry_mask_ + 1) * sizeof(Entry)) {
  static_assert(sizeof(Entry) == 16);
  MATCHGATE_ASSERT(capacity_bytes > 0, "a message store needs room for one byte");
}

MessageStore::~MessageStore() {
  ::munmap(mapping_, mapped_bytes_);
}

void MessageStore::append(std::uint64_t seq, std::string_view message, bool admin) noexcept {
  if (seq != last_seq() + 1) reset(seq);
  if (count_ == capacity_messages()) drop_oldest();
  if (message.size() > capacity_bytes_ ||
      message.size() > std::numeric_limits<std::uint32_t>::max()) {
    // Nothing could be resent for it anyway; the older messages stay.
    entry(seq) = Entry{write_at_, 0, true};
    ++count_;
    ++dropped_;
    return;
  }
  const std::uint64_t begin = place(message.size());
  const std::uint64_t end = begin + message.size();
  while (count_ > 0 && end - entry(first_seq_).begin > capacity_bytes_) drop_oldest();
  if (!message.empty())
    std::memcpy(bytes_ + begin % capacity_bytes_, message.data(), message.size());
  entry(seq) = Entry{begin, static_cast<std::uint32_t>(message.size()), admin};
  ++count_;
  write_at_ = end;
}

// Where a message of `length` bytes starts: at write_at_, or at the start of
// the ring when it would run past the end.
std::uint64_t MessageStore::place(std::size_t length) const noexcept {
  const std::uint64_t offset = write_at_ % capacity_bytes_;
  if (offset + length <= capacity_bytes_) return write_at_;
  return write_at_ + (capacity_bytes_ - offset);
}

void MessageStore::drop_oldest() noexcept {
  MATCHGATE_ASSERT(count_ > 0, "drop from an empty message store");
  ++first_seq_;
  --count_;
  ++dropped_;
}

std::string_view MessageStore::message(std::uint64_t seq) const noexcept {
  if (!holds(seq)) return {};
  const Entry& e = entry(seq);
  return {bytes_ + e.begin % capacity_bytes_, e.length};
}

bool MessageStore::is_admin(std::uint64_t seq) const noexcept {
  return !holds(seq) || entry(seq).admin;
}

std::size_t MessageStore::stored_bytes() const noexcept {
  return count_ == 0 ? 0 : static_cast<std::size_t>(write_at_ - entry(first_seq_).begin);
}

void MessageStore::reset(std::uint64_t next_seq) noexcept {
  first_seq_ = next_seq;
  count_ = 0;
  write_at_ = 0;  // reuse the pages already faulted in
}

void MessageStore::save(util::ByteWriter& out) const {
  out.put(first_seq_);
  out.put(count_);
  out.put(dropped_);
  for (std::uint64_t seq = first_seq_; seq - first_seq_ < count_; ++seq) {
    out.put(static_cast<std::uint8_t>(entry(seq).admin));
    out.put_string(message(seq));
  }
}

void MessageStore::load(util::ByteReader& in) {
  const auto first = in.get<std::uint64_t>("resend store first seq");
  const auto count = in.get<std::uint64_t>("resend store size");
  const auto dropped = in.get<std::uint64_t>("resend store dropped");
  reset(first);
  // A smaller ring than the one saved drops the oldest while loading.
  const std::uint64_t dropped_before = dropped_;
  for (std::uint64_t i = 0; i < count; ++i) {
    const bool admin = in.get<std::uint8_t>("admin flag") != 0;
    append(first + i, in.get_string(std::uint32_t{1} << 24, "stored message"), admin);
  }
  dropped_ = dropped + (dropped_ - dropped_before);
}

}  // namespace matchgate::fix
