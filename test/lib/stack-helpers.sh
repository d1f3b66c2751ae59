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

# curl_http3 ARGS...: curl that speaks HTTP/3 on ngtcp2. This machine's curl when its version
# names ngtcp2; else curl from Debian 13's backports in a container on the host's network (image
# built once, FROM debian:13.2-slim), with the repository mounted at its own path and the
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
    timeout "$seconds" docker run --rm --network host -v "${REPO_ROOT:?}:${REPO_ROOT:?}:ro" \
      --workdir "$PWD" "$HTTP3_CURL_IMAGE" curl "$@"
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
  DOCKER_BUILDKIT=1 docker build -q -t "$HTTP3_CURL_IMAGE" - >/dev/null <<'DOCKERFILE'
FROM debian:13.2-slim
RUN set -eux; \
    echo 'deb http://deb.debian.org/debian trixie-backports main' >/etc/apt/sources.list.d/backports.list; \
    apt-get update; \
    apt-get install -y --no-install-recommends -t trixie-backports curl ca-certificates; \
    rm -rf /var/lib/apt/lists/*; \
    curl --version | grep -q '^Features:.* HTTP3'; \
    curl --version | grep -q ' ngtcp2/'
DOCKERFILE
}
