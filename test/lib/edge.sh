# shellcheck shell=bash
# edge.sh: how the tests speak to the edge (nginx) from this machine, through its published
# ports on 127.0.0.1: the one CA, the one HTTPS client and the URLs it asks, the one "the stack
# answers", raw HTTP/1.1 over TLS or TCP, openssl's handshakes, HTTP/3, testssl.sh, and the
# markers that find a request again in the logs. Sourced, never run (after checks.sh,
# containers.sh and tools.sh, which it sources: testssl.sh, jq and curl with HTTP/3 come from
# the tests' tools image where this machine lacks them).
#
#   EDGE_CA              the certificate the clients trust (default: the project's localhost one)
#   EDGE_HOST            the name asked for (default localhost; the production chain serves its own)
#   HTTPS_PUBLISH_PORT   the host's port for the edge's 443 (default 443), TCP and UDP
#   HTTP_PUBLISH_PORT    the host's port for the edge's 80 (default 80)
#   edge_url [PATH] [SCHEME] [PORT]   the URL of PATH (default /) at EDGE_HOST over SCHEME (https,
#                        or http), at the published port of that scheme unless PORT is given
#   redirect_origin      https://EDGE_HOST, with the published HTTPS port unless it is 443: what
#                        the edge's redirects name
#   edge_curl ARGS...    curl bounded to 10 s, trusting EDGE_CA, EDGE_HOST's published ports on
#                        127.0.0.1 whatever the name resolves to
#   edge_status URL [curl arguments...]  the HTTP status, 000 when there was no answer
#   stack_answers        the app answers 200 through the edge
#   edge_h3 ARGS...      edge_curl's HTTP/3 twin (curl_http3), over the published UDP port;
#                        edge_h3_within SECONDS ARGS... bounds it as a whole

[[ -z ${EDGE_SH_SOURCED:-} ]] || return 0
EDGE_SH_SOURCED=1
# shellcheck source=test/lib/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
# shellcheck source=test/lib/containers.sh
source "$(dirname "${BASH_SOURCE[0]}")/containers.sh"
# shellcheck source=test/lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"

EDGE_CA=${EDGE_CA:-${REPO_ROOT:?}/nginx/files/localhost.crt}
# shellcheck disable=SC2034 # for the scripts that source this file
EDGE_KEY=${EDGE_KEY:-${REPO_ROOT:?}/nginx/files/localhost.key}
EDGE_HOST=${EDGE_HOST:-localhost}
HTTPS_PUBLISH_PORT=${HTTPS_PUBLISH_PORT:-443}
HTTP_PUBLISH_PORT=${HTTP_PUBLISH_PORT:-80}

edge_url() {
  local path=${1:-/} scheme=${2:-https} port=${3:-}
  if [[ -z $port ]]; then
    port=$HTTPS_PUBLISH_PORT
    [[ $scheme == https ]] || port=$HTTP_PUBLISH_PORT
  fi
  printf '%s://%s:%s%s\n' "$scheme" "$EDGE_HOST" "$port" "$path"
}

redirect_origin() {
  if [[ $HTTPS_PUBLISH_PORT == 443 ]]; then
    printf 'https://%s\n' "$EDGE_HOST"
  else
    printf 'https://%s:%s\n' "$EDGE_HOST" "$HTTPS_PUBLISH_PORT"
  fi
}

edge_curl() {
  curl --silent --max-time 10 --cacert "$EDGE_CA" --resolve "$EDGE_HOST:$HTTPS_PUBLISH_PORT:127.0.0.1" \
    --resolve "$EDGE_HOST:$HTTP_PUBLISH_PORT:127.0.0.1" "$@"
}

edge_status() {
  local url=$1
  shift
  edge_curl --output /dev/null --write-out '%{http_code}' "$@" "$url" || true
}

# edge_head URL [curl arguments...]: the status line and headers of a HEAD of URL, without CRs.
edge_head() {
  local url=$1
  shift
  edge_curl --head "$@" "$url" | tr -d '\r'
}

# header_value NAME HEADERS: the value of header NAME (any case) in HEADERS, empty if none.
header_value() {
  sed -n "s/^$1: //Ip" <<<"$2"
}

# edge_status_on NETWORK CONTAINER: the status of GET / from an nginx of the project's image,
# the container CONTAINER, at its port 443, asked as EDGE_HOST by curl in a container on NETWORK
# (by CONTAINER's name there): the host may have no route to a container's address (Docker
# Desktop, rootless Docker). 000 when there was no answer.
edge_status_on() {
  tool_on "$1" curl --silent --max-time 10 --cacert "$EDGE_CA" --connect-to "$EDGE_HOST:443:$2:443" \
    --output /dev/null --write-out '%{http_code}' "https://$EDGE_HOST/" || true
}

stack_answers() {
  local status
  status=$(edge_status "$(edge_url /)")
  [[ $status == 200 ]] || { echo "status $status at $(edge_url /)"; return 1; }
}

# raw_tls REQUEST: REQUEST (printf %b escapes) sent over one TLS connection to the published
# HTTPS port with SNI EDGE_HOST; prints every byte of the answer until nginx closes (at most 10 s).
raw_tls() {
  printf '%b' "$1" |
    timeout 10 openssl s_client -quiet -connect "127.0.0.1:$HTTPS_PUBLISH_PORT" -servername "$EDGE_HOST" \
      -CAfile "$EDGE_CA" -verify_return_error 2>/dev/null || true
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

# The body of the first response in a raw answer.
first_body() {
  tr -d '\r' <<<"$1" | sed '1,/^$/d'
}

# tls_handshake ARGS...: openssl's handshake with the edge (SNI EDGE_HOST), its output.
tls_handshake() {
  timeout 10 openssl s_client -connect "127.0.0.1:$HTTPS_PUBLISH_PORT" -servername "$EDGE_HOST" \
    -CAfile "$EDGE_CA" "$@" </dev/null 2>&1
}

# negotiated PROTOCOL OUTPUT: openssl's handshake output says PROTOCOL was negotiated. Its
# "New, ..." line is always printed; the session block's "Protocol :" line only once a TLS 1.3
# server's ticket has arrived, which an s_client reading /dev/null may not wait for.
negotiated() {
  grep -qE "^New, $1, Cipher is" <<<"$2"
}

# tls_refused_with ALERT ARGS...: the edge refuses the handshake that ARGS ask for with the
# alert ALERT (a pattern of openssl's report), after the same probe with TLS 1.2 was accepted
# (a positive control: the refusal is the server's, not this client's).
tls_refused_with() {
  local alert=$1 output
  shift
  output=$(tls_handshake -tls1_2)
  negotiated TLSv1.2 "$output" ||
    { echo "control: TLS 1.2 not accepted: $(grep -m1 -iE 'error|alert' <<<"$output")"; return 1; }
  output=$(tls_handshake "$@") && { echo "accepted: $(grep -m1 -E '^New, ' <<<"$output")"; return 1; }
  grep -qE "$alert" <<<"$output" || { echo "refused, but not with '$alert': $(grep -m1 -iE 'error|alert' <<<"$output")"; return 1; }
  echo "refused with $(grep -m1 -oE "$alert" <<<"$output")"
}

# The SHA-256 fingerprint of the certificate the edge serves at its published port.
served_fingerprint() {
  tls_handshake -showcerts | certificate_fingerprint
}

# certificate_fingerprint: the SHA-256 fingerprint of the first certificate on stdin (a PEM
# file, or openssl's handshake output).
certificate_fingerprint() {
  openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//'
}

# testssl_scan REPORT: testssl.sh's scan of the edge, its JSON in REPORT (which must not exist
# yet), bounded to 10 minutes: protocols, standard cipher groups, forward secrecy and groups,
# server preferences and each protocol's cipher order, defaults (ALPN, session handling,
# certificate), headers, vulnerabilities. The exit status counts findings; the JSON is what is
# judged. Its console output goes to stdout. The tools image's testssl.sh, one version for every
# machine: the findings' ids and the grade differ between versions.
testssl_scan() {
  tool_within 600 testssl --quiet --warnings off --color 0 --add-ca "$EDGE_CA" \
    --jsonfile "$1" --protocols --std --fs --server-preference --server-defaults --headers \
    --vulnerable "$(edge_url /)" 2>&1 || true
}

# testssl_findings REPORT [ID...]: the ids of findings at MEDIUM or worse in a testssl.sh JSON
# report, less the IDs given and those inherent to the self-signed localhost certificate:
# no CRL or OCSP address
# (revocation is out of scope), and a validity over the 825 days allowed to publicly trusted
# certificates (it must outlive the project; nginx/files/README.md), which testssl.sh 3.0 names
# cert_validityPeriod and 3.2 cert_extlifeSpan.
testssl_findings() {
  local report=$1 id
  local -a left_out=(-e cert_revocation -e cert_validityPeriod -e cert_extlifeSpan)
  shift
  for id in "$@"; do
    left_out+=(-e "$id")
  done
  jq -r '.[] | select(.severity == "MEDIUM" or .severity == "HIGH" or .severity == "CRITICAL") | .id' "$report" |
    grep -vx "${left_out[@]}" | sort -u || true
}

# testssl_clean REPORT [ID...]: the report of a scan that ran (a JSON report, no scan problem or
# FATAL record, TLS 1.3 found offered) holds nothing at MEDIUM or worse beyond the inherent ones
# and the IDs given.
testssl_clean() {
  local problems findings
  { [[ -s $1 ]] && jq -e 'length > 0' "$1" >/dev/null 2>&1; } || { echo "no JSON report"; return 1; }
  problems=$(jq -r '.[] | select(.severity == "FATAL" or .id == "scanProblem") | "\(.id): \(.finding)"' "$1")
  [[ -z $problems ]] || { echo "the scan did not run: $(tr '\n' ' ' <<<"$problems")"; return 1; }
  jq -e 'any(.[]; .id == "TLS1_3" and (.finding | startswith("offered")))' "$1" >/dev/null ||
    { echo "no TLS1_3 offered in the report: the scan saw no TLS 1.3 server"; return 1; }
  findings=$(testssl_findings "$@" | tr '\n' ' ' | sed 's/ $//')
  [[ -z $findings ]] || { echo "findings: $findings"; return 1; }
  echo "none beyond the inherent ones"
}

# curl_http3 ARGS...: curl that speaks HTTP/3 on ngtcp2: this machine's curl when its version
# names ngtcp2, else the tools image's (test/lib/tools.sh), whose mounts keep file arguments
# (EDGE_CA in the repository or TMPDIR) at their paths.
curl_http3() {
  curl_http3_within 0 "$@"
}

# curl_http3_within SECONDS ARGS...: the same, ended after SECONDS in all (0: no bound).
curl_http3_within() {
  local seconds=$1
  shift
  if curl_speaks_http3_on_ngtcp2; then
    timeout "$seconds" curl "$@"
  else
    tool_within "$seconds" curl "$@"
  fi
}

edge_h3() {
  edge_h3_within 0 "$@"
}

# edge_h3_within SECONDS ARGS...: the same, ended after SECONDS in all (0: no bound).
edge_h3_within() {
  local seconds=$1
  shift
  curl_http3_within "$seconds" --http3-only --silent --max-time 10 --cacert "$EDGE_CA" \
    --resolve "$EDGE_HOST:$HTTPS_PUBLISH_PORT:127.0.0.1" "$@"
}

# This machine's curl lists HTTP3 and ngtcp2.
curl_speaks_http3_on_ngtcp2() {
  local version
  version=$(curl --version 2>/dev/null) || return 1
  grep -q '^Features:.* HTTP3' <<<"$version" && grep -q ' ngtcp2/' <<<"$version"
}

# One id per suite run, so that markers of one run never match another run's log lines.
RUN_ID=${SUITE_RUN_ID:-$(date +%s)$RANDOM}
marker_count=0

# new_marker: sets MARKER, unique in this run and ended by a letter so that no marker is the
# prefix of another (no subshell, so the counter counts).
new_marker() {
  marker_count=$((marker_count + 1))
  # shellcheck disable=SC2034 # for the scripts that source this file
  MARKER="sx${RUN_ID}${LOG_NAME//[^a-z]/}${marker_count}z"
}

# require_stack: the tools, the engine, and the stack answering; else exit 2 with the remedy.
require_stack() {
  local tool
  for tool in docker curl openssl timeout; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$LOG_NAME: $tool is missing" >&2; exit 2; }
  done
  if ! docker info >/dev/null 2>&1; then
    echo "$LOG_NAME: the Docker engine does not answer; start it, then the stack" >&2
    exit 2
  fi
  local others
  if ! others=$(others_stack); then
    echo "$LOG_NAME: the containers $others are not this checkout's stack; take that stack down first" >&2
    exit 2
  fi
  if ! container_running "$APP" || ! container_running "$NGINX" || ! wait_until 30 1 stack_answers; then
    echo "$LOG_NAME: the stack is not running or $(edge_url /) does not answer 200." >&2
    echo "$LOG_NAME: start it first: ./validate.sh -s -k   (or: docker-compose up -d, then wait for $(edge_url /))" >&2
    exit 2
  fi
}

# edge_record_field MARKER FIELD: FIELD of nginx's last access record that holds MARKER, among
# those written since LOG_SINCE; empty when there is none.
edge_record_field() {
  log_lines "$NGINX" "$LOG_SINCE" stdout | grep -F -- "$1" | tail -n 1 | jq -r ".$2 // empty" 2>/dev/null || true
}
