#!/usr/bin/env bash
# Starts Docker Engine inside the lane container (see engine26-compose-v2.sh) and waits for it.
#
# The host runs cgroup v1 and the container has a private cgroup namespace: each controller is
# mounted again so that the nested engine can create cgroups under it (without this the first
# container fails with "read-only file system"). The unified hierarchy is left alone.
# DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE: this engine refuses to start containers on hosts whose
# network cannot disable IPv6 on an interface ("failed to disable IPv6") without it.
set -euo pipefail

# shellcheck source=test/lib/checks.sh
source "$(dirname "$0")/../lib/checks.sh"

readonly LOG=/var/log/dockerd.log
readonly START_TIMEOUT=60   # seconds

remount_cgroup_controllers() {
  local dir name options
  for dir in /sys/fs/cgroup/*; do
    name=${dir##*/}
    if [[ -L $dir || $name == unified ]] || ! mountpoint -q "$dir"; then
      continue
    fi
    options=$name
    [[ $name != systemd ]] || options=none,name=systemd
    umount "$dir"
    mount -t cgroup -o "$options" cgroup "$dir"
  done
}

main() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  remount_cgroup_controllers
  DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1 setsid dockerd >"$LOG" 2>&1 </dev/null &
  if ! wait_until "$START_TIMEOUT" 1 docker info; then
    tail -n 20 "$LOG" >&2
    echo "start-nested-engine: dockerd did not answer within ${START_TIMEOUT} s" >&2
    return 1
  fi
}

main "$@"
