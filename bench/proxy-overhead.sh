#!/usr/bin/env bash
# proxy-overhead.sh: what nginx costs in front of the app. With the same client (wrk, keepalive
# connections), concurrency and path, in one run and after a JIT warm-up:
#   (a) the production app direct, plain HTTP on its network;
#   (b) nginx over TLS answering a static 200 itself (bench/nginx-static-ceiling.conf);
#   (c) nginx over TLS proxying to the app (the project's nginx.conf);
#   (d) a stand-in for the app that costs next to nothing (bench/nginx-standin-app.conf) direct;
#   (e) the project's nginx over TLS proxying to that stand-in;
#   (f) HAProxy and (g) Caddy, Debian 13's packages, over TLS proxying to the same app container
#       with the edge's duties (bench/haproxy.cfg, bench/Caddyfile): the proxies a user could pick
#       instead of the project's nginx, as chains beside (c);
#   (v) only when BENCH_PROXY_NGINX_VARIANT names a folder: the project's nginx with each file of
#       that folder mounted over the image's /etc/nginx/ file of the same name, to the same app
#       (a tuning experiment, measured in the same run as the others).
# BENCH_PROXY_SIDES (default "a b c d e f g") picks the sides of a shorter run.
# On shared cores the most (c) can reach is 1/(1/a + 1/b); the figures are c over that ceiling
# and c over (b), and the same for (e) with (d): what the proxy hop allows whatever the app.
# Each run also reads the containers' and the machine's CPU counters: the CPU each request cost
# in nginx, in the app and in the rest (the client, the kernel's networking, Docker), and wrk's
# 99th percentile latency. The chains (c, f, g, v) are compared on the rate, the p99 and the
# proxy's CPU per request, each the median of the rounds.
# The client is wrk on the host, on the bench's own bridge network (no published port: Docker's
# userland proxy would be one more hop that only some sides pay).
set -euo pipefail

export BENCH=proxy-overhead
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

readonly THREADS=2 CONNECTIONS=64 RUN_SECONDS=${BENCH_PROXY_SECONDS:-10} ROUNDS=${BENCH_PROXY_ROUNDS:-3}
readonly APP=${BENCH_PREFIX}app NGINX=${BENCH_PREFIX}nginx STATIC=${BENCH_PREFIX}nginx-static
readonly STANDIN=${BENCH_PREFIX}standin-app STANDIN_PROXY=${BENCH_PREFIX}nginx-to-standin
readonly HAPROXY=${BENCH_PREFIX}haproxy CADDY=${BENCH_PREFIX}caddy VARIANT=${BENCH_PREFIX}nginx-variant
# The stand-in is `app` on a network of its own, where only its proxy finds it.
readonly STANDIN_NETWORK=${BENCH_PREFIX}standin
# HAProxy and Caddy from Debian 13's packages, in an image of the bench's own.
readonly PEER_IMAGE=quote-bench-peer-proxies:debian13
readonly NGINX_VARIANT_DIR=${BENCH_PROXY_NGINX_VARIANT:-}

# The sides of this run, in the order of a round.
read -ra SIDES <<<"${BENCH_PROXY_SIDES:-a b c d e f g}"
[[ -z $NGINX_VARIANT_DIR ]] || SIDES+=(v)
readonly SIDES

# Each side's containers, the proxy's first: whose CPU counters a run of the side reads; the
# names they have in the report; and the chains' names.
declare -rA SIDE_CONTAINERS=([a]="$APP" [b]="$STATIC" [c]="$NGINX $APP" [d]="$STANDIN"
  [e]="$STANDIN_PROXY $STANDIN" [f]="$HAPROXY $APP" [g]="$CADDY $APP" [v]="$VARIANT $APP")
declare -rA SIDE_PARTS=([a]=app [b]=nginx [c]="nginx app" [d]=stand-in [e]="nginx stand-in"
  [f]="haproxy app" [g]="caddy app" [v]="nginx-variant app")
declare -rA CHAIN_NAME=([c]=nginx [f]=haproxy [g]=caddy [v]=nginx-variant)
# The URL wrk asks of each side, once its container has an address.
declare -A SIDE_URL=()

# runs SIDE...: one of the sides is in this run.
runs() {
  local side
  for side in "$@"; do [[ " ${SIDES[*]} " == *" $side "* ]] && return 0; done
  return 1
}

# runs_all SIDE...: all of the sides are in this run.
runs_all() {
  local side
  for side in "$@"; do runs "$side" || return 1; done
}

# latency_ms WRK_LATENCY: wrk's "850.00us", "1.23ms" or "1.01s" in milliseconds.
latency_ms() {
  awk -v t="$1" 'BEGIN {
    if (t ~ /us$/) f = 0.001; else if (t ~ /ms$/) f = 1; else if (t ~ /s$/) f = 1000; else exit 1
    sub(/[a-z]+$/, "", t); printf "%.2f\n", t * f }'
}

# wrk_run SECONDS URL [wrk options...]: "requests per second, requests, p99 in ms"; dies on any
# error or non-2xx answer, which would make the figure meaningless.
wrk_run() {
  local seconds=$1 url=$2 output rate requests p99
  shift 2
  output=$(timeout $((seconds + 30)) wrk --threads "$THREADS" --connections "$CONNECTIONS" \
    --duration "${seconds}s" --timeout 5s --latency "$@" "$url" 2>&1) || die "wrk failed on $url: $output"
  if grep -qE 'Socket errors|Non-2xx' <<<"$output"; then
    die "errors under load on $url: $(grep -E 'Socket errors|Non-2xx' <<<"$output" | tr '\n' ' ')"
  fi
  rate=$(sed -n 's/^Requests\/sec: *//p' <<<"$output")
  requests=$(awk '/ requests in / { print $1 }' <<<"$output")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$output")
  [[ -n $rate && -n $requests && -n $p99 ]] || die "no rate or p99 in wrk's output for $url: $output"
  printf '%.0f %s %s\n' "$rate" "$requests" "$(latency_ms "$p99")"
}

# The peers' image: Debian 13's haproxy and caddy packages on the Debian 13 base.
build_peer_image() {
  use_base_images
  docker build -q --build-arg DEBIAN_IMAGE -t "$PEER_IMAGE" - >/dev/null <<'DOCKERFILE'
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends haproxy caddy; \
    rm -rf /var/lib/apt/lists/*
DOCKERFILE
}

# start_peer NAME USER CONFIG_FILE CONFIG_PATH COMMAND...: the peers' image on the bench network
# with the project's keypair and its configuration mounted, hardened as the project's nginx.
start_peer() {
  local name=$1 user=$2 config=$3 config_path=$4 tls_dir
  shift 4
  tls_dir=$(dirname "$config_path")/tls
  ensure_bench_network
  docker run -d --name "$name" --network "$(bench_network)" "${LOG_OPTIONS[@]}" --user "$user" \
    --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
    --sysctl net.ipv4.ip_unprivileged_port_start=0 --memory 128m \
    -e HOME=/tmp -e XDG_DATA_HOME=/tmp -e XDG_CONFIG_HOME=/tmp \
    -v "$config:$config_path:ro" -v "$CERT:$tls_dir/localhost.crt:ro" -v "$KEY:$tls_dir/localhost.key:ro" \
    "$PEER_IMAGE" "$@" >/dev/null
}

# The variant's files, each mounted over the image's file of the same name.
variant_mounts() {
  local file
  [[ -d $NGINX_VARIANT_DIR ]] || die "BENCH_PROXY_NGINX_VARIANT: no folder $NGINX_VARIANT_DIR"
  for file in "$(cd "$NGINX_VARIANT_DIR" && pwd)"/*; do
    printf -- '-v\n%s:/etc/nginx/%s:ro\n' "$file" "$(basename "$file")"
  done
}

# tls_url CONTAINER: https at the container's address (the served name goes in a Host header).
tls_url() { printf 'https://%s/\n' "$(container_address "$1")"; }

start_sides() {
  local -a mounts
  if runs a c f g v; then
    start_bench_app "$APP"
    wait_until 120 0.2 app_answers "$(container_address "$APP")" || die "the app did not answer within 120 s"
    SIDE_URL[a]="http://$(container_address "$APP"):8000/"
  fi
  if runs c; then
    start_bench_nginx "$NGINX" "$CERT" "$KEY" "$EDGE_IMAGE"
    SIDE_URL[c]=$(tls_url "$NGINX")
  fi
  if runs b; then
    start_bench_nginx "$STATIC" "$CERT" "$KEY" \
      -v "$BENCH_DIR/nginx-static-ceiling.conf:/etc/nginx/static-ceiling.conf:ro" \
      "$EDGE_IMAGE" nginx -c /etc/nginx/static-ceiling.conf -g 'daemon off;'
    SIDE_URL[b]=$(tls_url "$STATIC")
  fi
  if runs d e; then
    BENCH_RUN_NETWORK=$STANDIN_NETWORK start_bench_nginx "$STANDIN" "$CERT" "$KEY" --network-alias app \
      -v "$BENCH_DIR/nginx-standin-app.conf:/etc/nginx/standin-app.conf:ro" \
      "$EDGE_IMAGE" nginx -c /etc/nginx/standin-app.conf -g 'daemon off;'
    SIDE_URL[d]="http://$(container_address "$STANDIN"):8000/"
    wait_until 30 0.2 app_answers "$(container_address "$STANDIN")" || die "the stand-in did not answer within 30 s"
  fi
  if runs e; then
    BENCH_RUN_NETWORK=$STANDIN_NETWORK start_bench_nginx "$STANDIN_PROXY" "$CERT" "$KEY" "$EDGE_IMAGE"
    SIDE_URL[e]=$(tls_url "$STANDIN_PROXY")
  fi
  if runs f g; then
    log "the peers' image (Debian 13's haproxy and caddy)"
    build_peer_image || die "could not build $PEER_IMAGE from $DEBIAN_IMAGE"
  fi
  if runs f; then
    start_peer "$HAPROXY" haproxy "$BENCH_DIR/haproxy.cfg" /etc/haproxy/haproxy.cfg \
      haproxy -W -db -f /etc/haproxy/haproxy.cfg
    SIDE_URL[f]=$(tls_url "$HAPROXY")
  fi
  if runs g; then
    start_peer "$CADDY" caddy "$BENCH_DIR/Caddyfile" /etc/caddy/Caddyfile \
      caddy run --config /etc/caddy/Caddyfile --adapter caddyfile
    SIDE_URL[g]=$(tls_url "$CADDY")
  fi
  if runs v; then
    mapfile -t mounts < <(variant_mounts)
    start_bench_nginx "$VARIANT" "$CERT" "$KEY" "${mounts[@]}" "$EDGE_IMAGE"
    SIDE_URL[v]=$(tls_url "$VARIANT")
  fi
  local side address
  for side in b c e f g v; do
    runs "$side" || continue
    address=${SIDE_URL[$side]#https://}
    wait_until 30 0.2 nginx_answers "${address%/}" ||
      die "side $side (${SIDE_CONTAINERS[$side]%% *}) did not answer over TLS within 30 s"
  done
}

# run_side SIDE SECONDS: one run of SIDE, as wrk_run. The TLS sides are asked for
# https://localhost/ (the served name) at the container's address.
run_side() {
  local url=${SIDE_URL[$1]}
  if [[ $url == https://* ]]; then
    wrk_run "$2" "$url" --header 'Host: localhost'
  else
    wrk_run "$2" "$url"
  fi
}

# measure SIDE: one measured run of SIDE, appended to RUNS[SIDE] as a line: the rate, the p99
# (ms), then the CPU each request cost (µs) in each of the side's containers, in the rest of the
# machine, and in all.
declare -A RUNS=()
measure() {
  local side=$1 container rate requests p99 busy_before all charged=0 cost line
  local -a containers
  local -A before=()
  read -ra containers <<<"${SIDE_CONTAINERS[$side]}"
  for container in "${containers[@]}"; do before[$container]=$(container_cpu_ns "$container"); done
  busy_before=$(machine_busy_ns)
  read -r rate requests p99 <<<"$(run_side "$side" "$RUN_SECONDS")"
  all=$((($(machine_busy_ns) - busy_before) / 1000 / requests))
  line="$rate $p99"
  for container in "${containers[@]}"; do
    cost=$((($(container_cpu_ns "$container") - before[$container]) / 1000 / requests))
    charged=$((charged + cost))
    line+=" $cost"
  done
  RUNS[$side]+="$line $((all - charged)) $all"$'\n'
}

# median_run SIDE: the line of RUNS[SIDE] with the median rate.
median_run() {
  local runs
  runs=$(printf '%s' "${RUNS[$1]}" | sort -n)
  sed -n "$(((50 * $(wc -l <<<"$runs") + 99) / 100))p" <<<"$runs"
}

# median_of SIDE FIELD: the median of one field of RUNS[SIDE] (1: rate, 2: p99, 3: the proxy's CPU).
median_of() {
  local -a values
  mapfile -t values < <(printf '%s' "${RUNS[$1]}" | cut -d' ' -f"$2")
  median "${values[@]}"
}

# cpu_text SIDE: the median run's CPU per request, e.g. "nginx 46, app 67, the rest 34; all 147 µs".
cpu_text() {
  local -a parts values
  read -ra parts <<<"${SIDE_PARTS[$1]}"
  read -ra values <<<"$(median_run "$1")"
  local i text=""
  for i in "${!parts[@]}"; do text+="${parts[i]} ${values[i + 2]}, "; done
  printf '%sthe rest %s; all %s µs\n' "$text" "${values[${#parts[@]} + 2]}" "${values[${#parts[@]} + 3]}"
}

# warm_up SIDE MIN_RUNS: 10 s runs until the rate stops climbing (no more than 5 % above the best
# run before it) after at least MIN_RUNS runs, or 12 runs. A fresh JVM's JIT takes a minute or
# more of load here, with plateaus on the way: a run close to the one before is not yet the end;
# the first side that reaches the app waits for 4 runs, the others (the JIT warm) for 2.
warm_up() {
  local side=$1 min_runs=$2 run best=0 rate
  for ((run = 1; run <= 12; run++)); do
    rate=$(run_side "$side" 10 | cut -d' ' -f1)
    log "warm-up $side: run $run, $rate req/s"
    if ((run >= min_runs)) && awk -v r="$rate" -v b="$best" 'BEGIN { exit !(r <= b * 1.05) }'; then
      return 0
    fi
    ((rate > best)) && best=$rate
  done
  log "warm-up $side: the rate still climbed after 12 runs; measuring anyway"
}

# ratio X Y: X/Y with two decimals. ceiling X Y: the most a chain of two sides that run at X
# and Y alone can reach when they share the cores, 1/(1/X + 1/Y).
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.2f", x / y }'; }
ceiling() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.0f", 1 / (1 / x + 1 / y) }'; }

# The versions compared, from the images.
versions_text() {
  local text
  text="nginx $(docker run --rm --entrypoint nginx "$EDGE_IMAGE" -v 2>&1 | sed 's/.*nginx\///')"
  if runs f g; then
    text+=", $(docker run --rm "$PEER_IMAGE" dpkg-query -W -f '${Package} ${Version}, ' haproxy caddy)"
    text="${text%, } (Debian 13's packages)"
  fi
  printf '%s\n' "$text"
}

report_app_rows() {
  local a b c
  a=$(median_run a | cut -d' ' -f1) b=$(median_run b | cut -d' ' -f1) c=$(median_run c | cut -d' ' -f1)
  row "Proxy (a): app direct, HTTP, median of $ROUNDS" "$a req/s; CPU: $(cpu_text a)" "bare host: about 36k" "-" "-"
  row "Proxy (b): nginx TLS static 200, median of $ROUNDS" "$b req/s; CPU: $(cpu_text b)" "bare host: about 46k" "-" "-"
  row "Proxy (c): nginx TLS to the app, median of $ROUNDS" "$c req/s; CPU: $(cpu_text c)" "bare host: about 15k" "-" "-"
  row "Proxy: c over the ceiling 1/(1/a + 1/b) = $(ceiling "$a" "$b") req/s" "$(ratio "$c" "$(ceiling "$a" "$b")")" \
    "before (e8c4771): 0.60" "≥ 0.90" "$(at_least "$(ratio "$c" "$(ceiling "$a" "$b")")" 0.90 "")"
  row "Proxy: c over b, the chain against nginx's static 200" "$(ratio "$c" "$b")" "before (e8c4771): 0.16" \
    "≥ 0.50" "$(at_least "$(ratio "$c" "$b")" 0.50 "")"
}

report_standin_rows() {
  local b d e
  b=$(median_run b | cut -d' ' -f1) d=$(median_run d | cut -d' ' -f1) e=$(median_run e | cut -d' ' -f1)
  row "Proxy (d): a stand-in for the app (nginx \`return\`, HTTP), direct, median of $ROUNDS" \
    "$d req/s; CPU: $(cpu_text d)" "-" "-" "-"
  row "Proxy (e): nginx TLS to the stand-in, median of $ROUNDS" "$e req/s; CPU: $(cpu_text e)" "-" "-" "-"
  row "Proxy hop, whatever the app: e over 1/(1/d + 1/b) = $(ceiling "$d" "$b") req/s; e over b" \
    "$(ratio "$e" "$(ceiling "$d" "$b")"); $(ratio "$e" "$b")" "the app's: c over its ceiling; c over b" "-" "-"
}

# The chains to the app side by side, and the project's edge against the best peer.
report_chains() {
  local side name best="" best_rate=0 rate
  for side in c f g v; do
    runs "$side" || continue
    name=${CHAIN_NAME[$side]}
    rate=$(median_of "$side" 1)
    verbatim "chain $name: $rate req/s"
    row "Chain $name: TLS edge to the app, each figure the median of $ROUNDS" \
      "$rate req/s; p99 $(median_of "$side" 2) ms; $name CPU $(median_of "$side" 3) µs/request" "-" "-" "-"
    if [[ $side == [fg] ]] && ((rate > best_rate)); then best=$side best_rate=$rate; fi
  done
  runs c && [[ -n $best ]] || return 0
  local peer=${CHAIN_NAME[$best]} nginx_cpu peer_cpu
  nginx_cpu=$(median_of c 3) peer_cpu=$(median_of "$best" 3)
  row "Edge: nginx's req/s over the best peer's ($peer)" "$(ratio "$(median_of c 1)" "$best_rate")" "-" \
    "≥ 0.95" "$(at_least "$(ratio "$(median_of c 1)" "$best_rate")" 0.95 "")"
  row "Edge: nginx's CPU per proxied request against $peer's" "$nginx_cpu µs; $peer $peer_cpu µs" "-" \
    "≤ $peer_cpu µs" "$(at_most "$nginx_cpu" "$peer_cpu" µs)"
}

main() {
  local round side line first_app=a
  command -v wrk >/dev/null 2>&1 || die "wrk is missing (Debian package wrk)"
  ((${#SIDES[@]} > 0)) || die "BENCH_PROXY_SIDES names no side"
  for side in "${SIDES[@]}"; do
    [[ -n ${SIDE_CONTAINERS[$side]:-} ]] || die "unknown side '$side' in BENCH_PROXY_SIDES (a to g)"
  done
  trap remove_bench_containers EXIT
  remove_bench_containers
  start_sides

  log "warm-up (JIT, connection pools, session cache), not counted"
  for side in a c f g v; do runs "$side" && first_app=$side && break; done
  for side in a c b d e f g v; do
    runs "$side" || continue
    if [[ $side == "$first_app" ]]; then warm_up "$side" 4; else warm_up "$side" 2; fi
  done

  for ((round = 1; round <= ROUNDS; round++)); do
    line=""
    for side in "${SIDES[@]}"; do
      measure "$side"
      line+="$side $(printf '%s' "${RUNS[$side]}" | tail -n 1 | cut -d' ' -f1), "
    done
    log "round $round: ${line%, } req/s"
    detail "proxy overhead round $round (wrk -t$THREADS -c$CONNECTIONS -d${RUN_SECONDS}s): ${line%, } req/s"
  done
  for side in "${SIDES[@]}"; do
    detail "proxy overhead, $side's median run: p99 $(median_run "$side" | cut -d' ' -f2) ms; CPU per request: $(cpu_text "$side")"
  done
  detail "proxy overhead, versions: $(versions_text)"
  [[ -z $NGINX_VARIANT_DIR ]] ||
    detail "proxy overhead, nginx-variant: the files of $NGINX_VARIANT_DIR over the image's ($(cd "$NGINX_VARIANT_DIR" && echo *))"

  if runs_all a b c; then report_app_rows; fi
  if runs_all b d e; then report_standin_rows; fi
  report_chains
}

main "$@"
