#!/bin/sh
# Before the templates are rendered: HSTS_MAX_AGE, the seconds a browser keeps to HTTPS for
# these names, goes into Strict-Transport-Security as it stands
# (templates/nginx-runtime/hsts.conf.template): a whole number of seconds, 0 or more (0 tells a
# browser to forget an earlier pin), else nginx does not start, and this says why.
set -eu

case ${HSTS_MAX_AGE:-} in
    0) ;;
    '' | *[!0-9]* | 0*)
        echo "quote-edge: ERROR: HSTS_MAX_AGE must be a whole number of seconds, 0 or more (0: browsers forget the pin), got '${HSTS_MAX_AGE:-}'" >&2
        exit 1 ;;
esac
echo "quote-edge: HSTS max-age: $HSTS_MAX_AGE s" >&2
