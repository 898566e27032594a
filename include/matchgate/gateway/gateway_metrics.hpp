#pragma once
// The network thread's metrics, registered in its group of the metrics
// registry (docs/METRICS.md lists every name): one struct of handles per
// unit, so each unit counts without knowing the registry. Handles that were
// never registered count nowhere (in-process tests that need no counts).
#include "matchgate/ops/metrics.hpp"

namespace matchgate::gateway {

struct ConnectionMetrics {
  ops::Counter logons;
  ops::Counter logons_refused;
  ops::Counter frames_in;
  ops::Counter garbled;  // bytes that did not frame
  ops::Gauge open;       // connections, any state
  static ConnectionMetrics registered(ops::MetricGroup& group);
};

struct OrderEntryMetrics {
  ops::Counter new_orders;
  ops::Counter cancels;
  ops::Counter replaces;
  ops::Counter status_requests;
  ops::Counter rejected_at_gateway;
  // ClOrdID dedup (docs/DEDUP.md): repeats of a request with the same
  // fingerprint, reuses with another one, requests refused because the
  // store could not answer (full, Redis unavailable), keys rebuilt at start.
  ops::Counter dedup_repeats;
  ops::Counter dedup_duplicates;
  ops::Counter dedup_refused;
  ops::Counter dedup_keys_restored;
  ops::Counter dedup_keys_not_restored;  // the store was full
  ops::Gauge dedup_keys;                 // held in process
  ops::Gauge waiting;                    // requests waiting for Redis, or behind one
  // Pre-trade risk (docs/RISK.md): orders and replaces refused by a limit,
  // by the message rate, or by a control (closed, halted, killed, stopped).
  ops::Counter risk_limit_rejects;
  ops::Counter risk_rate_rejects;
  ops::Counter risk_control_rejects;
  static OrderEntryMetrics registered(ops::MetricGroup& group);
};

struct AnswerMetrics {
  ops::Counter execution_reports;
  ops::Counter cancel_rejects;
  ops::Counter mass_cancel_reports;
  ops::Counter session_rejects;
  ops::Counter business_rejects;
  ops::Counter drop_copies;  // ExecutionReports copied to drop-copy sessions
  static AnswerMetrics registered(ops::MetricGroup& group);
};

struct OutboundMetrics {
  ops::Gauge held;  // messages waiting for their records to be durable
  // Recovery: reports composed again from the log whose CRC-32C differs
  // from the one logged (each is gap-filled on resend instead).
  ops::Counter regeneration_mismatches;
  static OutboundMetrics registered(ops::MetricGroup& group);
};

}  // namespace matchgate::gateway
