/** The engine worker's entry: exposes the engine over Comlink (src/engine/bridge.ts wraps it). */
import { expose, releaseProxy } from 'comlink';
import type { EngineApi } from '../src/engine/api.ts';
import { createEngine } from './engine.ts';

/** Closes the port of a Comlink-proxied callback once its call is over. */
function release(callback: unknown): void {
  (callback as { [releaseProxy]?: () => void })[releaseProxy]?.();
}

const engine = createEngine();

expose({
  ...engine,
  loadPack: (modelsUrl, onProgress) =>
    engine.loadPack(modelsUrl, onProgress).finally(() => release(onProgress)),
  indexPhotos: (photos, onProgress) =>
    engine.indexPhotos(photos, onProgress).finally(() => release(onProgress)),
} satisfies EngineApi);
