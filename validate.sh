#!/usr/bin/env bash
# validate.sh: the project's acceptance check.
#
# From a clean state (this project's containers and volumes removed), it builds and starts the
# stack with `docker-compose up --build -d`, then checks it and prints a Pass or Fail line for
# each check. It exits non-zero when any check fails.
#
# Usage: ./validate.sh [-s] [-k]
#   -s   skip the TLS scan with testssl.sh (the slowest check)
#   -k   keep the stack running afterwards (default: stop and remove it)
#
# Needs: docker (engine 20.10 or newer), docker-compose (1.29) or Compose v2, curl, openssl,
# and testssl.sh unless -s. It touches only this project's containers, images and volumes.
# COMPOSE_COMMAND picks the Compose command (e.g. "docker compose"); by default docker-compose
# where installed, else Compose v2.
set -euo pipefail

cd "$(dirname "$0")"

readonly QUOTE_FILE=app/src/main/java/com/example/app/QuoteResource.java
readonly QUOTE="It's easier to ask forgiveness than it is to get permission."
readonly CERT=nginx/files/localhost.crt
readonly KEY=nginx/files/localhost.key
readonly PRODUCTION_IMAGE=quote-service:latest
readonly PRODUCTION_CONTAINER=quote-service-validate
readonly WARM_UP_IMAGE=quote-service:warm-up-check
readonly STACK_TIMEOUT=600   # seconds: a first build downloads the Maven dependencies
readonly RELOAD_TIMEOUT=60   # seconds for an edit to show at https://localhost/
readonly MAX_NGINX_IMAGE_MB=150
readonly MAX_APP_LAYERS_MB=2 # what the production image adds over the official Liberty image

skip_tls_scan=false
keep_stack=false
passed=0
failed=0
quote_backup=""

usage() {
  awk 'NR > 1 && /^set /{exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'
}

parse_arguments() {
  while getopts ":skh" option; do
    case "$option" in
      s) skip_tls_scan=true ;;
      k) keep_stack=true ;;
      h) usage; exit 0 ;;
      *) usage >&2; echo "validate.sh: unknown option -$OPTARG" >&2; exit 2 ;;
    esac
  done
}

# ---------------------------------------------------------------------------------------------
# Plumbing
# ---------------------------------------------------------------------------------------------

# shellcheck disable=SC2034 # read by test/lib/stack-helpers.sh
REPO_ROOT=$(pwd)
# compose (COMPOSE_COMMAND, else docker-compose, else Compose v2) and wait_until.
# shellcheck source=test/lib/stack-helpers.sh
source test/lib/stack-helpers.sh

pass() { passed=$((passed + 1)); printf 'Pass: %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'Fail: %s\n' "$1"; }

# check "description" command...: a Pass when the command succeeds, else a Fail with its output.
check() {
  local description=$1 output
  shift
  if output=$("$@" 2>&1); then
    pass "$description${output:+ ($output)}"
  else
    fail "$description: ${output:-no detail}"
  fi
}

require_tools() {
  local tool missing=()
  for tool in docker curl openssl; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ! compose version >/dev/null 2>&1; then
    missing+=("${COMPOSE_COMMAND:-docker-compose or Compose v2}")
  fi
  if [[ $skip_tls_scan == false ]] && ! testssl_command >/dev/null; then
    missing+=("testssl.sh (or run with -s)")
  fi
  if ((${#missing[@]})); then
    echo "validate.sh: missing ${missing[*]}; see README.md" >&2
    exit 2
  fi
  docker info >/dev/null 2>&1 || { echo "validate.sh: the Docker engine does not answer (is dockerd running?)" >&2; exit 2; }
}

testssl_command() {
  command -v testssl 2>/dev/null || command -v testssl.sh 2>/dev/null
}

# https GET through nginx; extra arguments go to curl.
https_get() {
  curl --silent --show-error --max-time 10 --cacert "$CERT" "$@" https://localhost/
}

restore_quote() {
  if [[ -n $quote_backup && -f $quote_backup ]]; then
    cp "$quote_backup" "$QUOTE_FILE"
    rm -f "$quote_backup"
    quote_backup=""
  fi
}

clean_up() {
  restore_quote
  docker rm -f "$PRODUCTION_CONTAINER" >/dev/null 2>&1 || true
  if [[ $keep_stack == false ]]; then
    compose down --volumes --remove-orphans >/dev/null 2>&1 || true
  fi
}

# ---------------------------------------------------------------------------------------------
# Bringing the stack up
# ---------------------------------------------------------------------------------------------

start_from_clean_state() {
  echo "== Removing this project's containers and volumes"
  compose down --volumes --remove-orphans
  docker rm -f "$PRODUCTION_CONTAINER" >/dev/null 2>&1 || true
  echo "== docker-compose up --build -d"
  if ! compose up --build -d; then
    compose ps
    compose logs --tail=60
    fail "docker-compose up --build -d starts the stack"
    return 1
  fi
}

stack_answers() {
  https_get --output /dev/null --fail
}

wait_for_stack() {
  echo "== Waiting for https://localhost/ (at most ${STACK_TIMEOUT}s)"
  if ! wait_until "$STACK_TIMEOUT" 1 stack_answers; then
    compose ps
    compose logs --tail=40
    fail "the stack answers at https://localhost/ within ${STACK_TIMEOUT}s"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------

ipv4='([0-9]{1,3}\.){3}[0-9]{1,3}'

quote_page_is_right() {
  local page
  page=$(https_get --fail) || return 1
  is_the_quote_page "$page"
}

# is_the_quote_page PAGE: the quote, then the three forwarding headers as nginx sets them.
is_the_quote_page() {
  local page=$1
  [[ $(wc -l <<<"$page") == 4 ]] || { echo "$(wc -l <<<"$page") lines: $page"; return 1; }
  [[ $(sed -n 1p <<<"$page") == "$QUOTE" ]] || { echo "first line: $(sed -n 1p <<<"$page")"; return 1; }
  grep -Eqx "X-Forwarded-For: $ipv4" <<<"$page" || { echo "X-Forwarded-For line: $(grep X-Forwarded-For <<<"$page")"; return 1; }
  grep -Eqx "X-Real-IP: $ipv4" <<<"$page" || { echo "X-Real-IP line: $(grep X-Real-IP <<<"$page")"; return 1; }
  grep -qx "X-Forwarded-Proto: https" <<<"$page" || { echo "X-Forwarded-Proto line: $(grep X-Forwarded-Proto <<<"$page")"; return 1; }
  grep -m1 X-Forwarded-For <<<"$page"
}

# HTTP/3 through the published UDP port (curl_http3: this machine's curl, or Debian 13's).
http3_serves_the_app() {
  local answer page version
  answer=$(curl_http3 --http3-only --silent --show-error --fail --max-time 10 --cacert "$CERT" \
    --write-out '\n%{http_version}' https://localhost/ 2>&1) || { echo "${answer:-no answer}"; return 1; }
  version=$(tail -n 1 <<<"$answer")
  page=$(sed '$d' <<<"$answer")
  [[ $version == 3 ]] || { echo "HTTP version '$version'"; return 1; }
  is_the_quote_page "$page" >/dev/null || { is_the_quote_page "$page"; return 1; }
  echo "HTTP/3, $(grep -m1 X-Forwarded-For <<<"$page")"
}

alt_svc_header() {
  curl --silent --max-time 10 --cacert "$CERT" --head "$1" | tr -d '\r' | sed -n 's/^alt-svc: //Ip'
}

http3_advertised_over_https_only() {
  local https http
  https=$(alt_svc_header https://localhost/)
  http=$(alt_svc_header http://localhost/)
  [[ $https == 'h3=":443"; ma=86400' && -z $http ]] || { echo "HTTPS: '$https', HTTP: '$http'"; return 1; }
  echo "Alt-Svc: $https"
}

forged_headers_are_replaced() {
  local page
  page=$(https_get --fail -H 'X-Forwarded-For: 203.0.113.66' -H 'X-Real-IP: 203.0.113.66' \
    -H 'X-Forwarded-Proto: gopher') || return 1
  if grep -q -e 203.0.113.66 -e gopher <<<"$page"; then
    echo "the client's own values reached the app: $page"
    return 1
  fi
}

# The app's access log names nginx as the peer and the real client as the resolved address:
# Liberty trusts nginx's X-Forwarded-For because nginx's address is in TRUSTED_PROXIES.
liberty_resolves_the_client() {
  local marker page client network nginx_address entry
  marker="trace=$RANDOM$RANDOM"
  page=$(curl --silent --fail --max-time 10 --cacert "$CERT" "https://localhost/?$marker") || return 1
  client=$(sed -n 's/^X-Real-IP: //p' <<<"$page")
  network=$(docker inspect --format '{{range $name, $_ := .NetworkSettings.Networks}}{{$name}}{{end}}' app)
  nginx_address=$(docker inspect --format "{{(index .NetworkSettings.Networks \"$network\").IPAddress}}" nginx)
  wait_until 10 1 logged app "$marker" || { echo "no access log entry for ?$marker"; return 1; }
  entry=$(docker logs app 2>&1 | grep -F "$marker" | tail -n 1)
  [[ $entry == *"\"ibm_remoteHost\":\"$nginx_address\""* && $entry == *"\"ibm_remoteIP\":\"$client\""* ]] ||
    { echo "expected peer $nginx_address and client $client in: $entry"; return 1; }
  echo "peer $nginx_address, client $client"
}

# logged CONTAINER TEXT: the container's output (stdout and stderr) holds TEXT.
logged() {
  docker logs "$1" 2>&1 | grep -qF "$2"
}

# nginx's access record and the app's log carry the same request id, nginx's own: a client's
# X-Request-Id is replaced. nginx writes its log in blocks, at least once a second.
request_id_reaches_the_app() {
  local marker edge_entry id app_entry
  marker="request-id=$RANDOM$RANDOM"
  curl --silent --fail --max-time 10 --output /dev/null --cacert "$CERT" \
    -H 'X-Request-Id: forged-by-the-client' "https://localhost/?$marker" || return 1
  wait_until 10 0.5 logged nginx "$marker" || { echo "no nginx access record for ?$marker"; return 1; }
  edge_entry=$(docker logs nginx 2>/dev/null | grep -F "$marker" | tail -n 1)
  id=$(sed -n 's/.*"request_id":"\([0-9a-f]\{32\}\)".*/\1/p' <<<"$edge_entry")
  [[ -n $id ]] || { echo "no request id in nginx's record: $edge_entry"; return 1; }
  wait_until 10 1 logged app "$marker" || { echo "no app access log entry for ?$marker"; return 1; }
  app_entry=$(docker logs app 2>&1 | grep -F "$marker" | tail -n 1)
  if [[ $app_entry != *"$id"* || $app_entry == *forged-by-the-client* ]]; then
    echo "expected nginx's request id $id, not the client's, in: $app_entry"
    return 1
  fi
  echo "request id $id in both logs"
}

# nginx's access log is buffered (up to 1 s): a stop must write the buffer out, not drop it.
# Stopped within the second (docker's CLI, quicker to start than Compose's), so the record is
# still in the buffer when the stop signal comes.
stop_keeps_nginx_log() {
  local marker
  marker="before-stop=$RANDOM$RANDOM"
  curl --silent --fail --max-time 10 --output /dev/null --cacert "$CERT" "https://localhost/?$marker" ||
    return 1
  docker stop nginx >/dev/null || { echo "docker stop nginx failed"; return 1; }
  logged nginx "$marker" || { echo "the record of ?$marker was lost with the stop"; docker start nginx >/dev/null; return 1; }
  docker start nginx >/dev/null || { echo "docker start nginx failed"; return 1; }
  wait_until 30 0.5 stack_answers 2>/dev/null || { echo "nginx did not answer again within 30 s"; return 1; }
  echo "the record was written out on the stop; nginx answers again"
}

http_redirects_permanently() {
  local answer
  answer=$(curl --silent --max-time 10 --output /dev/null \
    --write-out '%{http_code} %{redirect_url}' 'http://localhost/some/path?x=1&y=2') || return 1
  [[ $answer == "301 https://localhost/some/path?x=1&y=2" ]] || { echo "got: $answer"; return 1; }
  echo "$answer"
}

health_endpoints_are_not_public() {
  local path status
  for path in /health /health/ready /health/live; do
    status=$(curl --silent --max-time 10 --cacert "$CERT" --output /dev/null --write-out '%{http_code}' \
      "https://localhost$path")
    [[ $status == 404 ]] || { echo "$path answered $status"; return 1; }
  done
}

http2_is_negotiated() {
  local version
  version=$(https_get --http2 --output /dev/null --write-out '%{http_version}') || return 1
  [[ $version == 2 ]] || { echo "HTTP version $version"; return 1; }
}

protocol_refused() {
  ! openssl s_client -connect localhost:443 -servername localhost "$1" </dev/null >/dev/null 2>&1
}

protocol_accepted() {
  openssl s_client -connect localhost:443 -servername localhost "$1" </dev/null >/dev/null 2>&1
}

hsts_is_a_year_or_more() {
  local max_age
  max_age=$(https_get --head | tr -d '\r' | sed -n 's/^strict-transport-security: .*max-age=\([0-9]*\).*/\1/Ip')
  [[ -n $max_age && $max_age -ge 31536000 ]] || { echo "max-age '${max_age}'"; return 1; }
  echo "max-age=$max_age"
}

# testssl.sh findings at MEDIUM or worse, less the two inherent to the project's self-signed
# localhost certificate: no CRL or OCSP address (revocation is out of scope), and a validity over
# the 825 days allowed to publicly trusted certificates (it must outlive the project; see
# nginx/files/README.md), which testssl.sh 3.0 names cert_validityPeriod and 3.2 cert_extlifeSpan.
tls_scan_finds_nothing() {
  local report findings
  report=$(mktemp -d)/testssl.json
  "$(testssl_command)" --quiet --warnings off --color 0 --add-ca "$CERT" --jsonfile "$report" \
    --protocols --std --fs --server-defaults --headers --vulnerable https://localhost/ >/dev/null 2>&1 || true
  [[ -s $report ]] || { echo "testssl.sh wrote no report"; return 1; }
  findings=$(grep -E '"severity" *: *"(MEDIUM|HIGH|CRITICAL)"' -B3 "$report" |
    sed -n 's/.*"id" *: *"\([^"]*\)".*/\1/p' | grep -vx -e cert_revocation -e cert_validityPeriod -e cert_extlifeSpan || true)
  rm -rf "$(dirname "$report")"
  [[ -z $findings ]] || { echo "findings: $(tr '\n' ' ' <<<"$findings")"; return 1; }
}

only_tls12_and_tls13_offered() {
  protocol_refused -tls1 || { echo "TLS 1.0 accepted"; return 1; }
  protocol_refused -tls1_1 || { echo "TLS 1.1 accepted"; return 1; }
  protocol_accepted -tls1_3 || { echo "TLS 1.3 refused"; return 1; }
  if protocol_accepted -tls1_2; then echo "TLS 1.2 and 1.3"; else echo "TLS 1.3 only"; fi
}

hot_reload_shows_an_edit() {
  local marker started
  marker="Edited $(date +%s)"
  quote_backup=$(mktemp)
  cp "$QUOTE_FILE" "$quote_backup"
  sed -i "s/$QUOTE/$marker/" "$QUOTE_FILE"
  started=$SECONDS
  if ! wait_until "$RELOAD_TIMEOUT" 1 grep_page "$marker"; then
    restore_quote
    echo "'$marker' not served within ${RELOAD_TIMEOUT}s"
    return 1
  fi
  local shown_after=$((SECONDS - started))
  restore_quote
  wait_until "$RELOAD_TIMEOUT" 1 grep_page "$QUOTE" || { echo "the restored quote was not served again"; return 1; }
  echo "served about ${shown_after}s after the edit, and restored"
}

grep_page() {
  https_get --fail | grep -qF "$1"
}

app_addresses() {
  docker inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' app
}

app_unreachable_from_host() {
  local address addresses
  addresses=$(app_addresses)
  [[ -n ${addresses// /} ]] || { echo "app has no address"; return 1; }
  [[ -z $(docker port app) ]] || { echo "app publishes $(docker port app)"; return 1; }
  for address in $addresses; do
    # Judged by the app's own answer: this machine may answer unroutable addresses itself.
    if curl --silent --max-time 3 "http://$address:8000/" 2>/dev/null | grep -qF "X-Forwarded-For"; then
      echo "the app answered at $address:8000"
      return 1
    fi
  done
  echo "no answer at $addresses port 8000"
}

nginx_reaches_app_by_name() {
  https_get --fail --output /dev/null
}

project_images() {
  printf '%s\n' quote-service:dev quote-nginx:latest "$PRODUCTION_IMAGE"
}

key_in_no_image() {
  local image key_line
  key_line=$(grep -v -e '-----' "$KEY" | head -n 1)
  for image in $(project_images); do
    if docker save "$image" | grep -aqF "$key_line"; then
      echo "the private key is in a layer of $image"
      return 1
    fi
    if docker history --no-trunc "$image" | grep -qF "$key_line"; then
      echo "the private key is in the history of $image"
      return 1
    fi
  done
  echo "searched every layer of $(project_images | tr '\n' ' ')"
}

runs_as_non_root() {
  local container uid
  for container in app nginx; do
    uid=$(docker exec "$container" id -u)
    [[ $uid != 0 ]] || { echo "$container runs as root"; return 1; }
    printf '%s uid %s; ' "$container" "$uid"
  done
  uid=$(docker image inspect --format '{{.Config.User}}' "$PRODUCTION_IMAGE")
  [[ -n $uid && $uid != 0 && $uid != root ]] || { echo "$PRODUCTION_IMAGE user '$uid'"; return 1; }
  echo "$PRODUCTION_IMAGE user $uid"
}

containers_are_hardened() {
  local container settings
  for container in app nginx; do
    settings=$(docker inspect --format \
      '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}' \
      "$container")
    [[ $settings =~ ^true\ \[ALL\]\ \[no-new-privileges(:true)?\]\ [1-9][0-9]*\ [1-9][0-9]*\ unless-stopped$ ]] ||
      { echo "$container: $settings"; return 1; }
  done
}

image_bytes() {
  docker image inspect --format '{{.Size}}' "$1"
}

megabytes() {
  awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'
}

image_sizes_are_small() {
  local base nginx_bytes added_bytes
  base=$(docker image inspect --format '{{index .Config.Labels "org.opencontainers.image.base.name"}}' "$PRODUCTION_IMAGE")
  nginx_bytes=$(image_bytes quote-nginx:latest)
  added_bytes=$(($(image_bytes "$PRODUCTION_IMAGE") - $(image_bytes "$base")))
  echo "nginx $(megabytes "$nginx_bytes"); production app $(megabytes "$(image_bytes "$PRODUCTION_IMAGE")"), of which $((added_bytes / 1000)) kB over $base; dev app $(megabytes "$(image_bytes quote-service:dev)")"
  ((nginx_bytes <= MAX_NGINX_IMAGE_MB * 1000000 && added_bytes <= MAX_APP_LAYERS_MB * 1000000))
}

production_image_serves_alone() {
  docker rm -f "$PRODUCTION_CONTAINER" >/dev/null 2>&1 || true
  docker run -d --name "$PRODUCTION_CONTAINER" -p 127.0.0.1:8000:8000 "$PRODUCTION_IMAGE" >/dev/null
  if ! wait_until 120 1 production_answers; then
    docker logs --tail 20 "$PRODUCTION_CONTAINER" 2>&1
    return 1
  fi
  wait_until 60 1 production_is_healthy || { echo "health: $(production_health)"; return 1; }
  docker rm -f "$PRODUCTION_CONTAINER" >/dev/null
  echo "GET / 200 and healthy"
}

# The production build's class-cache warm-up (the official configure.sh and populate_scc.sh,
# shown with VERBOSE=true): the server started, the warm-up went to this server's own port and
# no call failed (curl --fail reports any refused connection or status of 400 and more as
# "<url> call failed, continuing"; `/` answers 200), and no openapi call was made (the server has
# no mpOpenAPI, so one would fail and be reported too).
production_build_warms_the_app() {
  local log starts url
  log=$(mktemp)
  # A configure step from the build cache prints nothing: then once more without the cache.
  if ! build_verbose_production "$log" || { configure_step_cached "$log" && ! build_verbose_production "$log" --no-cache; }; then
    tail -n 20 "$log"
    rm -f "$log"
    return 1
  fi
  starts=$(grep -c 'Server defaultServer started' "$log" || true)
  url=$(docker history --no-trunc --format '{{.CreatedBy}}' "$WARM_UP_IMAGE" | grep -o 'WARM_ENDPOINT_URL=[^ ]*' | head -n 1)
  docker rmi "$WARM_UP_IMAGE" >/dev/null 2>&1 || true
  if ((starts == 0)) || grep -qE 'call failed|openapi|Exiting populate_scc' "$log" || [[ $url != WARM_ENDPOINT_URL=http://localhost:8000/ ]]; then
    echo "server starts: $starts; $url; $(grep -E 'call failed|openapi|Exiting populate_scc' "$log" | sed 's/^#[0-9]* [0-9.]* //' | sort -u | tr '\n' ' ')"
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  echo "$starts server starts, GET http://localhost:8000/ answered, no openapi call"
}

# build_verbose_production LOG [docker build options...]
build_verbose_production() {
  local log=$1
  shift
  docker build --progress=plain --build-arg VERBOSE=true "$@" -f app/Dockerfile -t "$WARM_UP_IMAGE" . >"$log" 2>&1
}

configure_step_cached() {
  grep -A2 'RUN configure.sh$' "$1" | grep -q ' CACHED$'
}

# No keystore in the production image, nor after a start (the image's entrypoint writes one
# unless SAVE_KEYSTORE=false), and the official image's user.
production_image_has_no_keystore() {
  local found user
  found=$(docker run --rm "$PRODUCTION_IMAGE" find /config/ /output/ -name 'keystore.xml' -o -name 'key.p12' 2>&1) || { echo "$found"; return 1; }
  [[ -z $found ]] || { echo "after a start: $found"; return 1; }
  user=$(docker image inspect --format '{{.Config.User}}' "$PRODUCTION_IMAGE")
  [[ $user == 1001 ]] || { echo "user '$user', expected 1001"; return 1; }
  echo "no keystore.xml or key.p12 in /config or /output after a start; user $user"
}

production_answers() {
  curl --silent --fail --max-time 3 http://127.0.0.1:8000/ | grep -qF "$QUOTE"
}

production_health() {
  docker inspect --format '{{.State.Health.Status}}' "$PRODUCTION_CONTAINER"
}

production_is_healthy() {
  [[ $(production_health) == healthy ]]
}

build_production_image() {
  echo "== Building the production image ($PRODUCTION_IMAGE)"
  docker build --quiet -f app/Dockerfile -t "$PRODUCTION_IMAGE" . >/dev/null
}

main() {
  parse_arguments "$@"
  require_tools
  trap clean_up EXIT
  trap 'exit 130' INT TERM

  if start_from_clean_state && wait_for_stack; then
    check "HTTPS 200 with the quote and real forwarding headers" quote_page_is_right
    check "a client's own forwarding headers are replaced" forged_headers_are_replaced
    check "Liberty logs the client that nginx forwarded for" liberty_resolves_the_client
    check "nginx's request id reaches the app's log, the client's does not" request_id_reaches_the_app
    check "HTTP answers 301 to the same URL over HTTPS" http_redirects_permanently
    check "the app's health endpoints are not served to clients" health_endpoints_are_not_public
    check "HTTP/2 negotiated through ALPN" http2_is_negotiated
    check "HTTP/3 through 443/udp: 200, the quote, X-Forwarded-Proto https" http3_serves_the_app
    check "HTTP/3 advertised (Alt-Svc) over HTTPS, not over HTTP" http3_advertised_over_https_only
    check "protocols: TLS 1.0 and 1.1 refused" only_tls12_and_tls13_offered
    check "HSTS for at least a year" hsts_is_a_year_or_more
    if [[ $skip_tls_scan == true ]]; then
      echo "Skip: TLS scan with testssl.sh (-s)"
    else
      check "testssl.sh finds nothing at MEDIUM or worse" tls_scan_finds_nothing
    fi
    check "hot reload: an edit of the quote shows at https://localhost/" hot_reload_shows_an_edit
    check "the app is unreachable from the host" app_unreachable_from_host
    check "nginx reaches the app on the internal network" nginx_reaches_app_by_name
    check "containers: read-only, no capabilities, no-new-privileges, limits, restart" containers_are_hardened
    check "a stop of nginx writes its buffered access log out" stop_keeps_nginx_log
    build_production_image
    check "the production image serves on 8000 alone" production_image_serves_alone
    check "the production build's warm-up reaches the app on 8000" production_build_warms_the_app
    check "the production image holds no keystore, runs as 1001" production_image_has_no_keystore
    check "the private key is in no image layer or history" key_in_no_image
    check "containers and the production image run as non-root" runs_as_non_root
    check "image sizes" image_sizes_are_small
  fi

  echo "validate: $passed passed, $failed failed"
  ((failed == 0))
}

main "$@"
