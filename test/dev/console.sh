#!/usr/bin/env bash
# console.sh: the dev stack's console is for people (README.md, "The dev stack and production":
# console). Left alone for a minute, the app prints nothing: the health check every 2 s writes no
# access log, and the app's own access log goes to messages.log, not the console; requests
# through nginx print nothing either. What an edit prints is validate.sh's hot-reload check.
# Run alone or from run-stack-tests.sh, against the running dev stack.
set -euo pipefail

export PART=console
# shellcheck source=test/lib/edge.sh
source "$(dirname "$0")/../lib/edge.sh"

readonly IDLE_SECONDS=60 REQUESTS=50

prints_nothing_since() {
  local lines
  lines=$(log_lines "$APP" "$1")
  if [[ -n $lines ]]; then
    echo "$(wc -l <<<"$lines") lines, the first: $(head -n 1 <<<"$lines" | cut -c1-200)"
    return 1
  fi
  echo "no line in $2"
}

# Requests through nginx, all answered, and nothing printed meanwhile.
requests_print_nothing() {
  local since sent=0 i
  since=$(date +%s)
  for ((i = 0; i < REQUESTS; i++)); do
    [[ $(edge_status "$(edge_url /)") != 200 ]] || sent=$((sent + 1))
  done
  ((sent == REQUESTS)) || { echo "expected $REQUESTS answers 200, got $sent"; return 1; }
  sleep 1
  prints_nothing_since "$since" "$REQUESTS requests"
}

idle_prints_nothing() {
  local since
  since=$(date +%s)
  sleep "$IDLE_SECONDS"
  prints_nothing_since "$since" "$IDLE_SECONDS s"
}

main() {
  require_stack
  check "requests through nginx print nothing on the app's console" requests_print_nothing
  check "the idle dev stack prints nothing on the app's console for ${IDLE_SECONDS} s (health checks every 2 s)" \
    idle_prints_nothing
  checks_summary "$PART"
}

main "$@"
