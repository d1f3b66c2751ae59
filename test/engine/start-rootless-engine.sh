#!/usr/bin/env bash
# Start a rootless Docker engine for the rootless lane (test/lanes/rootless.sh), if none answers
# yet, and give it the base images.
#
# Run as root (as CI is); it prepares what a team member's machine has, each step only when
# missing, so a second run changes nothing:
#   - Debian's rootlesskit, slirp4netns and uidmap (newuidmap, newgidmap);
#   - /dev/net/tun at its usual mode 0666 (slirp4netns opens it as the user: "setting up tap
#     tap0 ... Permission denied" otherwise);
#   - the user $ROOTLESS_USER (default quote-dev) with subordinate uid and gid ranges, and its
#     runtime directory /run/user/UID, where the engine's socket lives
#     (unix:///run/user/UID/docker.sock).
# Then it starts Debian's dockerd-rootless.sh as that user in the background (log:
# $ROOTLESS_DOCKERD_LOG, default /var/log/dockerd-rootless.log), polls until the engine answers
# (bounded by $DOCKERD_START_TIMEOUT seconds, default 60), and copies the base images from this
# machine's engine (pulled, or built by test/fixtures/build-base-images.sh), and the tests' tools
# image (test/lib/tools.sh, built there first): a rootless engine has an image store of its own
# and pulls or builds none of them here.
#
# What such an engine cannot do on this host (cgroup v1: no memory, pids or CPU limit; no port
# below 1024; container addresses unreachable from the host) is the lane's to report.
# Stop it with `kill "$(cat /run/user/UID/dockerd-rootless.pid)"`.
set -euo pipefail

readonly DOCKER=/usr/bin/docker
readonly ROOTLESS_USER=${ROOTLESS_USER:-quote-dev}
readonly ROOTLESS_SCRIPT=/usr/share/docker.io/contrib/dockerd-rootless.sh
readonly DOCKERD_LOG=${ROOTLESS_DOCKERD_LOG:-/var/log/dockerd-rootless.log}
readonly START_TIMEOUT=${DOCKERD_START_TIMEOUT:-60}
LAUNCHED_PID=""

LOG_NAME=rootless-engine
# shellcheck source=test/lib/tools.sh
source "$(dirname "$0")/../lib/tools.sh"

# command path -> Debian package that provides it
readonly -a REQUIRED_TOOLS=(
  "/usr/bin/rootlesskit:rootlesskit"
  "/usr/bin/slirp4netns:slirp4netns"
  "/usr/bin/newuidmap:uidmap"
  "/usr/bin/newgidmap:uidmap"
  "$ROOTLESS_SCRIPT:docker.io"
)

install_missing_packages() {
  local entry
  local -a packages=()
  for entry in "${REQUIRED_TOOLS[@]}"; do
    [[ -x ${entry%%:*} ]] || packages+=("${entry#*:}")
  done
  ((${#packages[@]} > 0)) || return 0
  mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
  log "installing missing host packages: ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
}

open_tun_device() {
  [[ -c /dev/net/tun ]] || die "/dev/net/tun is missing: slirp4netns needs it"
  [[ $(stat -c %a /dev/net/tun) == 666 ]] || chmod 666 /dev/net/tun
}

# Its uid lies above those that images run as (Liberty 1001, nginx 101): a user that shared one
# would own, to the kernel, the processes that the machine's engine runs as that uid. Subordinate
# ranges: useradd adds them on Debian, but an older user may have none.
prepare_user() {
  id "$ROOTLESS_USER" >/dev/null 2>&1 ||
    useradd --create-home --shell /bin/bash -K UID_MIN=20000 -K UID_MAX=29999 \
      -K GID_MIN=20000 -K GID_MAX=29999 "$ROOTLESS_USER"
  grep -q "^$ROOTLESS_USER:" /etc/subuid || usermod --add-subuids 100000-165535 "$ROOTLESS_USER"
  grep -q "^$ROOTLESS_USER:" /etc/subgid || usermod --add-subgids 100000-165535 "$ROOTLESS_USER"
  USER_ID=$(id -u "$ROOTLESS_USER")
  RUNTIME_DIR=/run/user/$USER_ID
  install -d -m 0700 -o "$ROOTLESS_USER" -g "$(id -g "$ROOTLESS_USER")" "$RUNTIME_DIR"
  export DOCKER_HOST=unix://$RUNTIME_DIR/docker.sock
}

engine_answers() {
  timeout 10 "$DOCKER" info >/dev/null 2>&1
}

launched_engine_running() {
  local pid
  pid=$(cat "$RUNTIME_DIR/dockerd-rootless.pid" 2>/dev/null) && [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

# setsid + nohup: the engine outlives this script and its caller's session. The environment is
# the user's own, as a login would give it: dockerd-rootless.sh needs HOME and XDG_RUNTIME_DIR.
launch_engine() {
  local home
  home=$(getent passwd "$ROOTLESS_USER" | cut -d: -f6)
  log "starting the rootless engine as $ROOTLESS_USER (log: $DOCKERD_LOG)"
  setsid nohup runuser -u "$ROOTLESS_USER" -- env -i HOME="$home" USER="$ROOTLESS_USER" \
    XDG_RUNTIME_DIR="$RUNTIME_DIR" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    "$ROOTLESS_SCRIPT" >>"$DOCKERD_LOG" 2>&1 </dev/null &
  LAUNCHED_PID=$!
  echo "$LAUNCHED_PID" >"$RUNTIME_DIR/dockerd-rootless.pid"
}

wait_for_engine() {
  wait_for_launched "$START_TIMEOUT" "$LAUNCHED_PID" "$DOCKERD_LOG" "the rootless engine at $DOCKER_HOST" engine_answers
}

# The names are chosen on this machine's engine (official image, else fixture), as its lanes do.
load_base_images() {
  local image
  local -a images missing=()
  (DOCKER_HOST='' && build_tools_image) || die "the tests' tools image $TOOLS_IMAGE could not be built on this machine's engine"
  mapfile -t images < <(DOCKER_HOST='' && base_images && printf '%s\n' "$DEBIAN_IMAGE" "$TOOLS_IMAGE")
  for image in "${images[@]}"; do
    "$DOCKER" image inspect "$image" >/dev/null 2>&1 || missing+=("$image")
  done
  ((${#missing[@]} > 0)) || return 0
  DOCKER_HOST='' "$DOCKER" image inspect "${missing[@]}" >/dev/null 2>&1 ||
    die "base images missing on this machine's engine (${missing[*]}): pull them, or build them with test/fixtures/build-base-images.sh"
  log "copying ${missing[*]} into the rootless engine"
  DOCKER_HOST='' "$DOCKER" save "${missing[@]}" | "$DOCKER" load -q >/dev/null
}

main() {
  ((EUID == 0)) || die "run as root: it prepares the user and the device that the engine needs"
  install_missing_packages
  open_tun_device
  prepare_user
  if engine_answers; then
    log "rootless engine already answers at $DOCKER_HOST"
  else
    launched_engine_running || launch_engine
    wait_for_engine
    log "rootless engine answers at $DOCKER_HOST: $("$DOCKER" version --format 'server {{.Server.Version}}')"
  fi
  load_base_images
}

main "$@"
