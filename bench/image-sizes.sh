#!/usr/bin/env bash
# image-sizes.sh: each final image's size, the size of what the project adds over its base image
# (the layers of its own, listed), whether any image carries build tools, and the size of each
# build context.
set -euo pipefail

export BENCH=image-sizes
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

size_bytes() { docker image inspect --format '{{.Size}}' "$1"; }
as_mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
as_kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e3 }'; }
# as_size BYTES: in kB under a megabyte (where MB would round a small layer to 0.0), else in MB.
as_size() { awk -v b="$1" 'BEGIN { if (b < 1e6) printf "%.1f kB", b / 1e3; else printf "%.1f MB", b / 1e6 }'; }

base_of() {
  case $1 in
    "$DEV_IMAGE") use_base_images && echo "$LIBERTY_IMAGE" ;;
    *) docker image inspect --format '{{index .Config.Labels "org.opencontainers.image.base.name"}}' "$1" ;;
  esac
}

# The image's own layers (those above its base), newest first: "bytes<TAB>instruction".
own_layers() {
  local image=$1 base=$2 own
  own=$(($(docker history -q "$image" | wc -l) - $(docker history -q "$base" | wc -l)))
  docker history --no-trunc --human=false --format '{{.Size}}	{{.CreatedBy}}' "$image" | head -n "$own" |
    awk -F'\t' '$1 != "0" { gsub(/\/bin\/sh -c |\|[0-9]+ [A-Z_]+=[^ ]* /, "", $2); gsub(/  +/, " ", $2); printf "%s\t%.100s\n", $1, $2 }'
}

# The bytes of an image's own COPY layers: the project's files (WAR, configuration, scripts), as
# opposed to what the base image's scripts made in RUN steps.
copied_bytes() {
  own_layers "$1" "$2" | awk -F'\t' '$2 ~ /^COPY/ { total += $1 } END { print total + 0 }'
}

# The build context as Docker's classic builder reports it before it reads the Dockerfile (BuildKit
# sends only what changed since its last build). No image is built: the target does not exist.
context_bytes() {
  local dockerfile=$1 context=$2 line
  line=$(cd "$REPO_ROOT" && DOCKER_BUILDKIT=0 docker build -f "$dockerfile" --target no-such-stage \
    "$context" 2>&1 | tr -d '\r' | sed -n 's/^Sending build context to Docker daemon *//p' | tail -n 1)
  [[ -n $line ]] || die "docker did not report the build context of $dockerfile"
  awk -v s="$line" 'BEGIN { n = s + 0; if (s ~ /kB$/) n *= 1e3; else if (s ~ /MB$/) n *= 1e6; print n }'
}

main() {
  local image base size added copied tools found="" bytes instruction
  for image in "$PRODUCTION_IMAGE" "$EDGE_IMAGE" "$DEV_IMAGE"; do
    docker image inspect "$image" >/dev/null 2>&1 || die "$image is missing: build it first (rebuild.sh)"
    base=$(base_of "$image")
    size=$(size_bytes "$image")
    added=$((size - $(size_bytes "$base")))
    case $image in
      "$PRODUCTION_IMAGE")
        copied=$(copied_bytes "$image" "$base")
        row "Image: production app ($image): size; added over the official Liberty image ($base)" \
          "$(as_mb "$size") MB; added $(as_kb "$added") kB, of which WAR and configuration $(as_kb "$copied") kB, the rest made by features.sh and configure.sh" \
          "-" "WAR and configuration ≤ 2 MB" "$(at_most "$(as_mb "$copied")" 2 MB)" ;;
      *)
        row "Image: $image, added over $base" "$(as_mb "$size") MB, added $(as_size "$added")" \
          "-" "none set" "-" ;;
    esac
    detail "$image: the project's layers over $base, newest first"
    while IFS=$'\t' read -r bytes instruction; do
      detail "    $(as_kb "$bytes") kB: $instruction"
    done < <(own_layers "$image" "$base")
  done

  for image in "$PRODUCTION_IMAGE" "$EDGE_IMAGE"; do
    tools=$(build_tools_in "$image" | tr '\n' ' ') || die "could not run $image to look for build tools"
    [[ -z ${tools// /} ]] || found+="$image: $tools"
  done
  row "Build tools ($BUILD_TOOLS) in the final images" "${found:-none}" "-" "none" \
    "$([[ -z $found ]] && echo met || echo missed)"

  row "Build context: app (repository root) / nginx (nginx/)" \
    "$(as_kb "$(context_bytes app/Dockerfile .)") kB / $(as_kb "$(context_bytes nginx/Dockerfile nginx)") kB" \
    "-" "none set" "-"
}

main "$@"
