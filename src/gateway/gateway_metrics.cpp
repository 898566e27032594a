#include "matchgate/gateway/gateway_metrics.hpp"

namespace matchgate::gateway {

ConnectionMetrics ConnectionMetrics::registered(ops::MetricGroup& g) {
  ConnectionMetrics m;
  m.logons = g.counter({"matchgate_fix_logons_total", "logons accepted"});
  m.logons_refused = g.counter({"matchgate_fix_logons_refused_total",
                                "logons refused (unknown CompID, password, sequence, ...)"});
  m.frames_in = g.counter({"matchgate_fix_frames_in_total", "FIX messages framed"});
  m.garbled = g.counter({"matchgate_fix_unframed_total", "inbound bytes that did not frame"});
  m.open = g.gauge({"matchgate_fix_connections", "member connections open"});
  return m;
}

OrderEntryMetrics OrderEntryMetrics::registered(ops::MetricGroup& g) {
  const auto requests = [&](const char* kind) {
    return g.counter({"matchgate_order_requests_total",
                      "order entry requests by kind",
                      {{"request", kind}},
                      ops::LogLine::Always});
  };
  OrderEntryMetrics m;
  m.new_orders = requests("new");
  m.cancels = requests("cancel");
  m.replaces = requests("replace");
  m.status_requests = requests("status");
  m.rejected_at_gateway = g.counter(
      {"matchgate_orders_rejected_at_gateway_total", "requests the gateway refused itself"});
  m.dedup_repeats = g.counter({"matchgate_dedup_repeats_answered_total",
                               "repeated requests answered with the order's state"});
  m.dedup_duplicates = g.counter({"matchgate_dedup_duplicates_rejected_total",
                                  "requests reusing a ClOrdID for another request"});
  m.dedup_refused = g.counter({"matchgate_dedup_refused_total",
                               "requests refused: ClOrdID store full or Redis unavailable"});
  m.dedup_keys_restored = g.counter(
      {"matchgate_dedup_keys_restored_total", "ClOrdID keys rebuilt from the log or a snapshot"});
  const auto risk = [&](const char* rule) {
    return g.counter({"matchgate_risk_rejects_total",
                      "orders and replaces refused before the engine, by rule",
                      {{"rule", rule}}});
  };
  m.risk_limit_rejects = risk("limit");
  m.risk_rate_rejects = risk("message_rate");
  m.risk_control_rejects = risk("control");
  m.dedup_keys_not_restored =
      g.counter({"matchgate_dedup_keys_not_restored_total",
                 "unexpired ClOrdID keys that did not fit into [dedup] max_keys at start"});
  m.dedup_keys = g.gauge({"matchgate_dedup_keys", "ClOrdID keys held in process"});
  m.waiting = g.gauge(
      {"matchgate_dedup_waiting_requests", "requests waiting for Redis, or queued behind one"});
  return m;
}

AnswerMetrics AnswerMetrics::registered(ops::MetricGroup& g) {
  AnswerMetrics m;
  m.execution_reports = g.counter(
      {"matchgate_execution_reports_total", "ExecutionReports sent", {}, ops::LogLine::Always});
  m.cancel_rejects = g.counter({"matchgate_cancel_rejects_total", "OrderCancelRejects sent"});
  m.mass_cancel_reports =
      g.counter({"matchgate_mass_cancel_reports_total", "OrderMassCancelReports sent"});
  m.session_rejects = g.counter(
      {"matchgate_order_session_rejects_total", "order messages answered with a session Reject"});
  m.business_rejects =
      g.counter({"matchgate_business_rejects_total", "BusinessMessageRejects sent"});
  m.drop_copies = g.counter(
      {"matchgate_drop_copies_total", "ExecutionReports copied to drop-copy sessions (797=Y)"});
  return m;
}

OutboundMetrics OutboundMetrics::registered(ops::MetricGroup& g) {
  OutboundMetrics m;
  m.held = g.gauge(
      {"matchgate_outbox_held_messages", "messages waiting for their log records to be durable"});
  m.regeneration_mismatches =
      g.counter({"matchgate_regenerated_report_mismatches_total",
                 "reports composed again at recovery that differ from the ones sent"});
  return m;
}

}  // namespace matchgate::gateway
