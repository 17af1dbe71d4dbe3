/**
 * Which backend the engine runs on, decided here and not left to onnxruntime-web, whose list of
 * execution providers falls back silently. WebGPU when the browser gives an adapter and ORT's
 * WebGPU provider starts every session with no other provider to fall back to; otherwise WASM
 * (CPU) with as many threads as cross-origin isolation allows. A preference ('wasm' or
 * 'webgpu', from the page's `?backend=`) forces the choice where it can be had.
 *
 * Two ORT builds, each imported only when used, so that a device downloads one .wasm:
 *  - `onnxruntime-web/wasm` (plain build, ~15 MB) for the CPU backend;
 *  - `onnxruntime-web/webgpu` (native WebGPU provider, ~29 MB asyncify build) for the GPU
 *    backend. Its .wasm runs the CPU provider too, but measured 2–2.5× slower than the plain
 *    build on this project's 2-core machine, so it is not the CPU backend's build. It is what a
 *    WebGPU engine falls back to after a device loss: already loaded, so that works offline.
 * Both .wasm files are served from this app's origin.
 *
 * On WebGPU, stage 2 runs the hand-written WGSL kernels (workers/webgpuScorer.ts) on ORT's own
 * GPUDevice, so that ORT and the kernels share one device. A step that the loss of that device
 * fails runs once more on the WASM fall-back (deviceLoss.ts).
 */
import webgpuWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import plainWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { BackendInfo, BackendPreference, PackProgress } from '../src/engine/api.ts';
import { WasmCrossProbeScorer, type CrossProbeScorer } from './crossProbeScorer.ts';
import { acquireGpu, type GpuContext, type GpuDescription } from './gpu/device.ts';
import { PackModels, wasmBackend, type OrtModule } from './models.ts';
import type { DownloadedPack } from './packFiles.ts';
import type { ProbeIndex } from './probeIndex.ts';
import { WebGpuCrossProbeScorer } from './webgpuScorer.ts';

export type OrtBuild = 'wasm' | 'webgpu';

const ortBuilds = new Map<OrtBuild, Promise<OrtModule>>();

/**
 * One ORT build, imported once into its own chunk (its WASM threads start module workers from
 * the chunk's URL, which must be ORT alone). A failed import is forgotten, so it can be retried.
 */
export function loadOrt(build: OrtBuild): Promise<OrtModule> {
  let loading = ortBuilds.get(build);
  if (loading === undefined) {
    const imported: Promise<OrtModule> =
      build === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm');
    const wasm = build === 'webgpu' ? webgpuWasmUrl : plainWasmUrl;
    loading = imported.then((ort) => {
      ort.env.wasm.wasmPaths = { wasm: new URL(wasm, import.meta.url).href };
      ort.env.wasm.numThreads = wasmBackend().threads;
      // Already inside a worker: no extra proxy worker.
      ort.env.wasm.proxy = false;
      return ort;
    });
    loading.catch(() => ortBuilds.delete(build));
    ortBuilds.set(build, loading);
  }
  return loading;
}

/** Why there is no WebGPU here, or null when an adapter is available. */
export async function webGpuUnavailable(): Promise<string | null> {
  if (typeof navigator === 'undefined' || navigator.gpu === undefined) {
    return 'this browser offers no WebGPU';
  }
  try {
    return (await navigator.gpu.requestAdapter()) === null ? 'no GPU adapter' : null;
  } catch (error) {
    return `requestAdapter failed: ${String(error)}`;
  }
}

export function wasmBackendInfo(note: string | null): BackendInfo {
  const { threads, crossOriginIsolated } = wasmBackend();
  return {
    kind: 'wasm',
    threads,
    crossOriginIsolated,
    adapter: null,
    shaderF16: false,
    label: `WASM · ${threads} ${threads === 1 ? 'thread' : 'threads'}`,
    note,
  };
}

/** "google swiftshader": the adapter's vendor and architecture, or whatever it does say. */
export function adapterName(adapter: GpuDescription): string {
  const named = [adapter.vendor, adapter.architecture].filter((part) => part !== '').join(' ');
  return named || adapter.device || adapter.description || 'unnamed GPU';
}

export function webGpuBackendInfo(gpu: GpuContext): BackendInfo {
  const { threads, crossOriginIsolated } = wasmBackend();
  const adapter = adapterName(gpu.description);
  return {
    kind: 'webgpu',
    threads,
    crossOriginIsolated,
    adapter,
    shaderF16: gpu.shaderF16,
    label: `WebGPU · ${adapter}`,
    note: null,
  };
}

/** The models, stage-2 scorer and GPU device (on WebGPU) the engine runs with. */
export interface EngineRuntime {
  readonly backend: BackendInfo;
  readonly ort: OrtModule;
  readonly models: PackModels;
  readonly scorer: CrossProbeScorer;
  /** null on WASM. */
  readonly gpu: GpuContext | null;
  /** Releases the sessions and GPU buffers (never ORT's device: ORT owns it). */
  release(): Promise<void>;
}

export interface RuntimeRequest {
  readonly pack: DownloadedPack;
  readonly index: ProbeIndex;
  readonly preference: BackendPreference;
  readonly onProgress: (progress: PackProgress) => void;
  /** ORT's GPU device ended unexpectedly (driver reset, GPU removed): fall back to WASM. */
  readonly onDeviceLost: (reason: string) => void;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Everything on ORT's CPU provider: the pack's four sessions and the ORT-WASM scorer. */
export async function startWasmRuntime(
  pack: DownloadedPack,
  index: ProbeIndex,
  onProgress: (progress: PackProgress) => void,
  ort: OrtModule,
  note: string | null,
): Promise<EngineRuntime> {
  const models = await PackModels.create(pack, onProgress, { ort, provider: 'wasm' });
  return {
    backend: wasmBackendInfo(note),
    ort,
    models,
    scorer: new WasmCrossProbeScorer(models, index, pack.manifest.probes.text),
    gpu: null,
    release: () => models.release(),
  };
}

async function startWebGpuRuntime(request: RuntimeRequest, ort: OrtModule): Promise<EngineRuntime> {
  const { pack, index, onProgress } = request;
  const { manifest } = pack;
  const models = await PackModels.create(pack, onProgress, { ort, provider: 'webgpu' });
  let gpu: GpuContext | undefined;
  try {
    // ORT made its device with the first WebGPU session; the kernels must share it.
    gpu = await acquireGpu({
      device: await ort.env.webgpu.device,
      onLost: (info) => request.onDeviceLost(info.message || info.reason || 'unknown reason'),
    });
    const weights = pack.files.get(manifest.crossProbe.weightsFile);
    if (weights === undefined) throw new Error(`${manifest.crossProbe.weightsFile} was not loaded`);
    const scorer = await WebGpuCrossProbeScorer.create(gpu.device, manifest, weights, index);
    const context = gpu;
    return {
      backend: webGpuBackendInfo(gpu),
      ort,
      models,
      scorer,
      gpu,
      async release() {
        scorer.dispose();
        context.destroy();
        await models.release();
      },
    };
  } catch (error) {
    gpu?.destroy();
    await models.release();
    throw error;
  }
}

/**
 * Starts the backend the preference and the device allow: WebGPU unless 'wasm' is asked for or
 * there is no adapter; WASM (with a note saying why) when WebGPU is missing or fails to start.
 */
export async function startRuntime(request: RuntimeRequest): Promise<EngineRuntime> {
  const { pack, index, onProgress, preference } = request;
  if (preference === 'wasm') {
    return startWasmRuntime(pack, index, onProgress, await loadOrt('wasm'), null);
  }
  const unavailable = await webGpuUnavailable();
  if (unavailable !== null) {
    return startWasmRuntime(
      pack,
      index,
      onProgress,
      await loadOrt('wasm'),
      `WebGPU not available (${unavailable}): using CPU`,
    );
  }
  const ort = await loadOrt('webgpu');
  try {
    return await startWebGpuRuntime(request, ort);
  } catch (error) {
    // A pack that is really broken fails again on the CPU, with its own error.
    return startWasmRuntime(
      pack,
      index,
      onProgress,
      ort,
      `WebGPU failed to start (${describeError(error)}): using CPU`,
    );
  }
}

/**
 * After a device loss: the same ORT build's CPU provider (already loaded: no download, works
 * offline), the ORT-WASM scorer, and the probe index untouched.
 */
export async function fallBackToWasm(
  lost: EngineRuntime,
  pack: DownloadedPack,
  index: ProbeIndex,
  reason: string,
): Promise<EngineRuntime> {
  // The lost device's sessions and buffers may refuse to be released: they are gone anyway.
  await lost.release().catch(() => undefined);
  return startWasmRuntime(
    pack,
    index,
    () => undefined,
    lost.ort,
    `The GPU stopped working (${reason}): switched to CPU`,
  );
}
