#!/usr/bin/env bash
# proxy-overhead.sh: the project's nginx edge against the proxies a user could pick instead,
# each doing the edge's duties in front of the same app container, in one run. The chains:
#   nginx           the project's image and configuration (buffered access log on stdout);
#   haproxy-stdout  Debian 13's HAProxy (bench/haproxy.cfg), its access log on stdout;
#   haproxy-ring    the same, its access log into a ring in the container (its documentation's
#                   non-blocking path);
#   caddy-stdout    Debian 13's Caddy (bench/Caddyfile), its access log on stdout;
#   caddy-file      the same, its access log into a rolled file in the container;
#   nginx-variant   only when BENCH_PROXY_NGINX_VARIANT names a folder: the project's nginx with
#                   each file of that folder over the image's /etc/nginx/ file of the same name
#                   (a tuning experiment, measured in the same run as the others).
# BENCH_PROXY_CHAINS (default: all but the variant) picks the chains of a shorter run.
# The client is wrk in a container on the bench's network, asking each proxy by its container
# name, so that no chain goes through Docker's userland proxy and no address of a container is
# reached from the host. After a warm-up (the app's JIT, connection pools), the chains take
# turns for BENCH_PROXY_ROUNDS rounds; each run reads wrk's rate and 99th percentile and the CPU
# each request cost in the proxy's container, in the app's and in the rest of the machine (the
# client, the kernel's networking, Docker's log pipe). Each figure is the median of the rounds.
set -euo pipefail

export BENCH=proxy-overhead
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

readonly THREADS=2 CONNECTIONS=64 RUN_SECONDS=${BENCH_PROXY_SECONDS:-10} ROUNDS=${BENCH_PROXY_ROUNDS:-3}
readonly APP=${BENCH_PREFIX}app CLIENT=${BENCH_PREFIX}client
# wrk, curl, HAProxy and Caddy: Debian 13's packages, in an image of the bench's own (the
# tests' tools image, test/lib/tools.sh, has neither proxy).
readonly PROXIES_IMAGE=quote-bench-tools:debian13
# The keypair as the client sees it, to check the chains' certificates.
readonly CLIENT_CERT=/etc/bench/localhost.crt
readonly NGINX_VARIANT_DIR=${BENCH_PROXY_NGINX_VARIANT:-}

# Each chain's proxy (its container is BENCH_PREFIX and the chain's name) and access log path.
declare -rA PROXY=([nginx]=nginx [haproxy-stdout]=haproxy [haproxy-ring]=haproxy
  [caddy-stdout]=caddy [caddy-file]=caddy [nginx-variant]=nginx)
declare -rA ACCESS_LOG=([nginx]=stdout [haproxy-stdout]=stdout [haproxy-ring]=ring@access
  [caddy-stdout]=stdout [caddy-file]=file [nginx-variant]=stdout)

read -ra CHAINS <<<"${BENCH_PROXY_CHAINS:-nginx haproxy-stdout haproxy-ring caddy-stdout caddy-file}"
[[ -z $NGINX_VARIANT_DIR ]] || CHAINS+=(nginx-variant)
readonly CHAINS

# RESULTS[CHAIN/FIELD]: one value per round, space-separated. The fields: rate (req/s), p99
# (ms), and the CPU per request (µs) in proxy, app, rest, all.
declare -A RESULTS=()
readonly FIELDS="rate p99 proxy app rest all"

# client COMMAND...: COMMAND in the client's container.
client() { docker exec "$CLIENT" "$@"; }

# wrk_run SECONDS CHAIN: "RATE REQUESTS P99_MS" of one run against CHAIN; dies on any error or
# non-2xx answer, which would make the figure meaningless. Each chain is asked for
# https://localhost/ (the served name) at its container.
wrk_run() {
  local seconds=$1 chain=$2 output rate requests p99
  output=$(timeout $((seconds + 30)) docker exec "$CLIENT" wrk --threads "$THREADS" \
    --connections "$CONNECTIONS" --duration "${seconds}s" --timeout 5s --latency \
    --header 'Host: localhost' "https://$BENCH_PREFIX$chain:443/" 2>&1) || die "wrk failed on $chain: $output"
  if grep -qE 'Socket errors|Non-2xx' <<<"$output"; then
    die "errors under load on $chain: $(grep -E 'Socket errors|Non-2xx' <<<"$output" | tr '\n' ' ')"
  fi
  rate=$(sed -n 's/^Requests\/sec: *//p' <<<"$output")
  requests=$(awk '/ requests in / { print $1 }' <<<"$output")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$output")
  [[ -n $rate && -n $requests && -n $p99 ]] || die "no rate or p99 in wrk's output for $chain: $output"
  printf '%.0f %s %s\n' "$rate" "$requests" "$(latency_ms "$p99")"
}

# latency_ms WRK_LATENCY: wrk's "850.00us", "1.23ms" or "1.01s" in milliseconds.
latency_ms() {
  awk -v t="$1" 'BEGIN {
    if (t ~ /us$/) f = 0.001; else if (t ~ /ms$/) f = 1; else if (t ~ /s$/) f = 1000; else exit 1
    sub(/[a-z]+$/, "", t); printf "%.2f\n", t * f }'
}

build_proxies_image() {
  use_base_images
  docker build -q --build-arg DEBIAN_IMAGE -t "$PROXIES_IMAGE" - >/dev/null <<'DOCKERFILE'
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends wrk curl haproxy caddy; \
    rm -rf /var/lib/apt/lists/*
DOCKERFILE
}

# tools_container NAME USER [docker run options...] COMMAND...: the tools image on the bench
# network with the project's certificate, hardened as the project's nginx.
tools_container() {
  local name=$1 run_as=$2
  shift 2
  docker run -d --name "$name" --network "$BENCH_NETWORK" "${LOG_OPTIONS[@]}" --user "$run_as" \
    --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
    --sysctl net.ipv4.ip_unprivileged_port_start=0 --memory 128m \
    -e HOME=/tmp -e XDG_DATA_HOME=/tmp -e XDG_CONFIG_HOME=/tmp \
    -v "$EDGE_CA:$CLIENT_CERT:ro" "$@" >/dev/null
}

# start_peer CHAIN: HAProxy or Caddy with the bench's configuration, the project's keypair and
# the chain's access log path (ACCESS_LOG in the configuration).
start_peer() {
  local chain=$1 tls=/etc/${PROXY[$1]}/tls
  local -a mounts=(-v "$EDGE_CA:$tls/localhost.crt:ro" -v "$EDGE_KEY:$tls/localhost.key:ro" -e "ACCESS_LOG=${ACCESS_LOG[$chain]}")
  case ${PROXY[$chain]} in
    haproxy)
      tools_container "$BENCH_PREFIX$chain" haproxy "${mounts[@]}" \
        -v "$BENCH_DIR/haproxy.cfg:/etc/haproxy/haproxy.cfg:ro" \
        "$PROXIES_IMAGE" haproxy -W -db -f /etc/haproxy/haproxy.cfg
      ;;
    caddy)
      tools_container "$BENCH_PREFIX$chain" caddy "${mounts[@]}" \
        -v "$BENCH_DIR/Caddyfile:/etc/caddy/Caddyfile:ro" \
        "$PROXIES_IMAGE" caddy run --config /etc/caddy/Caddyfile --adapter caddyfile
      ;;
  esac
}

# The variant's files, each mounted over the image's file of the same name.
variant_mounts() {
  local file
  [[ -d $NGINX_VARIANT_DIR ]] || die "BENCH_PROXY_NGINX_VARIANT: no folder $NGINX_VARIANT_DIR"
  for file in "$(cd "$NGINX_VARIANT_DIR" && pwd)"/*; do
    printf -- '-v\n%s:/etc/nginx/%s:ro\n' "$file" "$(basename "$file")"
  done
}

app_answers() {
  [[ $(client curl --silent --max-time 2 --output /dev/null --write-out '%{http_code}' "http://$APP:8000/") == 200 ]]
}

# chain_answers CHAIN: https://localhost/ through the chain's proxy, its certificate checked.
chain_answers() {
  [[ $(client curl --silent --max-time 2 --output /dev/null --write-out '%{http_code}' \
    --cacert "$CLIENT_CERT" --connect-to "localhost:443:$BENCH_PREFIX$1:443" https://localhost/) == 200 ]]
}

start_chains() {
  local chain
  local -a mounts
  log "the bench's image (Debian 13's wrk, curl, haproxy and caddy)"
  build_proxies_image || die "could not build $PROXIES_IMAGE from $DEBIAN_IMAGE"
  ensure_bench_network
  tools_container "$CLIENT" nobody "$PROXIES_IMAGE" sleep infinity
  start_bench_app "$APP"
  wait_until 120 0.2 app_answers || die "the app did not answer within 120 s"
  for chain in "${CHAINS[@]}"; do
    case $chain in
      nginx) start_bench_nginx "$BENCH_PREFIX$chain" "$EDGE_CA" "$EDGE_KEY" "$EDGE_IMAGE" ;;
      nginx-variant)
        mapfile -t mounts < <(variant_mounts)
        start_bench_nginx "$BENCH_PREFIX$chain" "$EDGE_CA" "$EDGE_KEY" "${mounts[@]}" "$EDGE_IMAGE"
        ;;
      *) start_peer "$chain" ;;
    esac
  done
  for chain in "${CHAINS[@]}"; do
    wait_until 30 0.2 chain_answers "$chain" || die "chain $chain did not answer over TLS within 30 s"
  done
}

# measure CHAIN: one measured run; appends each field's value to RESULTS[CHAIN/FIELD].
measure() {
  local chain=$1 proxy_before app_before busy_before rate requests p99 proxy app all
  proxy_before=$(container_cpu_ns "$BENCH_PREFIX$chain")
  app_before=$(container_cpu_ns "$APP")
  busy_before=$(machine_busy_ns)
  read -r rate requests p99 <<<"$(wrk_run "$RUN_SECONDS" "$chain")"
  all=$((($(machine_busy_ns) - busy_before) / 1000 / requests))
  proxy=$((($(container_cpu_ns "$BENCH_PREFIX$chain") - proxy_before) / 1000 / requests))
  app=$((($(container_cpu_ns "$APP") - app_before) / 1000 / requests))
  RESULTS[$chain/rate]+="$rate " RESULTS[$chain/p99]+="$p99 " RESULTS[$chain/proxy]+="$proxy "
  RESULTS[$chain/app]+="$app " RESULTS[$chain/rest]+="$((all - proxy - app)) " RESULTS[$chain/all]+="$all "
}

# of CHAIN FIELD: the median of the field's rounds.
of() {
  local -a values
  read -ra values <<<"${RESULTS[$1/$2]}"
  median "${values[@]}"
}

# last_of CHAIN FIELD: the field's value in the latest round.
last_of() {
  local -a values
  read -ra values <<<"${RESULTS[$1/$2]}"
  printf '%s\n' "${values[-1]}"
}

# warm_up CHAIN MIN_RUNS: 10 s runs until the rate stops climbing (no more than 5 % above the
# best run before it) after at least MIN_RUNS runs, or 12 runs. A fresh JVM's JIT takes a minute
# or more of load here, with plateaus on the way: the first chain waits for 4 runs, the others
# (the JIT warm) for 2.
warm_up() {
  local chain=$1 min_runs=$2 run best=0 rate
  for ((run = 1; run <= 12; run++)); do
    rate=$(wrk_run 10 "$chain" | cut -d' ' -f1)
    log "warm-up $chain: run $run, $rate req/s"
    if ((run >= min_runs)) && awk -v r="$rate" -v b="$best" 'BEGIN { exit !(r <= b * 1.05) }'; then
      return 0
    fi
    ((rate > best)) && best=$rate
  done
  log "warm-up $chain: the rate still climbed after 12 runs; measuring anyway"
}

ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.2f", x / y }'; }

# The versions compared, from the images.
versions_text() {
  printf 'nginx %s, %s (Debian 13), %s\n' \
    "$(docker run --rm --entrypoint nginx "$EDGE_IMAGE" -v 2>&1 | sed 's/.*nginx\///')" \
    "$(docker run --rm "$PROXIES_IMAGE" dpkg-query -W -f '${Package} ${Version}, ' haproxy caddy | sed 's/, $//')" \
    "the client: $(docker run --rm "$PROXIES_IMAGE" dpkg-query -W -f '${Package} ${Version}' wrk)"
}

# Each chain beside the others, and the project's edge against the best peer.
report() {
  local chain best="" peer_cpu
  for chain in "${CHAINS[@]}"; do
    row "Chain $chain (access log: ${ACCESS_LOG[$chain]}), median of $ROUNDS" \
      "$(of "$chain" rate) req/s; p99 $(of "$chain" p99) ms; CPU µs/request: ${PROXY[$chain]} $(of "$chain" proxy), app $(of "$chain" app), the rest $(of "$chain" rest), all $(of "$chain" all)" \
      "-" "-" "-"
    if [[ ${PROXY[$chain]} != nginx ]] && { [[ -z $best ]] || (($(of "$chain" rate) > $(of "$best" rate))); }; then
      best=$chain
    fi
  done
  [[ " ${CHAINS[*]} " == *" nginx "* && -n $best ]] || return 0
  row "Edge: nginx's req/s over the best peer's ($best)" "$(ratio "$(of nginx rate)" "$(of "$best" rate)")" "-" \
    "≥ 0.95" "$(at_least "$(ratio "$(of nginx rate)" "$(of "$best" rate)")" 0.95 "")"
  peer_cpu=$(of "$best" proxy)
  row "Edge: nginx's CPU per request against $best's" "$(of nginx proxy) µs; $best $peer_cpu µs" "-" \
    "≤ $peer_cpu µs" "$(at_most "$(of nginx proxy)" "$peer_cpu" µs)"
}

main() {
  local round chain line
  ((${#CHAINS[@]} > 0)) || die "BENCH_PROXY_CHAINS names no chain"
  for chain in "${CHAINS[@]}"; do
    [[ -n ${PROXY[$chain]:-} ]] || die "unknown chain '$chain' in BENCH_PROXY_CHAINS (one of: ${!PROXY[*]})"
  done
  trap remove_bench_containers EXIT
  remove_bench_containers
  start_chains

  log "warm-up (JIT, connection pools, session cache), not counted"
  warm_up "${CHAINS[0]}" 4
  for chain in "${CHAINS[@]:1}"; do warm_up "$chain" 2; done

  for ((round = 1; round <= ROUNDS; round++)); do
    line=""
    for chain in "${CHAINS[@]}"; do
      measure "$chain"
      line+="$chain $(last_of "$chain" rate), "
    done
    log "round $round: ${line%, } req/s"
    detail "proxy overhead round $round (wrk -t$THREADS -c$CONNECTIONS -d${RUN_SECONDS}s): ${line%, } req/s"
  done
  for chain in "${CHAINS[@]}"; do
    detail "proxy overhead, $chain, each round: $(for field in $FIELDS; do printf '%s %s; ' "$field" "${RESULTS[$chain/$field]% }"; done)"
  done
  detail "proxy overhead, versions: $(versions_text)"
  [[ -z $NGINX_VARIANT_DIR ]] ||
    detail "proxy overhead, nginx-variant: the files of $NGINX_VARIANT_DIR over the image's ($(cd "$NGINX_VARIANT_DIR" && echo *))"
  report
}

main "$@"
