#!/usr/bin/env bash
# rebuild.sh: build times. The images built last are those of the checkout as it is, so that the
# benchmarks after this one measure them.
#   1. cold: `docker-compose build --no-cache` (dev app image and nginx image) and the production
#      image with --no-cache: every layer made again, every Maven artifact fetched again;
#   2. warm: one line added to QuoteResource.java (a comment: the unit tests check the quote itself,
#      and the production build runs them), the same builds with the cache;
#   3. the line put back, the images built once more (cache hits).
set -euo pipefail

export BENCH=rebuild
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

# timed_ms COMMAND...: runs COMMAND (output to stderr), prints its wall time in ms; fails when
# COMMAND fails, so that a broken build never passes for a fast one.
timed_ms() {
  local started
  started=$(now_ms)
  "$@" >&2 || { log "failed: $*"; return 1; }
  echo $(($(now_ms) - started))
}

# build_production cold|warm: cold makes every layer again.
build_production() {
  local -a options=()
  [[ $1 != cold ]] || options=(--no-cache)
  build_app_image --quiet -t "$PRODUCTION_IMAGE" "${options[@]}"
}

main() {
  local cold_compose cold_production warm_compose warm_production
  protect_sources true "$QUOTE_FILE"

  log "cold: docker-compose build --no-cache (app dev image, nginx)"
  cold_compose=$(timed_ms compose build --no-cache)
  log "cold: production image, --no-cache"
  cold_production=$(timed_ms build_production cold)

  printf '// rebuild benchmark %s, %s\n' "$(date +%s)" "$SOURCE_EDIT_MARK" >>"$QUOTE_FILE"
  log "warm: the same builds after a one-line edit of QuoteResource.java"
  warm_compose=$(timed_ms compose build)
  warm_production=$(timed_ms build_production warm)
  restore_sources

  log "the line put back: images of the checkout as it is"
  compose build >&2
  build_production warm >&2

  row "Rebuild: \`docker-compose build\` after a one-line Java edit, warm cache" \
    "$(ms_as_s "$warm_compose") s" "cold: $(ms_as_s "$cold_compose") s" "≤ 20 s" \
    "$(at_most "$(ms_as_s "$warm_compose")" 20 s)"
  row "Rebuild: production image after the same edit, warm cache" \
    "$(ms_as_s "$warm_production") s" "cold: $(ms_as_s "$cold_production") s" "none set" "-"
}

main "$@"
