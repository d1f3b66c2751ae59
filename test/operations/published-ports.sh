#!/usr/bin/env bash
# published-ports.sh: nginx's image published on other host ports than 80 and 443, as rootless
# Docker or a taken port needs (README.md, Settings): with HTTPS_PUBLISH_PORT set, the redirect
# from HTTP keeps the published HTTPS port whatever port the client's Host names, Alt-Svc names
# it over HTTP/2 and HTTP/3 and on a 421; with the image's defaults, no port in the redirect and
# h3=":443" (the control). HSTS's max-age is HSTS_MAX_AGE (0, as the dev stack sets it) and the
# image's two years by default. A port or a max-age that is no such number stops the container
# at start, naming the setting. Builds the edge image from this checkout; containers
# edge-ports-*, published on 127.0.0.1 ports 28080, 28443, 28081 and 28444, removed at exit.
set -euo pipefail

readonly PART=published-ports
# shellcheck source=test/lib/edge.sh
source "$(dirname "$0")/../lib/edge.sh"
cd "$REPO_ROOT"

readonly PREFIX=edge-ports-
readonly HTTP_PUBLISH_PORT=28080 HTTPS_PUBLISH_PORT=28443
# The image's defaults, published on ports of their own.
readonly DEFAULT_HTTP=28081 DEFAULT_HTTPS=28444
image=""

clean_up() {
  docker ps -aq --filter "name=^$PREFIX" | xargs -r docker rm -f >/dev/null 2>&1 || true
}

# run_edge NAME [docker run options...]: the image under compose's hardening with the committed
# localhost pair, on loopback. No app: the edge starts without one, and answers 503 for it; an
# address, so that nginx asks no DNS server for the app's name.
run_edge() {
  local name=$1
  shift
  docker run -d --name "$PREFIX$name" --read-only --tmpfs /tmp --cap-drop ALL \
    --security-opt no-new-privileges --memory 128m --pids-limit 64 \
    --sysctl net.ipv4.ip_unprivileged_port_start=0 -v "$REPO_ROOT/nginx/files:/etc/nginx/tls:ro" \
    -e TLS_CERTIFICATE=/etc/nginx/tls/localhost.crt -e TLS_PRIVATE_KEY=/etc/nginx/tls/localhost.key \
    -e PUBLISH_ADDRESS=127.0.0.1 -e APP_UPSTREAM=127.0.0.1:8000 "$@" "$image" >/dev/null
}

# published_on HTTP-PORT HTTPS-PORT: docker run's options that publish nginx's 80, 443 and
# 443/udp there on 127.0.0.1, as compose does with HTTP_PUBLISH_PORT and HTTPS_PUBLISH_PORT.
published_on() {
  printf '%s\n' -p "127.0.0.1:$1:80" -p "127.0.0.1:$2:443" -p "127.0.0.1:$2:443/udp"
}

# answers PORT: nginx's redirect (or any answer of its own) on the published HTTP port.
answers() {
  [[ $(curl --silent --max-time 5 --output /dev/null --write-out '%{http_code}' "http://127.0.0.1:$1/") != 000 ]]
}

# redirect_of URL [curl options...]: the status and the Location as sent.
redirect_of() {
  local url=$1
  shift
  curl --silent --max-time 10 --output /dev/null --write-out '%{http_code} %header{location}' "$@" "$url"
}

# header_of NAME URL [curl options...]: the value of response header NAME (HTTPS, trusting EDGE_CA).
header_of() {
  local name=$1 url=$2
  shift 2
  curl --silent --max-time 10 --cacert "$EDGE_CA" --dump-header - --output /dev/null "$@" "$url" | tr -d '\r' |
    sed -n "s/^$name: //Ip"
}

# HTTP/3 through the published UDP port: the answer's Alt-Svc, once it is an HTTP/3 answer
# (curl_http3: this machine's curl, or the tests' tools image's on the host's network).
http3_alt_svc() {
  local answer
  answer=$(curl_http3_within 20 --http3-only --silent --show-error --max-time 10 --cacert "$EDGE_CA" \
    --head "https://localhost:$HTTPS_PUBLISH_PORT/health" 2>&1) || { echo "no HTTP/3 answer: $answer"; return 1; }
  answer=$(tr -d '\r' <<<"$answer")
  [[ $(head -n 1 <<<"$answer") == 'HTTP/3 '* ]] || { echo "not HTTP/3: $(head -n 1 <<<"$answer")"; return 1; }
  sed -n 's/^alt-svc: //Ip' <<<"$answer"
}

# refused_saying NAME TEXT...: stopped_saying (containers.sh) for this part's container NAME.
refused_saying() {
  stopped_saying "$PREFIX$1" "${@:2}"
}

main() {
  trap clean_up EXIT
  clean_up
  log "building the edge image from this checkout"
  image=$(build_edge_image -q) || die "building nginx/ failed"
  local published defaults
  mapfile -t published < <(published_on "$HTTP_PUBLISH_PORT" "$HTTPS_PUBLISH_PORT")
  mapfile -t defaults < <(published_on "$DEFAULT_HTTP" "$DEFAULT_HTTPS")
  run_edge published "${published[@]}" -e HTTPS_PUBLISH_PORT="$HTTPS_PUBLISH_PORT" -e HSTS_MAX_AGE=0
  run_edge defaults "${defaults[@]}"
  run_edge port-broken -e HTTPS_PUBLISH_PORT=65536
  run_edge max-age-broken -e HSTS_MAX_AGE=-1
  wait_until 20 0.5 answers "$HTTP_PUBLISH_PORT" || die "nginx on 127.0.0.1:$HTTP_PUBLISH_PORT did not answer within 20 s"
  wait_until 20 0.5 answers "$DEFAULT_HTTP" || die "nginx on 127.0.0.1:$DEFAULT_HTTP did not answer within 20 s"

  check "HTTPS_PUBLISH_PORT=$HTTPS_PUBLISH_PORT: HTTP redirects 301 to the same URL at the published HTTPS port" equals \
    "301 https://localhost:$HTTPS_PUBLISH_PORT/x?y" "$(redirect_of "http://localhost:$HTTP_PUBLISH_PORT/x?y")"
  check "a client's Host port plays no part in the redirect" equals \
    "301 https://localhost:$HTTPS_PUBLISH_PORT/x?y" \
    "$(redirect_of "http://127.0.0.1:$HTTP_PUBLISH_PORT/x?y" -H 'Host: localhost:9999')"
  check "Alt-Svc over HTTP/2 names the published port" equals "h3=\":$HTTPS_PUBLISH_PORT\"; ma=86400" \
    "$(header_of alt-svc "https://localhost:$HTTPS_PUBLISH_PORT/health" --http2)"
  check "Alt-Svc over HTTP/3 (the published UDP port) names the published port" equals \
    "h3=\":$HTTPS_PUBLISH_PORT\"; ma=86400" "$(http3_alt_svc)"
  check "a 421 for a name not served names the published port in its Alt-Svc" equals \
    "h3=\":$HTTPS_PUBLISH_PORT\"; ma=86400" \
    "$(header_of alt-svc "https://unknown.example:$HTTPS_PUBLISH_PORT/" --insecure \
      --resolve "unknown.example:$HTTPS_PUBLISH_PORT:127.0.0.1")"
  check "no Alt-Svc over plain HTTP" equals "" \
    "$(curl --silent --max-time 10 --head "http://localhost:$HTTP_PUBLISH_PORT/" | tr -d '\r' | sed -n 's/^alt-svc: //Ip')"
  check "HSTS_MAX_AGE=0 (the dev stack's): Strict-Transport-Security max-age=0" equals "max-age=0" \
    "$(header_of strict-transport-security "https://localhost:$HTTPS_PUBLISH_PORT/health")"

  check "control: the image's defaults redirect with no port (443 left out of the URL)" equals \
    "301 https://localhost/x?y" "$(redirect_of "http://localhost:$DEFAULT_HTTP/x?y")"
  check "control: the image's defaults advertise h3 on 443" equals 'h3=":443"; ma=86400' \
    "$(header_of alt-svc "https://localhost:$DEFAULT_HTTPS/health")"
  check "the image's default HSTS: two years" equals "max-age=63072000" \
    "$(header_of strict-transport-security "https://localhost:$DEFAULT_HTTPS/health")"

  check "HTTPS_PUBLISH_PORT=65536: nginx refuses at start, naming the setting" refused_saying port-broken \
    "HTTPS_PUBLISH_PORT must be" "from 1 to 65535, got '65536'"
  check "HSTS_MAX_AGE=-1: nginx refuses at start, naming the setting" refused_saying max-age-broken \
    "HSTS_MAX_AGE must be a whole number of seconds" "got '-1'"
  checks_summary "$PART"
}

main "$@"
