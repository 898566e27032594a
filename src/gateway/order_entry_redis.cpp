// Order entry with the Redis dedup backend: new orders wait for Redis's
// answer with their record reserved, and whatever arrives behind them waits
// its turn in the RedisQueue, so answers keep the order of requests.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "matchgate/fix/tags.hpp"
#include "matchgate/gateway/order_entry.hpp"

namespace matchgate::gateway {

void OrderEntry::defer(const Context& ctx, const fix::MessageView& m) {
  redis_queue_->push_message(ctx.member, ctx.seq, m.raw());
}

void OrderEntry::wait_for_redis(const Context& ctx, std::uint32_t slot) {
  const std::uint64_t token = redis_queue_->wait_for_answer(ctx.member, ctx.seq, slot);
  const OrderRecord& r = records_[slot];
  if (!redis_->submit(ctx.member, r.cl_ord_id_view(), make_ref(net_index_, slot), r.fingerprint,
                      token, clock_.mono_ns)) {
    // Cannot happen (max_in_flight exceeds the waiting entries); fail closed.
    dedup::RedisResult result;
    result.token = token;
    result.status = dedup::RedisStatus::Unavailable;
    result.reason = dedup::UnavailableReason::NotConnected;
    redis_queue_->answer(result);
  }
}

int OrderEntry::poll_redis() {
  const std::size_t n = redis_->poll(
      clock_.mono_ns, [this](const dedup::RedisResult& r) noexcept { redis_queue_->answer(r); });
  if (redis_->state() != redis_logged_state_) log_redis_state();
  return static_cast<int>(n);
}

int OrderEntry::drain_redis_queue() {
  int work = 0;
  while (!redis_queue_->empty()) {
    RedisQueue::Entry& w = redis_queue_->head();
    if (w.kind == RedisQueue::Entry::Kind::NewOrder) {
      if (!w.answered || !router_.has_room()) break;
      complete_new(w);
      redis_queue_->pop();
    } else if (w.kind == RedisQueue::Entry::Kind::MassCancel) {
      router_.mass_cancel(w.member);
      redis_queue_->pop();
    } else {
      if (!router_.has_room()) break;
      const engine::MemberId member = w.member;
      const std::uint64_t seq = w.seq;
      // It parsed when it arrived.
      if (waiting_view_.parse(redis_queue_->take_head_message()).ok()) {
        dispatch(Context{member, seq, waiting_view_.msg_type()}, waiting_view_);
      }
      ++work;
      if (redis_queue_->finish_head_message()) break;  // now a new order waiting for Redis
    }
    ++work;
  }
  return work;
}

void OrderEntry::complete_new(const RedisQueue::Entry& w) {
  OrderRecord& r = records_[w.slot];
  switch (w.result.status) {
    case dedup::RedisStatus::Created:
      r.created_ns = clock_.wall_ns;  // the time of its log record, as on recovery
      push_new(w.slot, w.seq);
      return;
    case dedup::RedisStatus::Exists: {
      const bool same = w.result.fingerprint == r.fingerprint;
      (same ? metrics_.dedup_repeats : metrics_.dedup_duplicates).inc();
      reject_reserved(w, fix::OrdRejReason::DuplicateOrder,
                      same ? "duplicate ClOrdID: repeat of an order this gateway does not track"
                           : "duplicate ClOrdID");
      return;
    }
    case dedup::RedisStatus::Unavailable: {
      metrics_.dedup_refused.inc();
      char text[128];
      const int n = std::snprintf(text, sizeof text,
                                  "ClOrdID check unavailable (Redis: %s): order not accepted",
                                  dedup::to_string(w.result.reason));
      reject_reserved(w, fix::OrdRejReason::Other,
                      std::string_view(text, static_cast<std::size_t>(n)));
      return;
    }
  }
}

// The reserved record answers for the request (its fields are the
// request's), then is released: the ClOrdID is not this gateway's.
void OrderEntry::reject_reserved(const RedisQueue::Entry& w, fix::OrdRejReason reason,
                                 std::string_view text) {
  metrics_.rejected_at_gateway.inc();
  OrderRecord& r = records_[w.slot];
  close_hold(r);
  r.ord_status = fix::OrdStatus::Rejected;
  ReportFacts f;
  f.exec_type = fix::ExecType::Rejected;
  f.has_rej_reason = true;
  f.rej_reason = reason;
  f.text = text;
  answers_.report(r, RequestIds{r.cl_ord_id_view()}, f);
  records_.release(w.slot);
}

void OrderEntry::log_redis_state() noexcept {
  const dedup::RedisState state = redis_->state();
  const dedup::RedisState before = redis_logged_state_;
  redis_logged_state_ = state;
  const dedup::RedisOptions& o = options_.dedup.redis;
  if (state == dedup::RedisState::Connected) {
    spdlog::info("dedup: connected to Redis {}:{}{}", o.host, o.port,
                 redis_ever_connected_ ? " again; new orders are accepted" : "");
    redis_ever_connected_ = true;
  } else if (before == dedup::RedisState::Connected ||
             (!redis_ever_connected_ && !redis_first_failure_logged_ &&
              state == dedup::RedisState::Disconnected)) {
    redis_first_failure_logged_ = true;
    spdlog::warn(
        "dedup: no connection to Redis {}:{} ({}); new orders are rejected until it is back, "
        "cancels keep working; reconnecting",
        o.host, o.port, redis_->last_error());
  }
}

}  // namespace matchgate::gateway
