#!/usr/bin/env bash
# The container's entrypoint and config edits (docker/entrypoint.sh,
# docker/make-config.sh), run in a plain directory tree with this build's
# programs: no container engine is needed (or available to CI). Checks that
# a start without a signing key explains itself and stops (exit 78), that
# keygen creates the key once (mode 0600) and refuses to replace it, that
# serve then starts a daemon a FIX member logs on to and trades with, that
# health probes the
# running daemon (and fails when none runs), and that the log verifies.
#   entrypoint_test.sh REPO_DIR BIN_DIR
set -euo pipefail
repo=$1
bin=$(cd "$2" && pwd)
# shellcheck source=../../bench/lib.sh
source "$repo/bench/lib.sh"
work=$(mktemp -d /tmp/matchgate-entrypoint-XXXXXX)
daemon=
cleanup() {
  if [[ -n $daemon ]]; then stop_pid "$daemon"; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

home=$work/state
mkdir -p "$home"
sh "$repo/docker/make-config.sh" "$repo/config/matchgate.toml" "$work/image.toml" "$home"
for line in 'listen = "0.0.0.0:9878"' "dir = \"$home/wal\"" "sign_key = \"$home/keys/wal-sign-key.pem\"" \
  "socket = \"$home/admin.sock\""; do
  grep -qxF "$line" "$work/image.toml" || fail "make-config.sh did not set: $line"
done
# The test listens on loopback only, on a free port.
port=$(free_port)
sed "s|^listen = \"0.0.0.0:9878\"|listen = \"127.0.0.1:$port\"|" "$work/image.toml" >"$work/test.toml"
export MATCHGATE_HOME=$home MATCHGATE_CONFIG=$work/test.toml MATCHGATE_BIN=$bin
entry=$repo/docker/entrypoint.sh

# 1. No key: a clear explanation, exit 78, nothing started.
set +e
out=$(sh "$entry" serve 2>&1)
status=$?
set -e
[[ $status == 78 ]] || fail "serve without a key exited $status, expected 78: $out"
[[ $out == *"no signing key at $home/keys/wal-sign-key.pem"* ]] || fail "no explanation: $out"
[[ $out == *"keygen"* ]] || fail "the explanation does not say how to make a key: $out"
[[ ! -e $home/wal ]] || fail "serve without a key created the log directory"

# 2. keygen: once, mode 0600; a second keygen refuses to replace it.
out=$(sh "$entry" keygen 2>&1) || fail "keygen failed: $out"
[[ $(stat -c %a "$home/keys/wal-sign-key.pem") == 600 ]] || fail "key mode $(stat -c %a "$home/keys/wal-sign-key.pem")"
[[ $out == *"BEGIN PUBLIC KEY"* ]] || fail "keygen did not print the public key: $out"
before=$(sha256sum "$home/keys/wal-sign-key.pem")
if out=$(sh "$entry" keygen 2>&1); then fail "a second keygen succeeded: $out"; fi
[[ $out == *"not replaced"* ]] || fail "a second keygen did not say why: $out"
[[ $(sha256sum "$home/keys/wal-sign-key.pem") == "$before" ]] || fail "the key changed"

# 3. health with no daemon fails; serve starts one; health answers pong.
if sh "$entry" health >/dev/null 2>&1; then fail "health passed with no daemon running"; fi
sh "$entry" serve >"$work/daemon.out" 2>&1 &
daemon=$!
wait_port "$daemon" "$port" 60 || fail "serve did not start a daemon: $(cat "$work/daemon.out")"
for ((i = 0; i < 100; i++)); do [[ -S $home/admin.sock ]] && break; sleep 0.05; done
out=$(sh "$entry" health 2>&1) || fail "health failed against the running daemon: $out"
[[ $out == pong ]] || fail "health said: $out"
# A FIX member logs on with the demo config's login and trades.
out=$("$bin/matchgate-load" --port "$port" --member MEMBER1:demo-pass-1 --closed-loop --inflight 1 \
  --warmup 0 --duration 0.5 2>&1) || fail "a FIX member could not log on and trade: $out"

# 4. A clean stop, then the log verifies with the public key keygen made.
stop_pid "$daemon"
wait "$daemon" 2>/dev/null && status=0 || status=$?
daemon=
[[ $status == 0 ]] || fail "the daemon exited $status: $(tail -5 "$work/daemon.out")"
out=$(sh "$entry" "$bin/matchgate-wal" verify --dir "$home/wal" --pubkey "$home/keys/wal-sign-key.pub.pem" 2>&1) ||
  fail "the log does not verify: $out"
echo "entrypoint: all checks passed"
