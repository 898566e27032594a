// Order entry: OrderCancelRequest, OrderCancelReplaceRequest and
// OrderStatusRequest.
#include "matchgate/fix/tags.hpp"
#include "matchgate/gateway/fix_values.hpp"
#include "matchgate/gateway/order_entry.hpp"

namespace matchgate::gateway {

namespace {

constexpr std::string_view kUntrackedCancelText =
    "duplicate ClOrdID: repeat of a request this gateway does not track";

}  // namespace

void OrderEntry::cancel_or_replace(const Context& ctx, const fix::MessageView& m, bool replace) {
  (replace ? metrics_.replaces : metrics_.cancels).inc();
  const CancelRequest q = read_cancel(m, replace);
  const RequestIds ids{q.cl_ord_id, q.orig_cl_ord_id};
  if (!q.problem.ok()) {
    answer_problem(ctx, m, q.problem, ids);
    return;
  }
  const std::uint32_t named = records_.find(ctx.member, q.orig_cl_ord_id);
  const std::uint32_t target = latest(named);
  const OrderRecord* order = target != kNoSlot ? &records_[target] : nullptr;
  // ClOrdID dedup, as for new orders. A cancel is the MsgType and the
  // OrigClOrdID; a replace adds the new quantity and price.
  const std::uint32_t held = records_.find(ctx.member, q.cl_ord_id);
  if (held != kNoSlot) {
    if (holds_key(records_[held])) {
      answer_repeated_cancel(ctx, q, order, held, records_[held].fingerprint == q.fingerprint);
      return;
    }
    records_.forget(held);
  }
  if (keys_) {
    if (const dedup::DedupEntry* e = keys_->find(ctx.member, q.cl_ord_id, clock_.wall_ns)) {
      answer_repeated_cancel(ctx, q, order, kNoSlot, e->fingerprint == q.fingerprint);
      return;
    }
  }
  if (refuse_cancel(ctx, m, q, order)) return;
  if (replace && refuse_replace(ctx, q, *order)) return;
  const std::uint32_t next = records_.next_slot();
  if (next == kNoSlot) {
    metrics_.rejected_at_gateway.inc();
    answers_.cancel_reject(ctx.member, ids, order, replace, fix::CxlRejReason::Other,
                           "gateway order capacity exhausted");
    return;
  }
  if (keys_) {
    const dedup::SetResult set = keys_->set_nx(ctx.member, q.cl_ord_id, make_ref(net_index_, next),
                                               q.fingerprint, clock_.wall_ns);
    if (set.status == dedup::SetStatus::Full) {
      metrics_.dedup_refused.inc();
      metrics_.rejected_at_gateway.inc();
      answers_.cancel_reject(
          ctx.member, ids, order, replace, fix::CxlRejReason::Other,
          "ClOrdID store full ([dedup] max_keys): request not accepted, try again later");
      return;
    }
  }
  push_cancel(ctx, q, target, named);
}

// What the gateway refuses itself: an order it does not know, one that is
// done, a replace that changes what cannot change.
bool OrderEntry::refuse_cancel(const Context& ctx, const fix::MessageView& m,
                               const CancelRequest& q, const OrderRecord* order) {
  const RequestIds ids{q.cl_ord_id, q.orig_cl_ord_id};
  const auto refuse = [&](const OrderRecord* known, fix::CxlRejReason reason,
                          std::string_view text) {
    metrics_.rejected_at_gateway.inc();
    answers_.cancel_reject(ctx.member, ids, known, q.replace, reason, text);
    return true;
  };
  // A cancel request, or a replace request that is done without having
  // become the order (rejected), never named an order. (Its record may be
  // a recycled one whose slot the shard still maps to an older order.)
  if (order == nullptr || order->kind == RecordKind::CancelRequest ||
      (order->kind == RecordKind::ReplaceRequest && order->done)) {
    return refuse(nullptr, fix::CxlRejReason::UnknownOrder, "unknown order");
  }
  if (order->kind == RecordKind::Order && order->done) {
    return refuse(order, fix::CxlRejReason::TooLateToCancel, "order already done");
  }
  if (!q.replace) return false;
  const std::string_view symbol = m.get(fix::tag::Symbol);
  const std::string_view side = m.get(fix::tag::Side);
  const char order_side = static_cast<char>(to_fix(order->side));
  if ((!symbol.empty() && symbol != options_.instruments[order->instrument].symbol) ||
      (!side.empty() && (side.size() != 1 || side[0] != order_side))) {
    return refuse(order, fix::CxlRejReason::Other, "Symbol and Side cannot change");
  }
  if (!q.whole_qty) {
    return refuse(order, fix::CxlRejReason::Other, "quantity must be a whole number");
  }
  return false;
}

void OrderEntry::push_cancel(const Context& ctx, const CancelRequest& q, std::uint32_t target,
                             std::uint32_t named) {
  const std::uint32_t slot = records_.create(
      ctx.member, q.cl_ord_id, q.replace ? RecordKind::ReplaceRequest : RecordKind::CancelRequest);
  OrderRecord& r = records_[slot];
  r.fingerprint = q.fingerprint;
  r.created_ns = clock_.wall_ns;
  refer_to(r, target, named);
  const OrderRecord& o = records_[target];
  r.price = q.replace ? q.price : o.price;
  r.qty = q.replace ? q.qty : o.qty;
  if (q.replace) set_hold(r, replace_reservation(o, r.price, r.qty));
  ShardRequest req;
  req.kind = q.replace ? RequestKind::Replace : RequestKind::Cancel;
  req.member = ctx.member;
  req.target = make_ref(net_index_, target);
  req.price = r.price;
  req.qty = r.qty;
  push(slot, req, ctx.seq);
}

void OrderEntry::answer_repeated_cancel(const Context& ctx, const CancelRequest& q,
                                        const OrderRecord* order, std::uint32_t slot, bool same) {
  const RequestIds ids{q.cl_ord_id, q.orig_cl_ord_id};
  const auto reject = [&](const OrderRecord* known, fix::CxlRejReason reason,
                          std::string_view text) {
    metrics_.rejected_at_gateway.inc();
    answers_.cancel_reject(ctx.member, ids, known, q.replace, reason, text);
  };
  if (!same) {
    metrics_.dedup_duplicates.inc();
    reject(order, fix::CxlRejReason::DuplicateClOrdId, "duplicate ClOrdID");
    return;
  }
  metrics_.dedup_repeats.inc();
  if (slot == kNoSlot) {
    reject(order, fix::CxlRejReason::DuplicateClOrdId, kUntrackedCancelText);
    return;
  }
  const OrderRecord& request = records_[slot];
  if (request.kind == RecordKind::Order) {  // a replace that became the order
    answers_.report(records_[latest(slot)], ids, ReportFacts{});
    return;
  }
  const std::uint32_t target = latest(request.orig);
  if (request.ord_status == fix::OrdStatus::Rejected) {  // the same reject again
    reject(target != kNoSlot ? &records_[target] : nullptr, cxl_rej_reason(request.reject_reason),
           engine::to_string(request.reject_reason));
    return;
  }
  // Pending or applied: the state of the order it acted on.
  if (target != kNoSlot && records_[target].kind == RecordKind::Order) {
    answers_.report(records_[target], ids, ReportFacts{});
    return;
  }
  reject(nullptr, fix::CxlRejReason::DuplicateClOrdId, kUntrackedCancelText);
}

void OrderEntry::status(const Context& ctx, const fix::MessageView& m) {
  metrics_.status_requests.inc();
  const StatusRequest q = read_status_request(m);
  const RequestIds ids{q.cl_ord_id, {}, q.ord_status_req_id};
  if (!q.problem.ok()) {
    answer_problem(ctx, m, q.problem, ids);
    return;
  }
  const std::uint32_t slot = find_order(ctx.member, q.cl_ord_id);
  if (slot == kNoSlot) {
    ReportFacts f;
    f.text = "unknown order";
    answers_.report_without_order(ctx.member, m, ids, fix::OrdStatus::Rejected, f);
    return;
  }
  answers_.report(records_[slot], ids, ReportFacts{});
}

}  // namespace matchgate::gateway
