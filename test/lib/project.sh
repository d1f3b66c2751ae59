# shellcheck shell=bash
# project.sh: facts the tests read from the project's own files, and the edits some of them make
# to those files. Sourced, never run (after checks.sh, which it sources).
#
#   QUOTE                       the quote, read from QuoteResource.java (source_quote) when this
#                               file is sourced, before any edit
#   protect_sources CLEANUP FILE...  refuses FILEs that hold an edit of an earlier run, keeps
#                               a copy of each, and on every exit the traps catch (Ctrl-C and kill
#                               included) puts them back, then runs CLEANUP (a command, or true)
#   set_quote TEXT [unterminated]  the quote literal edited to TEXT (no / or &), or a literal left
#                               without its closing quote, which does not compile
#   restore_sources             puts back every protected file (the copies stay until the exit)
#   readme_block NAME, generate_keypair DIR NAME [HOST], project_version

[[ -z ${PROJECT_SH_SOURCED:-} ]] || return 0
PROJECT_SH_SOURCED=1
# shellcheck source=test/lib/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

QUOTE_FILE=${REPO_ROOT:?}/app/src/main/java/com/example/app/QuoteResource.java
# What every edit a test makes to a source file carries, so that one a run killed outright left
# behind is recognised.
readonly SOURCE_EDIT_MARK="edited by a test run"
SOURCE_BACKUPS=()
SOURCE_FILES=()

# source_quote: the QUOTE literal of QuoteResource.java, its Java escapes \" and \\ undone.
source_quote() {
  local literal
  literal=$(sed -n 's/^ *static final String QUOTE = "\(.*\)";.*$/\1/p' "$QUOTE_FILE")
  [[ -n $literal ]] || { echo "no QUOTE literal in $QUOTE_FILE" >&2; return 1; }
  literal=${literal//\\\"/\"}
  printf '%s\n' "${literal//\\\\/\\}"
}

QUOTE=$(source_quote)
# shellcheck disable=SC2034 # for the scripts that source this file
readonly QUOTE

protect_sources() {
  local cleanup=$1 file backup
  shift
  for file in "$@"; do
    if grep -qF "$SOURCE_EDIT_MARK" "$file"; then
      DIE_STATUS=2 die "${file#"$REPO_ROOT"/} holds an edit of a run killed outright ('$SOURCE_EDIT_MARK'); restore it first: git checkout -- ${file#"$REPO_ROOT"/}"
    fi
  done
  for file in "$@"; do
    backup=$(mktemp)
    cp "$file" "$backup"
    SOURCE_FILES+=("$file")
    SOURCE_BACKUPS+=("$backup")
  done
  # shellcheck disable=SC2064 # the cleanup command is fixed now
  trap "restore_sources; rm -f \"\${SOURCE_BACKUPS[@]}\"; $cleanup" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
}

restore_sources() {
  local i
  for i in "${!SOURCE_FILES[@]}"; do
    [[ -f ${SOURCE_BACKUPS[i]} ]] || continue
    cmp -s "${SOURCE_BACKUPS[i]}" "${SOURCE_FILES[i]}" || cp "${SOURCE_BACKUPS[i]}" "${SOURCE_FILES[i]}"
  done
}

set_quote() {
  local closing='"'
  [[ ${2:-} != unterminated ]] || closing=""
  sed -i "s/^\( *static final String QUOTE = \)\".*\";.*$/\1\"$1$closing; \/\/ $SOURCE_EDIT_MARK/" "$QUOTE_FILE"
  grep -qF "$SOURCE_EDIT_MARK" "$QUOTE_FILE"
}

# readme_block NAME: the commands of README.md's fenced block that follows the comment
# `<!-- NAME: ... -->`, as they stand, so that a test runs exactly what README tells an operator.
readme_block() {
  awk -v marker="<!-- $1:" '
    index($0, marker) == 1 { found = 1; next }
    found && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' "${REPO_ROOT:?}/README.md"
}

# generate_keypair DIR NAME [HOST]: DIR/NAME.crt and DIR/NAME.key, a fresh self-signed ECDSA
# P-256 pair for HOST (default localhost), as an operator's own pair would stand in for the
# project's.
generate_keypair() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=${3:-localhost}" -addext "subjectAltName=DNS:${3:-localhost}" \
    -keyout "$1/$2.key" -out "$1/$2.crt" >/dev/null 2>&1
}

# The project's version (pom.xml's), which deploy/kubernetes names as the images' tag.
project_version() {
  local version
  version=$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' "${REPO_ROOT:?}/pom.xml")
  [[ -n $version ]] || { echo "no project version in pom.xml" >&2; return 1; }
  echo "$version"
}
