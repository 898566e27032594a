#!/usr/bin/env bash
# Installs the Debian 12 packages matchgate needs to build, test and run.
# The one list of build dependencies lives here (the Dockerfile runs this
# script too).
#
#   scripts/install-deps.sh                 check the full list, install what is missing
#   scripts/install-deps.sh --only PKG...   check and install just these packages
#   scripts/install-deps.sh --list          print the full list and exit
#
# Missing packages are installed with apt-get: directly when root, through sudo
# otherwise; with neither, the exact command is printed and the script exits 1.
# Environment:
#   MATCHGATE_EXTRA_PACKAGES  more package names (space-separated) to require;
#                             also how the "missing package" path is tested.
set -euo pipefail

PACKAGES=(
  build-essential
  clang
  libclang-rt-14-dev
  clang-tidy
  cmake
  ninja-build
  pkg-config
  libboost-dev
  liburing-dev
  libspdlog-dev
  libfmt-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  libssl-dev
  libnuma-dev
  libtomlplusplus-dev
  libcli11-dev
  libhiredis-dev
  libpq-dev
  postgresql
  tzdata
  libquickfix-dev
  redis-server
  openssl
  nodejs
  npm
)

say() { printf 'install-deps: %s\n' "$*" >&2; }

case "${1:-}" in
  --list)
    printf '%s\n' "${PACKAGES[@]}"
    exit 0
    ;;
  --only)
    shift
    if [ "$#" -eq 0 ]; then
      say "--only needs at least one package name"
      exit 2
    fi
    PACKAGES=("$@")
    ;;
  "") ;;
  *)
    say "unknown argument '$1' (use --list or --only PKG...)"
    exit 2
    ;;
esac

if [ -n "${MATCHGATE_EXTRA_PACKAGES:-}" ]; then
  read -r -a extra <<<"${MATCHGATE_EXTRA_PACKAGES}"
  PACKAGES+=("${extra[@]}")
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  say "dpkg-query not found: this script supports Debian 12 (bookworm) only"
  say "needed packages: ${PACKAGES[*]}"
  exit 1
fi

# Prints the names that installed packages provide (Debian virtual
# packages), one per line. A provided name counts as present: e.g. a Node.js
# package built by NodeSource bundles npm, provides and conflicts with npm,
# and asking apt-get for Debian's npm beside it fails.
provided_names() {
  dpkg-query -W -f='${db:Status-Status}\t${Provides}\n' 2>/dev/null |
    awk -F'\t' '$1 == "installed" && $2 != "" { print $2 }' |
    tr ',' '\n' | sed -E 's/\(.*\)//; s/:[a-z0-9]+//; s/^ +//; s/ +$//'
}

# Prints the packages of "$@" that are neither installed nor provided by an
# installed package.
missing_packages() {
  local pkg status
  local -A provided=()
  while read -r pkg; do
    [ -n "$pkg" ] && provided["$pkg"]=1
  done < <(provided_names)
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != "installed" ] && [ -z "${provided[$pkg]:-}" ]; then
      printf '%s\n' "$pkg"
    fi
  done
}

mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
if [ "${#missing[@]}" -eq 0 ]; then
  say "all ${#PACKAGES[@]} packages present"
  exit 0
fi

say "missing: ${missing[*]}"
install_cmd=(apt-get install -y --no-install-recommends "${missing[@]}")

if [ "$(id -u)" -eq 0 ]; then
  runner=(env DEBIAN_FRONTEND=noninteractive)
elif command -v sudo >/dev/null 2>&1; then
  runner=(sudo DEBIAN_FRONTEND=noninteractive)
else
  say "not root and no sudo: run as root, then retry:"
  printf '  apt-get update && %s\n' "${install_cmd[*]}" >&2
  exit 1
fi

say "running: ${runner[*]} apt-get update"
if ! "${runner[@]}" apt-get update; then
  say "apt-get update failed; as root, run:"
  printf '  apt-get update && %s\n' "${install_cmd[*]}" >&2
  exit 1
fi
say "running: ${runner[*]} ${install_cmd[*]}"
if ! "${runner[@]}" "${install_cmd[@]}"; then
  say "apt-get install failed; as root, run:"
  printf '  apt-get update && %s\n' "${install_cmd[*]}" >&2
  exit 1
fi

mapfile -t still < <(missing_packages "${PACKAGES[@]}")
if [ "${#still[@]}" -ne 0 ]; then
  say "still missing after apt-get install: ${still[*]}"
  exit 1
fi
say "installed: ${missing[*]}"
