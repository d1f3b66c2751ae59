#!/usr/bin/env bash
# line-endings.sh: a checkout made the way Git for Windows makes it (core.autocrlf=true) holds
# the same bytes as this one: no CR in any file, the keypair unchanged (.gitattributes). Clones
# the committed HEAD into a temporary folder. Ends with `line-endings: N passed, M failed`.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=test/lib/checks.sh
source "$REPO_ROOT/test/lib/checks.sh"

CLONE=$(mktemp -d)
trap 'rm -rf "$CLONE"' EXIT

# files_with_cr DIR: the tracked files of DIR's checkout that hold a carriage return.
files_with_cr() {
  (cd "$1" && git ls-files -z | xargs -0 grep -l $'\r' -- 2>/dev/null | tr '\n' ' ') || true
}

sha256_of() {
  openssl dgst -sha256 -r "$1" | cut -d' ' -f1
}

main() {
  git -c core.autocrlf=true clone -q "$REPO_ROOT" "$CLONE/checkout"
  check "a core.autocrlf=true checkout has no CR in any file" equals "" "$(files_with_cr "$CLONE/checkout")"
  local file
  for file in nginx/files/localhost.crt nginx/files/localhost.key; do
    check "a core.autocrlf=true checkout keeps $file byte for byte" \
      equals "$(cd "$REPO_ROOT" && git cat-file blob "HEAD:$file" | openssl dgst -sha256 -r | cut -d' ' -f1)" \
      "$(sha256_of "$CLONE/checkout/$file")"
  done
  checks_summary line-endings
}

main "$@"
