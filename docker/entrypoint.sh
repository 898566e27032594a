#!/bin/sh
# The image's entrypoint (docker/README.md):
#   serve  (default) start matchgated, after checking that the log's signing
#          key is there; explains what is missing instead of crash-looping
#   keygen create the signing key pair in the state volume (once)
#   health probe the running daemon through its admin socket (healthcheck)
#   anything else: run it (e.g. matchgate-wal verify --dir ... --pubkey ...)
# MATCHGATE_HOME, MATCHGATE_CONFIG and MATCHGATE_BIN override the image's
# paths (tests run this script in a plain directory tree).
set -eu
home=${MATCHGATE_HOME:-/var/lib/matchgate}
config=${MATCHGATE_CONFIG:-/etc/matchgate/matchgate.toml}
bin=${MATCHGATE_BIN:-/usr/local/bin}
key=$home/keys/wal-sign-key.pem
pub=$home/keys/wal-sign-key.pub.pem

missing_key() {
  cat >&2 <<MSG
matchgate: no signing key at $key.
The write-ahead log is sealed with an SM2 private key that must exist before
the daemon starts, readable by the daemon's user only (mode 0600). Either
create one in the state volume, once:
    docker compose run --rm matchgated keygen
(prints the public key; keep a copy to verify the log), or mount your own
key there (a file owned by uid $(id -u), mode 0600). Then start again.
MSG
  exit 78  # EX_CONFIG
}

case "${1:-serve}" in
  serve)
    [ -f "$key" ] || missing_key
    exec "$bin/matchgated" --config "$config"
    ;;
  keygen)
    if [ -e "$key" ]; then
      echo "matchgate: $key exists; not replaced (a log sealed with it needs it)" >&2
      exit 1
    fi
    mkdir -p "$home/keys"
    chmod 0700 "$home/keys"
    "$bin/matchgate-wal" keygen --private "$key" --public "$pub"
    echo "matchgate: created $key (mode 0600) and $pub; the public key, to verify the log:"
    cat "$pub"
    ;;
  health)
    exec "$bin/matchgate-admin" ping --socket "$home/admin.sock"
    ;;
  *)
    exec "$@"
    ;;
esac
