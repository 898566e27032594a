#include "matchgate/clearing/ledger.hpp"
#include "matchgate/util/assert.hpp"

namespace matchgate::clearing {

namespace {

std::size_t mix(std::uint64_t key) noexcept {
  // splitmix64's finaliser: trade ids are dense per shard, keys packed.
  key ^= key >> 30;
  key *= 0xbf58476d1ce4e5b9ULL;
  key ^= key >> 27;
  key *= 0x94d049bb133111ebULL;
  key ^= key >> 31;
  return static_cast<std::size_t>(key);
}

std::size_t round_up_pow2(std::size_t n) noexcept {
  std::size_t c = 16;
  while (c < n) c *= 2;
  return c;
}

}  // namespace

FlatIndex::FlatIndex(std::size_t initial_capacity) : slots_(round_up_pow2(initial_capacity)) {}

std::optional<std::uint32_t> FlatIndex::find(std::uint64_t key) const noexcept {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = mix(key) & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (!s.used) return std::nullopt;
    if (s.key == key) return s.value;
  }
}

void FlatIndex::insert(std::uint64_t key, std::uint32_t value) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = mix(key) & mask;
  while (slots_[i].used) {
    MATCHGATE_ASSERT(slots_[i].key != key, "FlatIndex: key inserted twice");
    i = (i + 1) & mask;
  }
  slots_[i] = Slot{key, value, true};
  ++size_;
}

void FlatIndex::clear() noexcept {
  for (Slot& s : slots_) s.used = false;
  size_ = 0;
}

void FlatIndex::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  size_ = 0;
  for (const Slot& s : old) {
    if (s.used) insert(s.key, s.value);
  }
}

}  // namespace matchgate::clearing
