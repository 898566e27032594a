# Shell helpers shared by the benchmark scripts (sourced, not run).

# A loopback port nothing answers on. Another process may still take it
# before we bind; the callers retry.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# PID PORT [SECONDS]: until PORT accepts (0), or PID died / SECONDS (20)
# passed (1).
wait_port() {
  local i limit=$((${3:-20} * 20))
  for ((i = 0; i < limit; i++)); do
    kill -0 "$1" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

# PID: SIGTERM, then SIGKILL after 10 s.
stop_pid() {
  local i
  kill -TERM "$1" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# BIN_DIR N: [[members]] tables MEMBER1..N with passwords secret-1..N
# (PBKDF2 at the minimum iteration count: logons are not what is measured)
# and accounts ACC1..N, on stdout.
members_toml() {
  local i hash
  for ((i = 1; i <= $2; i++)); do
    hash=$(printf 'secret-%d\n' "$i" | "$1/matchgate-admin" hash-password --iterations 10000)
    printf '[[members]]\ncomp_id = "MEMBER%d"\npassword_hash = "%s"\naccounts = ["ACC%d"]\n\n' \
      "$i" "$hash" "$i"
  done
}
