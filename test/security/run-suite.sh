#!/usr/bin/env bash
# run-suite.sh: the security and reliability suite, against the running stack.
#
# Usage: test/security/run-suite.sh [--full]
#   (default)  the CI-sized subset, about 4 minutes on 2 cores:
#              hardening.sh      containers and images: non-root, read-only, no capabilities,
#                                limits, no secrets in layers, no build tools, app port closed
#              tls.sh            testssl.sh findings (and from 3.2 on its grade and the hybrid
#                                group), protocols, ciphers, groups, HSTS, ALPN, 301
#              http3.sh          QUIC on 443/udp: the app's answer, 421, forged headers,
#                                Alt-Svc on HTTPS only, a run of requests on one connection
#              hostile-input.sh  oversized, malformed, smuggling, forged and cross-protocol
#                                requests: exact statuses, none reaches the app, no 5xx
#              load.sh           wrk over TLS, 32 connections, 20 s: zero errors, percentiles
#              faults.sh         app stopped and crashed under traffic, nginx restarted and
#                                crashed, broken configurations: fast 503s, recovery times
#              app-moves.sh      the app back at a new address (stopped, its address taken;
#                                recreated): nginx follows it without a restart
#   --full     everything, about 8 minutes more: load.sh --full (wrk 64 connections 60 s and
#              h2load over HTTP/2), slow-clients.sh (slowloris with slowhttptest, 300
#              connections, 45 s), faults.sh --full (also `docker kill app`)
#
# The stack must be up first: ./validate.sh -s -k, or docker-compose up -d. The suite leaves it
# up and serving. Every check prints `Pass: ...` or `Fail: ... expected X, got Y`; measurements
# print as `Figure: ...`. The last line is `security: N passed, M failed`; the exit status is
# non-zero on any failure. Needs docker, curl, openssl, jq, testssl.sh, wrk, and for --full
# h2load (nghttp2-client) and slowhttptest. Traffic goes only to 127.0.0.1 / localhost and the
# stack's own container networks.
set -euo pipefail

cd "$(dirname "$0")"

readonly PART_TIMEOUT=900   # seconds: no part may run longer

full=false
case ${1:-} in
  --full) full=true ;;
  "") ;;
  -h | --help) awk 'NR > 1 && /^set /{exit} NR > 1' "$(basename "$0")" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "run-suite.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
esac

SECURITY_RUN_ID=$(date +%s)$RANDOM
export SECURITY_RUN_ID

passed=0
failed=0
output=$(mktemp)
trap 'rm -f "$output"' EXIT

run_part() {
  local part=$1 started rc=0 part_passed part_failed
  shift
  echo "== $part $*"
  started=$SECONDS
  timeout "$PART_TIMEOUT" bash "./$part" "$@" 2>&1 | tee "$output" || rc=${PIPESTATUS[0]}
  part_passed=$(grep -c '^Pass: ' "$output" || true)
  part_failed=$(grep -c '^Fail: ' "$output" || true)
  if ((rc != 0 && part_failed == 0)); then
    echo "Fail: $part finished: expected exit status 0, got $rc (2: stack not running or a tool missing; 124: over ${PART_TIMEOUT} s)"
    part_failed=1
  fi
  passed=$((passed + part_passed))
  failed=$((failed + part_failed))
  echo "Figure: $part took $((SECONDS - started)) s"
}

main() {
  local started=$SECONDS load_args=() faults_args=()
  if [[ $full == true ]]; then
    load_args=(--full)
    faults_args=(--full)
  fi
  run_part hardening.sh
  run_part tls.sh
  run_part http3.sh
  run_part hostile-input.sh
  run_part load.sh "${load_args[@]}"
  [[ $full == false ]] || run_part slow-clients.sh
  run_part faults.sh "${faults_args[@]}"
  run_part app-moves.sh
  echo "Figure: the suite ($([[ $full == true ]] && echo --full || echo CI subset)) took $((SECONDS - started)) s"
  echo "security: $passed passed, $failed failed"
  ((failed == 0))
}

main
