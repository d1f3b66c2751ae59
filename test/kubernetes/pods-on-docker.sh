#!/usr/bin/env bash
# shellcheck disable=SC2016 # the $names in single quotes are jq's, not the shell's
# pods-on-docker.sh: each pod of deploy/kubernetes run on Docker under the constraints its
# manifest declares, and each of its probes called as the kubelet would, within the time the
# probe's settings allow. No cluster: kubectl renders the base and reads it offline, jq takes
# the Docker arguments from it.
#
#   the pod's user and groups (fsGroup), read-only root, its emptyDir volumes as tmpfs of their
#   sizeLimit, its capabilities dropped, no-new-privileges (allowPrivilegeEscalation false),
#   Docker's default seccomp profile (RuntimeDefault), its sysctls, CPU and memory limits, and
#   its hostAliases as hosts entries, its environment with the kubelet's $(VAR) expansion
#   (POD_NAMESPACE from the downward API is the Deployment's namespace). The Secret becomes a
#   read-only directory of tls.crt and tls.key (a fresh localhost pair) with the Secret
#   volume's mode and the pod's fsGroup.
#   One user-defined network stands for the cluster's: the app container answers there to the
#   name that nginx's APP_UPSTREAM names (the Service's fully qualified name), so nginx runs
#   with the manifest's value; a container on that network stands for the node, and reaches
#   each pod at its address (this machine may have no route to it: Docker Desktop, rootless
#   Docker). Probes: httpGet and tcpSocket from such a container to the pod's address and port,
#   exec in the container; each must succeed within initialDelaySeconds + failureThreshold x
#   periodSeconds, tried every periodSeconds with timeoutSeconds each (startup from the
#   container's start, readiness and liveness from the startup probe's success).
#
# Needs Docker and the base images: kubectl and curl run in the tests' tools image
# (test/lib/tools.sh), and jq too where this machine has none. It builds the images the
# manifests name (quote-service and quote-nginx, tagged with the project's version) from this
# checkout. Its containers and network are named quote-k8s-*, removed at every exit. Prints one
# Pass:/Fail: line per check and ends with `kubernetes: N passed, M failed`; exits non-zero when
# a check failed.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=test/lib/edge.sh
source "$REPO_ROOT/test/lib/edge.sh"

readonly BASE=deploy/kubernetes
readonly PREFIX=quote-k8s-
readonly NETWORK=${PREFIX}cluster
readonly EDGE=$NGINX

WORK_DIR=$(mktemp -d)
readonly WORK_DIR OBJECTS=$WORK_DIR/objects.json
# The operator's own keypair for the TLS Secret.
readonly OPERATOR_PAIR=$WORK_DIR/operator

cleanup() {
  docker rm -f "$PREFIX$EDGE" "$PREFIX$APP" >/dev/null 2>&1 || true
  docker network rm "$NETWORK" >/dev/null 2>&1 || true
  rm -rf "$WORK_DIR"
}
trap cleanup EXIT

# The rendered base as one JSON array of objects: kubectl patch --local reads manifests and
# prints them as JSON without asking any server.
render() {
  tool kubectl kustomize "$REPO_ROOT/$BASE" >"$WORK_DIR/rendered.yaml" &&
    tool kubectl patch --local -f "$WORK_DIR/rendered.yaml" --type merge -p '{}' -o json | jq -s . >"$OBJECTS" &&
    jq -r 'map(.kind + "/" + .metadata.name) | join(" ")' "$OBJECTS"
}

# jq_pod DEPLOYMENT FILTER [JQ ARGUMENTS...]: FILTER applied to {pod: the pod spec, container:
# its only container}.
jq_pod() {
  jq -r --arg deployment "$1" "${@:3}" '
    .[] | select(.kind == "Deployment" and .metadata.name == $deployment)
    | .spec.template.spec | {pod: ., container: .containers[0]} | '"$2" "$OBJECTS"
}

# The namespace the Deployment is applied to (kustomization.yaml's), its pods' metadata.namespace.
deployment_namespace() {
  jq -r --arg deployment "$1" '.[] | select(.kind == "Deployment" and .metadata.name == $deployment)
    | .metadata.namespace // "default"' "$OBJECTS"
}

# The container's environment as NAME=VALUE lines, expanded as the kubelet does: $(NAME) takes
# the value of a variable defined earlier in the list; metadata.namespace is the Deployment's.
pod_environment() {
  jq_pod "$1" 'reduce (.container.env // [])[] as $e ({};
      . as $known
      | . + {($e.name): (if $e.valueFrom.fieldRef.fieldPath == "metadata.namespace" then $namespace
                         else reduce ($known | to_entries[]) as $k ($e.value // "";
                           split("$(" + $k.key + ")") | join($k.value)) end)})
    | to_entries[] | "\(.key)=\(.value)"' --arg namespace "$(deployment_namespace "$1")"
}

# The arguments of `docker run` that the pod's spec declares, one a line (SECRETS: the folder of
# the Secrets' stand-ins, one folder per volume name).
pod_run_arguments() {
  jq_pod "$1" '
    def megabytes: if test("Gi$") then (.[:-2] | tonumber * 1024 | tostring) + "m"
                   elif test("Mi$") then .[:-2] + "m" else error("size \(.) not in Mi or Gi") end;
    def cpus: if test("m$") then (.[:-1] | tonumber / 1000 | tostring) else . end;
    .pod as $pod | .container as $c
    | ($pod.securityContext // {}) as $ps | ($c.securityContext // {}) as $cs
    | ("--user", "\($cs.runAsUser // $ps.runAsUser):\($cs.runAsGroup // $ps.runAsGroup // 0)"),
      (if $ps.fsGroup then "--group-add", "\($ps.fsGroup)" else empty end),
      (if $cs.readOnlyRootFilesystem then "--read-only" else empty end),
      (($cs.capabilities.drop // [])[] | ("--cap-drop", .)),
      (($cs.capabilities.add // [])[] | ("--cap-add", .)),
      (if $cs.allowPrivilegeEscalation == false then "--security-opt", "no-new-privileges:true" else empty end),
      (if ($cs.seccompProfile // $ps.seccompProfile).type == "RuntimeDefault" then empty
       else "--security-opt", "seccomp=unconfined" end),
      (($ps.sysctls // [])[] | ("--sysctl", "\(.name)=\(.value)")),
      (($pod.hostAliases // [])[] as $h | $h.hostnames[] | ("--add-host", "\(.):\($h.ip)")),
      (if $c.resources.limits.memory then "--memory", ($c.resources.limits.memory | megabytes) else empty end),
      (if $c.resources.limits.cpu then "--cpus", ($c.resources.limits.cpu | cpus) else empty end),
      (($c.volumeMounts // [])[] as $m | ($pod.volumes[] | select(.name == $m.name)) as $v
       | if $v.emptyDir then "--tmpfs", "\($m.mountPath):size=\($v.emptyDir.sizeLimit | megabytes)"
         elif $v.secret and $m.readOnly then "--volume", "\($secrets)/\($v.name):\($m.mountPath):ro"
         else error("volume \($v.name) at \($m.mountPath): neither an emptyDir nor a read-only Secret") end)' --arg secrets "$2"
}

# The stand-in of each Secret volume of the pod: a folder with a fresh localhost pair (the
# edge refuses the project's committed one beyond loopback, as in any cluster) as a
# kubernetes.io/tls Secret's keys, owned as the kubelet makes them (root, the pod's fsGroup)
# with the volume's defaultMode.
make_secrets() {
  local deployment=$1 secrets=$2 volume mode group
  group=$(jq_pod "$deployment" '.pod.securityContext.fsGroup // 0')
  while read -r volume mode; do
    mkdir -p "$secrets/$volume"
    cp "$OPERATOR_PAIR.crt" "$secrets/$volume/tls.crt"
    cp "$OPERATOR_PAIR.key" "$secrets/$volume/tls.key"
    # shellcheck disable=SC2016 # runs in the container
    as_engine_root "$secrets" sh -c 'chown "0:$0" "$2"/tls.* && chmod "$1" "$2"/tls.*' \
      "$group" "$(printf '%o' "$mode")" "$secrets/$volume"
    chmod 0755 "$secrets/$volume"
  done < <(jq_pod "$deployment" '.pod.volumes[] | select(.secret) | "\(.name) \(.secret.defaultMode // 420)"')
}

# run_pod DEPLOYMENT [DOCKER ARGS...]: starts the pod's container as its manifest declares;
# prints the arguments it derived.
run_pod() {
  local deployment=$1 secrets=$WORK_DIR/secrets-$1 arguments=() environment=() line
  shift
  make_secrets "$deployment" "$secrets"
  mapfile -t arguments < <(pod_run_arguments "$deployment" "$secrets")
  while IFS= read -r line; do environment+=(--env "$line"); done < <(pod_environment "$deployment")
  ((${#arguments[@]})) || return 1
  # The image as built here, never pulled: a tag the build did not make fails the start (`||
  # return`: check runs this where set -e does not apply, and the printf would pass it).
  docker run -d --pull never --name "$PREFIX$deployment" --network "$NETWORK" "$@" "${arguments[@]}" "${environment[@]}" \
    "$(jq_pod "$deployment" '.container.image')" >/dev/null || return 1
  printf '%s ' "${arguments[@]}" | sed "s|$WORK_DIR/||g"
}

# pod_address DEPLOYMENT: its pod's address on the cluster's network.
pod_address() {
  address_on "$NETWORK" "$PREFIX$1"
}

# What process 1 of the container runs as, from the kernel: uid, gid, effective capabilities,
# no_new_privs, seccomp mode (2: a filter).
process_credentials() {
  docker exec "$PREFIX$1" sh -c 'id -u; id -g; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/1/status' |
    awk '{ print $NF }' | paste -sd ' '
}

runs_as_declared() {
  local deployment=$1 expected
  expected=$(jq_pod "$deployment" '"\(.pod.securityContext.runAsUser) \(.pod.securityContext.runAsGroup // 0) 0000000000000000 1 2"')
  equals "$expected" "$(process_credentials "$deployment")"
}

# Writes fail on the root filesystem for being read-only (a non-root user's write could fail
# for want of permission alone), and succeed in each emptyDir.
writes_only_to_empty_dirs() {
  local deployment=$1 path written=() refusal
  refusal=$(docker exec "$PREFIX$deployment" sh -c 'touch /.probe 2>&1; true')
  [[ $refusal == *"Read-only file system"* ]] || { echo "a write to the root: '${refusal:-it took the write}'"; return 1; }
  while read -r path; do
    docker exec "$PREFIX$deployment" sh -c "touch '$path/.probe' && rm '$path/.probe'" || {
      echo "$path is not writable"
      return 1
    }
    written+=("$path")
  done < <(jq_pod "$deployment" '.container.volumeMounts[] as $m | .pod.volumes[]
                                  | select(.name == $m.name and .emptyDir) | $m.mountPath')
  echo "root read-only; writable: ${written[*]}"
}

# probe_once DEPLOYMENT PROBE_JSON: one call of the probe, as the kubelet makes it, from a
# container on the cluster's network (the probe's timeout bounds the call there, not the
# container's start).
probe_once() {
  local deployment=$1 probe=$2 timeout port address code
  timeout=$(jq -r '.timeoutSeconds // 1' <<<"$probe")
  port=$(jq -r '(.httpGet // .tcpSocket).port // empty' <<<"$probe")
  if [[ -n $port && ! $port =~ ^[0-9]+$ ]]; then
    port=$(jq_pod "$deployment" ".container.ports[] | select(.name == \"$port\") | .containerPort" | head -1)
  fi
  address=$(pod_address "$deployment") || { echo "no address"; return 1; }
  if jq -e .httpGet >/dev/null <<<"$probe"; then
    code=$(tool_on "$NETWORK" curl -s -o /dev/null -w '%{http_code}' --noproxy '*' --max-time "$timeout" \
      "http://$address:$port$(jq -r .httpGet.path <<<"$probe")") || true
    echo "HTTP $code"
    ((code >= 200 && code < 400))
  elif jq -e .tcpSocket >/dev/null <<<"$probe"; then
    tool_on "$NETWORK" timeout "$timeout" bash -c "exec 3<>/dev/tcp/$address/$port" 2>/dev/null && echo "connected to $port"
  else
    local command=()
    mapfile -t command < <(jq -r '.exec.command[]' <<<"$probe")
    timeout "$timeout" docker exec "$PREFIX$deployment" "${command[@]}" && echo "exit 0"
  fi
}

# probe_within_budget DEPLOYMENT KIND SINCE_MS: the probe tried as the kubelet tries it, from
# SINCE_MS on; prints the attempt and time of its first success, fails past its budget.
probe_within_budget() {
  local deployment=$1 kind=$2 since=$3 probe delay period threshold attempt=0 answer elapsed
  probe=$(jq_pod "$deployment" ".container.$kind // empty")
  [[ -n $probe ]] || { echo "no $kind"; return 1; }
  delay=$(jq -r '.initialDelaySeconds // 0' <<<"$probe")
  period=$(jq -r '.periodSeconds // 10' <<<"$probe")
  threshold=$(jq -r '.failureThreshold // 3' <<<"$probe")
  sleep_until $((since + delay * 1000))
  while true; do
    attempt=$((attempt + 1))
    if answer=$(probe_once "$deployment" "$probe" 2>&1); then
      elapsed=$(($(now_ms) - since))
      printf '%s, attempt %d, %d.%03d s; budget %d s\n' "$(tr '\n' ' ' <<<"$answer" | sed 's/ *$//')" \
        "$attempt" $((elapsed / 1000)) $((elapsed % 1000)) $((delay + threshold * period))
      PROBE_SUCCEEDED_MS=$(now_ms)
      return 0
    fi
    if ((attempt >= threshold)); then
      echo "failed $attempt times in $((delay + threshold * period)) s, last: $answer"
      return 1
    fi
    sleep_until $((since + (delay + attempt * period) * 1000))
  done
}

sleep_until() {
  local wait_ms=$(($1 - $(now_ms)))
  if ((wait_ms > 0)); then
    sleep "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"
  fi
}

# check_pod DEPLOYMENT [DOCKER ARGS...]: starts the pod and checks it as the kubelet would.
check_pod() {
  local deployment=$1 started
  shift
  started=$(now_ms)
  check "$deployment: starts on Docker under its manifest's constraints" run_pod "$deployment" "$@"
  last_check_passed || return 0
  check "$deployment: process 1 runs as the pod's user, no capabilities, no_new_privs, seccomp filter (uid gid CapEff NoNewPrivs Seccomp)" \
    runs_as_declared "$deployment"
  PROBE_SUCCEEDED_MS=$started
  check "$deployment: startupProbe succeeds within its budget" probe_within_budget "$deployment" startupProbe "$started"
  started=$PROBE_SUCCEEDED_MS
  check "$deployment: readinessProbe succeeds within its budget" probe_within_budget "$deployment" readinessProbe "$started"
  check "$deployment: livenessProbe succeeds within its budget" probe_within_budget "$deployment" livenessProbe "$started"
  check "$deployment: writes only to its emptyDir paths" writes_only_to_empty_dirs "$deployment"
}

# The Service name that APP_UPSTREAM gives nginx, without the port.
upstream_name() {
  pod_environment "$EDGE" | sed -n 's/^APP_UPSTREAM=//p' | sed 's/:[0-9]*$//'
}

edge_serves_the_app() {
  local body address
  address=$(pod_address "$EDGE") || { echo "the edge has no address"; return 1; }
  body=$(tool_on "$NETWORK" curl --silent --max-time 10 --cacert "$OPERATOR_PAIR.crt" --noproxy '*' \
    --connect-to "$EDGE_HOST:443:$address:443" "https://$EDGE_HOST/") || true
  if [[ $body != "$QUOTE"* ]]; then
    echo "expected the quote, got: ${body:0:200}"
    return 1
  fi
  echo "GET / at the edge's address answered the quote"
}

# graceful_stop DEPLOYMENT: the preStop hook, then the image's stop signal, as the kubelet does;
# the container must be gone within terminationGracePeriodSeconds, not killed at its end.
graceful_stop() {
  local deployment=$1 grace started command=() elapsed exit_code
  grace=$(jq_pod "$deployment" '.pod.terminationGracePeriodSeconds // 30')
  mapfile -t command < <(jq_pod "$deployment" '.container.lifecycle.preStop.exec.command[]')
  started=$(now_ms)
  timeout "$grace" docker exec "$PREFIX$deployment" "${command[@]}" || { echo "preStop failed"; return 1; }
  elapsed=$((($(now_ms) - started) / 1000))
  docker stop -t $((grace - elapsed)) "$PREFIX$deployment" >/dev/null
  elapsed=$(($(now_ms) - started))
  exit_code=$(docker inspect --format '{{.State.ExitCode}}' "$PREFIX$deployment")
  printf 'preStop %s, stopped after %d.%03d s of %d s, exit %s\n' "${command[*]}" \
    $((elapsed / 1000)) $((elapsed % 1000)) "$grace" "$exit_code"
  ((exit_code != 137 && elapsed < grace * 1000))
}

main() {
  cd "$REPO_ROOT"
  generate_keypair "$WORK_DIR" operator
  check "the production images build from this checkout" build_production_images
  last_check_passed || { checks_summary kubernetes; return 1; }
  check "kubectl kustomize $BASE renders, read offline as JSON" render
  last_check_passed || { checks_summary kubernetes; return 1; }
  docker network create "$NETWORK" >/dev/null
  local alias
  alias=$(upstream_name)
  check_pod "$APP" --network-alias "$alias"
  check_pod "$EDGE"
  check "$EDGE: reaches the app by APP_UPSTREAM's name ($alias)" edge_serves_the_app
  check "$EDGE: preStop, then the stop signal, ends it within terminationGracePeriodSeconds" graceful_stop "$EDGE"
  check "$APP: preStop, then the stop signal, ends it within terminationGracePeriodSeconds" graceful_stop "$APP"
  checks_summary kubernetes
}

main "$@"
