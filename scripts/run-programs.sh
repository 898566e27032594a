#!/usr/bin/env bash
# run-programs.sh KIND [BIN_DIR] [-- ARGS...]
#   KIND=gate   runs every BIN_DIR/*-gate (benchmark gates: each exits non-zero
#               when a measured ratio falls below its committed floor)
#   KIND=bench  runs every BIN_DIR/*_bench (benchmarks, for reading)
# Runs them all, one after another, even after a failure; exits 1 if any
# failed. No matching program is an error too (exit 1): a gate that was not
# built checks nothing, and `make test` must not pass because of it.
# ARGS after `--` are passed to every program (e.g. --benchmark_min_time=0.05).
set -uo pipefail

kind=${1:-}
bin_dir=${2:-build/bin}
shift $(($# < 2 ? $# : 2))
[ "${1:-}" = "--" ] && shift
args=("$@")
case "$kind" in
  gate) pattern='*-gate' ;;
  bench) pattern='*_bench' ;;
  *)
    echo "usage: $0 gate|bench [BIN_DIR]" >&2
    exit 2
    ;;
esac

shopt -s nullglob
programs=()
for p in "$bin_dir"/$pattern; do
  [ -f "$p" ] && [ -x "$p" ] && programs+=("$p")
done
if [ "${#programs[@]}" -eq 0 ]; then
  echo "run-programs: no $bin_dir/$pattern programs found: nothing was checked (build them first)" >&2
  exit 1
fi

failed=()
for p in "${programs[@]}"; do
  echo "---- $p"
  start=$(date +%s)
  "$p" "${args[@]}"
  rc=$?
  secs=$(($(date +%s) - start))
  if [ "$rc" -eq 0 ]; then
    echo "---- $p: ok (${secs}s)"
  else
    echo "---- $p: FAILED with exit $rc (${secs}s)"
    failed+=("$(basename "$p")")
  fi
done

echo "run-programs: $((${#programs[@]} - ${#failed[@]})) of ${#programs[@]} $kind programs succeeded"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "run-programs: failed: ${failed[*]}" >&2
  exit 1
fi
