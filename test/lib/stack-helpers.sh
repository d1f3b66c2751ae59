# shellcheck shell=bash
# stack-helpers.sh: what the security suite and the benchmarks both need to drive the stack: a
# clock in milliseconds, a bounded poll, compose, a container's state. Sourced, never run; the
# sourcing file sets REPO_ROOT.

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
# where installed, else Compose v2; always on the repository's compose file.
compose() {
  if [[ -n ${COMPOSE_COMMAND:-} ]]; then
    # shellcheck disable=SC2086 # a command of one or two words
    (cd "${REPO_ROOT:?}" && $COMPOSE_COMMAND "$@")
  elif command -v docker-compose >/dev/null 2>&1; then
    (cd "${REPO_ROOT:?}" && docker-compose "$@")
  else
    (cd "${REPO_ROOT:?}" && docker compose "$@")
  fi
}

container_running() {
  [[ $(docker inspect --format '{{.State.Running}}' "$1" 2>/dev/null) == true ]]
}

# The images FROM which the project's Dockerfiles build (their ARG defaults).
base_images() {
  sed -n 's/^ARG [A-Z_]*IMAGE=//p' "${REPO_ROOT:?}/app/Dockerfile" "${REPO_ROOT:?}/nginx/Dockerfile"
}
