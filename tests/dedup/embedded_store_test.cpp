#include "matchgate/dedup/embedded_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using matchgate::dedup::DedupEntry;
using matchgate::dedup::EmbeddedStore;
using matchgate::dedup::MemberId;
using matchgate::dedup::RestoreStatus;
using matchgate::dedup::SetStatus;
using namespace std::chrono_literals;

constexpr std::int64_t kSecond = 1'000'000'000;
// A wall-clock instant in 2023, not on a second boundary.
constexpr std::int64_t kT0 = 1'700'000'000 * kSecond + 123'456'789;

std::string numbered(std::string prefix, int n) {
  prefix += std::to_string(n);
  return prefix;
}

TEST(EmbeddedStore, FirstRequestCreatesAndRetryGetsTheStoredEntry) {
  EmbeddedStore store(16, 1800s);
  const auto created = store.set_nx(1, "ORD-1", 100, 0xAAAA, kT0);
  ASSERT_EQ(created.status, SetStatus::Created);
  EXPECT_EQ(created.entry.order_ref, 100u);
  EXPECT_EQ(created.entry.fingerprint, 0xAAAAu);
  EXPECT_EQ(created.entry.expires_ns, kT0 + 1800 * kSecond);

  const auto retry = store.set_nx(1, "ORD-1", 200, 0xAAAA, kT0 + kSecond);
  ASSERT_EQ(retry.status, SetStatus::Exists);
  EXPECT_EQ(retry.entry.order_ref, 100u);
  EXPECT_EQ(retry.entry.fingerprint, 0xAAAAu);
  EXPECT_EQ(retry.entry.expires_ns, kT0 + 1800 * kSecond);  // a retry does not extend the TTL
  EXPECT_EQ(store.size(), 1u);
}

TEST(EmbeddedStore, DifferentRequestWithTheSameKeyLeavesTheOriginalUntouched) {
  EmbeddedStore store(16, 1800s);
  ASSERT_EQ(store.set_nx(1, "ORD-1", 100, 0xAAAA, kT0).status, SetStatus::Created);
  const auto other = store.set_nx(1, "ORD-1", 200, 0xBBBB, kT0 + 1);
  ASSERT_EQ(other.status, SetStatus::Exists);
  EXPECT_EQ(other.entry.fingerprint, 0xAAAAu);  // the caller sees it differs: a duplicate ClOrdID
  EXPECT_EQ(other.entry.order_ref, 100u);
  const DedupEntry* stored = store.find(1, "ORD-1", kT0 + 2);
  ASSERT_NE(stored, nullptr);
  EXPECT_EQ(stored->order_ref, 100u);
  EXPECT_EQ(stored->fingerprint, 0xAAAAu);
}

TEST(EmbeddedStore, MembersHaveSeparateKeySpaces) {
  EmbeddedStore store(16, 1800s);
  EXPECT_EQ(store.set_nx(1, "SAME", 1, 11, kT0).status, SetStatus::Created);
  EXPECT_EQ(store.set_nx(2, "SAME", 2, 22, kT0).status, SetStatus::Created);
  EXPECT_EQ(store.find(1, "SAME", kT0)->order_ref, 1u);
  EXPECT_EQ(store.find(2, "SAME", kT0)->order_ref, 2u);
  EXPECT_EQ(store.find(3, "SAME", kT0), nullptr);
}

TEST(EmbeddedStore, ClOrdIdsCompareExactly) {
  EmbeddedStore store(16, 1800s);
  EXPECT_EQ(store.set_nx(1, "abc", 1, 1, kT0).status, SetStatus::Created);
  EXPECT_EQ(store.set_nx(1, "ABC", 2, 2, kT0).status, SetStatus::Created);
  EXPECT_EQ(store.set_nx(1, "abc ", 3, 3, kT0).status, SetStatus::Created);
  EXPECT_EQ(store.set_nx(1, std::string("abc\0", 4), 4, 4, kT0).status, SetStatus::Created);
  EXPECT_EQ(store.size(), 4u);
}

TEST(EmbeddedStore, KeyLivesUntilJustBeforeTtlAndIsAbsentAtTtl) {
  EmbeddedStore store(16, 30s);
  const std::int64_t expires = kT0 + 30 * kSecond;
  ASSERT_EQ(store.set_nx(1, "K", 1, 1, kT0).status, SetStatus::Created);

  EXPECT_NE(store.find(1, "K", expires - 1), nullptr);
  EXPECT_EQ(store.set_nx(1, "K", 2, 2, expires - 1).status, SetStatus::Exists);
  EXPECT_EQ(store.find(1, "K", expires), nullptr);

  // Absent at the boundary even though expire() has not run: reusable.
  const auto again = store.set_nx(1, "K", 3, 3, expires);
  ASSERT_EQ(again.status, SetStatus::Created);
  EXPECT_EQ(again.entry.order_ref, 3u);
  EXPECT_EQ(again.entry.expires_ns, expires + 30 * kSecond);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.set_nx(1, "K", 4, 4, expires + 1).status, SetStatus::Exists);
}

TEST(EmbeddedStore, ExpireRemovesExactlyTheKeysWhoseTimeHasCome) {
  EmbeddedStore store(16, 10s);
  ASSERT_EQ(store.set_nx(1, "A", 1, 1, kT0).status, SetStatus::Created);
  ASSERT_EQ(store.set_nx(1, "B", 2, 2, kT0 + kSecond / 2).status, SetStatus::Created);
  ASSERT_EQ(store.set_nx(1, "C", 3, 3, kT0 + 3 * kSecond).status, SetStatus::Created);

  EXPECT_EQ(store.expire(kT0 + 10 * kSecond - 1), 0u);
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.expire(kT0 + 10 * kSecond), 1u);  // A, in the same wheel slot as B
  EXPECT_EQ(store.size(), 2u);
  EXPECT_NE(store.find(1, "B", kT0 + 10 * kSecond), nullptr);
  EXPECT_EQ(store.expire(kT0 + 10 * kSecond + kSecond / 2), 1u);  // B
  EXPECT_EQ(store.expire(kT0 + 100 * kSecond), 1u);               // C, after a long gap
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.expire(kT0 + 200 * kSecond), 0u);
}

TEST(EmbeddedStore, ExpiredKeyIsReusableAfterExpireRemovedIt) {
  EmbeddedStore store(16, 10s);
  ASSERT_EQ(store.set_nx(1, "K", 1, 1, kT0).status, SetStatus::Created);
  EXPECT_EQ(store.expire(kT0 + 11 * kSecond), 1u);
  const auto again = store.set_nx(1, "K", 2, 2, kT0 + 11 * kSecond);
  EXPECT_EQ(again.status, SetStatus::Created);
  EXPECT_EQ(again.entry.order_ref, 2u);
}

TEST(EmbeddedStore, FullAtCapacityNeverDropsUnexpiredKeys) {
  EmbeddedStore store(4, 10s);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(store.set_nx(1, numbered("K", i), i, i, kT0 + i * kSecond).status,
              SetStatus::Created);
  }
  const auto full = store.set_nx(1, "NEW", 9, 9, kT0 + 9 * kSecond);
  EXPECT_EQ(full.status, SetStatus::Full);
  EXPECT_EQ(store.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    const auto old = store.set_nx(1, numbered("K", i), 99, 99, kT0 + 9 * kSecond);
    ASSERT_EQ(old.status, SetStatus::Exists) << i;
    EXPECT_EQ(old.entry.order_ref, static_cast<std::uint64_t>(i));
  }
  // K0 expires at T0+10s: then there is room, without an explicit expire().
  EXPECT_EQ(store.set_nx(1, "NEW", 9, 9, kT0 + 10 * kSecond - 1).status, SetStatus::Full);
  EXPECT_EQ(store.set_nx(1, "NEW", 9, 9, kT0 + 10 * kSecond).status, SetStatus::Created);
  EXPECT_EQ(store.size(), 4u);
  EXPECT_EQ(store.find(1, "K0", kT0 + 10 * kSecond), nullptr);
  EXPECT_NE(store.find(1, "K1", kT0 + 10 * kSecond), nullptr);
}

TEST(EmbeddedStore, ClockSteppingBackDoesNotReviveExpiredKeys) {
  EmbeddedStore store(16, 10s);
  ASSERT_EQ(store.set_nx(1, "K", 1, 1, kT0).status, SetStatus::Created);
  ASSERT_EQ(store.set_nx(1, "L", 1, 1, kT0 + 20 * kSecond).status, SetStatus::Created);
  // The clock steps back 15 s: K has expired and stays expired.
  EXPECT_EQ(store.find(1, "K", kT0 + 5 * kSecond), nullptr);
  const auto k = store.set_nx(1, "K", 2, 2, kT0 + 5 * kSecond);
  ASSERT_EQ(k.status, SetStatus::Created);
  // New keys count their TTL from the latest time seen.
  EXPECT_EQ(k.entry.expires_ns, kT0 + 30 * kSecond);
}

TEST(EmbeddedStore, RestoreKeepsOriginalExpiryAndSkipsExpiredKeys) {
  EmbeddedStore store(16, 1800s);
  const std::int64_t now = kT0;
  EXPECT_EQ(store.restore(1, "OLD", 1, 11, now - kSecond, now), RestoreStatus::Expired);
  EXPECT_EQ(store.restore(1, "EDGE", 2, 22, now, now), RestoreStatus::Expired);
  EXPECT_EQ(store.restore(1, "LIVE", 3, 33, now + 60 * kSecond, now), RestoreStatus::Restored);
  EXPECT_EQ(store.size(), 1u);

  const DedupEntry* live = store.find(1, "LIVE", now);
  ASSERT_NE(live, nullptr);
  EXPECT_EQ(live->order_ref, 3u);
  EXPECT_EQ(live->fingerprint, 33u);
  EXPECT_EQ(live->expires_ns, now + 60 * kSecond);
  EXPECT_EQ(store.set_nx(1, "LIVE", 4, 44, now + 60 * kSecond - 1).status, SetStatus::Exists);
  EXPECT_EQ(store.set_nx(1, "LIVE", 4, 44, now + 60 * kSecond).status, SetStatus::Created);
  EXPECT_EQ(store.set_nx(1, "OLD", 5, 55, now).status, SetStatus::Created);
}

TEST(EmbeddedStore, RestoreIsIdempotentAndTheLatestExpiryWins) {
  EmbeddedStore store(16, 1800s);
  const std::int64_t now = kT0;
  EXPECT_EQ(store.restore(1, "K", 1, 11, now + 100 * kSecond, now), RestoreStatus::Restored);
  EXPECT_EQ(store.restore(1, "K", 1, 11, now + 100 * kSecond, now), RestoreStatus::Kept);
  EXPECT_EQ(store.restore(1, "K", 0, 0, now + 50 * kSecond, now), RestoreStatus::Kept);
  EXPECT_EQ(store.restore(1, "K", 2, 22, now + 200 * kSecond, now), RestoreStatus::Restored);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.find(1, "K", now)->order_ref, 2u);
  EXPECT_EQ(store.expire(now + 150 * kSecond), 0u);
  EXPECT_EQ(store.expire(now + 200 * kSecond), 1u);
}

TEST(EmbeddedStore, RestoredKeysBeyondTheTtlExpireOnTime) {
  // E.g. ttl_s was lowered between runs: the WAL's keys keep their expiry.
  EmbeddedStore store(16, 10s);
  const std::int64_t now = kT0;
  ASSERT_EQ(store.restore(1, "FAR", 1, 1, now + 3600 * kSecond, now), RestoreStatus::Restored);
  ASSERT_EQ(store.set_nx(1, "NEAR", 2, 2, now).status, SetStatus::Created);
  for (std::int64_t s = 1; s < 3600; s += 7) store.expire(now + s * kSecond);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.set_nx(1, "FAR", 3, 3, now + 3600 * kSecond - 1).status, SetStatus::Exists);
  EXPECT_EQ(store.expire(now + 3600 * kSecond), 1u);
  EXPECT_EQ(store.size(), 0u);
}

TEST(EmbeddedStore, RestoreRespectsCapacity) {
  EmbeddedStore store(2, 1800s);
  EXPECT_EQ(store.restore(1, "A", 1, 1, kT0 + kSecond, kT0), RestoreStatus::Restored);
  EXPECT_EQ(store.restore(1, "B", 1, 1, kT0 + kSecond, kT0), RestoreStatus::Restored);
  EXPECT_EQ(store.restore(1, "C", 1, 1, kT0 + kSecond, kT0), RestoreStatus::Full);
  EXPECT_EQ(store.restore(1, "C", 1, 1, kT0 + 2 * kSecond, kT0 + kSecond), RestoreStatus::Restored);
}

TEST(EmbeddedStore, RejectsEmptyAndOverlongClOrdIds) {
  EmbeddedStore store(16, 1800s);
  const std::string longest(64, 'x');
  EXPECT_EQ(store.set_nx(1, "", 1, 1, kT0).status, SetStatus::InvalidKey);
  EXPECT_EQ(store.set_nx(1, longest + "x", 1, 1, kT0).status, SetStatus::InvalidKey);
  EXPECT_EQ(store.restore(1, "", 1, 1, kT0 + kSecond, kT0), RestoreStatus::InvalidKey);
  EXPECT_EQ(store.find(1, longest + "x", kT0), nullptr);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.set_nx(1, longest, 1, 1, kT0).status, SetStatus::Created);
  EXPECT_EQ(store.set_nx(1, longest, 1, 1, kT0).status, SetStatus::Exists);
}

TEST(EmbeddedStore, RejectsImpossibleSizes) {
  EXPECT_THROW(EmbeddedStore(0, 1800s), std::invalid_argument);
  EXPECT_THROW(EmbeddedStore(16, 0s), std::invalid_argument);
  EXPECT_THROW(EmbeddedStore(16, EmbeddedStore::kMaxTtl + 1s), std::invalid_argument);
  EXPECT_EQ(EmbeddedStore(16, 1800s).capacity(), 16u);
}

// The store against a plain map that implements the documented semantics
// directly, under random keys, clock moves (forward, far forward, backward),
// capacity pressure, restores and expiry.
class Model {
 public:
  Model(std::size_t max_keys, std::int64_t ttl_ns) : max_keys_(max_keys), ttl_ns_(ttl_ns) {}

  std::pair<SetStatus, DedupEntry> set_nx(MemberId m, const std::string& id, std::uint64_t ref,
                                          std::uint64_t fp, std::int64_t now) {
    clock_ = std::max(clock_, now);
    const auto key = std::make_pair(m, id);
    auto it = held_.find(key);
    if (it != held_.end() && it->second.expires_ns > clock_) return {SetStatus::Exists, it->second};
    if (it == held_.end() && held_.size() == max_keys_ && expire(clock_) == 0) {
      return {SetStatus::Full, {}};
    }
    const DedupEntry e{ref, fp, clock_ + ttl_ns_};
    held_[key] = e;
    return {SetStatus::Created, e};
  }

  RestoreStatus restore(MemberId m, const std::string& id, std::uint64_t ref, std::uint64_t fp,
                        std::int64_t expires, std::int64_t now) {
    clock_ = std::max(clock_, now);
    if (expires <= clock_) return RestoreStatus::Expired;
    const auto key = std::make_pair(m, id);
    auto it = held_.find(key);
    if (it != held_.end()) {
      if (it->second.expires_ns > clock_ && it->second.expires_ns >= expires) {
        return RestoreStatus::Kept;
      }
      it->second = {ref, fp, expires};
      return RestoreStatus::Restored;
    }
    if (held_.size() == max_keys_ && expire(clock_) == 0) return RestoreStatus::Full;
    held_[key] = {ref, fp, expires};
    return RestoreStatus::Restored;
  }

  const DedupEntry* find(MemberId m, const std::string& id, std::int64_t now) const {
    auto it = held_.find({m, id});
    if (it == held_.end() || it->second.expires_ns <= std::max(clock_, now)) return nullptr;
    return &it->second;
  }

  std::size_t expire(std::int64_t now) {
    clock_ = std::max(clock_, now);
    std::size_t removed = 0;
    for (auto it = held_.begin(); it != held_.end();) {
      if (it->second.expires_ns <= clock_) {
        it = held_.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
    return removed;
  }

  std::size_t size() const { return held_.size(); }

 private:
  std::size_t max_keys_;
  std::int64_t ttl_ns_;
  std::int64_t clock_ = 0;
  std::map<std::pair<MemberId, std::string>, DedupEntry> held_;
};

// Few enough keys to collide often; 2 to 43 bytes, covering every length
// branch of the hash and of the key copy and compare.
std::string key_of(std::uint64_t k) {
  std::string id(1 + k % 40, static_cast<char>('a' + k % 26));
  id += std::to_string(k);
  return id;
}

bool same(const DedupEntry& a, const DedupEntry& b) {
  return a.order_ref == b.order_ref && a.fingerprint == b.fingerprint &&
         a.expires_ns == b.expires_ns;
}

TEST(EmbeddedStore, BehavesLikeTheModelUnderRandomOperations) {
  for (std::uint32_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937_64 rng(seed);
    const std::size_t max_keys = 1 + rng() % 96;
    const std::int64_t ttl_s = 1 + static_cast<std::int64_t>(rng() % 8);
    EmbeddedStore store(max_keys, std::chrono::seconds(ttl_s));
    Model model(max_keys, ttl_s * kSecond);
    std::int64_t now = kT0;
    auto pick = [&](std::uint64_t n) { return rng() % n; };
    auto random_id = [&] { return key_of(pick(150)); };

    for (int op = 0; op < 40'000; ++op) {
      const std::uint64_t clock_move = pick(1000);
      if (clock_move < 700) {
        now += static_cast<std::int64_t>(pick(static_cast<std::uint64_t>(kSecond / 4)));
      } else if (clock_move < 990) {
        now += static_cast<std::int64_t>(pick(static_cast<std::uint64_t>(2 * ttl_s * kSecond)));
      } else if (clock_move < 995) {
        now += static_cast<std::int64_t>(pick(static_cast<std::uint64_t>(100 * ttl_s * kSecond)));
      } else {
        now -= static_cast<std::int64_t>(pick(static_cast<std::uint64_t>(3 * ttl_s * kSecond)));
      }
      const MemberId member = static_cast<MemberId>(pick(3));
      const std::string id = random_id();
      const std::uint64_t ref = rng();
      const std::uint64_t fp = pick(4);
      const std::uint64_t kind = pick(100);
      if (kind < 60) {
        const auto got = store.set_nx(member, id, ref, fp, now);
        const auto want = model.set_nx(member, id, ref, fp, now);
        ASSERT_EQ(got.status, want.first) << "op " << op;
        if (want.first != SetStatus::Full) {
          ASSERT_TRUE(same(got.entry, want.second)) << "op " << op;
        }
      } else if (kind < 75) {
        const DedupEntry* got = store.find(member, id, now);
        const DedupEntry* want = model.find(member, id, now);
        ASSERT_EQ(got == nullptr, want == nullptr) << "op " << op;
        if (want != nullptr) {
          ASSERT_TRUE(same(*got, *want)) << "op " << op;
        }
      } else if (kind < 90) {
        const std::size_t held = store.size();
        const std::size_t removed = store.expire(now);
        ASSERT_EQ(held - removed, store.size()) << "op " << op;
        model.expire(now);
      } else {
        // Original expiries from the past to well beyond the wheel.
        const std::int64_t expires =
            now - 2 * ttl_s * kSecond +
            static_cast<std::int64_t>(pick(static_cast<std::uint64_t>(40 * ttl_s * kSecond)));
        ASSERT_EQ(store.restore(member, id, ref, fp, expires, now),
                  model.restore(member, id, ref, fp, expires, now))
            << "op " << op;
      }
      if (kind >= 75 && kind < 90) {
        // Between expire() calls the store may have reclaimed expired keys on
        // its own; after one, both hold exactly the unexpired keys.
        ASSERT_EQ(store.size(), model.size()) << "op " << op;
      }
    }
    store.expire(now);
    model.expire(now);
    ASSERT_EQ(store.size(), model.size());
    for (MemberId m = 0; m < 3; ++m) {
      for (std::uint64_t k = 0; k < 150; ++k) {
        const std::string id = key_of(k);
        const DedupEntry* got = store.find(m, id, now);
        const DedupEntry* want = model.find(m, id, now);
        ASSERT_EQ(got == nullptr, want == nullptr) << m << " " << id;
        if (want != nullptr) {
          ASSERT_TRUE(same(*got, *want)) << m << " " << id;
        }
      }
    }
  }
}

// Snapshots save keys with for_each() and load them with restore(): every
// key comes out once, in expiry order, and the copy answers as the original.
TEST(EmbeddedStore, ForEachVisitsEveryKeyOnceInExpiryOrderAndRestoresACopy) {
  EmbeddedStore original(4096, 60s);
  std::mt19937_64 rng(7);
  // Restored keys with shuffled expiries, then keys set at a moving clock.
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t expires = kT0 + static_cast<std::int64_t>(rng() % (50 * kSecond)) + kSecond;
    ASSERT_EQ(original.restore(1, "R" + std::to_string(i), static_cast<std::uint64_t>(i), 7,
                               expires, kT0),
              RestoreStatus::Restored);
  }
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(original
                  .set_nx(2, "S" + std::to_string(i), static_cast<std::uint64_t>(i), 9,
                          kT0 + i * (kSecond / 100))
                  .status,
              SetStatus::Created);
  }
  std::vector<std::int64_t> order;
  std::set<std::string> seen;
  EmbeddedStore copy(4096, 60s);
  const std::int64_t now = kT0 + 10 * kSecond;
  original.for_each([&](MemberId member, std::string_view id, const DedupEntry& e) {
    order.push_back(e.expires_ns);
    EXPECT_TRUE(seen.insert(std::to_string(member) + "/" + std::string(id)).second) << id;
    copy.restore(member, id, e.order_ref, e.fingerprint, e.expires_ns, now);
  });
  EXPECT_EQ(seen.size(), original.size());
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  for (int i = 0; i < 1000; i += 37) {
    const std::string r = "R" + std::to_string(i);
    const std::string k = "S" + std::to_string(i);
    const DedupEntry* a = original.find(1, r, now);
    const DedupEntry* b = copy.find(1, r, now);
    ASSERT_EQ(a == nullptr, b == nullptr) << r;
    if (a != nullptr) {
      EXPECT_EQ(a->expires_ns, b->expires_ns) << r;
    }
    ASSERT_NE(copy.find(2, k, now), nullptr) << k;
    EXPECT_EQ(copy.find(2, k, now)->order_ref, static_cast<std::uint64_t>(i));
  }
}

}  // namespace
