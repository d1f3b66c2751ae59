#!/usr/bin/env bash
# memory.sh: each container's resident memory (the RSS of all its processes) when idle and under
# load: the production app with the bench's memory limit (its heap sized by jvm.options from that
# limit) behind the project's nginx, loaded through nginx over TLS.
set -euo pipefail

export BENCH=memory
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

readonly LOAD_SECONDS=${BENCH_MEMORY_LOAD_SECONDS:-45} IDLE_SETTLE_SECONDS=10
readonly APP=${BENCH_PREFIX}memory-app NGINX=${BENCH_PREFIX}memory-nginx

# The heap limit the JVM derives from the container's memory limit with jvm.options' percentage.
max_heap_mib() {
  local percentage
  percentage=$(sed -n 's/^-XX:MaxRAMPercentage=//p' "$REPO_ROOT/src-liberty/jvm.options")
  docker exec "$APP" java "-XX:MaxRAMPercentage=${percentage:?no MaxRAMPercentage in jvm.options}" \
    -XX:+PrintFlagsFinal -version 2>/dev/null | awk '$2 == "MaxHeapSize" { printf "%.0f", $4 / 1048576 }'
}

nginx_answers() {
  [[ $(edge_status_on "$BENCH_NETWORK" "$NGINX") == 200 ]]
}

main() {
  local app_idle nginx_idle app_peak=0 nginx_peak=0 app_now nginx_now heap wrk_pid second
  trap remove_bench_containers EXIT
  remove_bench_containers
  start_bench_app "$APP"
  start_bench_nginx "$NGINX" "$EDGE_CA" "$EDGE_KEY" "$EDGE_IMAGE"
  build_tools_image || die "the tests' tools image $TOOLS_IMAGE could not be built"
  wait_until 120 0.2 nginx_answers || die "the app did not answer through nginx within 120 s"
  heap=$(max_heap_mib)

  sleep "$IDLE_SETTLE_SECONDS" # idle on purpose: the figure is the memory at rest
  app_idle=$(container_rss_mib "$APP")
  nginx_idle=$(container_rss_mib "$NGINX")

  # wrk in a container on the bench network, asking nginx by its name there (the port named:
  # the tools image has no /etc/services).
  log "load: wrk -t2 -c64 -d${LOAD_SECONDS}s through nginx, RSS sampled every second"
  tool_on "$BENCH_NETWORK" timeout $((LOAD_SECONDS + 30)) wrk --threads 2 --connections 64 \
    --duration "${LOAD_SECONDS}s" --header 'Host: localhost' "https://$NGINX:443/" >/dev/null 2>&1 &
  wrk_pid=$!
  for ((second = 0; second < LOAD_SECONDS; second++)); do
    sleep 1
    app_now=$(container_rss_mib "$APP")
    nginx_now=$(container_rss_mib "$NGINX")
    ((app_now <= app_peak)) || app_peak=$app_now
    ((nginx_now <= nginx_peak)) || nginx_peak=$nginx_now
  done
  wait "$wrk_pid" || die "wrk failed"
  detail "memory: app limit $APP_MEMORY_LIMIT, JVM max heap $heap MiB (MaxRAMPercentage from jvm.options); nginx limit 128m"

  row "Memory: app (production, limit $APP_MEMORY_LIMIT, max heap $heap MiB) idle / peak under load" \
    "$app_idle MiB / $app_peak MiB" "-" "≤ 256 MiB under load" "$(at_most "$app_peak" 256 MiB)"
  row "Memory: nginx idle / peak under load" "$nginx_idle MiB / $nginx_peak MiB" "-" "none set" "-"
}

main "$@"
