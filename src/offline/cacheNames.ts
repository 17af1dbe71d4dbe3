/**
 * Names of the Cache Storage caches the service worker (workers/sw.worker.ts) fills; the page
 * reads them to show what is available offline and to remove the cached model. The version
 * in a name changes when its layout does; the activating service worker deletes every cache
 * of ours it does not know.
 */
export const CACHE_PREFIX = 'probe-search-';

/** Model pack files (models/…), cached on first use and kept across app updates. */
export const MODEL_CACHE = `${CACHE_PREFIX}models-v1`;

/** The app shell of one build (precached) plus the engine's .wasm (cached on first use). */
export function shellCacheName(buildVersion: string): string {
  return `${CACHE_PREFIX}shell-${buildVersion}`;
}
