#!/usr/bin/env bash
# npm packages for the TypeScript runtime and the browser tests. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in runtime/typescript tests/typescript; do
  if [ -f "$dir/package.json" ]; then
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package.json" -nt "$dir/node_modules" ]; then
      (cd "$dir" && npm install --no-audit --no-fund --loglevel=error && touch node_modules)
    fi
  fi
done
