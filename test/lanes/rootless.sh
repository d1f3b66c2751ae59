#!/usr/bin/env bash
# The third lane: the container tests (test/run-stack-tests.sh) as a team member's machine runs
# them: a user without root, rootless Docker, a checkout made the way Git for Windows makes it
# (core.autocrlf=true), high published ports, and few tools on PATH.
#
# Run as root (as CI is). test/engine/start-rootless-engine.sh prepares the user
# ($ROOTLESS_USER, default quote-dev) and starts its engine. What is tested is a clone of this
# checkout's HEAD, so committed files only, made in that user's home ($LANE_HOME) with
# core.autocrlf=true in its configuration, as Git for Windows has it for every command. The
# tests run as that user with DOCKER_HOST at the rootless engine's socket, the stack published
# at HTTP_PUBLISH_PORT=8080 and HTTPS_PUBLISH_PORT=8443 (a rootless engine refuses ports below
# 1024), and a PATH of symlinks to LANE_TOOLS only: docker, docker-compose, git, bash, curl,
# openssl, coreutils, and the text tools that Git for Windows' bash ships beside coreutils
# (grep, sed, awk, find, xargs, diff, cmp, tar, gzip). Nothing else: mvn verify runs in the Maven base image (first, one check);
# jq, testssl.sh, wrk, h2load and slowhttptest come from the tests' tools image
# (test/lib/tools.sh), copied into the user's engine.
#
# What this engine cannot do is printed as `Skip: WHAT (WHY)`, never counted as passed, and all
# the run's Skip lines are listed again before the last line, `rootless: N passed, M failed`,
# which adds up the lane's own checks and the counts that the tests recorded (appended to
# CHECK_RESULTS when that is set). The clone stays in $LANE_HOME until the next run, to look
# at; the engine keeps its images and volumes in the user's home. Arguments go to validate.sh.
set -euo pipefail

LOG_NAME="rootless lane" DIE_STATUS=2
# shellcheck source=test/lib/containers.sh
source "$(dirname "$0")/../lib/containers.sh"
cd "$REPO_ROOT"

readonly ROOTLESS_USER=${ROOTLESS_USER:-quote-dev}
readonly LANE_TOOLS="docker docker-compose git bash curl openssl grep sed awk find xargs diff cmp tar gzip"
LANE_HOME=$(getent passwd "$ROOTLESS_USER" | cut -d: -f6)/rootless-lane
readonly LANE_HOME
readonly CLONE=$LANE_HOME/quote-service
readonly TOOLS_DIR=$LANE_HOME/bin

start_engine() {
  test/engine/start-rootless-engine.sh
  DOCKER_HOST=unix:///run/user/$(id -u "$ROOTLESS_USER")/docker.sock
  export DOCKER_HOST
}

clone_checkout() {
  rm -rf "$CLONE"
  mkdir -p "$LANE_HOME"
  git clone -q --config core.autocrlf=true "$REPO_ROOT" "$CLONE"
  log "testing $(git -C "$CLONE" log -1 --format='%h %s' | cut -c1-72)"
}

coreutils_commands() {
  dpkg -L coreutils | grep -E '^(/usr)?/s?bin/[^/]+$' | grep -v -e '\.textutils$' -e '/chroot$'
}

# Debian's tools first: /usr/local/bin/docker on this kind of machine is a newer client without
# buildx.
make_tools_dir() {
  local tool path
  rm -rf "$TOOLS_DIR"
  mkdir -p "$TOOLS_DIR"
  for tool in $LANE_TOOLS; do
    path=$(PATH=/usr/bin:/bin command -v "$tool") || die "$tool missing on this machine: the lane gives it to its user"
    ln -s "$path" "$TOOLS_DIR/$tool"
  done
  while read -r path; do
    ln -sf "$path" "$TOOLS_DIR/${path##*/}"
  done < <(coreutils_commands)
}

# The limits are set on the containers either way (docker inspect shows them); only an engine
# with cgroups enforces them.
report_what_the_engine_cannot_do() {
  if [[ $(docker info --format '{{.CgroupDriver}}') == none ]]; then
    echo "Skip: memory, pids and CPU limits enforced on the containers (the engine runs without cgroups: rootless on cgroup v$(docker info --format '{{.CgroupVersion}}'))"
  fi
}

engine_security_options() {
  docker info --format '{{join .SecurityOptions " "}}'
}

check_lane_setup() {
  local options
  options=$(engine_security_options)
  check "the engine runs rootless" holds "name=rootless in its security options" "$options" \
    grep -q 'name=rootless' <<<"$options"
  # Read as a file: git refuses, as root, a repository that the user owns.
  check "the clone checks out with core.autocrlf=true" equals true \
    "$(git config --file "$CLONE/.git/config" core.autocrlf)"
}

# as_user COMMAND...: as the user, in the environment a login would give, with the lane's PATH
# only, in the clone.
as_user() {
  local home
  home=$(getent passwd "$ROOTLESS_USER" | cut -d: -f6)
  (cd "$CLONE" && runuser -u "$ROOTLESS_USER" -- env -i HOME="$home" USER="$ROOTLESS_USER" PATH="$TOOLS_DIR" \
    DOCKER_HOST="$DOCKER_HOST" LANE=rootless HTTP_PUBLISH_PORT=8080 HTTPS_PUBLISH_PORT=8443 DEBUG_TEST_PORT=15005 \
    CHECK_RESULTS="$results_dir/counts" "$@")
}

# The Java tests as the host lane's run-all-tests.sh runs them: Maven in the Maven base image
# (tools.sh's maven), here on the user's rootless engine.
java_tests_pass() {
  local output
  # Maven's output holds NUL bytes (a test's binary answer), which bash would warn about.
  output=$(as_user bash -c 'source test/lib/tools.sh && maven -B verify' 2>&1 | tr -d '\000') ||
    { tail -n 30 <<<"$output"; echo "mvn verify failed"; return 1; }
  grep -E '^\[(INFO|WARNING)\] Tests run: [0-9]+, Failures' <<<"$output" | tail -n 2 | tr '\n' ' '
}

# The tests' counts, added up as run_part adds a part's: none recorded is one failure more.
add_counts_of_tests() {
  local rc=$1 passed failed
  if [[ ! -s $results_dir/counts ]]; then
    fail "test/run-stack-tests.sh as $ROOTLESS_USER: expected its counts, got exit status $rc and none"
    return
  fi
  read -r passed failed < <(sum_results "$results_dir/counts")
  CHECKS_PASSED=$((CHECKS_PASSED + passed))
  CHECKS_FAILED=$((CHECKS_FAILED + failed))
}

remove_containers() {
  local -a containers
  mapfile -t containers < <(docker ps -aq 2>/dev/null)
  ((${#containers[@]} == 0)) || docker rm -f "${containers[@]}" >/dev/null 2>&1 || true
  rm -rf "$results_dir"
}

main() {
  local rc=0
  ((EUID == 0)) || die "run as root: the lane prepares its user and runs the tests as that user"
  start_engine
  clone_checkout
  make_tools_dir
  results_dir=$(mktemp -d)
  chown "$ROOTLESS_USER" "$results_dir"
  chown -R "$ROOTLESS_USER:" "$LANE_HOME"
  # The engine is this lane's own: what a run leaves on it is the lane's.
  trap remove_containers EXIT
  check_lane_setup
  report_what_the_engine_cannot_do | tee "$results_dir/skips"
  check "mvn verify as $ROOTLESS_USER, Maven in its base image on the rootless engine" java_tests_pass
  as_user bash test/run-stack-tests.sh "$@" | tee "$results_dir/output" || rc=${PIPESTATUS[0]}
  add_counts_of_tests "$rc"
  echo "== skipped on this lane"
  grep -h '^Skip: ' "$results_dir/skips" "$results_dir/output" || echo "none"
  checks_summary rootless
}

main "$@"
