// Order entry: rebuilding the order records and ClOrdID keys from the log
// and from snapshots, and keeping the keys current.
#include "matchgate/gateway/order_entry.hpp"

namespace matchgate::gateway {

bool OrderEntry::holds_key(const OrderRecord& r) const noexcept {
  return !r.done || clock_.wall_ns - r.created_ns < ttl_ns_;
}

void OrderEntry::expire_keys() {
  if (keys_) {
    keys_->expire(clock_.wall_ns);
    metrics_.dedup_keys.set(static_cast<std::int64_t>(keys_->size()));
  }
  if (redis_) poll_redis();  // reconnects without waiting for the next order
}

void OrderEntry::refer_to(OrderRecord& request, std::uint32_t target,
                          std::uint32_t named) noexcept {
  const OrderRecord& o = records_[target];
  request.orig = target;
  request.orig_named = named;
  request.instrument = o.instrument;
  request.side = o.side;
  request.type = o.type;
  request.tif = o.tif;
  request.account = o.account;
}

void OrderEntry::replay_request(const records::OrderRequestRecord& rec, std::int64_t time_ns) {
  const ShardRequest& q = rec.request;
  if (!mine(q.ref)) return;
  // A ClOrdID used again after its key expired: the newer record takes it,
  // as it did when the request arrived.
  const std::uint32_t older = records_.find(q.member, rec.cl_ord_id);
  if (older != kNoSlot && older != slot_of(q.ref)) records_.forget(older);
  const RecordKind kind = records::record_kind_of(q.kind);
  const std::uint32_t slot = records_.restore(slot_of(q.ref), q.member, rec.cl_ord_id, kind);
  if (slot == kNoSlot) return;
  OrderRecord& r = records_[slot];
  r.price = q.price;
  r.qty = q.qty;
  r.fingerprint = rec.fingerprint;
  r.created_ns = time_ns;
  restore_key(rec, time_ns);
  if (kind == RecordKind::Order) {
    r.side = q.side;
    r.type = q.type;
    r.tif = q.tif;
    r.instrument = rec.gateway_instrument;
    r.account = q.account;
    hold_new(r);
    return;
  }
  const std::uint32_t target = slot_of(q.target);
  if (q.target == kNoRecord || target >= records_.capacity()) return;
  refer_to(r, target, rec.orig_named);
  if (kind == RecordKind::ReplaceRequest) {
    set_hold(r, replace_reservation(records_[target], q.price, q.qty));
  }
}

// The key, with its original expiry. With Redis, new orders' keys live in
// Redis; cancel and replace keys are always in process.
void OrderEntry::restore_key(const records::OrderRequestRecord& rec, std::int64_t time_ns) {
  if (!keys_ || (redis_ && records::record_kind_of(rec.request.kind) == RecordKind::Order)) return;
  const ShardRequest& q = rec.request;
  count_restore(keys_->restore(q.member, rec.cl_ord_id, q.ref, rec.fingerprint, time_ns + ttl_ns_,
                               clock_.wall_ns));
}

void OrderEntry::count_restore(dedup::RestoreStatus restored) noexcept {
  if (restored == dedup::RestoreStatus::Restored) metrics_.dedup_keys_restored.inc();
  if (restored == dedup::RestoreStatus::Full) metrics_.dedup_keys_not_restored.inc();
}

void OrderEntry::save(util::ByteWriter& out) const {
  records_.save(out);
  risk_.save(out);
  trades_.save(out);
  out.put(static_cast<std::uint8_t>(keys_ ? 1 : 0));
  if (!keys_) return;
  out.put(static_cast<std::uint64_t>(keys_->size()));
  keys_->for_each([&](dedup::MemberId member, std::string_view id, const dedup::DedupEntry& e) {
    out.put(member);
    out.put_string(id);
    out.put(e.order_ref);
    out.put(e.fingerprint);
    out.put(e.expires_ns);
  });
}

void OrderEntry::load(util::ByteReader& in) {
  records_.load(in);
  risk_.load(in);
  trades_.load(in);
  rebuild_risk_from_records();
  if (in.get<std::uint8_t>("dedup keys present") == 0) return;
  const auto count = in.get<std::uint64_t>("dedup key count");
  for (std::uint64_t i = 0; i < count; ++i) {
    const auto member = in.get<dedup::MemberId>("dedup key member");
    const std::string_view id = in.get_string(dedup::kMaxClOrdIdLength, "dedup key ClOrdID");
    const auto order_ref = in.get<std::uint64_t>("dedup key order");
    const auto fingerprint = in.get<std::uint64_t>("dedup key fingerprint");
    const auto expires = in.get<std::int64_t>("dedup key expiry");
    // With another backend now ("off"), the snapshot's keys have no home.
    if (!keys_) continue;
    count_restore(keys_->restore(member, id, order_ref, fingerprint, expires, clock_.wall_ns));
  }
}

}  // namespace matchgate::gateway
