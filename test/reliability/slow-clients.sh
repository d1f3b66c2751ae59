#!/usr/bin/env bash
# slow-clients.sh: a slowloris attack (slowhttptest, slow headers) against the edge must not
# starve normal clients. Bounded: 300 connections, 45 s. Normal clients' latency is measured
# during the attack. slowhttptest runs from the tests' tools image (test/lib/tools.sh) on the
# host's network. Run alone or from run-suite.sh --full, against the running stack.
set -euo pipefail

export PART=slow-clients  # names this part in log, die and its markers
# shellcheck source=test/lib/edge.sh
source "$(dirname "$0")/../lib/edge.sh"

readonly CONNECTIONS=300
readonly ATTACK_SECONDS=45
readonly NORMAL_LIMIT_MS=2000

workdir=$(mktemp -d)
attack_pid=""

clean_up() {
  if [[ -n $attack_pid ]]; then
    kill "$attack_pid" 2>/dev/null || true
    wait "$attack_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}

main() {
  require_stack
  trap clean_up EXIT
  # -H slow headers, -c connections, -r opened per second, -i seconds between header lines,
  # -x bytes per line, -l test length, -p probe timeout.
  tool_within $((ATTACK_SECONDS + 30)) slowhttptest -H -c "$CONNECTIONS" -r 100 -i 5 -x 24 -p 3 \
    -l "$ATTACK_SECONDS" -u "https://127.0.0.1:$HTTPS_PUBLISH_PORT/" -g -o "$workdir/attack" >"$workdir/attack.log" 2>&1 &
  attack_pid=$!
  sleep 5
  local deadline=$((SECONDS + ATTACK_SECONDS - 10)) i answer times="" statuses="" count=0
  for ((i = 0; i < 60 && SECONDS < deadline; i++)); do
    answer=$(edge_curl --output /dev/null --write-out '%{http_code} %{time_total}' "$(edge_url /)" || true)
    statuses+="${answer%% *} "
    times+="${answer#* } "
    count=$((count + 1))
    sleep 0.5
  done
  wait "$attack_pid" || true
  attack_pid=""
  local slowest median connected closed
  slowest=$(tr ' ' '\n' <<<"$times" | awk 'NF {t = $1 * 1000; if (t > m) m = t} END {printf "%d", m}')
  median=$(tr ' ' '\n' <<<"$times" | awk 'NF {print $1 * 1000}' | sort -n | awk '{a[NR] = $1} END {printf "%d", a[int((NR + 1) / 2)]}')
  # The CSV's columns: seconds, closed, pending, connected, service available.
  connected=$(awk -F, 'NR > 1 {if ($4 > m) m = $4} END {print m + 0}' "$workdir/attack.csv" 2>/dev/null || echo "?")
  closed=$(awk -F, 'END {print $2 + 0}' "$workdir/attack.csv" 2>/dev/null || echo "?")
  figure "slowhttptest -H -c $CONNECTIONS -r 100 -i 5 -x 24 -l $ATTACK_SECONDS https://127.0.0.1:$HTTPS_PUBLISH_PORT/: at most $connected slow connections open at once, $closed closed by the server by the end; its verdict: $(sed 's/\x1b\[[0-9;]*m//g' "$workdir/attack.log" | grep -io 'service available: *[a-z]*' | tail -n 1)"
  figure "normal clients during the attack: $count requests, median ${median} ms, slowest ${slowest} ms"
  # Otherwise the rest proves nothing: the attack must have held its connections open.
  check "the attack held at least half its $CONNECTIONS slow connections open at once" holds \
    "at least $((CONNECTIONS / 2))" "$connected" test "${connected//[!0-9]/}0" -ge "$((CONNECTIONS / 2))0"
  check "normal clients during the attack: every answer a 200, one at least" holds "$count x 200, count above 0" \
    "$(tr ' ' '\n' <<<"$statuses" | grep -c '^200$' || true) x 200" \
    test "$(tr ' ' '\n' <<<"$statuses" | grep -c '^200$' || true)" -eq "$count" -a "$count" -gt 0
  check "normal clients during the attack: slowest answer" holds "at most ${NORMAL_LIMIT_MS} ms" "${slowest} ms" \
    [ "$slowest" -le "$NORMAL_LIMIT_MS" ]
  check "the stack answers 200 after the attack" equals 200 "$(edge_status "$(edge_url /)")"
  checks_summary "$PART"
}

main "$@"
