#!/usr/bin/env bash
# list-image-packages.sh IMAGE [FILE]: the OS packages installed in IMAGE, one "NAME VERSION
# ARCH" a line, sorted, under a first line naming the image and its ID, written to FILE (default
# the repository's target/NAME.packages.txt, NAME the image's name without registry or tag),
# beside the WAR's SBOM. rpm for the official Liberty image (UBI), dpkg for Debian-based ones
# (the official nginx image): the image's own, in a throwaway container with no network.
set -euo pipefail

# dpkg first: a Debian image may carry rpm as a tool, with an empty database. Only packages
# installed ("ii"), not those removed with their configuration kept.
# shellcheck disable=SC2016 # expanded by the image's shell
readonly QUERY='if command -v dpkg-query >/dev/null 2>&1; then
  dpkg-query --show --showformat "\${db:Status-Abbrev}\${Package} \${Version} \${Architecture}\n" | sed -n "s/^ii *//p"
elif command -v rpm >/dev/null 2>&1; then
  rpm -qa --queryformat "%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\n"
else
  echo "neither dpkg-query nor rpm in the image" >&2; exit 3
fi'

main() {
  (($# == 1 || $# == 2)) || { echo "usage: $0 IMAGE [FILE]" >&2; exit 2; }
  local image=$1 name file id packages
  name=${image##*/}
  name=${name%%[:@]*}
  file=${2:-$(cd "$(dirname "$0")/.." && pwd)/target/$name.packages.txt}
  id=$(docker image inspect --format '{{.Id}}' "$image")
  packages=$(docker run --rm --network none --entrypoint sh "$image" -c "$QUERY" | LC_ALL=C sort)
  [[ -n $packages ]] || { echo "no installed package found in $image" >&2; exit 1; }
  mkdir -p "$(dirname "$file")"
  printf '# %s %s\n%s\n' "$image" "$id" "$packages" >"$file"
  echo "$file: $(wc -l <<<"$packages") packages of $image"
}

main "$@"
