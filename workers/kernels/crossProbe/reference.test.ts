/**
 * The kernel test cases, checked in Node before any GPU sees them: each case's weights file
 * decodes by its tensor table to the tensors the reference used, the two reference paths
 * (crossProbeScores and the late outputs pooled here) agree, and the expected scores are able
 * to tell a wrong kernel from a right one. Then the golden vectors of the default pack under
 * public/models (skipped when there is none) against the reference.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  cosineSimilarity,
  crossProbeConfig,
  crossProbeScores,
  readCrossProbeWeights,
  type CrossProbeWeights,
} from '../../../src/model/crossProbeReference.ts';
import {
  expectedCrossProbeTensors,
  parseManifest,
  TENSOR_ALIGNMENT,
} from '../../../src/model/manifest.ts';
import {
  CASE_SHAPES,
  CASE_TOLERANCE,
  crossProbeCases,
  maxAbsDelta,
  parseGoldenCrossProbe,
  referenceLateOutputs,
  type CrossProbeCase,
} from './cases.ts';

const cases = crossProbeCases();

/** Every tensor of the reference weights, by its table name. */
function namedTensors(weights: CrossProbeWeights): Map<string, Float32Array> {
  const named = new Map<string, Float32Array>();
  weights.layers.forEach((layer, i) => {
    for (const [part, tensors] of [
      ['ln1', layer.ln1],
      ['attn.qkv', layer.qkv],
      ['attn.out', layer.out],
      ['ln2', layer.ln2],
      ['ffn1', layer.ffn1],
      ['ffn2', layer.ffn2],
    ] as const) {
      named.set(`layers.${i}.${part}.weight`, tensors.weight);
      named.set(`layers.${i}.${part}.bias`, tensors.bias);
    }
  });
  named.set('norm.weight', weights.norm.weight);
  named.set('norm.bias', weights.norm.bias);
  return named;
}

/** Scores pooled from late outputs [K, rows, d] the way the model pools them. */
function pooledScores(c: CrossProbeCase, late: Float32Array): number[] {
  const { textProbes: pt, visionProbes: pv, width: d } = c.config;
  const rows = pt + pv;
  return Array.from({ length: c.shape.candidates }, (_, k) => {
    const t = Array.from(c.textGlobal);
    const v = Array.from(c.visionGlobal.subarray(k * d, (k + 1) * d));
    for (let r = 0; r < rows; r++) {
      const target = r < pt ? t : v;
      for (let i = 0; i < d; i++)
        target[i] = (target[i] ?? 0) + (late[(k * rows + r) * d + i] ?? 0);
    }
    return cosineSimilarity(t, v);
  });
}

describe('cross-probe kernel cases', () => {
  it('cover the shapes the kernels must handle', () => {
    const names = new Set(CASE_SHAPES.map((s) => s.name));
    expect(names.size).toBe(CASE_SHAPES.length);
    expect(new Set(CASE_SHAPES.map((s) => s.seed)).size).toBe(CASE_SHAPES.length);
    expect(CASE_SHAPES.some((s) => s.candidates === 1)).toBe(true);
    expect(CASE_SHAPES.some((s) => s.candidates % 2 === 1 && s.candidates > 1)).toBe(true);
    expect(CASE_SHAPES.some((s) => s.layers >= 2)).toBe(true);
    expect(CASE_SHAPES.some((s) => s.heads >= 4)).toBe(true);
    expect(CASE_SHAPES.some((s) => s.textProbes + s.visionProbes === 32)).toBe(true);
    expect(CASE_SHAPES.some((s) => s.width % 16 !== 0 && s.ffnWidth % 16 !== 0)).toBe(true);
    expect(
      CASE_SHAPES.some(
        (s) =>
          s.maxCandidatesPerChunk !== undefined && s.candidates % s.maxCandidatesPerChunk !== 0,
      ),
    ).toBe(true);
    for (const s of CASE_SHAPES) expect(s.width % s.heads, s.name).toBe(0);
    expect(CASE_TOLERANCE).toBeLessThanOrEqual(1e-4);
  });

  it.each(cases.map((c) => [c.shape.name, c] as const))(
    '%s: the weights file holds the reference tensors at aligned offsets',
    (_name, c) => {
      const { layers, width, ffnWidth } = c.shape;
      const expected = expectedCrossProbeTensors(layers, width, ffnWidth);
      expect(c.spec.crossProbe.tensors.map((t) => [t.name, t.shape])).toEqual(
        expected.map((t) => [t.name, t.shape]),
      );
      const reference = namedTensors(c.weights);
      const view = new DataView(c.weightsFile);
      for (const entry of c.spec.crossProbe.tensors) {
        expect(entry.offset % TENSOR_ALIGNMENT).toBe(0);
        const decoded = Float32Array.from({ length: entry.bytes / 4 }, (_, i) =>
          view.getFloat32(entry.offset + 4 * i, true),
        );
        expect(decoded, entry.name).toEqual(reference.get(entry.name));
      }
    },
  );

  it.each(cases.map((c) => [c.shape.name, c] as const))(
    '%s: expected outputs agree and discriminate',
    (_name, c) => {
      const { candidates: k } = c.shape;
      const rows = c.shape.textProbes + c.shape.visionProbes;
      expect(c.expectedScores).toHaveLength(k);
      expect(c.expectedLateOutputs).toHaveLength(k * rows * c.shape.width);
      expect(c.expectedLateOutputs.every(Number.isFinite)).toBe(true);
      for (const s of c.expectedScores) expect(Math.abs(s)).toBeLessThanOrEqual(1 + 1e-6);
      // Two paths through the reference: the whole step, and its late outputs pooled here.
      expect(maxAbsDelta(pooledScores(c, c.expectedLateOutputs), c.expectedScores)).toBeLessThan(
        1e-6,
      );
      // Candidates must differ by far more than the tolerance, or a kernel that mixed them up
      // (or ignored the vision side) would still pass.
      if (k > 1) {
        const spread = Math.max(...c.expectedScores) - Math.min(...c.expectedScores);
        expect(spread).toBeGreaterThan(100 * c.tolerance);
      }
      // The text side matters too: another query moves every score.
      const otherQuery = c.textProbes.map((v) => -v);
      const moved = crossProbeScores(
        c.weights,
        c.config,
        otherQuery,
        c.textGlobal,
        c.visionProbes,
        c.visionGlobal,
      );
      expect(maxAbsDelta(moved, c.expectedScores)).toBeGreaterThan(100 * c.tolerance);
    },
  );
});

// ------------------------------------------------------------------ a real pack's golden vectors

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function defaultPackDir(): string | undefined {
  const index = path.join(repoRoot, 'public', 'models', 'index.json');
  if (!existsSync(index)) return undefined;
  const { default: id } = JSON.parse(readFileSync(index, 'utf8')) as { default: string };
  return path.join(repoRoot, 'public', 'models', id);
}

const packDir = defaultPackDir();

describe.skipIf(packDir === undefined)('the default pack’s golden cross-probe vectors', () => {
  const dir = packDir ?? '';
  const manifest = parseManifest(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')));
  const config = crossProbeConfig(manifest);
  const bytes = readFileSync(path.join(dir, manifest.crossProbe.weightsFile));
  const weights = readCrossProbeWeights(
    manifest,
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
  const golden = parseGoldenCrossProbe(
    JSON.parse(readFileSync(path.join(dir, manifest.golden), 'utf8')),
    config,
  );
  const visionProbes = Float32Array.from(
    golden.images.flatMap((im) => Array.from(im.visionProbes)),
  );
  const visionGlobal = Float32Array.from(
    golden.images.flatMap((im) => Array.from(im.visionGlobal)),
  );

  it('reproduces the golden scores with the reference', () => {
    expect(golden.tolerance).toBeLessThanOrEqual(1e-4);
    golden.queries.forEach((query, q) => {
      const scores = crossProbeScores(
        weights,
        config,
        query.textProbes,
        query.textGlobal,
        visionProbes,
        visionGlobal,
      );
      expect(maxAbsDelta(scores, golden.scores[q] ?? [])).toBeLessThanOrEqual(golden.tolerance);
    });
  });

  it.skipIf(golden.lateOutputs === undefined)(
    'reproduces the golden late outputs with the reference',
    () => {
      const late = golden.lateOutputs;
      if (late === undefined) return;
      const query = golden.queries[late.query];
      const image = golden.images[late.image];
      if (query === undefined || image === undefined) throw new Error('checked by the parser');
      const values = referenceLateOutputs(weights, config, query.textProbes, image.visionProbes);
      expect(maxAbsDelta(values, late.values)).toBeLessThanOrEqual(golden.tolerance);
    },
  );
});

describe('parseGoldenCrossProbe', () => {
  const c = cases[1] ?? cases[0];
  if (c === undefined) throw new Error('no cases');
  const { visionProbes: pv, width: d } = c.config;
  const json = {
    tolerance: 1e-4,
    queries: [{ textProbes: Array.from(c.textProbes), textGlobal: Array.from(c.textGlobal) }],
    images: [0, 1].map((k) => ({
      visionProbes: Array.from(c.visionProbes.subarray(k * pv * d, (k + 1) * pv * d)),
      visionGlobal: Array.from(c.visionGlobal.subarray(k * d, (k + 1) * d)),
    })),
    scores: { crossProbe: [Array.from(c.expectedScores.subarray(0, 2))] },
    lateOutputs: {
      query: 0,
      image: 1,
      values: Array.from(
        c.expectedLateOutputs.subarray(
          (pv + c.config.textProbes) * d,
          2 * (pv + c.config.textProbes) * d,
        ),
      ),
    },
  };

  it('reads queries, images, scores and the late outputs of one pair', () => {
    const golden = parseGoldenCrossProbe(json, c.config);
    expect(golden.queries).toHaveLength(1);
    expect(golden.images).toHaveLength(2);
    expect(golden.lateOutputs?.image).toBe(1);
    const image = golden.images[1];
    if (image === undefined) throw new Error('parsed above');
    const late = referenceLateOutputs(c.weights, c.config, c.textProbes, image.visionProbes);
    expect(maxAbsDelta(late, golden.lateOutputs?.values ?? [])).toBeLessThan(1e-6);
    const withoutLate: Record<string, unknown> = { ...json };
    delete withoutLate.lateOutputs;
    expect(parseGoldenCrossProbe(withoutLate, c.config).lateOutputs).toBeUndefined();
  });

  it('refuses vectors of the wrong shape or a late pair that does not exist', () => {
    const shortProbes = { ...json, queries: [{ ...json.queries[0], textProbes: [1, 2] }] };
    expect(() => parseGoldenCrossProbe(shortProbes, c.config)).toThrow(/textProbes/);
    const noImage = { ...json, lateOutputs: { ...json.lateOutputs, image: 5 } };
    expect(() => parseGoldenCrossProbe(noImage, c.config)).toThrow(/lateOutputs/);
    const shortScores = { ...json, scores: { crossProbe: [[0.5]] } };
    expect(() => parseGoldenCrossProbe(shortScores, c.config)).toThrow(/scores/);
  });
});
