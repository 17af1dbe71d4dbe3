import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeDetections, iou, nms, type DecodeOptions, type Detection } from './detections.ts';
import { letterbox } from './letterbox.ts';

interface Sparse {
  shape: number[];
  entries: [number, number][];
}
interface DecodeCase {
  name: string;
  image: { width: number; height: number; inputSize: number };
  stride: number;
  options: DecodeOptions;
  heatmap: Sparse;
  wh: Sparse;
  expected: Detection[];
}

const casesUrl = new URL('../../training/testdata/detection_decode_cases.json', import.meta.url);
const { cases } = JSON.parse(readFileSync(casesUrl, 'utf8')) as { cases: DecodeCase[] };

function dense(sparse: Sparse): Float32Array {
  const out = new Float32Array(sparse.shape.reduce((a, b) => a * b, 1));
  for (const [index, value] of sparse.entries) out[index] = value;
  return out;
}

describe('decodeDetections golden cases (shared with training/tests/test_detections.py)', () => {
  it('has the edge cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const grid = c.heatmap.shape[0] ?? 0;
    const geometry = letterbox(c.image.width, c.image.height, c.image.inputSize);
    const got = decodeDetections(
      { heatmap: dense(c.heatmap), wh: dense(c.wh), grid, stride: c.stride },
      geometry,
      c.options,
    );
    expect(got.map((d) => d.classIndex)).toEqual(c.expected.map((d) => d.classIndex));
    got.forEach((d, i) => {
      const want = c.expected[i];
      expect(want).toBeDefined();
      if (!want) return;
      expect(Math.abs(d.score - want.score)).toBeLessThanOrEqual(1e-6);
      d.box.forEach((v, k) => expect(Math.abs(v - (want.box[k] ?? NaN))).toBeLessThanOrEqual(1e-6));
    });
  });
});

describe('decodeDetections semantics', () => {
  const geometry = letterbox(16, 16, 16);
  const grid = 4;
  const wh = new Float32Array(grid * grid * 4).fill(2);

  it('keeps only 3×3 maxima, best first, ties by lower index', () => {
    const heatmap = new Float32Array(grid * grid * 2);
    heatmap[(1 * grid + 1) * 2 + 0] = 0.5; // peak, class 0
    heatmap[(1 * grid + 2) * 2 + 0] = 0.4; // neighbour of a higher cell: not a peak
    heatmap[(3 * grid + 3) * 2 + 1] = 0.5; // tie with the first, higher index
    heatmap[(0 * grid + 3) * 2 + 1] = 0.6;
    const got = decodeDetections({ heatmap, wh, grid, stride: 4 }, geometry, {
      maxCandidates: 100,
      scoreThreshold: 0.1,
      maxRegions: 10,
    });
    expect(got.map((d) => [d.classIndex, d.score])).toEqual([
      [1, heatmap[(0 * grid + 3) * 2 + 1]],
      [0, 0.5],
      [1, 0.5],
    ]);
    // Peak at cell (x=1, y=1): [4-2, 4-2, 4+2, 4+2] / 16.
    expect(got[1]?.box).toEqual([0.125, 0.125, 0.375, 0.375]);
  });

  it('nms drops only overlaps above the threshold', () => {
    const a: Detection = { classIndex: 0, score: 0.9, box: [0, 0, 1, 1] };
    const b: Detection = { classIndex: 1, score: 0.8, box: [0, 0, 1, 0.5] }; // IoU 0.5
    expect(iou(a.box, b.box)).toBe(0.5);
    expect(nms([a, b], 0.5)).toEqual([a, b]);
    expect(nms([a, b], 0.4)).toEqual([a]);
    expect(iou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0);
  });

  it('rejects mismatched shapes', () => {
    expect(() =>
      decodeDetections({ heatmap: new Float32Array(10), wh, grid, stride: 4 }, geometry, {
        maxCandidates: 1,
        scoreThreshold: 0.1,
        maxRegions: 1,
      }),
    ).toThrow();
  });
});
