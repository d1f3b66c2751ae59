#!/usr/bin/env bash
# hot-deploy.sh: the development loop. With the compose stack up (dev mode behind nginx), the
# quote literal in QuoteResource.java is edited and the edge polled until it serves the
# new text. One edit first, reported apart (the first after a start compiles and redeploys on a
# cold JVM), then the measured edits: p50 and p95 of the whole and of each stage:
#   edit -> class written      the .class file's mtime in the target volume (dev mode compiled)
#   class written -> seen      Liberty's first message about the application after the edit
#   seen -> updated            Liberty's "application updated": restarted (CWWKZ0003I) or, for a
#                              change of classes alone, redefined in place (CWWKZ0062I)
#   updated -> served          the first answer with the new text through nginx
# Liberty's times are its JSON records' ibm_datetime (in the dev stack, the server's messages.log:
# test/lib/containers.sh, log_lines' records); the host and the container share one clock.
#
# Each dev-mode file watcher in BENCH_HOT_DEPLOY_MODES is measured in turn ("inotify polling" by
# default; DEV_POLLING in docker-compose.yml). A stack that is already up in the first mode is
# used; otherwise the stack is started here (taken down first, volumes kept, if it is up in the
# other mode) and its start, `docker-compose up` to the first 200, is reported too
# (BENCH_FRESH_VOLUMES=true: on fresh volumes, removed first). A stack started here is taken
# down here, its volumes kept. The source file is put back on every exit.
set -euo pipefail

export BENCH=hot-deploy
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

readonly EDITS=${BENCH_EDITS:-10}
read -r -a MODES <<<"${BENCH_HOT_DEPLOY_MODES:-inotify polling}"
readonly MODES
readonly FRESH_VOLUMES=${BENCH_FRESH_VOLUMES:-false}
readonly CLASS_FILE=/workspace/target/classes/com/example/app/QuoteResource.class
readonly EDIT_TIMEOUT=30          # seconds for one edit to show
readonly START_TIMEOUT=300        # seconds for the stack to answer 200
readonly POLL_INTERVAL=0.02       # seconds between two requests
readonly SETTLE_SECONDS=2         # after an edit shows, before the next one
readonly STAGES=(edit-to-class class-to-seen seen-to-updated updated-to-served total)
STARTED_STACK=false
LAST_MESSAGES=""
STAGE_FILE=""

serves() {
  edge_curl --max-time 2 "$(edge_url /)" | grep -qF "$1"
}

cleanup() {
  rm -f "$STAGE_FILE"
  if [[ $STARTED_STACK == true ]]; then
    log "taking down the stack this benchmark started (volumes kept)"
    compose down >/dev/null 2>&1 || true
  fi
}


# The watcher the running app container was started with: inotify, or polling (DEV_POLLING=true).
running_mode() {
  # start-dev-mode.sh says so when dev mode polls, whether DEV_POLLING forced it or auto chose it.
  if docker logs app 2>&1 | grep -q '^start-dev-mode: dev mode polls '; then
    echo polling
  else
    echo inotify
  fi
}

# ensure_stack MODE: the stack up with dev mode watching files in MODE; a start is timed.
ensure_stack() {
  local mode=$1 polling=false started volumes=warm
  local others
  others=$(others_stack) || die "the containers $others are not this checkout's stack: take that stack down first (docker-compose down there)"
  if container_running app && container_running nginx && [[ $(running_mode) == "$mode" ]] &&
    stack_answers >/dev/null; then
    log "using the stack that is up ($mode)"
    return 0
  fi
  [[ $mode == polling ]] && polling=true
  if [[ $STARTED_STACK == false ]] && ! container_running app && [[ $FRESH_VOLUMES == true ]]; then
    log "removing the stack's volumes: a start on fresh volumes"
    compose down --volumes >/dev/null 2>&1
    volumes=fresh
  elif [[ -z $(docker volume ls --quiet --filter label=com.docker.compose.volume=dev-build \
    --filter "label=com.docker.compose.project=$(basename "$REPO_ROOT")") ]]; then
    volumes=fresh
  elif container_running app; then
    # Up in the other mode: down first (volumes kept), so that what is timed is a start of the
    # stack, as in the other mode, and not the old app's stop followed by the new one's start.
    log "taking the stack down (volumes kept) to start it in the $mode mode"
    compose down >/dev/null 2>&1
  fi
  log "starting the stack ($mode): DEV_POLLING=$polling docker-compose up -d"
  STARTED_STACK=true
  started=$(now_ms)
  DEV_POLLING=$polling compose up -d >&2
  wait_until "$START_TIMEOUT" 0.2 stack_answers ||
    die "$(edge_url /) did not answer 200 within $START_TIMEOUT s"
  started=$(ms_as_s $(($(now_ms) - started)))
  row "Dev stack start ($mode, images built, volumes $volumes): docker-compose up to the first 200" \
    "$started s" "-" "warm ≤ 15 s, fresh ≤ 30 s" \
    "$(at_most "$started" "$([[ $volumes == fresh ]] && echo 30 || echo 15)" s)"
}

# liberty_messages SINCE_MS: Liberty's messages logged since then, one a line:
# EPOCH_MS<TAB>MESSAGE_ID<TAB>MESSAGE.
liberty_messages() {
  log_lines "$APP" 0 records | grep -F '"type":"liberty_message"' |
    jq -r '[.ibm_datetime, (.ibm_messageId // "-"), .message] | @tsv' 2>/dev/null |
    while IFS=$'\t' read -r datetime id message; do
      printf '%s\t%s\t%s\n' "$(date -d "$datetime" +%s%3N)" "$id" "$message"
    done | awk -F'\t' -v since="$1" '$1 >= since'
}

# one_edit TEXT: the stage times of one edit, in milliseconds, in the order of STAGES.
one_edit() {
  local text=$1 edited class seen updated served messages
  edited=$(now_ms)
  set_quote "$text"
  until serves "$text"; do
    (($(now_ms) - edited < EDIT_TIMEOUT * 1000)) || die "'$text' not served within ${EDIT_TIMEOUT}s"
    sleep "$POLL_INTERVAL"
  done
  served=$(now_ms)
  class=$(docker exec "$APP" date -r "$CLASS_FILE" +%s%3N)
  messages=$(liberty_messages "$edited")
  seen=$(awk -F'\t' -v after="$edited" '$1 >= after { print $1; exit }' <<<"$messages")
  updated=$(awk -F'\t' -v after="$edited" '$1 >= after && ($2 == "CWWKZ0003I" || $2 == "CWWKZ0062I") { print $1; exit }' <<<"$messages")
  if [[ -z $seen || -z $updated ]]; then
    log "Liberty's messages since the edit: ${messages:-none}"
    die "no 'application updated' message (CWWKZ0003I, restarted, or CWWKZ0062I, classes redefined) from Liberty after the edit"
  fi
  LAST_MESSAGES=$(awk -F'\t' -v after="$edited" -v until="$updated" '$1 >= after && $1 <= until {
    printf "%s+%d ", $2, $1 - after }' <<<"$messages")
  echo "$((class - edited)) $((seen - class)) $((updated - seen)) $((served - updated)) $((served - edited))"
}

# measure_mode MODE: the edits, and one report row per stage.
measure_mode() {
  local mode=$1 i first stages stage column values p50 p95 target95 target50 times=()
  ensure_stack "$mode"
  first=$(one_edit "Hot deploy warm-up $(date +%s)")
  log "$mode: first edit after the start (ms per stage, ${STAGES[*]}): $first"
  sleep "$SETTLE_SECONDS"
  for ((i = 1; i <= EDITS; i++)); do
    one_edit "Hot deploy $i $(date +%s%N)" >"$STAGE_FILE"
    stages=$(<"$STAGE_FILE")
    log "$mode: edit $i (ms per stage, ${STAGES[*]}): $stages"
    times+=("$stages")
    sleep "$SETTLE_SECONDS"
  done
  detail "hot deploy ($mode), Liberty's messages of the last edit (ID+ms after the edit): $LAST_MESSAGES"
  detail "hot deploy ($mode), ms per stage (${STAGES[*]}) per edit: $(printf '[%s] ' "${times[@]}")(first edit after the start: [$first])"
  restore_sources
  wait_until "$EDIT_TIMEOUT" 0.2 serves "$QUOTE" || die "the committed quote was not served again"

  for column in "${!STAGES[@]}"; do
    stage=${STAGES[$column]}
    read -r -a values <<<"$(printf '%s\n' "${times[@]}" | awk -v c=$((column + 1)) '{ printf "%s ", $c }')"
    p50=$(ms_as_s "$(percentile 50 "${values[@]}")")
    p95=$(ms_as_s "$(percentile 95 "${values[@]}")")
    if [[ $stage == total ]]; then
      # Polling may cost up to 0.3 s an edit over change events, which a mount may not deliver.
      if [[ $mode == polling ]]; then target50=0.8 target95=1.0; else target50=0.5 target95=0.7; fi
      row "Hot deploy ($mode): edit to served through the edge, p50 / p95 of $EDITS (first edit after the start, not counted: $(ms_as_s "$(awk '{ print $5 }' <<<"$first")") s)" \
        "$p50 s / $p95 s" "-" "≤ $target50 s / ≤ $target95 s" \
        "p50 $(at_most "$p50" "$target50" s); p95 $(at_most "$p95" "$target95" s)"
    else
      row "Hot deploy ($mode) stage $stage, p50 / p95 of $EDITS" "$p50 s / $p95 s" "-" "-" "-"
    fi
  done
}

main() {
  local mode
  command -v jq >/dev/null 2>&1 || die "jq is missing (it reads Liberty's JSON log)"
  protect_sources cleanup "$QUOTE_FILE"
  STAGE_FILE=$(mktemp)
  for mode in "${MODES[@]}"; do
    [[ $mode == inotify || $mode == polling ]] || die "unknown mode '$mode' in BENCH_HOT_DEPLOY_MODES (inotify, polling)"
    measure_mode "$mode"
  done
}

main "$@"
