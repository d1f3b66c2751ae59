#!/usr/bin/env bash
# Runs every test: the unit and Arquillian tests and the Kubernetes manifests' model test (mvn
# verify); the Kubernetes pods on this machine's Docker under the manifests' constraints
# (test/kubernetes/pods-on-docker.sh: the images, not the engine, are under test there); then
# the tests of the containers (test/run-stack-tests.sh: validate.sh, the security and
# reliability suite, the production images as an operator runs them) in each lane:
#   host      this machine's Docker engine and Compose (in CI: Engine 20.10, docker-compose 1.29)
#   engine26  Docker Engine 26 and Compose v2 from Debian 13, in a nested engine
#             (test/lanes/engine26-compose-v2.sh)
# TEST_LANES picks lanes (default "host engine26"); e.g. TEST_LANES=host for this machine's only.
# Every lane runs even when one fails; each ends with `LANE: N passed, M failed`, and the last
# line, `all: N passed, M failed`, adds up what the pods step and each lane recorded; the exit
# status is non-zero if any step failed. Needs JDK 21 or newer, Maven, kubectl, a running Docker engine,
# the base images (test/fixtures/README.md), and the tools that test/run-suite.sh names.
# Arguments go to validate.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO_ROOT=$(pwd)
readonly REPO_ROOT
# shellcheck source=test/lib/helpers.sh
source test/lib/helpers.sh

readonly LANES=${TEST_LANES:-host engine26}

run_lane() {
  case $1 in
    host) LANE=host ./test/run-stack-tests.sh "${@:2}" ;;
    engine26) ./test/lanes/engine26-compose-v2.sh "${@:2}" ;;
    *) echo "run-all-tests.sh: unknown lane '$1' in TEST_LANES (host, engine26)" >&2; return 2 ;;
  esac
}

main() {
  local lane failed=() results
  echo "== mvn verify: unit tests, Arquillian tests on a real Liberty, the Kubernetes manifests"
  mvn -B verify
  results=$(mktemp)
  echo "== test/kubernetes/pods-on-docker.sh: the manifests' pods on Docker"
  CHECK_RESULTS=$results ./test/kubernetes/pods-on-docker.sh || failed+=(kubernetes)
  grep -q "^kubernetes " "$results" || { echo "Fail: kubernetes recorded no counts"; printf 'kubernetes 0 1\n' >>"$results"; }
  for lane in $LANES; do
    echo "== lane $lane"
    CHECK_RESULTS=$results run_lane "$lane" "$@" || failed+=("$lane")
    grep -q "^$lane " "$results" || { echo "Fail: lane $lane recorded no counts"; printf '%s 0 1\n' "$lane" >>"$results"; }
  done
  read -r CHECKS_PASSED CHECKS_FAILED < <(sum_results "$results")
  rm -f "$results"
  if ((${#failed[@]})); then
    echo "run-all-tests.sh: failed: ${failed[*]}" >&2
  fi
  checks_summary all && ((${#failed[@]} == 0))
}

main "$@"
