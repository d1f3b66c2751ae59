#!/usr/bin/env bash
# The second lane: the container tests (test/run-stack-tests.sh) on Docker Engine 26 and
# Compose v2 as Debian 13 ships them (docker.io 26.1.5, docker-cli, docker-compose 2.26.1,
# docker-buildx), in a nested engine that runs in a container on this machine's engine.
#
# The lane image is built from a Dockerfile on standard input, FROM the Debian 13 base image;
# the nested engine keeps its images in a volume ($LANE_VOLUME), so a second run starts warm
# (`docker volume rm` it to reclaim the space). The base images that app/Dockerfile and
# nginx/Dockerfile name are copied in from this machine's engine (pulled, or built by
# test/fixtures/build-base-images.sh), and so is the tests' tools image (test/lib/tools.sh,
# built here first): the nested engine pulls and builds none of them. The repository is
# mounted at /repo, so both lanes test the same files. Arguments go to validate.sh.
#
# The lane container needs more than a default one: every capability but CAP_SYS_RESOURCE
# (--privileged is refused where the host lacks it), no seccomp or AppArmor profile, and a
# private cgroup namespace. Nothing in it is published: the stack's ports live on the lane's
# own loopback, where the tests run. The lane's counts come back through a results folder
# mounted at /lane-results, appended to CHECK_RESULTS when that is set.
set -euo pipefail

LOG_NAME="engine26 lane" DIE_STATUS=2
# shellcheck source=test/lib/tools.sh
source "$(dirname "$0")/../lib/tools.sh"
cd "$REPO_ROOT"

readonly LANE_IMAGE=quote-lane:engine26-compose-v2
readonly LANE_CONTAINER=quote-lane-engine26
readonly LANE_VOLUME=quote-lane-engine26-docker
readonly LANE_PACKAGES="docker.io docker-cli docker-compose docker-buildx iptables ca-certificates \
curl openssl jq wrk nghttp2-client slowhttptest testssl.sh"

results_dir=$(mktemp -d)

build_lane_image() {
  log "building $LANE_IMAGE FROM $DEBIAN_IMAGE"
  DOCKER_BUILDKIT=1 docker build -q -t "$LANE_IMAGE" - >/dev/null <<DOCKERFILE
FROM $DEBIAN_IMAGE
LABEL org.opencontainers.image.title="quote-lane-engine26" \\
      org.opencontainers.image.description="Docker Engine 26 and Compose v2 from Debian 13, for the quote service's second test lane"
RUN set -eux; \\
    echo 'deb http://deb.debian.org/debian trixie-backports main' >/etc/apt/sources.list.d/backports.list; \\
    apt-get update; \\
    apt-get install -y --no-install-recommends $LANE_PACKAGES; \\
    apt-get install -y --no-install-recommends -t trixie-backports curl; \\
    curl --version | grep -q ' ngtcp2/'; \\
    rm -rf /var/lib/apt/lists/*
ENV LANE=engine26 COMPOSE_COMMAND="docker compose"
WORKDIR /repo
CMD ["sleep", "infinity"]
DOCKERFILE
}

start_lane() {
  docker rm -f "$LANE_CONTAINER" >/dev/null 2>&1 || true
  docker run -d --name "$LANE_CONTAINER" --hostname engine26-lane \
    --cap-add ALL --cap-drop SYS_RESOURCE \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined --cgroupns=private \
    --volume "$LANE_VOLUME:/var/lib/docker" --volume "$REPO_ROOT:/repo" \
    --volume "$results_dir:/lane-results" --env CHECK_RESULTS=/lane-results/counts \
    "$LANE_IMAGE" >/dev/null
  docker exec "$LANE_CONTAINER" /repo/test/engine/start-nested-engine.sh
  log "nested engine: $(docker exec "$LANE_CONTAINER" docker version --format 'Docker Engine {{.Server.Version}}')"
}

copy_base_images() {
  local -a images
  # The Debian image too: the tests' throwaway containers (as_engine_root, a crash) start from it.
  mapfile -t images < <(base_images && printf '%s\n' "$DEBIAN_IMAGE")
  docker image inspect "${images[@]}" >/dev/null 2>&1 ||
    die "base images missing on this engine (${images[*]}): pull them, or build them with test/fixtures/build-base-images.sh"
  build_tools_image || die "the tests' tools image $TOOLS_IMAGE could not be built on this engine"
  images+=("$TOOLS_IMAGE")
  log "copying ${images[*]} into the nested engine"
  docker save "${images[@]}" | docker exec -i "$LANE_CONTAINER" docker load -q >/dev/null
}

stop_lane() {
  docker rm -f "$LANE_CONTAINER" >/dev/null 2>&1 || true
  if [[ -n ${CHECK_RESULTS:-} && -s $results_dir/counts ]]; then
    cat "$results_dir/counts" >>"$CHECK_RESULTS"
  fi
  rm -rf "$results_dir"
}

main() {
  use_base_images
  docker image inspect "$DEBIAN_IMAGE" >/dev/null 2>&1 ||
    die "$DEBIAN_IMAGE missing: pull it, or build it with test/fixtures/build-base-images.sh"
  trap stop_lane EXIT
  build_lane_image
  start_lane
  copy_base_images
  docker exec "$LANE_CONTAINER" /repo/test/run-stack-tests.sh "$@"
}

main "$@"
