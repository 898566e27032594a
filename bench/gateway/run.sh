#!/usr/bin/env bash
# Gateway benchmark, one run on loopback, everything measured side by side:
#   - the TCP ping-pong floor (tcp_pingpong, 64 and 200 bytes),
#   - the fdatasync floor (wal_bench --floor-only: FSYNC_BYTES-byte pwrite +
#     fdatasync into a preallocated, zero-filled file in the work directory,
#     the disk the daemon logs to),
#   - matchgated (io_uring and asio back ends, idle spin and wait),
#   - the QuickFIX baseline acceptor,
# each driven by matchgate-load: round trip (1 session, 1 order in flight)
# and throughput (SESSIONS sessions, INFLIGHT orders in flight each).
# Repetitions are interleaved (floor, every daemon config, baseline, then the
# next repetition) so that drift in the machine's load hits all of them alike;
# the table shows medians over the repetitions.
#
#   bench/gateway/run.sh [BIN_DIR]        (default: build/bin)
#
# Environment: REPS (3), DURATION (5 s measured), WARMUP (1 s), SESSIONS (8),
# INFLIGHT (32), RATE (unset: the throughput run is closed loop, INFLIGHT
# orders in flight per session; a number: open loop at RATE orders/s over
# the SESSIONS sessions, so that configurations compared in "cpu/order" do
# the same work per second: a closed loop's CPU per order also moves with
# the throughput it reaches, as fixed costs such as fdatasync are shared by
# more or fewer orders), BACKENDS ("io_uring asio"), IDLES ("spin wait"), SYNCS ("group": the
# [wal] sync modes to run, e.g. "group none"), GROUP_COMMIT_US (unset: the default of
# [wal] group_commit_us), HOLD_US (unset: the default of [wal] hold_for_reports_us),
# LIMITS ("off": "on" gives every member every pre-trade limit of docs/RISK.md,
# set so high that none refuses an order, to measure what the checks cost;
# "off on" runs both), CLEARING ("on": no [clearing] table, so the default, and
# a baseline build without clearing reads the config too: a Trade record,
# fees and positions per trade; "off": [clearing] enabled = false; "off on"
# runs both, and a last line gives what clearing costs per order and per
# trade: the CPU per order difference divided by the trades per order),
# DEDUPS ("embedded": the [dedup] backends to run, e.g.
# "off embedded redis"; "redis" starts a redis-server on a free port, emptied
# before each run), IDLE_SPIN_US (unset:
# the default of [engine] idle_spin_us),
# BASELINE_BIN (unset: a directory holding another build's matchgated, e.g.
# the previous commit's; each configuration then also runs with it, as
# "base-...", interleaved in every repetition, so a change is compared with
# its baseline in the same run),
# FSYNC_BYTES (200: about one record) and FSYNC_COUNT (1000: samples per
# repetition) for the fdatasync floor,
# KEEP=1 keeps the work directory (configs, logs, JSON results).
# "cpu/order" is the daemon's CPU time (user + system, /proc/PID/stat) over
# the throughput run divided by the orders of the run (warm-up included):
# steadier than throughput on a shared machine.
# "log B/order" is the bytes of records the throughput run added to the log
# ("record bytes" of `matchgate-wal stats`, read while the daemon idles
# before the run and again after it stopped; not the files' size, segments
# are preallocated) divided by the orders answered in the run (warm-up
# included). "rt-pp/fs", for `group` configurations only: (round trip p50 -
# ping-pong p50 (200 B)) / fdatasync p50, the fdatasyncs a durable round trip
# costs beyond the network (target <= 1.2).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-$here/../../build/bin}
bin=$(cd "$bin" && pwd)
REPS=${REPS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
SESSIONS=${SESSIONS:-8}
INFLIGHT=${INFLIGHT:-32}
BACKENDS=${BACKENDS:-"io_uring asio"}
IDLES=${IDLES:-"spin wait"}
SYNCS=${SYNCS:-"group"}
DEDUPS=${DEDUPS:-"embedded"}
LIMITS=${LIMITS:-"off"}
CLEARING=${CLEARING:-"on"}
FSYNC_BYTES=${FSYNC_BYTES:-200}
FSYNC_COUNT=${FSYNC_COUNT:-1000}
# shellcheck source=../lib.sh
source "$here/../lib.sh"

for p in matchgated matchgate-admin matchgate-wal matchgate-load tcp_pingpong quickfix_baseline_acceptor wal_bench; do
  [[ -x $bin/$p ]] || { echo "run.sh: $bin/$p missing; build it first" >&2; exit 2; }
done
daemons=("mg=$bin/matchgated")
if [[ -n ${BASELINE_BIN:-} ]]; then
  [[ -x $BASELINE_BIN/matchgated ]] || { echo "run.sh: $BASELINE_BIN/matchgated missing" >&2; exit 2; }
  daemons+=("base=$(cd "$BASELINE_BIN" && pwd)/matchgated")
fi
clk_tck=$(getconf CLK_TCK)

work=$(mktemp -d /tmp/matchgate-gwbench-XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ ${KEEP:-0} == 1 ]]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop() {  # PID: stop_pid, and forget it
  local pid=$1
  stop_pid "$pid"
  local keep=()
  for p in "${pids[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
  pids=("${keep[@]+"${keep[@]}"}")
}

members_toml=$work/members.toml
members_toml "$bin" "$SESSIONS" >"$members_toml"
# The same members with every limit set, none binding in a run.
limited_toml=$work/members-limited.toml
sed 's/^accounts = .*/&\ncredit_limit = "90000000000"\nmax_order_value = "90000000000"\nmax_open_orders = 100000000\nmax_messages_per_s = 10000000\nmessage_burst = 10000000/' \
  "$members_toml" >"$limited_toml"

redis_port=
if [[ " $DEDUPS " == *" redis "* ]]; then
  command -v redis-server >/dev/null || { echo "run.sh: DEDUPS has redis but redis-server is not installed" >&2; exit 2; }
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
    --logfile "$work/redis.log" --daemonize no &
  pids+=("$!")
  wait_port "$!" "$redis_port" || { echo "run.sh: redis-server did not start" >&2; exit 1; }
fi

write_config() {  # FILE PORT BACKEND IDLE SYNC DEDUP LIMITS CLEARING
  cat >"$1" <<EOF
[gateway]
listen = "127.0.0.1:$2"
comp_id = "MATCHGATE"
backend = "$3"
max_tracked_orders = 4194304

[engine]
shards = 1
max_orders = 1048576
idle = "$4"
${IDLE_SPIN_US:+idle_spin_us = $IDLE_SPIN_US}
ring_capacity = 65536

[wal]
dir = "$work/wal"
sync = "$5"
sign_key = "$work/wal-key.pem"
${GROUP_COMMIT_US:+group_commit_us = $GROUP_COMMIT_US}
${HOLD_US:+hold_for_reports_us = $HOLD_US}

[dedup]
backend = "$6"
# Every order of a run keeps its key (a run is far shorter than the TTL).
max_keys = 4194304
${redis_port:+redis_port = $redis_port}

[log]
level = "warn"
file = "$work/matchgated.log"

[admin]
socket = "$work/admin.sock"

$([[ $8 == off ]] && printf '[clearing]\nenabled = false\n')

EOF
  if [[ $7 == on ]]; then cat "$limited_toml" >>"$1"; else cat "$members_toml" >>"$1"; fi
  cat >>"$1" <<EOF
[[instruments]]
symbol = "ACME"
tick_size = "0.01"
lot_size = 1
reference_price = "100.00"
price_band_pct = 10
max_order_qty = 1000000
EOF
}

started_pid=
start_matchgated() {  # DAEMON BACKEND IDLE SYNC DEDUP LIMITS CLEARING; sets started_pid and port
  local daemon=$1
  shift
  local attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    rm -rf "$work/wal"  # each run starts a new log: no replay of the previous runs
    write_config "$work/matchgate.toml" "$port" "$1" "$2" "$3" "$4" "$5" "$6"
    if [[ $4 == redis ]]; then redis-cli -p "$redis_port" FLUSHALL >/dev/null; fi
    "$daemon" --config "$work/matchgate.toml" >>"$work/matchgated.out" 2>&1 &
    started_pid=$!
    pids+=("$started_pid")
    if wait_port "$started_pid" "$port"; then return 0; fi
    stop "$started_pid"
  done
  echo "run.sh: matchgated did not start; see $work/matchgated.out" >&2
  KEEP=1
  exit 1
}

start_quickfix() {
  local attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    "$bin/quickfix_baseline_acceptor" --port "$port" --members-from 'MEMBER{}' --sessions "$SESSIONS" \
      >>"$work/quickfix.out" 2>&1 &
    started_pid=$!
    pids+=("$started_pid")
    if wait_port "$started_pid" "$port"; then return 0; fi
    stop "$started_pid"
  done
  echo "run.sh: quickfix_baseline_acceptor did not start; see $work/quickfix.out" >&2
  KEEP=1
  exit 1
}

cpu_ticks() {  # PID: user + system clock ticks so far
  awk '{print $14 + $15}' "/proc/$1/stat"
}

# The daemon's CPU per order of the throughput run just done, in us.
cpu_per_order() {  # NAME REP TICKS_BEFORE TICKS_AFTER
  local orders_per_s
  orders_per_s=$(grep -o '"orders_per_s": [0-9.]*' "$work/$1.tp.$2.json" | head -n1 | awk '{print $2}')
  awk -v t="$(($4 - $3))" -v hz="$clk_tck" -v r="${orders_per_s:-0}" -v d="$DURATION" -v w="$WARMUP" \
    'BEGIN { n = r * (d + w); if (n > 0) printf "{\"cpu_us_per_order\": %.3f}\n", t / hz / n * 1e6 }' \
    >"$work/$1.cpu.$2.json"
}

# The bytes of records in the log in DIR, from `matchgate-wal stats` (without
# a key: the whole log, never "from a snapshot"); empty when it cannot say.
# The matchgate-wal next to DAEMON reads it when there is one: a baseline
# build's log may be in a format the new tool refuses.
log_record_bytes() {  # DAEMON DIR
  local tool
  tool=$(dirname "$1")/matchgate-wal
  [[ -x $tool ]] || tool=$bin/matchgate-wal
  { "$tool" stats --dir "$2" 2>/dev/null || true; } |
    awk 'tolower($0) ~ /^ *record bytes/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+$/) { print $i; exit } }'
}

# The Trade records in the log in DIR (clearing on), from `matchgate-wal stats`.
log_trade_records() {  # DAEMON DIR
  local tool
  tool=$(dirname "$1")/matchgate-wal
  [[ -x $tool ]] || tool=$bin/matchgate-wal
  { "$tool" stats --dir "$2" 2>/dev/null || true; } | awk '$1 == "Trade" { print $2; exit }'
}

# Trades per order of the throughput run just done (Trade records it added
# over the orders it had answered); nothing when clearing is off.
trades_per_order() {  # NAME REP TRADES_BEFORE TRADES_AFTER
  local answered
  answered=$(grep -o '"orders_answered": [0-9]*' "$work/$1.tp.$2.json" 2>/dev/null | head -n1 | awk '{print $2}')
  [[ -n $3 && -n $4 && -n $answered ]] || return 0
  awk -v t="$(($4 - $3))" -v n="$answered" \
    'BEGIN { if (n > 0) printf "{\"trades_per_order\": %.4f}\n", t / n }' >"$work/$1.trades.$2.json"
}

# Log bytes per order of the throughput run just done.
log_per_order() {  # NAME REP BYTES_BEFORE BYTES_AFTER
  local answered
  answered=$(grep -o '"orders_answered": [0-9]*' "$work/$1.tp.$2.json" 2>/dev/null | head -n1 | awk '{print $2}')
  if [[ -z $3 || -z $4 || -z $answered ]]; then
    echo "  $1 rep $2: no log bytes per order (matchgate-wal stats gave no \"record bytes\")" >&2
    return
  fi
  awk -v b="$(($4 - $3))" -v n="$answered" \
    'BEGIN { if (n > 0) printf "{\"log_bytes_per_order\": %.1f}\n", b / n }' >"$work/$1.logbytes.$2.json"
}

# The fdatasync floor of this repetition, next to the ping-pong floor.
fsync_floor() {  # REP
  "$bin/wal_bench" --floor-only --dir "$work/fsync-floor" --floor-bytes "$FSYNC_BYTES" \
    --latency-records "$FSYNC_COUNT" >"$work/fsync.$1.json"
}

failures=0
load() {  # NAME REP KIND(rt|tp) PORT
  local out=$work/$1.$3.$2.json args
  if [[ $3 == rt ]]; then
    args=(--member MEMBER1:secret-1 --closed-loop --inflight 1)
  else
    args=(--members-from 'MEMBER{}:secret-{}' --sessions "$SESSIONS")
    if [[ -n ${RATE:-} ]]; then
      args+=(--rate "$RATE")
    else
      args+=(--closed-loop --inflight "$INFLIGHT")
    fi
  fi
  # An acceptor may still be tearing down the previous run's session when
  # the next logon arrives (QuickFIX refuses it as already logged on): a run
  # that could not set up (exit 2) gets one more try.
  local rc=0 try
  for try in 1 2; do
    rc=0
    "$bin/matchgate-load" --port "$4" "${args[@]}" --duration "$DURATION" --warmup "$WARMUP" \
      --json "$out" >"$work/$1.$3.$2.txt" 2>&1 || rc=$?
    sleep 0.5
    ((rc == 2)) || break
  done
  if ((rc != 0)); then
    echo "  $1 $3 rep $2: matchgate-load reported a failure:" >&2
    sed 's/^/    /' "$work/$1.$3.$2.txt" >&2
    failures=$((failures + 1))
  fi
}

configs=()
for b in $BACKENDS; do for i in $IDLES; do for y in $SYNCS; do for d in $DEDUPS; do for l in $LIMITS; do
  for k in $CLEARING; do configs+=("$b-$i-$y-$d-limits_$l-clearing_$k"); done
done; done; done; done; done
targets=()
for c in "${configs[@]}"; do for d in "${daemons[@]}"; do targets+=("${d%%=*}-$c"); done; done
"$bin/matchgate-wal" keygen --private "$work/wal-key.pem" --public "$work/wal-key.pub.pem" >/dev/null

echo "gateway benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "REPS=$REPS DURATION=$DURATION WARMUP=$WARMUP SESSIONS=$SESSIONS INFLIGHT=$INFLIGHT RATE=${RATE:-closed-loop} SYNCS=$SYNCS DEDUPS=$DEDUPS LIMITS=$LIMITS CLEARING=$CLEARING"
for ((rep = 1; rep <= REPS; rep++)); do
  echo "repetition $rep/$REPS"
  "$bin/tcp_pingpong" --count 100000 --warmup 10000 --json "$work/pingpong.$rep.json" >/dev/null
  fsync_floor "$rep"
  for c in "${configs[@]}"; do
    IFS=- read -r c_backend c_idle c_sync c_dedup c_limits c_clearing <<<"$c"
    for d in "${daemons[@]}"; do
      start_matchgated "${d#*=}" "$c_backend" "$c_idle" "$c_sync" "$c_dedup" "${c_limits#limits_}" \
        "${c_clearing#clearing_}"
      load "${d%%=*}-$c" "$rep" rt "$port"
      b0=$(log_record_bytes "${d#*=}" "$work/wal")
      n0=$(log_trade_records "${d#*=}" "$work/wal")
      t0=$(cpu_ticks "$started_pid")
      load "${d%%=*}-$c" "$rep" tp "$port"
      cpu_per_order "${d%%=*}-$c" "$rep" "$t0" "$(cpu_ticks "$started_pid")"
      stop "$started_pid"
      log_per_order "${d%%=*}-$c" "$rep" "$b0" "$(log_record_bytes "${d#*=}" "$work/wal")"
      trades_per_order "${d%%=*}-$c" "$rep" "${n0:-0}" "$(log_trade_records "${d#*=}" "$work/wal")"
    done
  done
  start_quickfix
  load quickfix "$rep" rt "$port"
  t0=$(cpu_ticks "$started_pid")
  load quickfix "$rep" tp "$port"
  cpu_per_order quickfix "$rep" "$t0" "$(cpu_ticks "$started_pid")"
  stop "$started_pid"
done

# ------------------------------------------------------------------ table

num() {  # FILE KEY: the number after "KEY": in one of our JSON files
  grep -o "\"$2\": [0-9.]*" "$1" | head -n1 | awk '{print $2}'
}
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
med() {  # GLOB KEY
  local f
  # (if, not &&: a glob that matches nothing must not fail the pipeline)
  for f in $1; do if [[ -f $f ]]; then num "$f" "$2"; fi; done | median
}
pingpong_p50() {  # BYTES KEY
  local f
  for f in "$work"/pingpong.*.json; do
    grep -o "\"bytes\": $1, [^}]*" "$f" | grep -o "\"$2\": [0-9.]*" | awk '{print $2}'
  done | median
}

pp64=$(pingpong_p50 64 p50_us)
pp200=$(pingpong_p50 200 p50_us)
pp200_99=$(pingpong_p50 200 p99_us)
pp64_99=$(pingpong_p50 64 p99_us)
qf_tp=$(med "$work/quickfix.tp.*.json" orders_per_s)
fs50=$(med "$work/fsync.*.json" p50_us)
fs99=$(med "$work/fsync.*.json" p99_us)

echo
echo "medians of $REPS repetitions"
printf 'TCP ping-pong floor: 64 B p50 %.1f us p99 %.1f us; 200 B p50 %.1f us p99 %.1f us\n' \
  "$pp64" "$pp64_99" "$pp200" "$pp200_99"
printf 'fdatasync floor (%d B pwrite + fdatasync, preallocated file): p50 %.1f us p99 %.1f us\n' \
  "$FSYNC_BYTES" "$fs50" "$fs99"
echo
printf '%-58s | %9s %9s %9s %9s %9s | %11s %11s %9s %9s %9s %11s %10s\n' "target" "rt p50" \
  "rt p99" "p99.9" "p50/pp200" "rt-pp/fs" "orders/s" "ERs/s" "vs QF" "tp p99" "cpu/order" \
  "log B/order" "trades/ord"
printf '%-58s | %9s %9s %9s %9s %9s | %11s %11s %9s %9s %9s %11s %10s\n' "" "us" "us" "us" "x" \
  "x" "$SESSIONS sess" "" "x" "us" "us" "B" ""
for name in "${targets[@]}" quickfix; do
  rt50=$(med "$work/$name.rt.*.json" p50)
  rt99=$(med "$work/$name.rt.*.json" p99)
  rt999=$(med "$work/$name.rt.*.json" p99.9)
  tp=$(med "$work/$name.tp.*.json" orders_per_s)
  ers=$(med "$work/$name.tp.*.json" exec_reports_per_s)
  tp99=$(med "$work/$name.tp.*.json" p99)
  cpu=$(med "$work/$name.cpu.*.json" cpu_us_per_order)
  logb=$(med "$work/$name.logbytes.*.json" log_bytes_per_order)
  tpo=$(med "$work/$name.trades.*.json" trades_per_order)
  [[ $tpo == nan ]] && tpo=-
  IFS=- read -r _ _ _ n_sync _ <<<"$name"
  rt_fs=-
  if [[ $n_sync == group ]]; then
    rt_fs=$(awk -v r="$rt50" -v p="$pp200" -v f="$fs50" 'BEGIN {if (f > 0) printf "%.2f", (r - p) / f; else print "-"}')
  fi
  if [[ $name == quickfix || $logb == nan ]]; then logb=-; else logb=$(printf '%.0f' "$logb"); fi
  printf '%-58s | %9.1f %9.1f %9.1f %9.2f %9s | %11.0f %11.0f %9.2f %9.0f %9.2f %11s %10s\n' "$name" \
    "$rt50" "$rt99" "$rt999" "$(awk -v a="$rt50" -v b="$pp200" 'BEGIN {print a / b}')" "$rt_fs" \
    "$tp" "$ers" "$(awk -v a="$tp" -v b="$qf_tp" 'BEGIN {print (b > 0 ? a / b : 0)}')" "$tp99" \
    "$cpu" "$logb" "$tpo"
done
# What clearing costs: each clearing_on target against its clearing_off twin.
for name in "${targets[@]}"; do
  [[ $name == *-clearing_on ]] || continue
  off=${name%-clearing_on}-clearing_off
  [[ " ${targets[*]} " == *" $off "* ]] || continue
  awk -v name="${name%-clearing_on}" -v c1="$(med "$work/$name.cpu.*.json" cpu_us_per_order)" \
    -v c0="$(med "$work/$off.cpu.*.json" cpu_us_per_order)" \
    -v t1="$(med "$work/$name.tp.*.json" orders_per_s)" -v t0="$(med "$work/$off.tp.*.json" orders_per_s)" \
    -v n="$(med "$work/$name.trades.*.json" trades_per_order)" \
    'BEGIN { printf "clearing on vs off, %s: cpu/order %+.3f us (%+.3f us per trade at %.3f trades/order); orders/s %+.1f%%\n",
             name, c1 - c0, (n > 0 ? (c1 - c0) / n : 0), n, (t0 > 0 ? (t1 / t0 - 1) * 100 : 0) }'
done
echo
echo "targets: rt p50 <= 1.5x ping-pong p50 (200 B); orders/s >= 10x QuickFIX and >= 300000 over 8 sessions"
echo "         group: rt-pp/fs <= 1.2 (round trip p50 <= ping-pong p50 + 1.2 x fdatasync p50); log B/order <= 200"
if ((failures > 0)); then
  echo "WARNING: $failures load run(s) reported missing answers or errors (see above)"
  exit 1
fi
