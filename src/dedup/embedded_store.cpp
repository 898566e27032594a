#include "matchgate/dedup/embedded_store.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "matchgate/util/numa_memory_resource.hpp"

// The request path is a handful of small steps; left to itself the compiler
// keeps several as calls, which costs a fifth of a request.
#define MATCHGATE_DEDUP_HOT [[gnu::always_inline]] inline

namespace matchgate::dedup {
namespace {

std::uint64_t load64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

std::uint64_t load32(const char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// ClOrdIDs are short and of any length up to 64: a few overlapping
// fixed-size moves beat a call into memcpy/memcmp for every request.
void copy_key(char* dst, const char* src, std::size_t n) noexcept {
  if (n >= 16) {
    for (std::size_t i = 0; i + 16 < n; i += 16) std::memcpy(dst + i, src + i, 16);
    std::memcpy(dst + n - 16, src + n - 16, 16);
  } else if (n >= 8) {
    std::memcpy(dst, src, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(dst, src, 4);
    std::memcpy(dst + n - 4, src + n - 4, 4);
  } else if (n > 0) {
    dst[0] = src[0];
    dst[n >> 1] = src[n >> 1];
    dst[n - 1] = src[n - 1];
  }
}

bool keys_equal(const char* a, const char* b, std::size_t n) noexcept {
  if (n >= 8) {
    std::uint64_t diff = 0;
    for (std::size_t i = 0; i + 8 < n; i += 8) diff |= load64(a + i) ^ load64(b + i);
    return (diff | (load64(a + n - 8) ^ load64(b + n - 8))) == 0;
  }
  if (n >= 4) {
    return ((load32(a) ^ load32(b)) | (load32(a + n - 4) ^ load32(b + n - 4))) == 0;
  }
  return n == 0 || (a[0] == b[0] && a[n >> 1] == b[n >> 1] && a[n - 1] == b[n - 1]);
}

// 64x64 -> 128 multiply folded to 64 bits: the mixing step of wyhash.
std::uint64_t mum(std::uint64_t a, std::uint64_t b) noexcept {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

constexpr std::uint64_t kK0 = 0xa0761d6478bd642fULL;
constexpr std::uint64_t kK1 = 0xe7037ed1a0b428dbULL;
constexpr std::uint64_t kK2 = 0x8ebc6af09c88c6e3ULL;

}  // namespace

EmbeddedStore::EmbeddedStore(std::size_t max_keys, std::chrono::seconds ttl)
    : memory_(std::make_unique<util::NumaMemoryResource>(
          -1, util::NumaMemoryResource::Options{.huge_pages = true, .prefault = true})),
      records_(memory_.get()),
      index_(memory_.get()) {
  if (max_keys == 0 || max_keys > (std::size_t{1} << 31)) {
    throw std::invalid_argument("EmbeddedStore: max_keys must be 1..2^31");
  }
  if (ttl.count() <= 0 || ttl > kMaxTtl) {
    throw std::invalid_argument("EmbeddedStore: ttl must be 1 s..7 days");
  }
  max_keys_ = max_keys;
  ttl_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(ttl).count();

  records_.resize(max_keys);
  free_.resize(max_keys);
  for (std::size_t i = 0; i < max_keys; ++i) free_[i] = static_cast<std::uint32_t>(i);
  free_count_ = max_keys;

  // At most half full: probe runs stay short even at capacity.
  const std::size_t buckets = std::bit_ceil(std::max<std::size_t>(16, max_keys * 2));
  index_.assign(buckets, kEmptyBucket);
  index_mask_ = buckets - 1;

  // One slot per second of ttl, plus the partly expired current second and
  // the second a key created now expires in; doubled so that the wheel may lag
  // the clock by up to ttl before keys created now would not fit (observe()).
  const auto slots = 2 * std::bit_ceil(static_cast<std::size_t>(ttl.count()) + 2);
  wheel_.assign(slots, List{});
  wheel_mask_ = slots - 1;
}

EmbeddedStore::~EmbeddedStore() = default;

std::uint32_t EmbeddedStore::hash_key(MemberId member, std::string_view id) noexcept {
  const char* p = id.data();
  const std::size_t n = id.size();
  std::uint64_t seed = ((std::uint64_t{member} << 32) | n) ^ kK0;
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  if (n <= 16) {
    if (n >= 8) {
      a = load64(p);
      b = load64(p + n - 8);
    } else if (n >= 4) {
      a = load32(p);
      b = load32(p + n - 4);
    } else if (n > 0) {
      a = (std::uint64_t{static_cast<unsigned char>(p[0])} << 16) |
          (std::uint64_t{static_cast<unsigned char>(p[n >> 1])} << 8) |
          static_cast<unsigned char>(p[n - 1]);
    }
  } else {
    std::size_t i = n;
    const char* q = p;
    while (i > 16) {
      seed = mum(load64(q) ^ kK1, load64(q + 8) ^ seed);
      q += 16;
      i -= 16;
    }
    a = load64(p + n - 16);
    b = load64(p + n - 8);
  }
  const std::uint64_t h = mum(a ^ kK1, b ^ seed ^ kK2);
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

MATCHGATE_DEDUP_HOT std::int64_t EmbeddedStore::observe(std::int64_t now_ns) noexcept {
  clock_ns_ = std::max(clock_ns_, now_ns);
  // Only on the first call, or when the owner has not called expire() for
  // about ttl: turn the wheel so keys created now land in it.
  if (tick_of(clock_ns_) - next_tick_ > static_cast<std::int64_t>(wheel_.size() / 2)) {
    expire(clock_ns_);
  }
  return clock_ns_;
}

MATCHGATE_DEDUP_HOT std::int64_t EmbeddedStore::expiry_for(std::int64_t now_ns) const noexcept {
  if (now_ns > std::numeric_limits<std::int64_t>::max() - ttl_ns_) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return now_ns + ttl_ns_;
}

MATCHGATE_DEDUP_HOT std::uint32_t EmbeddedStore::lookup(std::uint32_t hash, MemberId member,
                                                        std::string_view id,
                                                        std::size_t& bucket) const noexcept {
  const std::uint64_t tag = std::uint64_t{hash} << 32;
  for (std::size_t i = hash & index_mask_;; i = (i + 1) & index_mask_) {
    const std::uint64_t word = index_[i];
    if (word == kEmptyBucket) {
      bucket = i;
      return kNil;
    }
    if ((word & 0xffffffff00000000ULL) != tag) continue;
    const auto record = static_cast<std::uint32_t>(word);
    const Record& r = records_[record];
    if (r.member == member && r.key_length == id.size() &&
        keys_equal(r.key, id.data(), id.size())) {
      bucket = i;
      return record;
    }
  }
}

std::size_t EmbeddedStore::first_empty_bucket(std::uint32_t hash) const noexcept {
  std::size_t i = hash & index_mask_;
  while (index_[i] != kEmptyBucket) i = (i + 1) & index_mask_;
  return i;
}

MATCHGATE_DEDUP_HOT void EmbeddedStore::index_erase(std::uint32_t record) noexcept {
  std::size_t i = records_[record].hash & index_mask_;
  while (static_cast<std::uint32_t>(index_[i]) != record) i = (i + 1) & index_mask_;
  // Backward shift: move later members of the probe run into the hole when
  // the hole lies between their home and where they sit, so no tombstones.
  std::size_t hole = i;
  for (std::size_t j = (hole + 1) & index_mask_; index_[j] != kEmptyBucket;
       j = (j + 1) & index_mask_) {
    const std::size_t home = (index_[j] >> 32) & index_mask_;
    if (((j - home) & index_mask_) >= ((j - hole) & index_mask_)) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = kEmptyBucket;
}

MATCHGATE_DEDUP_HOT std::uint32_t EmbeddedStore::insert(std::uint32_t hash, std::size_t bucket,
                                                        MemberId member, std::string_view id,
                                                        const DedupEntry& entry) noexcept {
  const std::uint32_t record = free_[free_head_];
  free_head_ = (free_head_ + 1 == max_keys_) ? 0 : free_head_ + 1;
  --free_count_;
  Record& r = records_[record];
  r.entry = entry;
  r.hash = hash;
  r.member = member;
  r.key_length = static_cast<std::uint8_t>(id.size());
  copy_key(r.key, id.data(), id.size());
  index_[bucket] = (std::uint64_t{hash} << 32) | record;
  link(record);
  ++size_;
  return record;
}

MATCHGATE_DEDUP_HOT void EmbeddedStore::remove(std::uint32_t record) noexcept {
  index_erase(record);
  std::size_t tail = free_head_ + free_count_;
  if (tail >= max_keys_) tail -= max_keys_;
  free_[tail] = record;
  ++free_count_;
  --size_;
}

MATCHGATE_DEDUP_HOT EmbeddedStore::List& EmbeddedStore::list_of(const Record& r) noexcept {
  return r.far ? far_ : wheel_[tick_of(r.entry.expires_ns) & wheel_mask_];
}

MATCHGATE_DEDUP_HOT void EmbeddedStore::link(std::uint32_t record) noexcept {
  Record& r = records_[record];
  const std::int64_t expires = r.entry.expires_ns;
  // Keys are only linked while unexpired, so their tick is >= next_tick_.
  r.far = tick_of(expires) - next_tick_ >= static_cast<std::int64_t>(wheel_.size());
  List& list = list_of(r);
  if (r.far) {
    far_min_expires_ = far_count_ == 0 ? expires : std::min(far_min_expires_, expires);
    ++far_count_;
  }
  // Keys arrive in expiry order (now + ttl with a clock that never goes
  // back), so this walk ends at once except for restored keys.
  std::uint32_t after = list.tail;
  if (!r.far) {
    while (after != kNil && records_[after].entry.expires_ns > expires) {
      after = records_[after].prev;
    }
  }
  r.prev = after;
  if (after == kNil) {
    r.next = list.head;
    list.head = record;
  } else {
    r.next = records_[after].next;
    records_[after].next = record;
  }
  if (r.next == kNil) {
    list.tail = record;
  } else {
    records_[r.next].prev = record;
  }
}

MATCHGATE_DEDUP_HOT void EmbeddedStore::unlink(std::uint32_t record) noexcept {
  Record& r = records_[record];
  List& list = list_of(r);
  if (r.prev == kNil) {
    list.head = r.next;
  } else {
    records_[r.prev].next = r.next;
  }
  if (r.next == kNil) {
    list.tail = r.prev;
  } else {
    records_[r.next].prev = r.prev;
  }
  // far_min_expires_ may now be stale-low; that only makes refile_far() look
  // a little early.
  if (r.far) --far_count_;
  r.prev = r.next = kNil;
}

std::size_t EmbeddedStore::reap_list(List& list, std::int64_t now_ns) noexcept {
  // Records leave in list order, so the buckets they must be erased from are
  // known ahead: keep kLookahead of them on their way from memory, so index
  // misses overlap instead of following one another.
  constexpr int kLookahead = 8;
  std::uint32_t ahead = list.head;
  for (int i = 0; i < kLookahead && ahead != kNil; ++i) {
    __builtin_prefetch(&index_[records_[ahead].hash & index_mask_], 1);
    ahead = records_[ahead].next;
  }
  std::size_t removed = 0;
  while (list.head != kNil) {
    const std::uint32_t record = list.head;
    Record& r = records_[record];
    if (r.entry.expires_ns > now_ns) break;
    if (ahead != kNil) {
      __builtin_prefetch(&index_[records_[ahead].hash & index_mask_], 1);
      ahead = records_[ahead].next;
    }
    list.head = r.next;
    if (r.next == kNil) {
      list.tail = kNil;
    } else {
      records_[r.next].prev = kNil;
    }
    remove(record);
    ++removed;
  }
  return removed;
}

std::size_t EmbeddedStore::refile_far(std::int64_t now_ns) noexcept {
  std::size_t removed = 0;
  std::int64_t min_left = std::numeric_limits<std::int64_t>::max();
  const std::int64_t horizon = next_tick_ + static_cast<std::int64_t>(wheel_.size());
  for (std::uint32_t record = far_.head; record != kNil;) {
    Record& r = records_[record];
    const std::uint32_t next = r.next;
    if (r.entry.expires_ns <= now_ns) {
      unlink(record);
      remove(record);
      ++removed;
    } else if (tick_of(r.entry.expires_ns) < horizon) {
      unlink(record);
      link(record);
    } else {
      min_left = std::min(min_left, r.entry.expires_ns);
    }
    record = next;
  }
  far_min_expires_ = min_left;
  return removed;
}

std::size_t EmbeddedStore::expire(std::int64_t now_ns) noexcept {
  clock_ns_ = std::max(clock_ns_, now_ns);
  const std::int64_t now = clock_ns_;
  const std::int64_t current = tick_of(now);
  const auto slots = static_cast<std::int64_t>(wheel_.size());
  // Each slot holds one tick's keys, so one revolution visits them all.
  const std::int64_t first = std::max(next_tick_, current - slots + 1);
  std::size_t removed = 0;
  for (std::int64_t t = first; t <= current; ++t)
    removed += reap_list(wheel_[t & wheel_mask_], now);
  next_tick_ = current;
  if (far_count_ != 0 && tick_of(far_min_expires_) < next_tick_ + slots) {
    removed += refile_far(now);
  }
  return removed;
}

SetResult EmbeddedStore::set_nx(const PreparedKey& key, std::uint64_t order_ref,
                                std::uint64_t fingerprint, std::int64_t now_ns) noexcept {
  const MemberId member = key.member;
  const std::string_view cl_ord_id = key.cl_ord_id;
  const std::uint32_t hash = key.hash;
  if (!valid_key(cl_ord_id)) return {SetStatus::InvalidKey, {}};
  const std::int64_t now = observe(now_ns);
  std::size_t bucket = 0;
  const std::uint32_t found = lookup(hash, member, cl_ord_id, bucket);
  const DedupEntry entry{order_ref, fingerprint, expiry_for(now)};
  if (found != kNil) {
    Record& r = records_[found];
    if (r.entry.expires_ns > now) return {SetStatus::Exists, r.entry};
    // Expired but not yet reaped: the key is absent, reuse its record.
    unlink(found);
    r.entry = entry;
    link(found);
    return {SetStatus::Created, entry};
  }
  if (size_ == max_keys_) {
    if (expire(now) == 0) return {SetStatus::Full, {}};
    bucket = first_empty_bucket(hash);  // erasing shifted the probe run
  }
  insert(hash, bucket, member, cl_ord_id, entry);
  return {SetStatus::Created, entry};
}

const DedupEntry* EmbeddedStore::find(MemberId member, std::string_view cl_ord_id,
                                      std::int64_t now_ns) const noexcept {
  if (!valid_key(cl_ord_id)) return nullptr;
  const std::int64_t now = std::max(clock_ns_, now_ns);
  std::size_t bucket = 0;
  const std::uint32_t found = lookup(hash_key(member, cl_ord_id), member, cl_ord_id, bucket);
  if (found == kNil || records_[found].entry.expires_ns <= now) return nullptr;
  return &records_[found].entry;
}

RestoreStatus EmbeddedStore::restore(MemberId member, std::string_view cl_ord_id,
                                     std::uint64_t order_ref, std::uint64_t fingerprint,
                                     std::int64_t expires_ns, std::int64_t now_ns) noexcept {
  if (!valid_key(cl_ord_id)) return RestoreStatus::InvalidKey;
  const std::int64_t now = observe(now_ns);
  if (expires_ns <= now) return RestoreStatus::Expired;
  const std::uint32_t hash = hash_key(member, cl_ord_id);
  std::size_t bucket = 0;
  const std::uint32_t found = lookup(hash, member, cl_ord_id, bucket);
  const DedupEntry entry{order_ref, fingerprint, expires_ns};
  if (found != kNil) {
    Record& r = records_[found];
    // A SET NX can only have succeeded again after the earlier key expired,
    // so the later expiry is the newer record.
    if (r.entry.expires_ns > now && r.entry.expires_ns >= expires_ns) return RestoreStatus::Kept;
    unlink(found);
    r.entry = entry;
    link(found);
    return RestoreStatus::Restored;
  }
  if (size_ == max_keys_) {
    if (expire(now) == 0) return RestoreStatus::Full;
    bucket = first_empty_bucket(hash);
  }
  insert(hash, bucket, member, cl_ord_id, entry);
  return RestoreStatus::Restored;
}

}  // namespace matchgate::dedup
