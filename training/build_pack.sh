#!/usr/bin/env bash
# `npm run model:build`: builds the default model pack from scratch into public/models/<id>/
# and regenerates training/RESULTS.md. Same inputs and seed -> same pack. About an hour on 2 cores.
# Needs ../shared/data/coco-mini-train (the real validation photos) next to the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
[ -d node_modules ] || npm ci
export PYTHONPATH="$PWD/training"
py=/usr/bin/python3
build=.cache/build
mkdir -p "$build"
coco="${PROBE_SEARCH_SHARED_DATA:-../shared/data}/coco-mini-train"
[ -d "$coco/images" ] || { echo "missing validation photos: $coco" >&2; exit 1; }

bash training/fetch_sources.sh
echo "== detector: TF.js -> ONNX"
$py -m probesearch.tfjs_to_onnx .cache/sources/human-models/models/centernet.json "$build/detector.onnx"
echo "== detector: parity with TF.js"
npx tsx scripts/detector/parity.ts --onnx "$build/detector.onnx" --coco "$coco/images"
echo "== detector: the validation photos"
npx tsx scripts/detector/detect-folder.ts --model "$build/detector.onnx" \
  --out "$build/coco_mini_detections.json" "$coco/images"
echo "== training, evaluation, export"
$py -m probesearch.build --config full
