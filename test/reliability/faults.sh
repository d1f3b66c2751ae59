#!/usr/bin/env bash
# faults.sh: the app stopped and crashed under traffic, nginx restarted and crashed, a broken
# nginx configuration: fast and bland 502/503 answers while the app is away, recovery through the
# restart policy, nothing hangs, a broken configuration never takes the service down.
#
# Usage: faults.sh [--full]
#   default  app stopped and started; app crashed (restart policy); nginx restarted and crashed;
#            nginx -t on a broken copy; a reload with a broken configuration
#   --full   also `docker kill app`, to show whether the restart policy treats it as a crash
#
# It ends with the stack serving again, or fails saying so. Run alone or from run-suite.sh.
set -euo pipefail

export PART=faults  # names this part in log, die and its markers
# shellcheck source=test/lib/properties.sh
source "$(dirname "$0")/../lib/properties.sh"

readonly FAST_MS=3000         # no answer while the app stops or is away may take longer
readonly RECOVERY_LIMIT=240   # seconds for the app (dev mode) to serve again
readonly NGINX_LIMIT=60       # seconds for nginx to serve again
readonly PROBE_CONTAINER=quote-nginx-config-probe

full=false
[[ ${1:-} != --full ]] || full=true

workdir=$(mktemp -d)
probe_pid=""

clean_up() {
  stop_traffic
  docker rm -f "$PROBE_CONTAINER" >/dev/null 2>&1 || true
  rm -rf "$workdir"
}

# ---------------------------------------------------------------------------------------------
# Traffic: one request every 0.2 s in the background; each line "ms status seconds", ms counted
# from the start of the traffic.
# ---------------------------------------------------------------------------------------------

traffic_loop() {
  local file=$1 stop=$2 start=$3 deadline=$((SECONDS + $4)) answer
  while [[ ! -e $stop ]] && ((SECONDS < deadline)); do
    # 20 s: above nginx's own bound (2 s connect + 15 s read), so a 000 is a hang.
    answer=$(edge_curl --output /dev/null --max-time 20 --write-out '%{http_code} %{time_total}' \
      "$(edge_url /)" 2>/dev/null || true)
    printf '%s %s\n' "$(($(now_ms) - start))" "${answer:-000 20}" >>"$file"
    sleep 0.2
  done
}

# start_traffic NAME MAX_SECONDS: sets TRAFFIC (the log) and TRAFFIC_START (ms).
start_traffic() {
  TRAFFIC="$workdir/$1.log"
  : >"$TRAFFIC"
  rm -f "$workdir/stop"
  TRAFFIC_START=$(now_ms)
  traffic_loop "$TRAFFIC" "$workdir/stop" "$TRAFFIC_START" "$2" &
  probe_pid=$!
}

stop_traffic() {
  if [[ -n $probe_pid ]]; then
    touch "$workdir/stop"
    # The loop ends within one request (20 s at most) after the stop file appears.
    wait "$probe_pid" 2>/dev/null || true
    probe_pid=""
  fi
}

# Milliseconds since the traffic started.
elapsed() {
  echo $(($(now_ms) - TRAFFIC_START))
}

# window FROM TO: traffic lines with FROM <= ms < TO.
window() {
  awk -v from="$1" -v to="$2" '$1 >= from && $1 < to' "$TRAFFIC"
}

# The ms of the first 200 after the first non-200 at or after FROM, empty if none: a request
# in flight when the app went away may still complete with a 200 just after FROM.
first_200_after() {
  awk -v from="$1" '$1 >= from && $2 != 200 {down = 1} down && $2 == 200 {print $1; exit}' "$TRAFFIC"
}

# The ms of the first 200 after the outage that began at FROM (the window's end, that 200 not in
# it), or now.
outage_end() {
  local first
  first=$(first_200_after "$1")
  echo "${first:-$(elapsed)}"
}

# judge_traffic WHAT: over the whole run, only 200, 502 or 503 (curl's 000 would be a hang past
# nginx's own bounds or a socket error); every 502/503 within FAST_MS. A request that reaches
# the app while it is still starting is held by Liberty until the app is ready, then answered
# 200: those are reported, not judged as errors.
judge_traffic() {
  local slowest
  check "$1: only 200, 502 or 503 answers, no socket error and no request over 20 s" equals "" \
    "$(awk '$2 != 200 && $2 != 502 && $2 != 503 {print $2 "@" $1 "ms"}' "$TRAFFIC" | tr '\n' ' ' | sed 's/ $//')"
  slowest=$(awk '$2 != 200' "$TRAFFIC" | slowest_ms)
  check "$1: every 502/503, including those while the app was stopping, within ${FAST_MS} ms" holds \
    "at most ${FAST_MS} ms" "slowest ${slowest} ms; all $(wc -l <"$TRAFFIC") requests: $(status_counts <"$TRAFFIC")" \
    [ "$slowest" -le "$FAST_MS" ]
  figure "$1: 200s slower than ${FAST_MS} ms, held by the starting app (ms, at ms since traffic start): $(awk -v limit="$FAST_MS" '$2 == 200 && $3 * 1000 > limit {printf "%s%d ms at %d", sep, $3 * 1000, $1; sep = ", "}' "$TRAFFIC")$(awk -v limit="$FAST_MS" '$2 == 200 && $3 * 1000 > limit {n++} END {if (!n) print "none"}' "$TRAFFIC")"
}

# judge_outage WHAT FROM TO: the outage in the window (it ends at the app's first 200), by the
# fallback's rule (test/lib/properties.sh).
judge_outage() {
  local lines
  lines=$(window "$2" "$3")
  check "$1: every answer while the app is away is a 502 or 503" fallback_statuses "$lines"
  check "$1: every such answer within ${FALLBACK_MS} ms" fallback_fast "$lines"
}

app_address() {
  address_on "$(compose_network backend)" "$APP"
}

restart_count() {
  docker inspect --format '{{.RestartCount}}' "$1"
}

# wait_recovery WHAT FROM_MS: waits (bounded) for the app to serve, then reports the seconds.
wait_recovery() {
  local what=$1 from=$2 recovered
  if wait_until "$RECOVERY_LIMIT" 1 stack_answers; then
    sleep 1
    recovered=$(first_200_after "$from")
    recovered=${recovered:-$(elapsed)}
    pass "$what: the app serves again $(awk -v ms="$((recovered - from))" 'BEGIN {printf "%.1f", ms / 1000}') s later (limit ${RECOVERY_LIMIT} s; that first 200 took $(awk -v at="$recovered" '$1 == at {printf "%d", $3 * 1000}' "$TRAFFIC") ms)"
  else
    fail "$what: expected 200 within ${RECOVERY_LIMIT} s, got $(edge_status "$(edge_url /)")"
  fi
}

# ---------------------------------------------------------------------------------------------
# The app away
# ---------------------------------------------------------------------------------------------

bland_error_body() {
  local answer body
  answer=$(edge_curl --include "$(edge_url /)" | tr -d '\r' || true)
  body=$(sed '1,/^$/d' <<<"$answer")
  check "the answer while the app is stopped: status and body" equals "503 Service Unavailable" \
    "$(first_status "$answer") $body"
  check "that answer names no product or version (Server header: nginx, no version)" equals "nginx" \
    "$(sed -n 's/^server: //Ip' <<<"$answer")$(grep -qiE 'nginx|[0-9]+\.[0-9]+\.[0-9]+' <<<"$body" && echo ' + in the body')"
}

app_stopped_and_started() {
  local address_before address_after stopping stopped started
  address_before=$(app_address)
  start_traffic app-stop 400
  sleep 2
  stopping=$(elapsed)
  docker stop "$APP" >/dev/null
  stopped=$(elapsed)
  figure "docker stop app took $(((stopped - stopping) / 1000)) s (dev mode stops Liberty, then Maven)"
  sleep 1
  bland_error_body
  sleep 8
  started=$(elapsed)
  docker start "$APP" >/dev/null
  judge_outage "app stopped" "$stopped" "$started"
  wait_recovery "app started again" "$started"
  stop_traffic
  judge_outage "app starting" "$started" "$(outage_end "$started")"
  judge_traffic "traffic through the stop and start"
  address_after=$(app_address)
  figure "app address before the stop $address_before, after the start $address_after"
}

# crash CONTAINER: SIGKILL to its main process, as a crash ends it (`docker kill` is a manual
# stop to Docker), with no root on this machine: from a throwaway container in the engine's PID
# namespace, where the engine's pid of it holds and this machine may not even see it (Docker
# Desktop's VM). Where no container may join that namespace (a rootless engine, or one nested in
# a container: no proc mount), from this shell, which then shares the engine's PID namespace
# and may signal its containers (their user namespace is the rootless user's own; the nested
# lane runs as root). Prints what it did.
crash() {
  local pid
  pid=$(docker inspect --format '{{.State.Pid}}' "$1")
  [[ $pid =~ ^[1-9][0-9]*$ ]] || { echo "no main process for $1 (pid '$pid')"; return 1; }
  use_base_images
  # shellcheck disable=SC2016 # runs in the container
  if docker run --rm --pid host --network none --cap-drop ALL --cap-add KILL "$DEBIAN_IMAGE" \
    sh -c 'kill -KILL "$0"' "$pid" 2>/dev/null; then
    echo "SIGKILL to its main process (the engine's pid $pid, from a container)"
  elif [[ -d /proc/$pid ]] && kill -KILL "$pid"; then
    echo "SIGKILL to its main process (pid $pid, from this shell: no container may join the engine's PID namespace)"
  else
    echo "the kill of pid $pid failed"
    return 1
  fi
}

app_crashed() {
  local count_before address_before crashed how back
  count_before=$(restart_count "$APP")
  address_before=$(app_address)
  start_traffic app-crash 400
  sleep 2
  how=$(crash "$APP") || true
  # After the kill's container returned: the kill is past, not the engine's restart.
  crashed=$(elapsed)
  figure "app crash: $how"
  if wait_until 30 0.5 restarted_since "$count_before"; then
    back=$(elapsed)
    pass "unless-stopped restarts the crashed app ($(((back - crashed) / 100))00 ms after the crash, RestartCount $count_before -> $(restart_count "$APP"))"
  else
    back=$(elapsed)
    fail "restart policy after a crash: expected the app running again with RestartCount above $count_before within 30 s, got running=$(docker inspect --format '{{.State.Running}}' "$APP") RestartCount $(restart_count "$APP")"
    docker start "$APP" >/dev/null 2>&1 || true
  fi
  wait_recovery "app crashed" "$crashed"
  stop_traffic
  judge_outage "app crashed and restarting" "$((crashed + 300))" "$(outage_end "$crashed")"
  judge_traffic "traffic through the crash"
  figure "app address before the crash $address_before, after the restart $(app_address)"
}

restarted_since() {
  container_running "$APP" && (($(restart_count "$APP") > $1))
}

# `docker kill` is a manual stop to Docker: does unless-stopped bring the app back?
app_docker_killed() {
  local count_before started
  count_before=$(restart_count "$APP")
  docker kill "$APP" >/dev/null
  sleep 20
  check "docker kill app: unless-stopped treats it as a manual stop (no restart within 20 s)" equals \
    "running=false RestartCount $count_before" \
    "running=$(docker inspect --format '{{.State.Running}}' "$APP") RestartCount $(restart_count "$APP")"
  start_traffic app-kill 300
  started=$(elapsed)
  container_running "$APP" || docker start "$APP" >/dev/null
  wait_recovery "app started after docker kill" "$started"
  stop_traffic
}

# ---------------------------------------------------------------------------------------------
# nginx
# ---------------------------------------------------------------------------------------------

nginx_restarts() {
  local started
  started=$(now_ms)
  docker restart "$NGINX" >/dev/null
  if wait_until "$NGINX_LIMIT" 0.5 stack_answers; then
    pass "docker restart nginx: serves again $(awk -v ms="$(($(now_ms) - started))" 'BEGIN {printf "%.1f", ms / 1000}') s after the restart began"
  else
    fail "docker restart nginx: expected 200 within ${NGINX_LIMIT} s, got $(edge_status "$(edge_url /)")"
  fi
  local count_before how
  count_before=$(restart_count "$NGINX")
  started=$(now_ms)
  how=$(crash "$NGINX") || true
  if wait_until "$NGINX_LIMIT" 0.5 stack_answers && (($(restart_count "$NGINX") > count_before)); then
    pass "nginx master killed ($how): unless-stopped restarts it, serving again $(awk -v ms="$(($(now_ms) - started))" 'BEGIN {printf "%.1f", ms / 1000}') s later"
  else
    fail "nginx killed ($how): expected a restart and 200 within ${NGINX_LIMIT} s, got RestartCount $(restart_count "$NGINX"), $(edge_status "$(edge_url /)")"
  fi
}

# A copy of the configuration as the image has it (its templates too), with the localhost
# keypair under the image's default names. The containers that read it are published nowhere,
# so not known to be on loopback: they take the image's opt-in for the committed pair.
config_copy() {
  local dir=$1
  mkdir -p "$dir/tls"
  cp "$REPO_ROOT"/nginx/*.conf "$dir/"
  cp -r "$REPO_ROOT"/nginx/templates "$dir/"
  cp "$EDGE_CA" "$dir/tls/tls.crt"
  cp "$EDGE_KEY" "$dir/tls/tls.key"
  chmod -R a+rX "$dir"
}

# nginx -t inside a throwaway container of the image, on the copy in DIR.
config_test() {
  docker run --rm --network "$(compose_network backend)" --read-only --tmpfs /tmp --cap-drop ALL \
    --security-opt no-new-privileges -e ALLOW_PUBLIC_DEMO_KEYPAIR=true -v "$1:/etc/nginx:ro" \
    "$EDGE_IMAGE" nginx -t 2>&1
}

broken_config_is_caught() {
  local good="$workdir/good" broken="$workdir/broken" output
  config_copy "$good"
  config_copy "$broken"
  # A typo as a person would make it: a directive without its semicolon.
  sed -i 's/^proxy_read_timeout 15s;/proxy_read_timeout 15s/' "$broken/proxy-to-app.conf"
  output=$(config_test "$good" || true)
  check "nginx -t on the project's configuration" equals "test is successful" \
    "$(grep -o 'test is successful' <<<"$output" || tail -n 1 <<<"$output")"
  output=$(config_test "$broken" || true)
  check "nginx -t on a copy with a missing semicolon: refused" equals "[emerg] test failed" \
    "$(grep -o '\[emerg\]' <<<"$output" | head -n 1) $(grep -o 'test failed' <<<"$output" || echo 'test passed')"
}

probe_serves() {
  [[ $(edge_status_on "$(compose_network edge)" "$PROBE_CONTAINER") == 200 ]]
}

# A second nginx from the image, serving the same app on the edge network, whose configuration
# is then broken and reloaded: it must go on serving with the old one. It is asked from a
# container on the edge network (edge_status_on); its address there is only named.
broken_reload_keeps_serving() {
  local dir="$workdir/live" address output hup_time
  config_copy "$dir"
  docker rm -f "$PROBE_CONTAINER" >/dev/null 2>&1 || true
  docker create --name "$PROBE_CONTAINER" --network "$(compose_network backend)" --read-only --tmpfs /tmp \
    --cap-drop ALL --security-opt no-new-privileges --memory 128m --pids-limit 64 \
    --sysctl net.ipv4.ip_unprivileged_port_start=0 -e ALLOW_PUBLIC_DEMO_KEYPAIR=true -v "$dir:/etc/nginx:ro" \
    "$EDGE_IMAGE" >/dev/null
  docker network connect "$(compose_network edge)" "$PROBE_CONTAINER"
  docker start "$PROBE_CONTAINER" >/dev/null
  address=$(address_on "$(compose_network edge)" "$PROBE_CONTAINER")
  if ! wait_until 20 0.5 probe_serves; then
    fail_unjudged "a second nginx from the image did not serve at $address ($(edge_status_on "$(compose_network edge)" "$PROBE_CONTAINER"))" \
      "nginx -s reload with a broken configuration" "SIGHUP with a broken configuration" "and it still serves"
    docker rm -f "$PROBE_CONTAINER" >/dev/null
    return
  fi
  printf 'this is not a directive\n' >>"$dir/nginx.conf"
  output=$(docker exec "$PROBE_CONTAINER" nginx -s reload 2>&1 || true)
  check "nginx -s reload with a broken configuration: refused before signalling" equals "[emerg]" \
    "$(grep -o '\[emerg\]' <<<"$output" | head -n 1)"
  hup_time=$(date +%s)
  docker kill --signal HUP "$PROBE_CONTAINER" >/dev/null
  sleep 2
  check "SIGHUP with a broken configuration: the master logs the error and keeps the old one" equals "[emerg]" \
    "$(log_lines "$PROBE_CONTAINER" "$hup_time" | grep -o '\[emerg\]' | head -n 1)"
  check "and it still serves: status over its edge address $address" equals 200 \
    "$(edge_status_on "$(compose_network edge)" "$PROBE_CONTAINER")"
  docker rm -f "$PROBE_CONTAINER" >/dev/null
}

main() {
  require_stack
  trap clean_up EXIT
  app_stopped_and_started
  app_crashed
  [[ $full == false ]] || app_docker_killed
  nginx_restarts
  broken_config_is_caught
  broken_reload_keeps_serving
  check "the stack serves at the end" equals 200 "$(edge_status "$(edge_url /)")"
  checks_summary "$PART"
}

main "$@"
