#!/bin/sh
# The container's config from the demo config: make-config.sh IN OUT [HOME]
# (HOME: the daemon's state directory, /var/lib/matchgate in the image).
# Four edits, each checked: listen on all interfaces inside the container,
# the log, the signing key and the admin socket under HOME. Fails, naming
# the edit, if the demo config changed shape so that one no longer applies.
set -eu
in=$1
out=$2
home=${3:-/var/lib/matchgate}
sed -E \
  -e '/^\[gateway\]/,/^\[/ s|^listen = "[^"]*"|listen = "0.0.0.0:9878"|' \
  -e "/^\\[wal\\]/,/^\\[/ s|^dir = \"[^\"]*\"|dir = \"$home/wal\"|" \
  -e "/^\\[wal\\]/,/^\\[/ s|^sign_key = \"[^\"]*\"|sign_key = \"$home/keys/wal-sign-key.pem\"|" \
  -e "/^\\[admin\\]/,/^\\[/ s|^socket = \"[^\"]*\"|socket = \"$home/admin.sock\"|" \
  "$in" >"$out"
for line in 'listen = "0.0.0.0:9878"' "dir = \"$home/wal\"" \
  "sign_key = \"$home/keys/wal-sign-key.pem\"" "socket = \"$home/admin.sock\""; do
  grep -qxF "$line" "$out" || { echo "make-config.sh: could not set $line in $out" >&2; exit 1; }
done
