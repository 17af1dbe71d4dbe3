/**
 * The converted detector against TF.js: recorded TF.js values for the bundled sample photos
 * (always: by default the committed pack's detector) and full outputs against live TF.js (when the original
 * model is in .cache/sources). Build the ONNX first: see scripts/detector/parity.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDetectorSession, runOnnx } from './onnx-model.ts';
import {
  DEFAULT_TFJS_JSON,
  INPUT_SIZE,
  REFERENCE_PATH,
  REPO_ROOT,
  TOLERANCE,
  maxAbsDiff,
  preprocessFile,
  tensorSum,
  type RecordedOutput,
  type ReferenceFile,
} from './reference.ts';
import { loadTfjsModel, runTfjs } from './tfjs-model.ts';

/** The detector the app ships (the committed pack's), unless a freshly built one is named. */
function shippedDetector(): string {
  const index = JSON.parse(
    readFileSync(resolve(REPO_ROOT, 'public/models/index.json'), 'utf8'),
  ) as { default: string };
  return `public/models/${index.default}/detector.onnx`;
}

const onnxPath = resolve(REPO_ROOT, process.env['DETECTOR_ONNX'] ?? shippedDetector());
const tfjsPath = resolve(REPO_ROOT, DEFAULT_TFJS_JSON);
const reference = JSON.parse(
  readFileSync(resolve(REPO_ROOT, REFERENCE_PATH), 'utf8'),
) as ReferenceFile;

function maxRecordedDiff(recorded: RecordedOutput, actual: Float32Array): number {
  expect(actual.length).toBe(recorded.shape.reduce((a, b) => a * b, 1));
  return Math.max(
    ...recorded.indices.map((index, k) =>
      Math.abs((actual[index] ?? NaN) - (recorded.values[k] ?? NaN)),
    ),
  );
}

describe.skipIf(!existsSync(onnxPath))(`detector ONNX parity (${onnxPath})`, () => {
  it('reference covers three sample photos with peaks', () => {
    expect(reference.entries).toHaveLength(3);
    for (const entry of reference.entries)
      expect(entry.heatmap.values.some((v) => v >= 0.3)).toBe(true);
  });

  it.each(reference.entries.map((e) => [e.file, e] as const))(
    'matches recorded TF.js outputs on %s',
    async (_file, entry) => {
      const session = await createDetectorSession(onnxPath);
      const { input, width, height } = preprocessFile(resolve(REPO_ROOT, entry.file));
      expect([width, height]).toEqual([entry.width, entry.height]);
      expect(Math.abs(tensorSum(input) - entry.inputSum)).toBeLessThanOrEqual(
        1e-6 * Math.abs(entry.inputSum),
      );
      const out = await runOnnx(session, input, INPUT_SIZE);
      expect(maxRecordedDiff(entry.heatmap, out.heatmap)).toBeLessThanOrEqual(TOLERANCE.heatmap);
      expect(maxRecordedDiff(entry.wh, out.wh)).toBeLessThanOrEqual(TOLERANCE.wh);
    },
  );

  it.skipIf(!existsSync(tfjsPath))(
    'matches live TF.js on full outputs',
    { timeout: 120_000 },
    async () => {
      const entry = reference.entries[0];
      if (!entry) throw new Error('empty reference');
      const { input } = preprocessFile(resolve(REPO_ROOT, entry.file));
      const tf = runTfjs(await loadTfjsModel(tfjsPath), input, INPUT_SIZE);
      const ort = await runOnnx(await createDetectorSession(onnxPath), input, INPUT_SIZE);
      expect(maxAbsDiff(tf.heatmap, ort.heatmap)).toBeLessThanOrEqual(TOLERANCE.heatmap);
      expect(maxAbsDiff(tf.wh, ort.wh)).toBeLessThanOrEqual(TOLERANCE.wh);
    },
  );
});
