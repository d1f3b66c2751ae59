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

# HTTP/3 through the published UDP port (curl_http3: this machine's curl, or Debian 13's).
http3_serves_the_app() {
  local answer page version
  answer=$(edge_h3 --show-error --fail --write-out '\n%{http_version}' "$(edge_url /)" 2>&1) ||
    { echo "${answer:-no answer}"; return 1; }
  version=$(tail -n 1 <<<"$answer")
  page=$(sed '$d' <<<"$answer")
  [[ $version == 3 ]] || { echo "HTTP version '$version'"; return 1; }
  is_the_quote_page "$page" >/dev/null || { is_the_quote_page "$page"; return 1; }
  echo "HTTP/3, $(grep -m1 X-Forwarded-For <<<"$page")"
}

alt_svc_header() {
  edge_curl --head "$1" | tr -d '\r' | sed -n 's/^alt-svc: //Ip'
}

http3_advertised_over_https_only() {
  local https http
  https=$(alt_svc_header "$(edge_url /)")
  http=$(alt_svc_header "$(edge_url / http)")
  [[ $https == 'h3=":443"; ma=86400' && -z $http ]] || { echo "HTTPS: '$https', HTTP: '$http'"; return 1; }
  echo "Alt-Svc: $https"
}

forged_headers_are_replaced() {
  local page
  page=$(edge_curl --fail -H 'X-Forwarded-For: 203.0.113.66' -H 'X-Real-IP: 203.0.113.66' \
    -H 'X-Forwarded-Proto: gopher' "$(edge_url /)") || return 1
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
  page=$(edge_curl --fail "$(edge_url "/?$marker")") || return 1
  client=$(sed -n 's/^X-Real-IP: //p' <<<"$page")
  network=$(networks_of "$APP" | head -n 1)
  nginx_address=$(address_on "$network" "$NGINX") || { echo "nginx has no address on $network"; return 1; }
  wait_until 10 1 logged "$APP" "$marker" 0 records || { echo "no access log entry for ?$marker"; return 1; }
  entry=$(record_with "$APP" "$marker")
  [[ $entry == *"\"ibm_remoteHost\":\"$nginx_address\""* && $entry == *"\"ibm_remoteIP\":\"$client\""* ]] ||
    { echo "expected peer $nginx_address and client $client in: $entry"; return 1; }
  echo "peer $nginx_address, client $client"
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
  [[ $answer == "301 https://$EDGE_HOST/some/path?x=1&y=2" ]] || { echo "got: $answer"; return 1; }
  echo "$answer"
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

hsts_as_the_edge_is_set() {
  local expected max_age
  expected=$(docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' nginx | sed -n 's/^HSTS_MAX_AGE=//p')
  [[ -n $expected ]] || { echo "no HSTS_MAX_AGE in the environment of the container nginx"; return 1; }
  max_age=$(edge_curl --head "$(edge_url /)" | tr -d '\r' | sed -n 's/^strict-transport-security: .*max-age=\([0-9]*\).*/\1/Ip')
  equals "max-age=$expected" "max-age=$max_age"
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
  ((listening - started < 2000))
}

# edge_checks: the edge's checks, in one list, against whichever stack serves EDGE_HOST.
edge_checks() {
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
  check "HSTS with the max-age the edge is set to (HSTS_MAX_AGE: the image's two years, the dev stack's 0)" hsts_as_the_edge_is_set
  check "containers: read-only, no capabilities, no-new-privileges, limits, restart" containers_are_hardened
  check "the app opened its port within 2 s of its start (no name lookup waiting on DNS)" app_port_opened_promptly
}
