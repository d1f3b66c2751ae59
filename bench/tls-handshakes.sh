#!/usr/bin/env bash
# tls-handshakes.sh: what a TLS handshake costs nginx. The project's nginx, once with its ECDSA
# P-256 keypair and once with an RSA-2048 keypair made here for the comparison: full handshakes
# per second (openssl s_time -new, TLS 1.3) and the CPU time the nginx container spent per
# connection (its cgroup's counter). A connection costs more than its handshake: TCP, the bridge,
# nginx's event loop. That part is measured on its own as a TLS 1.2 session-ID resumption (no
# signature, no key exchange) and taken off, which leaves the handshake's own cost. Then resumed
# TLS 1.3 handshakes from nginx's session cache.
set -euo pipefail

export BENCH=tls-handshakes
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

readonly RUN_SECONDS=${BENCH_TLS_SECONDS:-10}
readonly APP=${BENCH_PREFIX}tls-app ECDSA=${BENCH_PREFIX}nginx-ecdsa RSA=${BENCH_PREFIX}nginx-rsa
RSA_DIR=""

cleanup() {
  remove_bench_containers
  [[ -z $RSA_DIR ]] || rm -rf "$RSA_DIR"
}

make_rsa_keypair() {
  RSA_DIR=$(mktemp -d)
  chmod 755 "$RSA_DIR"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$RSA_DIR/rsa.key" -out "$RSA_DIR/rsa.crt" 2>/dev/null
  # Read by nginx's uid 101 in the container; the keypair is thrown away with the directory.
  chmod 644 "$RSA_DIR/rsa.key" "$RSA_DIR/rsa.crt"
}

# bench_openssl SECONDS ARGS...: openssl in a container on the bench network, where each nginx
# answers to its container's name (never this machine to a container's address, which it may
# not route), ended after SECONDS.
bench_openssl() {
  tool_on "$BENCH_NETWORK" timeout "$1" openssl "${@:2}"
}

# The server's signature algorithm as the client saw it ("ECDSA", "RSA-PSS") at CONTAINER.
peer_signature_type() {
  bench_openssl 10 s_client -connect "$1:443" -servername localhost </dev/null 2>/dev/null |
    sed -n 's/^Peer signature type: //p'
}

# s_time_run CONTAINER S_TIME-OPTIONS...: one timed run (-new: full handshakes; -reuse: a first
# full handshake, then resumptions). Sets CONNECTIONS, RESUMED, WALL_MS, SERVER_CPU_NS.
s_time_run() {
  local container=$1 cpu_before output
  shift
  cpu_before=$(container_cpu_ns "$container")
  # The wall time is taken in s_time's container, around s_time alone: not the container's start.
  # shellcheck disable=SC2016 # runs in the container
  output=$(tool_on "$BENCH_NETWORK" timeout $((RUN_SECONDS + 30)) bash -c 'started=$(date +%s%3N)
      openssl s_time "$@" || exit
      echo "wall $(($(date +%s%3N) - started)) ms"' _ -connect "$container:443" "$@" -time "$RUN_SECONDS" 2>&1) ||
    die "openssl s_time $* against $container failed: $(tail -n 3 <<<"$output")"
  WALL_MS=$(sed -n 's/^wall \([0-9]*\) ms$/\1/p' <<<"$output")
  [[ -n $WALL_MS ]] || die "no wall time for s_time against $container: $(tail -n 3 <<<"$output")"
  SERVER_CPU_NS=$(($(container_cpu_ns "$container") - cpu_before))
  CONNECTIONS=$(sed -n 's/^\([0-9]*\) connections in [0-9.]*s;.*/\1/p' <<<"$output" | tail -n 1)
  [[ -n $CONNECTIONS && $CONNECTIONS -gt 0 ]] || die "no connections counted by s_time against $container"
  # One character per connection: "r" resumed, "*" full.
  RESUMED=$(grep -E '^[*r]+$' <<<"$output" | tr -cd r | wc -c)
}

# connection_cost CONTAINER: nginx CPU µs per connection with a TLS 1.2 session-ID resumption.
connection_cost() {
  s_time_run "$1" -reuse -tls1_2
  ((RESUMED >= CONNECTIONS - 1)) || die "TLS 1.2 resumption failed on $1: $RESUMED of $CONNECTIONS"
  us_each "$SERVER_CPU_NS" "$CONNECTIONS"
}

per_second() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n * 1000 / ms }'; }
us_each() { awk -v ns="$1" -v n="$2" 'BEGIN { printf "%.0f", ns / n / 1000 }'; }

# resumes_with CONTAINER PROTOCOL_OPTION: a session saved from one connection resumes on the next.
resumes_with() {
  local container=$1 option=$2 session
  session=$(mktemp)
  printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    bench_openssl 10 s_client -connect "$container:443" -servername localhost "$option" \
      -sess_out "$session" -quiet >/dev/null 2>&1 || true
  printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    bench_openssl 10 s_client -connect "$container:443" -servername localhost "$option" \
      -sess_in "$session" 2>/dev/null | grep -q '^Reused,'
  local reused=$?
  rm -f "$session"
  return "$reused"
}

main() {
  local ecdsa_rate ecdsa_us rsa_rate rsa_us ratio resumed_rate resumed_us tls13 tls12
  local ecdsa_base rsa_base ecdsa_own rsa_own own_ratio
  trap cleanup EXIT
  remove_bench_containers
  make_rsa_keypair
  # The app first, so that nginx's first requests find it (nginx resolves it again every 5 s).
  start_bench_app "$APP"
  start_bench_nginx "$ECDSA" "$EDGE_CA" "$EDGE_KEY" "$EDGE_IMAGE"
  start_bench_nginx "$RSA" "$RSA_DIR/rsa.crt" "$RSA_DIR/rsa.key" "$EDGE_IMAGE"
  build_tools_image || die "the tests' tools image $TOOLS_IMAGE could not be built"
  wait_until 30 0.2 peer_signature_type "$ECDSA" || die "nginx (ECDSA) did not answer TLS"
  wait_until 30 0.2 peer_signature_type "$RSA" || die "nginx (RSA) did not answer TLS"
  detail "TLS: signature types seen: $(peer_signature_type "$ECDSA") (project keypair), $(peer_signature_type "$RSA") (RSA-2048)"

  # One run each first, so that neither side pays for cold caches.
  s_time_run "$ECDSA" -new
  s_time_run "$RSA" -new

  s_time_run "$ECDSA" -new
  ecdsa_rate=$(per_second "$CONNECTIONS" "$WALL_MS")
  ecdsa_us=$(us_each "$SERVER_CPU_NS" "$CONNECTIONS")
  detail "TLS full, ECDSA: $CONNECTIONS handshakes in $WALL_MS ms, nginx CPU $((SERVER_CPU_NS / 1000000)) ms"
  s_time_run "$RSA" -new
  rsa_rate=$(per_second "$CONNECTIONS" "$WALL_MS")
  rsa_us=$(us_each "$SERVER_CPU_NS" "$CONNECTIONS")
  detail "TLS full, RSA-2048: $CONNECTIONS handshakes in $WALL_MS ms, nginx CPU $((SERVER_CPU_NS / 1000000)) ms"
  ratio=$(awk -v e="$ecdsa_us" -v r="$rsa_us" 'BEGIN { printf "%.2f", e / r }')

  ecdsa_base=$(connection_cost "$ECDSA")
  rsa_base=$(connection_cost "$RSA")
  detail "TLS: nginx CPU per TLS 1.2 resumed connection (the connection's own cost): ECDSA side $ecdsa_base µs, RSA side $rsa_base µs"
  ecdsa_own=$((ecdsa_us - ecdsa_base))
  rsa_own=$((rsa_us - rsa_base))
  own_ratio=$(awk -v e="$ecdsa_own" -v r="$rsa_own" 'BEGIN { printf "%.2f", e / r }')

  s_time_run "$ECDSA" -reuse -www /
  resumed_rate=$(per_second "$CONNECTIONS" "$WALL_MS")
  resumed_us=$(us_each "$SERVER_CPU_NS" "$CONNECTIONS")
  detail "TLS 1.3 resumed, ECDSA: $RESUMED of $CONNECTIONS connections resumed in $WALL_MS ms, nginx CPU $((SERVER_CPU_NS / 1000000)) ms (one GET each, so that the tickets arrive)"
  tls13=$(resumes_with "$ECDSA" -tls1_3 && echo resumed || echo "not resumed")
  tls12=$(resumes_with "$ECDSA" -tls1_2 && echo resumed || echo "not resumed")

  row "TLS full handshakes (TLS 1.3), ECDSA P-256, the project's keypair" \
    "$ecdsa_rate /s; nginx CPU $ecdsa_us µs each" "-" "-" "-"
  row "TLS full handshakes (TLS 1.3), RSA-2048, made for the bench" \
    "$rsa_rate /s; nginx CPU $rsa_us µs each" "-" "-" "-"
  row "TLS: nginx CPU per full handshake less the connection's own cost, ECDSA over RSA" \
    "$own_ratio ($ecdsa_own µs / $rsa_own µs)" "whole connection: $ratio" "≤ 0.33" "$(at_most "$own_ratio" 0.33 "")"
  row "TLS 1.3 resumed handshakes from the session cache (one GET each)" \
    "$resumed_rate /s; $RESUMED of $CONNECTIONS resumed; nginx CPU $resumed_us µs each; s_client: TLS 1.3 $tls13, TLS 1.2 $tls12" \
    "-" "resumption works" \
    "$([[ $RESUMED -ge $((CONNECTIONS - 1)) && $tls13 == resumed && $tls12 == resumed ]] && echo met || echo missed)"
}

main "$@"
