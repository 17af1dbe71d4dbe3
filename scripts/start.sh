#!/usr/bin/env bash
# `npm start`: the app with the bundled default model pack and sample photos, on 127.0.0.1.
# Works on a fresh clone: installs the npm dependencies first when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npx vite build
echo "Probe Search: http://127.0.0.1:4173/"
exec npx vite preview --host 127.0.0.1 --port 4173 --strictPort
