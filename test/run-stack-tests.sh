#!/usr/bin/env bash
# Runs the tests of the containers on whatever Docker engine and Compose this machine has: the
# acceptance check (validate.sh, which leaves the stack up), then the security and reliability
# suite (test/run-suite.sh, CI-sized) against that stack, the dev stack's quiet console and its
# debugger setting (test/dev/console.sh, debugger.sh: the latter recreates the stack twice), hot
# reload from a FUSE mount (test/dev/fuse-mount.sh: a stack of its own, after which none is up),
# then the production images as an operator runs them (test/operations/run-operations.sh, after
# the dev stack is down), and last stops everything, also when a step fails. Prints the engine
# and Compose versions first and, last, one line `LANE: N passed, M failed` that adds up the
# counts each step recorded (run_part: a step that recorded none counts as one failure).
# Arguments go to validate.sh.
#
# Environment: LANE (the name in that line, default "host"), COMPOSE_COMMAND (e.g.
# "docker compose"; default docker-compose where installed, else Compose v2), CHECK_RESULTS
# (a file to append the lane's counts to, as run_part gives it).
set -euo pipefail

cd "$(dirname "$0")/.."
REPO_ROOT=$(pwd)
readonly REPO_ROOT
# shellcheck source=test/lib/containers.sh
source test/lib/containers.sh

readonly LANE=${LANE:-host}
# A cold first start builds the dev image and downloads Maven's repository.
PART_TIMEOUT=3600

stack_versions() {
  printf 'Docker Engine %s, client %s; %s' \
    "$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)" \
    "$(docker version --format '{{.Client.Version}}' 2>/dev/null || echo unknown)" \
    "$(compose version 2>/dev/null | head -n 1 | sed 's/,.*//' || echo 'Compose unknown')"
}

stop_stack() {
  compose down --remove-orphans >/dev/null 2>&1 || true
}

main() {
  echo "== lane $LANE: $(stack_versions)"
  trap stop_stack EXIT
  # -k keeps the stack for the suite; -s: the suite runs the TLS scan itself (tls.sh).
  run_part "$REPO_ROOT/validate.sh" -k -s "$@"
  # The suite (its TLS grade among it) sees the edge as production serves it: HSTS for two
  # years, where validate.sh checked the dev stack's own 0. Compose recreates nginx alone.
  export HSTS_MAX_AGE=63072000
  compose up -d nginx >/dev/null 2>&1 || true
  run_part "$REPO_ROOT/test/run-suite.sh"
  run_part "$REPO_ROOT/test/dev/console.sh"
  run_part "$REPO_ROOT/test/dev/debugger.sh"
  run_part "$REPO_ROOT/test/dev/fuse-mount.sh"
  stop_stack
  run_part "$REPO_ROOT/test/operations/run-operations.sh"
  echo "== lane $LANE: $(stack_versions)"
  checks_summary "$LANE"
}

main "$@"
