#!/usr/bin/env bash
# Runs the tests of the containers on whatever Docker engine and Compose this machine has: the
# acceptance check (validate.sh, which leaves the stack up), then the security and reliability
# suite (test/run-suite.sh, CI-sized) against that stack, then the production images as an
# operator runs them (test/operations/run-operations.sh, after the dev stack is down), and
# last stops everything, also when a step fails. Prints the engine and Compose versions first
# and, last, one line `LANE: N passed, M failed` that adds up the counts each step recorded
# (a step that recorded none counts as one failure). Arguments go to validate.sh.
#
# Environment: LANE (the name in that line, default "host"), COMPOSE_COMMAND (e.g.
# "docker compose"; default docker-compose where installed, else Compose v2), CHECK_RESULTS
# (a file to append the lane's counts to, for test/run-all-tests.sh).
set -euo pipefail

cd "$(dirname "$0")/.."
REPO_ROOT=$(pwd)
readonly REPO_ROOT
# shellcheck source=test/lib/helpers.sh
source test/lib/helpers.sh

readonly LANE=${LANE:-host}
lane_results=$(mktemp)
outer_results=${CHECK_RESULTS:-}

# run_step NAME COMMAND...: the step's counts land in the lane's results file; a step that
# recorded none is one failed check.
run_step() {
  local name=$1 before
  shift
  before=$(wc -l <"$lane_results")
  CHECK_RESULTS=$lane_results SUITE_RESULTS=$lane_results "$@" || true
  if (($(wc -l <"$lane_results") == before)); then
    printf '%s 0 1\n' "$name" >>"$lane_results"
    echo "Fail: $name recorded no counts (it stopped early; see above)"
  fi
}

stack_versions() {
  printf 'Docker Engine %s, client %s; %s' \
    "$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)" \
    "$(docker version --format '{{.Client.Version}}' 2>/dev/null || echo unknown)" \
    "$(compose version 2>/dev/null | head -n 1 | sed 's/,.*//' || echo 'Compose unknown')"
}

finish() {
  echo "== Stopping the stack"
  compose down --remove-orphans >/dev/null 2>&1 || true
  echo "== lane $LANE: $(stack_versions)"
  read -r CHECKS_PASSED CHECKS_FAILED < <(sum_results "$lane_results")
  rm -f "$lane_results"
  CHECK_RESULTS=$outer_results checks_summary "$LANE"
}

main() {
  echo "== lane $LANE: $(stack_versions)"
  # -s: the security suite runs the TLS scan itself (tls.sh), with more checks.
  echo "== validate.sh: the container stack (kept up for the suite)"
  run_step validate ./validate.sh -k -s "$@"
  echo "== test/run-suite.sh: security and reliability against the running stack"
  run_step suite ./test/run-suite.sh
  compose down --remove-orphans >/dev/null 2>&1 || true
  echo "== test/operations/run-operations.sh: the production images as an operator runs them"
  run_step operations ./test/operations/run-operations.sh
  finish
}

main "$@"
