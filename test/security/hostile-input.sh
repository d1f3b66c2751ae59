#!/usr/bin/env bash
# hostile-input.sh: malformed and oversized requests get the exact status expected, from nginx,
# and never reach the app; no malformed input makes a server error. (Forged forwarding headers:
# validate.sh's edge_checks, test/lib/properties.sh.) Run alone or from run-suite.sh, against the running stack.
set -euo pipefail

export PART=hostile-input  # names this part in log, die and its markers
# shellcheck source=test/lib/edge.sh
source "$(dirname "$0")/../lib/edge.sh"

refused_markers=()
refused_cases=()
app_markers=()
app_cases=()
app_codes=()
statuses_seen=()
leaky_bodies=()

big() {
  head -c "$1" /dev/zero | tr '\0' "${2:-a}"
}

# note_answer DESCRIPTION STATUS BODY: remembers the status, and a body that names the product.
note_answer() {
  statuses_seen+=("$2")
  if [[ $2 =~ ^[45] ]] && grep -qiE 'nginx|liberty|websphere|[0-9]+\.[0-9]+\.[0-9]+' <<<"$3"; then
    leaky_bodies+=("$1: $(head -c 120 <<<"$3" | tr '\n' ' ')")
  fi
}

# remember WHERE DESCRIPTION STATUS: WHERE is `nginx` (the request must never reach the app) or
# `app` (the app answers it itself, with STATUS).
remember() {
  if [[ $1 == nginx ]]; then
    refused_markers+=("$MARKER")
    refused_cases+=("$2")
  else
    app_markers+=("$MARKER")
    app_cases+=("$2")
    app_codes+=("$3")
  fi
}

# raw_case TRANSPORT WHERE EXPECTED DESCRIPTION REQUEST: REQUEST (printf %b escapes, @M@ for the
# marker) over TRANSPORT: tls (443), plain80, plain443.
raw_case() {
  local transport=$1 where=$2 expected=$3 description=$4 request answer code
  new_marker
  request=${5//@M@/$MARKER}
  case $transport in
    tls) answer=$(raw_tls "$request") ;;
    plain80) answer=$(raw_plain "$HTTP_PUBLISH_PORT" "$request") ;;
    plain443) answer=$(raw_plain "$HTTPS_PUBLISH_PORT" "$request") ;;
    *) echo "raw_case: unknown transport $transport" >&2; return 2 ;;
  esac
  code=$(first_status "$answer")
  check "$description" equals "$expected" "$code"
  note_answer "$description" "$code" "$(first_body "$answer")"
  remember "$where" "$description" "$expected"
}

# curl_case WHERE EXPECTED DESCRIPTION URL [curl arguments...]: @M@ in the URL or the arguments
# becomes the marker. EXPECTED `closed` means: no HTTP answer, the connection ended by the server
# (curl's exit 16, an HTTP/2 framing error; 18, a partial transfer; or 92, an HTTP/2 stream
# error), not a failure of the client or of TLS.
curl_case() {
  local where=$1 expected=$2 description=$3 url output code body rc=0 arg
  local args=()
  shift 3
  new_marker
  url=${1//@M@/$MARKER}
  shift
  for arg in "$@"; do args+=("${arg//@M@/$MARKER}"); done
  output=$(edge_curl --path-as-is --write-out '\n%{http_code}' "${args[@]}" "$url") || rc=$?
  code=${output##*$'\n'}
  body=${output%$'\n'*}
  [[ $code != 000 ]] || code="closed (curl exit $rc)"
  if [[ $expected == closed ]]; then
    check "$description" holds "the connection closed by the server without an answer" "$code" \
      [ "$code" == "closed (curl exit 16)" -o "$code" == "closed (curl exit 18)" -o "$code" == "closed (curl exit 92)" ]
  else
    check "$description" equals "$expected" "$code"
  fi
  note_answer "$description" "$code" "$body"
  remember "$where" "$description" "$expected"
}

crlf=$'\\r\\n'
host="Host: ${EDGE_HOST}${crlf}"
close="Connection: close${crlf}"

oversized_requests() {
  raw_case tls nginx 414 "request line over 8 KiB: 414" \
    "GET /?m=@M@&p=$(big 9000) HTTP/1.1${crlf}${host}${close}${crlf}"
  raw_case tls nginx 400 "one header line over 8 KiB: 400" \
    "GET /?m=@M@ HTTP/1.1${crlf}${host}X-Big: $(big 9000)${crlf}${close}${crlf}"
  local five_headers="" i
  for i in 1 2 3 4 5; do five_headers+="X-Big-$i: $(big 7000)${crlf}"; done
  raw_case tls nginx 400 "headers over 32 KiB in all (5 x 7 KiB): 400" \
    "GET /?m=@M@ HTTP/1.1${crlf}${host}${five_headers}${close}${crlf}"
  raw_case tls nginx 413 "body over 1 KiB (Content-Length 2048): 413" \
    "POST /?m=@M@ HTTP/1.1${crlf}${host}Content-Length: 2048${crlf}${close}${crlf}$(big 2048)"
  raw_case tls nginx 413 "chunked body over 1 KiB: 413" \
    "POST /?m=@M@ HTTP/1.1${crlf}${host}Transfer-Encoding: chunked${crlf}${close}${crlf}800${crlf}$(big 2048)${crlf}0${crlf}${crlf}"
  raw_case plain80 nginx 414 "port 80: request line over 8 KiB: 414" \
    "GET /?m=@M@&p=$(big 9000) HTTP/1.1${crlf}${host}${close}${crlf}"
  # HTTP/2: nginx ends the connection (GOAWAY) on a header over its limit, no 4xx. It
  # counts HPACK-encoded bytes: 12,000 x's are 10,500 bytes in Huffman code (9,000 would pass).
  curl_case nginx closed "HTTP/2: one header over 8 KiB (HPACK-encoded): connection closed" \
    "$(edge_url "/?m=@M@")" --http2 -H "X-Big: $(big 12000 x)"
  curl_case nginx 413 "HTTP/2: body over 1 KiB: 413" \
    "$(edge_url "/?m=@M@")" --http2 --data-binary "$(big 2048)"
}

malformed_requests() {
  raw_case tls nginx 400 "garbage request line: 400" "\\x01\\x02\\x03 @M@${crlf}${crlf}"
  raw_case tls nginx 400 "lower-case method: 400" "get /?m=@M@ HTTP/1.1${crlf}${host}${close}${crlf}"
  raw_case tls nginx 400 "method with a bad character: 400" "G@T /?m=@M@ HTTP/1.1${crlf}${host}${close}${crlf}"
  raw_case tls nginx 400 "space inside the target: 400" "GET /?m=@M@ x HTTP/1.1${crlf}${host}${close}${crlf}"
  raw_case tls nginx 400 "NUL in the request line: 400" "GET /?m=@M@\\x00 HTTP/1.1${crlf}${host}${close}${crlf}"
  raw_case tls nginx 400 "version HTTP/1.x: 400" "GET /?m=@M@ HTTP/1.x${crlf}${host}${close}${crlf}"
  raw_case tls nginx 505 "version HTTP/11.1: 505" "GET /?m=@M@ HTTP/11.1${crlf}${host}${close}${crlf}"
  raw_case tls nginx 505 "version HTTP/2.0 as text: 505" "GET /?m=@M@ HTTP/2.0${crlf}${host}${close}${crlf}"
  raw_case tls nginx 505 "version HTTP/3.0 as text: 505" "GET /?m=@M@ HTTP/3.0${crlf}${host}${close}${crlf}"
  raw_case tls nginx 405 "TRACE: 405 from nginx" "TRACE /?m=@M@ HTTP/1.1${crlf}${host}${close}${crlf}"
  raw_case tls nginx 400 "HTTP/1.1 without Host: 400" "GET /?m=@M@ HTTP/1.1${crlf}${close}${crlf}"
  raw_case tls nginx 400 "two Host headers: 400" "GET /?m=@M@ HTTP/1.1${crlf}${host}${host}${close}${crlf}"
  raw_case tls nginx 400 "Host with a slash: 400" "GET /?m=@M@ HTTP/1.1${crlf}Host: local/host${crlf}${close}${crlf}"
  raw_case tls nginx 400 "Host '..': 400" "GET /?m=@M@ HTTP/1.1${crlf}Host: ..${crlf}${close}${crlf}"
  raw_case tls nginx 421 "Host none of the server names: 421" "GET /?m=@M@ HTTP/1.1${crlf}Host: evil.example${crlf}${close}${crlf}"
  raw_case tls nginx 421 "absolute-form target naming a foreign host: 421" \
    "GET http://evil.example/?m=@M@ HTTP/1.1${crlf}${host}${close}${crlf}"
  raw_case plain80 nginx 421 "port 80: Host none of the server names: 421, no redirect" \
    "GET /?m=@M@ HTTP/1.1${crlf}Host: evil.example${crlf}${close}${crlf}"
  curl_case nginx 421 "HTTP/2: :authority none of the server names: 421" \
    "$(edge_url "/?m=@M@")" --http2 -H "Host: evil.example"
}

header_injection() {
  raw_case tls nginx 400 "bare CR inside a header value: 400" \
    "GET /?m=@M@ HTTP/1.1${crlf}${host}X-A: a\\rX-Injected: 1${crlf}${close}${crlf}"
  raw_case tls nginx 400 "NUL inside a header value: 400" \
    "GET /?m=@M@ HTTP/1.1${crlf}${host}X-A: a\\x00b${crlf}${close}${crlf}"
  raw_case tls nginx 400 "obsolete line folding: 400" \
    "GET /?m=@M@ HTTP/1.1${crlf}${host}X-A: a${crlf} X-Injected: 1${crlf}${close}${crlf}"
  raw_case tls nginx 400 "space before the colon of Host: 400" \
    "GET /?m=@M@ HTTP/1.1${crlf}Host : evil.example${crlf}${close}${crlf}"
  local output
  new_marker
  output=$(edge_curl --include "$(edge_url "/?q=%0d%0aSet-Cookie:%20$MARKER=1%0d%0aX-Injected:%20$MARKER")" || true)
  check "encoded CRLF in the query: 200 from the app, no injected header" equals "200, no injected header" \
    "$(first_status "$output")$(tr -d '\r' <<<"$output" | sed '/^$/q' | grep -qiE '^(set-cookie|x-injected):' && echo ', injected header' || echo ', no injected header')"
  remember app "encoded CRLF in the query" 200
  new_marker
  output=$(edge_curl --include "$(edge_url "/$MARKER%0d%0aLocation:%20http://evil.example/" http)" || true)
  check "port 80: encoded CRLF in the path: one Location, on $EDGE_HOST, still encoded" equals \
    "301 $(redirect_origin)/$MARKER%0d%0aLocation:%20http://evil.example/ x1" \
    "$(first_status "$output") $(tr -d '\r' <<<"$output" | sed -n 's/^location: //Ip' | head -n 1 | lower_escapes) x$(tr -d '\r' <<<"$output" | grep -ciE '^location:' || true)"
  remember nginx "encoded CRLF in the path on port 80"
  output=$(edge_curl --include --path-as-is "$(edge_url "//evil.example/%2e%2e" http)" || true)
  check "port 80: '//evil.example' path redirects to $EDGE_HOST only" equals "$(redirect_origin)//evil.example/%2e%2e" \
    "$(tr -d '\r' <<<"$output" | sed -n 's/^location: //Ip' | head -n 1 | lower_escapes)"
}

# Percent-escapes in lower case. nginx redirects with the request's own bytes, and curl 8.21
# sends escapes upper-cased (%0D%0A), older curl as typed: the checks compare in one case.
lower_escapes() {
  sed -E 's/%([0-9A-Fa-f]{2})/%\L\1/g'
}

path_tricks() {
  curl_case nginx 400 "path traversal /../../etc/passwd: 400" "$(edge_url "/../../etc/passwd?m=@M@")"
  curl_case nginx 400 "encoded traversal /%2e%2e/%2e%2e/etc/passwd: 400" "$(edge_url "/%2e%2e/%2e%2e/etc/passwd?m=@M@")"
  curl_case nginx 400 "encoded slashes /a/..%2f..%2fetc%2fpasswd: 400" "$(edge_url "/a/..%2f..%2fetc%2fpasswd?m=@M@")"
  curl_case nginx 400 "encoded NUL /%00: 400" "$(edge_url "/%00?m=@M@")"
  curl_case nginx 400 "broken escape /%zz: 400" "$(edge_url "/%zz?m=@M@")"
  curl_case nginx 404 "health, encoded /%68ealth/ready: 404 from nginx" "$(edge_url "/%68ealth/ready?m=@M@")"
  curl_case nginx 404 "health, encoded slash /health%2Fready: 404 from nginx" "$(edge_url "/health%2Fready?m=@M@")"
  curl_case nginx 404 "health, doubled slash //health/ready: 404 from nginx" "$(edge_url "//health/ready?m=@M@")"
  curl_case nginx 404 "health, dot segment /x/../health/live: 404 from nginx" "$(edge_url "/x/../health/live?m=@M@")"
  # Path parameters are not nginx's business: these reach the app, which refuses them.
  curl_case app 404 "health, path parameter /health;x=1/ready: 404 from the app" "$(edge_url "/health;x=1/ready?m=@M@")"
  curl_case app 400 "health, path parameter /.;/health/ready: 400 from the app" "$(edge_url "/.;/health/ready?m=@M@")"
  curl_case app 404 "health, encoded ; /health%3B/ready: 404 from the app" "$(edge_url "/health%3B/ready?m=@M@")"
  curl_case app 404 "WEB-INF: 404 from the app" "$(edge_url "/WEB-INF/web.xml?m=@M@")"
  curl_case app 404 "WEB-INF, encoded /%57EB-INF/web.xml: 404 from the app" "$(edge_url "/%57EB-INF/web.xml?m=@M@")"
  curl_case app 404 "META-INF, encoded slash /META-INF%2fMANIFEST.MF: 404 from the app" "$(edge_url "/META-INF%2fMANIFEST.MF?m=@M@")"
  curl_case app 404 "upper-case /HEALTH/ready: 404 from the app" "$(edge_url "/HEALTH/ready?m=@M@")"
}

smuggling() {
  # Each probe carries a second, smuggled request with a marker of its own in its path.
  local inner
  inner="GET /smuggled-@M@ HTTP/1.1${crlf}${host}${crlf}"
  raw_case tls nginx 400 "Content-Length with Transfer-Encoding (CL.TE): 400" \
    "POST /?m=@M@ HTTP/1.1${crlf}${host}Content-Length: 45${crlf}Transfer-Encoding: chunked${crlf}${crlf}0${crlf}${crlf}${inner}"
  raw_case tls nginx 400 "duplicate Content-Length: 400" \
    "POST /?m=@M@ HTTP/1.1${crlf}${host}Content-Length: 0${crlf}Content-Length: 44${crlf}${crlf}${inner}"
  raw_case tls nginx 400 "negative Content-Length: 400" \
    "POST /?m=@M@ HTTP/1.1${crlf}${host}Content-Length: -1${crlf}${crlf}${inner}"
  raw_case tls nginx 400 "Content-Length with a sign: 400" \
    "POST /?m=@M@ HTTP/1.1${crlf}${host}Content-Length: +44${crlf}${crlf}${inner}"
  raw_case tls nginx 501 "unknown Transfer-Encoding xchunked: 501 (RFC 9112 6.1)" \
    "POST /?m=@M@ HTTP/1.1${crlf}${host}Transfer-Encoding: xchunked${crlf}${crlf}0${crlf}${crlf}${inner}"
  raw_case tls nginx 501 "Transfer-Encoding chunked, identity: 501" \
    "POST /?m=@M@ HTTP/1.1${crlf}${host}Transfer-Encoding: chunked, identity${crlf}${crlf}0${crlf}${crlf}${inner}"
  raw_case tls nginx 400 "Transfer-Encoding in HTTP/1.0: 400" \
    "POST /?m=@M@ HTTP/1.0${crlf}${host}Transfer-Encoding: chunked${crlf}${crlf}0${crlf}${crlf}${inner}"
  raw_case tls nginx 400 "chunk size overflow: 400" \
    "POST /?m=@M@ HTTP/1.1${crlf}${host}Transfer-Encoding: chunked${crlf}${crlf}FFFFFFFFFFFFFFFFFFFFF${crlf}x${crlf}0${crlf}${crlf}${inner}"
  raw_case tls nginx 400 "Transfer-Encoding with a space before the colon: 400" \
    "POST /?m=@M@ HTTP/1.1${crlf}${host}Transfer-Encoding : chunked${crlf}Content-Length: 45${crlf}${crlf}0${crlf}${crlf}${inner}"
}

cross_protocol() {
  raw_case plain80 nginx 400 "TLS ClientHello spoken to port 80: 400" \
    "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03@M@${crlf}${crlf}"
  curl_case nginx 400 "plain HTTP spoken to port 443: 400" "$(edge_url "/?m=@M@" http "$HTTPS_PUBLISH_PORT")"
}

# The app saw none of the refused requests, and answered the others itself.
check_app_log() {
  local sentinel log i leaked=() line code
  new_marker
  sentinel=$MARKER
  edge_status "$(edge_url "/?m=$sentinel")" >/dev/null
  if ! wait_until 20 0.5 logged "$APP" "$sentinel" "$LOG_SINCE" records; then
    fail_unjudged "the app logged no normal request (no $sentinel in 20 s)" "none of the refused requests reached the app" \
      "${app_cases[@]/#/app log: }"
    return
  fi
  log=$(log_lines "$APP" "$LOG_SINCE" records)
  for i in "${!refused_markers[@]}"; do
    if grep -qF "${refused_markers[i]}" <<<"$log"; then
      leaked+=("${refused_cases[i]}: $(grep -F "${refused_markers[i]}" <<<"$log" | head -n 1)")
    fi
  done
  if ((${#leaked[@]} == 0)); then
    pass "none of the ${#refused_markers[@]} refused requests reached the app (their markers absent from its log; a normal request's present)"
  else
    fail "none of the refused requests reached the app: expected no request in the app's log, got ${leaked[*]}"
  fi
  for i in "${!app_markers[@]}"; do
    line=$(grep -F "${app_markers[i]}" <<<"$log" | grep -F ibm_requestFirstLine | tail -n 1 || true)
    # Dev mode prefixes each JSON line with Maven's "[INFO] ".
    code=$(jq -r '.ibm_responseCode' <<<"{${line#*\{}" 2>/dev/null || true)
    check "app log: ${app_cases[i]}: status" equals "${app_codes[i]}" "${code%% *}"
  done
}

summary_checks() {
  local server_errors
  server_errors=$(printf '%s\n' "${statuses_seen[@]}" | grep -cE '^(500|502|503|504)$' || true)
  check "no 500/502/503/504 from any of the ${#statuses_seen[@]} malformed or hostile requests" equals 0 "$server_errors"
  figure "statuses seen: $(printf '%s\n' "${statuses_seen[@]}" | sed 's/ (curl exit [0-9]*)//' | sort | uniq -c | awk '{printf "%s x%s, ", $2, $1}' | sed 's/, $//')"
  if ((${#leaky_bodies[@]} == 0)); then
    pass "no error body names a product or version"
  else
    fail "error bodies: expected no product or version, got ${leaky_bodies[*]}"
  fi
}

main() {
  require_stack
  oversized_requests
  malformed_requests
  header_injection
  path_tricks
  smuggling
  cross_protocol
  check_app_log
  summary_checks
  checks_summary "$PART"
}

main "$@"
