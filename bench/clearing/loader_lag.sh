#!/usr/bin/env bash
# Does `matchgate-clearing load --follow` keep up with the daemon? One run:
# a throwaway PostgreSQL (initdb + pg_ctl in the work directory; as root
# through the `postgres` user), matchgated with clearing on, the loader
# following its log, and matchgate-load's throughput load (the gateway
# benchmark's: SESSIONS sessions, INFLIGHT orders in flight each) for
# DURATION seconds. Every SAMPLE_S seconds it samples the loader's lag:
#   records behind = the log's last seq (`matchgate-wal stats`) - the
#                    database's load_progress.last_seq (the database is read
#                    first, so this is an upper bound);
#   age            = now - the newest loaded trade's record_time (SQL).
# At the end: the daemon's trade rate, the loader's trades/s while the load
# ran, the time it needed after the load to reach the log's end, its CPU
# per trade (user + system of the loader process), the PostgreSQL server's
# CPU per trade next to it (user + system of the postmaster's processes
# alive at the start and the end of the measurement: the loader's backend,
# WAL writer, checkpointer, ...; the short-lived backends of the sampling
# queries are not among them), and the lag's median and maximum. No
# pass/fail.
#
#   bench/clearing/loader_lag.sh [BIN_DIR]     (default: build/bin)
#
# Environment: DURATION (10 s), SESSIONS (8), INFLIGHT (32), SAMPLE_S (1:
# each sample runs `matchgate-wal stats` over the whole log, CPU that the
# daemon and the loader then lack, so not too often), POLL_MS (the
# loader's --poll-ms, 200), BATCH (--batch, 1000), PG_FSYNC ("on": the
# server fsyncs its commits; "off" as clearing_load_bench does),
# SYNC ([wal] sync, "group"), RATE (orders/s over all sessions on a fixed
# schedule, matchgate-load --rate; unset: closed loop, the daemon's peak),
# KEEP=1 keeps the work directory.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-$here/../../build/bin}
bin=$(cd "$bin" && pwd)
DURATION=${DURATION:-10}
SESSIONS=${SESSIONS:-8}
INFLIGHT=${INFLIGHT:-32}
SAMPLE_S=${SAMPLE_S:-1}
POLL_MS=${POLL_MS:-200}
BATCH=${BATCH:-1000}
PG_FSYNC=${PG_FSYNC:-on}
RATE=${RATE:-}
SYNC=${SYNC:-group}
# shellcheck source=../lib.sh
source "$here/../lib.sh"

for p in matchgated matchgate-admin matchgate-wal matchgate-load matchgate-clearing; do
  [[ -x $bin/$p ]] || { echo "loader_lag.sh: $bin/$p missing; build it first" >&2; exit 2; }
done
pg_bin=${MATCHGATE_PG_BIN:-$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)}
[[ -x $pg_bin/initdb ]] || {
  echo "loader_lag.sh: PostgreSQL server binaries not found (Debian package postgresql, or MATCHGATE_PG_BIN)" >&2
  exit 2
}

work=$(mktemp -d /tmp/matchgate-loaderlag-XXXXXX)
chmod 755 "$work"
as_pg=()
if [[ $(id -u) == 0 ]]; then as_pg=(runuser -u postgres --); fi
pids=()
pg_started=
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n $pg_started ]]; then (cd / && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1) || true; fi
  if [[ ${KEEP:-0} == 1 ]]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ PostgreSQL
mkdir -p "$work/pg"
if [[ ${#as_pg[@]} -gt 0 ]]; then chown postgres: "$work/pg"; fi
pg_port=$(free_port)
(cd / && "${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg/data" -A trust -U postgres -E UTF8 --locale=C -N \
  >"$work/initdb.log" 2>&1) || { cat "$work/initdb.log" >&2; exit 1; }
(cd / && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 120 \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=$PG_FSYNC" start >/dev/null) || {
  cat "$work/pg/server.log" >&2
  exit 1
}
pg_started=1
psql=("$pg_bin/psql" -X -q -A -t -h 127.0.0.1 -p "$pg_port" -U postgres)
"${psql[@]}" -d postgres -c 'CREATE DATABASE clearing' >/dev/null
conninfo="host=127.0.0.1 port=$pg_port user=postgres dbname=clearing"
sql() { "${psql[@]}" -d clearing -c "$1" 2>/dev/null || true; }

# -------------------------------------------------------------- matchgated
"$bin/matchgate-wal" keygen --private "$work/wal-key.pem" --public "$work/wal-key.pub.pem" >/dev/null
port=$(free_port)
{
  cat <<EOF
[gateway]
listen = "127.0.0.1:$port"
comp_id = "MATCHGATE"
backend = "io_uring"
max_tracked_orders = 4194304

[engine]
shards = 1
max_orders = 1048576
idle = "wait"
ring_capacity = 65536

[wal]
dir = "$work/wal"
sync = "$SYNC"
sign_key = "$work/wal-key.pem"

[dedup]
max_keys = 4194304

[log]
level = "warn"
file = "$work/matchgated.log"

[admin]
socket = "$work/admin.sock"

[clearing]
report_dir = "$work/settlement"
taker_fee_bps = "2"
maker_fee_bps = "-0.5"

EOF
  members_toml "$bin" "$SESSIONS"
  cat <<EOF
[[instruments]]
symbol = "ACME"
tick_size = "0.01"
lot_size = 1
reference_price = "100.00"
price_band_pct = 10
max_order_qty = 1000000
EOF
} >"$work/matchgate.toml"
"$bin/matchgated" --config "$work/matchgate.toml" >"$work/matchgated.out" 2>&1 &
daemon_pid=$!
pids+=("$daemon_pid")
wait_port "$daemon_pid" "$port" || { cat "$work/matchgated.out" >&2; exit 1; }

# ------------------------------------------------------------------ loader
"$bin/matchgate-clearing" load --config "$work/matchgate.toml" --db "$conninfo" --follow \
  --poll-ms "$POLL_MS" --batch "$BATCH" >"$work/loader.out" 2>&1 &
loader_pid=$!
pids+=("$loader_pid")

log_last_seq() {
  "$bin/matchgate-wal" stats --dir "$work/wal" 2>/dev/null |
    awk '$1 == "records" { gsub(/[()]/, ""); split($4, a, "\\.\\."); print a[2]; exit }'
}
loaded_seq() { sql 'SELECT last_seq FROM load_progress'; }
loaded_trades() { sql 'SELECT trades_loaded FROM load_progress'; }
now_s() { date +%s.%N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# User + system ticks of the PostgreSQL server's processes alive now: the
# postmaster's children (the stat line's 4th field is the parent; the
# command name in parentheses has no spaces for these processes).
pg_server_ticks() {
  local postmaster
  postmaster=$(head -n1 "$work/pg/data/postmaster.pid")
  # A process may exit between the glob and cat: not an error here.
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } |
    awk -v pm="$postmaster" '$4 == pm || $1 == pm { t += $14 + $15 } END { print t + 0 }'
}

# Until the loader has made its schema and loaded the start's records.
for _ in $(seq 100); do [[ -n $(loaded_seq) ]] && break; sleep 0.1; done
[[ -n $(loaded_seq) ]] || { echo "loader_lag.sh: the loader did not start:" >&2; cat "$work/loader.out" >&2; exit 1; }

t_start=$(now_s)
trades0=$(loaded_trades)
ticks0=$(cpu_ticks "$loader_pid")
pg_ticks0=$(pg_server_ticks)
if [[ -n $RATE ]]; then
  pace=(--rate "$RATE")
else
  pace=(--closed-loop --inflight "$INFLIGHT")
fi
# The load, then at once the time and the trades loaded by then (the
# sampling loop below notices the end only at its next turn, a second or
# more later with a large log).
(
  rc=0
  "$bin/matchgate-load" --port "$port" --members-from 'MEMBER{}:secret-{}' \
    --sessions "$SESSIONS" "${pace[@]}" --duration "$DURATION" --warmup 0 \
    --json "$work/load.json" >"$work/load.txt" 2>&1 || rc=$?
  echo "$(now_s) $(loaded_trades)" >"$work/load_end.txt"
  exit "$rc"
) &
load_pid=$!
pids+=("$load_pid")
: >"$work/samples.txt"
while kill -0 "$load_pid" 2>/dev/null; do
  db=$(loaded_seq)
  # The newest loaded trade's age: the last row by primary key, not a scan.
  age=$(sql "SELECT coalesce(extract(epoch FROM now()) - max(record_time_ns) / 1e9, 0) FROM (SELECT record_time_ns FROM trade_records ORDER BY seq DESC LIMIT 1) t")
  end=$(log_last_seq)
  [[ -n $db && -n $end ]] && echo "$(now_s) $((end - db)) $age" >>"$work/samples.txt"
  sleep "$SAMPLE_S"
done
wait "$load_pid" || echo "loader_lag.sh: matchgate-load reported a failure (see $work/load.txt)" >&2
read -r t_load_end trades_at_load_end <"$work/load_end.txt"

# After the load: until the loader reaches the log's end.
end=$(log_last_seq)
while [[ $(loaded_seq) -lt $end ]]; do sleep 0.05; done
t_caught_up=$(now_s)
ticks1=$(cpu_ticks "$loader_pid")
pg_ticks1=$(pg_server_ticks)
trades1=$(loaded_trades)
log_trades=$("$bin/matchgate-wal" stats --dir "$work/wal" | awk '$1 == "Trade" { print $2; exit }')

median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
lag_med=$(awk '{print $2}' "$work/samples.txt" | median)
lag_max=$(awk '{print $2}' "$work/samples.txt" | sort -g | tail -n1)
age_med=$(awk '{print $3}' "$work/samples.txt" | median)
age_max=$(awk '{print $3}' "$work/samples.txt" | sort -g | tail -n1)
orders_per_s=$(grep -o '"orders_per_s": [0-9.]*' "$work/load.json" | head -n1 | awk '{print $2}')

echo "loader lag: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "DURATION=$DURATION SESSIONS=$SESSIONS INFLIGHT=$INFLIGHT RATE=${RATE:-closed-loop} SYNC=$SYNC POLL_MS=$POLL_MS BATCH=$BATCH PG_FSYNC=$PG_FSYNC"
awk -v d="$DURATION" -v o="$orders_per_s" -v lt="$log_trades" -v t0="$t_start" -v t1="$t_load_end" \
  -v t2="$t_caught_up" -v n0="$trades0" -v n1="$trades_at_load_end" -v n2="$trades1" \
  -v c="$((ticks1 - ticks0))" -v pc="$((pg_ticks1 - pg_ticks0))" -v hz="$(getconf CLK_TCK)" -v lm="$lag_med" -v lx="$lag_max" \
  -v am="$age_med" -v ax="$age_max" -v s="$(wc -l <"$work/samples.txt")" 'BEGIN {
    printf "daemon: %.0f orders/s, %d Trade records in the log (%.0f trades/s over the load)\n", o, lt, lt / d
    printf "loader: %.0f trades/s while the load ran, %.0f trades/s overall; at the log end within %.2f s after the load (an upper bound: it includes reading the log end)\n",
           (n1 - n0) / (t1 - t0), (n2 - n0) / (t2 - t0), t2 - t1
    # The load window (t0..t1) includes logons and logouts, so its
    # trades/s is lower than the daemon figure over DURATION even for a
    # loader that keeps up; the share loaded is not.
    printf "loader: %.1f%% of the run'"'"'s %d trades loaded when the load stopped\n",
           (lt > 0 ? (n1 - n0) / lt * 100 : 0), lt
    printf "loader CPU: %.2f us per trade (%d trades); PostgreSQL server CPU: %.2f us per trade\n",
           (n2 > n0 ? c / hz / (n2 - n0) * 1e6 : 0), n2 - n0, (n2 > n0 ? pc / hz / (n2 - n0) * 1e6 : 0)
    printf "lag over %d samples: records behind the log end median %s max %s; newest trade loaded %.2f s old median, %.2f s max\n",
           s, lm, lx, am, ax
  }'
if [[ $trades1 != "$log_trades" ]]; then
  echo "WARNING: the database holds $trades1 trades, the log $log_trades" >&2
  exit 1
fi
