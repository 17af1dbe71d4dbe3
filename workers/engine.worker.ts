/** The engine worker's entry: exposes the engine over Comlink (src/engine/bridge.ts wraps it). */
import { expose, releaseProxy } from 'comlink';
import type { EngineApi } from '../src/engine/api.ts';
import { createEngine } from './engine.ts';

/** Closes the port of a Comlink-proxied callback once its call is over. */
function release(callback: unknown): void {
  (callback as { [releaseProxy]?: () => void })[releaseProxy]?.();
}

const engine = createEngine();
/** The UI's backend watcher: kept open until a new one replaces it. */
let backendWatcher: unknown;

expose({
  ...engine,
  loadPack: (modelsUrl, onProgress, backend) =>
    engine.loadPack(modelsUrl, onProgress, backend).finally(() => release(onProgress)),
  watchBackend: (onChange) => {
    if (backendWatcher !== undefined) release(backendWatcher);
    backendWatcher = onChange;
    return engine.watchBackend(onChange);
  },
  indexPhotos: (photos, onProgress) =>
    engine.indexPhotos(photos, onProgress).finally(() => release(onProgress)),
  runBenchmark: (options, onProgress) =>
    engine.runBenchmark(options, onProgress).finally(() => release(onProgress)),
} satisfies EngineApi);
