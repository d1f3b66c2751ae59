#!/usr/bin/env bash
# proxy-overhead.sh: what nginx costs in front of the app. With the same client (wrk, keepalive
# connections), concurrency and path, in one run and after a JIT warm-up:
#   (a) the production app direct, plain HTTP on its network;
#   (b) nginx over TLS answering a static 200 itself (bench/nginx-static-ceiling.conf);
#   (c) nginx over TLS proxying to the app (the project's nginx.conf);
#   (d) a stand-in for the app that costs next to nothing (bench/nginx-standin-app.conf) direct;
#   (e) the project's nginx over TLS proxying to that stand-in.
# On shared cores the most (c) can reach is 1/(1/a + 1/b); the figures are c over that ceiling
# and c over (b), and the same for (e) with (d): what the proxy hop allows whatever the app.
# Each run also reads the containers' and the machine's CPU counters: the CPU each request cost
# in nginx, in the app and in the rest (the client, the kernel's networking, Docker).
# The client is wrk on the host, on the bench's own bridge network (no published port: Docker's
# userland proxy would be one more hop that only some sides pay).
set -euo pipefail

export BENCH=proxy-overhead
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

readonly THREADS=2 CONNECTIONS=64 RUN_SECONDS=${BENCH_PROXY_SECONDS:-10} ROUNDS=${BENCH_PROXY_ROUNDS:-3}
readonly APP=${BENCH_PREFIX}app NGINX=${BENCH_PREFIX}nginx STATIC=${BENCH_PREFIX}nginx-static
readonly STANDIN=${BENCH_PREFIX}standin-app STANDIN_PROXY=${BENCH_PREFIX}nginx-to-standin
# The stand-in is `app` on a network of its own, where only its proxy finds it.
readonly STANDIN_NETWORK=${BENCH_PREFIX}standin

# wrk_run SECONDS URL [wrk options...]: "requests per second, requests"; dies on any error or
# non-2xx answer, which would make the figure meaningless.
wrk_run() {
  local seconds=$1 url=$2 output rate requests
  shift 2
  output=$(timeout $((seconds + 30)) wrk --threads "$THREADS" --connections "$CONNECTIONS" \
    --duration "${seconds}s" --timeout 5s "$@" "$url" 2>&1) || die "wrk failed on $url: $output"
  if grep -qE 'Socket errors|Non-2xx' <<<"$output"; then
    die "errors under load on $url: $(grep -E 'Socket errors|Non-2xx' <<<"$output" | tr '\n' ' ')"
  fi
  rate=$(sed -n 's/^Requests\/sec: *//p' <<<"$output")
  requests=$(awk '/ requests in / { print $1 }' <<<"$output")
  [[ -n $rate && -n $requests ]] || die "no rate in wrk's output for $url: $output"
  printf '%.0f %s\n' "$rate" "$requests"
}

start_sides() {
  start_bench_app "$APP"
  start_bench_nginx "$NGINX" "$CERT" "$KEY" "$NGINX_IMAGE"
  start_bench_nginx "$STATIC" "$CERT" "$KEY" \
    -v "$BENCH_DIR/nginx-static-ceiling.conf:/etc/nginx/static-ceiling.conf:ro" \
    "$NGINX_IMAGE" nginx -c /etc/nginx/static-ceiling.conf -g 'daemon off;'
  BENCH_RUN_NETWORK=$STANDIN_NETWORK start_bench_nginx "$STANDIN" "$CERT" "$KEY" --network-alias app \
    -v "$BENCH_DIR/nginx-standin-app.conf:/etc/nginx/standin-app.conf:ro" \
    "$NGINX_IMAGE" nginx -c /etc/nginx/standin-app.conf -g 'daemon off;'
  BENCH_RUN_NETWORK=$STANDIN_NETWORK start_bench_nginx "$STANDIN_PROXY" "$CERT" "$KEY" "$NGINX_IMAGE"
  APP_URL="http://$(container_address "$APP"):8000/"
  NGINX_ADDRESS=$(container_address "$NGINX")
  STATIC_ADDRESS=$(container_address "$STATIC")
  STANDIN_URL="http://$(container_address "$STANDIN"):8000/"
  STANDIN_PROXY_ADDRESS=$(container_address "$STANDIN_PROXY")
  wait_until 120 0.2 app_answers "$(container_address "$APP")" || die "the app did not answer within 120 s"
  wait_until 30 0.2 nginx_answers "$NGINX_ADDRESS" || die "nginx did not proxy to the app within 30 s"
  wait_until 30 0.2 nginx_answers "$STATIC_ADDRESS" || die "the static nginx did not answer within 30 s"
  wait_until 30 0.2 app_answers "$(container_address "$STANDIN")" || die "the stand-in did not answer within 30 s"
  wait_until 30 0.2 nginx_answers "$STANDIN_PROXY_ADDRESS" ||
    die "nginx did not proxy to the stand-in within 30 s"
}

# The TLS sides are asked for https://localhost/ (the served name) at the container's address.
run_a() { wrk_run "$1" "$APP_URL"; }
run_b() { wrk_run "$1" "https://$STATIC_ADDRESS/" --header 'Host: localhost'; }
run_c() { wrk_run "$1" "https://$NGINX_ADDRESS/" --header 'Host: localhost'; }
run_d() { wrk_run "$1" "$STANDIN_URL"; }
run_e() { wrk_run "$1" "https://$STANDIN_PROXY_ADDRESS/" --header 'Host: localhost'; }
# rate SIDE SECONDS: one run's requests per second.
rate() { "run_$1" "$2" | cut -d' ' -f1; }

# Each side's containers, nginx's first: whose CPU counters a run of the side reads; and the
# names they have in the report.
declare -rA SIDE_CONTAINERS=([a]="$APP" [b]="$STATIC" [c]="$NGINX $APP" [d]="$STANDIN"
  [e]="$STANDIN_PROXY $STANDIN")
declare -rA SIDE_PARTS=([a]=app [b]=nginx [c]="nginx app" [d]=stand-in [e]="nginx stand-in")

# measure SIDE: one measured run of SIDE, appended to RUNS[SIDE] as a line: the rate, then the
# CPU each request cost (µs) in each of the side's containers, in the rest of the machine, and
# in all.
declare -A RUNS=()
measure() {
  local side=$1 container rate requests busy_before all charged=0 cost line
  local -a containers
  local -A before=()
  read -ra containers <<<"${SIDE_CONTAINERS[$side]}"
  for container in "${containers[@]}"; do before[$container]=$(container_cpu_ns "$container"); done
  busy_before=$(machine_busy_ns)
  read -r rate requests <<<"$(run_"$side" "$RUN_SECONDS")"
  all=$((($(machine_busy_ns) - busy_before) / 1000 / requests))
  line=$rate
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

# cpu_text SIDE: the median run's CPU per request, e.g. "nginx 46, app 67, the rest 34; all 147 µs".
cpu_text() {
  local -a parts values
  read -ra parts <<<"${SIDE_PARTS[$1]}"
  read -ra values <<<"$(median_run "$1")"
  local i text=""
  for i in "${!parts[@]}"; do text+="${parts[i]} ${values[i + 1]}, "; done
  printf '%sthe rest %s; all %s µs\n' "$text" "${values[${#parts[@]} + 1]}" "${values[${#parts[@]} + 2]}"
}

# warm_up SIDE: 10 s runs until the rate stops climbing (no more than 5 % above the best run
# before it) after at least 4 runs, or 12 runs. A fresh JVM's JIT takes a minute or more of
# load here, with plateaus on the way: a run close to the one before is not yet the end.
warm_up() {
  local side=$1 run best=0 rate
  for ((run = 1; run <= 12; run++)); do
    rate=$(rate "$side" 10)
    log "warm-up $side: run $run, $rate req/s"
    if ((run >= 4)) && awk -v r="$rate" -v b="$best" 'BEGIN { exit !(r <= b * 1.05) }'; then
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

main() {
  local round side line a b c d e
  command -v wrk >/dev/null 2>&1 || die "wrk is missing (Debian package wrk)"
  trap remove_bench_containers EXIT
  remove_bench_containers
  start_sides

  log "warm-up (JIT, connection pools, session cache), not counted"
  for side in a c b d e; do warm_up "$side"; done

  for ((round = 1; round <= ROUNDS; round++)); do
    line=""
    for side in a b c d e; do
      measure "$side"
      line+="$side $(printf '%s' "${RUNS[$side]}" | tail -n 1 | cut -d' ' -f1), "
    done
    log "round $round: ${line%, } req/s"
    detail "proxy overhead round $round (wrk -t$THREADS -c$CONNECTIONS -d${RUN_SECONDS}s): ${line%, } req/s"
  done
  for side in a b c d e; do
    detail "proxy overhead, CPU per request in $side's median run: $(cpu_text "$side")"
  done
  read -r a b c d e < <(for side in a b c d e; do median_run "$side" | cut -d' ' -f1; done | paste -sd' ')

  row "Proxy (a): app direct, HTTP, median of $ROUNDS" "$a req/s; CPU: $(cpu_text a)" "bare host: about 36k" "-" "-"
  row "Proxy (b): nginx TLS static 200, median of $ROUNDS" "$b req/s; CPU: $(cpu_text b)" "bare host: about 46k" "-" "-"
  row "Proxy (c): nginx TLS to the app, median of $ROUNDS" "$c req/s; CPU: $(cpu_text c)" "bare host: about 15k" "-" "-"
  row "Proxy: c over the ceiling 1/(1/a + 1/b) = $(ceiling "$a" "$b") req/s" "$(ratio "$c" "$(ceiling "$a" "$b")")" \
    "before (e8c4771): 0.60" "≥ 0.90" "$(at_least "$(ratio "$c" "$(ceiling "$a" "$b")")" 0.90 "")"
  row "Proxy: c over b, the chain against nginx's static 200" "$(ratio "$c" "$b")" "before (e8c4771): 0.16" \
    "≥ 0.50" "$(at_least "$(ratio "$c" "$b")" 0.50 "")"
  row "Proxy (d): a stand-in for the app (nginx \`return\`, HTTP), direct, median of $ROUNDS" \
    "$d req/s; CPU: $(cpu_text d)" "-" "-" "-"
  row "Proxy (e): nginx TLS to the stand-in, median of $ROUNDS" "$e req/s; CPU: $(cpu_text e)" "-" "-" "-"
  row "Proxy hop, whatever the app: e over 1/(1/d + 1/b) = $(ceiling "$d" "$b") req/s; e over b" \
    "$(ratio "$e" "$(ceiling "$d" "$b")"); $(ratio "$e" "$b")" "the app's: c over its ceiling; c over b" "-" "-"
}

main "$@"
