#!/usr/bin/env bash
# load.sh: bounded load through nginx over TLS, after a warm-up: zero errors (socket errors and
# non-2xx answers), latency percentiles reported.
#
# Usage: load.sh [--full]
#   default  wrk, HTTP/1.1, 2 threads, 32 connections, 20 s
#   --full   wrk with 64 connections for 60 s, then h2load over HTTP/2, 30,000 requests
# wrk and h2load run from the tests' tools image (test/lib/tools.sh) on the host's network.
set -euo pipefail

export PART=load  # names this part in log, die and its markers
# shellcheck source=test/lib/edge.sh
source "$(dirname "$0")/../lib/edge.sh"

readonly H2LOAD_REQUESTS=30000

full=false
[[ ${1:-} != --full ]] || full=true

# wrk_run CONNECTIONS SECONDS: one wrk run against the edge, output on stdout.
wrk_run() {
  tool_within $(($2 + 30)) wrk --threads 2 --connections "$1" --duration "$2s" --timeout 5s --latency \
    "$(edge_url /)" 2>&1 || true
}

# A duration as milliseconds: wrk prints us, ms or s.
as_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.0f", v * 60000 }
    else { sub(/s$/, "", v); printf "%.2f", v * 1000 } }'
}

judge_wrk() {
  local output=$1 connections=$2 seconds=$3 requests rate socket_errors non2xx p50 p75 p90 p99
  requests=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' <<<"$output")
  rate=$(sed -n 's/^Requests\/sec: *//p' <<<"$output")
  socket_errors=$(sed -n 's/^ *Socket errors: //p' <<<"$output")
  non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: //p' <<<"$output")
  p50=$(as_ms "$(awk '$1 == "50%" {print $2}' <<<"$output")")
  p75=$(as_ms "$(awk '$1 == "75%" {print $2}' <<<"$output")")
  p90=$(as_ms "$(awk '$1 == "90%" {print $2}' <<<"$output")")
  p99=$(as_ms "$(awk '$1 == "99%" {print $2}' <<<"$output")")
  figure "wrk -t2 -c$connections -d${seconds}s --latency $(edge_url /): ${requests:-?} requests, ${rate:-?} req/s, p50 ${p50} ms, p75 ${p75} ms, p90 ${p90} ms, p99 ${p99} ms"
  check "wrk ${connections} connections ${seconds} s: requests served" holds "at least 1000" "${requests:-0}" \
    [ "${requests:-0}" -ge 1000 ]
  # wrk prints these lines only when there were any; with no requests counted it did not run.
  check "wrk ${connections} connections ${seconds} s: socket errors" equals "none" "${requests:+${socket_errors:-none}}"
  check "wrk ${connections} connections ${seconds} s: non-2xx answers" equals "0" "${requests:+${non2xx:-0}}"
}

# h2load never reconnects: each client's share (30,000 / 32, under 940) stays below the 1,000
# requests nginx serves on one connection (keepalive_requests) before it closes it with GOAWAY.
h2load_run() {
  local output requests succeeded failed_count codes
  output=$(tool_within 300 h2load --requests "$H2LOAD_REQUESTS" --clients 32 --max-concurrent-streams 4 \
    "$(edge_url /)" 2>&1 || true)
  requests=$(sed -n 's/^requests: \([0-9]*\) total.*/\1/p' <<<"$output")
  succeeded=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' <<<"$output")
  failed_count=$(sed -n 's/^requests: .* succeeded, \(.*\)$/\1/p' <<<"$output")
  codes=$(sed -n 's/^status codes: //p' <<<"$output")
  figure "h2load -n $H2LOAD_REQUESTS -c 32 -m 4 $(edge_url /) (HTTP/2): $(sed -n 's/^finished in //p' <<<"$output"); status codes: $codes; request time min/max/mean/sd: $(awk '/^time for request:/ {print $4, $5, $6, $7}' <<<"$output")"
  check "h2load HTTP/2: every request a 2xx" equals "$H2LOAD_REQUESTS of $H2LOAD_REQUESTS" \
    "${succeeded:-0} of ${requests:-0}"
  check "h2load HTTP/2: failures" equals "0 failed, 0 errored, 0 timeout" "${failed_count:-?}"
  check "h2load HTTP/2: status codes" equals "$H2LOAD_REQUESTS 2xx, 0 3xx, 0 4xx, 0 5xx" "$codes"
}

main() {
  require_stack
  # Warm-up: JIT, connection pools, TLS session cache. Not judged.
  wrk_run 8 5 >/dev/null
  if [[ $full == true ]]; then
    judge_wrk "$(wrk_run 64 60)" 64 60
    h2load_run
  else
    judge_wrk "$(wrk_run 32 20)" 32 20
  fi
  check "the stack still answers 200 after the load" equals 200 "$(edge_status "$(edge_url /)")"
  checks_summary "$PART"
}

main "$@"
