#include "matchgate/gateway/order_records.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

#include "matchgate/util/assert.hpp"

namespace matchgate::gateway {

OrderRecordTable::OrderRecordTable(std::uint32_t capacity)
    : records_(capacity),
      hashes_(capacity, 0),
      open_at_(capacity, kNoSlot),
      finished_(capacity, kNoSlot) {
  free_.reserve(capacity);
  open_.reserve(capacity);
  for (std::uint32_t i = capacity; i > 0; --i) free_.push_back(i - 1);
  const std::size_t size = std::bit_ceil(std::max<std::size_t>(16, std::size_t{capacity} * 2));
  index_.assign(size, kEmpty);
  mask_ = size - 1;
}

std::uint64_t OrderRecordTable::key_hash(engine::MemberId member,
                                         std::string_view id) const noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ (std::uint64_t{member} * 0x9E3779B97F4A7C15ULL);
  for (unsigned char c : id) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h ^ (h >> 29);
}

std::uint32_t OrderRecordTable::create(engine::MemberId member, std::string_view cl_ord_id,
                                       RecordKind kind) {
  if (cl_ord_id.size() > kMaxClOrdIdLength) return kNoSlot;
  if (free_.empty()) {
    if (finished_count_ == 0) return kNoSlot;
    const std::uint32_t oldest = finished_[finished_head_];
    finished_head_ = (finished_head_ + 1) % finished_.size();
    --finished_count_;
    index_erase(oldest);
    records_[oldest].in_use = false;
    --in_use_;
    free_.push_back(oldest);
  }
  const std::uint32_t slot = free_.back();
  free_.pop_back();
  occupy(slot, member, cl_ord_id, kind);
  return slot;
}

void OrderRecordTable::occupy(std::uint32_t slot, engine::MemberId member,
                              std::string_view cl_ord_id, RecordKind kind) {
  OrderRecord& r = records_[slot];
  r = OrderRecord{};
  std::memcpy(r.cl_ord_id.data(), cl_ord_id.data(), cl_ord_id.size());
  r.cl_ord_id_length = static_cast<std::uint8_t>(cl_ord_id.size());
  r.kind = kind;
  r.member = member;
  r.in_use = true;
  hashes_[slot] = key_hash(member, cl_ord_id);
  index_insert(slot);
  open_add(slot);
  ++in_use_;
}

void OrderRecordTable::open_add(std::uint32_t slot) {
  MATCHGATE_ASSERT(open_at_[slot] == kNoSlot, "an order record opened twice");
  open_at_[slot] = static_cast<std::uint32_t>(open_.size());
  open_.push_back(slot);
}

void OrderRecordTable::open_remove(std::uint32_t slot) {
  const std::uint32_t at = open_at_[slot];
  if (at == kNoSlot) return;
  const std::uint32_t last = open_.back();
  open_[at] = last;
  open_at_[last] = at;
  open_.pop_back();
  open_at_[slot] = kNoSlot;
}

std::uint32_t OrderRecordTable::find(engine::MemberId member,
                                     std::string_view cl_ord_id) const noexcept {
  const std::uint64_t h = key_hash(member, cl_ord_id);
  const std::uint64_t tag = h & 0xffffffff00000000ULL;
  for (std::size_t i = home(h);; i = (i + 1) & mask_) {
    const std::uint64_t e = index_[i];
    if (e == kEmpty) return kNoSlot;
    if ((e & 0xffffffff00000000ULL) != tag) continue;
    const std::uint32_t slot = slot_of_entry(e);
    const OrderRecord& r = records_[slot];
    if (hashes_[slot] == h && r.member == member && r.cl_ord_id_view() == cl_ord_id) return slot;
  }
}

std::uint32_t OrderRecordTable::next_slot() const noexcept {
  if (!free_.empty()) return free_.back();
  if (finished_count_ > 0) return finished_[finished_head_];
  return kNoSlot;
}

void OrderRecordTable::forget(std::uint32_t slot) {
  index_erase(slot);
}

void OrderRecordTable::release(std::uint32_t slot) {
  OrderRecord& r = records_[slot];
  if (!r.in_use || r.done) return;
  index_erase(slot);
  open_remove(slot);
  r.in_use = false;
  --in_use_;
  free_.push_back(slot);
}

void OrderRecordTable::finish(std::uint32_t slot) {
  OrderRecord& r = records_[slot];
  if (r.done) return;
  r.done = true;
  open_remove(slot);
  if (restoring_) return;  // end_restore() builds the recycling order
  finished_[(finished_head_ + finished_count_) % finished_.size()] = slot;
  ++finished_count_;
}

void OrderRecordTable::begin_restore() {
  restoring_ = true;
  restored_order_.assign(records_.size(), 0);
  restore_count_ = 0;
}

std::uint32_t OrderRecordTable::restore(std::uint32_t slot, engine::MemberId member,
                                        std::string_view cl_ord_id, RecordKind kind) {
  if (slot >= records_.size() || cl_ord_id.size() > kMaxClOrdIdLength) return kNoSlot;
  OrderRecord& r = records_[slot];
  if (r.in_use) {
    index_erase(slot);
    open_remove(slot);
    --in_use_;
  }
  occupy(slot, member, cl_ord_id, kind);
  restored_order_[slot] = ++restore_count_;
  return slot;
}

void OrderRecordTable::end_restore() {
  restoring_ = false;
  free_.clear();
  std::vector<std::uint32_t> finished;
  for (std::uint32_t i = capacity(); i > 0; --i) {
    const std::uint32_t slot = i - 1;
    if (!records_[slot].in_use) {
      free_.push_back(slot);
    } else if (records_[slot].done) {
      finished.push_back(slot);
    }
  }
  std::sort(finished.begin(), finished.end(), [this](std::uint32_t a, std::uint32_t b) {
    return restored_order_[a] < restored_order_[b];
  });
  finished_head_ = 0;
  finished_count_ = finished.size();
  std::copy(finished.begin(), finished.end(), finished_.begin());
  restored_order_.clear();
  restored_order_.shrink_to_fit();
}

namespace {

void save_record(util::ByteWriter& out, std::uint32_t slot, const OrderRecord& r, bool indexed) {
  out.put(slot);
  out.put_string(r.cl_ord_id_view());
  out.put(static_cast<std::uint8_t>(indexed));
  out.put(r.kind);
  out.put(r.ord_status);
  out.put(static_cast<std::uint8_t>(r.done));
  out.put(r.side);
  out.put(r.type);
  out.put(r.tif);
  out.put(r.member);
  out.put(r.instrument);
  out.put(r.account);
  out.put(r.orig);
  out.put(r.orig_named);
  out.put(r.superseded_by);
  out.put(r.reject_reason);
  out.put(r.order_id);
  out.put(r.fingerprint);
  out.put(r.created_ns);
  out.put(r.price);
  out.put(r.qty);
  out.put(r.cum_qty);
  out.put(static_cast<std::uint64_t>(static_cast<unsigned __int128>(r.notional)));
  out.put(static_cast<std::uint64_t>(static_cast<unsigned __int128>(r.notional) >> 64));
  out.put(static_cast<std::uint64_t>(static_cast<unsigned __int128>(r.hold)));
  out.put(static_cast<std::uint64_t>(static_cast<unsigned __int128>(r.hold) >> 64));
}

}  // namespace

void OrderRecordTable::save(util::ByteWriter& out) const {
  out.put(static_cast<std::uint32_t>(finished_count_ + open_.size()));
  for (std::size_t i = 0; i < finished_count_; ++i) {
    const std::uint32_t slot = finished_[(finished_head_ + i) % finished_.size()];
    save_record(out, slot, records_[slot], records_[slot].indexed);
  }
  // In slot order, as when every slot was visited: the file stays the same.
  std::vector<std::uint32_t> open = open_;
  std::sort(open.begin(), open.end());
  for (const std::uint32_t slot : open) {
    const OrderRecord& r = records_[slot];
    save_record(out, slot, r, r.indexed);
  }
}

void OrderRecordTable::load(util::ByteReader& in) {
  const auto count = in.get<std::uint32_t>("order record count");
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto slot = in.get<std::uint32_t>("order record slot");
    const std::string_view id = in.get_string(kMaxClOrdIdLength, "ClOrdID");
    const bool indexed = in.get<std::uint8_t>("indexed") != 0;
    const auto kind = in.get<RecordKind>("record kind");
    if (slot >= capacity()) {
      throw std::runtime_error("order record slot " + std::to_string(slot) +
                               " is beyond [gateway] max_tracked_orders (" +
                               std::to_string(capacity()) +
                               "); start with the configuration that took the snapshot");
    }
    if (static_cast<std::uint8_t>(kind) > static_cast<std::uint8_t>(RecordKind::ReplaceRequest)) {
      throw std::runtime_error("order record " + std::to_string(slot) + ": unknown kind");
    }
    const auto ord_status = in.get<fix::OrdStatus>("OrdStatus");
    const bool done = in.get<std::uint8_t>("done") != 0;
    const auto side = in.get<engine::Side>("side");
    const auto type = in.get<engine::OrdType>("type");
    const auto tif = in.get<engine::TimeInForce>("time in force");
    const auto member = in.get<engine::MemberId>("member");
    restore(slot, member, id, kind);
    OrderRecord& r = records_[slot];
    r.ord_status = ord_status;
    r.done = done;
    if (done) open_remove(slot);
    r.side = side;
    r.type = type;
    r.tif = tif;
    r.instrument = in.get<std::uint32_t>("instrument");
    r.account = in.get<std::uint32_t>("account");
    r.orig = in.get<std::uint32_t>("orig");
    r.orig_named = in.get<std::uint32_t>("orig_named");
    r.superseded_by = in.get<std::uint32_t>("superseded_by");
    r.reject_reason = in.get<engine::RejectReason>("reject reason");
    r.order_id = in.get<engine::OrderId>("order id");
    r.fingerprint = in.get<std::uint64_t>("fingerprint");
    r.created_ns = in.get<std::int64_t>("created");
    r.price = in.get<engine::Price>("price");
    r.qty = in.get<engine::Qty>("qty");
    r.cum_qty = in.get<engine::Qty>("cum_qty");
    const auto lo = in.get<std::uint64_t>("notional");
    const auto hi = in.get<std::uint64_t>("notional");
    r.notional = static_cast<__int128>((static_cast<unsigned __int128>(hi) << 64) | lo);
    const auto hold_lo = in.get<std::uint64_t>("hold");
    const auto hold_hi = in.get<std::uint64_t>("hold");
    r.hold = static_cast<__int128>((static_cast<unsigned __int128>(hold_hi) << 64) | hold_lo);
    // A record whose ClOrdID a newer record took (its key had expired)
    // stays in its slot but is not found by ClOrdID.
    if (!indexed) forget(slot);
  }
}

void OrderRecordTable::index_insert(std::uint32_t slot) {
  std::size_t i = home(hashes_[slot]);
  while (index_[i] != kEmpty) i = (i + 1) & mask_;
  index_[i] = entry(hashes_[slot], slot);
  records_[slot].indexed = true;
}

void OrderRecordTable::index_erase(std::uint32_t slot) {
  records_[slot].indexed = false;
  std::size_t i = home(hashes_[slot]);
  while (index_[i] == kEmpty || slot_of_entry(index_[i]) != slot) {
    if (index_[i] == kEmpty) return;
    i = (i + 1) & mask_;
  }
  // Backward-shift deletion keeps probe runs intact without tombstones.
  std::size_t hole = i;
  for (std::size_t j = (hole + 1) & mask_; index_[j] != kEmpty; j = (j + 1) & mask_) {
    const std::size_t h = home(hashes_[slot_of_entry(index_[j])]);
    if (((j - h) & mask_) >= ((j - hole) & mask_)) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = kEmpty;
}

}  // namespace matchgate::gateway
