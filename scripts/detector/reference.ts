/** Shared by parity.ts (writes) and parity.test.ts (checks): the recorded TF.js reference. */
import { fileURLToPath } from 'node:url';
import { decodeImageFile } from './decode-image.ts';
import { DETECTOR_INPUT_SIZE, letterbox, letterboxRgba } from '../../src/model/letterbox.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const REFERENCE_PATH = 'training/testdata/detector_reference.json';
export const DEFAULT_ONNX = '.cache/build/detector.onnx';
export const DEFAULT_TFJS_JSON = '.cache/sources/human-models/models/centernet.json';
/** Bundled gallery photos (public/samples, see ATTRIBUTION.md): the reference inputs. */
export const REFERENCE_IMAGES = [
  'public/samples/astronaut.png',
  'public/samples/chelsea.png',
  'public/samples/coffee.png',
];

/**
 * Agreement required between TF.js (CPU backend) and ONNX Runtime. Heatmaps are probabilities.
 * wh is 16 × a conv output in 512-px input pixels (values up to ~400); its last convs sum large
 * terms that cancel, so fp32 summation order alone moves it by up to ~9e-3 px on real photos
 * (relative ~1e-4). Its bound is 0.02 px: 1/50 of an input pixel, far below box precision.
 */
export const TOLERANCE = { heatmap: 1e-4, wh: 2e-2 } as const;

export interface RecordedOutput {
  shape: number[];
  indices: number[];
  values: number[];
}

export interface ReferenceEntry {
  file: string;
  width: number;
  height: number;
  /** Sum of the letterboxed input tensor: catches preprocessing drift before the model runs. */
  inputSum: number;
  heatmap: RecordedOutput;
  wh: RecordedOutput;
}

export interface ReferenceFile {
  model: string;
  inputSize: number;
  entries: ReferenceEntry[];
}

export function preprocessFile(path: string): {
  input: Float32Array;
  width: number;
  height: number;
} {
  const image = decodeImageFile(path);
  const input = letterboxRgba(image.data, letterbox(image.width, image.height));
  return { input, width: image.width, height: image.height };
}

export function tensorSum(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum;
}

export const INPUT_SIZE = DETECTOR_INPUT_SIZE;

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}
