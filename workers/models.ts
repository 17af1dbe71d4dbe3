/**
 * The pack's ONNX models on onnxruntime-web, on the execution provider workers/backend.ts
 * chose: the detector and encoders on 'webgpu' or 'wasm'; the cross-probe model always on
 * 'wasm' (on WebGPU, stage 2 runs the WGSL kernels instead; this session is the CPU fallback).
 */
import type * as Ort from 'onnxruntime-web/wasm';
import type { PackProgress } from '../src/engine/api.ts';
import { EngineError } from '../src/engine/errors.ts';
import { decodeDetections, type Detection } from '../src/model/detections.ts';
import type { Letterbox } from '../src/model/letterbox.ts';
import type { PackManifest } from '../src/model/manifest.ts';
import { regionTokens } from '../src/model/regions.ts';
import type { DownloadedPack } from './packFiles.ts';

/** One onnxruntime-web build (both builds have the same API; see workers/backend.ts). */
export type OrtModule = typeof Ort;

/** Where the sessions run: which ORT build, and the provider of the detector and encoders. */
export interface OrtRuntime {
  readonly ort: OrtModule;
  readonly provider: 'webgpu' | 'wasm';
}

export interface WasmBackend {
  readonly threads: number;
  readonly crossOriginIsolated: boolean;
}

/** Threads need SharedArrayBuffer (cross-origin isolation); 2 is fastest on 2 cores. */
export function wasmBackend(): WasmBackend {
  const isolated = globalThis.crossOriginIsolated;
  return {
    threads: isolated ? Math.min(2, navigator.hardwareConcurrency || 1) : 1,
    crossOriginIsolated: isolated,
  };
}

/** Text or vision side of one encoder run: probes [B, P, d] and globals [B, d], row-major. */
export interface Encoded {
  readonly probes: Float32Array;
  readonly global: Float32Array;
}

function floats(output: Ort.Tensor | undefined, name: string, length: number): Float32Array {
  if (output === undefined || !(output.data instanceof Float32Array)) {
    throw new EngineError('PackCorruptError', `model output ${name} is missing or not float32`);
  }
  if (output.data.length !== length) {
    throw new EngineError(
      'PackCorruptError',
      `model output ${name} has ${output.data.length} values, expected ${length}`,
    );
  }
  return output.data;
}

export class PackModels {
  private constructor(
    private readonly ort: OrtModule,
    private readonly manifest: PackManifest,
    private readonly detector: Ort.InferenceSession,
    private readonly textEncoder: Ort.InferenceSession,
    private readonly visionEncoder: Ort.InferenceSession,
    private readonly crossProbeModel: Ort.InferenceSession,
  ) {}

  /**
   * Compiles the four sessions and runs each once (the first run allocates and plans). Each
   * session is given one provider and no other to fall back to, so a provider that cannot
   * start fails here instead of ORT quietly running the whole model on the next one.
   */
  static async create(
    pack: DownloadedPack,
    onProgress: (progress: PackProgress) => void,
    { ort, provider }: OrtRuntime,
  ): Promise<PackModels> {
    const { manifest } = pack;
    const names = [
      manifest.detector.file,
      manifest.text.file,
      manifest.vision.file,
      manifest.crossProbe.onnxFile,
    ] as const;
    const sessions: Ort.InferenceSession[] = [];
    for (const [i, name] of names.entries()) {
      onProgress({ phase: 'compile', item: name, done: i, total: names.length });
      const bytes = pack.files.get(name);
      if (bytes === undefined) throw new EngineError('PackCorruptError', `${name} was not loaded`);
      try {
        sessions.push(
          await ort.InferenceSession.create(bytes, {
            executionProviders: [name === manifest.crossProbe.onnxFile ? 'wasm' : provider],
            graphOptimizationLevel: 'all',
          }),
        );
      } catch (error) {
        throw new EngineError('PackCorruptError', `${name} cannot be loaded: ${String(error)}`, {
          cause: error,
        });
      }
    }
    const [detector, text, vision, cross] = sessions as [
      Ort.InferenceSession,
      Ort.InferenceSession,
      Ort.InferenceSession,
      Ort.InferenceSession,
    ];
    const models = new PackModels(ort, manifest, detector, text, vision, cross);
    await models.warmUp(onProgress);
    return models;
  }

  private async warmUp(onProgress: (progress: PackProgress) => void): Promise<void> {
    const { detector, text } = this.manifest;
    const total = 4;
    onProgress({ phase: 'warm-up', item: detector.file, done: 0, total });
    const [, height, width] = detector.input.shape;
    await this.detectorOutputs(new Float32Array(height * width * 3));
    onProgress({ phase: 'warm-up', item: text.file, done: 1, total });
    const query = await this.encodeText(new Array<number>(text.maxWords).fill(0));
    onProgress({ phase: 'warm-up', item: this.manifest.vision.file, done: 2, total });
    const image = await this.encodeVision([[]]);
    onProgress({ phase: 'warm-up', item: this.manifest.crossProbe.onnxFile, done: 3, total });
    await this.crossProbe(query, image, 1);
  }

  private async detectorOutputs(input: Float32Array) {
    const { detector } = this.manifest;
    const tensor = new this.ort.Tensor('float32', input, [...detector.input.shape]);
    const out = await this.detector.run({ [detector.input.name]: tensor });
    const cells = detector.grid * detector.grid;
    return {
      heatmap: floats(
        out[detector.outputs.heatmap],
        detector.outputs.heatmap,
        cells * detector.labels.length,
      ),
      wh: floats(out[detector.outputs.wh], detector.outputs.wh, cells * 4),
    };
  }

  /** Detections for one letterboxed NHWC 0–255 RGB input, boxes normalised to the photo. */
  async detect(input: Float32Array, geometry: Letterbox): Promise<Detection[]> {
    const { detector } = this.manifest;
    const { heatmap, wh } = await this.detectorOutputs(input);
    const { nmsIou, ...decode } = detector.decode;
    return decodeDetections(
      { heatmap, wh, grid: detector.grid, stride: detector.stride },
      geometry,
      {
        ...decode,
        ...(nmsIou === null ? {} : { nmsIou }),
      },
    );
  }

  /** One query's token ids (maxWords of them) → text probes [1, Pt, d] and global [1, d]. */
  async encodeText(ids: readonly number[]): Promise<Encoded> {
    const { text, probes } = this.manifest;
    const tensor = new this.ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
    const out = await this.textEncoder.run({ [text.inputs.tokenIds]: tensor });
    return {
      probes: floats(out[text.outputs.probes], text.outputs.probes, probes.text * probes.width),
      global: floats(out[text.outputs.global], text.outputs.global, probes.width),
    };
  }

  /** Detections of B photos → vision probes [B, Pv, d] and globals [B, d]. */
  async encodeVision(images: readonly (readonly Detection[])[]): Promise<Encoded> {
    const { vision, probes } = this.manifest;
    const tokens = regionTokens(images, vision.maxRegions);
    const dims = [tokens.batch, tokens.maxRegions];
    const out = await this.visionEncoder.run({
      [vision.inputs.classes]: new this.ort.Tensor('int64', tokens.classes, dims),
      [vision.inputs.features]: new this.ort.Tensor('float32', tokens.features, [
        ...dims,
        vision.regionFeatures.length,
      ]),
      [vision.inputs.mask]: new this.ort.Tensor('float32', tokens.mask, dims),
    });
    const b = tokens.batch;
    return {
      probes: floats(
        out[vision.outputs.probes],
        vision.outputs.probes,
        b * probes.vision * probes.width,
      ),
      global: floats(out[vision.outputs.global], vision.outputs.global, b * probes.width),
    };
  }

  /** Cross-probe scores of one query against `count` candidates (their probes and globals). */
  async crossProbe(query: Encoded, candidates: Encoded, count: number): Promise<Float32Array> {
    const { crossProbe, probes } = this.manifest;
    const { Tensor } = this.ort;
    const d = probes.width;
    const out = await this.crossProbeModel.run({
      [crossProbe.inputs.textProbes]: new Tensor('float32', query.probes, [1, probes.text, d]),
      [crossProbe.inputs.textGlobal]: new Tensor('float32', query.global, [1, d]),
      [crossProbe.inputs.visionProbes]: new Tensor('float32', candidates.probes, [
        count,
        probes.vision,
        d,
      ]),
      [crossProbe.inputs.visionGlobal]: new Tensor('float32', candidates.global, [count, d]),
    });
    return floats(out[crossProbe.outputs.scores], crossProbe.outputs.scores, count);
  }

  async release(): Promise<void> {
    await Promise.all(
      [this.detector, this.textEncoder, this.visionEncoder, this.crossProbeModel].map((s) =>
        s.release(),
      ),
    );
  }
}
