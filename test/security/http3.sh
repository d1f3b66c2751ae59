#!/usr/bin/env bash
# http3.sh: the edge over HTTP/3 (QUIC on 443/udp, through the published port): 421 for a host
# it does not serve, a run of requests one after the other on one connection, and a run of
# parallel streams (curl: Debian 13's h2load is built without QUIC), with one request's timings.
# The app's answer over HTTP/3, the UDP peer as the client and forged forwarding headers
# replaced, and Alt-Svc on HTTPS answers only, are validate.sh's (test/lib/properties.sh,
# edge_checks), which the production chain runs too.
# The client is edge_h3 (test/lib/edge.sh): this machine's curl if it speaks
# HTTP/3 on ngtcp2, else the tests' tools image's (test/lib/tools.sh) on the host's network.
# Run alone or from run-suite.sh, against the running stack.
set -euo pipefail

export PART=http3  # names this part in log, die and its markers
# shellcheck source=test/lib/edge.sh
source "$(dirname "$0")/../lib/edge.sh"

readonly RUN_REQUESTS=200       # requests one after the other on one QUIC connection
readonly PARALLEL_REQUESTS=1000  # requests as parallel streams ...
readonly PARALLEL_STREAMS=32     # ... at most this many at once
readonly RUN_TIMEOUT=60          # seconds for each run as a whole

# Another name (its own SNI and :authority), and a known SNI with another :authority.
unknown_host_refused() {
  check "HTTP/3: an unknown host name gets 421" equals 421 \
    "$(EDGE_HOST=unknown.example edge_h3 --insecure --output /dev/null --write-out '%{http_code}' \
      "$(EDGE_HOST=unknown.example edge_url /)" 2>/dev/null || true)"
  check "HTTP/3: a known TLS name with another Host gets 421" equals 421 \
    "$(edge_h3 -H 'Host: unknown.example' --output /dev/null --write-out '%{http_code}' "$(edge_url /)" 2>/dev/null || true)"
}

figures() {
  local urls=() i answers ok single
  single=$(edge_h3 --output /dev/null --write-out '%{http_code} %{http_version}: QUIC and TLS handshake %{time_appconnect}, first byte %{time_starttransfer}, total %{time_total}' "$(edge_url /)" 2>/dev/null || true)
  figure "one HTTP/3 request (s): $single"
  if [[ $single != "200 3:"* ]]; then
    fail_unjudged "no first request answered 200 over HTTP/3 before the runs, got '${single%%:*}'" \
      "HTTP/3: $RUN_REQUESTS requests on one connection" "HTTP/3: $PARALLEL_REQUESTS requests as parallel streams"
    return
  fi
  for ((i = 1; i <= RUN_REQUESTS; i++)); do
    urls+=("$(edge_url "/?run=$i")")
  done
  i=$SECONDS
  # One connection, bounded as a whole.
  answers=$(edge_h3_within "$RUN_TIMEOUT" --output /dev/null --write-out '%{http_code} %{http_version}\n' "${urls[@]}" 2>/dev/null || true)
  ok=$(grep -c '^200 3$' <<<"$answers" || true)
  check "HTTP/3: $RUN_REQUESTS requests on one connection, all 200 over HTTP/3" equals "$RUN_REQUESTS" "$ok"
  figure "HTTP/3 run: $RUN_REQUESTS requests on one connection in about $((SECONDS - i)) s, $((RUN_REQUESTS - ok)) errors"
  i=$SECONDS
  answers=$(edge_h3_within "$RUN_TIMEOUT" --parallel --parallel-max "$PARALLEL_STREAMS" --output /dev/null --write-out '%{http_code} %{http_version}\n' \
    "$(edge_url "/?parallel=[1-$PARALLEL_REQUESTS]")" 2>/dev/null || true)
  ok=$(grep -c '^200 3$' <<<"$answers" || true)
  check "HTTP/3: $PARALLEL_REQUESTS requests, $PARALLEL_STREAMS streams at once, all 200 over HTTP/3" equals \
    "$PARALLEL_REQUESTS" "$ok"
  figure "HTTP/3 parallel run: $PARALLEL_REQUESTS requests, $PARALLEL_STREAMS at once, in about $((SECONDS - i)) s, $((PARALLEL_REQUESTS - ok)) errors"
}

main() {
  require_stack
  unknown_host_refused
  figures
  checks_summary "$PART"
}

main "$@"
