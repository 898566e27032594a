#!/usr/bin/env bash
# Runs the libFuzzer targets of the `fuzz` preset (fuzz/README.md), one
# after another, each for a given time, and fails on any finding: a crash,
# a sanitizer report (ASan, UBSan, LeakSanitizer), a timeout or running out
# of memory. A finding's reproducer is printed with the command that replays
# it.
#
#   scripts/fuzz.sh [--seconds N] [--bin DIR] [--out DIR] [TARGET...]
#
#   --seconds N  time per target (default 30)
#   --bin DIR    where the targets are (default build-fuzz/bin)
#   --out DIR    new corpus entries and findings (default build-fuzz/fuzz-out):
#                DIR/corpus/TARGET grows from run to run; the seeds in
#                fuzz/corpus/TARGET are read, never written
#   TARGET...    default: every fuzz/fuzz_*.cpp
#
# Each target's CPU time (user + system) is printed when it stops.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=30
bin=build-fuzz/bin
out=build-fuzz/fuzz-out
targets=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ "${#targets[@]}" -eq 0 ]; then
  for src in fuzz/fuzz_*.cpp; do
    targets+=("$(basename "$src" .cpp)")
  done
fi

# Sanitizer reports stop the target (the build has -fno-sanitize-recover=all)
# with a stack; libFuzzer then writes the input as a crash- file.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Runs one target; prints its findings and returns 1 when there are any.
run_target() {
  local target=$1 exe="$bin/$1" artifacts="$out/findings/$1" corpus="$out/corpus/$1"
  if [ ! -x "$exe" ]; then
    echo "fuzz: $exe is missing (cmake --preset fuzz && cmake --build --preset fuzz)" >&2
    return 1
  fi
  if [ ! -d "fuzz/corpus/$target" ]; then
    echo "fuzz: no seed corpus fuzz/corpus/$target" >&2
    return 1
  fi
  mkdir -p "$artifacts" "$corpus"
  local before after rc log="$out/$target.log" started="$out/$target.started"
  touch "$started"
  before=$(cpu_ticks_of_children)
  echo "fuzz: $target for ${seconds}s (log: $log)"
  local dict=()
  [ -f "fuzz/dict/$target.dict" ] && dict=(-dict="fuzz/dict/$target.dict")
  # -timeout is wall-clock time per input: 60 s, since on a machine shared
  # with builds an input of a few milliseconds has waited 14 s for a core.
  "$exe" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 \
    "${dict[@]}" -artifact_prefix="$artifacts/" "$corpus" "fuzz/corpus/$target" >"$log" 2>&1
  rc=$?
  after=$(cpu_ticks_of_children)
  grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$log" | tail -2 | sed 's/^/  /'
  printf '  cpu: %s s\n' "$(((after - before) / $(getconf CLK_TCK)))"
  if [ "$rc" -ne 0 ]; then
    echo "fuzz: $target FOUND A PROBLEM (exit $rc); the report:" >&2
    grep -E -A40 '^==[0-9]+==|runtime error:|^fuzz_[a-z_]+: ' "$log" | head -80 >&2
    local f
    while read -r f; do
      echo "fuzz: reproducer: $f   (replay: $exe $f)" >&2
    done < <(find "$artifacts" -type f -newer "$started")
    return 1
  fi
}

# User + system clock ticks of this shell's finished children (/proc).
cpu_ticks_of_children() {
  awk '{ print $16 + $17 }' "/proc/$$/stat"
}

failed=()
for t in "${targets[@]}"; do
  run_target "$t" || failed+=("$t")
done
if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no finding"
