#!/usr/bin/env bash
# validate.sh: the project's acceptance check.
#
# From a clean state (this project's containers removed; its volumes too with -c), it builds
# and starts the stack with `docker-compose up --build -d`, then checks it and prints a Pass or
# Fail line for each check, and last `validate: N passed, M failed`. It exits non-zero when any
# check fails.
#
# Usage: ./validate.sh [-s] [-k] [-c]
#   -s   skip the TLS scan with testssl.sh (the slowest check)
#   -k   keep the stack running afterwards (default: stop and remove its containers)
#   -c   also clear the stack's volumes (build output, Maven repository) before and after
#
# The hot-reload checks edit the quote in app/src/main/java/com/example/app/QuoteResource.java
# (once so that it does not compile) and src-liberty/server.xml, and put them back on every exit
# they can catch (Ctrl-C and kill included); validate.sh refuses to start while either holds an
# edit of a test run (one killed outright left it there), and says how to restore it
# (test/lib/project.sh, protect_sources).
#
# Needs: docker (engine 20.10 or newer), docker-compose (1.29) or Compose v2, curl, openssl;
# testssl.sh and jq come from the tests' tools image (test/lib/tools.sh). It touches only this
# project's containers, images and volumes.
# COMPOSE_COMMAND picks the Compose command (e.g. "docker compose"); by default docker-compose
# where installed, else Compose v2.
set -euo pipefail

cd "$(dirname "$0")"

readonly SERVER_XML=src-liberty/server.xml
readonly SERVER_XML_EDIT=validate.edit   # the variable that the server.xml check adds
readonly PRODUCTION_CONTAINER=quote-service-validate
readonly WARM_UP_IMAGE=quote-service:warm-up-check
readonly STACK_TIMEOUT=600   # seconds: a first build downloads the Maven dependencies
readonly RELOAD_TIMEOUT=60   # seconds for an edit to show through the edge
readonly MAX_NGINX_IMAGE_MB=150
readonly MAX_APP_LAYERS_MB=2 # what the production image adds over the official Liberty image

skip_tls_scan=false
keep_stack=false
clear_volumes=()

usage() {
  awk 'NR > 1 && /^set /{exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'
}

parse_arguments() {
  while getopts ":skch" option; do
    case "$option" in
      s) skip_tls_scan=true ;;
      k) keep_stack=true ;;
      c) clear_volumes=(--volumes) ;;
      h) usage; exit 0 ;;
      *) usage >&2; echo "validate.sh: unknown option -$OPTARG" >&2; exit 2 ;;
    esac
  done
}

# ---------------------------------------------------------------------------------------------
# Plumbing
# ---------------------------------------------------------------------------------------------

REPO_ROOT=$(pwd)
readonly REPO_ROOT
# The tests' library (test/README.md): the edge's and the containers' rules, which the
# production chain runs too, and with them check, compose, the edge's client and the quote.
# shellcheck source=test/lib/properties.sh
source test/lib/properties.sh

require_tools() {
  local tool missing=()
  for tool in docker curl openssl; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ! compose version >/dev/null 2>&1; then
    missing+=("${COMPOSE_COMMAND:-docker-compose or Compose v2}")
  fi
  if ((${#missing[@]})); then
    echo "validate.sh: missing ${missing[*]}; see README.md" >&2
    exit 2
  fi
  docker info >/dev/null 2>&1 || { echo "validate.sh: the Docker engine does not answer (is dockerd running?)" >&2; exit 2; }
}

# What the exit traps run after the edited sources are put back (protect_sources).
clean_up() {
  docker rm -f "$PRODUCTION_CONTAINER" >/dev/null 2>&1 || true
  if [[ $keep_stack == false ]]; then
    compose down "${clear_volumes[@]}" --remove-orphans >/dev/null 2>&1 || true
  fi
}

# ---------------------------------------------------------------------------------------------
# Bringing the stack up
# ---------------------------------------------------------------------------------------------

start_from_clean_state() {
  echo "== Removing this project's containers${clear_volumes[*]:+ and volumes}"
  compose down "${clear_volumes[@]}" --remove-orphans
  docker rm -f "$PRODUCTION_CONTAINER" >/dev/null 2>&1 || true
  echo "== docker-compose up --build -d"
  if ! compose up --build -d; then
    compose ps
    compose logs --tail=60
    fail "docker-compose up --build -d starts the stack"
    return 1
  fi
}

wait_for_stack() {
  echo "== Waiting for $(edge_url /) (at most ${STACK_TIMEOUT}s)"
  if ! wait_until "$STACK_TIMEOUT" 1 stack_answers; then
    compose ps
    compose logs --tail=40
    fail "the stack answers at $(edge_url /) within ${STACK_TIMEOUT}s"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------

# testssl.sh finds nothing at MEDIUM or worse beyond what the localhost certificate brings, and
# HSTS_time: the dev stack's max-age of 0 (docker-compose.yml), which testssl.sh 3.2.1 reports at
# MEDIUM as no number (its is_number takes no 0); hsts_as_the_edge_is_set checks the header.
tls_scan_finds_nothing() {
  local report rc=0
  report=$(mktemp -d)/testssl.json
  testssl_scan "$report" >/dev/null
  testssl_clean "$report" HSTS_time || rc=$?
  rm -rf "$(dirname "$report")"
  return "$rc"
}

hot_reload_shows_an_edit() {
  local marker started since
  marker="Edited $(date +%s)"
  since=$(date +%s)
  set_quote "$marker" || { restore_sources; echo "the quote line did not take the edit"; return 1; }
  started=$SECONDS
  if ! wait_until "$RELOAD_TIMEOUT" 1 grep_page "$marker"; then
    restore_sources
    echo "'$marker' not served within ${RELOAD_TIMEOUT}s"
    return 1
  fi
  local shown_after=$((SECONDS - started))
  # What the edit printed, for the next check (a moment for the line that follows the update).
  sleep 1
  EDIT_CONSOLE=$(log_lines "$APP" "$since")
  restore_sources
  wait_until "$RELOAD_TIMEOUT" 1 grep_page "$QUOTE" || { echo "the restored quote was not served again"; return 1; }
  echo "served about ${shown_after}s after the edit, and restored"
}

# The dev console is for people: an edit shows in a few lines of text (dev mode's compilation,
# Liberty's update of the application), no JSON record (README.md, "The dev stack and production").
EDIT_CONSOLE=""
an_edit_prints_a_few_lines() {
  local count
  count=$(grep -c . <<<"$EDIT_CONSOLE" || true)
  if ((count == 0 || count > 4)) || grep -q '^{\|"ibm_' <<<"$EDIT_CONSOLE"; then
    echo "expected 1 to 4 lines of text, got $count: $(head -n 6 <<<"$EDIT_CONSOLE" | cut -c1-160 | tr '\n' '|')"
    return 1
  fi
  tr '\n' '|' <<<"$EDIT_CONSOLE" | sed 's/|$//' | cut -c1-400
}

# edited_then_logged TEXT COMMAND...: COMMAND edits a source (and fails when the edit did not
# take), then the app's log must say TEXT within RELOAD_TIMEOUT; the sources are put back when
# either fails.
edited_then_logged() {
  local text=$1 since
  shift
  since=$(date +%s)
  "$@" || { restore_sources; echo "the edit did not take: $*"; return 1; }
  wait_until "$RELOAD_TIMEOUT" 1 logged "$APP" "$text" "$since" ||
    { restore_sources; echo "no '$text' in the app's log within ${RELOAD_TIMEOUT}s of the edit"; return 1; }
}

# A quote that does not compile: dev mode reports it, and the last good version goes on serving.
compile_error_keeps_the_last_good_version() {
  edited_then_logged 'Source compilation had errors' set_quote "Unterminated" unterminated || return 1
  # Served after the failure was reported, and again once Liberty had time to act on anything.
  if ! grep_page "$QUOTE" || ! sleep 2 || ! grep_page "$QUOTE"; then
    restore_sources
    echo "the last good quote was not served after the compile error"
    return 1
  fi
  restore_sources
  wait_until "$RELOAD_TIMEOUT" 1 grep_page "$QUOTE" || { echo "not served after the fix"; return 1; }
  echo "reported, the last good quote served, then the fix compiled"
}

# A functional edit of server.xml (one more variable) is applied by the running server.
server_xml_edit_is_applied() {
  local since
  edited_then_logged CWWKG0017I add_server_xml_variable || return 1
  since=$(date +%s)
  restore_sources
  wait_until "$RELOAD_TIMEOUT" 1 logged "$APP" CWWKG0017I "$since" || { echo "the restored server.xml was not applied"; return 1; }
  # Liberty restarts the application after an update of the configuration that dev mode
  # rewrites (its location, its variables): a moment of 404 while it does.
  wait_until "$RELOAD_TIMEOUT" 0.5 grep_page "$QUOTE" ||
    { echo "the quote was not served within ${RELOAD_TIMEOUT}s of the configuration updates"; return 1; }
  echo "applied (CWWKG0017I), restored and applied again"
}

# One more variable in server.xml, marked as a test run's edit.
add_server_xml_variable() {
  sed -i 's|</server>|    <!-- '"$SOURCE_EDIT_MARK"' --><variable name="'"$SERVER_XML_EDIT"'" defaultValue="'"$(date +%s)"'"/>\n</server>|' "$SERVER_XML"
  grep -qF "$SERVER_XML_EDIT" "$SERVER_XML"
}

grep_page() {
  edge_curl --fail "$(edge_url /)" | grep -qF "$1"
}

# app_page_from NETWORK PORT: the app's own page at app:PORT, asked by name by curl in a container
# on NETWORK alone (judged by its content: this machine answers for addresses it cannot route).
app_page_from() {
  tool_on "$1" curl --silent --max-time 3 "http://app:$2/" 2>/dev/null | grep -qF "X-Forwarded-For"
}

# Nothing on this machine reaches the app, and no request of it goes there to find out (the host
# may have no route to a container at all: Docker Desktop, rootless Docker): the app publishes
# no port and is on the compose project's backend network alone, which is internal and gives the
# host no address. A container on the edge network alone gets no answer from app:8000 (the app's
# port) nor app:8001 (the health check's), while one on the backend network gets the app's page
# there (the control: the name and ports are the app's; polled, since dev mode may still be
# restarting the application after the server.xml check).
app_unreachable_from_host() {
  local backend edge settings port
  [[ -z $(docker port "$APP") ]] || { echo "app publishes $(docker port "$APP" | tr '\n' ' ')"; return 1; }
  backend=$(compose_network backend) || { echo "no backend network"; return 1; }
  edge=$(compose_network edge) || { echo "no edge network"; return 1; }
  [[ $(networks_of "$APP") == "$backend" ]] || { echo "the app is on: $(networks_of "$APP" | tr '\n' ' ')"; return 1; }
  settings=$(docker network inspect --format \
    '{{.Internal}} {{index .Options "com.docker.network.bridge.inhibit_ipv4"}}' "$backend") || return 1
  [[ $settings == "true true" ]] ||
    { echo "$backend: internal and inhibit_ipv4 are '$settings', expected 'true true'"; return 1; }
  for port in 8000 8001; do
    wait_until 30 1 app_page_from "$backend" "$port" ||
      { echo "control: no page at app:$port from a container on $backend either, in 30 s"; return 1; }
    if app_page_from "$edge" "$port"; then
      echo "a container on $edge alone got the app's page at app:$port"
      return 1
    fi
  done
  echo "no published port; on $backend alone, internal, no host address; app:8000 and app:8001 answered on $backend, not on $edge"
}

# nginx reaches the app by its name on the internal backend network: that network is internal,
# the app is on it alone, nginx resolves the name app to the app's address there, and nginx's
# access record of a request names that address as its upstream.
nginx_reaches_app_by_name() {
  local backend internal app_networks address resolved
  backend=$(compose_network backend) || { echo "no backend network"; return 1; }
  internal=$(docker network inspect --format '{{.Internal}}' "$backend") || return 1
  [[ $internal == true ]] || { echo "$backend is not internal"; return 1; }
  app_networks=$(networks_of "$APP" | tr '\n' ' ')
  [[ $app_networks == "$backend " ]] || { echo "the app is on: $app_networks"; return 1; }
  networks_of "$NGINX" | grep -qx "$backend" || { echo "nginx is not on $backend"; return 1; }
  address=$(address_on "$backend" "$APP") || { echo "the app has no address on $backend"; return 1; }
  resolved=$(docker exec "$NGINX" getent hosts app | awk '{print $1}') || { echo "nginx does not resolve app"; return 1; }
  [[ $resolved == "$address" ]] || { echo "nginx resolves app to '$resolved', the app is at $address"; return 1; }
  proxied_to_app_at "$address" || return 1
  echo "(nginx's upstream): $backend internal, the app on it alone at $address, nginx resolves app to it"
}

key_in_no_image() {
  local image key_line
  key_line=$(grep -v -e '-----' "$EDGE_KEY" | head -n 1)
  [[ -n $key_line ]] || { echo "no key line in $EDGE_KEY"; return 1; }
  for image in "${PROJECT_IMAGES[@]}"; do
    # A search of an image that is not there would find nothing.
    docker image inspect "$image" >/dev/null 2>&1 || { echo "no image $image"; return 1; }
    if docker save "$image" | grep -aqF "$key_line"; then
      echo "the private key is in a layer of $image"
      return 1
    fi
    if docker history --no-trunc "$image" | grep -qF "$key_line"; then
      echo "the private key is in the history of $image"
      return 1
    fi
  done
  echo "searched every layer of ${PROJECT_IMAGES[*]}"
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
  nginx_bytes=$(image_bytes "$EDGE_IMAGE")
  added_bytes=$(($(image_bytes "$PRODUCTION_IMAGE") - $(image_bytes "$base")))
  echo "nginx $(megabytes "$nginx_bytes"); production app $(megabytes "$(image_bytes "$PRODUCTION_IMAGE")"), of which $((added_bytes / 1000)) kB over $base; dev app $(megabytes "$(image_bytes "$DEV_IMAGE")")"
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

# server_messages_log CONTAINER: the messages.log of the Liberty server that runs in CONTAINER,
# found from the server's own process (ws-server.jar): in LOG_DIR, else in its WLP_OUTPUT_DIR
# (the image's, or the one dev mode gives it).
server_messages_log() {
  # shellcheck disable=SC2016 # runs in the container
  docker exec "$1" bash -c 'for process in /proc/[0-9]*; do
      if tr "\0" " " <"$process/cmdline" 2>/dev/null | grep -q "ws-server\.jar"; then
        env=$(tr "\0" "\n" <"$process/environ")
        log_dir=$(sed -n "s/^LOG_DIR=//p" <<<"$env")
        output_dir=$(sed -n "s/^WLP_OUTPUT_DIR=//p" <<<"$env")
        echo "${log_dir:-$output_dir/defaultServer/logs}/messages.log"
        exit 0
      fi
    done
    exit 1'
}

# server_facts CONTAINER: what the Liberty server running in CONTAINER says of itself, one fact a
# line: from the header of its messages.log, the Liberty product, installation and Java (home,
# version, runtime); the JVM of its "Launching" line on the console; the features it started
# (CWWKF0012I); and the features that productInfo lists as installed in that installation.
server_facts() {
  local container=$1 messages_log messages install_dir
  messages_log=$(server_messages_log "$container") || { echo "no Liberty server runs in $container"; return 1; }
  messages=$(docker exec "$container" cat "$messages_log") || { echo "no $messages_log in $container"; return 1; }
  grep -E '^(product|wlp\.install\.dir|java\.home|java\.version|java\.runtime) = ' <<<"$messages"
  docker logs "$container" 2>&1 | sed -n 's/^\(\[INFO\] \)\{0,1\}Launching [^ ]* (.*) on \(.*\) ([a-z_A-Z]*)$/jvm = \2/p' | tail -n 1
  grep -o 'CWWKF0012I: The server installed the following features: \[[^]]*\]' <<<"$messages" | tail -n 1 |
    sed 's/^CWWKF0012I: The server installed the following features: /features started = /'
  install_dir=$(sed -n 's/^wlp\.install\.dir = //p' <<<"$messages")
  [[ -n $install_dir ]] || { echo "no wlp.install.dir in $container's $messages_log"; return 1; }
  printf 'features installed = %s\n' "$(docker exec "$container" "${install_dir}bin/productInfo" featureInfo | tr -d '\r' | sort | tr '\n' ' ')"
}

# dev_image_lineage: the layers of the image that the dev stack's app runs begin with those of the
# production image's base (its label), and go on with the production image's own first layers
# (the liberty stage: the server's configuration and features), built once for both.
dev_image_lineage() {
  local base dev production base_count common=0
  base=$(docker image inspect --format '{{index .Config.Labels "org.opencontainers.image.base.name"}}' "$PRODUCTION_IMAGE")
  mapfile -t base < <(docker image inspect --format '{{range .RootFS.Layers}}{{println .}}{{end}}' "$base" | sed '/^$/d')
  mapfile -t dev < <(docker image inspect --format '{{range .RootFS.Layers}}{{println .}}{{end}}' \
    "$(docker inspect --format '{{.Image}}' "$APP")" | sed '/^$/d')
  mapfile -t production < <(docker image inspect --format '{{range .RootFS.Layers}}{{println .}}{{end}}' "$PRODUCTION_IMAGE" | sed '/^$/d')
  base_count=${#base[@]}
  ((base_count > 0)) || { echo "the production image's base has no layers"; return 1; }
  while ((common < ${#dev[@]} && common < ${#production[@]})) && [[ ${dev[common]} == "${production[common]}" ]]; do
    common=$((common + 1))
  done
  if [[ ${dev[*]:0:base_count} != "${base[*]}" ]]; then
    echo "the dev image's ${#dev[@]} layers do not begin with the ${base_count} of the production base"
    return 1
  fi
  ((common > base_count)) || { echo "the dev and production images share no layer beyond the base"; return 1; }
  echo "the dev image's first $common of ${#dev[@]} layers are the production image's ($base_count of its base)"
}

# The dev stack's server is the production image's: the same JVM and Java home, Liberty version
# and installation, features installed and started (server_facts of the running dev server and
# of a production container), and the dev image is built on the production image's layers.
dev_server_is_the_production_server() {
  local dev production lineage
  docker rm -f "$PRODUCTION_CONTAINER" >/dev/null 2>&1 || true
  docker run -d --name "$PRODUCTION_CONTAINER" "$PRODUCTION_IMAGE" >/dev/null
  if ! wait_until 120 1 logged "$PRODUCTION_CONTAINER" CWWKF0011I; then
    echo "the production server did not start within 120 s"
    return 1
  fi
  dev=$(server_facts "$APP") || { echo "dev: $dev"; return 1; }
  production=$(server_facts "$PRODUCTION_CONTAINER") || { echo "production: $production"; return 1; }
  docker rm -f "$PRODUCTION_CONTAINER" >/dev/null
  if [[ $dev != "$production" ]]; then
    echo "dev (<) and production (>) differ: $(diff <(echo "$dev") <(echo "$production") | grep '^[<>]' | cut -c1-240 | tr '\n' ' ')"
    return 1
  fi
  lineage=$(dev_image_lineage) || { echo "$lineage"; return 1; }
  echo "$(grep -E '^(jvm|java\.home|product|wlp\.install\.dir) = ' <<<"$dev" | tr '\n' ';' | sed 's/;/; /g')$(grep -c . <<<"$(sed -n 's/^features installed = //p' <<<"$dev" | tr ' ' '\n')") features installed, the same started; $lineage"
}

# build_verbose_production LOG [docker build options...]
build_verbose_production() {
  local log=$1
  shift
  build_app_image --progress=plain --build-arg VERBOSE=true "$@" -t "$WARM_UP_IMAGE" >"$log" 2>&1
}

configure_step_cached() {
  grep -A2 'RUN configure.sh$' "$1" | grep -q ' CACHED$'
}

# No keystore in the production image, nor after a start (the image's entrypoint writes one
# unless SAVE_KEYSTORE=false), and the user of its Liberty base image, a uid that is not root.
production_image_has_no_keystore() {
  local found user base_user
  found=$(docker run --rm "$PRODUCTION_IMAGE" find /config/ /output/ -name 'keystore.xml' -o -name 'key.p12' 2>&1) || { echo "$found"; return 1; }
  [[ -z $found ]] || { echo "after a start: $found"; return 1; }
  use_base_images
  user=$(docker image inspect --format '{{.Config.User}}' "$PRODUCTION_IMAGE") || return 1
  base_user=$(docker image inspect --format '{{.Config.User}}' "$LIBERTY_IMAGE") || return 1
  [[ $user == "$base_user" && ${user%%:*} =~ ^[1-9][0-9]*$ ]] ||
    { echo "user '$user', expected $LIBERTY_IMAGE's '$base_user', a uid other than 0"; return 1; }
  echo "no keystore.xml or key.p12 in /config or /output after a start; user $user, $LIBERTY_IMAGE's"
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
  build_app_image --quiet -t "$PRODUCTION_IMAGE" >/dev/null
}

main() {
  parse_arguments "$@"
  require_tools
  protect_sources clean_up "$QUOTE_FILE" "$SERVER_XML"

  if start_from_clean_state && wait_for_stack; then
    edge_checks
    if [[ $skip_tls_scan == true ]]; then
      echo "Skip: TLS scan with testssl.sh (-s)"
    else
      check "testssl.sh finds nothing at MEDIUM or worse" tls_scan_finds_nothing
    fi
    check "hot reload: an edit of the quote shows through the edge" hot_reload_shows_an_edit
    check "hot reload: the edit printed a few lines of text on the app's console" an_edit_prints_a_few_lines
    check "hot reload: a compile error is reported and the last good version served" compile_error_keeps_the_last_good_version
    check "hot reload: an edit of server.xml is applied" server_xml_edit_is_applied
    check "the app is unreachable from the host" app_unreachable_from_host
    check "nginx reaches the app on the internal network" nginx_reaches_app_by_name
    check "a stop of nginx writes its buffered access log out" stop_keeps_nginx_log
    build_production_image
    check "the production image serves on 8000 alone" production_image_serves_alone
    check "dev and production: one JVM, Liberty installation and features; the dev image on the production layers" dev_server_is_the_production_server
    check "the production build's warm-up reaches the app on 8000" production_build_warms_the_app
    check "the production image holds no keystore, runs as its Liberty base image's non-root user" production_image_has_no_keystore
    check "the private key is in no image layer or history" key_in_no_image
    check "image sizes" image_sizes_are_small
  fi

  checks_summary validate
}

main "$@"
