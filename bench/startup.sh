#!/usr/bin/env bash
# startup.sh: `docker run` of the production image until its first 200 and until /health/ready
# says UP, with Liberty's own "server started in" figure beside them; five runs, medians.
set -euo pipefail

export BENCH=startup
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

readonly RUNS=${BENCH_STARTUP_RUNS:-5}
readonly START_TIMEOUT=120   # seconds for one start
readonly CONTAINER=${BENCH_PREFIX}startup

# watch_start: from a container on the bench network, asking the app by its name there every
# 50 ms, prints "first" at its first 200 and then "ready" once /health/ready says UP (gives up
# after START_TIMEOUT s). It starts beside the app's container, in about a second, well before
# Liberty answers; the times are taken here, as each line arrives.
watch_start() {
  # shellcheck disable=SC2016 # runs in the container
  tool_on "$BENCH_NETWORK" timeout "$START_TIMEOUT" bash -c '
    until [[ $(curl --silent --max-time 2 --output /dev/null --write-out "%{http_code}" "http://$0:8000/") == 200 ]]; do
      sleep 0.05; done; echo first
    until curl --silent --fail --max-time 2 "http://$0:8000/health/ready" | grep -q "\"status\":\"UP\""; do
      sleep 0.05; done; echo ready' "$CONTAINER"
}

# Liberty's CWWKF0011I message: "... server started in 6.870 seconds."
liberty_started_seconds() {
  docker logs "$CONTAINER" 2>&1 | grep -o 'CWWKF0011I[^"]*started in [0-9.]* seconds' |
    sed 's/.*started in \([0-9.]*\) seconds/\1/' | tail -n 1
}

liberty_has_started() { [[ -n $(liberty_started_seconds) ]]; }

# one_start: sets FIRST_MS, READY_MS and LIBERTY_SECONDS.
one_start() {
  local started event
  docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
  FIRST_MS="" READY_MS=""
  started=$(now_ms)
  start_bench_app "$CONTAINER"
  while read -r event; do
    case $event in
      first) FIRST_MS=$(($(now_ms) - started)) ;;
      ready) READY_MS=$(($(now_ms) - started)) ;;
    esac
  done < <(watch_start || true)
  [[ -n $FIRST_MS ]] ||
    die "no 200 from the production image within ${START_TIMEOUT}s; last log lines: $(docker logs --tail 5 "$CONTAINER" 2>&1)"
  [[ -n $READY_MS ]] || die "/health/ready not UP within ${START_TIMEOUT}s"
  wait_until 10 0.2 liberty_has_started || die "no CWWKF0011I in the server's log"
  LIBERTY_SECONDS=$(liberty_started_seconds)
  docker rm -f "$CONTAINER" >/dev/null
}

main() {
  local i first ready liberty firsts=() readies=() liberties=()
  trap remove_bench_containers EXIT
  docker image inspect "$PRODUCTION_IMAGE" >/dev/null 2>&1 || die "$PRODUCTION_IMAGE is missing: build it first"
  build_tools_image || die "the tests' tools image $TOOLS_IMAGE could not be built"
  for ((i = 1; i <= RUNS; i++)); do
    one_start
    log "run $i: first 200 after ${FIRST_MS} ms, ready after ${READY_MS} ms, Liberty: started in ${LIBERTY_SECONDS} s"
    detail "startup run $i: first 200 $(ms_as_s "$FIRST_MS") s, readiness UP $(ms_as_s "$READY_MS") s, Liberty 'server started in' $LIBERTY_SECONDS s"
    firsts+=("$FIRST_MS")
    readies+=("$READY_MS")
    liberties+=("$LIBERTY_SECONDS")
  done
  first=$(ms_as_s "$(median "${firsts[@]}")")
  ready=$(ms_as_s "$(median "${readies[@]}")")
  liberty=$(median "${liberties[@]}")
  row "Startup: \`docker run\` of the production image to first 200 (median of $RUNS)" "$first s" \
    "Liberty's 'server started in': $liberty s" "≤ 5 s" "$(at_most "$first" 5 s)"
  row "Startup: \`docker run\` to /health/ready UP (median of $RUNS)" "$ready s" "-" "≤ 5 s" \
    "$(at_most "$ready" 5 s)"
}

main "$@"
