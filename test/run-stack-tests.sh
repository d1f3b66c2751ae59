#!/usr/bin/env bash
# Runs the tests of the containers on whatever Docker engine and Compose this machine has: the
# acceptance check (validate.sh, which leaves the stack up), then the security and reliability
# suite (test/security/run-suite.sh, CI-sized) against that stack, then stops the stack, also
# when a step fails. Prints the engine and Compose versions first and, last, one line
# `LANE: N passed, M failed` that adds up both. Arguments go to validate.sh.
#
# Environment: LANE (the name in that line, default "host"), COMPOSE_COMMAND (e.g.
# "docker compose"; default docker-compose where installed, else Compose v2).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck disable=SC2034 # read by test/lib/stack-helpers.sh
REPO_ROOT=$(pwd)
# shellcheck source=test/lib/stack-helpers.sh
source test/lib/stack-helpers.sh

readonly LANE=${LANE:-host}
output=$(mktemp)

finish() {
  local rc=$? counts
  echo "== Stopping the stack"
  compose down --volumes --remove-orphans >/dev/null 2>&1 || true
  counts=$(sed -n -E 's/^(validate|security): ([0-9]+) passed, ([0-9]+) failed$/\2 \3/p' "$output" |
    awk '{p += $1; f += $2} END {printf "%d %d", p, f}')
  rm -f "$output"
  echo "== lane $LANE: $(stack_versions)"
  # A step that failed before printing its counts still fails the lane.
  if ((rc != 0)) && [[ ${counts#* } == 0 ]]; then
    counts="${counts% *} 1"
  fi
  echo "$LANE: ${counts% *} passed, ${counts#* } failed"
  exit "$rc"
}

stack_versions() {
  printf 'Docker Engine %s, client %s; %s' \
    "$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)" \
    "$(docker version --format '{{.Client.Version}}' 2>/dev/null || echo unknown)" \
    "$(compose version 2>/dev/null | head -n 1 | sed 's/,.*//' || echo 'Compose unknown')"
}

echo "== lane $LANE: $(stack_versions)"
trap finish EXIT
# -s: the security suite runs the TLS scan itself (tls.sh), with more checks.
echo "== validate.sh: the container stack (kept up for the security suite)"
./validate.sh -k -s "$@" 2>&1 | tee -a "$output"
echo "== test/security/run-suite.sh: security and reliability against the running stack"
./test/security/run-suite.sh 2>&1 | tee -a "$output"
