/**
 * Stage 2 on WebGPU: the hand-written WGSL cross-probe kernels (workers/kernels/crossProbe)
 * behind the CrossProbeScorer interface. The library's vision probes and globals stay resident
 * on the GPU; a search uploads only the query and the shortlist's row numbers, and the kernels
 * gather the candidates themselves. The resident copy is rewritten when the index has changed
 * since the last search (indexing adds photos in between), into buffers that grow by doubling.
 */
import type { CrossProbeScorer } from './crossProbeScorer.ts';
import {
  createCrossProbeRunner,
  type CrossProbeCandidates,
  type CrossProbeModelSpec,
  type CrossProbeRunner,
  type ResidentLibrary,
} from './kernels/crossProbe/crossProbeKernels.ts';
import type { Encoded } from './models.ts';
import type { ProbeIndex } from './probeIndex.ts';

/** Candidates in the run that measures the cost per candidate (as the WASM scorer's batch). */
const MEASURE_BATCH = 128;

interface Resident {
  readonly library: ResidentLibrary;
  /** Photos the buffers have room for. */
  readonly capacity: number;
  /** ProbeIndex.version the buffers hold. */
  readonly version: number;
}

export class WebGpuCrossProbeScorer implements CrossProbeScorer {
  readonly label = 'cross-probe WGSL kernels on WebGPU';
  private resident: Resident | undefined;

  private constructor(
    private readonly device: GPUDevice,
    private readonly runner: CrossProbeRunner,
    private readonly index: ProbeIndex,
  ) {}

  /** Compiles the kernels and uploads the weights (`weights`: the pack's cross-probe binary). */
  static async create(
    device: GPUDevice,
    spec: CrossProbeModelSpec,
    weights: Uint8Array<ArrayBuffer>,
    index: ProbeIndex,
  ): Promise<WebGpuCrossProbeScorer> {
    const file = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
    return new WebGpuCrossProbeScorer(
      device,
      await createCrossProbeRunner(device, spec, file),
      index,
    );
  }

  /** Photos' worth of probes one storage binding can hold. */
  private maxResidentPhotos(): number {
    const { limits } = this.device;
    const perPhoto = 4 * this.index.probeFloats;
    return Math.floor(
      Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / perPhoto,
    );
  }

  /** The library as the index has it now, on the GPU; null when it outgrows one binding. */
  private residentLibrary(): ResidentLibrary | null {
    const { index } = this;
    if (this.resident?.version === index.version) return this.resident.library;
    const count = index.size;
    const limit = this.maxResidentPhotos();
    if (count > limit) return null;
    let capacity = this.resident?.capacity ?? 0;
    if (capacity < count) {
      this.destroyResident();
      capacity = Math.min(limit, Math.max(64, 2 * count));
    }
    const all = index.gather(Array.from({ length: count }, (_, row) => row));
    const buffer = (label: string, bytes: number, previous: GPUBuffer | undefined) =>
      previous ??
      this.device.createBuffer({
        label,
        size: Math.max(4, bytes),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
    const kept = this.resident?.library;
    const probes = buffer(
      'resident library probes',
      capacity * 4 * index.probeFloats,
      kept?.probes,
    );
    const globals = buffer('resident library globals', capacity * 4 * index.width, kept?.globals);
    const { queue } = this.device;
    queue.writeBuffer(probes, 0, all.probes.buffer, all.probes.byteOffset, all.probes.byteLength);
    queue.writeBuffer(globals, 0, all.global.buffer, all.global.byteOffset, all.global.byteLength);
    const library = { probes, globals, count };
    this.resident = { library, capacity, version: index.version };
    return library;
  }

  async score(query: Encoded, rows: readonly number[]): Promise<Float32Array> {
    if (rows.length === 0) return new Float32Array(0);
    const library = this.residentLibrary();
    let candidates: CrossProbeCandidates;
    if (library === null) {
      // A library too large for one binding: the shortlist's probes are uploaded instead.
      const gathered = this.index.gather(rows);
      candidates = { visionProbes: gathered.probes, visionGlobal: gathered.global };
    } else {
      candidates = { library, rows: Uint32Array.from(rows) };
    }
    return this.runner.score({ textProbes: query.probes, textGlobal: query.global }, candidates);
  }

  async scoreEncoded(query: Encoded, photos: Encoded, count: number): Promise<Float32Array> {
    if (count === 0) return new Float32Array(0);
    return this.runner.score(
      { textProbes: query.probes, textGlobal: query.global },
      { visionProbes: photos.probes, visionGlobal: photos.global },
    );
  }

  async msPerCandidate(): Promise<number> {
    const { probeFloats, width } = this.index;
    const { textProbes } = this.runner.config;
    const query = {
      textProbes: new Float32Array(textProbes * width),
      textGlobal: new Float32Array(width),
    };
    const candidates = {
      visionProbes: new Float32Array(MEASURE_BATCH * probeFloats),
      visionGlobal: new Float32Array(MEASURE_BATCH * width),
    };
    // The first run allocates the activation buffers; the second is timed.
    await this.runner.score(query, candidates);
    const started = performance.now();
    await this.runner.score(query, candidates);
    return (performance.now() - started) / MEASURE_BATCH;
  }

  private destroyResident(): void {
    this.resident?.library.probes.destroy();
    this.resident?.library.globals.destroy();
    this.resident = undefined;
  }

  /** Frees the kernels' and the library's buffers (the device is ORT's). */
  dispose(): void {
    this.runner.dispose();
    this.destroyResident();
  }
}
