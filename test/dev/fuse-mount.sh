#!/usr/bin/env bash
# fuse-mount.sh: hot reload where the bind mounts raise no change events (DEV_POLLING,
# app/dev/start-dev-mode.sh). A copy of the repository is seen through bindfs, a FUSE file system
# whose view raises no inotify event for an edit made in the directory beneath it, as Docker
# Desktop's Windows drives raise none for an edit made on Windows. The dev stack runs from that
# view. First the control: with DEV_POLLING=false an edit of the webapp directory beneath the
# view updates nothing (no event reaches the notifier). Then with no DEV_POLLING, the default: dev
# mode says it polls, an edit of the quote beneath the view is served through https://localhost/
# within EDIT_BOUND s, and an edit of the webapp directory updates the application. Needs root (the FUSE mount), bindfs and
# /dev/fuse; without them it prints why and counts nothing. Takes a running dev stack down first
# (the containers' names are fixed), and its own down, volumes included, at the end.
set -euo pipefail

export PART=fuse-mount
# shellcheck source=test/lib/edge.sh
source "$(dirname "$0")/../lib/edge.sh"

readonly EDIT_BOUND=15 START_BOUND=300
readonly QUOTE_PATH=app/src/main/java/com/example/app/QuoteResource.java
readonly WEBAPP_PATH=app/src/main/webapp/WEB-INF/ibm-web-ext.xml
# A project of its own: its class volume never holds the edited quote for the checkout's stack.
readonly PROJECT=quotefusemount
WORK=""

in_view() {
  REPO_ROOT=$WORK/view COMPOSE_PROJECT_NAME=$PROJECT compose "$@"
}

cleanup() {
  in_view down --volumes --remove-orphans >/dev/null 2>&1 || true
  umount "$WORK/view" 2>/dev/null || true
  rm -rf "$WORK"
}

missing() {
  if [[ $(id -u) != 0 ]]; then
    echo "not root, which the FUSE mount needs"
  elif ! command -v bindfs >/dev/null; then
    echo "bindfs is missing (Debian: apt-get install bindfs)"
  elif [[ ! -c /dev/fuse ]]; then
    echo "/dev/fuse is missing"
  else
    return 1
  fi
}

serves() {
  edge_curl "$(edge_url /)" | grep -qF "$1"
}

# set_quote_beneath TEXT: project.sh's set_quote, on the copy beneath the view.
set_quote_beneath() {
  QUOTE_FILE=$WORK/copy/$QUOTE_PATH set_quote "$1"
}

# start_from_view: the dev stack from the view, with DEV_POLLING as set now, until it serves.
start_from_view() {
  in_view up -d --force-recreate >/dev/null 2>&1 || { echo "docker-compose up failed"; return 1; }
  wait_until "$START_BOUND" 1 stack_answers >/dev/null || { echo "$(edge_url /) did not answer 200 within $START_BOUND s"; return 1; }
  echo "serving, the sources from $(docker inspect --format \
    '{{range .Mounts}}{{if eq .Destination "/workspace/app/src"}}{{.Source}}{{end}}{{end}}' app)"
}

# edit_served TEXT: the quote set to TEXT beneath the view is served within EDIT_BOUND s.
edit_served() {
  local started
  started=$(now_ms)
  set_quote_beneath "$1" || { echo "the quote line beneath the view did not take the edit"; return 1; }
  if wait_until "$EDIT_BOUND" 0.1 serves "$1"; then
    echo "served $(($(now_ms) - started)) ms after the edit"
  else
    echo "not served within $EDIT_BOUND s; served: $(edge_curl "$(edge_url /)")"
    return 1
  fi
}

dev_mode_says() {
  local line
  line=$(log_lines "$APP" | grep -m 1 'start-dev-mode: dev mode ') || true
  grep -qF "$1" <<<"$line" || { echo "expected a line with '$1', got '${line:-none}'"; return 1; }
  echo "$line"
}

# How often Liberty has started or updated the application so far.
restarts() {
  docker exec "$APP" grep -cE 'CWWKZ000[13]I' /config/logs/messages.log || true
}

restarts_above() {
  (($(restarts) > $1))
}

webapp_edit_restarts() {
  local before
  before=$(restarts)
  touch "$WORK/copy/$WEBAPP_PATH"
  wait_until "$EDIT_BOUND" 0.2 restarts_above "$before" ||
    { echo "no 'application started' or 'updated' (CWWKZ0001I, CWWKZ0003I) within $EDIT_BOUND s"; return 1; }
  echo "application updated"
}

webapp_edit_ignored() {
  if webapp_edit_restarts >/dev/null; then
    echo "the application was updated: the view raised change events after all, so this test proves nothing here"
    return 1
  fi
  echo "no application update within $EDIT_BOUND s"
}

# A DEV_POLLING that is none of auto, true and false stops dev mode (within 30 s), with the reason.
refused() {
  local output status=0
  output=$(timeout 30 docker run --rm -e DEV_POLLING=maybe quote-service:dev 2>&1) || status=$?
  if ((status != 64)) || ! grep -q "DEV_POLLING must be auto, true or false" <<<"$output"; then
    echo "expected status 64 and the reason, got status $status: $(tail -n 2 <<<"$output" | tr '\n' ' ')"
    return 1
  fi
  echo "status $status: $(grep -m 1 'DEV_POLLING must' <<<"$output")"
}

main() {
  local reason
  if reason=$(missing); then
    skip "$PART ($reason)"
    checks_summary "$PART"
    return
  fi
  WORK=$(mktemp -d)
  trap cleanup EXIT
  mkdir "$WORK/copy" "$WORK/view"
  tar -C "$REPO_ROOT" --exclude=./.git --exclude=./target -cf - . | tar -C "$WORK/copy" -xf -
  # allow_other: the container's user is not the one who mounted.
  bindfs -o allow_other "$WORK/copy" "$WORK/view"
  compose down >/dev/null 2>&1 || true
  unset DEV_POLLING

  DEV_POLLING=false check "control: the dev stack starts from the FUSE view with DEV_POLLING=false" start_from_view
  check "control: dev mode follows change events, as told" dev_mode_says "follows the sources' change events"
  check "control: an edit of the webapp directory beneath the view updates nothing, as no change event arrives" \
    webapp_edit_ignored

  check "auto: the dev stack starts from the FUSE view with no DEV_POLLING" start_from_view
  check "auto: dev mode says it polls the sources, and why" dev_mode_says "polls the sources"
  check "auto: an edit beneath the view is served within $EDIT_BOUND s" edit_served "Polled edit $(date +%s)"
  check "auto: an edit of the webapp directory beneath the view updates the application" webapp_edit_restarts
  check "a DEV_POLLING other than auto, true or false stops dev mode, with the reason" refused
  checks_summary "$PART"
}

main "$@"
