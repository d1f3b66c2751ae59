#!/usr/bin/env bash
# renovate-config.sh: renovate.json as Renovate itself reads it. Its validator accepts it
# (--strict: nor would it migrate anything), and its dockerfile manager finds every base image
# that the Dockerfiles name as an ARG default, the ones renovate.json pins by digest. Renovate
# runs on the tests' tools image's Node (test/lib/tools.sh), installed from npm once into the
# volume RENOVATE_VOLUME (default quote-test-renovate; `docker volume rm` it to reclaim the
# space). Needs Docker and the npm registry; no stack.
set -euo pipefail

readonly PART=renovate-config
# shellcheck source=test/lib/tools.sh
source "$(dirname "$0")/../lib/tools.sh"
cd "$REPO_ROOT"

# The last line that runs on Node 20 (39.x: ^20.15.1 || ^22.11.0; 40 and later need 22 or 24).
readonly RENOVATE_VERSION=39.264.1
readonly RENOVATE_VOLUME=${RENOVATE_VOLUME:-quote-test-renovate}
# Where the containers mount the volume, and the install's directory there.
readonly RENOVATE_HOME=/var/renovate
readonly RENOVATE_DIR=$RENOVATE_HOME/renovate-$RENOVATE_VERSION
# About 800 packages: minutes on a cold npm cache. The validator takes seconds.
readonly INSTALL_SECONDS=900 VALIDATE_SECONDS=120

# in_renovate_volume SECONDS COMMAND ARGS...: COMMAND in the tools image, the volume mounted.
in_renovate_volume() {
  TOOLS_VOLUME=$RENOVATE_VOLUME:$RENOVATE_HOME tool_within "$@"
}

# Into a fresh directory renamed into place at the end, so that an interrupted install is never
# taken for a finished one. No install scripts: they only build native modules (RE2, SQLite)
# that the validator and the extractor do without. npm keeps its cache in the volume too, never
# in the container's HOME (the caller's TMPDIR).
# shellcheck disable=SC2016 # runs in the container: $0 the directory, $1 the package
readonly NPM_INSTALL='rm -rf "$0.partial" && mkdir -p "$0.partial" &&
  if npm install --prefix "$0.partial" --cache "${0%/*}/npm-cache" --no-update-notifier --no-save \
    --no-audit --no-fund --ignore-scripts --omit=optional --loglevel=error "$1" >"$0.partial/npm.log" 2>&1; then
    mv "$0.partial" "$0"
  else
    tail -n 5 "$0.partial/npm.log"
    rm -rf "$0.partial"
    exit 1
  fi'

# A machine whose TLS to the registry passes an inspecting proxy names the proxy's CA in
# NODE_EXTRA_CA_CERTS, as Node reads it: npm in the container reads a copy under TMPDIR.
install_renovate() {
  local started status=0 ca_copy="" ca=()
  INSTALL_TOOK=""
  # shellcheck disable=SC2016 # runs in the container
  if in_renovate_volume "$VALIDATE_SECONDS" sh -c 'node --version && test -x "$0"' \
    "$RENOVATE_DIR/node_modules/.bin/renovate-config-validator"; then
    echo "already in the volume $RENOVATE_VOLUME"
    return 0
  fi
  started=$SECONDS
  if [[ -n ${NODE_EXTRA_CA_CERTS:-} ]]; then
    ca_copy=$(mktemp) && cp "$NODE_EXTRA_CA_CERTS" "$ca_copy" || return 1
    ca=(NODE_EXTRA_CA_CERTS="$ca_copy")
  fi
  in_renovate_volume "$INSTALL_SECONDS" env "${ca[@]}" sh -c "$NPM_INSTALL" "$RENOVATE_DIR" \
    "renovate@$RENOVATE_VERSION" || status=$?
  rm -f "$ca_copy"
  if ((status != 0)); then
    echo "npm install failed or took over $INSTALL_SECONDS s (status $status)"
    return 1
  fi
  INSTALL_TOOK=$((SECONDS - started))
}

validate_config() {
  local started=$SECONDS status=0
  in_renovate_volume "$VALIDATE_SECONDS" "$RENOVATE_DIR/node_modules/.bin/renovate-config-validator" \
    --strict renovate.json || status=$?
  VALIDATE_TOOK=$((SECONDS - started))
  return "$status"
}

# The images that Renovate's dockerfile manager extracts from the Dockerfiles, as IMAGE:TAG (and
# @DIGEST once pinned), one a line: what it will pin and update. Its extractor is an internal
# module, so it is read at the pinned version only.
renovate_base_images() {
  in_renovate_volume "$VALIDATE_SECONDS" env NODE_PATH="$RENOVATE_DIR/node_modules" \
    node - app/Dockerfile nginx/Dockerfile <<'JS'
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
  check "renovate $RENOVATE_VERSION from npm, on the tools image's node" install_renovate
  [[ -z ${INSTALL_TOOK:-} ]] || figure "npm install of renovate $RENOVATE_VERSION took $INSTALL_TOOK s"
  check "renovate-config-validator --strict accepts renovate.json" validate_config
  figure "renovate-config-validator took $VALIDATE_TOOK s"
  check "Renovate's dockerfile manager finds each base image of the Dockerfiles' ARG defaults" renovate_finds_base_images
  checks_summary "$PART"
}

main "$@"
