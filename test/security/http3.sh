#!/usr/bin/env bash
# http3.sh: the edge over HTTP/3 (QUIC on 443/udp, through the published port), held to what
# HTTP/1.1 and HTTP/2 get: the app's answer with X-Forwarded-Proto https and the UDP peer as the
# client, 421 for a host it does not serve, forged forwarding headers replaced (Alt-Svc on HTTPS
# answers only is validate.sh's); figures: one request's timings, a run of requests one after
# the other on one connection, and a run of parallel streams (curl: Debian 13's h2load is built
# without QUIC).
# The client is edge_h3 (test/lib/edge.sh): this machine's curl if it speaks
# HTTP/3 on ngtcp2, else curl from Debian 13's backports in a container on the host's network.
# Run alone or from run-suite.sh, against the running stack.
set -euo pipefail

export PART=http3  # names this part in log, die and its markers
# shellcheck source=test/lib/edge.sh
source "$(dirname "$0")/../lib/edge.sh"

readonly FORGED=203.0.113.66
readonly RUN_REQUESTS=200       # requests one after the other on one QUIC connection
readonly PARALLEL_REQUESTS=1000  # requests as parallel streams ...
readonly PARALLEL_STREAMS=32     # ... at most this many at once
readonly RUN_TIMEOUT=60          # seconds for each run as a whole

serves_the_app() {
  local answer page
  new_marker
  answer=$(edge_h3 --write-out '\n%{http_code} %{http_version}' "$(edge_url "/?$MARKER")" 2>/dev/null || true)
  page=$(sed '$d' <<<"$answer")
  # Status, version, the quote and X-Forwarded-Proto: validate.sh's http3_serves_the_app.
  wait_until 10 0.5 logged "$NGINX" "$MARKER" "$LOG_SINCE" stdout || true
  check "HTTP/3: X-Forwarded-For is the UDP peer nginx saw" equals "X-Forwarded-For: $(edge_record_field "$MARKER" client)" \
    "$(grep '^X-Forwarded-For' <<<"$page")"
}


# Another name (its own SNI and :authority), and a known SNI with another :authority.
unknown_host_refused() {
  check "HTTP/3: an unknown host name gets 421" equals 421 \
    "$(EDGE_HOST=unknown.example edge_h3 --insecure --output /dev/null --write-out '%{http_code}' \
      "$(EDGE_HOST=unknown.example edge_url /)" 2>/dev/null || true)"
  check "HTTP/3: a known TLS name with another Host gets 421" equals 421 \
    "$(edge_h3 -H 'Host: unknown.example' --output /dev/null --write-out '%{http_code}' "$(edge_url /)" 2>/dev/null || true)"
}

forged_headers_replaced() {
  local page
  new_marker
  page=$(edge_h3 -H "X-Forwarded-For: $FORGED" -H "X-Real-IP: $FORGED" -H 'X-Forwarded-Proto: gopher' \
    -H "Forwarded: for=$FORGED;proto=http" "$(edge_url "/?$MARKER")" 2>/dev/null || true)
  check "HTTP/3: the client's forwarding headers do not reach the app's answer" equals "" \
    "$(grep -e "$FORGED" -e gopher <<<"$page" || true)"
  wait_until 10 0.5 logged "$APP" "$MARKER" "$LOG_SINCE" records || true
  check "HTTP/3: Liberty resolved the client from nginx's headers, not the forged ones" equals "" \
    "$(log_lines "$APP" "$LOG_SINCE" records | grep -F "$MARKER" | grep -F "$FORGED" || true)"
  check "HTTP/3: the forged request reached the app's log" holds "one entry" \
    "$(log_lines "$APP" "$LOG_SINCE" records | grep -cF "$MARKER" || true) entries" logged "$APP" "$MARKER" "$LOG_SINCE" records
}

figures() {
  local urls=() i answers ok single
  single=$(edge_h3 --output /dev/null --write-out '%{http_code} %{http_version}: QUIC and TLS handshake %{time_appconnect}, first byte %{time_starttransfer}, total %{time_total}' "$(edge_url /)" 2>/dev/null || true)
  figure "one HTTP/3 request (s): $single"
  if [[ $single != "200 3:"* ]]; then
    fail "HTTP/3 run: expected a first request answered 200 over HTTP/3 before the run, got '${single%%:*}'"
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
  serves_the_app
  unknown_host_refused
  forged_headers_replaced
  figures
  checks_summary "$PART"
}

main "$@"
