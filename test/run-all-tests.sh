#!/usr/bin/env bash
# Runs every test: the unit and Arquillian tests (mvn verify), the acceptance check of the
# containers (validate.sh, which leaves the stack up), then the security and reliability suite
# (test/security/run-suite.sh, CI-sized) against that stack. The stack is stopped at the end,
# also when a step fails. Needs JDK 21 or newer, Maven, a running Docker engine, and the tools
# that test/security/run-suite.sh names. Arguments go to validate.sh.
set -euo pipefail

cd "$(dirname "$0")/.."

stop_stack() {
  echo "== Stopping the stack"
  if command -v docker-compose >/dev/null 2>&1; then
    docker-compose down --volumes --remove-orphans >/dev/null 2>&1 || true
  else
    docker compose down --volumes --remove-orphans >/dev/null 2>&1 || true
  fi
}

echo "== mvn verify: unit tests and Arquillian tests on a real Liberty"
mvn -B verify

trap stop_stack EXIT
# -s: the security suite runs the TLS scan itself (tls.sh), with more checks.
echo "== validate.sh: the container stack (kept up for the security suite)"
./validate.sh -k -s "$@"

echo "== test/security/run-suite.sh: security and reliability against the running stack"
./test/security/run-suite.sh
