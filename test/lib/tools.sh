# shellcheck shell=bash
# tools.sh: the tools the tests use beyond docker, git, bash, curl and openssl (jq, testssl.sh,
# wrk, h2load, slowhttptest, kubectl, Node and npm, and curl with HTTP/3) run from one image of
# the tests' own, TOOLS_IMAGE, built once FROM DEBIAN_IMAGE out of Debian 13's packages. So
# every machine (Docker Desktop, rootless or rootful Docker) runs the same versions, and none
# needs them installed. Sourced, never run (after containers.sh, which it sources).
#
#   tool COMMAND ARGS...              COMMAND in the tools image on the host's network (so the
#                                     edge's published ports answer on 127.0.0.1, as on the
#                                     host), stdin passed on, the repository, TMPDIR and the
#                                     working directory mounted at their own paths; files it
#                                     writes belong to the caller
#   tool_within SECONDS COMMAND ARGS...  the same, ended after SECONDS in all
#   TOOLS_VOLUME=NAME:PATH tool...    (or tool_within, tool_on) the same with the named volume
#                                     NAME at PATH, what a tool keeps between runs (`docker
#                                     volume rm` it to reclaim the space); its root is made the
#                                     caller's once a shell, as a new volume belongs to root
#   tool_on NETWORK COMMAND ARGS...   the same on a Docker network of the project's: a probe
#                                     of a container's own address runs there, never from the
#                                     host, which may have no route to it (Docker Desktop,
#                                     rootless Docker)
#   jq ARGS...                        this machine's jq where it has one (a call then starts no
#                                     container: some parts call it hundreds of times), else
#                                     the tools image's
#   build_tools_image                 builds TOOLS_IMAGE unless present
#   maven ARGS...                     Maven in the Maven base image (MAVEN_IMAGE), on the
#                                     repository at its own path, as the caller's user, its
#                                     local repository in the volume MAVEN_VOLUME (kept, so a
#                                     second run downloads nothing), the tools image's kubectl
#                                     on its PATH

[[ -z ${TOOLS_SH_SOURCED:-} ]] || return 0
TOOLS_SH_SOURCED=1
# shellcheck source=test/lib/containers.sh
source "$(dirname "${BASH_SOURCE[0]}")/containers.sh"

# curl from Debian 13's backports: its HTTP/3 runs on ngtcp2. Not Debian 13's own curl 8.14,
# whose HTTP/3 runs on OpenSSL's QUIC client, which stalls on connections of several requests
# (nginx/DECISIONS.md, HTTP/3) and which curl 8.19 dropped.
# Node 20 and npm: for Renovate, which test/static/renovate-config.sh installs from npm.
# shellcheck disable=SC2016 # a Dockerfile, expanded by docker build
readonly TOOLS_RECIPE='ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN set -eux; \
    echo "deb http://deb.debian.org/debian trixie-backports main" >/etc/apt/sources.list.d/backports.list; \
    apt-get update; \
    apt-get install -y --no-install-recommends -t trixie-backports curl; \
    apt-get install -y --no-install-recommends ca-certificates openssl jq testssl.sh wrk \
      nghttp2-client slowhttptest kubectl bsdextrautils procps nodejs npm; \
    rm -rf /var/lib/apt/lists/*; \
    curl --version | grep -q "^Features:.* HTTP3"; \
    curl --version | grep -q " ngtcp2/"; \
    kubectl kustomize --help >/dev/null'
# The tag follows the recipe: a changed recipe builds a new image, whatever an older checkout
# left on the same engine.
TOOLS_IMAGE=quote-test-tools:$(printf '%s' "$TOOLS_RECIPE" | cksum | cut -d' ' -f1)
readonly TOOLS_IMAGE

build_tools_image() {
  docker image inspect "$TOOLS_IMAGE" >/dev/null 2>&1 && return 0
  use_base_images
  log "building the tests' tools image $TOOLS_IMAGE (once; Debian 13's packages)"
  printf '%s\n' "$TOOLS_RECIPE" | docker build -q --build-arg DEBIAN_IMAGE -t "$TOOLS_IMAGE" - >/dev/null
}

# tools_user: the caller's uid and gid, so that what a tool writes in a mounted directory is the
# caller's; none on a rootless engine, where the container's root is the caller already.
tools_user() {
  engine_is_rootless && return 0
  printf '%s\n' --user "$(id -u):$(id -g)"
}

# The volumes whose root this shell has made the caller's.
TOOLS_VOLUMES_OWNED=" "

# own_tools_volume NAME: the root of the volume NAME (created if absent) is the caller's.
own_tools_volume() {
  local -a user
  [[ $TOOLS_VOLUMES_OWNED == *" $1 "* ]] && return 0
  mapfile -t user < <(tools_user)
  if ((${#user[@]})); then
    docker run --rm --network none -v "$1:/volume" "$TOOLS_IMAGE" chown "${user[1]}" /volume >/dev/null || return 1
  fi
  TOOLS_VOLUMES_OWNED+="$1 "
}

# tools_run NETWORK SECONDS COMMAND ARGS...: the one docker run behind tool, tool_within and
# tool_on. --init passes the stop of `timeout` (SIGTERM, proxied by the client) to COMMAND.
tools_run() {
  local network=$1 seconds=$2 tmp=${TMPDIR:-/tmp} mounts=()
  shift 2
  build_tools_image || { echo "tools.sh: the tools image $TOOLS_IMAGE could not be built" >&2; return 125; }
  mounts=(-v "${REPO_ROOT:?}:$REPO_ROOT" -v "$tmp:$tmp")
  case $PWD in
    "$REPO_ROOT" | "$REPO_ROOT"/* | "$tmp" | "$tmp"/*) ;;
    *) mounts+=(-v "$PWD:$PWD") ;;
  esac
  if [[ -n ${TOOLS_VOLUME:-} ]]; then
    own_tools_volume "${TOOLS_VOLUME%%:*}" || { echo "tools.sh: the volume ${TOOLS_VOLUME%%:*} could not be made the caller's" >&2; return 125; }
    mounts+=(-v "$TOOLS_VOLUME")
  fi
  local -a user
  mapfile -t user < <(tools_user)
  timeout "$seconds" docker run --rm -i --init --network "$network" "${user[@]}" "${mounts[@]}" \
    -e TMPDIR="$tmp" -e HOME="$tmp" --workdir "$PWD" "$TOOLS_IMAGE" "$@"
}

tool() {
  tools_run host 0 "$@"
}

tool_within() {
  local seconds=$1
  shift
  tools_run host "$seconds" "$@"
}

tool_on() {
  local network=$1
  shift
  tools_run "$network" 0 "$@"
}

# type -P, not command -v: the latter names this function itself.
jq() {
  if type -P jq >/dev/null 2>&1; then
    command jq "$@"
  else
    tool jq "$@"
  fi
}

# The Maven repository of maven's runs; `docker volume rm` it to reclaim the space.
MAVEN_VOLUME=${MAVEN_VOLUME:-quote-test-maven-repository}

# The container's own network namespace: the Arquillian tests' Liberty listens there, on no port
# of the host. Its home is the volume (Maven's ~/.m2 and whatever else a tool keeps there), as
# the caller's uid has no home in the image. KubernetesManifestsIT renders deploy/kubernetes
# with kubectl, copied out of the tools image for the run.
maven() {
  local bin status=0
  local -a user
  use_base_images
  build_tools_image || { echo "tools.sh: the tools image $TOOLS_IMAGE could not be built" >&2; return 125; }
  mapfile -t user < <(tools_user)
  bin=$(mktemp -d)
  tool cp /usr/bin/kubectl "$bin/kubectl" || { rm -rf "$bin"; return 125; }
  if ((${#user[@]})); then
    # A new volume belongs to root.
    docker run --rm -v "$MAVEN_VOLUME:/var/maven" "$MAVEN_IMAGE" chown "${user[1]}" /var/maven >/dev/null
  fi
  docker run --rm --init "${user[@]}" -v "${REPO_ROOT:?}:$REPO_ROOT" -v "$MAVEN_VOLUME:/var/maven" \
    -v "$bin/kubectl:/usr/local/bin/kubectl:ro" -e HOME=/var/maven -e MAVEN_CONFIG=/var/maven/.m2 \
    --workdir "$REPO_ROOT" "$MAVEN_IMAGE" mvn -Duser.home=/var/maven "$@" || status=$?
  rm -rf "$bin"
  return "$status"
}
