#include "matchgate/gateway/shard_agent.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

#include "matchgate/util/byte_io.hpp"

namespace matchgate::gateway {

namespace {
// Requests taken per ring per duty cycle: bounded so one busy network thread
// cannot starve another's ring.
constexpr std::size_t kBatch = 256;
}  // namespace

ShardAgent::ShardAgent(std::uint32_t index, std::vector<engine::InstrumentSpec> instruments,
                       std::vector<engine::MemberSpec> members, engine::EngineOptions options,
                       std::vector<RequestRing*> inbound, std::vector<ReplyRing*> outbound,
                       std::uint32_t records_per_net_thread, ops::MetricsRegistry* metrics)
    : name_("shard-" + std::to_string(index)),
      engine_(std::move(instruments), std::move(members), options),
      inbound_(std::move(inbound)),
      outbound_(std::move(outbound)) {
  std::pmr::memory_resource* memory =
      options.memory != nullptr ? options.memory : std::pmr::get_default_resource();
  replied_.assign(outbound_.size(), false);
  if (metrics != nullptr) {
    ops::MetricGroup group = metrics->group(name_, {{"thread", name_}});
    spilled_ = group.gauge(
        {"matchgate_shard_spilled_replies", "replies waiting for room in a full reply ring"});
    requests_ = group.counter(
        {"matchgate_shard_requests_total", "requests taken from the network threads' rings"});
  }
  order_of_record_.reserve(inbound_.size());
  for (std::size_t i = 0; i < inbound_.size(); ++i) {
    order_of_record_.emplace_back(records_per_net_thread, engine::kNoOrder, memory);
  }
}

int ShardAgent::do_work() {
  int work = flush_spill();
  if (spill_.empty()) {
    for (RequestRing* ring : inbound_) {
      work += static_cast<int>(ring->drain(
          [this](const ShardRequest& r) {
            ++taken_;
            requests_.inc();
            process(r);
          },
          kBatch));
      if (!spill_.empty()) break;
    }
  }
  if (spill_.empty() && answered_.load(std::memory_order_relaxed) != taken_) {
    answered_.store(taken_, std::memory_order_release);
  }
  // One ring of each network thread's doorbell per cycle, not per reply.
  for (std::size_t i = 0; i < replied_.size(); ++i) {
    if (!replied_[i]) continue;
    replied_[i] = false;
    if (i < reply_bells_.size() && reply_bells_[i] != nullptr) reply_bells_[i]->ring();
  }
  return work;
}

void ShardAgent::park(std::chrono::microseconds timeout) noexcept {
  const std::uint32_t armed = bell_.arm();
  bool idle = spill_.empty();
  for (const RequestRing* ring : inbound_) idle = idle && ring->empty_approx();
  if (idle) bell_.wait(armed, timeout);
  bell_.disarm();
}

engine::OrderId ShardAgent::order_of(RecordRef ref) const noexcept {
  const std::uint32_t net = net_thread_of(ref);
  const std::uint32_t slot = slot_of(ref);
  if (net >= order_of_record_.size() || slot >= order_of_record_[net].size()) {
    return engine::kNoOrder;
  }
  return order_of_record_[net][slot];
}

void ShardAgent::process(const ShardRequest& r) {
  ++processed_;
  current_request_ = r.ref;
  // A request's record slot may have named an earlier, finished order: it
  // names nothing until this request's own Accepted or Replaced says so, so
  // a later cancel naming a rejected request cannot reach that old order.
  if (net_thread_of(r.ref) < order_of_record_.size() &&
      slot_of(r.ref) < order_of_record_[net_thread_of(r.ref)].size()) {
    order_of_record_[net_thread_of(r.ref)][slot_of(r.ref)] = engine::kNoOrder;
  }
  switch (r.kind) {
    case RequestKind::New:
      engine_.submit(engine::NewOrder{r.ref, r.member, r.account, r.instrument, r.side, r.type,
                                      r.tif, r.price, r.qty},
                     *this);
      break;
    case RequestKind::Cancel:
      engine_.cancel(engine::CancelOrder{r.ref, r.member, order_of(r.target)}, *this);
      break;
    case RequestKind::Replace:
      engine_.replace(engine::ReplaceOrder{r.ref, r.member, order_of(r.target), r.price, r.qty},
                      *this);
      break;
    case RequestKind::MassCancel:
      engine_.mass_cancel(r.member, *this);
      break;
    case RequestKind::MassCancelInstrument:
      engine_.mass_cancel(r.member, r.instrument, *this);
      break;
    case RequestKind::ExpireDay:
      engine_.expire_day_orders(*this);
      break;
    case RequestKind::Snapshot:
      take_snapshot();
      break;
  }
  current_request_ = kNoRecord;
}

void ShardAgent::on_event(const engine::Event& e) {
  if (e.type == engine::EventType::Accepted || e.type == engine::EventType::Replaced) {
    const RecordRef ref = e.order.client_ref;
    if (net_thread_of(ref) < order_of_record_.size() &&
        slot_of(ref) < order_of_record_[net_thread_of(ref)].size()) {
      order_of_record_[net_thread_of(ref)][slot_of(ref)] = e.order.id;
    }
  }
  const ShardReply reply{e, current_request_};
  const std::uint32_t owner = net_thread_of(e.order.client_ref);
  deliver(owner, reply);
  if (e.type == engine::EventType::Trade) {
    const std::uint32_t maker_owner = net_thread_of(e.maker.client_ref);
    if (maker_owner != owner) deliver(maker_owner, reply);
  }
}

void ShardAgent::deliver(std::uint32_t net_thread, const ShardReply& reply) {
  if (net_thread >= outbound_.size()) return;  // not a record of any network thread
  replied_[net_thread] = true;
  if (spill_.empty() && outbound_[net_thread]->try_push(reply)) return;
  spill_.emplace_back(net_thread, reply);
  spilled_.set(static_cast<std::int64_t>(spill_.size()));
}

int ShardAgent::flush_spill() {
  int work = 0;
  while (!spill_.empty()) {
    auto& [net, reply] = spill_.front();
    if (!outbound_[net]->try_push(reply)) break;
    replied_[net] = true;
    spill_.pop_front();
    ++work;
  }
  if (work > 0) spilled_.set(static_cast<std::int64_t>(spill_.size()));
  return work;
}

// Layout: u64 engine snapshot length, the engine snapshot, u32 network
// threads, then per network thread u32 entries and (u32 slot, u64 order id)
// for every slot that names an order.
void ShardAgent::take_snapshot() {
  snapshot_.clear();
  util::ByteWriter out(snapshot_);
  out.put(std::uint64_t{0});
  const std::size_t engine_start = snapshot_.size();
  engine_.save_snapshot(snapshot_);
  const std::uint64_t engine_bytes = snapshot_.size() - engine_start;
  std::memcpy(snapshot_.data(), &engine_bytes, sizeof engine_bytes);
  out.put(static_cast<std::uint32_t>(order_of_record_.size()));
  for (const auto& table : order_of_record_) {
    std::uint32_t named = 0;
    for (const engine::OrderId id : table) named += id != engine::kNoOrder ? 1 : 0;
    out.put(named);
    for (std::uint32_t slot = 0; slot < table.size(); ++slot) {
      if (table[slot] == engine::kNoOrder) continue;
      out.put(slot);
      out.put(table[slot]);
    }
  }
  ShardReply reply;
  reply.kind = ReplyKind::SnapshotTaken;
  for (std::uint32_t net = 0; net < outbound_.size(); ++net) deliver(net, reply);
}

void ShardAgent::load_snapshot(std::span<const std::byte> state) {
  util::ByteReader in(state);
  const auto engine_bytes = in.get<std::uint64_t>("engine snapshot length");
  if (engine_bytes > in.remaining()) {
    throw std::runtime_error(name_ + ": engine snapshot truncated");
  }
  const auto engine_state = in.get_bytes(engine_bytes, "engine snapshot");
  if (engine_.load_snapshot(engine_state) != engine_state.size()) {
    throw std::runtime_error(name_ + ": bytes after the engine snapshot");
  }
  const auto nets = in.get<std::uint32_t>("network thread count");
  if (nets != order_of_record_.size()) {
    throw std::runtime_error(name_ + ": the snapshot has " + std::to_string(nets) +
                             " network threads, this configuration " +
                             std::to_string(order_of_record_.size()));
  }
  for (auto& table : order_of_record_) {
    const auto named = in.get<std::uint32_t>("record table size");
    for (std::uint32_t i = 0; i < named; ++i) {
      const auto slot = in.get<std::uint32_t>("record slot");
      const auto order = in.get<engine::OrderId>("order id");
      if (slot >= table.size()) {
        throw std::runtime_error(name_ + ": record slot " + std::to_string(slot) +
                                 " beyond [gateway] max_tracked_orders");
      }
      table[slot] = order;
    }
  }
  if (in.remaining() != 0) throw std::runtime_error(name_ + ": bytes after the shard snapshot");
}

}  // namespace matchgate::gateway
