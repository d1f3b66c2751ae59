#!/usr/bin/env bash
# app-moves.sh: nginx follows the app to a new address without a restart of its own.
#
# Compose restarts or recreates `app` alone; the new container may come back at another
# address under the same name. Two moves, each judged by the app's own answer through nginx:
#   1. stop app, let placeholder containers on the backend network take its address, start
#      app again: it now has a new address;
#   2. compose up -d --force-recreate app.
# Each must answer 200 with the quote through the edge within RESOLVE_LIMIT seconds
# of the app's readiness, from the app's new address (nginx's access log names it), with
# nginx's container neither restarted nor recreated.
# Run alone or from run-suite.sh, against the running stack; it leaves the stack serving.
set -euo pipefail

export PART=moves  # names this part in log, die and its markers
# shellcheck source=test/lib/properties.sh
source "$(dirname "$0")/../lib/properties.sh"

readonly RESOLVE_LIMIT=10      # seconds from the app's readiness to its answer through nginx
readonly READY_LIMIT=240       # seconds for the app (dev mode) to become ready again
readonly PLACEHOLDER=quote-address-placeholder
readonly PLACEHOLDER_LABEL=org.example.quote.placeholder
readonly MAX_PLACEHOLDERS=8

remove_placeholders() {
  docker ps -aq --filter "label=$PLACEHOLDER_LABEL" | xargs -r docker rm -f >/dev/null 2>&1 || true
}

clean_up() {
  remove_placeholders
}

app_address() {
  address_on "$(compose_network backend)" "$APP"
}

app_ready() {
  docker exec "$APP" /usr/local/bin/healthcheck
}

# The app's own answer through nginx, with a marker that finds the request in nginx's log.
quote_through_nginx() {
  edge_curl --fail "$(edge_url "/?$1")" | head -n 1 | grep -qxF "$QUOTE"
}

seconds_between() {
  awk -v from="$1" -v to="$2" 'BEGIN { printf "%.1f", (to - from) / 1000 }'
}

# judge_move WHAT OLD_ADDRESS NGINX_BEFORE: waits for the app's readiness, then for its answer
# through nginx, and judges both against the limits.
judge_move() {
  local what=$1 old=$2 nginx_before=$3 ready_ms served_ms new
  if ! wait_until "$READY_LIMIT" 0.2 app_ready; then
    fail "$what: expected the app ready within ${READY_LIMIT} s, got $(docker inspect --format '{{.State.Status}}' "$APP")"
    fail_unjudged "the app never became ready" "$what: the app answers through nginx" \
      "$what: nginx sent the request to the app's new address" "$what: nginx was neither restarted nor recreated"
    return
  fi
  ready_ms=$(now_ms)
  new=$(app_address)
  new_marker
  if wait_until "$RESOLVE_LIMIT" 0.2 quote_through_nginx "$MARKER"; then
    served_ms=$(now_ms)
    check "$what: the app answers through nginx within ${RESOLVE_LIMIT} s of its readiness" holds \
      "at most ${RESOLVE_LIMIT} s" "after $(seconds_between "$ready_ms" "$served_ms") s" true
  else
    fail "$what: expected the quote through nginx within ${RESOLVE_LIMIT} s of the app's readiness, got status $(edge_status "$(edge_url /)")"
  fi
  check "$what: nginx sent the request to the app's new address" proxied_to_app_at "$new"
  check "$what: nginx was neither restarted nor recreated" nginx_unchanged "$nginx_before"
  figure "$what: app at $old before, at $new after"
}

# start_placeholder NETWORK N: a small container on NETWORK, named with N; prints its address.
start_placeholder() {
  docker run -d --rm --name "$PLACEHOLDER-$2" --label "$PLACEHOLDER_LABEL" --network "$1" \
    --read-only --cap-drop ALL --security-opt no-new-privileges:true --memory 16m \
    --entrypoint sleep "$(docker inspect --format '{{.Config.Image}}' "$NGINX")" 600 >/dev/null
  address_on "$1" "$PLACEHOLDER-$2"
}

# 1. Stop, let other containers take the address, start: the app must come back elsewhere.
address_taken_while_stopped() {
  local what="app stopped, its address taken, started" old network nginx_before n taken=""
  old=$(app_address)
  network=$(compose_network backend)
  nginx_before=$(nginx_identity)
  docker stop "$APP" >/dev/null
  # The network has no subnet of its own, so no fixed --ip: the engine hands out free addresses
  # (lowest first on Engine 20.10 and 26); placeholders take them until one holds the app's.
  for ((n = 1; n <= MAX_PLACEHOLDERS; n++)); do
    taken=$(start_placeholder "$network" "$n")
    [[ $taken != "$old" ]] || break
  done
  docker start "$APP" >/dev/null
  check "$what: a placeholder took the app's old address (placeholders: $((n > MAX_PLACEHOLDERS ? MAX_PLACEHOLDERS : n)))" equals \
    "$old" "$taken"
  check "$what: the app came back at another address" holds "an address other than $old" \
    "$(app_address)" [ "$(app_address)" != "$old" ]
  judge_move "$what" "$old" "$nginx_before"
  remove_placeholders
}

# 2. What a developer does after changing the app's service: a new container, maybe a new address.
app_recreated() {
  local what="compose up -d --force-recreate app" old nginx_before
  old=$(app_address)
  nginx_before=$(nginx_identity)
  compose up -d --force-recreate --no-deps app >/dev/null 2>&1 ||
    { fail "$what: expected compose to recreate the app, got an error"; return; }
  judge_move "$what" "$old" "$nginx_before"
}

main() {
  require_stack
  trap clean_up EXIT
  address_taken_while_stopped
  app_recreated
  check "the stack serves at the end" equals 200 "$(edge_status "$(edge_url /)")"
  checks_summary "$PART"
}

main "$@"
