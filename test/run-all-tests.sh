#!/usr/bin/env bash
# Runs every test, in this order, each with its time from test/README.md's table (which names
# the run each comes from; all of it, the three lanes and CI's setup, took 2,082 s in CI at
# b7bea5c):
#   mvn verify                      the unit and Arquillian tests and the Kubernetes manifests'
#                                   model test, in the Maven base image: 341 s with an empty
#                                   Maven volume, 129 s with a full one
#   static/line-endings.sh          seconds
#   static/renovate-config.sh       renovate.json read by Renovate's own validator: 4-7 s (a
#                                   first install into an empty volume 27-33 s more)
#   kubernetes/pods-on-docker.sh    the Kubernetes pods on this machine's Docker under the
#                                   manifests' constraints (the images, not the engine, are
#                                   under test there): not timed alone
#   run-stack-tests.sh in each lane the tests of the containers: validate.sh (not timed alone),
#                                   run-suite.sh 297-321 s, dev/console.sh 64 s, dev/debugger.sh
#                                   68 s, dev/fuse-mount.sh 102 s, operations/run-operations.sh
#                                   108-126 s
#   static/base-images.sh           seconds
# The lanes:
#   host      this machine's Docker engine and Compose (in CI: Engine 20.10, docker-compose 1.29)
#   engine26  Docker Engine 26 and Compose v2 from Debian 13, in a nested engine
#             (test/lanes/engine26-compose-v2.sh)
#   rootless  a team member's machine: a user without root, rootless Docker, a core.autocrlf=true
#             clone, ports 8080/8443, few tools on PATH (test/lanes/rootless.sh)
# TEST_LANES picks lanes (default "host": the engine this machine runs, as a team member runs
# it; .ci/run asks for all three, which need root, as engine26 and rootless set up their own).
# Every lane runs even when one fails; each ends with `LANE: N passed, M failed`, and the last
# line, `all: N passed, M failed`, adds up what the pods step and each lane recorded (run_part);
# the exit status is non-zero if any check failed or any step ended early. Needs a running Docker
# engine, the base images (test/fixtures/README.md), git, bash, curl and openssl: Maven, the
# JDK, kubectl, Node and the other tools run in containers (test/lib/tools.sh). Arguments go to
# validate.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO_ROOT=$(pwd)
readonly REPO_ROOT
# shellcheck source=test/lib/tools.sh
source test/lib/tools.sh

readonly LANES=${TEST_LANES:-host}
# A lane's cold start builds its images and downloads Maven's repository.
PART_TIMEOUT=5400
# Minutes each lane took on a 2-core machine, warm (README.md, Tested with), and the rest:
# mvn verify, the pods and the static checks. For the plan's first lines, not a limit.
declare -rA LANE_MINUTES=([host]=11 [engine26]=9 [rootless]=11)
readonly OTHER_MINUTES=8

main() {
  local lane minutes
  echo "== run-all-tests: mvn verify, static/line-endings.sh, static/renovate-config.sh,"
  echo "== kubernetes/pods-on-docker.sh, run-stack-tests.sh in the lanes '$LANES', static/base-images.sh"
  minutes=$OTHER_MINUTES
  for lane in $LANES; do
    minutes=$((minutes + ${LANE_MINUTES[$lane]:-0}))
  done
  echo "== about $minutes minutes on a 2-core machine with warm caches (a first run builds images"
  echo "== and fills Maven's volume: some 10 minutes more)"
  echo "== mvn verify: unit tests, Arquillian tests on a real Liberty, the Kubernetes manifests"
  maven -B verify
  run_part "$REPO_ROOT/test/static/line-endings.sh"
  run_part "$REPO_ROOT/test/static/renovate-config.sh"
  run_part "$REPO_ROOT/test/kubernetes/pods-on-docker.sh"
  for lane in $LANES; do
    case $lane in
      host) LANE=host run_part "$REPO_ROOT/test/run-stack-tests.sh" "$@" ;;
      engine26) run_part "$REPO_ROOT/test/lanes/engine26-compose-v2.sh" "$@" ;;
      rootless) run_part "$REPO_ROOT/test/lanes/rootless.sh" "$@" ;;
      *) echo "run-all-tests.sh: unknown lane '$lane' in TEST_LANES (host, engine26, rootless)" >&2; return 2 ;;
    esac
  done
  run_part "$REPO_ROOT/test/static/base-images.sh"
  checks_summary all
}

main "$@"
