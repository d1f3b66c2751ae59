# shellcheck shell=bash
# edge-probes.sh: what the security and reliability parts share to probe the running stack
# through its edge: raw and curl clients, the two containers' logs, markers. Sourced, never run.
# It sources helpers.sh, whose `check` is how every part writes and counts its checks; each
# part ends with `checks_summary "$PART"`. All traffic goes to 127.0.0.1 / localhost or to the
# stack's own container networks.

# shellcheck disable=SC2034 # KEY, IMAGES and MARKER are for the parts that source this file
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly REPO_ROOT
readonly CERT="$REPO_ROOT/nginx/files/localhost.crt"
readonly KEY="$REPO_ROOT/nginx/files/localhost.key"
readonly APP=app NGINX=nginx
readonly IMAGES=(quote-service:dev quote-nginx:latest quote-service:latest)

# One id per suite run, so that markers of one run never match another run's log lines.
RUN_ID=${SUITE_RUN_ID:-$(date +%s)$RANDOM}
PART=${PART:-suite}
LOG_NAME=$PART
# Only log lines written since the part started are searched.
LOG_SINCE=$(($(date +%s) - 2))

# shellcheck source=test/lib/helpers.sh
source "$REPO_ROOT/test/lib/helpers.sh"

# ---------------------------------------------------------------------------------------------
# HTTP clients. Each prints what it got and never fails, so that a refusal is a result.
# ---------------------------------------------------------------------------------------------

# curl with the project's CA and a bound on time; extra arguments and the URL follow.
tcurl() {
  curl --silent --max-time 10 --cacert "$CERT" "$@"
}

# status URL [curl arguments...]: the HTTP status, 000 when there was no answer.
status() {
  local url=$1
  shift
  tcurl --output /dev/null --write-out '%{http_code}' "$@" "$url" || true
}

# The app answers 200 through nginx.
stack_serves() {
  [[ $(status https://localhost/) == 200 ]]
}

# raw_tls REQUEST: REQUEST (printf %b escapes) sent over one TLS connection to 127.0.0.1:443
# with SNI localhost; prints every byte of the answer until nginx closes (at most 10 s).
raw_tls() {
  printf '%b' "$1" |
    timeout 10 openssl s_client -quiet -connect 127.0.0.1:443 -servername localhost \
      -CAfile "$CERT" -verify_return_error 2>/dev/null || true
}

# raw_plain PORT REQUEST: the same over plain TCP to 127.0.0.1:PORT.
raw_plain() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 0
    printf "%b" "$2" >&3
    cat <&3' _ "$1" "$2" 2>/dev/null || true
}

# The status of the first response in a raw answer, or "none".
first_status() {
  local code
  code=$(head -n 1 <<<"$1" | tr -d '\r' | sed -n 's|^HTTP/[0-9.]* \([0-9][0-9][0-9]\).*|\1|p')
  printf '%s' "${code:-none}"
}

# The statuses of every response in a raw answer, space-separated.
all_statuses() {
  tr -d '\r' <<<"$1" | sed -n 's|^HTTP/1\.[01] \([0-9][0-9][0-9]\) .*|\1|p' | tr '\n' ' ' | sed 's/ $//'
}

# The body of the first response in a raw answer.
first_body() {
  tr -d '\r' <<<"$1" | sed '1,/^$/d'
}

# ---------------------------------------------------------------------------------------------
# Logs: what the app and nginx saw.
# ---------------------------------------------------------------------------------------------

# The app's JSON records since the part started (helpers.sh: app_records).
app_log() {
  app_records_since "$LOG_SINCE"
}

# nginx's JSON access log lines (stdout) since the part started.
nginx_access_log() {
  docker logs --since "$LOG_SINCE" "$NGINX" 2>/dev/null
}

app_logged() {
  app_log | grep -F "$1" >/dev/null
}

nginx_logged() {
  nginx_access_log | grep -F "$1" >/dev/null
}

# The client address nginx logged for the request that carries MARKER.
nginx_client_for() {
  nginx_access_log | grep -F "$1" | tail -n 1 | jq -r '.client // empty' 2>/dev/null || true
}

# A marker unique in this run, ended by a letter so that no marker is the prefix of another: sets MARKER (no subshell, so the counter counts).
marker_count=0
new_marker() {
  marker_count=$((marker_count + 1))
  MARKER="sx${RUN_ID}${PART//[^a-z]/}${marker_count}z"
}

# ---------------------------------------------------------------------------------------------
# The stack must be up.
# ---------------------------------------------------------------------------------------------

require_stack() {
  local tool
  for tool in docker curl openssl jq timeout; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$PART: $tool is missing" >&2; exit 2; }
  done
  if ! docker info >/dev/null 2>&1; then
    echo "$PART: the Docker engine does not answer; start it, then the stack" >&2
    exit 2
  fi
  if ! container_running "$APP" || ! container_running "$NGINX" || ! wait_until 30 1 stack_serves; then
    echo "$PART: the stack is not running or https://localhost/ does not answer 200." >&2
    echo "$PART: start it first: ./validate.sh -s -k   (or: docker-compose up -d, then wait for https://localhost/)" >&2
    exit 2
  fi
}
