# shellcheck shell=bash
# helpers.sh: the shell helpers that every test script, the lanes and the benchmarks share.
# Sourced, never run. REPO_ROOT is the repository's root (set here unless the sourcing file set
# it); LOG_NAME names the script in log and die (default: PART, else the script's file name).
#
# The one way to write and count a check:
#   check DESCRIPTION COMMAND [ARGS...]   runs COMMAND in this shell (never a subshell, so what it
#                                         sets stays set) and prints one line:
#                                           Pass: DESCRIPTION (what COMMAND printed)
#                                           Fail: DESCRIPTION: what COMMAND printed
#   equals EXPECTED ACTUAL                a COMMAND for check: prints ACTUAL, or fails with
#                                         "expected EXPECTED, got ACTUAL"
#   holds EXPECTED ACTUAL COMMAND...      a COMMAND for check: COMMAND's status, with EXPECTED and
#                                         ACTUAL as the words to print
#   last_check_passed                     whether the last check passed (check itself always
#                                         returns 0, so that `set -e` scripts go on after a Fail)
#   figure TEXT                           a measurement: `Figure: TEXT`, counted as nothing
#   skip TEXT                             a part that cannot run here, with the reason:
#                                         `Skip: TEXT`, counted as nothing
#   checks_summary NAME                   the last line, `NAME: N passed, M failed`; its status is
#                                         non-zero when any check failed. When CHECK_RESULTS names
#                                         a file, it also appends "NAME N M" there: the runners
#                                         add up those lines, never the printed ones.

[[ -n ${REPO_ROOT:-} ]] || REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOG_NAME=${LOG_NAME:-${PART:-${0##*/}}}
CHECKS_PASSED=0
CHECKS_FAILED=0

check() {
  local description=$1 output_file output status=0
  shift
  output_file=$(mktemp)
  "$@" >"$output_file" 2>&1 || status=$?
  output=$(tr '\n' ' ' <"$output_file" | sed 's/ *$//')
  rm -f "$output_file"
  LAST_CHECK_STATUS=$status
  if ((status == 0)); then
    pass "$description${output:+ ($output)}"
  else
    fail "$description: ${output:-no detail}"
  fi
}

last_check_passed() {
  ((${LAST_CHECK_STATUS:-1} == 0))
}

# pass TEXT / fail TEXT: the two outcomes that check counts; called directly only where a loop
# has already decided the outcome of one check.
pass() {
  CHECKS_PASSED=$((CHECKS_PASSED + 1))
  printf 'Pass: %s\n' "$1"
}

fail() {
  CHECKS_FAILED=$((CHECKS_FAILED + 1))
  printf 'Fail: %s\n' "$1"
}

equals() {
  if [[ $2 == "$1" ]]; then
    printf '%s\n' "$2"
  else
    printf 'expected %s, got %s\n' "${1:-nothing}" "${2:-nothing}"
    return 1
  fi
}

holds() {
  local expected=$1 actual=$2
  shift 2
  if "$@" >/dev/null 2>&1; then
    printf '%s\n' "$actual"
  else
    printf 'expected %s, got %s\n' "$expected" "${actual:-nothing}"
    return 1
  fi
}

figure() {
  printf 'Figure: %s\n' "$*"
}

skip() {
  printf 'Skip: %s\n' "$*"
}

checks_summary() {
  printf '%s: %d passed, %d failed\n' "$1" "$CHECKS_PASSED" "$CHECKS_FAILED"
  if [[ -n ${CHECK_RESULTS:-} ]]; then
    printf '%s %d %d\n' "$1" "$CHECKS_PASSED" "$CHECKS_FAILED" >>"$CHECK_RESULTS"
  fi
  ((CHECKS_FAILED == 0))
}

# sum_results FILE: "N M", the passed and failed checks that the lines of FILE add up to.
sum_results() {
  awk '{ passed += $2; failed += $3 } END { printf "%d %d\n", passed, failed }' "$1"
}

# run_part SCRIPT [ARGS...]: one part of a runner (test/run-suite.sh, test/operations/), bounded
# by PART_TIMEOUT seconds (default 900); its counts, read from the results file it appends to,
# are added to this shell's. A part that recorded none, or failed with no failed check, is one
# failed check more.
run_part() {
  local part=$1 started=$SECONDS rc=0 results passed failed
  shift
  echo "== ${part#"${REPO_ROOT:?}"/} $*"
  results=$(mktemp)
  CHECK_RESULTS=$results timeout "${PART_TIMEOUT:-900}" bash "$part" "$@" || rc=$?
  if [[ ! -s $results ]]; then
    fail "$part: expected its counts, got exit status $rc and none (2: a precondition or tool missing; 124: over ${PART_TIMEOUT:-900} s)"
  else
    read -r passed failed < <(sum_results "$results")
    CHECKS_PASSED=$((CHECKS_PASSED + passed))
    CHECKS_FAILED=$((CHECKS_FAILED + failed))
    if ((rc != 0 && failed == 0)); then
      fail "$part: expected exit status 0 with no failed check, got $rc"
    fi
  fi
  rm -f "$results"
  figure "${part##*/} took $((SECONDS - started)) s"
}

# log and die: progress on stderr, and a stop with a message; LOG_NAME names the script.
log() { printf '[%s] %s\n' "$LOG_NAME" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$LOG_NAME" "$*" >&2; exit "${DIE_STATUS:-1}"; }

now_ms() {
  date +%s%3N
}

# wait_until TIMEOUT_SECONDS INTERVAL COMMAND...: polls COMMAND until it succeeds; fails at the
# deadline. Never longer than TIMEOUT_SECONDS plus one COMMAND.
wait_until() {
  local timeout=$1 interval=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep "$interval"
  done
}

# The Compose command: $COMPOSE_COMMAND when set (e.g. "docker compose"), else docker-compose
# where installed, else Compose v2; always on the repository's compose file, with the base
# images of use_base_images as its build args.
compose() {
  use_base_images
  # BuildKit for the dev stage as for every other build here (Compose v1 builds with the classic
  # builder unless told), so that the dev image shares the production image's liberty layers.
  export DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1
  if [[ -n ${COMPOSE_COMMAND:-} ]]; then
    # shellcheck disable=SC2086 # a command of one or two words
    (cd "${REPO_ROOT:?}" && $COMPOSE_COMMAND "$@")
  elif command -v docker-compose >/dev/null 2>&1; then
    (cd "${REPO_ROOT:?}" && docker-compose "$@")
  else
    (cd "${REPO_ROOT:?}" && docker compose "$@")
  fi
}

# address_on NETWORK CONTAINER: the container's IPv4 address on that network.
address_on() {
  docker inspect --format "{{(index .NetworkSettings.Networks \"$1\").IPAddress}}" "$2"
}

container_running() {
  [[ $(docker inspect --format '{{.State.Running}}' "$1" 2>/dev/null) == true ]]
}

# stopped_saying CONTAINER TEXT...: CONTAINER stopped by itself within 20 s with a non-zero
# status (nginx never ran), and its log holds each TEXT; prints its error line. How the edge
# refuses a setting at start (test/operations/).
stopped_saying() {
  local container=$1 log text
  shift
  wait_until 20 0.5 container_exited "$container" ||
    { echo "still $(docker inspect --format '{{.State.Status}}' "$container") after 20 s"; return 1; }
  [[ $(docker inspect --format '{{.State.ExitCode}}' "$container") != 0 ]] || { echo "exit status 0"; return 1; }
  log=$(docker logs "$container" 2>&1)
  for text in "$@"; do
    grep -qF -- "$text" <<<"$log" || { echo "no '$text' in: $(grep quote-edge <<<"$log" | tr '\n' ' ')"; return 1; }
  done
  grep -m1 'ERROR' <<<"$log" | sed 's/^quote-edge: //'
}

container_exited() {
  [[ $(docker inspect --format '{{.State.Status}}' "$1" 2>/dev/null) == exited ]]
}

# app_records: the Liberty records of the container named app, JSON, one a line, access log
# included: its console in production; the dev stack's console is for people, and the same
# records go to messages.log in the server directory there (app/dev/dev-mode.xml).
# app_records_since SINCE: the same, of the console only what it printed since SINCE (a Unix
# time); messages.log is read whole.
app_records() {
  app_records_since 0
}

app_records_since() {
  docker logs --since "$1" app 2>&1 | grep '^{' || true
  docker exec app cat /config/logs/messages.log 2>/dev/null | grep '^{' || true
}

# app_recorded TEXT: the app's records hold TEXT.
app_recorded() {
  app_records | grep -F "$1" >/dev/null
}

# The base images. app/Dockerfile and nginx/Dockerfile name the official images as their ARG
# defaults (MAVEN_IMAGE, LIBERTY_IMAGE, NGINX_IMAGE), which is what users pull; the tests' own
# helper images start FROM DEBIAN_IMAGE. Where an official image is absent but the test fixture
# built in its place is present (test/fixtures/build-base-images.sh), the tests build on the
# fixture: its name, under FIXTURE_REGISTRY (a reserved .invalid domain), can never pass for an
# official image nor be pulled, and a release build that is not told otherwise fails to pull the
# official one instead of building on a stand-in. use_base_images exports the four names, which
# every build of the tests passes on (compose takes the first three as build args).
FIXTURE_REGISTRY=test-fixture.invalid
BASE_IMAGE_ARGS="MAVEN_IMAGE LIBERTY_IMAGE NGINX_IMAGE DEBIAN_IMAGE"

# official_image ARG: the official image that ARG names by default.
official_image() {
  case $1 in
    DEBIAN_IMAGE) echo debian:13.2-slim ;;
    NGINX_IMAGE) sed -n 's/^ARG NGINX_IMAGE=//p' "${REPO_ROOT:?}/nginx/Dockerfile" ;;
    *) sed -n "s/^ARG $1=//p" "${REPO_ROOT:?}/app/Dockerfile" ;;
  esac
}

# fixture_image OFFICIAL: the name of the fixture that stands in for OFFICIAL (a digest that
# pins OFFICIAL is no part of it: the fixture is not that image).
fixture_image() {
  local name=${1%%@*}
  printf '%s/%s\n' "$FIXTURE_REGISTRY" "${name##*/}"
}

# use_base_images: exports each of BASE_IMAGE_ARGS that is not set yet: the official image when
# this engine has it, else its fixture when present, else the official name (to be pulled).
use_base_images() {
  local arg official
  for arg in $BASE_IMAGE_ARGS; do
    [[ -z ${!arg:-} ]] || continue
    official=$(official_image "$arg")
    if ! docker image inspect "$official" >/dev/null 2>&1 &&
      docker image inspect "$(fixture_image "$official")" >/dev/null 2>&1; then
      official=$(fixture_image "$official")
    fi
    export "$arg=$official"
  done
}

# The images FROM which the project's Dockerfiles build, as this engine has them.
base_images() {
  use_base_images
  printf '%s\n' "$MAVEN_IMAGE" "$LIBERTY_IMAGE" "$NGINX_IMAGE"
}

# build_app_image [DOCKER BUILD OPTIONS...] and build_edge_image [...]: docker build of
# app/Dockerfile (from the repository's root) and of nginx/, on the base images above.
build_app_image() {
  use_base_images
  (cd "${REPO_ROOT:?}" && DOCKER_BUILDKIT=1 docker build --build-arg MAVEN_IMAGE --build-arg LIBERTY_IMAGE \
    -f app/Dockerfile "$@" .)
}

build_edge_image() {
  use_base_images
  DOCKER_BUILDKIT=1 docker build --build-arg NGINX_IMAGE "$@" "${REPO_ROOT:?}/nginx"
}

# curl_http3 ARGS...: curl that speaks HTTP/3 on ngtcp2. This machine's curl when its version
# names ngtcp2; else curl from Debian 13's backports in a container on the host's network (image
# built once, FROM DEBIAN_IMAGE), with the repository (and EDGE_CA's folder) mounted at its own path and the
# caller's working directory, so that file arguments hold. Not Debian 13's own curl 8.14: its
# HTTP/3 runs on OpenSSL's QUIC client, which stalls on connections of several requests
# (nginx/DECISIONS.md, HTTP/3) and which curl 8.19 dropped.
curl_http3() {
  curl_http3_within 0 "$@"
}

# curl_http3_within SECONDS ARGS...: the same, ended after SECONDS in all (0: no bound).
curl_http3_within() {
  local seconds=$1
  shift
  if curl_speaks_http3_on_ngtcp2; then
    timeout "$seconds" curl "$@"
  else
    http3_curl_image_present || build_http3_curl_image || return 1
    # The CA file that the edge checks name may lie outside the repository (EDGE_CA).
    local ca_dir
    ca_dir=$(dirname "${EDGE_CA:-${REPO_ROOT:?}/nginx}")
    timeout "$seconds" docker run --rm --network host -v "${REPO_ROOT:?}:${REPO_ROOT:?}:ro" \
      -v "$ca_dir:$ca_dir:ro" --workdir "$PWD" "$HTTP3_CURL_IMAGE" curl "$@"
  fi
}

# This machine's curl lists HTTP3 and ngtcp2.
curl_speaks_http3_on_ngtcp2() {
  local version
  version=$(curl --version 2>/dev/null) || return 1
  grep -q '^Features:.* HTTP3' <<<"$version" && grep -q ' ngtcp2/' <<<"$version"
}

HTTP3_CURL_IMAGE=quote-curl-http3:debian13-backports

http3_curl_image_present() {
  docker image inspect "$HTTP3_CURL_IMAGE" >/dev/null 2>&1
}

build_http3_curl_image() {
  use_base_images
  DOCKER_BUILDKIT=1 docker build -q --build-arg DEBIAN_IMAGE -t "$HTTP3_CURL_IMAGE" - >/dev/null <<'DOCKERFILE'
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN set -eux; \
    echo 'deb http://deb.debian.org/debian trixie-backports main' >/etc/apt/sources.list.d/backports.list; \
    apt-get update; \
    apt-get install -y --no-install-recommends -t trixie-backports curl ca-certificates; \
    rm -rf /var/lib/apt/lists/*; \
    curl --version | grep -q '^Features:.* HTTP3'; \
    curl --version | grep -q ' ngtcp2/'
DOCKERFILE
}

# readme_block NAME: the commands of README.md's fenced block that follows the comment
# `<!-- NAME: ... -->`, as they stand, so that a test runs exactly what README tells an operator.
readme_block() {
  awk -v marker="<!-- $1:" '
    index($0, marker) == 1 { found = 1; next }
    found && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' "${REPO_ROOT:?}/README.md"
}

# generate_keypair DIR NAME [HOST]: DIR/NAME.crt and DIR/NAME.key, a fresh self-signed ECDSA
# P-256 pair for HOST (default localhost), as an operator's own pair would stand in for the
# project's.
generate_keypair() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=${3:-localhost}" -addext "subjectAltName=DNS:${3:-localhost}" \
    -keyout "$1/$2.key" -out "$1/$2.crt" >/dev/null 2>&1
}

# build_production_images: the two images an operator runs, from this checkout (cached layers
# make a second build take seconds), tagged latest and with the project's version (pom.xml's),
# which deploy/kubernetes names.
build_production_images() {
  local version
  version=$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' "${REPO_ROOT:?}/pom.xml")
  build_app_image -q -t quote-service:latest -t "quote-service:${version:?no project version in pom.xml}" >/dev/null &&
    build_edge_image -q -t quote-nginx:latest -t "quote-nginx:$version" >/dev/null
}
