#!/usr/bin/env bash
# Debian packages the tests need: headless Chromium (browser tests) and nginx with its stream
# module (tests/deploy runs nginx as a child process in front of several gateways; no nginx
# service is used). Idempotent; needs root or sudo only when something is missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# Debian's nginx binary lives in /usr/sbin, often outside a non-root PATH.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then missing+=(nginx); fi
# The stream module (TCP proxying) is a separate dynamic module on Debian.
if [ ! -e /usr/lib/nginx/modules/ngx_stream_module.so ]; then missing+=(libnginx-mod-stream); fi
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends: no nginx service gets enabled beyond the package's own default.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
