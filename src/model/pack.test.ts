/**
 * A built model pack against its own golden vectors (written by training/probesearch/build.py):
 * manifest validation, file checksums, tokenizer, region tokens, the four ONNX models on
 * onnxruntime-node, and the plain-TS cross-probe reference.
 *
 * Packs tested: the folder in PROBE_SEARCH_PACK_DIR (relative to the repo root or absolute),
 * else every public/models/<id>/ with a manifest.json; skipped when there is none. Prints the
 * max |Δ| figures.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  crossProbeConfig,
  crossProbeScores,
  cosineSimilarity,
  readCrossProbeWeights,
} from './crossProbeReference.ts';
import type { Detection } from './detections.ts';
import { PackFormatError, parseManifest, type PackManifest } from './manifest.ts';
import { regionTokens } from './regions.ts';
import { tokenise, vocabularyIndex } from './tokenizer.ts';

interface GoldenQuery {
  readonly text: string;
  readonly ids: number[];
  readonly words: string[];
  readonly unknownWords: string[];
  readonly truncated: boolean;
  readonly textProbes: number[];
  readonly textGlobal: number[];
}

interface GoldenImage {
  readonly detections: Detection[];
  readonly regionClasses: number[];
  readonly regionFeatures: number[];
  readonly regionMask: number[];
  readonly visionProbes: number[];
  readonly visionGlobal: number[];
}

interface Golden {
  readonly tolerance: number;
  readonly queries: GoldenQuery[];
  readonly images: GoldenImage[];
  /** [query][image] */
  readonly scores: {
    readonly crossProbe: number[][];
    readonly fullCrossEncoder: number[][];
    readonly globalCosine: number[][];
  };
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function packDirectories(): string[] {
  const chosen = process.env.PROBE_SEARCH_PACK_DIR;
  // An explicitly named pack must exist: a typo should fail, not skip.
  if (chosen) return [path.resolve(repoRoot, chosen)];
  const models = path.join(repoRoot, 'public', 'models');
  if (!existsSync(models)) return [];
  return readdirSync(models)
    .map((name) => path.join(models, name))
    .filter((dir) => existsSync(path.join(dir, 'manifest.json')));
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function maxAbsDelta(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let max = 0;
  for (let i = 0; i < actual.length; i++)
    max = Math.max(max, Math.abs((actual[i] ?? NaN) - (expected[i] ?? NaN)));
  // NaN never compares greater: make it fail the tolerance check instead of hiding.
  return Number.isNaN(max) || Array.from(actual).some(Number.isNaN) ? Infinity : max;
}

const packs = packDirectories();

if (packs.length === 0) {
  it.skip('no model pack to test: set PROBE_SEARCH_PACK_DIR or build one into public/models', () => {});
}

describe.each(packs)('model pack %s', (dir) => {
  const raw = readJson(path.join(dir, 'manifest.json'));
  let manifest: PackManifest;
  let golden: Golden;
  const figures: Record<string, number> = {};

  /** Records a max |Δ| figure and checks it against the golden tolerance. */
  function expectClose(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>): void {
    const delta = maxAbsDelta(actual, expected);
    figures[name] = Math.max(figures[name] ?? 0, delta);
    expect(delta, name).toBeLessThanOrEqual(golden.tolerance);
  }

  async function session(file: string): Promise<ort.InferenceSession> {
    return ort.InferenceSession.create(path.join(dir, file));
  }

  beforeAll(() => {
    manifest = parseManifest(raw);
    golden = readJson(path.join(dir, manifest.golden)) as Golden;
  });

  afterAll(() => {
    console.log(
      `max |Δ| for ${path.relative(repoRoot, dir)} (tolerance ${golden.tolerance}):\n` +
        Object.entries(figures)
          .map(([name, delta]) => `  ${name}: ${delta.toExponential(2)}`)
          .join('\n'),
    );
  });

  it('has a manifest the app accepts', () => {
    expect(manifest.id).toBeTruthy();
    expect(golden.tolerance).toBeLessThanOrEqual(1e-4);
    expect(golden.queries.length).toBeGreaterThan(0);
    expect(golden.images.some((image) => image.detections.length === 0)).toBe(true);
  });

  it('has the files the manifest lists, with their sizes and sha256', () => {
    for (const [name, { bytes, sha256 }] of Object.entries(manifest.files)) {
      const data = readFileSync(path.join(dir, name));
      expect(data.byteLength, name).toBe(bytes);
      expect(createHash('sha256').update(data).digest('hex'), name).toBe(sha256);
    }
  });

  it('tokenises the golden queries as the Python tokenizer did', () => {
    const vocab = readJson(path.join(dir, manifest.text.vocabFile)) as { words: string[] };
    const index = vocabularyIndex(vocab.words);
    for (const query of golden.queries) {
      expect(tokenise(query.text, manifest.text.tokenizer, index), query.text).toEqual({
        ids: query.ids,
        words: query.words,
        unknownWords: query.unknownWords,
        truncated: query.truncated,
      });
    }
  });

  it('turns the golden detections into the golden region tokens', () => {
    for (const image of golden.images) {
      const tokens = regionTokens([image.detections], manifest.vision.maxRegions);
      expect(Array.from(tokens.classes, Number)).toEqual(image.regionClasses);
      expect(Array.from(tokens.mask)).toEqual(image.regionMask);
      // golden.json rounds to 7 decimals
      expect(maxAbsDelta(tokens.features, image.regionFeatures)).toBeLessThanOrEqual(1e-7);
    }
  });

  it('runs the text encoder to the golden text probes and globals', async () => {
    const text = await session(manifest.text.file);
    const ids = golden.queries.flatMap((query) => query.ids);
    const feeds = {
      [manifest.text.inputs.tokenIds]: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [
        golden.queries.length,
        manifest.text.maxWords,
      ]),
    };
    const out = await text.run(feeds);
    const { probes, global } = manifest.text.outputs;
    expect(out[probes]?.dims).toEqual([
      golden.queries.length,
      manifest.probes.text,
      manifest.probes.width,
    ]);
    expectClose(
      'text probes',
      out[probes]?.data as Float32Array,
      golden.queries.flatMap((q) => q.textProbes),
    );
    expectClose(
      'text global',
      out[global]?.data as Float32Array,
      golden.queries.flatMap((q) => q.textGlobal),
    );
    await text.release();
  });

  it('runs the vision encoder on the TS region tokens to the golden vision probes and globals', async () => {
    const vision = await session(manifest.vision.file);
    const tokens = regionTokens(
      golden.images.map((image) => image.detections),
      manifest.vision.maxRegions,
    );
    const { classes, features, mask } = manifest.vision.inputs;
    const r = manifest.vision.maxRegions;
    const out = await vision.run({
      [classes]: new ort.Tensor('int64', tokens.classes, [tokens.batch, r]),
      [features]: new ort.Tensor('float32', tokens.features, [tokens.batch, r, 6]),
      [mask]: new ort.Tensor('float32', tokens.mask, [tokens.batch, r]),
    });
    const { probes, global } = manifest.vision.outputs;
    expect(out[probes]?.dims).toEqual([
      tokens.batch,
      manifest.probes.vision,
      manifest.probes.width,
    ]);
    expectClose(
      'vision probes',
      out[probes]?.data as Float32Array,
      golden.images.flatMap((im) => im.visionProbes),
    );
    expectClose(
      'vision global',
      out[global]?.data as Float32Array,
      golden.images.flatMap((im) => im.visionGlobal),
    );
    await vision.release();
  });

  /** The candidates' golden vision probes and globals, batched. */
  function visionInputs(): { probes: Float32Array; globals: Float32Array } {
    return {
      probes: Float32Array.from(golden.images.flatMap((image) => image.visionProbes)),
      globals: Float32Array.from(golden.images.flatMap((image) => image.visionGlobal)),
    };
  }

  it('runs cross_probe.onnx to the golden cross-probe scores', async () => {
    const cross = await session(manifest.crossProbe.onnxFile);
    const { text: pt, vision: pv, width: d } = manifest.probes;
    const k = golden.images.length;
    const vision = visionInputs();
    const names = manifest.crossProbe.inputs;
    for (const [q, query] of golden.queries.entries()) {
      const out = await cross.run({
        [names.textProbes]: new ort.Tensor('float32', Float32Array.from(query.textProbes), [
          1,
          pt,
          d,
        ]),
        [names.textGlobal]: new ort.Tensor('float32', Float32Array.from(query.textGlobal), [1, d]),
        [names.visionProbes]: new ort.Tensor('float32', vision.probes, [k, pv, d]),
        [names.visionGlobal]: new ort.Tensor('float32', vision.globals, [k, d]),
      });
      const scores = out[manifest.crossProbe.outputs.scores];
      expect(scores?.dims).toEqual([k]);
      expectClose(
        'cross-probe scores (ORT)',
        scores?.data as Float32Array,
        golden.scores.crossProbe[q] ?? [],
      );
    }
    await cross.release();
  });

  it('runs full_cross_encoder.onnx to the golden full cross-encoder scores', async () => {
    const spec = manifest.baselines.fullCrossEncoder;
    const full = await session(spec.file);
    const tokens = regionTokens(
      golden.images.map((image) => image.detections),
      manifest.vision.maxRegions,
    );
    const r = manifest.vision.maxRegions;
    for (const [q, query] of golden.queries.entries()) {
      const out = await full.run({
        [spec.inputs.tokenIds]: new ort.Tensor('int64', BigInt64Array.from(query.ids, BigInt), [
          1,
          query.ids.length,
        ]),
        [spec.inputs.classes]: new ort.Tensor('int64', tokens.classes, [tokens.batch, r]),
        [spec.inputs.features]: new ort.Tensor('float32', tokens.features, [tokens.batch, r, 6]),
        [spec.inputs.mask]: new ort.Tensor('float32', tokens.mask, [tokens.batch, r]),
      });
      const scores = out[spec.outputs.scores];
      expectClose(
        'full cross-encoder scores (ORT)',
        scores?.data as Float32Array,
        golden.scores.fullCrossEncoder[q] ?? [],
      );
    }
    await full.release();
  });

  it('computes the golden cross-probe scores with the plain-TS reference', () => {
    const buffer = readFileSync(path.join(dir, manifest.crossProbe.weightsFile));
    const weights = readCrossProbeWeights(
      manifest,
      buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength),
    );
    const cfg = crossProbeConfig(manifest);
    const vision = visionInputs();
    for (const [q, query] of golden.queries.entries()) {
      const scores = crossProbeScores(
        weights,
        cfg,
        Float32Array.from(query.textProbes),
        Float32Array.from(query.textGlobal),
        vision.probes,
        vision.globals,
      );
      expectClose('cross-probe scores (TS reference)', scores, golden.scores.crossProbe[q] ?? []);
    }
  });

  it('computes the golden two-tower (global cosine) scores', () => {
    for (const [q, query] of golden.queries.entries()) {
      const scores = golden.images.map((image) =>
        cosineSimilarity(query.textGlobal, image.visionGlobal),
      );
      expectClose('global cosine (TS)', scores, golden.scores.globalCosine[q] ?? []);
    }
  });

  describe('refuses mutated manifests with PackFormatError', () => {
    type Mutable = Record<string, unknown> & {
      crossProbe: { tensors: { name: string; offset: number; bytes: number; shape: number[] }[] };
      files: Record<string, unknown>;
      vision: { regionFeatures: string[] };
      text: { tokenizer: Record<string, unknown> };
    };
    type TensorRow = Mutable['crossProbe']['tensors'][number];
    const tensor = (m: Mutable, index: number): TensorRow => {
      const row = m.crossProbe.tensors.at(index);
      if (row === undefined) throw new Error(`the pack has no tensor ${index}`);
      return row;
    };
    const mutations: [string, (m: Mutable) => void, RegExp][] = [
      [
        'another format',
        (m) => (m.format = 'onnx-bundle'),
        /not a Probe Search model pack.*onnx-bundle/,
      ],
      [
        'a newer format version',
        (m) => (m.formatVersion = 2),
        /formatVersion 2.*reads formatVersion 1/,
      ],
      ['no format version', (m) => delete m.formatVersion, /formatVersion undefined/],
      [
        'a missing tensor',
        (m) =>
          (m.crossProbe.tensors = m.crossProbe.tensors.filter(
            (t) => t.name !== 'layers.0.attn.qkv.weight',
          )),
        /lacks tensor layers\.0\.attn\.qkv\.weight/,
      ],
      [
        'a missing final norm',
        (m) => (m.crossProbe.tensors = m.crossProbe.tensors.filter((t) => t.name !== 'norm.bias')),
        /lacks tensor norm\.bias/,
      ],
      [
        'a misaligned offset',
        (m) => void (tensor(m, 1).offset += 4),
        /offset must be a multiple of 256/,
      ],
      ['a wrong byte count', (m) => void (tensor(m, 0).bytes += 4), /bytes must be/],
      ['a wrong shape', (m) => void tensor(m, 2).shape.reverse(), /shape must be/],
      [
        'a tensor past the end of the file',
        (m) => void (tensor(m, -1).offset += 1 << 20),
        /past the weights file/,
      ],
      [
        'an unlisted file',
        (m) => delete m.files['cross_probe.bin'],
        /cross_probe\.bin is used but not listed/,
      ],
      [
        'another region feature layout',
        (m) => m.vision.regionFeatures.reverse(),
        /vision\.regionFeatures/,
      ],
      ['broken tokenizer rules', (m) => (m.text.tokenizer.version = 9), /text\.tokenizer/],
      [
        'a file name with a folder',
        (m) => (m.golden = '../golden.json'),
        /golden must be a plain file name/,
      ],
    ];
    it.each(mutations)('%s', (_name, mutate, message) => {
      const mutated = structuredClone(raw) as Mutable;
      mutate(mutated);
      expect(() => parseManifest(mutated)).toThrow(PackFormatError);
      expect(() => parseManifest(mutated)).toThrow(message);
    });
  });
});
