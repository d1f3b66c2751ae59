#!/usr/bin/env bash
# run-operations.sh: the production images as an operator runs them, from README.md's own
# commands, with the dev stack down (they publish the same ports and use the names app and
# nginx):
#   production-run.sh    the app image alone: README's plain run believes no forwarded header;
#                        README's hardened run serves, stays healthy, writes only its tmpfs;
#                        Liberty's own pages never reach a client
#   edge-alone.sh        nginx's image alone: a root-owned 0600 key refused with the remedy; the
#                        committed pair beyond loopback said loudly; workers under a CPU quota
#   published-ports.sh   nginx's image on other host ports: the redirect and Alt-Svc name the
#                        published HTTPS port, HSTS's max-age as set; bad values refused
#   production-chain.sh  README's chain (nginx in front of the production app) with a generated
#                        keypair: the edge checks that the dev stack passes, the 503 fallback,
#                        an app that moves, a renewed keypair served after the reload
# Each part ends with `PART: N passed, M failed`; this runner adds up what they recorded and
# ends with `operations: N passed, M failed`. Builds the two production images first (cached).
# Needs docker, curl, openssl (jq and curl with HTTP/3: test/lib/tools.sh). Traffic goes only to 127.0.0.1 and the parts' own networks.
set -euo pipefail

cd "$(dirname "$0")/../.."
REPO_ROOT=$(pwd)
readonly REPO_ROOT
LOG_NAME=operations
# shellcheck source=test/lib/containers.sh
source test/lib/containers.sh

main() {
  if container_running app || container_running nginx; then
    echo "operations: containers named app or nginx are running (the dev stack?); stop them first:" >&2
    echo "operations:   docker-compose down" >&2
    exit 2
  fi
  log "building $PRODUCTION_IMAGE and $EDGE_IMAGE"
  build_production_images || die "building the production images failed"
  run_part "$REPO_ROOT/test/operations/production-run.sh"
  run_part "$REPO_ROOT/test/operations/edge-alone.sh"
  run_part "$REPO_ROOT/test/operations/published-ports.sh"
  run_part "$REPO_ROOT/test/operations/production-chain.sh"
  checks_summary operations
}

main "$@"
