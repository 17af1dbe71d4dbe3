/**
 * The model pack manifest (DESIGN §4): the one type the app reads a pack through, and the
 * validation that refuses a pack the app does not understand. Written by
 * training/probesearch/build.py (export_pack); checked against real packs in pack.test.ts.
 * Pure TypeScript: no DOM or Node APIs, so the worker and Node scripts share it.
 */
import { PROBE_FORMATS, type ProbeFormat } from '../storage/probeCodec.ts';
import { parseTokenizerRules, type TokenizerRules } from './tokenizer.ts';
import { REGION_FEATURES } from './regions.ts';

export const PACK_FORMAT = 'probe-search-pack';
export const SUPPORTED_FORMAT_VERSIONS: readonly number[] = [1];
/** Byte alignment of every tensor in the cross-probe weights file (export.WEIGHT_ALIGN). */
export const TENSOR_ALIGNMENT = 256;

/** A pack the app cannot use; the message says what is wrong. */
export class PackFormatError extends Error {
  override name = 'PackFormatError';
}

export interface PackFile {
  readonly bytes: number;
  readonly sha256: string;
}

export interface Attribution {
  readonly part: string;
  readonly name: string;
  readonly source: string;
  readonly license: string;
  readonly changes: string;
}

export interface DetectorSpec {
  readonly file: string;
  readonly input: {
    readonly name: string;
    /** [1, height, width, 3] */
    readonly shape: readonly [1, number, number, 3];
    readonly layout: 'NHWC';
    readonly channels: 'RGB';
    readonly range: readonly [number, number];
    readonly normalisation: 'none';
    readonly resize: 'letterbox';
    readonly padValue: number;
  };
  readonly outputs: { readonly heatmap: string; readonly wh: string };
  readonly grid: number;
  readonly stride: number;
  /** Class names in detector channel order. */
  readonly labels: readonly string[];
  readonly decode: {
    readonly maxCandidates: number;
    readonly scoreThreshold: number;
    readonly maxRegions: number;
    /** null: no NMS. */
    readonly nmsIou: number | null;
  };
}

export interface TextEncoderSpec {
  readonly file: string;
  readonly vocabFile: string;
  readonly tokenizer: TokenizerRules;
  readonly maxWords: number;
  readonly inputs: { readonly tokenIds: string };
  readonly outputs: { readonly probes: string; readonly global: string };
}

export interface VisionEncoderSpec {
  readonly file: string;
  readonly maxRegions: number;
  readonly regionFeatures: typeof REGION_FEATURES;
  readonly inputs: { readonly classes: string; readonly features: string; readonly mask: string };
  readonly outputs: { readonly probes: string; readonly global: string };
}

export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32';
  /** Byte offset in the weights file, a multiple of TENSOR_ALIGNMENT. */
  readonly offset: number;
  readonly bytes: number;
}

export interface CrossProbeSpec {
  readonly weightsFile: string;
  readonly onnxFile: string;
  readonly tensors: readonly TensorEntry[];
  readonly layers: number;
  readonly heads: number;
  readonly ffnWidth: number;
  readonly activation: 'gelu_tanh';
  readonly norm: 'pre';
  readonly layerNormEps: number;
  /** Linear weights are [out, in]: y = x·Wᵀ + b. */
  readonly linearLayout: 'out_in';
  readonly inputs: {
    readonly textProbes: string;
    readonly textGlobal: string;
    readonly visionProbes: string;
    readonly visionGlobal: string;
  };
  readonly outputs: { readonly scores: string };
}

export interface FullCrossEncoderSpec {
  readonly file: string;
  readonly layers: number;
  readonly inputs: {
    readonly tokenIds: string;
    readonly classes: string;
    readonly features: string;
    readonly mask: string;
  };
  readonly outputs: { readonly scores: string };
}

/** Cross-probe recall on the synthetic compositional test set, all query kinds, in percent. */
export interface ProbeRecall {
  readonly t2iR1: number;
  readonly t2iR10: number;
  readonly i2tR1: number;
  readonly i2tR10: number;
}

/** Recall with every probe and global round-tripped through each at-rest format. */
export type ProbeQuantisation = Readonly<Record<ProbeFormat, ProbeRecall>>;

export interface PackManifest {
  readonly format: typeof PACK_FORMAT;
  readonly formatVersion: 1;
  readonly id: string;
  readonly version: string;
  readonly attribution: readonly Attribution[];
  readonly detector: DetectorSpec;
  readonly text: TextEncoderSpec;
  readonly vision: VisionEncoderSpec;
  readonly probes: { readonly text: number; readonly vision: number; readonly width: number };
  readonly crossProbe: CrossProbeSpec;
  readonly baselines: { readonly fullCrossEncoder: FullCrossEncoderSpec };
  /** The training ModelConfig (snake_case keys, as Python writes it). */
  readonly model: Readonly<Record<string, number>>;
  readonly scoring: { readonly noMatchThreshold: number };
  /** Reference inputs/outputs file (golden.json). */
  readonly golden: string;
  readonly files: Readonly<Record<string, PackFile>>;
  /** Training and evaluation figures, for display only (not validated beyond being an object). */
  readonly metrics: Readonly<Record<string, unknown>>;
  /** metrics.probeQuantisation, validated where present; null in packs built without it. */
  readonly probeQuantisation: ProbeQuantisation | null;
}

/** The URL of a pack file, `base` being the pack folder ("models/<id>" or an absolute URL). */
export function packFileUrl(base: string, name: string): string {
  if (!isPlainFileName(name))
    throw new PackFormatError(`pack file name ${JSON.stringify(name)} is not a plain file name`);
  return `${base.endsWith('/') ? base : `${base}/`}${encodeURIComponent(name)}`;
}

function isPlainFileName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && !name.includes('..');
}

// ------------------------------------------------------------------ field readers
// Each reader takes the value and its path in the manifest ("crossProbe.tensors[3].offset"),
// so every refusal names the exact field.

function fail(path: string, expected: string, value: unknown): never {
  const got = value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 80);
  throw new PackFormatError(`manifest.json: ${path} must be ${expected}, got ${got}`);
}

type Json = Readonly<Record<string, unknown>>;

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(path, 'an object', value);
  return value as Json;
}

function array(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value)) fail(path, 'a list', value);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') fail(path, 'a non-empty string', value);
  return value;
}

function literal<T extends string | number>(value: unknown, path: string, expected: T): T {
  if (value !== expected) fail(path, JSON.stringify(expected), value);
  return expected;
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'a finite number', value);
  return value;
}

function integer(value: unknown, path: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(path, `an integer ≥ ${min}`, value);
  }
  return value;
}

function fileName(value: unknown, path: string): string {
  const name = string(value, path);
  if (!isPlainFileName(name)) fail(path, 'a plain file name (no folders)', value);
  return name;
}

function strings<const K extends string>(
  value: unknown,
  path: string,
  keys: readonly K[],
): Record<K, string> {
  const source = object(value, path);
  const result = {} as Record<K, string>;
  for (const key of keys) result[key] = string(source[key], `${path}.${key}`);
  return result;
}

// ------------------------------------------------------------------ sections

function unlisted(name: string): PackFormatError {
  return new PackFormatError(`manifest.json: ${name} is used but not listed in files`);
}

function parseFiles(value: unknown): Record<string, PackFile> {
  const source = object(value, 'files');
  const files: Record<string, PackFile> = {};
  for (const [name, entry] of Object.entries(source)) {
    const path = `files[${JSON.stringify(name)}]`;
    fileName(name, `${path} (name)`);
    const fields = object(entry, path);
    const sha256 = string(fields.sha256, `${path}.sha256`);
    if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${path}.sha256`, '64 lower-case hex digits', sha256);
    files[name] = { bytes: integer(fields.bytes, `${path}.bytes`, 0), sha256 };
  }
  return files;
}

function parseAttribution(value: unknown): Attribution[] {
  const entries = array(value, 'attribution');
  if (entries.length === 0) fail('attribution', 'a non-empty list', value);
  return entries.map((entry, index) =>
    strings(entry, `attribution[${index}]`, ['part', 'name', 'source', 'license', 'changes']),
  );
}

function parseDetector(value: unknown): DetectorSpec {
  const d = object(value, 'detector');
  const input = object(d.input, 'detector.input');
  const shape = array(input.shape, 'detector.input.shape');
  if (shape.length !== 4 || shape[0] !== 1 || shape[3] !== 3) {
    fail('detector.input.shape', '[1, height, width, 3]', shape);
  }
  const range = array(input.range, 'detector.input.range');
  if (range.length !== 2) fail('detector.input.range', '[low, high]', range);
  const decode = object(d.decode, 'detector.decode');
  const labels = array(d.labels, 'detector.labels').map((label, i) =>
    string(label, `detector.labels[${i}]`),
  );
  return {
    file: fileName(d.file, 'detector.file'),
    input: {
      name: string(input.name, 'detector.input.name'),
      shape: [
        1,
        integer(shape[1], 'detector.input.shape[1]', 1),
        integer(shape[2], 'detector.input.shape[2]', 1),
        3,
      ],
      layout: literal(input.layout, 'detector.input.layout', 'NHWC'),
      channels: literal(input.channels, 'detector.input.channels', 'RGB'),
      range: [
        finite(range[0], 'detector.input.range[0]'),
        finite(range[1], 'detector.input.range[1]'),
      ],
      normalisation: literal(input.normalisation, 'detector.input.normalisation', 'none'),
      resize: literal(input.resize, 'detector.input.resize', 'letterbox'),
      padValue: finite(input.padValue, 'detector.input.padValue'),
    },
    outputs: strings(d.outputs, 'detector.outputs', ['heatmap', 'wh']),
    grid: integer(d.grid, 'detector.grid', 1),
    stride: integer(d.stride, 'detector.stride', 1),
    labels,
    decode: {
      maxCandidates: integer(decode.maxCandidates, 'detector.decode.maxCandidates', 1),
      scoreThreshold: finite(decode.scoreThreshold, 'detector.decode.scoreThreshold'),
      maxRegions: integer(decode.maxRegions, 'detector.decode.maxRegions', 1),
      nmsIou: decode.nmsIou === null ? null : finite(decode.nmsIou, 'detector.decode.nmsIou'),
    },
  };
}

function parseText(value: unknown): TextEncoderSpec {
  const t = object(value, 'text');
  let tokenizer: TokenizerRules;
  try {
    tokenizer = parseTokenizerRules(t.tokenizer);
  } catch (error) {
    throw new PackFormatError(`manifest.json: text.tokenizer: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const maxWords = integer(t.maxWords, 'text.maxWords', 1);
  if (tokenizer.maxWords !== maxWords)
    fail('text.tokenizer.maxWords', `text.maxWords (${maxWords})`, tokenizer.maxWords);
  return {
    file: fileName(t.file, 'text.file'),
    vocabFile: fileName(t.vocabFile, 'text.vocabFile'),
    tokenizer,
    maxWords,
    inputs: strings(t.inputs, 'text.inputs', ['tokenIds']),
    outputs: strings(t.outputs, 'text.outputs', ['probes', 'global']),
  };
}

function parseVision(value: unknown): VisionEncoderSpec {
  const v = object(value, 'vision');
  const features = array(v.regionFeatures, 'vision.regionFeatures');
  if (
    features.length !== REGION_FEATURES.length ||
    features.some((f, i) => f !== REGION_FEATURES[i])
  ) {
    fail('vision.regionFeatures', JSON.stringify(REGION_FEATURES), features);
  }
  return {
    file: fileName(v.file, 'vision.file'),
    maxRegions: integer(v.maxRegions, 'vision.maxRegions', 1),
    regionFeatures: REGION_FEATURES,
    inputs: strings(v.inputs, 'vision.inputs', ['classes', 'features', 'mask']),
    outputs: strings(v.outputs, 'vision.outputs', ['probes', 'global']),
  };
}

/** Tensor names and shapes the late stack must have, in the order export.py writes them. */
export function expectedCrossProbeTensors(
  layers: number,
  width: number,
  ffnWidth: number,
): { name: string; shape: number[] }[] {
  const expected: { name: string; shape: number[] }[] = [];
  for (let i = 0; i < layers; i++) {
    const p = `layers.${i}.`;
    expected.push(
      { name: `${p}ln1.weight`, shape: [width] },
      { name: `${p}ln1.bias`, shape: [width] },
      { name: `${p}attn.qkv.weight`, shape: [3 * width, width] },
      { name: `${p}attn.qkv.bias`, shape: [3 * width] },
      { name: `${p}attn.out.weight`, shape: [width, width] },
      { name: `${p}attn.out.bias`, shape: [width] },
      { name: `${p}ln2.weight`, shape: [width] },
      { name: `${p}ln2.bias`, shape: [width] },
      { name: `${p}ffn1.weight`, shape: [ffnWidth, width] },
      { name: `${p}ffn1.bias`, shape: [ffnWidth] },
      { name: `${p}ffn2.weight`, shape: [width, ffnWidth] },
      { name: `${p}ffn2.bias`, shape: [width] },
    );
  }
  expected.push({ name: 'norm.weight', shape: [width] }, { name: 'norm.bias', shape: [width] });
  return expected;
}

function parseTensor(value: unknown, path: string): TensorEntry {
  const t = object(value, path);
  const shape = array(t.shape, `${path}.shape`).map((n, i) => integer(n, `${path}.shape[${i}]`, 1));
  const offset = integer(t.offset, `${path}.offset`, 0);
  if (offset % TENSOR_ALIGNMENT !== 0)
    fail(`${path}.offset`, `a multiple of ${TENSOR_ALIGNMENT}`, offset);
  const bytes = integer(t.bytes, `${path}.bytes`, 0);
  const elements = shape.reduce((a, b) => a * b, 1);
  if (bytes !== elements * 4)
    fail(`${path}.bytes`, `${elements} elements × 4 = ${elements * 4}`, bytes);
  return {
    name: string(t.name, `${path}.name`),
    shape,
    dtype: literal(t.dtype, `${path}.dtype`, 'float32'),
    offset,
    bytes,
  };
}

/** The table must hold exactly the late stack's tensors, non-overlapping, inside the file. */
function checkTensorTable(
  tensors: readonly TensorEntry[],
  spec: { layers: number; width: number; ffnWidth: number },
  fileBytes: number,
): void {
  const byName = new Map<string, TensorEntry>();
  for (const tensor of tensors) {
    if (byName.has(tensor.name)) fail('crossProbe.tensors', 'distinct names', tensor.name);
    byName.set(tensor.name, tensor);
  }
  const expected = expectedCrossProbeTensors(spec.layers, spec.width, spec.ffnWidth);
  for (const { name, shape } of expected) {
    const tensor = byName.get(name);
    if (tensor === undefined)
      throw new PackFormatError(`manifest.json: crossProbe.tensors lacks tensor ${name}`);
    if (tensor.shape.join() !== shape.join())
      fail(`crossProbe.tensors ${name}.shape`, JSON.stringify(shape), tensor.shape);
  }
  if (byName.size !== expected.length) {
    const known = new Set(expected.map((e) => e.name));
    const extra = [...byName.keys()].filter((name) => !known.has(name));
    throw new PackFormatError(
      `manifest.json: crossProbe.tensors has unexpected tensors ${extra.join(', ')}`,
    );
  }
  const byOffset = [...tensors].sort((a, b) => a.offset - b.offset);
  byOffset.forEach((tensor, i) => {
    const next = byOffset[i + 1];
    const end = tensor.offset + tensor.bytes;
    if (next !== undefined && end > next.offset) {
      throw new PackFormatError(
        `manifest.json: crossProbe.tensors ${tensor.name} overlaps ${next.name}`,
      );
    }
    if (end > fileBytes) {
      throw new PackFormatError(
        `manifest.json: crossProbe.tensors ${tensor.name} ends at byte ${end}, past the weights file (${fileBytes} bytes)`,
      );
    }
  });
}

function parseCrossProbe(
  value: unknown,
  width: number,
  files: Readonly<Record<string, PackFile>>,
): CrossProbeSpec {
  const c = object(value, 'crossProbe');
  const layers = integer(c.layers, 'crossProbe.layers', 1);
  const heads = integer(c.heads, 'crossProbe.heads', 1);
  if (width % heads !== 0) fail('crossProbe.heads', `a divisor of the width ${width}`, heads);
  const ffnWidth = integer(c.ffnWidth, 'crossProbe.ffnWidth', 1);
  const weightsFile = fileName(c.weightsFile, 'crossProbe.weightsFile');
  const tensors = array(c.tensors, 'crossProbe.tensors').map((t, i) =>
    parseTensor(t, `crossProbe.tensors[${i}]`),
  );
  const weights = files[weightsFile];
  if (weights === undefined) throw unlisted(weightsFile);
  checkTensorTable(tensors, { layers, width, ffnWidth }, weights.bytes);
  const layerNormEps = finite(c.layerNormEps, 'crossProbe.layerNormEps');
  if (layerNormEps <= 0) fail('crossProbe.layerNormEps', 'positive', layerNormEps);
  return {
    weightsFile,
    onnxFile: fileName(c.onnxFile, 'crossProbe.onnxFile'),
    tensors,
    layers,
    heads,
    ffnWidth,
    activation: literal(c.activation, 'crossProbe.activation', 'gelu_tanh'),
    norm: literal(c.norm, 'crossProbe.norm', 'pre'),
    layerNormEps,
    linearLayout: literal(c.linearLayout, 'crossProbe.linearLayout', 'out_in'),
    inputs: strings(c.inputs, 'crossProbe.inputs', [
      'textProbes',
      'textGlobal',
      'visionProbes',
      'visionGlobal',
    ]),
    outputs: strings(c.outputs, 'crossProbe.outputs', ['scores']),
  };
}

function parseFullCrossEncoder(value: unknown): FullCrossEncoderSpec {
  const f = object(object(value, 'baselines').fullCrossEncoder, 'baselines.fullCrossEncoder');
  return {
    file: fileName(f.file, 'baselines.fullCrossEncoder.file'),
    layers: integer(f.layers, 'baselines.fullCrossEncoder.layers', 1),
    inputs: strings(f.inputs, 'baselines.fullCrossEncoder.inputs', [
      'tokenIds',
      'classes',
      'features',
      'mask',
    ]),
    outputs: strings(f.outputs, 'baselines.fullCrossEncoder.outputs', ['scores']),
  };
}

function parseModelConfig(value: unknown): Record<string, number> {
  const source = object(value, 'model');
  const config: Record<string, number> = {};
  for (const [key, entry] of Object.entries(source)) config[key] = finite(entry, `model.${key}`);
  return config;
}

/** The manifest's names of the ProbeRecall figures. */
const RECALL_KEYS: Readonly<Record<keyof ProbeRecall, string>> = {
  t2iR1: 't2i R@1',
  t2iR10: 't2i R@10',
  i2tR1: 'i2t R@1',
  i2tR10: 'i2t R@10',
};

function parseProbeQuantisation(value: unknown): ProbeQuantisation | null {
  if (value === undefined) return null;
  const path = 'metrics.probeQuantisation';
  const formats = object(value, path);
  const recall = (format: ProbeFormat): ProbeRecall => {
    const figures = object(formats[format], `${path}.${format}`);
    const percent = (key: keyof ProbeRecall): number => {
      const name = `${path}.${format}[${JSON.stringify(RECALL_KEYS[key])}]`;
      const figure = finite(figures[RECALL_KEYS[key]], name);
      if (figure < 0 || figure > 100) fail(name, 'a percentage (0–100)', figure);
      return figure;
    };
    return {
      t2iR1: percent('t2iR1'),
      t2iR10: percent('t2iR10'),
      i2tR1: percent('i2tR1'),
      i2tR10: percent('i2tR10'),
    };
  };
  return Object.fromEntries(
    PROBE_FORMATS.map((format) => [format, recall(format)]),
  ) as ProbeQuantisation;
}

/** The training config and the sections the app reads must describe the same model. */
function checkAgreement(m: PackManifest): void {
  const pairs: [string, number, string, number | undefined][] = [
    ['probes.width', m.probes.width, 'model.width', m.model.width],
    ['probes.text', m.probes.text, 'model.text_probes', m.model.text_probes],
    ['probes.vision', m.probes.vision, 'model.vision_probes', m.model.vision_probes],
    ['crossProbe.heads', m.crossProbe.heads, 'model.heads', m.model.heads],
    ['crossProbe.ffnWidth', m.crossProbe.ffnWidth, 'model.ffn', m.model.ffn],
    ['crossProbe.layers', m.crossProbe.layers, 'model.late_layers', m.model.late_layers],
    ['crossProbe.layerNormEps', m.crossProbe.layerNormEps, 'model.ln_eps', m.model.ln_eps],
    ['text.maxWords', m.text.maxWords, 'model.max_words', m.model.max_words],
    ['vision.maxRegions', m.vision.maxRegions, 'model.max_regions', m.model.max_regions],
    ['detector.labels length', m.detector.labels.length, 'model.classes', m.model.classes],
  ];
  for (const [name, value, otherName, other] of pairs) {
    if (value !== other) {
      throw new PackFormatError(
        `manifest.json: ${name} (${value}) disagrees with ${otherName} (${String(other)})`,
      );
    }
  }
  const referenced = [
    m.detector.file,
    m.text.file,
    m.text.vocabFile,
    m.vision.file,
    m.crossProbe.weightsFile,
    m.crossProbe.onnxFile,
    m.baselines.fullCrossEncoder.file,
    m.golden,
  ];
  for (const name of referenced) {
    if (m.files[name] === undefined) throw unlisted(name);
  }
}

/**
 * Validates a parsed manifest.json. Throws PackFormatError naming the first problem: a
 * different format or version, a missing or mistyped field, an inconsistent tensor table.
 */
export function parseManifest(json: unknown): PackManifest {
  const m = object(json, '(top level)');
  if (m.format !== PACK_FORMAT) {
    throw new PackFormatError(
      `not a Probe Search model pack: format is ${JSON.stringify(m.format)}, expected "${PACK_FORMAT}"`,
    );
  }
  if (m.formatVersion !== 1) {
    throw new PackFormatError(
      `unsupported model pack formatVersion ${JSON.stringify(m.formatVersion)}; this app reads formatVersion ${SUPPORTED_FORMAT_VERSIONS.join(', ')}`,
    );
  }
  const files = parseFiles(m.files);
  const probesSection = object(m.probes, 'probes');
  const probes = {
    text: integer(probesSection.text, 'probes.text', 1),
    vision: integer(probesSection.vision, 'probes.vision', 1),
    width: integer(probesSection.width, 'probes.width', 1),
  };
  const scoring = object(m.scoring, 'scoring');
  const metrics = object(m.metrics, 'metrics');
  const manifest: PackManifest = {
    format: PACK_FORMAT,
    formatVersion: 1,
    id: fileName(m.id, 'id'), // also a folder and cache name
    version: string(m.version, 'version'),
    attribution: parseAttribution(m.attribution),
    detector: parseDetector(m.detector),
    text: parseText(m.text),
    vision: parseVision(m.vision),
    probes,
    crossProbe: parseCrossProbe(m.crossProbe, probes.width, files),
    baselines: { fullCrossEncoder: parseFullCrossEncoder(m.baselines) },
    model: parseModelConfig(m.model),
    scoring: { noMatchThreshold: finite(scoring.noMatchThreshold, 'scoring.noMatchThreshold') },
    golden: fileName(m.golden, 'golden'),
    files,
    metrics,
    probeQuantisation: parseProbeQuantisation(metrics.probeQuantisation),
  };
  checkAgreement(manifest);
  return manifest;
}
