#!/bin/bash
# Container health check: ready when Liberty's /health/ready answers 200.
# Plain bash (/dev/tcp), because the official Liberty and Maven images ship no common HTTP client.
# HEALTH_CHECK_PORT: the dev image's loopback endpoint, which writes no access log.
set -euo pipefail

port="${HEALTH_CHECK_PORT:-${HTTP_PORT:-8000}}"
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET /health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
read -r status_line <&3
[[ "${status_line}" == "HTTP/1.1 200 "* ]]
