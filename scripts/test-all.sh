#!/usr/bin/env bash
# `npm test`: every check and test, in order of cost. Fails on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n=== %s ===\n' "$*"; }
step "system dependencies"; bash scripts/ensure-system-deps.sh
[ -d node_modules ] || { step "npm ci"; npm ci; }
step "typecheck"; npx tsc -b
step "lint"; npx eslint . --max-warnings 0
step "format"; npx prettier --check .
step "python tests (training/)"; bash scripts/pytest.sh
step "unit tests"; npx vitest run
if [ -f playwright.config.ts ]; then
  step "build"; npx vite build
  step "end-to-end tests"; npx playwright test
  # A smoke run of `npm run bench`: it checks that every measurement works, not the timings.
  step "benchmark smoke run"; npm run bench -- --quick
fi
