/**
 * Starts the service worker (built as sw.js beside index.html; production builds only) before
 * the app: it makes the app work offline and adds the COOP/COEP headers that cross-origin
 * isolation (WASM threads) needs, so a static host that cannot set headers still gets them.
 * On a first visit the app waits (briefly) for the service worker to take control, so the
 * model files it downloads are cached and one online visit is enough to work offline. A page
 * that is controlled but was loaded without isolation reloads once to get it.
 */
const RELOADED_KEY = 'probe-search-isolation-reload';
/** The longest a first visit waits for the service worker before starting without it. */
const CONTROL_TIMEOUT_MS = 10_000;

export type OfflineStart = 'ready' | 'reloading';

function controlled(serviceWorker: ServiceWorkerContainer): Promise<void> {
  if (serviceWorker.controller !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, CONTROL_TIMEOUT_MS);
    serviceWorker.addEventListener(
      'controllerchange',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

export async function startServiceWorker(): Promise<OfflineStart> {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return 'ready';
  const { serviceWorker } = navigator;
  try {
    await serviceWorker.register(new URL('sw.js', document.baseURI), {
      scope: new URL('./', document.baseURI).pathname,
    });
  } catch (error) {
    // The app still works online; only offline use and header-less isolation are lost.
    console.warn('Service worker registration failed', error);
    return 'ready';
  }
  await controlled(serviceWorker);
  if (globalThis.crossOriginIsolated || serviceWorker.controller === null) {
    sessionStorage.removeItem(RELOADED_KEY);
    return 'ready';
  }
  // Once only: a browser that stays unisolated must not reload forever.
  if (sessionStorage.getItem(RELOADED_KEY) !== null) return 'ready';
  sessionStorage.setItem(RELOADED_KEY, String(Date.now()));
  window.location.reload();
  return 'reloading';
}
