import { expect, test, type Browser, type BrowserContext, type Request } from '@playwright/test';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startStaticServer } from '../scripts/staticServer.ts';
import {
  appState,
  indexFolder,
  PHOTOS,
  REPO,
  resultPaths,
  SAMPLES,
  waitForPack,
} from './support/app.ts';

const DIST = resolve(REPO, 'dist');
/** Ports of servers these tests start and stop themselves (the shared one is 4173). */
const PREVIEW_PORT = 4181;

/** A context that allows service workers (the config blocks them for the other specs). */
async function offlineContext(browser: Browser): Promise<{
  context: BrowserContext;
  requests: Request[];
}> {
  const context = await browser.newContext({ serviceWorkers: 'allow' });
  const requests: Request[] = [];
  // Requests of pages, their workers and the service worker itself.
  context.on('request', (request) => requests.push(request));
  return { context, requests };
}

async function reachable(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Nothing the user owns leaves the device: every request is a same-origin GET without a body,
 * and a query (typed, or in a ?q= link) reaches no server: the service worker answers such a
 * page from its cache or fetches the page without its query string.
 */
async function expectPrivate(requests: readonly Request[], origin: string, query: string) {
  expect(requests.length).toBeGreaterThan(0);
  const words = query.split(' ').filter((w) => w.length > 2);
  for (const request of requests) {
    const url = new URL(request.url());
    if (url.protocol === 'blob:' || url.protocol === 'data:') continue;
    expect(url.origin, request.url()).toBe(origin);
    expect(request.method(), request.url()).toBe('GET');
    expect(request.postDataBuffer(), request.url()).toBeNull();
    const carriesQuery = url.search !== '' || words.some((w) => request.url().includes(w));
    if (!carriesQuery) continue;
    // Only the page's own navigation may hold the query, and the service worker answered it.
    expect(request.serviceWorker(), request.url()).toBeNull();
    expect(request.isNavigationRequest(), request.url()).toBe(true);
    expect((await request.response())?.fromServiceWorker(), request.url()).toBe(true);
  }
}

test('after one online visit the app loads and searches with the server gone', async ({
  browser,
}) => {
  test.setTimeout(600_000);
  const server = spawn(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'preview',
      '--host',
      '127.0.0.1',
      '--port',
      String(PREVIEW_PORT),
      '--strictPort',
      // Vite refuses a second preview of one project unless told: the shared one is on 4173.
      '--bypass-lock',
    ],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${PREVIEW_PORT}/`;
  const { context, requests } = await offlineContext(browser);
  try {
    await reachable(url, 60_000);
    const page = await context.newPage();
    await page.goto(url);
    await waitForPack(page);
    await expect(page.getByTestId('offline-status')).toHaveAttribute('data-ready', 'true');
    await indexFolder(page, SAMPLES, PHOTOS.length);
    await page.getByTestId('search-input').fill('a cat');
    await expect(page.getByTestId('search-result')).toHaveCount(PHOTOS.length);
    // index.json, manifest.json and the five files the engine runs on.
    await expect
      .poll(async () =>
        Number(await page.getByTestId('offline-model-cache').getAttribute('data-files')),
      )
      .toBeGreaterThanOrEqual(7);

    const exited = new Promise((r) => server.once('exit', r));
    server.kill();
    await exited;
    await expect(fetch(url)).rejects.toThrow();

    await page.goto(`${url}?q=${encodeURIComponent('a cup of coffee')}`);
    await waitForPack(page);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect((await appState(page)).librarySize).toBe(PHOTOS.length);
    await expect(page.getByTestId('search-input')).toHaveValue('a cup of coffee');
    await expect(page.getByTestId('search-result')).toHaveCount(PHOTOS.length);
    await page.getByTestId('search-input').fill('a cat');
    await expect.poll(async () => (await resultPaths(page))[0]).toMatch(/chelsea\.png$/);

    await expectPrivate(requests, new URL(url).origin, 'a cup of coffee');
  } finally {
    server.kill();
    await context.close();
  }
});

test('works from a sub-path of a plain static host, isolated by the service worker', async ({
  browser,
}) => {
  test.setTimeout(600_000);
  // No COOP/COEP from this host: cross-origin isolation can only come from the service worker.
  const server = await startStaticServer({ root: DIST, prefix: '/sub/path/' });
  const { context, requests } = await offlineContext(browser);
  try {
    const page = await context.newPage();
    const response = await context.request.get(server.url);
    expect(response.headers()['cross-origin-embedder-policy']).toBeUndefined();
    await page.goto(server.url);
    await waitForPack(page);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(
      `${server.url}sw.js`,
    );
    // What WASM threads need, whichever backend the engine then picks.
    expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function');
    await indexFolder(page, SAMPLES, PHOTOS.length);
    await page.getByTestId('search-input').fill('a cat');
    await expect(page.getByTestId('search-result')).toHaveCount(PHOTOS.length);
    await expect(page).toHaveURL(`${server.url}?q=a+cat`);

    // "Remove cached model": gone from the cache, downloaded (and cached) again on reload.
    await page.getByTestId('offline-remove-model').click();
    await expect(page.getByTestId('offline-model-cache')).toHaveAttribute('data-files', '0');
    await expect(page.getByTestId('offline-model-cache')).toContainText('removed');
    await page.reload();
    await waitForPack(page);
    await expect
      .poll(async () =>
        Number(await page.getByTestId('offline-model-cache').getAttribute('data-files')),
      )
      .toBeGreaterThanOrEqual(7);

    await expectPrivate(requests, new URL(server.url).origin, 'a cat');
  } finally {
    await context.close();
    await server.close();
  }
});
