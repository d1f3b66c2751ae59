#!/usr/bin/env bash
# rate-limits.sh: the edge's per-address request limit (nginx/limits.conf, limit_req) at the
# image's own RATE_LIMIT_PER_ADDRESS, the one production runs. The dev stack's nginx has it
# raised, since behind its loopback publish every client of the host shares one address
# (nginx/DECISIONS.md, "Limits"); so a second nginx from the stack's image, with its defaults,
# joins the stack's edge and backend networks (published nowhere) and serves the same app. Two
# short-lived client containers on the edge network, each with an address of its own, speak
# HTTP/2 to it by name with the project's certificate. One floods: more requests a second than
# the rate, from one address, until nginx refuses it past its burst with 429 and logs why (the
# zone, the address, the excess). The other sends a few requests at once, three times, while
# nginx goes on refusing the flood (were the limit shared, all but one would be refused): all
# are served and none limited (the positive control). Run alone or from run-suite.sh, against
# the running stack. The clients are the nginx image's own curl; every container is removed at
# exit; the flood is bounded in requests and time, every wait has a deadline.
set -euo pipefail

export PART=rate-limits  # names this part in log, die and its markers
# shellcheck source=test/lib/edge.sh
source "$(dirname "$0")/../lib/edge.sh"

# The image that runs nginx has curl with HTTP/2: present wherever the stack runs.
readonly CLIENT_IMAGE=$EDGE_IMAGE
readonly EDGE=quote-rate-limits-edge FLOOD=quote-rate-limits-flood SECOND=quote-rate-limits-second
# The flood: FLOOD_CLIENTS curls at once, FLOOD_STREAMS requests in flight each (more than the
# 256 that limit_conn allows an address, so that the ones it refuses at once come back at once),
# FLOOD_REQUESTS each at most, FLOOD_SECONDS at most; stopped once the control has been asked.
readonly FLOOD_CLIENTS=2 FLOOD_STREAMS=300 FLOOD_REQUESTS=50000 FLOOD_SECONDS=60
# The control: SECOND_BATCHES times SECOND_REQUESTS requests at once, well within its own burst.
readonly SECOND_BATCHES=3 SECOND_REQUESTS=20

clean_up() {
  docker rm -f "$FLOOD" "$SECOND" "$EDGE" >/dev/null 2>&1 || true
}

# The edge under test: nginx's image with its defaults, hardened as compose runs it, on the
# backend network (where it finds `app`) and the edge network. Published nowhere, so not known to
# be on loopback: the committed localhost pair needs the image's opt-in.
start_edge() {
  docker create --name "$EDGE" --network "$(compose_network backend)" --read-only --tmpfs /tmp \
    --cap-drop ALL --security-opt no-new-privileges --memory 128m --pids-limit 64 \
    --sysctl net.ipv4.ip_unprivileged_port_start=0 -v "$(dirname "$EDGE_CA"):/etc/nginx/tls:ro" \
    -e "TLS_CERTIFICATE=/etc/nginx/tls/$(basename "$EDGE_CA")" -e "TLS_PRIVATE_KEY=/etc/nginx/tls/$(basename "$EDGE_KEY")" \
    -e ALLOW_PUBLIC_DEMO_KEYPAIR=true "$CLIENT_IMAGE" >/dev/null &&
    docker network connect "$network" "$EDGE" && docker start "$EDGE" >/dev/null
}

# The edge's liveness server answers (the image's own health check).
edge_up() {
  docker exec "$EDGE" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8081 && printf "GET / HTTP/1.0\r\n\r\n" >&3 && read -r s <&3 && [[ $s == "HTTP/1.1 200 "* ]]'
}

# The edge's burst, as rendered at its start.
edge_burst() {
  docker exec "$EDGE" sed -n 's/^limit_req zone=requests_per_address burst=\([0-9]*\) nodelay;$/\1/p' \
    /tmp/nginx-runtime/rate-limit.conf
}

# client NAME [docker run options...] -- SHELL-COMMAND: a client container on the edge network
# running SHELL-COMMAND, in which `get` is curl over HTTP/2 to the edge by name (SNI and Host
# localhost, which its certificate names), at most 10 s a request, printing each status.
client() {
  local name=$1 options=()
  shift
  while [[ $1 != -- ]]; do options+=("$1"); shift; done
  docker run --name "$name" --network "$network" --read-only --cap-drop ALL \
    --security-opt no-new-privileges -v "$EDGE_CA:/tmp/edge.crt:ro" "${options[@]}" \
    --entrypoint sh "$CLIENT_IMAGE" -c "get() { curl --http2 --silent --max-time 10 --cacert /tmp/edge.crt \
      --connect-to localhost:443:$EDGE:443 --output /dev/null --write-out '%{http_code}\n' \"\$@\"; }; $2"
}

# The edge's refusals of ADDRESS by the per-address request limit.
refusals_of() {
  log_lines "$EDGE" 0 stderr |
    grep -F 'limiting requests' | grep -F 'by zone "requests_per_address"' | grep -F "client: $1," || true
}

limited() {
  [[ -n $(refusals_of "$1") ]]
}

refused_within() {
  wait_until "$1" 0.2 limited "$2" || { echo "nginx logged no 'limiting requests' for $2 in $1 s"; return 1; }
  refusals_of "$2" | head -n 1 | sed 's/.*\(limiting requests\)/\1/'
}

not_limited() {
  if limited "$1"; then echo "refused: $(refusals_of "$1" | head -n 1)"; return 1; fi
  echo "no refusal logged for $1"
}

# count STATUS OUTPUT: how many lines of OUTPUT are STATUS.
count() {
  grep -cx "$1" <<<"$2" || true
}

main() {
  require_stack
  docker image inspect "$CLIENT_IMAGE" >/dev/null 2>&1 || { echo "$PART: no image $CLIENT_IMAGE" >&2; exit 2; }
  network=$(compose_network edge) || { echo "$PART: the stack's edge network was not found" >&2; exit 2; }
  local burst flood_started refused_after flood_ms arrived flood_address second_address second_output flood_output before after first_excess
  trap clean_up EXIT
  clean_up
  if ! { start_edge && wait_until 20 0.5 edge_up; }; then
    echo "$PART: a second nginx from $CLIENT_IMAGE did not start: $(docker logs --tail 5 "$EDGE" 2>&1)" >&2
    exit 2
  fi
  burst=$(edge_burst)
  [[ -n $burst ]] || { echo "$PART: no limit_req burst in the edge's /tmp/nginx-runtime/rate-limit.conf" >&2; exit 2; }

  new_marker
  flood_started=$(now_ms)
  client "$FLOOD" -d -- "(sleep $FLOOD_SECONDS; kill 0) & pids=''
    for i in \$(seq $FLOOD_CLIENTS); do
      get --parallel --parallel-max $FLOOD_STREAMS 'https://localhost/?$MARKER-flood-[1-$FLOOD_REQUESTS]' &
      pids=\"\$pids \$!\"
    done; wait \$pids" >/dev/null
  flood_address=$(address_on "$network" "$FLOOD")
  check "a flood from one address ($flood_address): refused by the per-address limit within 20 s" \
    refused_within 20 "$flood_address"
  if ! last_check_passed; then
    fail_unjudged "the flood was never refused" "control: a second address answered 200 each" \
      "control: nginx never limited the second address" "the flood was refused all the while" \
      "the first refusal came past the burst, with 429"
    checks_summary "$PART"
    return
  fi
  refused_after=$(($(now_ms) - flood_started))

  # The control, asked while the flood goes on being refused.
  before=$(refusals_of "$flood_address" | wc -l)
  second_output=$(client "$SECOND" -- "for batch in \$(seq $SECOND_BATCHES); do
      get --parallel --parallel-max $SECOND_REQUESTS 'https://localhost/?$MARKER-second-'\$batch'-[1-$SECOND_REQUESTS]'
    done; hostname -i" 2>&1) || true
  second_address=$(tail -n 1 <<<"$second_output")
  docker rm -f "$SECOND" >/dev/null 2>&1 || true
  after=$(refusals_of "$flood_address" | wc -l)
  docker stop --time 1 "$FLOOD" >/dev/null 2>&1 || true
  flood_ms=$(($(now_ms) - flood_started))
  flood_output=$(log_lines "$FLOOD")

  check "control: a second address ($second_address), $SECOND_BATCHES times $SECOND_REQUESTS requests at once during the flood, answered 200 each" \
    equals "$((SECOND_BATCHES * SECOND_REQUESTS))" "$(count 200 "$second_output")"
  check "control: nginx never limited the second address" not_limited "$second_address"
  check "the flood was refused all the while the second address was served" holds \
    "more refusals after the control than before" "$before before, $after after" test "$after" -gt "$before"
  first_excess=$(refusals_of "$flood_address" | head -n 1 | sed -n 's/.*excess: \([0-9]*\)\..*/\1/p')
  check "the first refusal came past the burst of $burst, with 429" holds \
    "an excess over $burst, and 429 answers" "excess ${first_excess:-none}, $(count 429 "$flood_output") answers 429" \
    test "${first_excess:-0}" -ge "$burst" -a "$(count 429 "$flood_output")" -gt 0
  # A stop writes nginx's buffered access log out: every request of the flood is counted.
  docker stop "$EDGE" >/dev/null 2>&1 || true
  arrived=$(log_lines "$EDGE" 0 stdout | grep -cF "$MARKER-flood-" || true)
  figure "flood from $flood_address: $FLOOD_CLIENTS curls of $FLOOD_STREAMS requests in flight, $arrived requests in $flood_ms ms, $((arrived * 1000 / flood_ms)) a second (the container's start included); first refusal seen ${refused_after} ms after the start; of the answers curl printed, $(count 200 "$flood_output") 200 and $(count 429 "$flood_output") 429; nginx logged $(refusals_of "$flood_address" | wc -l) refusals of it by the request limit (the other 429s: limit_conn)"
  checks_summary "$PART"
}

main "$@"
