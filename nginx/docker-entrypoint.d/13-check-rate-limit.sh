#!/bin/sh
# Before the templates are rendered: RATE_LIMIT_PER_ADDRESS (requests a second from one client
# address, and the burst) goes into limit_req_zone and limit_req as it stands
# (templates/nginx-runtime/rate-limit.conf.template): a whole number from 1 to 1000000, else
# nginx does not start, and this says why.
set -eu

case ${RATE_LIMIT_PER_ADDRESS:-} in
    '' | *[!0-9]* | 0*) valid=false ;;
    *) [ "${#RATE_LIMIT_PER_ADDRESS}" -le 7 ] && [ "$RATE_LIMIT_PER_ADDRESS" -le 1000000 ] && valid=true || valid=false ;;
esac
if [ "$valid" = false ]; then
    echo "quote-edge: ERROR: RATE_LIMIT_PER_ADDRESS must be a whole number of requests a second from 1 to 1000000, got '${RATE_LIMIT_PER_ADDRESS:-}'" >&2
    exit 1
fi
echo "quote-edge: requests per address: $RATE_LIMIT_PER_ADDRESS a second, as many more at once" >&2
