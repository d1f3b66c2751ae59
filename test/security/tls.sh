#!/usr/bin/env bash
# tls.sh: the TLS edge as a scanner and a client see it: testssl.sh 3.2 (the tests' tools
# image's, test/lib/tools.sh), each finding judged, its overall grade and the hybrid
# post-quantum group, plus direct probes with openssl and curl.
# Run alone or from run-suite.sh, against the running stack.
set -euo pipefail

export PART=tls  # names this part in log, die and its markers
# shellcheck source=test/lib/edge.sh
source "$(dirname "$0")/../lib/edge.sh"

# The intended TLS 1.2 suites (ECDHE + AEAD) as OpenSSL names them; TLS 1.3's three AEAD suites.
readonly TLS12_CIPHERS="ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305"
readonly TLS13_CIPHERS="TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256"

report=""
workdir=""
testssl_version=""
hsts_max_age=""

clean_up() {
  [[ -z $workdir ]] || rm -rf "$workdir"
}

# finding ID...: the finding text of the first of these testssl.sh ids that the report has
# (3.2 renamed some: PFS_ECDHE_curves is FS_ECDHE_curves).
finding() {
  local id text
  for id in "$@"; do
    text=$(jq -r --arg id "$id" '[.[] | select(.id == $id) | .finding] | join(" | ")' "$report")
    [[ -z $text ]] || { printf '%s\n' "$text"; return 0; }
  done
}

# testssl.sh's version, e.g. 3.2.1 (its banner is in bold even with --color 0).
version_of_testssl() {
  tool testssl --version 2>&1 | sed 's/\x1b\[[0-9;]*m//g' |
    grep -m1 -oE 'testssl(\.sh)? +(version +)?[0-9]+(\.[0-9]+)+' | grep -oE '[0-9]+(\.[0-9]+)+$'
}

scan() {
  local started
  workdir=$(mktemp -d)
  report="$workdir/testssl.json"
  rm -f "$report"
  started=$SECONDS
  testssl_scan "$report" >"$workdir/testssl.log"
  figure "testssl.sh $testssl_version scan took $((SECONDS - started)) s; overall grade $(finding overall_grade), score $(finding final_score), and every finding is judged; its last lines: $(tail -n 2 "$workdir/testssl.log" | tr '\n' ' ')"
}

severity_findings() {
  check "testssl.sh: nothing at MEDIUM or worse beyond the inherent ones" testssl_clean "$report"
  figure "testssl.sh LOW: $(jq -r '[.[] | select(.severity == "LOW") | .id] | unique | join(" ")' "$report"); WARN: $(jq -r '[.[] | select(.severity == "WARN") | .id] | unique | join(" ")' "$report")"
}

# SSLv2 and SSLv3, which OpenSSL 3 cannot offer; TLS 1.0 to 1.3 are validate.sh's
# (only_tls12_and_tls13_offered), with a client that offers them.
protocol_findings() {
  local id got=""
  for id in SSLv2 SSLv3; do
    got+="$id=$(finding "$id" | sed 's/ (OK)//' | cut -d' ' -f1-2) "
  done
  check "testssl.sh: SSLv2 and SSLv3 not offered" equals "SSLv2=not offered SSLv3=not offered" "${got% }"
}

# Names in a testssl.sh cipher-order finding, normalized and sorted.
names_in() {
  tr ' ' '\n' <<<"$1" | grep -E '^(ECDHE|DHE|AES|CAMELLIA|ARIA|TLS_|RSA|PSK|DES|RC4|NULL|EXP|ADH|AECDH|CHACHA)' |
    grep -v -- '-$' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

sorted() {
  tr ' ' '\n' <<<"$1" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

server_order() {
  if finding cipher_order | grep -qi server; then echo server; else finding cipher_order; fi
}

cipher_findings() {
  local tls12 tls13 curves
  tls12=$(names_in "$(finding cipherorder_TLSv1_2)")
  tls13=$(names_in "$(finding cipherorder_TLSv1_3)")
  check "testssl.sh: TLS 1.2 offers exactly the ECDHE + AEAD suites (ECDSA key)" equals "$(sorted "$TLS12_CIPHERS")" "$tls12"
  check "testssl.sh: TLS 1.3 offers exactly the three AEAD suites" equals "$(sorted "$TLS13_CIPHERS")" "$tls13"
  check "testssl.sh: server cipher order" equals "server" "$(server_order)"
  # The classic groups; 3.2 lists the hybrid X25519MLKEM768 apart, as a KEM (below).
  curves=$(sorted "$(finding PFS_ECDHE_curves FS_ECDHE_curves)")
  check "testssl.sh: key exchange groups" equals "$(sorted "X25519 prime256v1 secp384r1")" "$curves"
}

# The grade on SSL Labs' scale, and the hybrid group on offer (testssl.sh 3.2 and newer: 3.0
# rates nothing and knows no KEM).
rating_findings() {
  check "testssl.sh: overall grade" equals "A+" "$(finding overall_grade)"
  check "testssl.sh: the hybrid post-quantum group offered" equals "X25519MLKEM768" "$(finding FS_KEMs)"
}


# Direct probes, independent of the scanner: what openssl negotiated by default.
handshake() {
  tls_handshake "$@" |
    sed -n 's/^ *Protocol *: *//p; s/^ *Cipher *: *//p; s/^Server Temp Key: //p' | awk '!seen[$0]++' | tr '\n' ' ' | sed 's/ $//'
}

# Each refusal follows a TLS 1.2 handshake that the same probe completes (the positive control)
# and is matched to the server's alert; TLS 1.0 and 1.1, the redirect, HTTP/2 and HSTS are
# validate.sh's (test/lib/properties.sh, edge_checks).
direct_probes() {
  check "openssl: a CBC suite over TLS 1.2 refused" tls_refused_with 'alert handshake failure' \
    -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA
  check "openssl: RSA key exchange over TLS 1.2 refused" tls_refused_with 'alert handshake failure' \
    -tls1_2 -cipher AES128-GCM-SHA256
  check "openssl: finite-field group ffdhe2048 over TLS 1.3 refused" tls_refused_with 'alert handshake failure' \
    -tls1_3 -groups ffdhe2048
  figure "openssl TLS 1.3 default: $(handshake -tls1_3); TLS 1.2 default: $(handshake -tls1_2)"
  check "curl: Server header without a version" equals "nginx" \
    "$(header_value server "$(edge_head "$(edge_url /)")")"
}

main() {
  require_stack
  trap clean_up EXIT
  testssl_version=$(version_of_testssl) || { echo "tls: no testssl.sh version from the tools image" >&2; exit 2; }
  # The edge graded as production serves it: testssl's A+ needs HSTS with a max-age of 180
  # days or more, and the dev stack's default is 0 (docker-compose.yml, HSTS_MAX_AGE).
  hsts_max_age=$(docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$NGINX" | sed -n 's/^HSTS_MAX_AGE=//p')
  if [[ $hsts_max_age != 63072000 ]]; then
    echo "tls: the edge's HSTS_MAX_AGE is '$hsts_max_age', not production's 63072000; start the stack with" >&2
    echo "tls:   HSTS_MAX_AGE=63072000 docker-compose up -d   (test/run-stack-tests.sh does)" >&2
    exit 2
  fi
  scan
  severity_findings
  protocol_findings
  cipher_findings
  rating_findings
  direct_probes
  checks_summary "$PART"
}

main "$@"
