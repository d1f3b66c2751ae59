# shellcheck shell=bash
# lib.sh: what the benchmarks share. Sourced, never run.
#
# A benchmark prints progress on stderr and its results on stdout, one line per figure:
#   Row<TAB>figure<TAB>measured<TAB>reference<TAB>target<TAB>verdict
# and `Detail<TAB>text` lines for the report's notes (single runs, layer lists). run-benchmarks.sh
# turns them into the table. Traffic goes only to 127.0.0.1 and to the bench's own network.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly BENCH_DIR
# The bench's own bridge network and container names: never the stack's `app` and `nginx`.
readonly BENCH_NETWORK=quote-bench
readonly BENCH_PREFIX=quote-bench-
# The production app's memory limit in the bench; its heap is 60 % of it (jvm.options).
readonly APP_MEMORY_LIMIT=${BENCH_APP_MEMORY:-512m}
# Logs as docker-compose.yml ships them (x-hardening), so that their cost is measured too.
readonly LOG_OPTIONS=(--log-driver json-file --log-opt max-size=10m --log-opt max-file=5)

BENCH=${BENCH:-bench}
LOG_NAME=$BENCH

# The tests' library: checks.sh (log, die, wait_until), containers.sh (images, compose, builds),
# edge.sh (the CA and keypair), project.sh (the quote and its edits).
# shellcheck source=test/lib/edge.sh
source "$BENCH_DIR/../test/lib/edge.sh"

# row FIGURE MEASURED REFERENCE TARGET VERDICT
row() { printf 'Row\t%s\t%s\t%s\t%s\t%s\n' "$@"; }
detail() { printf 'Detail\t%s\n' "$*"; }

# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------

# percentile P VALUE...: nearest-rank percentile (P in 1..100) of the values.
percentile() {
  local p=$1
  shift
  printf '%s\n' "$@" | sort -g | awk -v p="$p" '{ v[NR] = $1 }
    END { r = int((p * NR + 99) / 100); if (r < 1) r = 1; print v[r] }'
}

median() { percentile 50 "$@"; }

# ms_as_s MS: milliseconds as seconds with two decimals.
ms_as_s() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }

# at_most VALUE LIMIT UNIT / at_least VALUE LIMIT UNIT: "met", or "missed by" the gap.
at_most() {
  awk -v v="$1" -v l="$2" -v u="$3" 'BEGIN {
    if (v <= l) print "met"; else printf "missed by %.2f %s (%.0f %% over)\n", v - l, u, (v - l) * 100 / l }'
}
at_least() {
  awk -v v="$1" -v l="$2" -v u="$3" 'BEGIN {
    if (v >= l) print "met"; else printf "missed by %.2f %s (%.0f %% under)\n", l - v, u, (l - v) * 100 / l }'
}

# ---------------------------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------------------------

ensure_bench_network() {
  docker network inspect "$BENCH_NETWORK" >/dev/null 2>&1 ||
    docker network create --label org.example.bench=true "$BENCH_NETWORK" >/dev/null
}

# Removes every container this bench started, and its networks.
remove_bench_containers() {
  local -a names networks
  mapfile -t names < <(docker ps -aq --filter "name=^${BENCH_PREFIX}")
  ((${#names[@]} == 0)) || docker rm -f "${names[@]}" >/dev/null 2>&1 || true
  mapfile -t networks < <(docker network ls -q --filter label=org.example.bench=true)
  ((${#networks[@]} == 0)) || docker network rm "${networks[@]}" >/dev/null 2>&1 || true
}

# start_bench_app NAME [docker run options...]: the production image on the bench network, under
# the name `app` there, so that nginx's upstream finds it, with the bench's memory limit. Not
# read-only: Liberty writes its workarea and logs into the image's /output and /logs.
start_bench_app() {
  local name=$1
  shift
  ensure_bench_network
  docker run -d --name "$name" --network "$BENCH_NETWORK" --network-alias app \
    --memory "$APP_MEMORY_LIMIT" --cap-drop ALL "${LOG_OPTIONS[@]}" \
    --security-opt no-new-privileges "$@" "$PRODUCTION_IMAGE" >/dev/null
}

# start_bench_nginx NAME CERT KEY [docker run options...] IMAGE [command...]: the nginx image
# with the keypair's directory mounted as the image expects it (CERT and KEY in one directory,
# named by TLS_CERTIFICATE and TLS_PRIVATE_KEY), hardened as in docker-compose.yml. Published
# nowhere, so not known to be on loopback: the committed localhost pair needs the image's opt-in.
# Its one client address carries a whole load test, far past the per-address rate a real edge
# allows (nginx/DECISIONS.md, "Limits"): the limit stays in the path, at a rate no run reaches.
start_bench_nginx() {
  local name=$1 cert=$2 key=$3
  shift 3
  [[ $(dirname "$cert") == "$(dirname "$key")" ]] || die "start_bench_nginx: $cert and $key in two directories"
  ensure_bench_network
  docker run -d --name "$name" --network "$BENCH_NETWORK" "${LOG_OPTIONS[@]}" \
    --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
    --sysctl net.ipv4.ip_unprivileged_port_start=0 --memory 128m \
    -v "$(dirname "$cert"):/etc/nginx/tls:ro" -e "TLS_CERTIFICATE=/etc/nginx/tls/$(basename "$cert")" \
    -e "TLS_PRIVATE_KEY=/etc/nginx/tls/$(basename "$key")" -e ALLOW_PUBLIC_DEMO_KEYPAIR=true \
    -e RATE_LIMIT_PER_ADDRESS=1000000 "$@" >/dev/null
}

# The resident memory of every process in a container, in MiB (read from the host's /proc).
container_rss_mib() {
  local pid total=0 kib
  for pid in $(docker top "$1" -eo pid | tail -n +2); do
    kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    total=$((total + ${kib:-0}))
  done
  awk -v k="$total" 'BEGIN { printf "%.0f", k / 1024 }'
}

# The CPU time a container has used so far, in nanoseconds (cgroup v1 or v2).
container_cpu_ns() {
  local id
  id=$(docker inspect --format '{{.Id}}' "$1")
  if [[ -r /sys/fs/cgroup/cpuacct/docker/$id/cpuacct.usage ]]; then
    cat "/sys/fs/cgroup/cpuacct/docker/$id/cpuacct.usage"
  elif [[ -r /sys/fs/cgroup/system.slice/docker-$id.scope/cpu.stat ]]; then
    awk '$1 == "usage_usec" { print $2 * 1000 }' "/sys/fs/cgroup/system.slice/docker-$id.scope/cpu.stat"
  else
    die "no CPU accounting found for container $1 (cgroup v1 cpuacct or v2 cpu.stat)"
  fi
}

# The CPU time this machine's cores have run anything so far (user, nice, system, irq, softirq;
# not idle, iowait or a hypervisor's steal), in nanoseconds, from /proc/stat's clock ticks.
machine_busy_ns() {
  awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" {
    printf "%.0f\n", ($2 + $3 + $4 + $7 + $8) * 1e9 / hz; exit }' /proc/stat
}
