#!/usr/bin/env bash
# proxy-overhead.sh: what nginx costs in front of the app. With the same client (wrk, keepalive
# connections), concurrency and path, in one run and after a JIT warm-up:
#   (a) the production app direct, plain HTTP on its network;
#   (b) nginx over TLS answering a static 200 itself (bench/nginx-static-ceiling.conf);
#   (c) nginx over TLS proxying to the app (the project's nginx.conf).
# On shared cores the most (c) can reach is 1/(1/a + 1/b); the figures are c over that ceiling
# and c over (b).
# The client is wrk on the host, on the bench's own bridge network (no published port: Docker's
# userland proxy would be one more hop that only some sides pay).
set -euo pipefail

export BENCH=proxy-overhead
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

readonly THREADS=2 CONNECTIONS=64 RUN_SECONDS=${BENCH_PROXY_SECONDS:-10} ROUNDS=${BENCH_PROXY_ROUNDS:-3}
readonly APP=${BENCH_PREFIX}app NGINX=${BENCH_PREFIX}nginx STATIC=${BENCH_PREFIX}nginx-static

# wrk_rate SECONDS URL [wrk options...]: requests per second; dies on any error or non-2xx
# answer, which would make the figure meaningless.
wrk_rate() {
  local seconds=$1 url=$2 output rate
  shift 2
  output=$(timeout $((seconds + 30)) wrk --threads "$THREADS" --connections "$CONNECTIONS" \
    --duration "${seconds}s" --timeout 5s "$@" "$url" 2>&1) || die "wrk failed on $url: $output"
  if grep -qE 'Socket errors|Non-2xx' <<<"$output"; then
    die "errors under load on $url: $(grep -E 'Socket errors|Non-2xx' <<<"$output" | tr '\n' ' ')"
  fi
  rate=$(sed -n 's/^Requests\/sec: *//p' <<<"$output")
  [[ -n $rate ]] || die "no rate in wrk's output for $url: $output"
  printf '%.0f\n' "$rate"
}

start_sides() {
  start_bench_app "$APP"
  start_bench_nginx "$NGINX" "$CERT" "$KEY" "$NGINX_IMAGE"
  start_bench_nginx "$STATIC" "$CERT" "$KEY" \
    -v "$BENCH_DIR/nginx-static-ceiling.conf:/etc/nginx/static-ceiling.conf:ro" \
    "$NGINX_IMAGE" nginx -c /etc/nginx/static-ceiling.conf -g 'daemon off;'
  APP_URL="http://$(container_address "$APP"):8000/"
  NGINX_ADDRESS=$(container_address "$NGINX")
  STATIC_ADDRESS=$(container_address "$STATIC")
  wait_until 120 0.2 app_answers "$(container_address "$APP")" || die "the app did not answer within 120 s"
  wait_until 30 0.2 nginx_answers "$NGINX_ADDRESS" || die "nginx did not proxy to the app within 30 s"
  wait_until 30 0.2 nginx_answers "$STATIC_ADDRESS" || die "the static nginx did not answer within 30 s"
}

# The TLS sides are asked for https://localhost/ (the served name) at the container's address.
rate_a() { wrk_rate "$1" "$APP_URL"; }
rate_b() { wrk_rate "$1" "https://$STATIC_ADDRESS/" --header 'Host: localhost'; }
rate_c() { wrk_rate "$1" "https://$NGINX_ADDRESS/" --header 'Host: localhost'; }

# warm_up SIDE: 10 s runs until the rate stops climbing (no more than 5 % above the best run
# before it) after at least 4 runs, or 12 runs. A fresh JVM's JIT takes a minute or more of
# load here, with plateaus on the way: a run close to the one before is not yet the end.
warm_up() {
  local side=$1 run best=0 rate
  for ((run = 1; run <= 12; run++)); do
    rate=$("rate_$side" 10)
    log "warm-up $side: run $run, $rate req/s"
    if ((run >= 4)) && awk -v r="$rate" -v b="$best" 'BEGIN { exit !(r <= b * 1.05) }'; then
      return 0
    fi
    ((rate > best)) && best=$rate
  done
  log "warm-up $side: the rate still climbed after 12 runs; measuring anyway"
}

main() {
  local round a b c as=() bs=() cs=() ceiling ratio over_static
  command -v wrk >/dev/null 2>&1 || die "wrk is missing (Debian package wrk)"
  trap remove_bench_containers EXIT
  remove_bench_containers
  start_sides

  log "warm-up (JIT, connection pools, session cache), not counted"
  warm_up a
  warm_up c
  warm_up b

  for ((round = 1; round <= ROUNDS; round++)); do
    a=$(rate_a "$RUN_SECONDS")
    b=$(rate_b "$RUN_SECONDS")
    c=$(rate_c "$RUN_SECONDS")
    log "round $round: a $a, b $b, c $c req/s"
    detail "proxy overhead round $round (wrk -t$THREADS -c$CONNECTIONS -d${RUN_SECONDS}s): a $a, b $b, c $c req/s"
    as+=("$a")
    bs+=("$b")
    cs+=("$c")
  done
  a=$(median "${as[@]}")
  b=$(median "${bs[@]}")
  c=$(median "${cs[@]}")
  ceiling=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.0f", 1 / (1 / a + 1 / b) }')
  ratio=$(awk -v c="$c" -v m="$ceiling" 'BEGIN { printf "%.2f", c / m }')
  over_static=$(awk -v c="$c" -v b="$b" 'BEGIN { printf "%.2f", c / b }')

  row "Proxy (a): app direct, HTTP, median of $ROUNDS" "$a req/s" "bare host: about 36k" "-" "-"
  row "Proxy (b): nginx TLS static 200, median of $ROUNDS" "$b req/s" "bare host: about 46k" "-" "-"
  row "Proxy (c): nginx TLS to the app, median of $ROUNDS" "$c req/s" "bare host: about 15k" "-" "-"
  row "Proxy: c over the ceiling 1/(1/a + 1/b) = $ceiling req/s" "$ratio" "before (e8c4771): 0.60" \
    "≥ 0.90" "$(at_least "$ratio" 0.90 "")"
  row "Proxy: c over b, the chain against nginx's static 200" "$over_static" "before (e8c4771): 0.16" \
    "≥ 0.50" "$(at_least "$over_static" 0.50 "")"
}

main "$@"
