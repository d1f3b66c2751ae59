#!/usr/bin/env bash
# edge-alone.sh: nginx's production image alone, as an operator starts it: a key kept as keys
# are kept (root-owned, 0600) is refused at start with the file and the remedy named, and
# served once readable by gid 101 (the control); the committed localhost pair refused beyond
# loopback (published on 0.0.0.0, or PUBLISH_ADDRESS unknown) with the way to mount one's own,
# started with a loud warning under ALLOW_PUBLIC_DEMO_KEYPAIR=true, and started quietly on
# loopback (the control); SERVER_NAMES that would break the configuration refused, naming the
# name, and wildcard names rendered as written (the control); a RATE_LIMIT_PER_ADDRESS that is
# no number refused, and the default rendered (the control); one worker under a CPU quota of
# 0.5, and the container's CPUs (at most 4) without one (the control). Containers
# quote-ops-edge-*, and the network quote-ops-edge, removed at exit.
set -euo pipefail

readonly PART=edge-alone
# shellcheck source=test/lib/edge.sh
source "$(dirname "$0")/../lib/edge.sh"
cd "$REPO_ROOT"

readonly IMAGE=$EDGE_IMAGE NETWORK=quote-ops-edge PREFIX=quote-ops-edge-
keys=""

clean_up() {
  docker ps -aq --filter "name=^$PREFIX" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker network rm "$NETWORK" >/dev/null 2>&1 || true
  [[ -z $keys ]] || rm -rf "$keys"
}

# run_edge NAME KEYPAIR-DIR CERT-NAME KEY-NAME [docker run options...]: nginx's image under the
# hardening that compose gives it, the pair's directory mounted as compose mounts it.
run_edge() {
  local name=$1 dir=$2 cert=$3 key=$4
  shift 4
  docker run -d --name "$PREFIX$name" --network "$NETWORK" --read-only --tmpfs /tmp --cap-drop ALL \
    --security-opt no-new-privileges --memory 128m --pids-limit 64 \
    --sysctl net.ipv4.ip_unprivileged_port_start=0 -v "$dir:/etc/nginx/tls:ro" \
    -e "TLS_CERTIFICATE=/etc/nginx/tls/$cert" -e "TLS_PRIVATE_KEY=/etc/nginx/tls/$key" "$@" "$IMAGE" >/dev/null
}

serving() {
  docker exec "$PREFIX$1" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8081 && printf "GET / HTTP/1.0\r\n\r\n" >&3 && read -r s <&3 && [[ $s == "HTTP/1.1 200 "* ]]' 2>/dev/null
}

# starts_serving NAME: serving within 20 s, or the last lines of its log.
starts_serving() {
  wait_until 20 0.5 serving "$1" || { echo "not serving after 20 s: $(log_lines "$PREFIX$1" | tail -n 5 | tr '\n' ' ')"; return 1; }
}

# refused_saying NAME TEXT...: stopped_saying (containers.sh) for this part's container NAME.
refused_saying() {
  stopped_saying "$PREFIX$1" "${@:2}"
}

# The certificate nginx serves on its own port 443: the operator's. Asked from a container on
# NETWORK, by the container's name there.
serves_fingerprint() {
  equals "$2" "$(tool_on "$NETWORK" timeout 10 openssl s_client -connect "$PREFIX$1:443" -servername "$EDGE_HOST" \
    </dev/null 2>/dev/null | certificate_fingerprint)"
}

warned() {
  logged "$PREFIX$1" "WARNING: serving the project's committed localhost certificate"
}

# Serving, and said loudly at start, naming the opt-in.
serving_and_warned() {
  local log
  starts_serving "$1" || return 1
  warned "$1" || { echo "serving, but no warning"; return 1; }
  # Read whole first: grep -m1 ending the pipe early would fail it (pipefail).
  log=$(log_lines "$PREFIX$1")
  grep -m1 -F 'ALLOW_PUBLIC_DEMO_KEYPAIR=true' <<<"$log" | sed 's/^quote-edge: WARNING: //'
}

serving_quietly() {
  starts_serving "$1" || return 1
  if warned "$1"; then echo "warned"; return 1; fi
  echo "serving, no warning"
}

# The per-address rate and burst that nginx reads, as rendered at start.
rendered_rate_limit() {
  docker exec "$PREFIX$1" sed -n 's/.* \(rate=[0-9]*r\/s;\)$/\1/p; s/.* \(burst=[0-9]*\) nodelay;$/\1/p' \
    /tmp/nginx-runtime/rate-limit.conf | paste -sd ' '
}

# The server_name line that nginx reads, as rendered at start.
rendered_server_names() {
  starts_serving "$1" || return 1
  docker exec "$PREFIX$1" grep '^server_name' /tmp/nginx-runtime/server-names.conf
}

# Processes whose command line is exactly nginx's worker title (not this probe's own shell).
worker_count() {
  # shellcheck disable=SC2016 # runs in the container
  docker exec "$PREFIX$1" sh -c 'n=0; for f in /proc/[0-9]*/cmdline; do
      [ "$(tr "\0" "\n" <"$f" 2>/dev/null | head -n 1)" = "nginx: worker process" ] && n=$((n + 1)); done; echo $n'
}

main() {
  trap clean_up EXIT
  clean_up
  docker network create "$NETWORK" >/dev/null
  keys=$(mktemp -d)
  chmod 755 "$keys"
  generate_keypair "$keys" operator
  local readable
  readable=$(mktemp -d -p "$keys")
  chmod 755 "$readable"
  cp -p "$keys/operator.crt" "$keys/operator.key" "$readable/"
  # As keys are kept: root's, readable by root alone; the copy readable by gid 101, README's way.
  # shellcheck disable=SC2016 # runs in the container
  as_engine_root "$keys" sh -c 'chown 0:0 "$0" && chmod 0600 "$0" && chgrp 101 "$1" && chmod 0640 "$1"' \
    "$keys/operator.key" "$readable/operator.key"
  run_edge refused "$keys" operator.crt operator.key
  check "a root-owned 0600 key: nginx refuses at start, naming the file, uid and remedy" refused_saying refused \
    "cannot read the private key /etc/nginx/tls/operator.key as uid 101" "owner 0:0, mode 600" \
    "chgrp 101 FILE && chmod 0640 FILE"

  run_edge served "$readable" operator.crt operator.key
  check "control: the same key readable by gid 101 (0640) starts nginx" wait_until 20 0.5 serving served
  check "and nginx serves the operator's certificate" serves_fingerprint served \
    "$(certificate_fingerprint <"$keys/operator.crt")"

  local committed=("$(dirname "$EDGE_CA")" "$(basename "$EDGE_CA")" "$(basename "$EDGE_KEY")")
  run_edge exposed "${committed[@]}" -e PUBLISH_ADDRESS=0.0.0.0
  run_edge unknown "${committed[@]}"
  run_edge demo "${committed[@]}" -e PUBLISH_ADDRESS=0.0.0.0 -e ALLOW_PUBLIC_DEMO_KEYPAIR=true
  run_edge loopback "${committed[@]}" -e PUBLISH_ADDRESS=127.0.0.1
  check "the committed localhost pair published on 0.0.0.0: nginx refuses at start, saying how to mount one's own" \
    refused_saying exposed "refusing to serve the project's committed localhost certificate" \
    "TLS_DIRECTORY=DIR TLS_CERTIFICATE_FILE=CERT TLS_PRIVATE_KEY_FILE=KEY" "-v DIR:/etc/nginx/tls:ro" \
    "ALLOW_PUBLIC_DEMO_KEYPAIR=true"
  check "the committed pair with PUBLISH_ADDRESS unset (not known to be loopback): refused too" \
    refused_saying unknown "refusing to serve the project's committed localhost certificate" \
    "PUBLISH_ADDRESS is not set"
  check "with ALLOW_PUBLIC_DEMO_KEYPAIR=true on 0.0.0.0: nginx starts and warns loudly" serving_and_warned demo
  check "control: on 127.0.0.1, nginx starts with no warning" serving_quietly loopback

  run_edge names-broken "${committed[@]}" -e PUBLISH_ADDRESS=127.0.0.1 \
    -e 'SERVER_NAMES=beta.example.test;return 200 x'
  run_edge names-wildcard "${committed[@]}" -e PUBLISH_ADDRESS=127.0.0.1 \
    -e 'SERVER_NAMES=*.example.test .beta.example.test [::1]'
  check "SERVER_NAMES with a ';': nginx refuses at start, naming the name and what is allowed" \
    refused_saying names-broken "SERVER_NAMES holds 'beta.example.test;return'" "nginx's wildcard names"
  check "control: wildcard and IPv6 names start nginx, rendered as written" equals \
    "server_name *.example.test .beta.example.test [::1];" "$(rendered_server_names names-wildcard)"

  run_edge rate-broken "${committed[@]}" -e PUBLISH_ADDRESS=127.0.0.1 -e RATE_LIMIT_PER_ADDRESS=10k
  check "RATE_LIMIT_PER_ADDRESS=10k: nginx refuses at start, naming the setting" refused_saying rate-broken \
    "RATE_LIMIT_PER_ADDRESS must be a whole number" "got '10k'"
  check "control: the image's default, 500 requests a second per address and as many at once" equals \
    "rate=500r/s; burst=500" "$(rendered_rate_limit loopback)"

  run_edge quota "${committed[@]}" -e PUBLISH_ADDRESS=127.0.0.1 --cpus 0.5
  run_edge unbounded "${committed[@]}" -e PUBLISH_ADDRESS=127.0.0.1
  wait_until 20 0.5 serving quota || true
  wait_until 20 0.5 serving unbounded || true
  if [[ $(docker info --format '{{.CgroupDriver}}') == none ]]; then
    skip "under a CPU quota of 0.5: one worker process (the engine runs without cgroups: no quota to read)"
  else
    check "under a CPU quota of 0.5: one worker process" equals 1 "$(worker_count quota)"
  fi
  local cpus
  cpus=$(nproc)
  ((cpus <= 4)) || cpus=4
  check "control: without a quota, one per CPU the container may use, at most 4" equals "$cpus" "$(worker_count unbounded)"
  checks_summary "$PART"
}

main "$@"
