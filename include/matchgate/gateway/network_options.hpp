#pragma once
// What a network thread needs to know. The daemon fills it from [gateway]
// and [dedup] in its config (docs/CONFIG.md), so the defaults here are the
// daemon's defaults.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "matchgate/clearing/clearing_options.hpp"
#include "matchgate/dedup/redis_store.hpp"
#include "matchgate/engine/types.hpp"
#include "matchgate/fix/field_check.hpp"
#include "matchgate/fix/value.hpp"
#include "matchgate/net/tcp_server.hpp"
#include "matchgate/risk/pre_trade_risk.hpp"
#include "matchgate/risk/trading_schedule.hpp"

namespace matchgate::gateway {

struct MemberOptions {
  std::string comp_id;
  std::string password_hash;
  std::vector<std::string> accounts;  // the first is the default Account(1)
  bool cancel_on_disconnect = false;
  risk::MemberLimits limits;  // docs/RISK.md
  // Not empty: a read-only drop-copy session that receives a copy of every
  // ExecutionReport of these members (docs/FIX.md "Drop copy").
  std::vector<engine::MemberId> drop_copy_for;
};

struct InstrumentRoute {
  std::string symbol;
  std::uint32_t shard = 0;
  engine::InstrumentId local_id = 0;  // the instrument's number inside its shard
  // For pre-trade risk (docs/RISK.md): positions are valued at the
  // reference price, market orders at their band edge.
  engine::Price reference_price = engine::kPriceScale;
  engine::Price band_low = 1;
  engine::Price band_high = engine::kMaxPrice;
  // The engine's tick and lot: an operator's trade correction keeps to them.
  engine::Price tick = 1;
  engine::Qty lot = 1;
};

// ClOrdID deduplication (docs/DEDUP.md).
struct DedupOptions {
  dedup::Backend backend = dedup::Backend::Embedded;
  std::chrono::seconds ttl{1800};
  std::size_t max_keys = std::size_t{1} << 20;  // the in-process store
  dedup::RedisOptions redis;  // Redis: host, port, prefix, timeout; its ttl is `ttl` above
  // Redis: requests waiting for Redis's answer, or queued behind one; beyond
  // this the network thread stops reading its connections.
  std::size_t max_pending = 8192;
};

struct NetworkOptions {
  std::string comp_id = "MATCHGATE";  // SenderCompID of our messages
  net::Backend backend = net::Backend::Auto;
  // The FIX acceptor: the gateway's own defaults, not net's (the port of
  // [gateway] listen, 8 KiB messages, 4 MiB of unsent output).
  net::ServerOptions server{.host = "127.0.0.1",
                            .port = 9878,
                            .max_connections = 1000,
                            .max_message_bytes = 8192,
                            .max_output_bytes = std::size_t{4} << 20};
  std::vector<MemberOptions> members;  // engine MemberId = index
  std::vector<InstrumentRoute> instruments;
  std::uint32_t max_records = 1U << 20;  // ClOrdIDs remembered per network thread
  std::size_t resend_buffer_bytes = std::size_t{64} << 20;  // per member, see fix::MessageStore
  // Every member's store resident from the start (docs/CONFIG.md).
  bool resend_buffer_prefault = true;
  std::chrono::milliseconds logon_timeout{10'000};
  std::chrono::milliseconds logout_timeout{2'000};
  std::uint32_t max_heartbeat_s = 3600;
  // FIX 4.4: SendingTime(52) further than this from the gateway's clock is
  // a Reject 373=10 and a Logout.
  std::chrono::seconds max_sending_time_skew{120};
  // SendingTime, OrigSendingTime and TransactTime; FIX 4.4 UTCTimestamp
  // allows seconds or milliseconds.
  fix::TimePrecision timestamps = fix::TimePrecision::Millis;
  // Inbound fields against the published profile (docs/FIX.md "Field
  // validation").
  fix::FieldValidation field_validation = fix::FieldValidation::Strict;
  DedupOptions dedup;
  // The trading day ([trading_day], docs/CONFIG.md); disabled: always open.
  risk::ScheduleOptions schedule;
  // Fees, positions, settlement ([clearing], docs/CLEARING.md).
  clearing::ClearingOptions clearing;
};

}  // namespace matchgate::gateway
