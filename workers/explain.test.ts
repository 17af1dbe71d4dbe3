import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MatchExplanation } from '../src/engine/api.ts';
import type { Detection } from '../src/model/detections.ts';
import { parseManifest, type PackManifest } from '../src/model/manifest.ts';
import { regionTokens } from '../src/model/regions.ts';
import {
  explainMatch,
  highlightFrom,
  HIGHLIGHT_SHARE,
  MIN_HIGHLIGHT,
  occlusionSets,
  type ExplainPack,
} from './explain.ts';
import type { Encoded } from './models.ts';

const box = (x: number): Detection['box'] => [x, x, x + 0.1, x + 0.1];
const region = (classIndex: number, x = 0.1): Detection => ({
  classIndex,
  score: 0.9,
  box: box(x),
});

describe('occlusionSets', () => {
  it('gives the full set, then the set without each region in turn', () => {
    const [a, b, c] = [region(1, 0.1), region(2, 0.2), region(3, 0.3)];
    expect(occlusionSets([a, b, c])).toEqual([
      [a, b, c],
      [b, c],
      [a, c],
      [a, b],
    ]);
    expect(occlusionSets([])).toEqual([[]]);
  });
});

describe('highlightFrom', () => {
  it('highlights from a quarter of the largest contribution', () => {
    expect(highlightFrom([0.2, 0.04, -0.3])).toBeCloseTo(HIGHLIGHT_SHARE * 0.2, 12);
  });

  it('highlights nothing when no contribution is clearly positive', () => {
    expect(highlightFrom([])).toBeNull();
    expect(highlightFrom([-0.5, 0])).toBeNull();
    expect(highlightFrom([MIN_HIGHLIGHT / 2, -0.1])).toBeNull();
  });

  it('never goes below the noise floor', () => {
    expect(highlightFrom([MIN_HIGHLIGHT * 1.5])).toBe(MIN_HIGHLIGHT);
  });
});

/**
 * A linear stand-in for the model: a photo's score is the sum of its regions' class weights
 * times the query's one global value. Occlusion must recover each weight exactly.
 */
function linearPack(
  weights: Record<number, number>,
  photos: Record<string, readonly Detection[] | 'stale'>,
) {
  const calls = { encodeVision: [] as (readonly (readonly Detection[])[])[], scored: 0 };
  const pack: ExplainPack = {
    regionsOf: (path) => photos[path],
    encodeQuery: async (query) =>
      query.trim() === '' ? null : { probes: new Float32Array(0), global: Float32Array.of(2) },
    encodeVision: async (sets) => {
      calls.encodeVision.push(sets);
      return {
        probes: new Float32Array(0),
        global: Float32Array.from(sets, (set) =>
          set.reduce((sum, d) => sum + (weights[d.classIndex] ?? 0), 0),
        ),
      };
    },
    scoreEncoded: async (query, photosEncoded, count) => {
      calls.scored += count;
      const scale = query.global[0] ?? 0;
      return photosEncoded.global.map((g) => scale * g);
    },
  };
  return { pack, calls };
}

function explained(result: MatchExplanation) {
  if (result.status !== 'explained') throw new Error(`not explained: ${result.status}`);
  return result;
}

describe('explainMatch', () => {
  const photo = [region(15, 0.1), region(0, 0.3), region(56, 0.5), region(60, 0.7)];
  // cat drives the score, person helps a little, chair not at all, the table counts against.
  const weights = { 15: 0.2, 0: 0.03, 56: 0, 60: -0.05 };

  it('credits each region with the score it takes away when left out', async () => {
    const { pack, calls } = linearPack(weights, { 'f/cat.jpg': photo });
    const result = explained(await explainMatch(pack, 'f/cat.jpg', 'a cat'));
    // Query global 2 scales every score.
    expect(result.fullScore).toBeCloseTo(2 * (0.2 + 0.03 - 0.05), 6);
    expect(result.regions.map((r) => r.detection)).toEqual(photo);
    expect(result.regions.map((r) => r.contribution)).toEqual([
      expect.closeTo(0.4, 6),
      expect.closeTo(0.06, 6),
      expect.closeTo(0, 6),
      expect.closeTo(-0.1, 6),
    ]);
    for (const r of result.regions) {
      expect(r.contribution).toBeCloseTo(result.fullScore - r.scoreWithout, 6);
    }
    // From a quarter of 0.4: the cat only (person's 0.06 is below 0.1).
    expect(result.highlightFrom).toBeCloseTo(0.1, 6);
    expect(result.regions.map((r) => r.highlighted)).toEqual([true, false, false, false]);
    // One batched encoder run of R + 1 region sets, all scored.
    expect(calls.encodeVision).toHaveLength(1);
    expect(calls.encodeVision[0]).toHaveLength(photo.length + 1);
    expect(calls.scored).toBe(photo.length + 1);
  });

  it('highlights every region that clearly drives the match', async () => {
    const { pack } = linearPack({ ...weights, 0: 0.12 }, { p: photo });
    const result = explained(await explainMatch(pack, 'p', 'a cat and a person'));
    expect(result.regions.map((r) => r.highlighted)).toEqual([true, true, false, false]);
  });

  it('highlights nothing when no region moves the score', async () => {
    const { pack } = linearPack({}, { p: photo });
    const result = explained(await explainMatch(pack, 'p', 'a cat'));
    expect(result.highlightFrom).toBeNull();
    expect(result.regions.some((r) => r.highlighted)).toBe(false);
  });

  it('says why there is nothing to explain', async () => {
    const { pack, calls } = linearPack(weights, { empty: [], old: 'stale', p: photo });
    expect(await explainMatch(pack, 'empty', 'a cat')).toEqual({
      status: 'no-regions',
      fullScore: 0,
    });
    expect(await explainMatch(pack, 'old', 'a cat')).toEqual({ status: 'stale' });
    expect(await explainMatch(pack, 'gone', 'a cat')).toEqual({ status: 'not-indexed' });
    expect(await explainMatch(pack, 'p', '  ')).toEqual({ status: 'no-query' });
    // Only the empty photo's one (empty) region set reached the models.
    expect(calls.encodeVision).toEqual([[[]]]);
  });

  it('fails loudly when the scorer answers for the wrong number of sets', async () => {
    const { pack } = linearPack(weights, { p: photo });
    const short = { ...pack, scoreEncoded: async () => new Float32Array(1) };
    await expect(explainMatch(short, 'p', 'a cat')).rejects.toThrow(/expected 5/);
  });
});

interface Golden {
  readonly tolerance: number;
  readonly queries: { textProbes: number[]; textGlobal: number[] }[];
  readonly images: { detections: Detection[] }[];
  readonly scores: { crossProbe: number[][] };
}

/**
 * The real model: the bundled pack's vision encoder and cross_probe.onnx on onnxruntime-node,
 * the graphs the engine runs on ORT-WASM. Pins that the full set is scored exactly as indexing
 * and search score the photo, and that the batched R + 1 run keeps each set's row apart.
 */
describe('explainMatch on the bundled model', () => {
  const repo = resolve(import.meta.dirname, '..');
  const index = JSON.parse(readFileSync(resolve(repo, 'public/models/index.json'), 'utf8')) as {
    default: string;
  };
  const dir = resolve(repo, 'public/models', index.default);
  let manifest: PackManifest;
  let golden: Golden;
  let vision: ort.InferenceSession;
  let cross: ort.InferenceSession;

  beforeAll(async () => {
    manifest = parseManifest(JSON.parse(readFileSync(resolve(dir, 'manifest.json'), 'utf8')));
    golden = JSON.parse(readFileSync(resolve(dir, manifest.golden), 'utf8')) as Golden;
    vision = await ort.InferenceSession.create(resolve(dir, manifest.vision.file));
    cross = await ort.InferenceSession.create(resolve(dir, manifest.crossProbe.onnxFile));
  });

  afterAll(async () => {
    await vision?.release();
    await cross?.release();
  });

  function realPack(query: number): ExplainPack {
    const { probes } = manifest;
    return {
      regionsOf: (path) => golden.images[Number(path)]?.detections,
      encodeQuery: async () => ({
        probes: Float32Array.from(golden.queries[query]?.textProbes ?? []),
        global: Float32Array.from(golden.queries[query]?.textGlobal ?? []),
      }),
      async encodeVision(sets): Promise<Encoded> {
        const tokens = regionTokens(sets, manifest.vision.maxRegions);
        const dims = [tokens.batch, tokens.maxRegions];
        const { inputs, outputs, regionFeatures } = manifest.vision;
        const out = await vision.run({
          [inputs.classes]: new ort.Tensor('int64', tokens.classes, dims),
          [inputs.features]: new ort.Tensor('float32', tokens.features, [
            ...dims,
            regionFeatures.length,
          ]),
          [inputs.mask]: new ort.Tensor('float32', tokens.mask, dims),
        });
        return {
          probes: out[outputs.probes]?.data as Float32Array,
          global: out[outputs.global]?.data as Float32Array,
        };
      },
      async scoreEncoded(text, photos, count) {
        const { inputs, outputs } = manifest.crossProbe;
        const d = probes.width;
        const out = await cross.run({
          [inputs.textProbes]: new ort.Tensor('float32', text.probes, [1, probes.text, d]),
          [inputs.textGlobal]: new ort.Tensor('float32', text.global, [1, d]),
          [inputs.visionProbes]: new ort.Tensor('float32', photos.probes, [
            count,
            probes.vision,
            d,
          ]),
          [inputs.visionGlobal]: new ort.Tensor('float32', photos.global, [count, d]),
        });
        return out[outputs.scores]?.data as Float32Array;
      },
    };
  }

  it('scores the full region set as search does, and each occluded set as on its own', async () => {
    let explainedPhotos = 0;
    for (const q of golden.queries.keys()) {
      const pack = realPack(q);
      const text = await pack.encodeQuery('golden query');
      if (text === null) throw new Error('the golden query has no text probes');
      for (const [i, image] of golden.images.entries()) {
        const result = await explainMatch(pack, String(i), 'golden query');
        const expected = golden.scores.crossProbe[q]?.[i] ?? NaN;
        if (image.detections.length === 0) {
          expect(result.status).toBe('no-regions');
          continue;
        }
        const { fullScore, regions } = explained(result);
        expect(Math.abs(fullScore - expected)).toBeLessThanOrEqual(golden.tolerance);
        for (const [left, r] of regions.entries()) {
          const alone = image.detections.filter((_, j) => j !== left);
          const [score] = await pack.scoreEncoded(text, await pack.encodeVision([alone]), 1);
          expect(Math.abs(r.scoreWithout - (score ?? NaN))).toBeLessThanOrEqual(1e-5);
        }
        explainedPhotos += 1;
      }
    }
    expect(explainedPhotos).toBeGreaterThan(0);
  });
});
