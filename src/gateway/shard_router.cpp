#include "matchgate/gateway/shard_router.hpp"

#include "matchgate/records/record_types.hpp"
#include "matchgate/util/assert.hpp"

namespace matchgate::gateway {

ShardRouter::ShardRouter(std::vector<RequestRing*> to_shards,
                         std::vector<InstrumentRoute> instruments, const util::ThreadClock& clock)
    : rings_(std::move(to_shards)),
      instruments_(std::move(instruments)),
      clock_(clock),
      rung_(rings_.size(), false),
      pushed_(rings_.size(), 0),
      record_buffer_(records::kOrderRequestMaxSize) {
  pending_sweeps_.reserve(64);  // sweeps wait only while a ring is full: rarely, and few
}

bool ShardRouter::has_room() const noexcept {
  // A waiting sweep goes first: a request taken after it must not be
  // pushed before it (a new order would be mass canceled).
  return pending_sweeps_.empty() && rings_have_room();
}

bool ShardRouter::rings_have_room() const noexcept {
  if (held_) return false;
  for (const RequestRing* ring : rings_) {
    if (ring->size_approx() >= ring->capacity()) return false;
  }
  return true;
}

void ShardRouter::push_to_ring(std::uint32_t shard, const ShardRequest& r) {
  // Room was checked before the message was taken, and this thread is the
  // ring's only producer.
  const bool pushed = rings_[shard]->try_push(r);
  MATCHGATE_ASSERT(pushed, "a request ring was full after its room was checked");
  rung_[shard] = true;
  ++pushed_[shard];
}

void ShardRouter::push(const records::OrderRequestRecord& r) {
  MATCHGATE_ASSERT(r.shard < rings_.size(), "a request for no shard");
  push_to_ring(r.shard, r.request);
  if (wal_ == nullptr) return;
  const std::size_t n = records::encode_order_request(r, record_buffer_.data());
  wal_->append(records::to_wire(records::RecordType::OrderRequest), clock_.wall_ns,
               std::span<const std::byte>(record_buffer_.data(), n));
}

void ShardRouter::mass_cancel(engine::MemberId member, std::uint32_t gateway_instrument,
                              std::uint64_t in_seq) {
  if (gateway_instrument == kAllInstruments) {
    pending_sweeps_.push_back(Sweep{RequestKind::MassCancel, member, 0, in_seq});
  } else {
    MATCHGATE_ASSERT(gateway_instrument < instruments_.size(), "a mass cancel of no instrument");
    pending_sweeps_.push_back(
        Sweep{RequestKind::MassCancelInstrument, member, gateway_instrument, in_seq});
  }
  poll();
}

void ShardRouter::expire_day_orders() {
  pending_sweeps_.push_back(Sweep{RequestKind::ExpireDay, 0, 0, 0});
  poll();
}

void ShardRouter::push_sweep(const Sweep& s) {
  records::OrderRequestRecord r;
  r.request.kind = s.kind;
  r.request.member = s.member;
  r.in_seq = s.in_seq;
  if (s.kind == RequestKind::MassCancelInstrument) {
    const InstrumentRoute& route = instruments_[s.gateway_instrument];
    r.request.instrument = route.local_id;
    r.gateway_instrument = s.gateway_instrument;
    r.shard = route.shard;
    push(r);
    return;
  }
  for (std::uint32_t shard = 0; shard < rings_.size(); ++shard) {
    r.shard = shard;
    push(r);
  }
}

int ShardRouter::poll() {
  // Room for one more request in every ring is enough for one sweep,
  // however many shards it goes to.
  if (pending_sweeps_.empty() || !rings_have_room()) return 0;
  std::size_t done = 0;
  for (const Sweep& s : pending_sweeps_) {
    push_sweep(s);
    ++done;
    if (!rings_have_room()) break;
  }
  pending_sweeps_.erase(pending_sweeps_.begin(),
                        pending_sweeps_.begin() + static_cast<std::ptrdiff_t>(done));
  return static_cast<int>(done);
}

bool ShardRouter::request_snapshots() {
  if (!has_room()) return false;
  ShardRequest req;
  req.kind = RequestKind::Snapshot;  // not a change of state: never logged
  for (std::uint32_t shard = 0; shard < rings_.size(); ++shard) push_to_ring(shard, req);
  return true;
}

void ShardRouter::ring_shards() noexcept {
  for (std::size_t i = 0; i < rung_.size(); ++i) {
    if (!rung_[i]) continue;
    rung_[i] = false;
    if (i < bells_.size() && bells_[i] != nullptr) bells_[i]->ring();
  }
}

std::uint64_t ShardRouter::pushed_total() const noexcept {
  std::uint64_t sum = 0;
  for (const std::uint64_t n : pushed_) sum += n;
  return sum;
}

}  // namespace matchgate::gateway
