#!/usr/bin/env bash
# hardening.sh: audit of the running containers (app, nginx) and the project's three images.
# Read-only: it starts nothing but short-lived `docker run --rm --network none` probes of images.
# Run alone or from run-suite.sh, against the running stack.
set -euo pipefail

export PART=hardening  # names this part in log, die and its markers
# shellcheck source=test/lib/edge.sh
source "$(dirname "$0")/../lib/edge.sh"

readonly PRODUCTION_IMAGES=("$PRODUCTION_IMAGE" "$EDGE_IMAGE")

lacks_word() {
  ! grep -qw -- "$1" <<<"$2"
}

runtime_settings() {
  local container=$1 settings
  settings=$(docker inspect --format 'read_only={{.HostConfig.ReadonlyRootfs}} privileged={{.HostConfig.Privileged}} cap_drop={{.HostConfig.CapDrop}} cap_add={{.HostConfig.CapAdd}} security_opt={{.HostConfig.SecurityOpt}} network={{.HostConfig.NetworkMode}} pid={{.HostConfig.PidMode}}' "$container")
  settings=${settings% pid=}
  [[ $settings == *" pid="* ]] || settings+=" pid=private"
  # Read-only root, no capabilities, no privilege gain, limits: validate.sh's
  # containers_are_hardened (test/lib/properties.sh).
  local network=${settings#* network=}
  network=${network%% *}
  check "$container: neither the host's network nor its PID namespace" equals "network ${network}, pid private" \
    "network ${network/#host/HOST}, pid ${settings##* pid=}"
  check "$container: no Docker socket mounted" equals "" \
    "$(docker inspect --format '{{range .Mounts}}{{.Source}} {{end}}' "$container" | tr ' ' '\n' | grep -F docker.sock || true)"
}

# What the kernel says about every process in the container.
process_state() {
  local container=$1 status uids caps
  # shellcheck disable=SC2016 # runs in the container
  status=$(docker exec "$container" sh -c 'for f in /proc/[0-9]*/status; do cat "$f" 2>/dev/null; done')
  uids=$(awk '$1 == "Uid:" {print $2, $3, $4, $5}' <<<"$status" | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/ $//')
  check "$container: no process runs as root (real, effective, saved, fs uids)" holds "no uid 0" "uids $uids" \
    lacks_word 0 "$uids"
  caps=$(awk '$1 ~ /^Cap(Inh|Prm|Eff|Bnd|Amb):$/ || $1 == "NoNewPrivs:" {print $1 $2}' <<<"$status" | sort -u | tr '\n' ' ' | sed 's/ $//')
  check "$container: no capabilities in any set, NoNewPrivs for every process" equals \
    "CapAmb:0000000000000000 CapBnd:0000000000000000 CapEff:0000000000000000 CapInh:0000000000000000 CapPrm:0000000000000000 NoNewPrivs:1" \
    "$caps"
  check "$container: /proc/1/status CapEff" equals "0000000000000000" \
    "$(docker exec "$container" sh -c 'sed -n "s/^CapEff:[[:space:]]*//p" /proc/1/status')"
  check "$container: writing to the root filesystem fails" equals "Read-only file system" \
    "$(docker exec "$container" sh -c 'touch /.hardening-probe 2>&1; true' | grep -o 'Read-only file system' || echo writable)"
}

# No private key in the layers the project adds, nor anything secret-looking in the history (the
# project's own key in no layer at all: validate.sh's key_in_no_image). The base images' own files are their publishers' to
# judge: Debian's GnuTLS, which curl brings into the official nginx image, embeds the private
# keys of its self-tests.
no_secrets_in_images() {
  local image workdir layers history hits
  for image in "${PROJECT_IMAGES[@]}"; do
    workdir=$(mktemp -d)
    docker save "$image" | tar -x -C "$workdir"
    layers=$(added_layer_files "$image" "$workdir")
    check "$image: layers added over the base images found" holds "at least one" \
      "$(wc -w <<<"$layers") of $(layer_ids "$image" | wc -l)" [ -n "$layers" ]
    # shellcheck disable=SC2086 # file names without spaces, from mktemp and docker save
    check "$image: no PEM private key block in the layers it adds" equals 0 "$(cat $layers /dev/null | pem_key_blocks)"
    rm -rf "$workdir"
    history=$(docker history --no-trunc --format '{{.CreatedBy}}' "$image")
    hits=$(grep -ciE 'PRIVATE KEY|password=|passwd=|secret=|token=|api[_-]?key=' <<<"$history" || true)
    check "$image: no secret-looking value in the image history" equals 0 "$hits"
  done
}

layer_ids() {
  docker image inspect --format '{{range .RootFS.Layers}}{{println .}}{{end}}' "$1" | sed '/^$/d'
}

# added_layer_files IMAGE DIR: the layer tars, in DIR (IMAGE as `docker save` wrote it), that
# none of the base images has. A layer tar's sha256 is its diff id, whatever the save format
# (<id>/layer.tar up to Engine 24, OCI blobs/sha256/ after).
added_layer_files() {
  local added file base
  added=$(comm -23 <(layer_ids "$1" | sort -u) \
    <(for base in $(base_images); do layer_ids "$base"; done | sort -u))
  find "$2" -type f \( -name layer.tar -o -path '*/blobs/sha256/*' \) | while read -r file; do
    if grep -qxF "sha256:$(sha256sum "$file" | cut -d' ' -f1)" <<<"$added"; then
      printf '%s\n' "$file"
    fi
  done
}

# PEM private key blocks in a byte stream: a BEGIN ... PRIVATE KEY line followed by a line of
# base64. TLS and SSH libraries also carry the BEGIN line alone, as a string to parse for.
pem_key_blocks() {
  perl -ne 'BEGIN { $n = 0 } $n++ if $key && /^[A-Za-z0-9+\/]{40,}={0,2}\r?$/;
    $key = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----\r?$/; END { print $n }'
}

no_build_tools() {
  local image found lists
  for image in "${PRODUCTION_IMAGES[@]}"; do
    found=$(build_tools_in "$image" 2>&1 | tr '\n' ' ' | sed 's/ $//')
    check "$image: no build tools ($BUILD_TOOLS)" equals "none" "${found:-none}"
    lists=$(docker run --rm --network none --user 65534 --entrypoint /bin/sh "$image" -c \
      'ls /var/lib/apt/lists 2>/dev/null | grep -v -e "^lock$" -e "^partial$" -e "^auxfiles$" | wc -l')
    check "$image: no apt package lists" equals 0 "$lists"
  done
}

main() {
  require_stack
  local container
  for container in "$APP" "$NGINX"; do
    runtime_settings "$container"
    process_state "$container"
  done
  no_secrets_in_images
  no_build_tools
  checks_summary "$PART"
}

main "$@"
