#!/usr/bin/env bash
# phase.sh NAME COMMAND [ARGS...]
# Runs COMMAND as one named phase of a build: prints a header, then a footer
# with the outcome and the wall time. With MATCHGATE_TIMING_LOG set, also
# appends "NAME<TAB>ok|FAILED<TAB>SECONDS" to that file (.ci/run prints it as
# a summary table at the end).
set -uo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: $0 NAME COMMAND [ARGS...]" >&2
  exit 2
fi
name=$1
shift

start=$(date +%s)
printf '\n==> [%s] %s\n' "$(date '+%H:%M:%S')" "$name"
"$@"
rc=$?
secs=$(($(date +%s) - start))
if [ "$rc" -eq 0 ]; then
  status=ok
  printf '<== %s: ok in %dm%02ds\n' "$name" $((secs / 60)) $((secs % 60))
else
  status=FAILED
  printf '<== %s: FAILED (exit %d) after %dm%02ds\n' "$name" "$rc" $((secs / 60)) $((secs % 60))
fi
if [ -n "${MATCHGATE_TIMING_LOG:-}" ]; then
  printf '%s\t%s\t%d\n' "$name" "$status" "$secs" >>"$MATCHGATE_TIMING_LOG"
fi
exit "$rc"
