# shellcheck shell=bash
# containers.sh: how the tests speak to containers: the project's image and container names,
# Compose, the base images and the builds on them, a container's networks and address, and the
# one log search. Sourced, never run (after checks.sh, which it sources).
#
#   compose ARGS...                       Compose on the repository's compose file
#   engine_is_rootless                    the engine runs rootless (its container's root is the user)
#   container_running NAME
#   networks_of CONTAINER                 its network names, one a line
#   compose_network NAME                  the running compose project's network NAME (edge, backend)
#   address_on NETWORK CONTAINER          its IPv4 address there: the only reader of an address,
#                                         for comparisons with what logs name
#   log_lines CONTAINER [SINCE] [STREAM]  what it wrote (since SINCE, a Unix time; default all):
#                                         STREAM all (default), stdout, stderr, or records (a
#                                         Liberty server's JSON records: its console's and its
#                                         messages.log's, where dev mode sends them)
#   logged CONTAINER TEXT [SINCE] [STREAM]  log_lines holds TEXT
#   stopped_saying CONTAINER TEXT...      CONTAINER stopped by itself at start, its log naming
#                                         each TEXT: how the edge refuses a setting
#   record_with CONTAINER TEXT            the last JSON record holding TEXT, as JSON
#   as_engine_root DIR COMMAND...         COMMAND as root in a throwaway container, DIR mounted
#                                         at its own path: the owner and group changes (chown,
#                                         chgrp) that a user who is not root cannot make here

[[ -z ${CONTAINERS_SH_SOURCED:-} ]] || return 0
CONTAINERS_SH_SOURCED=1
# shellcheck source=test/lib/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
# shellcheck source=test/lib/project.sh
source "$(dirname "${BASH_SOURCE[0]}")/project.sh"

# BuildKit for every build, Compose's too (Compose v1 builds with the classic builder unless
# told), so that the dev image shares the production image's liberty layers. The PATH is the
# caller's: a lane that gives its user a few tools only must not find more here (.ci/run puts
# Debian's docker CLI, which builds with BuildKit, first).
export DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1

# The containers of a stack (the dev stack's, README's production chain's), and the images.
# shellcheck disable=SC2034 # for the scripts that source this file
APP=app NGINX=nginx
# shellcheck disable=SC2034
readonly DEV_IMAGE=quote-service:dev PRODUCTION_IMAGE=quote-service:latest EDGE_IMAGE=quote-nginx:latest
# shellcheck disable=SC2034
readonly PROJECT_IMAGES=("$DEV_IMAGE" "$EDGE_IMAGE" "$PRODUCTION_IMAGE")
# Only log lines written since the script started are searched by default (2 s of slack).
LOG_SINCE=${LOG_SINCE:-$(($(date +%s) - 2))}

# The Compose command: $COMPOSE_COMMAND when set (e.g. "docker compose"), else docker-compose
# where installed, else Compose v2; always on the repository's compose file, with the base
# images of use_base_images as its build args.
compose() {
  use_base_images
  if [[ -n ${COMPOSE_COMMAND:-} ]]; then
    # shellcheck disable=SC2086 # a command of one or two words
    (cd "${REPO_ROOT:?}" && $COMPOSE_COMMAND "$@")
  elif command -v docker-compose >/dev/null 2>&1; then
    (cd "${REPO_ROOT:?}" && docker-compose "$@")
  else
    (cd "${REPO_ROOT:?}" && docker compose "$@")
  fi
}

engine_is_rootless() {
  docker info --format '{{.SecurityOptions}}' 2>/dev/null | grep -q rootless
}

container_running() {
  [[ $(docker inspect --format '{{.State.Running}}' "$1" 2>/dev/null) == true ]]
}

# others_stack: says which containers named app or nginx belong to a compose stack of another
# checkout (the names are fixed: one stack per engine), and fails then.
others_stack() {
  local name directory found=""
  for name in "$APP" "$NGINX"; do
    directory=$(docker inspect --format '{{index .Config.Labels "com.docker.compose.project.working_dir"}}' \
      "$name" 2>/dev/null) || continue
    [[ $directory == "${REPO_ROOT:?}" ]] || found+="$name (of ${directory:-no compose stack}) "
  done
  [[ -z $found ]] || { echo "${found% }"; return 1; }
}

networks_of() {
  docker inspect --format '{{range $name, $_ := .NetworkSettings.Networks}}{{println $name}}{{end}}' "$1" |
    sed '/^$/d'
}

compose_network() {
  local project
  project=$(docker inspect --format '{{index .Config.Labels "com.docker.compose.project"}}' "$NGINX") &&
    [[ -n $project ]] && docker network inspect "${project}_$1" >/dev/null 2>&1 && echo "${project}_$1"
}

address_on() {
  local address
  address=$(docker inspect --format "{{(index .NetworkSettings.Networks \"$1\").IPAddress}}" "$2") &&
    [[ -n $address ]] && echo "$address"
}

log_lines() {
  local container=$1 since=${2:-0} stream=${3:-all}
  case $stream in
    all) docker logs --since "$since" "$container" 2>&1 ;;
    stdout) docker logs --since "$since" "$container" 2>/dev/null ;;
    stderr) docker logs --since "$since" "$container" 3>&1 1>/dev/null 2>&3 ;;
    records)
      docker logs --since "$since" "$container" 2>&1 | grep '^{' || true
      docker exec "$container" cat /config/logs/messages.log 2>/dev/null | grep '^{' || true ;;
    *) echo "log_lines: unknown stream $stream" >&2; return 2 ;;
  esac
}

logged() {
  log_lines "$1" "${3:-0}" "${4:-all}" | grep -F -- "$2" >/dev/null
}

stopped_saying() {
  local container=$1 log text
  shift
  wait_until 20 0.5 container_exited "$container" ||
    { echo "still $(docker inspect --format '{{.State.Status}}' "$container") after 20 s"; return 1; }
  [[ $(docker inspect --format '{{.State.ExitCode}}' "$container") != 0 ]] || { echo "exit status 0"; return 1; }
  log=$(log_lines "$container")
  for text in "$@"; do
    grep -qF -- "$text" <<<"$log" || { echo "no '$text' in: $(grep quote-edge <<<"$log" | tr '\n' ' ')"; return 1; }
  done
  grep -m1 'ERROR' <<<"$log" | sed 's/^quote-edge: //'
}

container_exited() {
  [[ $(docker inspect --format '{{.State.Status}}' "$1" 2>/dev/null) == exited ]]
}

record_with() {
  log_lines "$1" 0 records | grep -F -- "$2" | tail -n 1
}

# On a rootless engine the container's root is the user, and its other ids the user's
# subordinate ones: a file given gid 101 there has gid 101 in every container of that engine
# (nginx's group), whatever this machine calls it.
as_engine_root() {
  local dir=$1
  shift
  use_base_images
  docker run --rm --network none -v "$dir:$dir" "$DEBIAN_IMAGE" "$@"
}

# The build tools that no final image may carry.
BUILD_TOOLS="mvn javac gcc cc g++ make jar jlink git"

# build_tools_in IMAGE: the BUILD_TOOLS on IMAGE's PATH, one a line; fails when IMAGE cannot run.
build_tools_in() {
  # shellcheck disable=SC2016 # runs in the container
  docker run --rm --network none --user 65534 --entrypoint /bin/sh "$1" -c \
    'for t in $0; do command -v "$t"; done; true' "$BUILD_TOOLS"
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
  (cd "${REPO_ROOT:?}" && docker build --build-arg MAVEN_IMAGE --build-arg LIBERTY_IMAGE \
    -f app/Dockerfile "$@" .)
}

build_edge_image() {
  use_base_images
  docker build --build-arg NGINX_IMAGE "$@" "${REPO_ROOT:?}/nginx"
}

# build_production_images: the two images an operator runs, from this checkout (cached layers
# make a second build take seconds), tagged latest and with the project's version, which
# deploy/kubernetes names.
build_production_images() {
  local version
  version=$(project_version) || return 1
  build_app_image -q -t "$PRODUCTION_IMAGE" -t "quote-service:$version" >/dev/null &&
    build_edge_image -q -t "$EDGE_IMAGE" -t "quote-nginx:$version" >/dev/null
}
