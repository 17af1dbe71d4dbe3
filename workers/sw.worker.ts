/**
 * The service worker (built to sw.js by scripts/serviceWorkerPlugin.ts, which defines the
 * build's precache list). It
 *  - precaches the app shell of this build under a versioned cache name;
 *  - caches the model pack's files and the engine's .wasm on first use (never precached: they
 *    are large); a changed manifest.json drops its pack's cached files, so a rebuilt pack is
 *    fetched again;
 *  - deletes caches of ours it does not know when it activates;
 *  - answers navigations network-first (falling back to the cached index.html offline), and
 *    everything else cache-first;
 *  - adds COOP/COEP/CORP headers to every response it serves, so the page is cross-origin
 *    isolated (WASM threads) even on a static host that cannot set headers.
 * It only handles same-origin GET requests inside its scope; everything else passes through.
 * Cache lookups ignore Vary: servers vary on Origin or Accept-Encoding, which differ between
 * the precache request and the page's own (a module script is a CORS request).
 */
import { CACHE_PREFIX, MODEL_CACHE, shellCacheName } from '../src/offline/cacheNames.ts';

declare const self: ServiceWorkerGlobalScope;

/** Defined at build time: the build's version and its app-shell files, relative to sw.js. */
declare const __PROBE_SEARCH_BUILD__: { readonly version: string; readonly files: string[] };

const BUILD = __PROBE_SEARCH_BUILD__;
const SHELL_CACHE = shellCacheName(BUILD.version);
const SCOPE = self.registration.scope;
const MODELS_URL = new URL('models/', SCOPE).href;
const INDEX_URL = new URL('index.html', SCOPE).href;
const APP_PAGES = new Set([SCOPE, INDEX_URL]);

const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      await cache.addAll(BUILD.files.map((file) => new URL(file, SCOPE).href));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const known = new Set([SHELL_CACHE, MODEL_CACHE]);
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && !known.has(name)) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

function isolated(response: Response): Response {
  // Opaque and error responses cannot be rebuilt; they pass as they are.
  if (response.type.startsWith('opaque') || response.type === 'error' || response.status === 0) {
    return response;
  }
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

async function cacheFirst(request: Request, cacheName: string): Promise<Response> {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
  if (cached !== undefined) return cached;
  const response = await fetch(request);
  if (response.ok && response.status === 200) await cache.put(request, response.clone());
  return response;
}

/** A pack's manifest.json changed: its other cached files may be stale. */
async function dropStalePackFiles(cache: Cache, manifestUrl: string, fresh: Response) {
  const cached = await cache.match(manifestUrl, { ignoreVary: true });
  if (cached === undefined || (await cached.text()) === (await fresh.clone().text())) return;
  const packFolder = new URL('./', manifestUrl).href;
  for (const request of await cache.keys()) {
    if (request.url.startsWith(packFolder)) await cache.delete(request);
  }
}

async function networkFirst(
  request: Request | string,
  cacheName: string,
  fallbackUrl?: string,
): Promise<Response> {
  const cache = await caches.open(cacheName);
  const url = typeof request === 'string' ? request : request.url;
  try {
    const response = await fetch(request);
    if (response.ok && response.status === 200) {
      const key = fallbackUrl ?? url;
      if (key.endsWith('/manifest.json')) await dropStalePackFiles(cache, key, response);
      await cache.put(key, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(fallbackUrl ?? url, { ignoreSearch: true, ignoreVary: true });
    if (cached !== undefined) return cached;
    throw error;
  }
}

function respond(request: Request): Promise<Response> {
  const url = request.url;
  if (request.mode === 'navigate') {
    // The app's page, whatever its ?q=, is one cache entry: the index.html of this build. It
    // is fetched without the query string, so a query in the URL never leaves the device.
    const page = new URL(url);
    page.search = '';
    page.hash = '';
    if (APP_PAGES.has(page.href)) return networkFirst(page.href, SHELL_CACHE, INDEX_URL);
    return networkFirst(request, SHELL_CACHE);
  }
  if (url.startsWith(MODELS_URL)) {
    return new URL(url).pathname.endsWith('.json')
      ? networkFirst(request, MODEL_CACHE)
      : cacheFirst(request, MODEL_CACHE);
  }
  return cacheFirst(request, SHELL_CACHE);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || !request.url.startsWith(SCOPE)) return;
  // Range requests (media) are not cached; only whole responses are.
  if (request.headers.has('range')) return;
  event.respondWith(respond(request).then(isolated));
});
