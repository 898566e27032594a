#pragma once
// In-process ClOrdID store with the semantics of Redis `SET key value NX EX
// ttl`, for one owning thread: no locks, no allocation after construction, no
// virtual calls. Memory for max_keys keys is allocated and touched up front.
//
// Time: every call takes the caller's clock as now_ns. Expiry instants are
// persisted (WAL) and compared across restarts, so pass wall-clock time
// (CLOCK_REALTIME nanoseconds), not a monotonic clock. The store never lets
// its clock go backwards: a now_ns earlier than one already seen is treated as
// the latest one, so a key that has expired stays expired after a clock step.
// now_ns must not be negative.
//
// A key lives from its creation until expires_ns = created + ttl, exclusive:
// at expires_ns it counts as absent, whether or not expire() has removed it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <string_view>
#include <vector>

#include "matchgate/dedup/types.hpp"

namespace matchgate::dedup {

enum class SetStatus : std::uint8_t {
  Created,     // the key was absent or expired; it now holds the new entry
  Exists,      // the key holds an unexpired entry; nothing changed
  Full,        // capacity() unexpired keys are held; nothing changed
  InvalidKey,  // ClOrdID empty or longer than kMaxClOrdIdLength; nothing changed
};

struct SetResult {
  SetStatus status = SetStatus::InvalidKey;
  // Created: the entry just stored. Exists: the stored entry (a retry when its
  // fingerprint equals the request's). Otherwise zero.
  DedupEntry entry;
};

enum class RestoreStatus : std::uint8_t {
  Restored,    // stored with the given expiry (or replaced an entry expiring earlier)
  Expired,     // expires_ns <= now: nothing to remember
  Kept,        // an entry expiring at the same time or later is already held; it stays
  Full,        // capacity() unexpired keys are held
  InvalidKey,  // ClOrdID empty or longer than kMaxClOrdIdLength
};

// A key whose hash is computed and whose index bucket is already being
// loaded (EmbeddedStore::prepare). The ClOrdID is referenced, not copied.
struct PreparedKey {
  MemberId member = 0;
  std::uint32_t hash = 0;
  std::string_view cl_ord_id;
};

class EmbeddedStore {
 public:
  static constexpr std::chrono::seconds kMaxTtl{7 * 24 * 3600};

  // max_keys: 1..2^31; ttl: 1 s..kMaxTtl. Throws std::invalid_argument
  // otherwise. Allocates 128 bytes per key for records plus 16 to 32 for the
  // index, all touched here so no page faults come later.
  EmbeddedStore(std::size_t max_keys, std::chrono::seconds ttl);

  ~EmbeddedStore();
  // Owned by one thread for its lifetime; hold it by pointer to hand it over.
  EmbeddedStore(const EmbeddedStore&) = delete;
  EmbeddedStore& operator=(const EmbeddedStore&) = delete;

  // SET key {order_ref, fingerprint} NX EX ttl. When the store is at capacity
  // it first removes keys that have expired by now_ns; it never removes an
  // unexpired key to make room.
  SetResult set_nx(MemberId member, std::string_view cl_ord_id, std::uint64_t order_ref,
                   std::uint64_t fingerprint, std::int64_t now_ns) noexcept {
    return set_nx(prepare(member, cl_ord_id), order_ref, fingerprint, now_ns);
  }

  // For batches (e.g. every NewOrderSingle of one socket read): a large
  // table's bucket is a cache miss, and one set_nx() waits for it. Preparing
  // the next few keys before using the first lets those misses overlap:
  //
  //   for (i in 0..n) { if (i + 8 < n) next[i + 8] = prepare(...); set_nx(next[i], ...); }
  //
  // A prepared key stays usable across other calls (it holds no position).
  PreparedKey prepare(MemberId member, std::string_view cl_ord_id) const noexcept {
    const std::uint32_t hash = hash_key(member, cl_ord_id);
    __builtin_prefetch(&index_[hash & index_mask_]);
    return {member, hash, cl_ord_id};
  }
  SetResult set_nx(const PreparedKey& key, std::uint64_t order_ref, std::uint64_t fingerprint,
                   std::int64_t now_ns) noexcept;

  // The unexpired entry under the key, or nullptr. The pointer is valid until
  // the next call of a non-const member.
  const DedupEntry* find(MemberId member, std::string_view cl_ord_id,
                         std::int64_t now_ns) const noexcept;

  // Removes every key that has expired by now_ns and returns how many. Cost is
  // proportional to the keys removed plus the wheel slots (1 s each) passed
  // since the previous call, at most one revolution. Call it regularly (e.g.
  // once per event-loop iteration) so memory is reclaimed in small steps.
  std::size_t expire(std::int64_t now_ns) noexcept;

  // Rebuilds a key from the write-ahead log with its original expiry. Replaying
  // the same record twice, or records in any order, leaves the latest expiry.
  RestoreStatus restore(MemberId member, std::string_view cl_ord_id, std::uint64_t order_ref,
                        std::uint64_t fingerprint, std::int64_t expires_ns,
                        std::int64_t now_ns) noexcept;

  // Calls f(member, cl_ord_id, entry) for every key held (expired ones
  // expire() has not removed yet included), in expiry order: for snapshots.
  // restore() in that order appends each key to its expiry list at once; in
  // any other order it walks the list (quadratic for a large store).
  template <class F>
  void for_each(F&& f) const {
    const auto visit = [&](const List& list) {
      for (std::uint32_t i = list.head; i != kNil; i = records_[i].next) {
        const Record& r = records_[i];
        f(r.member, r.key_view(), r.entry);
      }
    };
    // The wheel's slots from next_tick_ on, one tick each, hold every key
    // that is linked and not far; each list is sorted by expiry.
    for (std::size_t k = 0; k < wheel_.size(); ++k) {
      visit(wheel_[(static_cast<std::size_t>(next_tick_) + k) & wheel_mask_]);
    }
    visit(far_);
  }

  // Keys held, including expired ones expire() has not removed yet.
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return max_keys_; }
  std::chrono::seconds ttl() const noexcept {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::nanoseconds(ttl_ns_));
  }

 private:
  static constexpr std::uint32_t kNil = 0xffffffffU;
  static constexpr std::uint64_t kEmptyBucket = ~std::uint64_t{0};
  static constexpr std::int64_t kSlotNs = 1'000'000'000;

  // One key. The fields a probe and an expiry touch come first, so a short
  // ClOrdID (up to 22 bytes) keeps the whole record in one cache line.
  struct alignas(64) Record {
    DedupEntry entry;
    std::uint32_t hash = 0;  // home bucket and index tag
    MemberId member = 0;
    std::uint32_t prev = kNil;  // neighbours in its expiry list, sorted by expires_ns
    std::uint32_t next = kNil;
    std::uint8_t key_length = 0;
    bool far = false;  // in far_ rather than a wheel slot
    char key[kMaxClOrdIdLength];

    std::string_view key_view() const noexcept { return {key, key_length}; }
  };
  static_assert(sizeof(Record) == 128);

  // A doubly linked list of records through Record::prev/next.
  struct List {
    std::uint32_t head = kNil;
    std::uint32_t tail = kNil;
  };

  static std::uint32_t hash_key(MemberId member, std::string_view id) noexcept;
  static bool valid_key(std::string_view id) noexcept {
    return !id.empty() && id.size() <= kMaxClOrdIdLength;
  }
  std::int64_t tick_of(std::int64_t ns) const noexcept { return ns / kSlotNs; }
  // Moves the clock forward to now_ns (never back) and returns it.
  std::int64_t observe(std::int64_t now_ns) noexcept;
  std::int64_t expiry_for(std::int64_t now_ns) const noexcept;

  // The record holding the key, or kNil; `bucket` is then the bucket where
  // the key would be inserted.
  std::uint32_t lookup(std::uint32_t hash, MemberId member, std::string_view id,
                       std::size_t& bucket) const noexcept;
  std::size_t first_empty_bucket(std::uint32_t hash) const noexcept;
  void index_erase(std::uint32_t record) noexcept;

  std::uint32_t insert(std::uint32_t hash, std::size_t bucket, MemberId member, std::string_view id,
                       const DedupEntry& entry) noexcept;
  void remove(std::uint32_t record) noexcept;

  List& list_of(const Record& r) noexcept;
  void link(std::uint32_t record) noexcept;
  void unlink(std::uint32_t record) noexcept;
  std::size_t reap_list(List& list, std::int64_t now_ns) noexcept;
  std::size_t refile_far(std::int64_t now_ns) noexcept;

  std::size_t max_keys_ = 0;
  std::int64_t ttl_ns_ = 0;
  std::int64_t clock_ns_ = 0;  // latest now_ns seen by a mutating call
  std::size_t size_ = 0;

  // Huge pages where the system allows: the index and the records are
  // probed at random, and a TLB miss would cost as much as the cache miss.
  std::unique_ptr<std::pmr::memory_resource> memory_;
  std::pmr::vector<Record> records_;
  // Free records, oldest-freed first: in steady state records are reused in
  // the order they expire, which is the order they were created, so both
  // creation and expiry walk memory sequentially.
  std::vector<std::uint32_t> free_;
  std::size_t free_head_ = 0;
  std::size_t free_count_ = 0;

  // Open addressing, linear probing, backward-shift deletion. A bucket holds
  // (hash << 32) | record, so a probe that meets another key usually rejects
  // it without touching its record.
  std::pmr::vector<std::uint64_t> index_;
  std::size_t index_mask_ = 0;

  // Hashed timer wheel of 1-second slots covering ticks [next_tick_,
  // next_tick_ + wheel size): a slot holds only keys expiring in one tick.
  // Keys expiring beyond the wheel wait in far_ (only restore() makes them,
  // e.g. after ttl_s was lowered) and move into the wheel as it turns.
  std::vector<List> wheel_;
  std::size_t wheel_mask_ = 0;
  std::int64_t next_tick_ = 0;  // expire() resumes here; this tick may be partly expired
  List far_;
  std::size_t far_count_ = 0;
  std::int64_t far_min_expires_ = 0;
};

}  // namespace matchgate::dedup
