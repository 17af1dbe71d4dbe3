/**
 * Runs the detector over photos and writes every detection above a LOW threshold (no NMS), so
 * training/probesearch/detector_eval.py can sweep thresholds/NMS with the Python mirror.
 *
 * npx tsx scripts/detector/detect-folder.ts --model X.onnx --out out.json DIR_OR_FILES...
 * Output: [{file, width, height, detections: [{classIndex, score, box}]}], box normalised x0,y0,x1,y1.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeDetections, type Detection } from '../../src/model/detections.ts';
import { DETECTOR_INPUT_SIZE, letterbox, letterboxRgba } from '../../src/model/letterbox.ts';
import { decodeImageFile } from './decode-image.ts';
import { createDetectorSession, runOnnx } from './onnx-model.ts';

const SWEEP_OPTIONS = { maxCandidates: 100, scoreThreshold: 0.05, maxRegions: 100 } as const;
const STRIDE = 4;

function listPhotos(paths: string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => /\.(jpe?g|png)$/i.test(f))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
}

const { values: args, positionals } = parseArgs({
  options: { model: { type: 'string' }, out: { type: 'string' } },
  allowPositionals: true,
});
if (!args.model || !args.out || positionals.length === 0) {
  console.error('usage: detect-folder.ts --model X.onnx --out out.json DIR_OR_FILES...');
  process.exit(2);
}

const session = await createDetectorSession(args.model, 2);
const photos = listPhotos(positionals);
const results: { file: string; width: number; height: number; detections: Detection[] }[] = [];
const started = performance.now();
for (const file of photos) {
  const image = decodeImageFile(file);
  const geometry = letterbox(image.width, image.height);
  const { heatmap, wh } = await runOnnx(
    session,
    letterboxRgba(image.data, geometry),
    DETECTOR_INPUT_SIZE,
  );
  const detections = decodeDetections(
    { heatmap, wh, grid: DETECTOR_INPUT_SIZE / STRIDE, stride: STRIDE },
    geometry,
    SWEEP_OPTIONS,
  );
  results.push({ file, width: image.width, height: image.height, detections });
}
const seconds = (performance.now() - started) / 1000;
writeFileSync(args.out, JSON.stringify(results) + '\n');
console.log(
  `${photos.length} photos in ${seconds.toFixed(1)} s: ${(photos.length / seconds).toFixed(2)} photos/s (decode + letterbox + ONNX + peaks) → ${args.out}`,
);
