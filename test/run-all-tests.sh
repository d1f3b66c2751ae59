#!/usr/bin/env bash
# Runs every test: the unit and Arquillian tests (mvn verify), then the acceptance check of the
# containers (validate.sh). Needs JDK 21 or newer, Maven, and a running Docker engine.
set -euo pipefail

cd "$(dirname "$0")/.."

echo "== mvn verify: unit tests and Arquillian tests on a real Liberty"
mvn -B verify

echo "== validate.sh: the container stack"
./validate.sh "$@"
