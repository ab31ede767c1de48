#!/bin/sh
# The gateway container's entry point: `graftc serve` from the environment (deploy/Dockerfile).
# `exec` makes graftc PID 1's program, so the SIGTERM of `docker stop` reaches it and drains.
set -eu
if [ -z "${GRAFTC_MODULE:-}" ]; then
    echo "graftcode-gateway: set GRAFTC_MODULE to the module(s) to host" >&2
    exit 2
fi
# shellcheck disable=SC2086  # GRAFTC_MODULE and GRAFTC_EXTRA_ARGS are word lists
exec graftc serve $GRAFTC_MODULE --mode production --path "${GRAFTC_PATH:-/srv/modules}" \
    --tcp "0.0.0.0:${GRAFTC_TCP_PORT}" --ws "0.0.0.0:${GRAFTC_WS_PORT}" \
    --http "0.0.0.0:${GRAFTC_HTTP_PORT}" --grace "${GRAFTC_GRACE}" ${GRAFTC_EXTRA_ARGS:-}
