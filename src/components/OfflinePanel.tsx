/**
 * Offline use: whether the service worker serves this app (so it loads without a network),
 * how much of the model is cached, and a way to remove the cached model.
 */
import { useCallback, useEffect, useState } from 'react';
import { MODEL_CACHE } from '../offline/cacheNames.ts';
import { formatBytes } from './format.ts';

interface ModelCache {
  readonly files: number;
  readonly bytes: number;
}

async function modelCache(): Promise<ModelCache> {
  if (!('caches' in globalThis) || !(await caches.has(MODEL_CACHE))) return { files: 0, bytes: 0 };
  const cache = await caches.open(MODEL_CACHE);
  let bytes = 0;
  const requests = await cache.keys();
  for (const request of requests) {
    const response = await cache.match(request);
    const length = Number(response?.headers.get('Content-Length'));
    bytes += Number.isFinite(length) && length > 0 ? length : ((await response?.blob())?.size ?? 0);
  }
  return { files: requests.length, bytes };
}

function serviceWorkerActive(): boolean {
  return 'serviceWorker' in navigator && navigator.serviceWorker.controller !== null;
}

export function OfflinePanel({ packReady }: { packReady: boolean }) {
  const [offline, setOffline] = useState(serviceWorkerActive);
  const [cached, setCached] = useState<ModelCache | null>(null);
  const [removed, setRemoved] = useState(false);

  const refresh = useCallback(() => {
    setOffline(serviceWorkerActive());
    void modelCache().then(setCached, () => setCached(null));
  }, []);

  useEffect(() => {
    if (!('serviceWorker' in navigator)) return;
    const { serviceWorker } = navigator;
    void modelCache().then(setCached, () => setCached(null));
    serviceWorker.addEventListener('controllerchange', refresh);
    return () => serviceWorker.removeEventListener('controllerchange', refresh);
  }, [refresh, packReady]);

  const remove = async () => {
    await caches.delete(MODEL_CACHE);
    setRemoved(true);
    refresh();
  };

  return (
    <section className="panel offline" aria-labelledby="offline-title">
      <h2 id="offline-title">Offline</h2>
      <p data-testid="offline-status" data-ready={offline}>
        {offline
          ? 'This app works offline on this device: it loads and searches without a network.'
          : 'Not available offline yet: it will be after this visit has finished loading.'}
      </p>
      {cached !== null && (
        <p className="muted" data-testid="offline-model-cache" data-files={cached.files}>
          {cached.files === 0
            ? removed
              ? 'Cached model removed: it downloads again on the next load (this needs a network).'
              : 'No model files cached.'
            : `Model cached: ${cached.files} files, ${formatBytes(cached.bytes)}.`}
        </p>
      )}
      {cached !== null && cached.files > 0 && (
        <button type="button" onClick={() => void remove()} data-testid="offline-remove-model">
          Remove cached model
        </button>
      )}
    </section>
  );
}
