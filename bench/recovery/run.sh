#!/usr/bin/env bash
# Recovery benchmark: how long matchgated takes from its start until it
# listens, on a log of many orders, with and without a snapshot.
#
#   1. A log is made by the real daemon under matchgate-load (SESSIONS
#      sessions, INFLIGHT orders in flight each, half passive orders, half
#      IOC orders through the mid) for LOAD_SECONDS, sync = "none" (the log
#      is the same; only the run is faster), no snapshots.
#   2. "whole log": the daemon starts on it with no snapshot and replays
#      every record; with snapshot_every_records = 1 and
#      snapshot_min_interval_s = 0 it takes a snapshot of the recovered
#      state right after starting, and is stopped once that snapshot is
#      written.
#   3. "snapshot": the daemon starts again, from that snapshot plus the few
#      records after it. REPS times; medians are reported.
# Start-to-listen is measured from outside (the listening socket is bound
# only after recovery), and the daemon's own "recovered" log line is shown.
#
#   bench/recovery/run.sh [BIN_DIR]     (default: build/bin)
#
# Environment: LOAD_SECONDS (60), SESSIONS (8), INFLIGHT (32), REPS (3),
# KEEP=1 keeps the work directory.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-$here/../../build/bin}
bin=$(cd "$bin" && pwd)
LOAD_SECONDS=${LOAD_SECONDS:-60}
SESSIONS=${SESSIONS:-8}
INFLIGHT=${INFLIGHT:-32}
REPS=${REPS:-3}
# shellcheck source=../lib.sh
source "$here/../lib.sh"

for p in matchgated matchgate-admin matchgate-wal matchgate-load; do
  [[ -x $bin/$p ]] || { echo "run.sh: $bin/$p missing; build it first" >&2; exit 2; }
done

work=$(mktemp -d /tmp/matchgate-recbench-XXXXXX)
daemon=
cleanup() {
  [[ -n $daemon ]] && stop_pid "$daemon"
  if [[ ${KEEP:-0} == 1 ]]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin/matchgate-wal" keygen --private "$work/key.pem" --public "$work/key.pub.pem" >/dev/null
port=$(free_port)
write_config() {  # SYNC SNAPSHOT_EVERY_RECORDS
  {
    cat <<CFG
[gateway]
listen = "127.0.0.1:$port"
comp_id = "MATCHGATE"
max_tracked_orders = 4194304

[engine]
shards = 1
max_orders = 1048576
ring_capacity = 65536

[wal]
dir = "$work/wal"
sync = "$1"
sign_key = "$work/key.pem"
snapshot_interval_s = 0
snapshot_every_records = $2
snapshot_min_interval_s = 0

[dedup]
# Every order of the run keeps its ClOrdID key for ttl_s: room for them all
# (the snapshot carries them too).
max_keys = 16777216

[log]
level = "info"
file = "$work/matchgated.log"

[admin]
socket = "$work/admin.sock"

[[instruments]]
symbol = "ACME"
tick_size = "0.01"
lot_size = 1
reference_price = "100.00"
price_band_pct = 10
max_order_qty = 1000000

CFG
    members_toml "$bin" "$SESSIONS"
  } >"$work/matchgate.toml"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Starts the daemon (its pid in $daemon); $elapsed_ms: from start until it
# listens.
elapsed_ms=0
start_timed() {
  local t0 t1
  t0=$(now_ms)
  "$bin/matchgated" --config "$work/matchgate.toml" >>"$work/matchgated.out" 2>&1 &
  daemon=$!
  if ! wait_port "$daemon" "$port" 600; then
    echo "run.sh: matchgated did not start; see $work/matchgated.out and matchgated.log" >&2
    KEEP=1
    exit 1
  fi
  t1=$(now_ms)
  elapsed_ms=$((t1 - t0))
}

wait_snapshot() {  # until a snapshot file exists (written after recovery)
  local i
  for ((i = 0; i < 6000; i++)); do
    compgen -G "$work/wal/snap-*.snap" >/dev/null && return 0
    sleep 0.05
  done
  echo "run.sh: no snapshot written; see $work/matchgated.log" >&2
  KEEP=1
  exit 1
}

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

echo "== making the log: ${LOAD_SECONDS}s of load, $SESSIONS sessions x $INFLIGHT in flight"
write_config none 0
start_timed
"$bin/matchgate-load" --port "$port" --members-from 'MEMBER{}:secret-{}' --sessions "$SESSIONS" \
  --closed-loop --inflight "$INFLIGHT" --duration "$LOAD_SECONDS" --warmup 0 \
  >"$work/load.txt" 2>&1 || { cat "$work/load.txt" >&2; exit 1; }
stop_pid "$daemon"
daemon=
"$bin/matchgate-wal" stats --dir "$work/wal" --pubkey "$work/key.pub.pem" >"$work/stats.txt"
orders=$(awk '/OrderRequest/ {print $2}' "$work/stats.txt")
records=$(awk '/^records/ {print $2}' "$work/stats.txt")
bytes=$(du -sb "$work/wal" | cut -f1)
echo "   log: ${records:-?} records, ${orders:-?} order requests, $((bytes / 1048576)) MiB"

write_config group 1
whole=()
snap=()
for ((r = 1; r <= REPS; r++)); do
  rm -f "$work"/wal/snap-*.snap
  start_timed
  whole+=("$elapsed_ms")
  wait_snapshot
  stop_pid "$daemon"
  daemon=
  start_timed
  snap+=("$elapsed_ms")
  stop_pid "$daemon"
  daemon=
  echo "   rep $r: whole log ${whole[-1]} ms, from the snapshot ${snap[-1]} ms"
done
echo
echo "recovery of ${orders:-?} orders (${records:-?} log records), start to listening, median of $REPS:"
printf '  %-28s %8s ms\n' "replaying the whole log" "$(printf '%s\n' "${whole[@]}" | median)"
printf '  %-28s %8s ms\n' "newest snapshot + the rest" "$(printf '%s\n' "${snap[@]}" | median)"
grep -E "log: (recovered|starting from)|snapshot: the state" "$work/matchgated.log" | tail -4 | sed 's/^/  /'
