#pragma once
// What a network thread remembers of each ClOrdID it has seen: enough to
// answer with ExecutionReports, OrderCancelRejects and status requests
// without asking the shard. Fixed capacity, no allocation per message.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "matchgate/engine/types.hpp"
#include "matchgate/fix/enums.hpp"
#include "matchgate/records/request.hpp"
#include "matchgate/util/byte_io.hpp"

namespace matchgate::gateway {

using records::kMaxClOrdIdLength;
using records::kNoSlot;
using records::RecordKind;

struct OrderRecord {
  std::array<char, kMaxClOrdIdLength> cl_ord_id{};
  std::uint8_t cl_ord_id_length = 0;
  RecordKind kind = RecordKind::Order;
  fix::OrdStatus ord_status = fix::OrdStatus::PendingNew;
  bool done = false;  // no further events will come for it
  bool in_use = false;
  bool indexed = false;  // found by its ClOrdID (in the table's index)
  engine::Side side = engine::Side::Buy;
  engine::OrdType type = engine::OrdType::Limit;
  engine::TimeInForce tif = engine::TimeInForce::Day;
  engine::MemberId member = 0;
  std::uint32_t instrument = 0;        // the gateway's (config) numbering
  std::uint32_t account = 0;           // index into the member's accounts
  std::uint32_t orig = kNoSlot;        // requests: the record they refer to (latest of its chain)
  std::uint32_t orig_named = kNoSlot;  // requests: the record OrigClOrdID(41) named
  std::uint32_t superseded_by = kNoSlot;  // an order record replaced by a newer one
  // Cancel/replace requests the engine rejected: why (a retry is answered
  // with the same OrderCancelReject).
  engine::RejectReason reject_reason = engine::RejectReason::None;
  engine::OrderId order_id = engine::kNoOrder;
  // ClOrdID dedup: dedup::request_fingerprint() of the request that created
  // the record, and when (wall clock, the time of its log record).
  std::uint64_t fingerprint = 0;
  std::int64_t created_ns = 0;
  engine::Price price = 0;
  engine::Qty qty = 0;
  engine::Qty cum_qty = 0;
  __int128 notional = 0;  // sum of price * qty over fills, for AvgPx
  // Pre-trade risk (docs/RISK.md): the credit this record holds (an open
  // order: leaves x risk price; a pending replace: what it adds).
  __int128 hold = 0;

  std::string_view cl_ord_id_view() const noexcept { return {cl_ord_id.data(), cl_ord_id_length}; }
};

// Records by slot, and an index from (member, ClOrdID) to slot. Finished
// records are kept for status requests and duplicate detection, and are
// recycled oldest-first only when the table has no free slot left.
class OrderRecordTable {
 public:
  explicit OrderRecordTable(std::uint32_t capacity);

  // A new record for (member, id), or kNoSlot when every slot holds an
  // unfinished record. The id must not be in the table already.
  std::uint32_t create(engine::MemberId member, std::string_view cl_ord_id, RecordKind kind);
  std::uint32_t find(engine::MemberId member, std::string_view cl_ord_id) const noexcept;
  // The slot the next create() will use, or kNoSlot when it would fail.
  std::uint32_t next_slot() const noexcept;
  // Takes a finished record out of the index, so that its ClOrdID can name a
  // new record; the old one stays in its slot until it is recycled.
  void forget(std::uint32_t slot);
  // Undoes create() of a record nothing has referred to yet (a request
  // rejected before it was handed to a shard).
  void release(std::uint32_t slot);
  // Marks finished; it becomes eligible for recycling.
  void finish(std::uint32_t slot);

  // Recovery: records are put back at the slots the log names (replacing
  // whatever an earlier record left there) between begin_restore() and
  // end_restore(), which rebuilds the free slots and the recycling order
  // (finished records oldest-restored first).
  void begin_restore();
  std::uint32_t restore(std::uint32_t slot, engine::MemberId member, std::string_view cl_ord_id,
                        RecordKind kind);
  void end_restore();
  // Snapshot: every record in use, finished ones first in the order they
  // would be recycled. load() puts them back, between begin_restore() and
  // end_restore(); it throws on a slot beyond capacity().
  void save(util::ByteWriter& out) const;
  void load(util::ByteReader& in);

  OrderRecord& operator[](std::uint32_t slot) noexcept { return records_[slot]; }
  const OrderRecord& operator[](std::uint32_t slot) const noexcept { return records_[slot]; }
  std::uint32_t capacity() const noexcept { return static_cast<std::uint32_t>(records_.size()); }
  std::uint32_t in_use() const noexcept { return in_use_; }
  // The slots of the open records (in use, not done), in no particular order.
  std::span<const std::uint32_t> open_slots() const noexcept { return open_; }

 private:
  std::uint64_t key_hash(engine::MemberId member, std::string_view id) const noexcept;
  // Puts a fresh record for (member, id) into `slot`, which holds none.
  void occupy(std::uint32_t slot, engine::MemberId member, std::string_view cl_ord_id,
              RecordKind kind);
  void index_insert(std::uint32_t slot);
  void index_erase(std::uint32_t slot);
  // The open records (in use, not done), so that a snapshot's pause grows
  // with them and not with the table's capacity.
  void open_add(std::uint32_t slot);
  void open_remove(std::uint32_t slot);
  std::size_t home(std::uint64_t hash) const noexcept { return hash & mask_; }
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  static std::uint64_t entry(std::uint64_t hash, std::uint32_t slot) noexcept {
    return (hash & 0xffffffff00000000ULL) | slot;
  }
  static std::uint32_t slot_of_entry(std::uint64_t e) noexcept {
    return static_cast<std::uint32_t>(e);
  }

  std::vector<OrderRecord> records_;
  std::vector<std::uint64_t> hashes_;   // per slot, so erasing need not rehash the id
  std::vector<std::uint32_t> free_;     // never-used or recycled slots
  std::vector<std::uint32_t> open_;     // open slots, in no particular order
  std::vector<std::uint32_t> open_at_;  // per slot: its index in open_, or kNoSlot
  // Finished records in finishing order: a ring of slots, oldest at head_.
  std::vector<std::uint32_t> finished_;
  std::size_t finished_head_ = 0;
  std::size_t finished_count_ = 0;
  // Open addressing; an entry is (32-bit hash tag << 32) | slot, so a probe
  // that meets another key is rejected without touching its record.
  std::vector<std::uint64_t> index_;
  std::size_t mask_ = 0;
  std::uint32_t in_use_ = 0;
  bool restoring_ = false;
  std::vector<std::uint64_t> restored_order_;  // per slot, while restoring
  std::uint64_t restore_count_ = 0;
};

}  // namespace matchgate::gateway
