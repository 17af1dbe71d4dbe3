/**
 * CenterNet decoding shared by the browser worker and Node scripts (mirrored in
 * training/probesearch/detections.py; golden cases in training/testdata/detection_decode_cases.json).
 * All arithmetic is float64 on the float32 network outputs, in the same order as the mirror.
 */
import { inputBoxToImage, type Box, type Letterbox } from './letterbox.ts';

export interface Detection {
  classIndex: number;
  score: number;
  /** x0, y0, x1, y1 normalised to the original image, clipped to 0..1. */
  box: Box;
}

export interface DecodeOptions {
  /** Peaks considered, best first (the upstream model's top-k). */
  maxCandidates: number;
  /** Keep peaks with score ≥ this. */
  scoreThreshold: number;
  /** Detections returned at most, after NMS. */
  maxRegions: number;
  /** Class-agnostic greedy NMS: drop a box whose IoU with a better kept box is > nmsIou. */
  nmsIou?: number;
}

export interface HeadOutputs {
  /** [grid, grid, C] NHWC, already sigmoid. */
  heatmap: Float32Array;
  /** [grid, grid, 4]: distances to the left, top, right, bottom edges in input pixels. */
  wh: Float32Array;
  grid: number;
  /** Input pixels per grid cell. */
  stride: number;
}

export function iou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const areaA = Math.max(0, a[2] - a[0]) * Math.max(0, a[3] - a[1]);
  const areaB = Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
  const union = areaA + areaB - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy class-agnostic NMS over detections sorted best first. */
export function nms(detections: readonly Detection[], iouThreshold: number): Detection[] {
  const kept: Detection[] = [];
  for (const det of detections) {
    if (kept.every((k) => iou(det.box, k.box) <= iouThreshold)) kept.push(det);
  }
  return kept;
}

/** Is cell (y, x, c) equal to the max of its 3×3 neighbourhood (SAME padding)? */
function isPeak(
  heatmap: Float32Array,
  grid: number,
  channels: number,
  y: number,
  x: number,
  c: number,
): boolean {
  const value = heatmap[(y * grid + x) * channels + c] ?? 0;
  for (let ny = Math.max(0, y - 1); ny <= Math.min(grid - 1, y + 1); ny++) {
    for (let nx = Math.max(0, x - 1); nx <= Math.min(grid - 1, x + 1); nx++) {
      if ((heatmap[(ny * grid + nx) * channels + c] ?? 0) > value) return false;
    }
  }
  return true;
}

export function decodeDetections(
  outputs: HeadOutputs,
  geometry: Letterbox,
  options: DecodeOptions,
): Detection[] {
  const { heatmap, wh, grid, stride } = outputs;
  const cells = grid * grid;
  const channels = heatmap.length / cells;
  if (!Number.isInteger(channels) || channels < 1)
    throw new Error(`heatmap length ${heatmap.length} is not ${grid}²×C`);
  if (wh.length !== cells * 4) throw new Error(`wh length ${wh.length} is not ${grid}²×4`);

  // Threshold first (cheap), then the 3×3 peak test: same set as peak-then-threshold.
  const peaks: number[] = [];
  for (let index = 0; index < heatmap.length; index++) {
    if ((heatmap[index] ?? 0) < options.scoreThreshold) continue;
    const cell = Math.floor(index / channels);
    if (isPeak(heatmap, grid, channels, Math.floor(cell / grid), cell % grid, index % channels))
      peaks.push(index);
  }
  // Score descending, ties by lower flat NHWC index.
  peaks.sort((a, b) => (heatmap[b] ?? 0) - (heatmap[a] ?? 0) || a - b);

  let detections: Detection[] = peaks.slice(0, options.maxCandidates).map((index) => {
    const cell = Math.floor(index / channels);
    const y = Math.floor(cell / grid);
    const x = cell % grid;
    const d = (k: number): number => wh[cell * 4 + k] ?? 0;
    const box: Box = [stride * x - d(0), stride * y - d(1), stride * x + d(2), stride * y + d(3)];
    return {
      classIndex: index % channels,
      score: heatmap[index] ?? 0,
      box: inputBoxToImage(box, geometry),
    };
  });
  if (options.nmsIou !== undefined) detections = nms(detections, options.nmsIou);
  return detections.slice(0, options.maxRegions);
}
