#!/usr/bin/env bash
# run-benchmarks.sh: measures, in one run on this machine, the figures the project has targets
# for, each beside its reference and target; prints the table and writes it, with the details of
# every run, to a Markdown file. A missed target is a result, not an error: the exit status is
# non-zero only when a benchmark could not measure.
#
# Usage: bench/run-benchmarks.sh [--output FILE] [BENCHMARK...]
#   BENCHMARK  one or more of: rebuild image-sizes startup proxy-overhead tls-handshakes memory
#              hot-deploy (default: all, in that order; rebuild builds the images the others use)
#   --output   the report (default bench/results/latest.md; a dated copy is kept beside it)
#
# Needs a Docker engine, docker-compose (or Compose v2), the project's base images (or, without
# registry access, the fixtures: test/fixtures/build-base-images.sh), curl and openssl, and
# root or access to /proc and the cgroup counters of the containers. The compose stack must be
# stopped: a dev-mode JVM running beside the benchmarks would share their cores.
set -euo pipefail

export BENCH=bench
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

readonly ALL_BENCHMARKS=(rebuild image-sizes startup proxy-overhead tls-handshakes memory hot-deploy)
OUTPUT="$BENCH_DIR/results/latest.md"

usage() {
  sed -n '/^# Usage:/,/^#   --output/p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

check_prerequisites() {
  local tool image
  for tool in docker curl openssl; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing"
  done
  command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 ||
    die "neither docker-compose nor Compose v2 is installed"
  docker info >/dev/null 2>&1 || die "no Docker engine answers (test/engine/start-docker-engine.sh starts one)"
  use_base_images
  for image in "$DEBIAN_IMAGE" "$MAVEN_IMAGE" "$LIBERTY_IMAGE"; do
    docker image inspect "$image" >/dev/null 2>&1 || docker pull "$image" >/dev/null 2>&1 ||
      die "base image $image is missing and cannot be pulled (test/fixtures/build-base-images.sh)"
  done
  if container_running app || container_running nginx; then
    die "the compose stack is running: stop it first (docker-compose stop); hot-deploy starts it itself"
  fi
}

machine_line() {
  printf '%s CPUs, %s GiB, %s, Docker %s, %s' "$(nproc)" \
    "$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" "$(uname -sr)" \
    "$(docker version --format '{{.Server.Version}}')" "$(compose version --short 2>/dev/null || echo 'compose ?')"
}

# write_report ROWS DETAILS FAILED COMMAND: the Markdown report on stdout.
write_report() {
  local rows=$1 details=$2 failed=$3 command=$4
  printf '# Benchmarks\n\n'
  # shellcheck disable=SC2016 # the backquotes are Markdown
  printf -- '- Date: %s\n- Machine: %s\n- Commit: %s\n- Command: `%s`\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    "$(machine_line)" "$(git -C "$REPO_ROOT" describe --always --dirty 2>/dev/null || echo unknown)" "$command"
  printf '| figure | measured | reference | target | verdict |\n| --- | --- | --- | --- | --- |\n'
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6 }' "$rows"
  if [[ -n $failed ]]; then
    printf '\nCould not measure: %s (see the run'"'"'s output).\n' "$failed"
  fi
  printf '\n## Details\n\n'
  sed 's/^Detail\t/    /' "$details"
}

main() {
  local benchmarks=() name failed="" command started
  command=$(printf '%s ' bench/run-benchmarks.sh "$@")
  command=${command% }
  while (($# > 0)); do
    case $1 in
      --output) OUTPUT=${2:?--output needs a file}; shift 2 ;;
      -h | --help) usage ;;
      -*) usage ;;
      *)
        [[ " ${ALL_BENCHMARKS[*]} " == *" $1 "* ]] || die "unknown benchmark '$1' (one of: ${ALL_BENCHMARKS[*]})"
        benchmarks+=("$1")
        shift
        ;;
    esac
  done
  ((${#benchmarks[@]} > 0)) || benchmarks=("${ALL_BENCHMARKS[@]}")
  check_prerequisites

  # Globals: the EXIT trap runs after main has returned.
  rows=$(mktemp)
  details=$(mktemp)
  trap 'rm -f "$rows" "$details"' EXIT
  for name in "${benchmarks[@]}"; do
    started=$SECONDS
    log "== $name"
    if "$BENCH_DIR/$name.sh" >"$rows.out"; then
      log "== $name done in $((SECONDS - started)) s"
    else
      log "== $name FAILED after $((SECONDS - started)) s"
      failed+="$name "
    fi
    grep '^Row' "$rows.out" >>"$rows" || true
    grep '^Detail' "$rows.out" >>"$details" || true
    rm -f "$rows.out"
  done

  mkdir -p "$(dirname "$OUTPUT")"
  write_report "$rows" "$details" "${failed% }" "$command" >"$OUTPUT"
  cp "$OUTPUT" "$(dirname "$OUTPUT")/$(date -u +%Y%m%dT%H%M%SZ).md"
  cat "$OUTPUT"
  log "report written to $OUTPUT"
  [[ -z $failed ]]
}

main "$@"
