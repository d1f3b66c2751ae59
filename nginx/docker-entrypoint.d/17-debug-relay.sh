#!/bin/sh
# After the resolvers are known (15-local-resolvers.envsh): the dev stack's debugger relay.
# DEV_DEBUG_PORT empty (the default, and production's): no relay, nothing listens on 5005. A port
# number (the one the dev stack publishes on the host's loopback, docker-compose.yml): nginx
# relays TCP from its port 5005 to the app's JDWP at DEBUG_UPSTREAM (default app:7777), the only
# way from the host into the app's internal network besides HTTPS.
set -eu

relay=/tmp/nginx-runtime/debug-relay.conf
rm -f "$relay"
[ -n "${DEV_DEBUG_PORT:-}" ] || exit 0

case $DEV_DEBUG_PORT in
    *[!0-9]* | 0*) valid=false ;;
    *) [ "${#DEV_DEBUG_PORT}" -le 5 ] && [ "$DEV_DEBUG_PORT" -le 65535 ] && valid=true || valid=false ;;
esac
if [ "$valid" = false ]; then
    echo "quote-edge: ERROR: DEV_DEBUG_PORT must be empty (no debugger relay) or a port from 1 to 65535, got '$DEV_DEBUG_PORT'" >&2
    exit 1
fi

upstream=${DEBUG_UPSTREAM:-app:7777}
mkdir -p /tmp/nginx-runtime
cat >"$relay" <<CONF
stream {
    resolver ${NGINX_LOCAL_RESOLVERS:?} valid=5s ipv6=off;

    upstream app_debugger {
        # resolve: the app comes back at a new address after each recreate.
        zone app_debugger 64k;
        server $upstream resolve;
    }

    server {
        listen 5005;
        proxy_pass app_debugger;
        # A debugging session sits idle between breakpoints.
        proxy_timeout 12h;
    }
}
CONF
echo "quote-edge: debugger relay: port 5005 to $upstream (published on the host's 127.0.0.1:$DEV_DEBUG_PORT)" >&2
