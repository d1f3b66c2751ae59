#!/usr/bin/env bash
# run-suite.sh: the security parts (test/security/) and the reliability parts
# (test/reliability/), against the running stack.
#
# Usage: test/run-suite.sh [--full]
#   (default)  the CI-sized subset, about 4 minutes on 2 cores:
#              hardening.sh      containers and images: non-root, read-only, no capabilities,
#                                no host namespaces or Docker socket, no secrets in layers, no
#                                build tools (limits and the closed app port: validate.sh)
#              tls.sh            testssl.sh findings, its grade and the hybrid group,
#                                SSLv2/3, ciphers, groups, refusals, Server header
#              http3.sh          QUIC on 443/udp: the app's answer, 421, forged headers, a run
#                                of requests on one connection (Alt-Svc: validate.sh)
#              hostile-input.sh  oversized, malformed, smuggling, forged and cross-protocol
#                                requests: exact statuses, none reaches the app, no 5xx
#              rate-limits.sh    an nginx at the image's per-address rate: a flood from one
#                                client container gets 429 past its burst, a second container's
#                                address is served meanwhile
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
# print as `Figure: ...`. Each part ends with `PART: N passed, M failed` and appends the same
# counts to the results file; the suite adds those up (a part that wrote none counts as one
# failure) and ends with `suite: N passed, M failed` (recorded too, for a runner above it); the
# exit status is non-zero on any failure. Needs docker, curl and openssl: testssl.sh, jq, wrk,
# h2load and slowhttptest run from the tests' tools image (test/lib/tools.sh). Traffic goes only
# to 127.0.0.1 / localhost and the stack's own container networks.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO_ROOT=$(pwd)
readonly REPO_ROOT
# shellcheck source=test/lib/checks.sh
source test/lib/checks.sh

PART_TIMEOUT=900   # seconds: no part may run longer (run_part)

full=false
case ${1:-} in
  --full) full=true ;;
  "") ;;
  -h | --help) awk 'NR > 1 && /^set /{exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "run-suite.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
esac

SUITE_RUN_ID=$(date +%s)$RANDOM
export SUITE_RUN_ID
main() {
  local started=$SECONDS load_args=() faults_args=()
  if [[ $full == true ]]; then
    load_args=(--full)
    faults_args=(--full)
  fi
  run_part "$REPO_ROOT/test/security/hardening.sh"
  run_part "$REPO_ROOT/test/security/tls.sh"
  run_part "$REPO_ROOT/test/security/http3.sh"
  run_part "$REPO_ROOT/test/security/hostile-input.sh"
  run_part "$REPO_ROOT/test/security/rate-limits.sh"
  run_part "$REPO_ROOT/test/reliability/load.sh" "${load_args[@]}"
  [[ $full == false ]] || run_part "$REPO_ROOT/test/reliability/slow-clients.sh"
  run_part "$REPO_ROOT/test/reliability/faults.sh" "${faults_args[@]}"
  run_part "$REPO_ROOT/test/reliability/app-moves.sh"
  figure "the suite ($([[ $full == true ]] && echo --full || echo CI subset)) took $((SECONDS - started)) s"
  checks_summary suite
}

main
