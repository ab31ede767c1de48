#!/usr/bin/env bash
# npm packages for the TypeScript runtime and the TypeScript/browser tests. Idempotent: installs
# only when node_modules is missing or older than package.json / package-lock.json, from the
# committed lockfiles. Browsers are never downloaded (the tests use Debian's chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
for dir in runtime/typescript tests/typescript; do
  if [ -f "$dir/package.json" ]; then
    stamp="$dir/node_modules/.package-lock.json"
    if [ ! -f "$stamp" ] || [ "$dir/package.json" -nt "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
      (cd "$dir" && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.package-lock.json)
    fi
  fi
done
