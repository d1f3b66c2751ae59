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

app_answers() {
  [[ $(curl --silent --max-time 2 --output /dev/null --write-out '%{http_code}' "http://$1:8000/") == 200 ]]
}

ready_is_up() {
  curl --silent --fail --max-time 2 "http://$1:8000/health/ready" | grep -q '"status":"UP"'
}

# Liberty's CWWKF0011I message: "... server started in 6.870 seconds."
liberty_started_seconds() {
  docker logs "$CONTAINER" 2>&1 | grep -o 'CWWKF0011I[^"]*started in [0-9.]* seconds' |
    sed 's/.*started in \([0-9.]*\) seconds/\1/' | tail -n 1
}

liberty_has_started() { [[ -n $(liberty_started_seconds) ]]; }

# one_start: sets FIRST_MS, READY_MS and LIBERTY_SECONDS.
one_start() {
  local started address
  docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
  started=$(now_ms)
  start_bench_app "$CONTAINER"
  address=$(address_on "$BENCH_NETWORK" "$CONTAINER")
  wait_until "$START_TIMEOUT" 0.05 app_answers "$address" ||
    die "no 200 from the production image within ${START_TIMEOUT}s; last log lines: $(docker logs --tail 5 "$CONTAINER" 2>&1)"
  FIRST_MS=$(($(now_ms) - started))
  wait_until "$START_TIMEOUT" 0.05 ready_is_up "$address" ||
    die "/health/ready not UP within ${START_TIMEOUT}s"
  READY_MS=$(($(now_ms) - started))
  wait_until 10 0.2 liberty_has_started || die "no CWWKF0011I in the server's log"
  LIBERTY_SECONDS=$(liberty_started_seconds)
  docker rm -f "$CONTAINER" >/dev/null
}

main() {
  local i first ready liberty firsts=() readies=() liberties=()
  trap remove_bench_containers EXIT
  docker image inspect "$PRODUCTION_IMAGE" >/dev/null 2>&1 || die "$PRODUCTION_IMAGE is missing: build it first"
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
