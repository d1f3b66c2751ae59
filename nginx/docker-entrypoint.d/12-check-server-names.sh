#!/bin/sh
# Before the templates are rendered: SERVER_NAMES (the host names served, separated by spaces)
# goes into `server_name` as it stands (templates/nginx-runtime/server-names.conf.template), so
# each name must be one that nginx reads as a plain name and that cannot end the directive,
# open a block or start a comment. Refuses anything else, and an empty list, with the name and
# what is allowed; nginx does not start.
set -eu
# `*.example.com` is a name here, not a file pattern.
set -f

say() { echo "quote-edge: $*" >&2; }

refuse() {
    say "ERROR: SERVER_NAMES $1."
    say "It lists the host names to serve, separated by spaces, e.g."
    say "    SERVER_NAMES='beta.example.com www.beta.example.com'"
    say "Each one a DNS name (letters, digits, hyphens, dots), which may start with '*.' or '.'"
    say "or end with '.*' (nginx's wildcard names); an IPv4 address; or an IPv6 address in"
    say "brackets ([::1]). No regular expressions. Any other Host is answered 421."
    exit 1
}

# One DNS label; names as nginx's server_name takes them without a regular expression
# (https://nginx.org/en/docs/http/server_names.html).
label='[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?'
dns_name="$label(\\.$label)*"
server_name="^((\\*\\.|\\.)?$dns_name|$dns_name\\.\\*|\\[[0-9A-Fa-f:.]+\\])\$"

count=0
for name in ${SERVER_NAMES:-}; do
    printf '%s\n' "$name" | grep -Eq "$server_name" ||
        refuse "holds '$name', which is not a host name that nginx can serve as written"
    count=$((count + 1))
done
[ "$count" -gt 0 ] || refuse "is empty: nginx would serve no name"
say "server names: $SERVER_NAMES"
