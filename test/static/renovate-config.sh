#!/usr/bin/env bash
# renovate-config.sh: renovate.json as Renovate itself reads it. Its validator accepts it
# (--strict: nor would it migrate anything), and its dockerfile manager finds every base image
# that the Dockerfiles name as an ARG default, the ones renovate.json pins by digest. Renovate
# comes from npm once, into a directory of its own outside the repository (RENOVATE_CACHE,
# default ~/.cache/quote-service). Needs node and npm; no Docker, no stack.
set -euo pipefail

readonly PART=renovate-config
# shellcheck source=test/lib/checks.sh
source "$(dirname "$0")/../lib/checks.sh"
cd "$REPO_ROOT"

# The last line that runs on Node 20 (39.x: ^20.15.1 || ^22.11.0; 40 and later need 22 or 24).
readonly RENOVATE_VERSION=39.264.1
readonly RENOVATE_DIR=${RENOVATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/quote-service}/renovate-$RENOVATE_VERSION
# About 800 packages: minutes on a cold npm cache. The validator takes seconds.
readonly INSTALL_SECONDS=900 VALIDATE_SECONDS=120

# Into a fresh directory renamed into place at the end, so that an interrupted install is never
# taken for a finished one. No install scripts: they only build native modules (RE2, SQLite)
# that the validator and the extractor do without.
install_renovate() {
  local partial=$RENOVATE_DIR.partial started=$SECONDS
  INSTALL_TOOK=""
  if [[ -x $RENOVATE_DIR/node_modules/.bin/renovate-config-validator ]]; then
    echo "already in $RENOVATE_DIR"
    return 0
  fi
  rm -rf "$partial"
  mkdir -p "$partial"
  if ! timeout "$INSTALL_SECONDS" npm install --prefix "$partial" --no-save --no-audit --no-fund \
    --ignore-scripts --omit=optional --loglevel=error "renovate@$RENOVATE_VERSION" >"$partial/npm.log" 2>&1; then
    echo "npm install failed or took over $INSTALL_SECONDS s:"
    tail -n 5 "$partial/npm.log"
    rm -rf "$partial"
    return 1
  fi
  mv "$partial" "$RENOVATE_DIR"
  INSTALL_TOOK=$((SECONDS - started))
}

validate_config() {
  local started=$SECONDS status=0
  timeout "$VALIDATE_SECONDS" "$RENOVATE_DIR/node_modules/.bin/renovate-config-validator" --strict renovate.json || status=$?
  VALIDATE_TOOK=$((SECONDS - started))
  return "$status"
}

# The images that Renovate's dockerfile manager extracts from the Dockerfiles, as IMAGE:TAG (and
# @DIGEST once pinned), one a line: what it will pin and update. Its extractor is an internal
# module, so it is read at the pinned version only.
renovate_base_images() {
  NODE_PATH=$RENOVATE_DIR/node_modules timeout "$VALIDATE_SECONDS" node - app/Dockerfile nginx/Dockerfile <<'JS'
const fs = require('fs');
const { extractPackageFile } = require('renovate/dist/modules/manager/dockerfile/extract');
for (const file of process.argv.slice(2)) {
  for (const dep of extractPackageFile(fs.readFileSync(file, 'utf8'), file, {})?.deps ?? []) {
    if (!dep.skipReason) {
      console.log(`${dep.depName}:${dep.currentValue}${dep.currentDigest ? `@${dep.currentDigest}` : ''}`);
    }
  }
}
JS
}

# Every ARG default of an image in the Dockerfiles (the official names that users pull).
dockerfile_base_images() {
  sed -n 's/^ARG [A-Z_]*_IMAGE=//p' app/Dockerfile nginx/Dockerfile
}

renovate_finds_base_images() {
  local found
  found=$(renovate_base_images | sort -u) || return 1
  equals "$(dockerfile_base_images | sort -u)" "$found"
}

main() {
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "$PART: node and npm are needed" >&2
    exit 2
  fi
  check "renovate $RENOVATE_VERSION from npm, on node $(node --version)" install_renovate
  [[ -z ${INSTALL_TOOK:-} ]] || figure "npm install of renovate $RENOVATE_VERSION took $INSTALL_TOOK s"
  check "renovate-config-validator --strict accepts renovate.json" validate_config
  figure "renovate-config-validator took $VALIDATE_TOOK s"
  check "Renovate's dockerfile manager finds each base image of the Dockerfiles' ARG defaults" renovate_finds_base_images
  checks_summary "$PART"
}

main "$@"
