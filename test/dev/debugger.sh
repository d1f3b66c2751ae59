#!/usr/bin/env bash
# debugger.sh: the dev stack's debugger setting, DEV_DEBUG_PORT (docker-compose.yml, README.md
# "Debugging"). Set: the dev server's JVM runs a JDWP agent on 7777, nginx relays its port 5005
# there (nginx/docker-entrypoint.d/17-debug-relay.sh), published on the host's loopback alone,
# and jdb (the dev image's JDK, in a container on the host's network, as an IDE on the host
# would be) attaches through it and lists the server's threads. Unset, the default, which this
# part puts back: no agent in the app, no relay in nginx, nothing listens on either port, and jdb
# attaches nowhere. The app's HTTP port is published by neither. A value that is no port stops
# dev mode and nginx with the reason. Run alone or from
# run-stack-tests.sh against the running dev stack, which it recreates twice.
set -euo pipefail

export PART=debugger
# shellcheck source=test/lib/edge.sh
source "$(dirname "$0")/../lib/edge.sh"

# The host port of the relay while the setting is on.
readonly DEBUG_PORT=${DEBUG_TEST_PORT:-5005}
# The images of the stack under test (read at the start): the dev image holds a JDK (the Maven
# image's, for compiling), and so jdb.
STACK_APP_IMAGE="" STACK_EDGE_IMAGE=""
readonly APP_DEBUG_PORT=7777 RELAY_PORT=5005

# listening CONTAINER PORT: a TCP socket of CONTAINER's network namespace listens on PORT.
listening() {
  local tables
  tables=$(docker exec "$1" cat /proc/net/tcp /proc/net/tcp6) || return 2
  awk -v port="$(printf ':%04X' "$2")" '$4 == "0A" && substr($2, length($2) - 4) == port { found = 1 } END { exit !found }' <<<"$tables"
}

listens() {
  if listening "$1" "$2"; then echo "$1 listens on $2"; else echo "nothing listens on $2 in $1"; return 1; fi
}

listens_not() {
  local status=0
  listening "$1" "$2" || status=$?
  case $status in
    0) echo "$1 listens on $2"; return 1 ;;
    1) echo "nothing listens on $2 in $1" ;;
    *) echo "could not read $1's sockets"; return 1 ;;
  esac
}

# jdb_threads ADDRESS: what jdb prints when it attaches to ADDRESS and is asked for the threads.
jdb_threads() {
  printf 'threads\nexit\n' |
    timeout 60 docker run --rm -i --network host --entrypoint /opt/dev-mode/jdk/bin/jdb "$STACK_APP_IMAGE" \
      -attach "$1" 2>&1 || true
}

# Liberty's executor threads in a thread list are the server's, not some other JVM's.
jdb_lists_the_servers_threads() {
  local output
  output=$(jdb_threads "$1")
  if grep -q 'Default Executor-thread' <<<"$output"; then
    echo "$(grep -c '^ *(' <<<"$output") threads, Liberty's executor among them"
  else
    echo "expected Liberty's threads from jdb at $1, got: $(tail -n 3 <<<"$output" | tr '\n' ' ')"
    return 1
  fi
}

jdb_attaches_nowhere() {
  local output
  output=$(jdb_threads "$1")
  if grep -q 'Default Executor-thread\|^> ' <<<"$output"; then
    echo "jdb attached at $1: $(head -n 3 <<<"$output" | tr '\n' ' ')"
    return 1
  fi
  echo "jdb at $1: $(grep -m 1 -i 'error\|exception\|unable\|refused' <<<"$output" || tail -n 1 <<<"$output")"
}

app_healthy() {
  [[ $(docker inspect --format '{{.State.Health.Status}}' "$APP" 2>/dev/null) == healthy ]]
}

# recreate_stack: the dev stack again with the environment as it is now (compose recreates the
# containers whose settings changed), then until it serves.
recreate_stack() {
  compose up -d >/dev/null 2>&1 || { echo "docker-compose up failed"; return 1; }
  wait_until 240 2 app_healthy || { echo "the app was not healthy within 240 s"; return 1; }
  wait_until 30 1 stack_answers || { echo "the stack did not serve within 30 s"; return 1; }
}

app_unpublished() {
  local ports
  ports=$(docker port "$APP")
  [[ -z $ports ]] || { echo "the app publishes $ports"; return 1; }
  echo "the app publishes no port"
}

# refused IMAGE PATTERN ARGS...: a container of IMAGE with DEV_DEBUG_PORT=70000 stops by itself
# (within 30 s), non-zero, and says why.
refused() {
  local image=$1 pattern=$2 output status=0
  shift 2
  output=$(timeout 30 docker run --rm -e DEV_DEBUG_PORT=70000 "$@" "$image" 2>&1) || status=$?
  if ((status == 0 || status == 124)) || ! grep -q "$pattern" <<<"$output"; then
    echo "expected a stop with '$pattern', got status $status: $(tail -n 2 <<<"$output" | tr '\n' ' ')"
    return 1
  fi
  echo "status $status: $(grep -m 1 "$pattern" <<<"$output")"
}

put_back() {
  unset DEV_DEBUG_PORT
  recreate_stack >/dev/null || true
}

main() {
  require_stack
  command -v timeout >/dev/null || { echo "$PART: timeout is missing" >&2; exit 2; }
  STACK_APP_IMAGE=$(docker inspect --format '{{.Image}}' "$APP")
  STACK_EDGE_IMAGE=$(docker inspect --format '{{.Image}}' "$NGINX")
  trap put_back EXIT

  export DEV_DEBUG_PORT=$DEBUG_PORT
  check "on: the dev stack starts with DEV_DEBUG_PORT=$DEBUG_PORT" recreate_stack
  check "on: the dev server's JVM listens for a debugger ($APP_DEBUG_PORT)" listens "$APP" "$APP_DEBUG_PORT"
  check "on: nginx relays its port $RELAY_PORT" listens "$NGINX" "$RELAY_PORT"
  check "on: the relay is published on the host's loopback alone" \
    equals "127.0.0.1:$DEBUG_PORT" "$(docker port "$NGINX" "$RELAY_PORT/tcp" | tr '\n' ' ' | sed 's/ $//')"
  check "on: jdb attaches through 127.0.0.1:$DEBUG_PORT and lists the server's threads" \
    jdb_lists_the_servers_threads "127.0.0.1:$DEBUG_PORT"
  check "on: the app's HTTP port is still reachable only through nginx" app_unpublished

  unset DEV_DEBUG_PORT
  check "off: the dev stack starts without DEV_DEBUG_PORT" recreate_stack
  check "off: no debugger in the dev server's JVM ($APP_DEBUG_PORT)" listens_not "$APP" "$APP_DEBUG_PORT"
  check "off: no relay in nginx ($RELAY_PORT)" listens_not "$NGINX" "$RELAY_PORT"
  check "off: jdb attaches nowhere, at the loopback port that Docker picked" \
    jdb_attaches_nowhere "$(docker port "$NGINX" "$RELAY_PORT/tcp" | head -n 1)"
  trap - EXIT

  check "a DEV_DEBUG_PORT that is no port stops dev mode, with the reason" \
    refused "$STACK_APP_IMAGE" "DEV_DEBUG_PORT must be empty"
  check "a DEV_DEBUG_PORT that is no port stops nginx, with the reason" \
    refused "$STACK_EDGE_IMAGE" "DEV_DEBUG_PORT must be empty" --read-only --tmpfs /tmp \
    -v "$REPO_ROOT/nginx/files:/etc/nginx/tls:ro" -e TLS_CERTIFICATE=/etc/nginx/tls/localhost.crt \
    -e TLS_PRIVATE_KEY=/etc/nginx/tls/localhost.key -e PUBLISH_ADDRESS=127.0.0.1 -e APP_UPSTREAM=127.0.0.1:8000
  checks_summary "$PART"
}

main "$@"
