# shellcheck shell=bash
# properties.sh: the rules, for `check` (checks.sh), of what the edge and the containers must do
# whichever stack serves them: the dev stack (validate.sh, the suite) and the production images
# as an operator runs them (test/operations/). A property asserted on more than one stack is
# written here once and called where it is needed (test/README.md lists each property and its
# place). Sourced, never run (it sources the rest of test/lib).

[[ -z ${PROPERTIES_SH_SOURCED:-} ]] || return 0
PROPERTIES_SH_SOURCED=1
# shellcheck source=test/lib/edge.sh
source "$(dirname "${BASH_SOURCE[0]}")/edge.sh"

ipv4='([0-9]{1,3}\.){3}[0-9]{1,3}'

quote_page_is_right() {
  local page
  page=$(edge_curl --show-error --fail "$(edge_url /)") || return 1
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

# https_and_http_heads: sets HTTPS_HEAD and HTTP_HEAD, the edge's answers to a HEAD of / over
# HTTPS (200) and HTTP (301), or fails saying what came instead.
https_and_http_heads() {
  HTTPS_HEAD=$(edge_head "$(edge_url /)")
  HTTP_HEAD=$(edge_head "$(edge_url / http)")
  [[ $(first_status "$HTTPS_HEAD") == 200 && $(first_status "$HTTP_HEAD") == 301 ]] ||
    { echo "expected HTTPS 200 and HTTP 301, got $(first_status "$HTTPS_HEAD") and $(first_status "$HTTP_HEAD")"; return 1; }
}

http3_advertised_over_https_only() {
  local https http
  https_and_http_heads || return 1
  https=$(header_value alt-svc "$HTTPS_HEAD")
  http=$(header_value alt-svc "$HTTP_HEAD")
  [[ $https == "h3=\":$HTTPS_PUBLISH_PORT\"; ma=86400" && -z $http ]] || { echo "HTTPS: '$https', HTTP 301: '$http'"; return 1; }
  echo "Alt-Svc: $https; none on HTTP's 301"
}

# forwarding_is_nginxs VERSION CLIENT ARGS...: one request with a marker (MARKER) by CLIENT
# (edge_curl or edge_h3) with ARGS (a client's own forwarding headers, say): answered 200 over
# HTTP VERSION with the quote page, whose X-Forwarded-For and X-Real-IP are the client that nginx
# logged for it (FORWARDED_CLIENT) and X-Forwarded-Proto https, whatever the client sent.
forwarding_is_nginxs() {
  local version=$1 client=$2 answer page status rc=0
  shift 2
  new_marker
  FORWARDED_CLIENT=""
  answer=$("$client" --write-out '\n%{http_code} %{http_version}' "$@" "$(edge_url "/?$MARKER")" 2>/dev/null) || rc=$?
  status=$(tail -n 1 <<<"$answer")
  page=$(sed '$d' <<<"$answer")
  [[ $rc == 0 && $status == "200 $version" ]] ||
    { echo "expected 200 over HTTP $version, got '$status' (curl exit $rc)"; return 1; }
  is_the_quote_page "$page" >/dev/null || { is_the_quote_page "$page"; return 1; }
  wait_until 10 0.5 logged "$NGINX" "$MARKER" "$LOG_SINCE" stdout || { echo "no nginx access record for ?$MARKER"; return 1; }
  FORWARDED_CLIENT=$(edge_record_field "$MARKER" client)
  [[ -n $FORWARDED_CLIENT ]] || { echo "no client in nginx's record of ?$MARKER"; return 1; }
  if ! grep -qx "X-Forwarded-For: $FORWARDED_CLIENT" <<<"$page" || ! grep -qx "X-Real-IP: $FORWARDED_CLIENT" <<<"$page"; then
    echo "nginx logged the client $FORWARDED_CLIENT; the page: $(tr '\n' ' ' <<<"$page")"
    return 1
  fi
  echo "HTTP $version: X-Forwarded-For and X-Real-IP $FORWARDED_CLIENT, as nginx logged"
}

# The forwarding headers a client may send of its own: nginx's, RFC 7239's, the de facto ones
# and Liberty's private $WS ones, with addresses of the documentation ranges.
# shellcheck disable=SC2016 # literal header names
readonly FORGED_FORWARDING=(-H 'X-Forwarded-For: 203.0.113.9, 198.51.100.7' -H 'X-Forwarded-For: 203.0.113.10'
  -H 'X-Real-IP: 203.0.113.9' -H 'X-Forwarded-Proto: http' -H 'Forwarded: for=203.0.113.9;proto=http;host=evil.example'
  -H 'X-Forwarded-Host: evil.example' -H 'X_Forwarded_For: 203.0.113.9' -H '$WSRA: 203.0.113.9' -H '$WSSC: http')

# forged_headers_are_replaced VERSION CLIENT ARGS...: over HTTP VERSION, a request that carries
# FORGED_FORWARDING shows nginx's forwarding headers only (forwarding_is_nginxs).
forged_headers_are_replaced() {
  local version=$1 client=$2
  shift 2
  forwarding_is_nginxs "$version" "$client" "$@" "${FORGED_FORWARDING[@]}"
}

# Traffic lines, "ms status seconds" (ms since the traffic started; curl's status and time):
# status_counts (stdin): "503 x12, 200 x3"; slowest_ms (stdin): the slowest answer in ms.
status_counts() {
  awk '{print $2}' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}'
}

slowest_ms() {
  awk 'BEGIN {m = 0} {t = $3 * 1000; if (t > m) m = t} END {printf "%d", m}'
}

# While the app is away nginx answers 502 or 503 (the 503 fallback, nginx/proxy-to-app.conf),
# each within FALLBACK_MS: a request may wait out the 2 s connect timeout (the first after the
# app went, and again when nginx's resolver, every 5 s, tries the name anew), never longer.
readonly FALLBACK_MS=3000

# fallback_statuses LINES: traffic lines from a time the app was away: at least one answer that
# is not a 200, each such a 502 or 503, and no 200 after the first of them (a request in flight
# when the app went away may still end with a 200 before it).
fallback_statuses() {
  local others
  [[ -n $1 ]] || { echo "no request in the window"; return 1; }
  others=$(awk '$2 != 200' <<<"$1")
  [[ -n $others ]] || { echo "no 502 or 503 among $(grep -c . <<<"$1") requests: $(status_counts <<<"$1")"; return 1; }
  awk '$2 != 502 && $2 != 503 {print $2 "@" $1 "ms"}' <<<"$others" | grep . && { echo "(not 502 or 503)"; return 1; }
  awk '$2 != 200 {down = 1} down && $2 == 200 {print "200@" $1 "ms"}' <<<"$1" | grep . &&
    { echo "(200 after the first 502 or 503, inside the outage)"; return 1; }
  status_counts <<<"$others"
}

# fallback_fast LINES: each answer of LINES that is not a 200 within FALLBACK_MS, and there was one.
fallback_fast() {
  local others slowest
  others=$(awk '$2 != 200' <<<"$1")
  [[ -n $others ]] || { echo "no 502 or 503 to time"; return 1; }
  slowest=$(slowest_ms <<<"$others")
  echo "slowest $slowest ms over $(grep -c . <<<"$1") requests: $(status_counts <<<"$1")"
  ((slowest <= FALLBACK_MS))
}

# The app's access log names nginx as the peer and, as the resolved address, the client that
# nginx logged, not one the client forged: Liberty trusts nginx's X-Forwarded-For because
# nginx's address is in TRUSTED_PROXIES, and no other forwarding header.
liberty_resolves_the_client() {
  local network nginx_address entry
  forged_headers_are_replaced 2 edge_curl --http2 || return 1
  network=$(networks_of "$APP" | head -n 1)
  nginx_address=$(address_on "$network" "$NGINX") || { echo "nginx has no address on $network"; return 1; }
  wait_until 10 1 logged "$APP" "$MARKER" 0 records || { echo "no access log entry for ?$MARKER"; return 1; }
  entry=$(record_with "$APP" "$MARKER")
  if [[ $entry != *"\"ibm_remoteHost\":\"$nginx_address\""* || $entry != *"\"ibm_remoteIP\":\"$FORWARDED_CLIENT\""* ||
    $entry == *203.0.113.* || $entry == *198.51.100.* ]]; then
    echo "expected peer $nginx_address and client $FORWARDED_CLIENT, no forged address, in: $entry"
    return 1
  fi
  echo "Liberty: peer $nginx_address, client $FORWARDED_CLIENT"
}

# nginx's access record and the app's log carry the same request id, nginx's own: a client's
# X-Request-Id is replaced. nginx writes its log in blocks, at least once a second.
request_id_reaches_the_app() {
  local marker edge_entry id app_entry
  marker="request-id=$RANDOM$RANDOM"
  edge_curl --fail --output /dev/null -H 'X-Request-Id: forged-by-the-client' \
    "$(edge_url "/?$marker")" || return 1
  wait_until 10 0.5 logged "$NGINX" "$marker" 0 stdout || { echo "no nginx access record for ?$marker"; return 1; }
  edge_entry=$(log_lines "$NGINX" 0 stdout | grep -F "$marker" | tail -n 1)
  id=$(sed -n 's/.*"request_id":"\([0-9a-f]\{32\}\)".*/\1/p' <<<"$edge_entry")
  [[ -n $id ]] || { echo "no request id in nginx's record: $edge_entry"; return 1; }
  wait_until 10 1 logged "$APP" "$marker" 0 records || { echo "no app access log entry for ?$marker"; return 1; }
  app_entry=$(record_with "$APP" "$marker")
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
  edge_curl --fail --output /dev/null "$(edge_url "/?$marker")" || return 1
  docker stop "$NGINX" >/dev/null || { echo "docker stop nginx failed"; return 1; }
  logged "$NGINX" "$marker" || { echo "the record of ?$marker was lost with the stop"; docker start "$NGINX" >/dev/null; return 1; }
  docker start "$NGINX" >/dev/null || { echo "docker start nginx failed"; return 1; }
  wait_until 30 0.5 stack_answers 2>/dev/null || { echo "nginx did not answer again within 30 s"; return 1; }
  echo "the record was written out on the stop; nginx answers again"
}

http_redirects_permanently() {
  local answer
  answer=$(edge_curl --output /dev/null --write-out '%{http_code} %{redirect_url}' \
    "$(edge_url '/some/path?x=1&y=2' http)") || return 1
  equals "301 $(redirect_origin)/some/path?x=1&y=2" "$answer"
}

health_endpoints_are_not_public() {
  local path status
  for path in /health /health/ready /health/live; do
    status=$(edge_status "$(edge_url "$path")")
    [[ $status == 404 ]] || { echo "$path answered $status"; return 1; }
  done
}

http2_is_negotiated() {
  local version
  version=$(edge_curl --show-error --http2 --output /dev/null --write-out '%{http_version}' "$(edge_url /)") || return 1
  [[ $version == 2 ]] || { echo "HTTP version $version"; return 1; }
}

# HSTS with the max-age the edge is set to (HSTS_MAX_AGE in the container nginx: the image's two
# years, the dev stack's 0) on HTTPS answers, and none on HTTP's redirect (RFC 6797 8.1: a user
# agent ignores it there).
hsts_as_the_edge_is_set() {
  local expected https http
  expected=$(docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$NGINX" | sed -n 's/^HSTS_MAX_AGE=//p')
  [[ -n $expected ]] || { echo "no HSTS_MAX_AGE in the environment of the container $NGINX"; return 1; }
  https_and_http_heads || return 1
  https=$(header_value strict-transport-security "$HTTPS_HEAD")
  http=$(header_value strict-transport-security "$HTTP_HEAD")
  [[ $https == "max-age=$expected" && -z $http ]] ||
    { echo "expected HTTPS 'max-age=$expected' and none over HTTP, got '$https' and '$http'"; return 1; }
  echo "HTTPS $https; none on HTTP's 301"
}

# Old protocols are offered (@SECLEVEL=0 lets this client offer them at all) and refused by the
# server's protocol_version alert; TLS 1.3 and 1.2 complete.
only_tls12_and_tls13_offered() {
  tls_refused_with 'alert protocol version' -tls1 -cipher 'DEFAULT:@SECLEVEL=0' >/dev/null ||
    { tls_refused_with 'alert protocol version' -tls1 -cipher 'DEFAULT:@SECLEVEL=0'; return 1; }
  tls_refused_with 'alert protocol version' -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' >/dev/null ||
    { tls_refused_with 'alert protocol version' -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'; return 1; }
  # Read whole before grep: `grep -q` in a pipe would end openssl early and fail the pipe.
  negotiated TLSv1.3 "$(tls_handshake -tls1_3)" || { echo "TLS 1.3 refused"; return 1; }
  echo "TLS 1.0 and 1.1 refused (protocol version alert), 1.2 and 1.3 complete"
}

# app and nginx: read-only root, no capabilities, no privilege gain, memory and pids limits,
# restarted unless stopped.
containers_are_hardened() {
  local container settings
  for container in "$APP" "$NGINX"; do
    settings=$(docker inspect --format \
      '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Privileged}} {{.HostConfig.CapDrop}} {{.HostConfig.CapAdd}} {{.HostConfig.SecurityOpt}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}' \
      "$container")
    [[ $settings =~ ^true\ false\ \[ALL\]\ \[\]\ \[no-new-privileges(:true)?\]\ [1-9][0-9]*\ [1-9][0-9]*\ unless-stopped$ ]] ||
      { echo "$container: $settings"; return 1; }
  done
  echo "read-only, unprivileged, cap_drop ALL and none added, no-new-privileges, memory and pids limits, unless-stopped"
}

# nginx_identity: what a restart or a recreation of nginx's container changes.
nginx_identity() {
  docker inspect --format '{{.Id}} {{.State.StartedAt}} {{.RestartCount}}' "$NGINX"
}

# nginx_unchanged BEFORE: nginx's container neither restarted nor recreated since it was BEFORE
# (nginx_identity).
nginx_unchanged() {
  equals "$1" "$(nginx_identity)"
}

# proxied_to_app_at ADDRESS: a request through the edge, answered 200, went to ADDRESS:8000, as
# nginx's access record of it says.
proxied_to_app_at() {
  new_marker
  edge_curl --fail --output /dev/null "$(edge_url "/?$MARKER")" || { echo "no 200 through the edge"; return 1; }
  wait_until 10 0.5 logged "$NGINX" "$MARKER" "$LOG_SINCE" stdout || { echo "no access record of ?$MARKER"; return 1; }
  equals "$1:8000" "$(edge_record_field "$MARKER" upstream)"
}

# process_status CONTAINER: what the kernel says of every process in it (/proc/*/status).
process_status() {
  # shellcheck disable=SC2016 # runs in the container
  docker exec "$1" sh -c 'for f in /proc/[0-9]*/status; do cat "$f" 2>/dev/null; done'
}

# no_root_process CONTAINER: its processes (one at least) have no uid 0 among their real,
# effective, saved and fs uids.
no_root_process() {
  local status uids
  status=$(process_status "$1") || { echo "no process status read"; return 1; }
  uids=$(awk '$1 == "Uid:" {print $2, $3, $4, $5}' <<<"$status" | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/ $//')
  [[ -n $uids ]] || { echo "no process status read"; return 1; }
  echo "$(grep -c '^Uid:' <<<"$status") processes, uids $uids"
  ! grep -qw 0 <<<"$uids"
}

# no_capabilities CONTAINER: every process has every capability set empty, and no_new_privs.
no_capabilities() {
  local status
  status=$(process_status "$1") || { echo "no process status read"; return 1; }
  equals "CapAmb:0000000000000000 CapBnd:0000000000000000 CapEff:0000000000000000 CapInh:0000000000000000 CapPrm:0000000000000000 NoNewPrivs:1" \
    "$(awk '$1 ~ /^Cap(Inh|Prm|Eff|Bnd|Amb):$/ || $1 == "NoNewPrivs:" {print $1 $2}' <<<"$status" | sort -u | tr '\n' ' ' | sed 's/ $//')"
}

# root_read_only CONTAINER: a write to its root filesystem fails for being read-only (not for
# want of permission, which a non-root user's write would meet on a writable root too).
root_read_only() {
  local refusal
  refusal=$(docker exec "$1" sh -c 'touch /.hardening-probe 2>&1; true') || { echo "docker exec failed"; return 1; }
  [[ $refusal == *"Read-only file system"* ]] || { echo "a write to / gave '${refusal:-success}'"; return 1; }
  echo "Read-only file system"
}

# container_checks CONTAINER: what its processes may do, as the kernel reports it.
container_checks() {
  check "$1: no process runs as root (real, effective, saved, fs uids)" no_root_process "$1"
  check "$1: no capabilities in any set, NoNewPrivs for every process" no_capabilities "$1"
  check "$1: writing to the root filesystem fails" root_read_only "$1"
}

# liberty_message_ms ID: the epoch milliseconds of the last Liberty message ID in the app's
# records (read from stdin: JSON lines, log_lines' records).
liberty_message_ms() {
  local datetime
  datetime=$(grep -F "\"ibm_messageId\":\"$1\"" | tail -n 1 |
    sed -n 's/.*"ibm_datetime":"\([^"]*\)".*/\1/p')
  [[ -n $datetime ]] && date -d "$datetime" +%s%3N
}

# The app opened its HTTP port within 2 s of the application's start (CWWKZ0001I, then
# CWWKO0219I). Liberty looks up the name of 0.0.0.0 there; on the internal network, where no DNS
# server answers, only the app container's hosts entry keeps that from waiting out the
# resolver's timeouts (10 s).
app_port_opened_promptly() {
  local logs started listening
  logs=$(log_lines "$APP" 0 records)
  started=$(liberty_message_ms CWWKZ0001I <<<"$logs") || true
  listening=$(liberty_message_ms CWWKO0219I <<<"$logs") || true
  [[ -n $started && -n $listening ]] || { echo "no CWWKZ0001I or CWWKO0219I in the app's log"; return 1; }
  echo "$((listening - started)) ms from the application's start to the open port"
  # A port opened before this start (a negative time) is an earlier start's.
  ((listening - started >= 0 && listening - started < 2000))
}

# edge_checks: the edge's checks, in one list, against whichever stack serves EDGE_HOST.
edge_checks() {
  check "HTTPS 200 with the quote and real forwarding headers" quote_page_is_right
  check "HTTP/1.1: a client's own forwarding headers replaced by nginx's" forged_headers_are_replaced 1.1 edge_curl --http1.1
  check "HTTP/2 through ALPN: a client's own forwarding headers replaced by nginx's" forged_headers_are_replaced 2 edge_curl --http2
  check "Liberty logs the client that nginx forwarded for, not a forged one" liberty_resolves_the_client
  check "nginx's request id reaches the app's log, the client's does not" request_id_reaches_the_app
  check "HTTP answers 301 to the same URL over HTTPS" http_redirects_permanently
  check "the app's health endpoints are not served to clients" health_endpoints_are_not_public
  check "HTTP/3 through 443/udp: the quote, a client's own forwarding headers replaced by nginx's" \
    forged_headers_are_replaced 3 edge_h3
  check "HTTP/3 advertised (Alt-Svc) over HTTPS, not over HTTP" http3_advertised_over_https_only
  check "protocols: TLS 1.0 and 1.1 refused" only_tls12_and_tls13_offered
  check "HSTS with the max-age the edge is set to (HSTS_MAX_AGE), on HTTPS only" hsts_as_the_edge_is_set
  check "containers: read-only, no capabilities, no-new-privileges, limits, restart" containers_are_hardened
  check "the app opened its port within 2 s of its start (no name lookup waiting on DNS)" app_port_opened_promptly
}
