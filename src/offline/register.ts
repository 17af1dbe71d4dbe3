/**
 * Registers the service worker (built as sw.js beside index.html, production builds only). It
 * makes the app work offline and adds the COOP/COEP headers that cross-origin isolation (WASM
 * threads) needs, so a static host that cannot set headers still gets them: a page that loaded
 * without isolation reloads once when the service worker takes control.
 */
const RELOADED_KEY = 'probe-search-isolation-reload';

function reloadOnceForIsolation(): void {
  if (globalThis.crossOriginIsolated || sessionStorage.getItem(RELOADED_KEY) !== null) return;
  sessionStorage.setItem(RELOADED_KEY, String(Date.now()));
  window.location.reload();
}

export async function registerServiceWorker(): Promise<void> {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const { serviceWorker } = navigator;
  if (globalThis.crossOriginIsolated) sessionStorage.removeItem(RELOADED_KEY);
  else if (serviceWorker.controller !== null) reloadOnceForIsolation();
  else serviceWorker.addEventListener('controllerchange', reloadOnceForIsolation, { once: true });
  try {
    await serviceWorker.register(new URL('sw.js', document.baseURI), {
      scope: new URL('./', document.baseURI).pathname,
    });
  } catch (error) {
    // The app still works online; only offline use and header-less isolation are lost.
    console.warn('Service worker registration failed', error);
  }
}
