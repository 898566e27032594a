#!/usr/bin/env bash
# tidy.sh [DIR_OR_FILE...]
# Runs clang-tidy with the committed .clang-tidy over every file of the
# release build's compile_commands.json under DIR... or named (paths
# relative to the repository; default: src tools),
# TIDY_JOBS files at once (default: nproc). Any finding is an error: exits 1
# and prints each file's findings, unmixed with the other files'. Needs the
# release preset configured and built (the FIX tables it generates are
# included by src/fix).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
db="$root/build/compile_commands.json"
jobs=${TIDY_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$#" -eq 0 ] && set -- src tools

say() { printf 'tidy: %s\n' "$*" >&2; }

# Debian 12's clang-tidy package provides clang-tidy (a link) and clang-tidy-14.
tidy_bin=$(command -v clang-tidy || command -v clang-tidy-14 || true)
if [ -z "$tidy_bin" ]; then
  say "clang-tidy not found (scripts/install-deps.sh --only clang-tidy)"
  exit 1
fi
if [ ! -f "$db" ]; then
  say "$db missing: run cmake --preset release && cmake --build --preset release first"
  exit 1
fi

# CMake writes one "file" line per entry.
all=$(sed -n 's/^  "file": "\(.*\)",\{0,1\}$/\1/p' "$db")
mapfile -t files < <(
  for path in "$@"; do
    grep -Fx "$root/${path%/}" <<<"$all"
    grep -F "$root/${path%/}/" <<<"$all"
  done | sort -u)
if [ "${#files[@]}" -eq 0 ]; then
  say "no files of $db under: $*"
  exit 1
fi

# One file: its findings are printed in one piece; "N warnings generated."
# (counts of what the header filter hid) is dropped.
tidy_one() {
  local out rc
  # The build is GCC's: clang does not know its -Wno-restrict and
  # -Wno-stringop-overflow, and under CI's -Werror that would be an error.
  out=$("$tidy_bin" -p "$root/build" --quiet --warnings-as-errors='*' \
    --extra-arg=-Wno-unknown-warning-option "$1" 2>&1)
  rc=$?
  out=$(grep -v '^[0-9]* warnings\{0,1\} generated\.$' <<<"$out")
  [ -n "$out" ] && printf '%s\n' "$out"
  return "$rc"
}
export -f tidy_one
export tidy_bin root

say "$("$tidy_bin" --version | grep -m1 -o 'version [0-9.]*'), ${#files[@]} files under $*, $jobs at once"
if printf '%s\0' "${files[@]}" | xargs -0 -n 1 -P "$jobs" bash -c 'tidy_one "$1"' _; then
  say "no findings"
else
  say "findings above (or clang-tidy failed): fix them, or see .clang-tidy on turning a check off"
  exit 1
fi
