#!/usr/bin/env bash
# production-run.sh: the app's production image alone, as README.md runs it: the plain try-out
# run believes no client's forwarding headers (with a control that does, so the probe can see
# belief), the hardened run serves, stays healthy and writes only its tmpfs, and Liberty's own
# pages never reach a client. Containers quote-ops-*, and quote-service (README's name), all
# removed at exit; ports on 127.0.0.1 only.
set -euo pipefail

readonly PART=production-run
# shellcheck source=test/lib/containers.sh
source "$(dirname "$0")/../lib/containers.sh"
# shellcheck source=test/lib/tools.sh
source "$(dirname "$0")/../lib/tools.sh"
cd "$REPO_ROOT"

readonly IMAGE=$PRODUCTION_IMAGE
readonly HARDENED=quote-service PLAIN=quote-ops-plain TRUSTING=quote-ops-trusting NO_APP=quote-ops-no-app
readonly START_LIMIT=150   # seconds: four JVMs start at once on two cores

clean_up() {
  docker rm -f "$HARDENED" "$PLAIN" "$TRUSTING" "$NO_APP" >/dev/null 2>&1 || true
}

# answers PORT PATTERN: GET / on 127.0.0.1:PORT holds PATTERN.
answers() {
  curl --silent --max-time 3 "http://127.0.0.1:$1/" 2>/dev/null | grep -qF "$2"
}

# The client the app's access log names for the request that carried MARKER.
resolved_client() {
  record_with "$1" "$2" | jq -r '"\(.ibm_remoteHost) \(.ibm_remoteIP)"' 2>/dev/null
}

# forwarded_client CONTAINER PORT: a request from the host with a client's own X-Forwarded-For
# and X-Forwarded-Proto; prints "peer resolved-client" from the access log.
forwarded_client() {
  local marker="ops-forwarded-$RANDOM$RANDOM"
  curl --silent --max-time 5 --output /dev/null -H 'X-Forwarded-For: 6.6.6.6' \
    -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$2/?$marker" || return 1
  wait_until 10 0.5 logged "$1" "$marker" || { echo "no access record of ?$marker"; return 1; }
  resolved_client "$1" "$marker"
}

believes_no_forwarded_header() {
  local peer_and_client
  peer_and_client=$(forwarded_client "$PLAIN" 18001) || { echo "$peer_and_client"; return 1; }
  [[ ${peer_and_client% *} =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}$ && ${peer_and_client#* } == "${peer_and_client% *}" &&
    $peer_and_client != *6.6.6.6* ]] ||
    { echo "expected the peer as the client, got peer and client: $peer_and_client"; return 1; }
  echo "peer and client both ${peer_and_client% *}"
}

control_believes_when_told() {
  local peer_and_client
  peer_and_client=$(forwarded_client "$TRUSTING" 18002) || { echo "$peer_and_client"; return 1; }
  [[ ${peer_and_client#* } == 6.6.6.6 ]] || { echo "expected client 6.6.6.6, got $peer_and_client"; return 1; }
  echo "peer ${peer_and_client% *}, client 6.6.6.6"
}

healthy() {
  [[ $(docker inspect --format '{{.State.Health.Status}}' "$1") == healthy ]]
}

hardened_settings() {
  local settings
  settings=$(docker inspect --format '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}} {{.HostConfig.Privileged}} {{.HostConfig.RestartPolicy.Name}}' "$HARDENED")
  equals "true [ALL] [no-new-privileges] false unless-stopped" "$settings" >/dev/null ||
    { equals "true [ALL] [no-new-privileges] false unless-stopped" "$settings"; return 1; }
  settings=$(docker inspect --format '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}' "$HARDENED")
  [[ $settings =~ ^[1-9][0-9]*\ [1-9][0-9]*$ ]] || { echo "memory and pids limits: $settings"; return 1; }
  equals "127.0.0.1:8000" "$(docker port "$HARDENED" 8000/tcp)"
}

# Writable: exactly the three tmpfs; the root refuses a write; nothing changed in the layers.
writes_only_its_tmpfs() {
  local mounts refused changed
  mounts=$(docker inspect --format '{{range $path, $_ := .HostConfig.Tmpfs}}{{$path}} {{end}}' "$HARDENED" | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')
  equals "/logs /opt/ol/wlp/output /tmp " "$mounts" >/dev/null || { equals "/logs /opt/ol/wlp/output /tmp " "$mounts"; return 1; }
  [[ -z $(docker inspect --format '{{range .Mounts}}{{.Destination}} {{end}}' "$HARDENED") ]] ||
    { echo "other mounts: $(docker inspect --format '{{range .Mounts}}{{.Destination}} {{end}}' "$HARDENED")"; return 1; }
  refused=$(docker exec "$HARDENED" sh -c 'touch /config/probe /opt/ol/wlp/probe 2>&1 | grep -c "Read-only file system"' || true)
  [[ $refused == 2 ]] || { echo "writes to /config and /opt/ol/wlp: $refused of 2 refused"; return 1; }
  changed=$(docker diff "$HARDENED")
  [[ -z $changed ]] || { echo "changed in the container's layer: $changed"; return 1; }
  echo "tmpfs ${mounts% }; the rest read-only, docker diff empty"
}

# With no application deployed (its folder hidden), Liberty answers a bland 404 of its own:
# no welcome page, no "context root not found" page, no product name.
own_pages_hidden() {
  local answer
  answer=$(curl --silent --max-time 5 --write-out '\n%{http_code}' http://127.0.0.1:18003/) || return 1
  [[ $(tail -n 1 <<<"$answer") == 404 ]] || { echo "status $(tail -n 1 <<<"$answer")"; return 1; }
  if grep -qiE 'liberty|websphere|welcome|context root|SRVE[0-9]' <<<"$answer"; then
    echo "Liberty's own page: $(sed '$d' <<<"$answer" | tr '\n' ' ' | cut -c1-160)"
    return 1
  fi
  echo "404 \"$(sed '$d' <<<"$answer" | tr -d '\n')\""
}

main() {
  trap clean_up EXIT
  clean_up
  # README's try-out run, its port on loopback and the app's access log on to see what it
  # believed; and a control told to trust every peer.
  docker run -d --name "$PLAIN" -p 127.0.0.1:18001:8000 -e APP_ACCESS_LOG=true "$IMAGE" >/dev/null
  docker run -d --name "$TRUSTING" -p 127.0.0.1:18002:8000 -e APP_ACCESS_LOG=true -e 'TRUSTED_PROXIES=.*' "$IMAGE" >/dev/null
  # README's hardened line, exactly as it stands.
  bash -euo pipefail -c "$(readme_block hardened-run)" >/dev/null
  # The same hardening with the application folder hidden.
  docker run -d --name "$NO_APP" -p 127.0.0.1:18003:8000 --read-only --tmpfs /tmp --tmpfs /opt/ol/wlp/output \
    --tmpfs /logs --tmpfs /config/dropins --cap-drop ALL --security-opt no-new-privileges "$IMAGE" >/dev/null
  wait_until "$START_LIMIT" 1 answers 18001 "$QUOTE" || log "the plain run did not answer within $START_LIMIT s"
  wait_until "$START_LIMIT" 1 answers 18002 "$QUOTE" || log "the trusting run did not answer within $START_LIMIT s"
  check "README's plain run believes no client's X-Forwarded-For (peer on the Docker gateway)" believes_no_forwarded_header
  check "control: told to trust every peer, the same probe sees the client's 6.6.6.6" control_believes_when_told
  check "README's hardened run serves the quote on 127.0.0.1:8000" wait_until "$START_LIMIT" 1 answers 8000 "$QUOTE"
  check "README's hardened run becomes healthy" wait_until 60 1 healthy "$HARDENED"
  check "README's hardened run: read-only, no capabilities, no-new-privileges, limits, loopback port" hardened_settings
  check "README's hardened run writes only its three tmpfs" writes_only_its_tmpfs
  check "README's hardened run is still healthy after the checks" healthy "$HARDENED"
  wait_until "$START_LIMIT" 1 answers 18003 "" || true
  check "no application: Liberty's own welcome and context-root pages never reach a client" own_pages_hidden
  checks_summary "$PART"
}

main "$@"
