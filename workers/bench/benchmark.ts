/**
 * The product's benchmark, run inside the engine worker on the loaded pack: the same models,
 * tokenizer, probe index, stage-2 scorer, indexer and decoder as the app, on synthetic
 * libraries of N photos (library.ts) and on photo files the caller passes. Every measurement
 * of one run shares the machine state, so the ratios it reports compare like with like;
 * absolute times depend on what else the device is doing.
 *
 * Each timing cell runs as one task on the engine's serial chain (ORT sessions are not
 * re-entrant); a search typed meanwhile waits for the cell in progress.
 */
import type * as Ort from 'onnxruntime-web/wasm';
import type { IndexRequest } from '../../src/engine/api.ts';
import {
  crossProbeConfig,
  crossProbeScores,
  readCrossProbeWeights,
} from '../../src/model/crossProbeReference.ts';
import type { Detection } from '../../src/model/detections.ts';
import type { Vocabulary } from '../../src/model/grounding.ts';
import { packFileUrl, type PackManifest } from '../../src/model/manifest.ts';
import { regionTokens } from '../../src/model/regions.ts';
import { tokenise } from '../../src/model/tokenizer.ts';
import { BENCH_LIBRARY } from '../../src/storage/keys.ts';
import {
  deleteDatabase,
  photoLibrary,
  STORED_PROBE_FORMAT,
  type PackKey,
} from '../../src/storage/library.ts';
import { encodedBytes, PROBE_FORMATS } from '../../src/storage/probeCodec.ts';
import { defaultShortlist, WasmCrossProbeScorer, WASM_BATCH } from '../crossProbeScorer.ts';
import { acquireGpu, type GpuContext } from '../gpu/device.ts';
import { IndexingControl, runIndexing, type IndexerPack } from '../indexer.ts';
import {
  createCrossProbeRunner,
  createResidentLibrary,
  type CrossProbeRunner,
  type ResidentLibrary,
} from '../kernels/crossProbe/crossProbeKernels.ts';
import { PackModels, type Encoded, type OrtModule, type WasmBackend } from '../models.ts';
import type { DownloadedPack } from '../packFiles.ts';
import type { PhotoDecoder } from '../photo.ts';
import { ProbeIndex } from '../probeIndex.ts';
import type { Serial } from '../serial.ts';
import { createGpuMatmul, MATMUL_TILE } from './gpuMatmul.ts';
import { benchQueries, encodeBaseLibrary, tiledLibrary, TILE_NOISE } from './library.ts';
import { MATMUL_INPUTS, matmulFlops, matmulModel } from './matmulModel.ts';
import { accuracyFromMetrics, perPairFlops, resolveShortlists } from './metrics.ts';
import { seededRandom } from './random.ts';
import { timeCell, type CellLimits } from './stats.ts';
import type {
  BackendReport,
  BenchmarkOptions,
  BenchmarkProgress,
  BenchmarkResult,
  IndexingRow,
  MatmulReport,
  PhotoSet,
  QueryRow,
  Stage2Row,
  StorageReport,
  Timing,
} from './types.ts';

/** What the benchmark needs of the engine and its loaded pack. */
export interface BenchmarkContext {
  readonly manifest: PackManifest;
  /** The downloaded pack: the bench makes WASM sessions from it when the engine runs on GPU. */
  readonly files: DownloadedPack;
  /** Absolute URL of the pack folder, ending in "/": the bench fetches the baseline from it. */
  readonly packUrl: string;
  readonly packKey: PackKey;
  /** The engine's own models (indexing is timed with them, on the engine's backend). */
  readonly models: PackModels;
  /** The same models on ORT's plain WASM build, when the engine runs on it (else null). */
  readonly wasmModels: PackModels | null;
  /** ORT's plain WASM build (the full cross-encoder and the matmul run on it). */
  readonly wasmOrt: OrtModule;
  /** The engine's GPU device (ORT's), shared with the kernels; null on the WASM backend. */
  readonly gpu: GpuContext | null;
  readonly vocabulary: Vocabulary;
  readonly serial: Serial;
  readonly wasm: WasmBackend;
  /** The engine's backend, for the report ("WebGPU · google swiftshader"). */
  readonly engineBackend: string;
  readonly decode: PhotoDecoder;
}

/** The context of one run: `models` are the WASM ones (queries, stage 2 and the checks). */
interface RunContext extends BenchmarkContext {
  /** The K the ORT-WASM scorer picks by default, from its cost measured at the start. */
  readonly wasmDefaultShortlist: number;
}

/**
 * The library the indexing rows write to: never the user's. Deleted at the start and end of a
 * run; the panel deletes it when a run is stopped (the worker is terminated then).
 */
const benchLibrary = photoLibrary(BENCH_LIBRARY);

/** On a software adapter (SwiftShader) a 1024³ product takes seconds: the yardstick shrinks. */
const FALLBACK_ADAPTER_MATMUL = 256;

async function fetchPackFile(manifest: PackManifest, packUrl: string, name: string) {
  const response = await fetch(packFileUrl(packUrl, name));
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  const bytes = await response.arrayBuffer();
  const expected = manifest.files[name];
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  if (bytes.byteLength !== expected?.bytes || hex !== expected.sha256) {
    throw new Error(`${name} does not match the manifest (size or SHA-256)`);
  }
  return bytes;
}

function topRows(rows: readonly number[], scores: Float32Array, count: number): number[] {
  return rows
    .map((row, i) => ({ row, score: scores[i] ?? -Infinity }))
    .sort((a, b) => b.score - a.score || a.row - b.row)
    .slice(0, count)
    .map((c) => c.row);
}

/** The GPU side: a device, the WGSL cross-probe runner and its measured default K. */
interface GpuSide {
  readonly context: GpuContext;
  readonly runner: CrossProbeRunner;
  readonly defaultShortlist: number;
}

export async function runBenchmark(
  ctx: BenchmarkContext,
  options: BenchmarkOptions,
  onProgress: (progress: BenchmarkProgress) => void,
): Promise<BenchmarkResult> {
  const started = performance.now();
  const { manifest, serial } = ctx;
  const { probes: probeShape } = manifest;
  const shape = { probeFloats: probeShape.vision * probeShape.width, width: probeShape.width };
  const random = seededRandom(options.seed);
  const limits: CellLimits = { repeats: options.repeats, maxCellMs: options.maxCellMs };
  const steps = 3 + options.librarySizes.length + options.photoSets.length;
  let done = 0;
  const progress = (step: string) => {
    onProgress({ step, done, total: steps });
    done += 1;
  };

  progress('loading the baseline, the kernels and the reference');
  // What a run stopped or closed mid-way left behind.
  await deleteDatabase(BENCH_LIBRARY);
  const ort = ctx.wasmOrt;
  // On a GPU engine its sessions are WebGPU ones (and ORT's other build): make WASM ones.
  const ownModels =
    ctx.wasmModels === null
      ? await serial(() => PackModels.create(ctx.files, () => undefined, { ort, provider: 'wasm' }))
      : null;
  const models = ctx.wasmModels ?? ownModels;
  if (models === null) throw new Error('no WASM models');
  const costProbe = new WasmCrossProbeScorer(
    models,
    new ProbeIndex(shape.probeFloats, shape.width, 1),
    probeShape.text,
  );
  const run: RunContext = {
    ...ctx,
    models,
    wasmDefaultShortlist: defaultShortlist(await serial(() => costProbe.msPerCandidate())),
  };
  const weightsFile = await fetchPackFile(manifest, ctx.packUrl, manifest.crossProbe.weightsFile);
  const fullFile = manifest.baselines.fullCrossEncoder.file;
  const fullBytes = new Uint8Array(await fetchPackFile(manifest, ctx.packUrl, fullFile));
  const fullSession = await serial(() =>
    ort.InferenceSession.create(fullBytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    }),
  );
  const referenceWeights = readCrossProbeWeights(manifest, weightsFile);
  const referenceConfig = crossProbeConfig(manifest);

  let gpu: GpuSide | null = null;
  let gpuError: string | null = null;
  if (options.webgpu) {
    try {
      // The engine's device when it runs on WebGPU (shared with ORT), else one of our own.
      const context = ctx.gpu ?? (await acquireGpu({ label: 'probe-search benchmark' }));
      const runner = await createCrossProbeRunner(context.device, manifest, weightsFile);
      gpu = { context, runner, defaultShortlist: 0 };
    } catch (error) {
      gpuError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }

  const backend: BackendReport = {
    engine: ctx.engineBackend,
    userAgent: navigator.userAgent,
    cores: navigator.hardwareConcurrency,
    wasmThreads: ctx.wasm.threads,
    crossOriginIsolated: ctx.wasm.crossOriginIsolated,
    gpu:
      gpu === null
        ? null
        : {
            vendor: gpu.context.description.vendor,
            architecture: gpu.context.description.architecture,
            description: gpu.context.description.description,
            isFallbackAdapter: gpu.context.description.isFallbackAdapter,
          },
    gpuError,
  };

  try {
    // First, so that the benchmark's library exists for as short a time as possible.
    const indexing: IndexingRow[] = [];
    let storedBytesPerPhoto: number | null = null;
    try {
      for (const [i, set] of options.photoSets.entries()) {
        progress(`indexing ${set.label}`);
        indexing.push(await measureIndexing(ctx, set, `${i}/`));
      }
      const stored = await benchLibrary.storedProbeBytes();
      if (stored.records > 0) storedBytesPerPhoto = stored.bytes / stored.records;
    } finally {
      await deleteDatabase(BENCH_LIBRARY);
    }
    const storage: StorageReport = {
      storedFormat: STORED_PROBE_FORMAT,
      storedBytesPerPhoto,
      quantisation: PROBE_FORMATS.map((format) => ({
        format,
        bytesPerPhoto: encodedBytes(probeShape.vision + 1, probeShape.width, format),
        recall: manifest.probeQuantisation?.[format] ?? null,
      })),
    };

    progress('encoding the synthetic region sets');
    const base = await serial(() =>
      encodeBaseLibrary(random, options.baseRegionSets, manifest.detector.labels.length, (sets) =>
        models.encodeVision(sets),
      ),
    );
    const queries = benchQueries(
      random,
      manifest.detector.labels,
      Math.max(options.repeats, 1),
    ).map((text) => tokenise(text, manifest.text.tokenizer, ctx.vocabulary.index).ids);
    const query = (i: number) => queries[i % queries.length] ?? [];
    const encodeText = (i: number) => models.encodeText(query(i));

    if (gpu !== null) {
      const probe = await serial(() => encodeText(0));
      const gpuSide = gpu;
      const candidates = {
        visionProbes: new Float32Array(WASM_BATCH * shape.probeFloats),
        visionGlobal: new Float32Array(WASM_BATCH * shape.width),
      };
      const textSide = { textProbes: probe.probes, textGlobal: probe.global };
      await gpuSide.runner.score(textSide, candidates);
      let best = Infinity;
      for (let run = 0; run < 3; run++) {
        const t0 = performance.now();
        await gpuSide.runner.score(textSide, candidates);
        best = Math.min(best, performance.now() - t0);
      }
      gpu = { ...gpuSide, defaultShortlist: defaultShortlist(best / WASM_BATCH) };
    }

    const full: FullCrossEncoderSession = { session: fullSession, ort };
    const stage2Library =
      options.librarySizes.find((n) => n === 10_000) ?? Math.max(...options.librarySizes);
    const queryRows: QueryRow[] = [];
    let stage2: Stage2Row[] = [];
    for (const size of options.librarySizes) {
      progress(`queries on a library of ${size.toLocaleString('en')} photos`);
      const index = tiledLibrary(base, size, shape, random);
      let resident: ResidentLibrary | null = null;
      let webgpuSkipped: string | null = null;
      if (gpu !== null) {
        try {
          resident = residentLibrary(gpu, index);
        } catch (error) {
          // A library over the device's buffer limits: WebGPU cells stay empty for this N.
          webgpuSkipped =
            error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        }
      }
      try {
        queryRows.push({
          ...(await measureQueries(run, index, options, limits, encodeText, query, full, {
            gpu,
            resident,
          })),
          webgpuSkipped,
        });
        if (size === stage2Library) {
          stage2 = await measureStage2(run, index, options, limits, encodeText, query, {
            full,
            gpu,
            resident,
            reference: (text, rows) => {
              const gathered = index.gather(rows);
              return crossProbeScores(
                referenceWeights,
                referenceConfig,
                text.probes,
                text.global,
                gathered.probes,
                gathered.global,
              );
            },
          });
        }
      } finally {
        resident?.probes.destroy();
        resident?.globals.destroy();
      }
    }

    progress('matmul yardstick');
    const matmul = {
      wasm: await ortMatmul(ort, serial, options.matmulSize.wasm, limits),
      webgpu: gpu === null ? null : await gpuMatmul(gpu, options.matmulSize.webgpu, limits),
    };

    return {
      pack: { id: manifest.id, version: manifest.version },
      backend,
      options: measuredOptions(options),
      libraryNote:
        `${base.regionSets.length} random region sets (1–7 objects, COCO classes, person-heavy, ` +
        `repeats for counts) encoded by ${manifest.vision.file}, tiled to N with Gaussian noise ` +
        `of ${TILE_NOISE * 100}% of each vector's RMS on every copy`,
      defaultShortlist: { wasm: run.wasmDefaultShortlist, webgpu: gpu?.defaultShortlist ?? null },
      queries: queryRows,
      stage2,
      perPairFlops: perPairFlops(manifest.metrics),
      matmul,
      accuracy: accuracyFromMetrics(manifest.metrics),
      indexing,
      storage,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    gpu?.runner.dispose();
    if (ctx.gpu === null) gpu?.context.destroy();
    await fullSession.release();
    await ownModels?.release();
  }
}

/** The options as the result reports them: the photo files themselves stay out. */
function measuredOptions(options: BenchmarkOptions): Omit<BenchmarkOptions, 'photoSets'> {
  const { photoSets, ...rest } = options;
  void photoSets;
  return rest;
}

function residentLibrary(gpu: GpuSide, index: ProbeIndex): ResidentLibrary {
  const all = index.gather(Array.from({ length: index.size }, (_, row) => row));
  return createResidentLibrary(gpu.context.device, gpu.runner.config, all.probes, all.global);
}

/** Stage 2 of one query on the WGSL kernels, over rows of the GPU-resident library. */
function webgpuScores(
  gpu: GpuSide,
  library: ResidentLibrary,
  text: Encoded,
  rows: readonly number[],
): Promise<Float32Array> {
  return gpu.runner.score(
    { textProbes: text.probes, textGlobal: text.global },
    { library, rows: Uint32Array.from(rows) },
  );
}

/** Times a cell of the table on the engine's serial chain (nothing else runs meanwhile). */
const cellTimer = (serial: Serial, limits: CellLimits) => (run: (i: number) => Promise<unknown>) =>
  serial(() => timeCell(run, limits));

/** The full cross-encoder's WASM session. */
interface FullCrossEncoderSession {
  readonly session: Ort.InferenceSession;
  readonly ort: typeof Ort;
}

async function measureQueries(
  ctx: RunContext,
  index: ProbeIndex,
  options: BenchmarkOptions,
  limits: CellLimits,
  encodeText: (i: number) => Promise<Encoded>,
  query: (i: number) => readonly number[],
  full: FullCrossEncoderSession,
  { gpu, resident }: { gpu: GpuSide | null; resident: ResidentLibrary | null },
): Promise<Omit<QueryRow, 'webgpuSkipped'>> {
  const { serial, models } = ctx;
  const scorer = new WasmCrossProbeScorer(models, index, ctx.manifest.probes.text);
  const cell = cellTimer(serial, limits);
  const firstText = await serial(() => encodeText(0));
  const wasmKs = resolveShortlists(options.shortlists, ctx.wasmDefaultShortlist, index.size);
  const results = Math.min(index.size, ctx.wasmDefaultShortlist);

  const textEncoding = await cell(encodeText);
  const stage1 = await cell(async () => index.shortlist(firstText.global, results));
  const twoTower = await cell(async (i) => {
    const text = await encodeText(i);
    return index.shortlist(text.global, results);
  });
  const crossProbeWasm = [];
  for (const k of wasmKs) {
    const timing = await cell(async (i) => {
      const text = await encodeText(i);
      const rows = index.shortlist(text.global, k).map((c) => c.row);
      return topRows(rows, await scorer.score(text, rows), rows.length);
    });
    crossProbeWasm.push({ k, timing });
  }
  const crossProbeWebgpu = [];
  if (gpu !== null && resident !== null) {
    for (const k of resolveShortlists(options.shortlists, gpu.defaultShortlist, index.size)) {
      const timing = await cell(async (i) => {
        const text = await encodeText(i);
        const rows = index.shortlist(text.global, k).map((c) => c.row);
        return topRows(rows, await webgpuScores(gpu, resident, text, rows), rows.length);
      });
      crossProbeWebgpu.push({ k, timing });
    }
  }
  // The same query as cross-probe's, with the full model re-ranking the shortlist.
  const fullCrossEncoderTiming = await cell(async (i) => {
    const text = await encodeText(i);
    const rows = index.shortlist(text.global, results).map((c) => c.row);
    const images = rows.map((row) => index.detectionsOf(row));
    return topRows(rows, await fullCrossEncoder(ctx, full, query(i), images), rows.length);
  });
  return {
    librarySize: index.size,
    textEncoding,
    stage1,
    twoTower,
    crossProbeWasm,
    crossProbeWebgpu,
    fullCrossEncoder: { k: results, timing: fullCrossEncoderTiming },
  };
}

interface Stage2Implementations {
  readonly full: FullCrossEncoderSession;
  readonly gpu: GpuSide | null;
  readonly resident: ResidentLibrary | null;
  readonly reference: (text: Encoded, rows: readonly number[]) => Float32Array;
}

/** The full cross-encoder on K candidates: the query's words with each photo's regions. */
async function fullCrossEncoder(
  ctx: RunContext,
  full: FullCrossEncoderSession,
  tokenIds: readonly number[],
  images: readonly (readonly Detection[])[],
): Promise<Float32Array> {
  const spec = ctx.manifest.baselines.fullCrossEncoder;
  const { Tensor } = full.ort;
  const scores = new Float32Array(images.length);
  const ids = new Tensor('int64', BigInt64Array.from(tokenIds, BigInt), [1, tokenIds.length]);
  for (let start = 0; start < images.length; start += WASM_BATCH) {
    const tokens = regionTokens(
      images.slice(start, start + WASM_BATCH),
      ctx.manifest.vision.maxRegions,
    );
    const dims = [tokens.batch, tokens.maxRegions];
    const out = await full.session.run({
      [spec.inputs.tokenIds]: ids,
      [spec.inputs.classes]: new Tensor('int64', tokens.classes, dims),
      [spec.inputs.features]: new Tensor('float32', tokens.features, [...dims, 6]),
      [spec.inputs.mask]: new Tensor('float32', tokens.mask, dims),
    });
    const data = out[spec.outputs.scores]?.data;
    if (!(data instanceof Float32Array) || data.length !== tokens.batch) {
      throw new Error(`${spec.file}: scores output missing or of the wrong size`);
    }
    scores.set(data, start);
  }
  return scores;
}

async function measureStage2(
  ctx: RunContext,
  index: ProbeIndex,
  options: BenchmarkOptions,
  limits: CellLimits,
  encodeText: (i: number) => Promise<Encoded>,
  query: (i: number) => readonly number[],
  impl: Stage2Implementations,
): Promise<Stage2Row[]> {
  const { serial } = ctx;
  const scorer = new WasmCrossProbeScorer(ctx.models, index, ctx.manifest.probes.text);
  const texts: Encoded[] = [];
  for (let i = 0; i < Math.max(1, options.repeats); i++)
    texts.push(await serial(() => encodeText(i)));
  const text = (i: number): Encoded =>
    texts[i % texts.length] ?? { probes: new Float32Array(), global: new Float32Array() };
  const cell = cellTimer(serial, limits);
  const rows: Stage2Row[] = [];
  for (const k of resolveShortlists(options.shortlists, ctx.wasmDefaultShortlist, index.size)) {
    const shortlists = texts.map((t) => index.shortlist(t.global, k).map((c) => c.row));
    const candidates = (i: number) => shortlists[i % shortlists.length] ?? [];
    const labels = options.shortlists
      .filter((s) => Math.min(index.size, s === 'default' ? ctx.wasmDefaultShortlist : s) === k)
      .map((s) => (s === 'default' ? 'default (WASM)' : String(s)));
    const { gpu, resident } = impl;
    rows.push({
      k,
      label: labels.join(' = '),
      crossProbeWasm: await cell((i) => scorer.score(text(i), candidates(i))),
      crossProbeWebgpu:
        gpu === null || resident === null
          ? null
          : await cell((i) => webgpuScores(gpu, resident, text(i), candidates(i))),
      crossProbeReference: await cell(async (i) => impl.reference(text(i), candidates(i))),
      fullCrossEncoder: await cell((i) =>
        fullCrossEncoder(
          ctx,
          impl.full,
          query(i),
          candidates(i).map((row) => index.detectionsOf(row)),
        ),
      ),
    });
  }
  return rows;
}

async function ortMatmul(
  ort: typeof Ort,
  serial: Serial,
  n: number,
  limits: CellLimits,
): Promise<MatmulReport> {
  const session = await ort.InferenceSession.create(matmulModel(n, n, n), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  try {
    const random = seededRandom(7);
    const operand = () =>
      new ort.Tensor(
        'float32',
        Float32Array.from({ length: n * n }, () => random.next() - 0.5),
        [n, n],
      );
    const feeds = { [MATMUL_INPUTS.a]: operand(), [MATMUL_INPUTS.b]: operand() };
    const timing = await serial(() => timeCell(() => session.run(feeds), limits));
    return { size: n, flops: matmulFlops(n, n, n), timing };
  } finally {
    await session.release();
  }
}

async function gpuMatmul(
  gpu: GpuSide,
  requested: number,
  limits: CellLimits,
): Promise<MatmulReport> {
  const { device, description } = gpu.context;
  const side = description.isFallbackAdapter
    ? Math.min(requested, FALLBACK_ADAPTER_MATMUL)
    : requested;
  const n = Math.max(MATMUL_TILE, Math.round(side / MATMUL_TILE) * MATMUL_TILE);
  await checkGpuMatmul(device);
  const matmul = createGpuMatmul(device, n);
  try {
    const timing: Timing = await timeCell(() => matmul.time(), limits);
    return { size: n, flops: matmulFlops(n, n, n), timing };
  } finally {
    matmul.dispose();
  }
}

/** A yardstick that computes garbage fast would flatter nothing: check one small product. */
async function checkGpuMatmul(device: GPUDevice): Promise<void> {
  const n = MATMUL_TILE * 2;
  const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7) % 13) - 6);
  const b = Float32Array.from({ length: n * n }, (_, i) => ((i * 5) % 11) - 5);
  const matmul = createGpuMatmul(device, n);
  try {
    const c = await matmul.multiply(a, b);
    for (const [i, j] of [
      [0, 0],
      [5, 77],
      [n - 1, n - 1],
      [64, 3],
    ] as const) {
      let sum = 0;
      for (let t = 0; t < n; t++) sum += (a[i * n + t] ?? 0) * (b[t * n + j] ?? 0);
      if (Math.abs((c[i * n + j] ?? NaN) - sum) > 1e-3 * Math.max(1, Math.abs(sum))) {
        throw new Error(`the WGSL matmul yardstick is wrong at (${i}, ${j})`);
      }
    }
  } finally {
    matmul.dispose();
  }
}

/**
 * Indexes a photo set with the engine's indexer into a throw-away index and the benchmark's
 * library, timing each part.
 */
async function measureIndexing(
  ctx: BenchmarkContext,
  set: PhotoSet,
  prefix: string,
): Promise<IndexingRow> {
  const { manifest, models } = ctx;
  const parts = { decode: 0, detector: 0, visionEncoder: 0 };
  const timed = async <T>(part: keyof typeof parts, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      parts[part] += performance.now() - t0;
    }
  };
  const { input } = manifest.detector;
  const pack: IndexerPack = {
    key: ctx.packKey,
    inputSize: input.shape[1],
    padValue: input.padValue,
    index: new ProbeIndex(manifest.probes.vision * manifest.probes.width, manifest.probes.width),
    stale: new Set(),
    detect: (image, geometry) => timed('detector', () => models.detect(image, geometry)),
    encodeVision: (detections) => timed('visionEncoder', () => models.encodeVision(detections)),
  };
  const request: IndexRequest = {
    photos: set.photos.map((photo) => ({ path: `${prefix}${photo.path}`, file: photo.file })),
    folders: [],
  };
  const now = () => performance.now();
  const report = await runIndexing(request, () => undefined, new IndexingControl(now), {
    serial: ctx.serial,
    pack: () => pack,
    decode: (file, decodeOptions) => timed('decode', () => ctx.decode(file, decodeOptions)),
    now,
    progressIntervalMs: 1000,
    library: benchLibrary,
  });
  const per = (ms: number) => (report.indexed > 0 ? ms / report.indexed : 0);
  const totalMs = report.seconds * 1000;
  return {
    label: set.label,
    photos: set.photos.length,
    indexed: report.indexed,
    seconds: report.seconds,
    photosPerSecond: report.seconds > 0 ? report.indexed / report.seconds : 0,
    perPhotoMs: {
      decode: per(parts.decode),
      detector: per(parts.detector),
      visionEncoder: per(parts.visionEncoder),
      other: per(totalMs - parts.decode - parts.detector - parts.visionEncoder),
    },
  };
}
