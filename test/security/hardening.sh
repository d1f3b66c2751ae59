#!/usr/bin/env bash
# hardening.sh: audit of the running containers (app, nginx) and the project's three images.
# Read-only: it starts nothing but short-lived `docker run --rm --network none` probes of images.
# Run alone or from run-suite.sh, against the running stack.
set -euo pipefail

export PART=hardening  # names this part in log, die and its markers
# shellcheck source=test/lib/properties.sh
source "$(dirname "$0")/../lib/properties.sh"

readonly PRODUCTION_IMAGES=("$PRODUCTION_IMAGE" "$EDGE_IMAGE")

# own_namespaces CONTAINER: on one of the stack's own networks, not the host's, and in a PID
# namespace of its own.
own_namespaces() {
  local modes network pid
  modes=$(docker inspect --format '{{.HostConfig.NetworkMode}} {{.HostConfig.PidMode}}' "$1") || return 1
  read -r network pid <<<"$modes"
  networks_of "$1" | grep -qx -- "$network" || { echo "network mode '$network', not one of its networks"; return 1; }
  [[ -z $pid ]] || { echo "network $network, pid '$pid'"; return 1; }
  echo "network $network, pid private"
}

# no_docker_socket CONTAINER: none of its mounts is the Docker socket.
no_docker_socket() {
  local sources
  sources=$(docker inspect --format '{{range .Mounts}}{{println .Source}}{{end}}' "$1") || return 1
  if grep -F docker.sock <<<"$sources"; then return 1; fi
  echo "$(grep -c . <<<"$sources") mounts, none the socket"
}

runtime_settings() {
  # Read-only root, no capabilities and no privilege gain in effect: container_checks; as
  # configured, with the limits: validate.sh's containers_are_hardened (test/lib/properties.sh).
  check "$1: neither the host's network nor its PID namespace" own_namespaces "$1"
  check "$1: no Docker socket mounted" no_docker_socket "$1"
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
    check "$image: no PEM private key block in the layers it adds" no_pem_key_in "$layers"
    rm -rf "$workdir"
    history=$(docker history --no-trunc --format '{{.CreatedBy}}' "$image")
    hits=$(grep -ciE 'PRIVATE KEY|password=|passwd=|secret=|token=|api[_-]?key=' <<<"$history" || true)
    check "$image: no secret-looking value in the image history" equals 0 "$hits"
  done
}

# no_pem_key_in LAYERS: the layer tars LAYERS (one a line, one at least) hold no PEM private key.
no_pem_key_in() {
  local blocks
  [[ -n $1 ]] || { echo "no layer to search"; return 1; }
  # shellcheck disable=SC2086 # file names without spaces, from mktemp and docker save
  blocks=$(cat $1 | pem_key_blocks)
  equals 0 "$blocks"
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
# base64. TLS and SSH libraries also carry the BEGIN line alone, as a string to parse for. Perl
# from the tools image: it reads binary layers line by line the same way everywhere.
# shellcheck disable=SC2016 # Perl's own variables
pem_key_blocks() {
  tool perl -ne 'BEGIN { $n = 0 } $n++ if $key && /^[A-Za-z0-9+\/]{40,}={0,2}\r?$/;
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
    container_checks "$container"
  done
  no_secrets_in_images
  no_build_tools
  checks_summary "$PART"
}

main "$@"
