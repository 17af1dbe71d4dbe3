/**
 * Cross-Probe BERT's per-pair step on WebGPU, batched over K candidates: the WGSL kernels beside
 * this file, their bind-group layouts, strides and dispatch math. The math is the plain-TS
 * reference's (src/model/crossProbeReference.ts); the browser self-test (src/gpuCheck) and
 * e2e/gpu-kernels.spec.ts hold the two to 1e-4.
 *
 * Per chunk of candidates, one submit:
 *   gather → per layer [layerNorm → linear(qkv) → attention → linear(out, +x) → layerNorm →
 *   linear(ffn1, GELU) → linear(ffn2, +x)] → layerNorm → poolCosine
 * Every dispatch covers all candidates of the chunk at once; weights are uploaded once into one
 * buffer and bound by tensor-table offset.
 */
import { COSINE_EPS, type CrossProbeConfig } from '../../../src/model/crossProbeReference.ts';
import {
  expectedCrossProbeTensors,
  PackFormatError,
  type PackManifest,
  type TensorEntry,
} from '../../../src/model/manifest.ts';
import { GpuLimitsError } from '../../gpu/device.ts';
import attentionSource from './attention.wgsl?raw';
import gatherSource from './gather.wgsl?raw';
import layerNormSource from './layerNorm.wgsl?raw';
import linearSource from './linear.wgsl?raw';
import {
  attentionWorkgroupBytes,
  chunks,
  LINEAR_TILE,
  linearWorkgroupBytes,
  maxCandidatesPerChunk,
  wgslConstants,
  type KernelShape,
  type WgslConstant,
} from './plan.ts';
import poolCosineSource from './poolCosine.wgsl?raw';

/** What the kernels read from a pack manifest (a whole PackManifest will do). */
export type CrossProbeModelSpec = Pick<PackManifest, 'probes' | 'crossProbe'>;

/** One query's side: text probes [Pt·d] and text global [d]. */
export interface CrossProbeQuery {
  readonly textProbes: Float32Array;
  readonly textGlobal: Float32Array;
}

/** Candidates given as arrays: vision probes [K·Pv·d], vision globals [K·d]; uploaded per call. */
export interface UploadedCandidates {
  readonly visionProbes: Float32Array;
  readonly visionGlobal: Float32Array;
}

/**
 * A probe library kept on the GPU: probes [count, Pv, d] and globals [count, d], float32, in
 * STORAGE buffers (see createResidentLibrary). The caller owns and destroys the buffers.
 */
export interface ResidentLibrary {
  readonly probes: GPUBuffer;
  readonly globals: GPUBuffer;
  readonly count: number;
}

/** Candidates as rows of a resident library: gathered inside the kernels, nothing uploaded. */
export interface ResidentCandidates {
  readonly library: ResidentLibrary;
  readonly rows: Uint32Array;
}

export type CrossProbeCandidates = UploadedCandidates | ResidentCandidates;

export interface CrossProbeResult {
  /** [K] */
  readonly scores: Float32Array;
  /** The late stack's output after its final LayerNorm, [K, Pt + Pv, d]. */
  readonly lateOutputs: Float32Array;
}

export interface CrossProbeRunner {
  readonly config: CrossProbeConfig;
  /** Candidates per submit; larger K runs as several chunks. */
  readonly maxCandidatesPerChunk: number;
  /** Scores [K] of one query against K candidates. */
  score(query: CrossProbeQuery, candidates: CrossProbeCandidates): Promise<Float32Array>;
  /** As score, also reading back the late outputs (diagnostics and tests). */
  scoreWithLateOutputs(
    query: CrossProbeQuery,
    candidates: CrossProbeCandidates,
  ): Promise<CrossProbeResult>;
  /** Destroys the runner's buffers (not the device, not resident libraries). */
  dispose(): void;
}

export interface CrossProbeRunnerOptions {
  /** Upper bound on candidates per submit (device limits may lower it further). */
  readonly maxCandidatesPerChunk?: number;
}

/** A GPU validation or out-of-memory error raised while running the kernels. */
export class GpuKernelError extends Error {
  override name = 'GpuKernelError';
}

const STORAGE = GPUBufferUsage.STORAGE;
const COPY_DST = GPUBufferUsage.COPY_DST;
const COPY_SRC = GPUBufferUsage.COPY_SRC;
/** Uniform slots are bound at offsets; 256 is the largest minUniformBufferOffsetAlignment. */
const UNIFORM_SLOT = 256;

export function crossProbeKernelConfig(spec: CrossProbeModelSpec): CrossProbeConfig {
  return {
    textProbes: spec.probes.text,
    visionProbes: spec.probes.vision,
    width: spec.probes.width,
    heads: spec.crossProbe.heads,
    ffnWidth: spec.crossProbe.ffnWidth,
    layerNormEps: spec.crossProbe.layerNormEps,
  };
}

/** Uploads a probe library (probes [N·Pv·d], globals [N·d]) for resident scoring. */
export function createResidentLibrary(
  device: GPUDevice,
  config: CrossProbeConfig,
  probes: Float32Array,
  globals: Float32Array,
): ResidentLibrary {
  const count = globals.length / config.width;
  if (!Number.isInteger(count) || probes.length !== count * config.visionProbes * config.width) {
    throw new RangeError('createResidentLibrary: probes/globals do not have the pack shape');
  }
  const upload = (label: string, data: Float32Array): GPUBuffer => {
    const buffer = device.createBuffer({
      label,
      size: Math.max(4, data.byteLength),
      usage: STORAGE | COPY_DST,
    });
    writeArray(device.queue, buffer, data);
    return buffer;
  };
  return {
    probes: upload('cross-probe library probes', probes),
    globals: upload('cross-probe library globals', globals),
    count,
  };
}

/**
 * queue.writeBuffer of a typed array that may view a SharedArrayBuffer (WASM memory, a
 * transferred worker buffer): passed as buffer + byte range, which writeBuffer accepts for both.
 */
function writeArray(queue: GPUQueue, target: GPUBuffer, data: Float32Array | Uint32Array): void {
  queue.writeBuffer(target, 0, data.buffer, data.byteOffset, data.byteLength);
}

// ------------------------------------------------------------------ pipelines

const pipelineCache = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

/** Compiles `source` with `constants` prepended, once per device and key; failures are evicted. */
function pipeline(
  device: GPUDevice,
  name: string,
  source: string,
  constants: Readonly<Record<string, WgslConstant>>,
): Promise<GPUComputePipeline> {
  const code = `${wgslConstants(constants)}\n${source}`;
  const key = `${name}\n${code}`;
  let cache = pipelineCache.get(device);
  if (cache === undefined) {
    cache = new Map();
    pipelineCache.set(device, cache);
  }
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const label = `cross-probe ${name}`;
  const module = device.createShaderModule({ label, code });
  const created = device
    .createComputePipelineAsync({ label, layout: 'auto', compute: { module, entryPoint: 'main' } })
    .catch(async (error: unknown) => {
      cache.delete(key);
      const info = await module.getCompilationInfo();
      const messages = info.messages
        .filter((m) => m.type === 'error')
        .map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
      throw new GpuKernelError(`${label}: ${[String(error), ...messages].join('\n')}`, {
        cause: error,
      });
    });
  cache.set(key, created);
  return created;
}

interface Pipelines {
  readonly gather: GPUComputePipeline;
  readonly layerNorm: GPUComputePipeline;
  readonly linear: GPUComputePipeline;
  readonly linearGelu: GPUComputePipeline;
  readonly linearResidual: GPUComputePipeline;
  readonly attention: GPUComputePipeline;
  readonly poolCosine: GPUComputePipeline;
}

async function createPipelines(device: GPUDevice, shape: KernelShape, eps: number) {
  const tile = LINEAR_TILE;
  const linear = (gelu: boolean, residual: boolean) =>
    pipeline(device, `linear${gelu ? ' gelu' : ''}${residual ? ' residual' : ''}`, linearSource, {
      TILE_M: { u32: tile.m },
      TILE_N: { u32: tile.n },
      TILE_K: { u32: tile.k },
      THREADS_M: { u32: tile.threadsM },
      THREADS_N: { u32: tile.threadsN },
      PER_M: { u32: tile.m / tile.threadsM },
      PER_N: { u32: tile.n / tile.threadsN },
      GELU: { bool: gelu },
      RESIDUAL: { bool: residual },
    });
  const headDim = shape.width / shape.heads;
  const [gather, layerNorm, plain, gelu, residual, attention, poolCosine] = await Promise.all([
    pipeline(device, 'gather', gatherSource, {
      TEXT_ROWS: { u32: shape.textRows },
      ROWS: { u32: shape.rows },
      WIDTH: { u32: shape.width },
    }),
    pipeline(device, 'layerNorm', layerNormSource, {
      WIDTH: { u32: shape.width },
      EPS: { f32: eps },
    }),
    linear(false, false),
    linear(true, false),
    linear(false, true),
    pipeline(device, 'attention', attentionSource, {
      ROWS: { u32: shape.rows },
      WIDTH: { u32: shape.width },
      HEAD_DIM: { u32: headDim },
      SCALE: { f32: 1 / Math.sqrt(headDim) },
    }),
    pipeline(device, 'poolCosine', poolCosineSource, {
      TEXT_ROWS: { u32: shape.textRows },
      ROWS: { u32: shape.rows },
      WIDTH: { u32: shape.width },
      EPS: { f32: COSINE_EPS },
    }),
  ]);
  return {
    gather,
    layerNorm,
    linear: plain,
    linearGelu: gelu,
    linearResidual: residual,
    attention,
    poolCosine,
  } satisfies Pipelines;
}

// ------------------------------------------------------------------ weights

interface TensorBinding {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly size: number;
}

interface LayerBindings {
  readonly ln1: readonly [TensorBinding, TensorBinding];
  readonly qkv: readonly [TensorBinding, TensorBinding];
  readonly out: readonly [TensorBinding, TensorBinding];
  readonly ln2: readonly [TensorBinding, TensorBinding];
  readonly ffn1: readonly [TensorBinding, TensorBinding];
  readonly ffn2: readonly [TensorBinding, TensorBinding];
}

/** Checks the tensor table against the model's shape and the device, and names sub-ranges. */
function bindWeights(
  device: GPUDevice,
  spec: CrossProbeModelSpec,
  weights: GPUBuffer,
  byteLength: number,
): { layers: LayerBindings[]; norm: readonly [TensorBinding, TensorBinding] } {
  const { layers, ffnWidth, tensors } = spec.crossProbe;
  const byName = new Map<string, TensorEntry>(tensors.map((t) => [t.name, t]));
  const align = device.limits.minStorageBufferOffsetAlignment;
  for (const { name, shape } of expectedCrossProbeTensors(layers, spec.probes.width, ffnWidth)) {
    const entry = byName.get(name);
    if (entry === undefined) throw new PackFormatError(`cross-probe weights lack ${name}`);
    if (entry.shape.join() !== shape.join() || entry.bytes !== 4 * shape.reduce((a, b) => a * b))
      throw new PackFormatError(`cross-probe tensor ${name} is not float32 [${shape.join(', ')}]`);
    if (entry.offset + entry.bytes > byteLength)
      throw new PackFormatError(`cross-probe tensor ${name} lies past the weights file`);
    if (entry.offset % align !== 0)
      throw new GpuLimitsError(`tensor ${name} at offset ${entry.offset} is not ${align}-aligned`);
  }
  const tensor = (name: string): TensorBinding => {
    const entry = byName.get(name);
    if (entry === undefined) throw new PackFormatError(`cross-probe weights lack ${name}`);
    return { buffer: weights, offset: entry.offset, size: entry.bytes };
  };
  const pair = (prefix: string) => [tensor(`${prefix}.weight`), tensor(`${prefix}.bias`)] as const;
  return {
    layers: Array.from({ length: layers }, (_, i) => ({
      ln1: pair(`layers.${i}.ln1`),
      qkv: pair(`layers.${i}.attn.qkv`),
      out: pair(`layers.${i}.attn.out`),
      ln2: pair(`layers.${i}.ln2`),
      ffn1: pair(`layers.${i}.ffn1`),
      ffn2: pair(`layers.${i}.ffn2`),
    })),
    norm: pair('norm'),
  };
}

// ------------------------------------------------------------------ activations

/** Uniform slots, one per distinct dispatch shape; written once per chunk. */
const SLOT = { candidates: 0, tokens: 1, qkv: 2, out: 3, ffn1: 4, ffn2: 5 } as const;
const SLOTS = 6;

/** Buffers and bind groups for chunks of up to `capacity` candidates. */
interface Plan {
  readonly capacity: number;
  readonly uniforms: GPUBuffer;
  readonly textProbes: GPUBuffer;
  readonly textGlobal: GPUBuffer;
  readonly visionProbes: GPUBuffer;
  readonly visionGlobals: GPUBuffer;
  readonly candidateRows: GPUBuffer;
  readonly x: GPUBuffer;
  readonly normed: GPUBuffer;
  readonly qkv: GPUBuffer;
  readonly heads: GPUBuffer;
  readonly hidden: GPUBuffer;
  readonly scores: GPUBuffer;
  /** Dispatches between gather and poolCosine, in order. */
  readonly layerSteps: readonly Step[];
  readonly buffers: readonly GPUBuffer[];
}

interface Step {
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  /** Workgroup grid for a chunk of `count` candidates. */
  grid(count: number): readonly [number, number];
}

type Binding = GPUBuffer | TensorBinding | { slot: number };

export async function createCrossProbeRunner(
  device: GPUDevice,
  spec: CrossProbeModelSpec,
  weightsFile: ArrayBuffer,
  options: CrossProbeRunnerOptions = {},
): Promise<CrossProbeRunner> {
  const config = crossProbeKernelConfig(spec);
  const shape: KernelShape = {
    textRows: config.textProbes,
    rows: config.textProbes + config.visionProbes,
    width: config.width,
    heads: config.heads,
    ffnWidth: config.ffnWidth,
  };
  const { limits } = device;
  const attentionBytes = attentionWorkgroupBytes(shape);
  if (attentionBytes > limits.maxComputeWorkgroupStorageSize) {
    throw new GpuLimitsError(
      `attention over ${shape.rows} tokens needs ${attentionBytes} bytes of workgroup memory; ` +
        `the device allows ${limits.maxComputeWorkgroupStorageSize}`,
    );
  }
  if (linearWorkgroupBytes() > limits.maxComputeWorkgroupStorageSize) {
    throw new GpuLimitsError('the linear kernel tiles do not fit workgroup memory');
  }
  if (weightsFile.byteLength % 4 !== 0) {
    throw new PackFormatError(`the cross-probe weights file is not whole float32 values`);
  }
  if (weightsFile.byteLength > limits.maxBufferSize) {
    throw new GpuLimitsError(
      `the cross-probe weights (${weightsFile.byteLength} bytes) exceed maxBufferSize`,
    );
  }
  const chunkSize = maxCandidatesPerChunk(limits, shape, options.maxCandidatesPerChunk);
  const pipelines = await createPipelines(device, shape, config.layerNormEps);

  const weights = device.createBuffer({
    label: 'cross-probe weights',
    size: Math.max(4, weightsFile.byteLength),
    usage: STORAGE | COPY_DST,
  });
  device.queue.writeBuffer(weights, 0, weightsFile);
  const tensors = bindWeights(device, spec, weights, weightsFile.byteLength);

  let plan: Plan | undefined;
  let disposed = false;

  const bindGroup = (
    label: string,
    target: GPUComputePipeline,
    uniforms: GPUBuffer,
    bindings: readonly Binding[],
  ): GPUBindGroup =>
    device.createBindGroup({
      label,
      layout: target.getBindGroupLayout(0),
      entries: bindings.map((b, binding) => {
        if (b instanceof GPUBuffer) return { binding, resource: { buffer: b } };
        if ('slot' in b) {
          return {
            binding,
            resource: { buffer: uniforms, offset: b.slot * UNIFORM_SLOT, size: 16 },
          };
        }
        return { binding, resource: { buffer: b.buffer, offset: b.offset, size: b.size } };
      }),
    });

  function createPlan(capacity: number): Plan {
    const buffers: GPUBuffer[] = [];
    const buffer = (label: string, floats: number, usage: number): GPUBuffer => {
      const created = device.createBuffer({
        label: `cross-probe ${label}`,
        size: Math.max(16, 4 * floats),
        usage,
      });
      buffers.push(created);
      return created;
    };
    const tokens = capacity * shape.rows;
    const d = shape.width;
    const uniforms = buffer(
      'uniforms',
      (SLOTS * UNIFORM_SLOT) / 4,
      GPUBufferUsage.UNIFORM | COPY_DST,
    );
    const p = {
      capacity,
      uniforms,
      textProbes: buffer('text probes', shape.textRows * d, STORAGE | COPY_DST),
      textGlobal: buffer('text global', d, STORAGE | COPY_DST),
      visionProbes: buffer('vision probes', capacity * config.visionProbes * d, STORAGE | COPY_DST),
      visionGlobals: buffer('vision globals', capacity * d, STORAGE | COPY_DST),
      candidateRows: buffer('candidate rows', capacity, STORAGE | COPY_DST),
      x: buffer('residual stream', tokens * d, STORAGE),
      normed: buffer('normed', tokens * d, STORAGE | COPY_SRC),
      qkv: buffer('qkv', tokens * 3 * d, STORAGE),
      heads: buffer('attention heads', tokens * d, STORAGE),
      hidden: buffer('ffn hidden', tokens * shape.ffnWidth, STORAGE),
      scores: buffer('scores', capacity, STORAGE | COPY_SRC),
    };
    const group = (label: string, target: GPUComputePipeline, bindings: readonly Binding[]) =>
      bindGroup(`cross-probe ${label}`, target, uniforms, bindings);
    const tokenGrid = (count: number) => [count * shape.rows, 1] as const;
    const linearGrid = (outFeatures: number) => (count: number) =>
      [
        Math.ceil(outFeatures / LINEAR_TILE.n),
        Math.ceil((count * shape.rows) / LINEAR_TILE.m),
      ] as const;
    const steps: Step[] = [];
    const step = (
      label: string,
      target: GPUComputePipeline,
      bindings: readonly Binding[],
      grid: Step['grid'],
    ) => steps.push({ pipeline: target, bindGroup: group(label, target, bindings), grid });
    tensors.layers.forEach((layer, i) => {
      const { layerNorm, linear, linearGelu, linearResidual, attention } = pipelines;
      const tokensSlot = { slot: SLOT.tokens };
      step(`layer ${i} ln1`, layerNorm, [tokensSlot, p.x, ...layer.ln1, p.normed], tokenGrid);
      step(
        `layer ${i} qkv`,
        linear,
        [{ slot: SLOT.qkv }, p.normed, ...layer.qkv, p.qkv],
        linearGrid(3 * d),
      );
      step(`layer ${i} attention`, attention, [{ slot: SLOT.candidates }, p.qkv, p.heads], (n) => [
        n,
        shape.heads,
      ]);
      step(
        `layer ${i} out`,
        linearResidual,
        [{ slot: SLOT.out }, p.heads, ...layer.out, p.x],
        linearGrid(d),
      );
      step(`layer ${i} ln2`, layerNorm, [tokensSlot, p.x, ...layer.ln2, p.normed], tokenGrid);
      step(
        `layer ${i} ffn1`,
        linearGelu,
        [{ slot: SLOT.ffn1 }, p.normed, ...layer.ffn1, p.hidden],
        linearGrid(shape.ffnWidth),
      );
      step(
        `layer ${i} ffn2`,
        linearResidual,
        [{ slot: SLOT.ffn2 }, p.hidden, ...layer.ffn2, p.x],
        linearGrid(d),
      );
    });
    step(
      'final norm',
      pipelines.layerNorm,
      [{ slot: SLOT.tokens }, p.x, ...tensors.norm, p.normed],
      tokenGrid,
    );
    return { ...p, layerSteps: steps, buffers };
  }

  function planFor(count: number): Plan {
    if (plan !== undefined && plan.capacity >= count) return plan;
    // Grow geometrically so a run of rising K does not rebuild every time.
    const capacity = Math.min(chunkSize, Math.max(count, 2 * (plan?.capacity ?? 0)));
    if (plan !== undefined) for (const b of plan.buffers) b.destroy();
    plan = createPlan(capacity);
    return plan;
  }

  function uniformData(count: number): ArrayBuffer {
    const data = new ArrayBuffer(SLOTS * UNIFORM_SLOT);
    const put = (slot: number, values: readonly number[]) =>
      new Uint32Array(data, slot * UNIFORM_SLOT, values.length).set(values);
    const tokens = count * shape.rows;
    const d = shape.width;
    put(SLOT.candidates, [count]);
    put(SLOT.tokens, [tokens]);
    put(SLOT.qkv, [tokens, 3 * d, d]);
    put(SLOT.out, [tokens, d, d]);
    put(SLOT.ffn1, [tokens, shape.ffnWidth, d]);
    put(SLOT.ffn2, [tokens, d, shape.ffnWidth]);
    return data;
  }

  function checkInputs(query: CrossProbeQuery, candidates: CrossProbeCandidates): number {
    const d = shape.width;
    if (query.textProbes.length !== shape.textRows * d || query.textGlobal.length !== d) {
      throw new RangeError(
        `cross-probe query: expected text probes [${shape.textRows}·${d}] and global [${d}]`,
      );
    }
    if ('library' in candidates) {
      const { library, rows } = candidates;
      const perPhoto = config.visionProbes * d * 4;
      if (
        library.probes.size < library.count * perPhoto ||
        library.globals.size < library.count * d * 4
      )
        throw new RangeError('resident library buffers are smaller than count photos');
      if (Math.max(library.probes.size, library.globals.size) > limits.maxStorageBufferBindingSize)
        throw new GpuLimitsError('the resident library exceeds maxStorageBufferBindingSize');
      for (const row of rows) {
        if (row >= library.count)
          throw new RangeError(`candidate row ${row} ≥ library size ${library.count}`);
      }
      return rows.length;
    }
    const k = candidates.visionGlobal.length / d;
    if (!Number.isInteger(k) || candidates.visionProbes.length !== k * config.visionProbes * d) {
      throw new RangeError(
        `cross-probe candidates: expected vision probes [K·${config.visionProbes}·${d}] and globals [K·${d}]`,
      );
    }
    return k;
  }

  async function run(
    query: CrossProbeQuery,
    candidates: CrossProbeCandidates,
    withLate: boolean,
  ): Promise<CrossProbeResult> {
    if (disposed) throw new Error('the cross-probe runner has been disposed');
    const total = checkInputs(query, candidates);
    const lateFloats = shape.rows * shape.width;
    if (total === 0) return { scores: new Float32Array(0), lateOutputs: new Float32Array(0) };
    const p = planFor(Math.min(total, chunkSize));
    const scoresBytes = total * 4;
    const lateOffset = Math.ceil(scoresBytes / 256) * 256;
    const readback = device.createBuffer({
      label: 'cross-probe readback',
      size: withLate ? lateOffset + total * lateFloats * 4 : scoresBytes,
      usage: GPUBufferUsage.MAP_READ | COPY_DST,
    });
    const queue = device.queue;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    // Everything up to the last submit happens synchronously: a concurrent call's writes land
    // in the queue after this call's submits, so the shared plan buffers never interleave.
    writeArray(queue, p.textProbes, query.textProbes);
    writeArray(queue, p.textGlobal, query.textGlobal);
    const resident = 'library' in candidates ? candidates : undefined;
    const identity = Uint32Array.from({ length: p.capacity }, (_, i) => i);
    for (const { start, count } of chunks(total, p.capacity)) {
      queue.writeBuffer(p.uniforms, 0, uniformData(count));
      let probesSource = p.visionProbes;
      let globalsSource = p.visionGlobals;
      if (resident !== undefined) {
        writeArray(queue, p.candidateRows, resident.rows.subarray(start, start + count));
        probesSource = resident.library.probes;
        globalsSource = resident.library.globals;
      } else if ('visionProbes' in candidates) {
        const perCandidate = config.visionProbes * shape.width;
        writeArray(queue, p.candidateRows, identity.subarray(0, count));
        writeArray(
          queue,
          p.visionProbes,
          candidates.visionProbes.subarray(start * perCandidate, (start + count) * perCandidate),
        );
        writeArray(
          queue,
          p.visionGlobals,
          candidates.visionGlobal.subarray(start * shape.width, (start + count) * shape.width),
        );
      }
      const gather = bindGroup('cross-probe gather', pipelines.gather, p.uniforms, [
        { slot: SLOT.candidates },
        p.textProbes,
        probesSource,
        p.candidateRows,
        p.x,
      ]);
      const pool = bindGroup('cross-probe poolCosine', pipelines.poolCosine, p.uniforms, [
        { slot: SLOT.candidates },
        p.normed,
        p.textGlobal,
        globalsSource,
        p.candidateRows,
        p.scores,
      ]);
      const encoder = device.createCommandEncoder({ label: 'cross-probe chunk' });
      const pass = encoder.beginComputePass({ label: 'cross-probe chunk' });
      pass.setPipeline(pipelines.gather);
      pass.setBindGroup(0, gather);
      pass.dispatchWorkgroups(count * shape.rows);
      for (const s of p.layerSteps) {
        pass.setPipeline(s.pipeline);
        pass.setBindGroup(0, s.bindGroup);
        pass.dispatchWorkgroups(...s.grid(count));
      }
      pass.setPipeline(pipelines.poolCosine);
      pass.setBindGroup(0, pool);
      pass.dispatchWorkgroups(count);
      pass.end();
      encoder.copyBufferToBuffer(p.scores, 0, readback, start * 4, count * 4);
      if (withLate) {
        encoder.copyBufferToBuffer(
          p.normed,
          0,
          readback,
          lateOffset + start * lateFloats * 4,
          count * lateFloats * 4,
        );
      }
      queue.submit([encoder.finish()]);
    }
    const validation = device.popErrorScope();
    const outOfMemory = device.popErrorScope();
    try {
      const error = (await validation) ?? (await outOfMemory);
      if (error !== null) throw new GpuKernelError(`cross-probe kernels: ${error.message}`);
      await readback.mapAsync(GPUMapMode.READ);
      const mapped = readback.getMappedRange();
      const scores = new Float32Array(mapped.slice(0, scoresBytes));
      const lateOutputs = withLate
        ? new Float32Array(mapped.slice(lateOffset, lateOffset + total * lateFloats * 4))
        : new Float32Array(0);
      return { scores, lateOutputs };
    } finally {
      readback.destroy();
    }
  }

  return {
    config,
    maxCandidatesPerChunk: chunkSize,
    score: async (query, candidates) => (await run(query, candidates, false)).scores,
    scoreWithLateOutputs: (query, candidates) => run(query, candidates, true),
    dispose() {
      disposed = true;
      if (plan !== undefined) for (const b of plan.buffers) b.destroy();
      plan = undefined;
      weights.destroy();
    },
  };
}
