#!/usr/bin/env bash
# base-images.sh: the base images a release builds on are the official ones. The Dockerfiles'
# ARG defaults are the official names and compose's build-arg defaults repeat them exactly; no
# project file names a test fixture; and on this engine no image under an official name is a
# fixture (test/fixtures/build-base-images.sh builds them under test-fixture.invalid/ only), so
# a build that is not told otherwise cannot take a stand-in for the official image. Run last
# by run-all-tests.sh, after every lane has built. Ends with `base-images: N passed, M failed`.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=test/lib/containers.sh
source "$REPO_ROOT/test/lib/containers.sh"

# compose_default ARG: the default of ARG in docker-compose.yml's `ARG: ${ARG:-DEFAULT}`.
compose_default() {
  sed -n "s/^ *$1: \${$1:-\([^}]*\)}.*/\1/p" "$REPO_ROOT/docker-compose.yml"
}

# files_naming_a_fixture: the project files (not the tests) that name a fixture image.
files_naming_a_fixture() {
  local rc=0
  (cd "$REPO_ROOT" && git grep -l -F "$FIXTURE_REGISTRY" -- app nginx deploy docker-compose.yml pom.xml src-liberty) || rc=$?
  # git grep's 1 is "none found"; anything else is an error, not an answer.
  ((rc <= 1)) || { echo "git grep failed (exit $rc)"; return "$rc"; }
}

# official_names_holding_a_fixture: the official base-image names whose image here carries the
# fixture label.
official_names_holding_a_fixture() {
  local arg official label
  for arg in $BASE_IMAGE_ARGS; do
    official=$(official_image "$arg")
    label=$(docker image inspect --format '{{index .Config.Labels "org.example.test-fixture"}}' "$official" 2>/dev/null) || continue
    [[ $label != true ]] || printf '%s ' "$official"
  done
}

# README's fixture check, run as it stands on the images the lanes built (the production pair,
# tagged :latest): each prints true exactly when its base image is a fixture.
readme_fixture_check_tells() {
  local expected="" image
  for image in "$LIBERTY_IMAGE" "$NGINX_IMAGE"; do
    if [[ $image == "$FIXTURE_REGISTRY"/* ]]; then expected+="true "; else expected+=" "; fi
  done
  equals "$expected" "$(bash -c "$(readme_block fixture-check)" | tr '\n' ' ')"
}

main() {
  local arg
  for arg in MAVEN_IMAGE LIBERTY_IMAGE NGINX_IMAGE; do
    check "compose's default for $arg is the Dockerfile's" equals "$(official_image "$arg")" "$(compose_default "$arg")"
  done
  check "no project file names a test fixture ($FIXTURE_REGISTRY)" equals "" "$(files_naming_a_fixture | tr '\n' ' ')"
  check "no image under an official base image's name is a test fixture" \
    equals "" "$(official_names_holding_a_fixture)"
  use_base_images
  check "README's fixture check tells images built on a fixture ($LIBERTY_IMAGE, $NGINX_IMAGE)" readme_fixture_check_tells
  checks_summary base-images
}

main "$@"
