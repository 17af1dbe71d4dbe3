/**
 * Test cases for the cross-probe kernels, as data: small seeded random models and inputs at
 * several shapes, with expected outputs from the plain-TS reference (src/model/
 * crossProbeReference.ts), and the golden vectors a real pack ships (golden.json, written by
 * training/probesearch/build.py). reference.test.ts checks them in Node; the GPU self-test
 * (src/gpuCheck, e2e/gpu-kernels.spec.ts) runs the same cases on WebGPU.
 * Pure TypeScript: no DOM, Node or GPU APIs.
 */
import {
  assembleCrossProbeWeights,
  crossProbeScores,
  layerNorm,
  lateLayer,
  type CrossProbeConfig,
  type CrossProbeWeights,
} from '../../../src/model/crossProbeReference.ts';
import {
  expectedCrossProbeTensors,
  TENSOR_ALIGNMENT,
  type CrossProbeSpec,
  type TensorEntry,
} from '../../../src/model/manifest.ts';
import type { CrossProbeModelSpec } from './crossProbeKernels.ts';

/** The kernels' target: |Δ| ≤ 1e-4 against the reference (as golden.json's tolerance). */
export const CASE_TOLERANCE = 1e-4;

export interface CaseShape {
  readonly name: string;
  readonly seed: number;
  readonly textProbes: number;
  readonly visionProbes: number;
  readonly width: number;
  readonly heads: number;
  readonly ffnWidth: number;
  readonly layers: number;
  readonly candidates: number;
  /** Multiplies every weight matrix: large values drive softmax and tanh into saturation. */
  readonly weightScale: number;
  /** Forces several chunks (submits) per call. */
  readonly maxCandidatesPerChunk?: number;
}

/**
 * Tiny on purpose (SwiftShader runs WGSL at ~0.5 GFLOP/s). Together they cover: one token per
 * side and K = 1; K and token counts that are not multiples of the workgroup tiles; widths
 * and FFN widths that leave partial tiles; several heads; two layers; 32 tokens (the attention
 * tile's design size); the default model's own shape; saturating activations; chunking.
 */
export const CASE_SHAPES: readonly CaseShape[] = [
  {
    name: 'minimal: Pt=1 Pv=1 d=4 K=1',
    seed: 1,
    textProbes: 1,
    visionProbes: 1,
    width: 4,
    heads: 1,
    ffnWidth: 8,
    layers: 1,
    candidates: 1,
    weightScale: 1,
  },
  {
    name: 'odd K: Pt=2 Pv=3 d=8 h=2 K=7',
    seed: 2,
    textProbes: 2,
    visionProbes: 3,
    width: 8,
    heads: 2,
    ffnWidth: 16,
    layers: 1,
    candidates: 7,
    weightScale: 1,
  },
  {
    name: 'two layers: Pt=2 Pv=3 d=16 h=4 K=5',
    seed: 3,
    textProbes: 2,
    visionProbes: 3,
    width: 16,
    heads: 4,
    ffnWidth: 32,
    layers: 2,
    candidates: 5,
    weightScale: 1,
  },
  {
    name: 'partial tiles: Pt=3 Pv=4 d=20 h=5 f=44 K=33',
    seed: 4,
    textProbes: 3,
    visionProbes: 4,
    width: 20,
    heads: 5,
    ffnWidth: 44,
    layers: 1,
    candidates: 33,
    weightScale: 1,
  },
  {
    name: '32 tokens: Pt=8 Pv=24 d=32 h=2 2 layers K=2',
    seed: 5,
    textProbes: 8,
    visionProbes: 24,
    width: 32,
    heads: 2,
    ffnWidth: 64,
    layers: 2,
    candidates: 2,
    weightScale: 1,
  },
  {
    name: 'default model shape: Pt=4 Pv=8 d=96 h=4 f=384 K=3',
    seed: 6,
    textProbes: 4,
    visionProbes: 8,
    width: 96,
    heads: 4,
    ffnWidth: 384,
    layers: 1,
    candidates: 3,
    weightScale: 1,
  },
  {
    name: 'saturating: weights ×4, Pt=2 Pv=3 d=8 h=2 K=4',
    seed: 7,
    textProbes: 2,
    visionProbes: 3,
    width: 8,
    heads: 2,
    ffnWidth: 16,
    layers: 1,
    candidates: 4,
    weightScale: 4,
  },
  {
    name: 'chunked: K=10 in chunks of 3',
    seed: 8,
    textProbes: 2,
    visionProbes: 2,
    width: 8,
    heads: 2,
    ffnWidth: 16,
    layers: 2,
    candidates: 10,
    weightScale: 1,
    maxCandidatesPerChunk: 3,
  },
];

export interface CrossProbeCase {
  readonly shape: CaseShape;
  readonly config: CrossProbeConfig;
  /** The probes and crossProbe sections a pack manifest would have for this model. */
  readonly spec: CrossProbeModelSpec;
  /** cross_probe.bin for this model: float32 LE tensors at TENSOR_ALIGNMENT offsets. */
  readonly weightsFile: ArrayBuffer;
  /** The same tensors, as readCrossProbeWeights returns them. */
  readonly weights: CrossProbeWeights;
  readonly textProbes: Float32Array;
  readonly textGlobal: Float32Array;
  readonly visionProbes: Float32Array;
  readonly visionGlobal: Float32Array;
  /** [K] from crossProbeScores. */
  readonly expectedScores: Float32Array;
  /** [K, Pt + Pv, d]: the late stack's output after its final LayerNorm, per candidate. */
  readonly expectedLateOutputs: Float32Array;
  readonly tolerance: number;
}

/** mulberry32: a small seeded generator, so cases are the same in Node and every browser. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uniform(next: () => number, length: number, scale: number, offset = 0): Float32Array {
  return Float32Array.from({ length }, () => offset + scale * (2 * next() - 1));
}

/** A named tensor as the weights file stores it. */
export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** Random tensors for every name of the late stack's tensor table, in table order. */
function randomTensors(shape: CaseShape, next: () => number): NamedTensor[] {
  return expectedCrossProbeTensors(shape.layers, shape.width, shape.ffnWidth).map(
    ({ name, shape: dims }) => {
      const size = dims.reduce((a, b) => a * b, 1);
      let values: Float32Array;
      if (dims.length === 2) {
        // Uniform with variance 1/in (× weightScale²): activations stay O(1) through the layers.
        values = uniform(next, size, shape.weightScale * Math.sqrt(3 / (dims[1] ?? 1)));
      } else if (/(ln1|ln2|norm)\.weight$/.test(name)) {
        values = uniform(next, size, 0.2, 1);
      } else {
        values = uniform(next, size, 0.1);
      }
      return { name, shape: dims, values };
    },
  );
}

/** Writes tensors as export.write_tensor_file does; returns the file and its table. */
export function writeTensorFile(tensors: readonly NamedTensor[]): {
  file: ArrayBuffer;
  table: TensorEntry[];
} {
  const table: TensorEntry[] = [];
  let end = 0;
  for (const { name, shape, values } of tensors) {
    const offset = Math.ceil(end / TENSOR_ALIGNMENT) * TENSOR_ALIGNMENT;
    table.push({ name, shape, dtype: 'float32', offset, bytes: values.byteLength });
    end = offset + values.byteLength;
  }
  const file = new ArrayBuffer(end);
  const view = new DataView(file);
  tensors.forEach(({ values }, t) => {
    const offset = table[t]?.offset ?? 0;
    values.forEach((v, i) => view.setFloat32(offset + 4 * i, v, true));
  });
  return { file, table };
}

function weightsFromTensors(tensors: readonly NamedTensor[], shape: CaseShape): CrossProbeWeights {
  const byName = new Map(tensors.map((t) => [t.name, t.values]));
  const get = (name: string): Float32Array => {
    const values = byName.get(name);
    if (values === undefined) throw new Error(`case ${shape.name}: no tensor ${name}`);
    return values;
  };
  return assembleCrossProbeWeights(get, shape);
}

/**
 * The reference's late stack for every candidate, stopping before pooling: the same building
 * blocks crossProbeScores runs, so the two expected outputs can be checked against each other.
 */
export function referenceLateOutputs(
  weights: CrossProbeWeights,
  cfg: CrossProbeConfig,
  textProbes: Float32Array,
  visionProbes: Float32Array,
): Float32Array {
  const { textProbes: pt, visionProbes: pv, width: d } = cfg;
  const rows = pt + pv;
  const k = visionProbes.length / (pv * d);
  const out = new Float32Array(k * rows * d);
  for (let candidate = 0; candidate < k; candidate++) {
    const x = new Float32Array(rows * d);
    x.set(textProbes, 0);
    x.set(visionProbes.subarray(candidate * pv * d, (candidate + 1) * pv * d), pt * d);
    for (const layer of weights.layers) lateLayer(x, rows, layer, cfg);
    out.set(layerNorm(x, rows, weights.norm, cfg.layerNormEps), candidate * rows * d);
  }
  return out;
}

function specFor(shape: CaseShape, config: CrossProbeConfig, table: TensorEntry[]) {
  const crossProbe: CrossProbeSpec = {
    weightsFile: 'cross_probe.bin',
    onnxFile: 'cross_probe.onnx',
    tensors: table,
    layers: shape.layers,
    heads: config.heads,
    ffnWidth: config.ffnWidth,
    activation: 'gelu_tanh',
    norm: 'pre',
    layerNormEps: config.layerNormEps,
    linearLayout: 'out_in',
    inputs: {
      textProbes: 'text_probes',
      textGlobal: 'text_global',
      visionProbes: 'vision_probes',
      visionGlobal: 'vision_global',
    },
    outputs: { scores: 'scores' },
  };
  return {
    probes: { text: shape.textProbes, vision: shape.visionProbes, width: shape.width },
    crossProbe,
  } satisfies CrossProbeModelSpec;
}

export function buildCase(shape: CaseShape): CrossProbeCase {
  const next = random(shape.seed);
  const config: CrossProbeConfig = {
    textProbes: shape.textProbes,
    visionProbes: shape.visionProbes,
    width: shape.width,
    heads: shape.heads,
    ffnWidth: shape.ffnWidth,
    layerNormEps: 1e-5,
  };
  const tensors = randomTensors(shape, next);
  const { file, table } = writeTensorFile(tensors);
  const weights = weightsFromTensors(tensors, shape);
  const d = shape.width;
  const textProbes = uniform(next, shape.textProbes * d, 1.5);
  const textGlobal = uniform(next, d, 2);
  const visionProbes = uniform(next, shape.candidates * shape.visionProbes * d, 1.5);
  const visionGlobal = uniform(next, shape.candidates * d, 2);
  return {
    shape,
    config,
    spec: specFor(shape, config, table),
    weightsFile: file,
    weights,
    textProbes,
    textGlobal,
    visionProbes,
    visionGlobal,
    expectedScores: crossProbeScores(
      weights,
      config,
      textProbes,
      textGlobal,
      visionProbes,
      visionGlobal,
    ),
    expectedLateOutputs: referenceLateOutputs(weights, config, textProbes, visionProbes),
    tolerance: CASE_TOLERANCE,
  };
}

export function crossProbeCases(): CrossProbeCase[] {
  return CASE_SHAPES.map(buildCase);
}

// ------------------------------------------------------------------ golden vectors of a pack

/** The parts of golden.json the cross-probe step is checked against. */
export interface GoldenCrossProbe {
  readonly tolerance: number;
  readonly queries: readonly {
    readonly textProbes: Float32Array;
    readonly textGlobal: Float32Array;
  }[];
  readonly images: readonly {
    readonly visionProbes: Float32Array;
    readonly visionGlobal: Float32Array;
  }[];
  /** [query][image] */
  readonly scores: readonly (readonly number[])[];
  /** The late stack's output for one pair, when the pack has it. */
  readonly lateOutputs?: {
    readonly query: number;
    readonly image: number;
    readonly values: Float32Array;
  };
}

export class GoldenFormatError extends Error {
  override name = 'GoldenFormatError';
}

function field(value: unknown, key: string, path: string): unknown {
  if (typeof value !== 'object' || value === null || !(key in value))
    throw new GoldenFormatError(`golden.json: ${path} lacks ${key}`);
  return (value as Record<string, unknown>)[key];
}

function floats(value: unknown, path: string, length: number): Float32Array {
  if (
    !Array.isArray(value) ||
    value.length !== length ||
    !value.every((v) => typeof v === 'number')
  )
    throw new GoldenFormatError(`golden.json: ${path} is not ${length} numbers`);
  return Float32Array.from(value as number[]);
}

function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new GoldenFormatError(`golden.json: ${path} is not a list`);
  return value;
}

/** Reads and checks the cross-probe parts of golden.json against the model's shape. */
export function parseGoldenCrossProbe(json: unknown, config: CrossProbeConfig): GoldenCrossProbe {
  const { textProbes: pt, visionProbes: pv, width: d } = config;
  const queries = list(field(json, 'queries', '(top)'), 'queries').map((q, i) => ({
    textProbes: floats(field(q, 'textProbes', `queries[${i}]`), `queries[${i}].textProbes`, pt * d),
    textGlobal: floats(field(q, 'textGlobal', `queries[${i}]`), `queries[${i}].textGlobal`, d),
  }));
  const images = list(field(json, 'images', '(top)'), 'images').map((im, i) => ({
    visionProbes: floats(
      field(im, 'visionProbes', `images[${i}]`),
      `images[${i}].visionProbes`,
      pv * d,
    ),
    visionGlobal: floats(field(im, 'visionGlobal', `images[${i}]`), `images[${i}].visionGlobal`, d),
  }));
  const scores = list(
    field(field(json, 'scores', '(top)'), 'crossProbe', 'scores'),
    'scores.crossProbe',
  ).map((row, q) => Array.from(floats(row, `scores.crossProbe[${q}]`, images.length)));
  if (scores.length !== queries.length)
    throw new GoldenFormatError('golden.json: scores.crossProbe has not one row per query');
  const tolerance = field(json, 'tolerance', '(top)');
  if (typeof tolerance !== 'number')
    throw new GoldenFormatError('golden.json: tolerance is not a number');
  const golden: GoldenCrossProbe = { tolerance, queries, images, scores };
  if (typeof json !== 'object' || json === null || !('lateOutputs' in json)) return golden;
  const late = json.lateOutputs;
  const query = field(late, 'query', 'lateOutputs');
  const image = field(late, 'image', 'lateOutputs');
  if (
    typeof query !== 'number' ||
    queries[query] === undefined ||
    typeof image !== 'number' ||
    images[image] === undefined
  )
    throw new GoldenFormatError('golden.json: lateOutputs names no golden query/image');
  return {
    ...golden,
    lateOutputs: {
      query,
      image,
      values: floats(field(late, 'values', 'lateOutputs'), 'lateOutputs.values', (pt + pv) * d),
    },
  };
}

/** Largest |a[i] − b[i]|; Infinity for a length mismatch or any NaN (so it fails a tolerance). */
export function maxAbsDelta(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let max = 0;
  for (let i = 0; i < actual.length; i++) {
    const delta = Math.abs((actual[i] ?? NaN) - (expected[i] ?? NaN));
    if (Number.isNaN(delta)) return Infinity;
    max = Math.max(max, delta);
  }
  return max;
}
