#!/usr/bin/env bash
# production-chain.sh: README.md's production chain (nginx's image in front of the app's
# production image, with docker run) as it stands, at a name of its own: SERVER_NAMES set to
# beta.example.test, an operator's own generated keypair for that name, and the app's access log
# turned on (so that the checks can read what Liberty resolved). Every request goes to the
# published ports on 127.0.0.1 (curl --resolve). It passes the same edge checks as the dev stack
# (test/lib/properties.sh) at that name, answers 421 to a name not listed (localhost, the
# image's default) over HTTP, HTTPS and HTTP/3, then the 503 fallback while the app is stopped,
# an app that comes back at a new address, and a keypair renewed by rename and served after
# README's reload command with no failed request. Taken down at exit with README's own command.
set -euo pipefail

readonly PART=production-chain
# The name served, and one the edge must refuse: the image's default, which SERVER_NAMES drops.
readonly SERVED_NAME=beta.example.test UNLISTED_NAME=localhost
EDGE_HOST=$SERVED_NAME
# shellcheck source=test/lib/properties.sh
source "$(dirname "$0")/../lib/properties.sh"
cd "$REPO_ROOT"

readonly START_LIMIT=180 FILLER=quote-ops-filler
keys=""

clean_up() {
  docker rm -f "$FILLER" >/dev/null 2>&1 || true
  docker rm -f "$NGINX" "$APP" >/dev/null 2>&1 || true
  docker network rm quote-edge quote-backend >/dev/null 2>&1 || true
  rm -rf "$keys"
}

# new_pair NAME: an operator's pair for the served name in the keypair directory, its key
# readable by gid 101 as README says (README's chgrp, made in a container: as_engine_root).
new_pair() {
  # shellcheck disable=SC2016 # runs in the container
  generate_keypair "$keys" "$1" "$SERVED_NAME" &&
    as_engine_root "$keys" sh -c 'chgrp 101 "$0" && chmod 0640 "$0"' "$keys/$1.key"
}

# README's block, the app's access log on.
start_chain() {
  export SERVER_NAMES=$SERVED_NAME TLS_DIRECTORY=$keys TLS_CERTIFICATE_FILE=edge.crt \
    TLS_PRIVATE_KEY_FILE=edge.key PUBLISH_ADDRESS=127.0.0.1 HTTP_PUBLISH_PORT HTTPS_PUBLISH_PORT
  readme_block production-chain | sed 's/^docker run -d --name app /docker run -d --name app -e APP_ACCESS_LOG=true /' |
    bash -euo pipefail >/dev/null
}

app_line() {
  readme_block production-chain | grep '^docker run -d --name app ' |
    sed 's/^docker run -d --name app /docker run -d --name app -e APP_ACCESS_LOG=true /'
}

serves_the_operators_certificate() {
  equals "$(certificate_fingerprint <"$keys/edge.crt")" "$(served_fingerprint)"
}

# unlisted_status SCHEME CLIENT: the status of a request for UNLISTED_NAME over SCHEME at the
# published port, by CLIENT (edge_curl or edge_h3). Its SNI and Host are that name; the served
# certificate does not cover it, and its check is not what is tested here (-k).
unlisted_status() {
  local EDGE_HOST=$UNLISTED_NAME
  "$2" -k --output /dev/null --write-out '%{http_code}' "$(edge_url / "$1")" || true
}

# While the app is stopped: 502 or 503 within 3 s, no 200 (test/lib/properties.sh, the rule of
# reliability/faults.sh), over three requests.
fallback_while_stopped() {
  local lines="" i answer
  docker stop "$APP" >/dev/null
  for i in 1 2 3; do
    answer=$(edge_curl --output /dev/null --write-out '%{http_code} %{time_total}' "$(edge_url /)") || answer="000 10"
    lines+="$i $answer"$'\n'
  done
  fallback_statuses "${lines%$'\n'}" && fallback_fast "${lines%$'\n'}"
}

app_address() {
  address_on quote-backend "$APP"
}

# The app recreated while another container holds its old address: nginx follows the name,
# to the new address, without a restart of its own (the rule of reliability/app-moves.sh).
follows_a_moved_app() {
  local old new nginx_before
  nginx_before=$(nginx_identity) || return 1
  old=$(app_address)
  docker rm -f "$APP" >/dev/null
  docker run -d --name "$FILLER" --network quote-backend --entrypoint sleep "$EDGE_IMAGE" 600 >/dev/null
  bash -euo pipefail -c "$(app_line)" >/dev/null
  new=$(app_address)
  [[ $new != "$old" ]] || { echo "the app came back at its old address $old: nothing moved"; return 1; }
  wait_until "$START_LIMIT" 1 quote_page_is_right || { echo "not served within $START_LIMIT s after the move"; return 1; }
  proxied_to_app_at "$new" >/dev/null || { proxied_to_app_at "$new"; return 1; }
  nginx_unchanged "$nginx_before" >/dev/null || { echo "nginx restarted or recreated: $(nginx_unchanged "$nginx_before")"; return 1; }
  echo "moved from $old to $new, proxied there by the same nginx"
}

served_new_fingerprint() {
  [[ $(served_fingerprint) == "$1" ]]
}

# Renewal as tools do it: new files written beside the old, renamed over them, then README's
# reload command, under traffic of one HTTP/1.1 connection per request. (Over HTTP/2 an old
# worker may answer a connection opened in its last milliseconds with GOAWAY, last stream 0:
# "not processed", which RFC 9113 section 6.8 lets the client retry and browsers do, but curl
# reports as an error; COMMENTS.md, Known limits.)
renewal_served_without_failures() {
  local traffic="$keys/traffic" new_fingerprint loop_pid failures requests
  new_pair renewed
  new_fingerprint=$(certificate_fingerprint <"$keys/renewed.crt")
  cat "$keys/renewed.crt" >>"$EDGE_CA"
  for ((i = 0; i < 150; i++)); do
    edge_curl --http1.1 --max-time 5 --output /dev/null --write-out '%{http_code}\n' \
      "$(edge_url /)" || echo failed
    sleep 0.02
  done >"$traffic" &
  loop_pid=$!
  sleep 1
  mv "$keys/renewed.crt" "$keys/edge.crt"
  mv "$keys/renewed.key" "$keys/edge.key"
  docker kill --signal HUP "$NGINX" >/dev/null
  if ! wait_until 10 0.5 served_new_fingerprint "$new_fingerprint"; then
    wait "$loop_pid" || true
    echo "still serving $(served_fingerprint) 10 s after the reload"
    return 1
  fi
  wait "$loop_pid" || true
  requests=$(wc -l <"$traffic")
  failures=$(grep -cvx 200 "$traffic" || true)
  ((failures == 0 && requests > 0)) || { echo "$failures of $requests requests failed: $(sort "$traffic" | uniq -c | tr '\n' ' ')"; return 1; }
  echo "the new certificate served after the reload; $requests requests during it, none failed"
}

main() {
  trap clean_up EXIT
  clean_up 2>/dev/null || true
  keys=$(mktemp -d)
  chmod 755 "$keys"
  # The edge checks trust the operator's certificate; after the renewal, both.
  EDGE_CA=$keys/trusted.pem
  new_pair edge
  cp "$keys/edge.crt" "$EDGE_CA"
  start_chain
  if ! wait_until "$START_LIMIT" 1 stack_answers; then
    fail "README's production chain answers at $(edge_url /) within $START_LIMIT s"
    log_lines "$NGINX" | tail -n 20
    checks_summary "$PART"
    return
  fi
  check "the operator's certificate is served" serves_the_operators_certificate
  edge_checks
  container_checks "$APP"
  container_checks "$NGINX"
  check "SERVER_NAMES=$SERVED_NAME: $UNLISTED_NAME over HTTPS answered 421" equals 421 \
    "$(unlisted_status https edge_curl)"
  check "SERVER_NAMES=$SERVED_NAME: $UNLISTED_NAME over HTTP answered 421" equals 421 \
    "$(unlisted_status http edge_curl)"
  check "SERVER_NAMES=$SERVED_NAME: $UNLISTED_NAME over HTTP/3 answered 421" equals 421 \
    "$(unlisted_status https edge_h3)"
  check "the app stopped: every answer a 502 or 503 within ${FALLBACK_MS} ms" fallback_while_stopped
  docker start "$APP" >/dev/null
  check "the app started again: served within $START_LIMIT s" wait_until "$START_LIMIT" 1 quote_page_is_right
  check "the app back at a new address: nginx follows it without a restart" follows_a_moved_app
  check "a keypair renewed by rename: served after docker kill --signal HUP nginx, no HTTP/1.1 request failed" \
    renewal_served_without_failures
  checks_summary "$PART"
}

main "$@"
