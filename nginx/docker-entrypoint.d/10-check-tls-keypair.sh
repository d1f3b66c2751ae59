#!/bin/sh
# Before nginx starts: the keypair that TLS_CERTIFICATE and TLS_PRIVATE_KEY name must be
# readable by the user nginx runs as, else nginx would only say "Permission denied" and
# restart in a loop. Refuses with the file, its owner and mode, and the remedy. Also refuses
# the project's committed localhost pair, whose private key is public, where PUBLISH_ADDRESS is
# not a loopback address (or is not known), saying how to mount one's own pair; with
# ALLOW_PUBLIC_DEMO_KEYPAIR=true (a throwaway demo) it starts and warns loudly instead.
set -eu

# SHA-256 of nginx/files/localhost.crt (its README: regenerating). Nothing of files/ is in the
# image; test/operations/edge-alone.sh fails when this no longer matches.
readonly PROJECT_LOCALHOST_CERTIFICATE_SHA256=4fd5069d0ebaaede260471f1a4c586f95139b864ce894a41fe18567100e30b25

say() { echo "quote-edge: $*" >&2; }

# refuse WHAT FILE: the remedy for a file that cannot be read as this user.
refuse() {
    what=$1 file=$2
    if [ ! -e "$file" ] && [ -x "$(dirname "$file")" ]; then
        say "ERROR: the $what $file does not exist."
        say "Mount the directory that holds your certificate and key at $(dirname "$file")"
        say "(read-only), and name the two files with TLS_CERTIFICATE and TLS_PRIVATE_KEY."
    else
        say "ERROR: cannot read the $what $file as uid $(id -u), gid $(id -g)"
        say "($(stat -c 'owner %u:%g, mode %a' "$file" 2>/dev/null || echo "its directory $(dirname "$file") cannot be searched"))."
        say "nginx runs as uid 101, gid 101, and reads the keypair at every start and reload."
        say "On the host, give group 101 read access to the file (and search access to its"
        say "directory), keeping it from everyone else:"
        say "    chgrp 101 FILE && chmod 0640 FILE"
        say "or make uid 101 its owner: chown 101 FILE && chmod 0600 FILE."
    fi
    exit 1
}

[ -r "$TLS_CERTIFICATE" ] || refuse certificate "$TLS_CERTIFICATE"
[ -r "$TLS_PRIVATE_KEY" ] || refuse "private key" "$TLS_PRIVATE_KEY"

case ${PUBLISH_ADDRESS:-unknown} in
    127.* | ::1 | '[::1]' | localhost) exit 0 ;;
esac
[ "$(sha256sum <"$TLS_CERTIFICATE" | cut -d' ' -f1)" = "$PROJECT_LOCALHOST_CERTIFICATE_SHA256" ] || exit 0

where=${PUBLISH_ADDRESS:-an address that is not known to be loopback (PUBLISH_ADDRESS is not set)}
if [ "${ALLOW_PUBLIC_DEMO_KEYPAIR:-false}" = true ]; then
    say "WARNING: ****************************************************************"
    say "WARNING: serving the project's committed localhost certificate, whose private"
    say "WARNING: key anyone can read in the repository, on $where,"
    say "WARNING: because ALLOW_PUBLIC_DEMO_KEYPAIR=true: anyone can read or forge this traffic."
    say "WARNING: For a throwaway demo only; mount your own keypair (README.md, Settings: TLS_DIRECTORY)."
    say "WARNING: ****************************************************************"
    exit 0
fi
say "ERROR: refusing to serve the project's committed localhost certificate, whose private"
say "key anyone can read in the repository, on $where."
say "Mount the directory of your own certificate and key at /etc/nginx/tls (read-only) and name"
say "the two files: with compose, TLS_DIRECTORY=DIR TLS_CERTIFICATE_FILE=CERT TLS_PRIVATE_KEY_FILE=KEY;"
say "with docker run, -v DIR:/etc/nginx/tls:ro -e TLS_CERTIFICATE=/etc/nginx/tls/CERT"
say "-e TLS_PRIVATE_KEY=/etc/nginx/tls/KEY (README.md, Production). Or publish on loopback"
say "only (PUBLISH_ADDRESS=127.0.0.1). For a throwaway demo, ALLOW_PUBLIC_DEMO_KEYPAIR=true"
say "starts it anyway, with a warning."
exit 1
