import { expect, test, type Page, type Request } from '@playwright/test';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';

/** Four small permissively licensed photos and their ATTRIBUTION.md (not a photo). */
const SAMPLES = resolve(import.meta.dirname, '../public/samples');
const PHOTOS = readdirSync(SAMPLES).filter((name) => /\.(png|jpe?g)$/i.test(name));

async function openReadyApp(page: Page): Promise<void> {
  await page.goto('/');
  // Pack download, compile and warm-up; generous for a busy 2-core machine.
  await expect(page.getByTestId('pack-ready')).toBeVisible({ timeout: 120_000 });
}

async function indexSamples(page: Page): Promise<void> {
  await page.getByTestId('intake-folder-input').setInputFiles(SAMPLES);
  const report = page.getByTestId('intake-report');
  await expect(report).toContainText(`${PHOTOS.length} indexed`, { timeout: 120_000 });
  await expect(page.getByTestId('intake-skipped')).toContainText('ATTRIBUTION.md');
}

test('indexes a folder of photos and ranks them by a typed query', async ({ page }) => {
  await openReadyApp(page);
  // Cross-origin isolated (COOP/COEP from the server), so ORT runs WASM threads: 2 where the
  // machine has 2 cores or more.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await expect(page.getByTestId('engine-backend')).toHaveText(
    cores >= 2 ? 'WASM · 2 threads' : 'WASM · 1 thread',
  );

  await indexSamples(page);

  await page.getByTestId('search-input').fill('a cat');
  const results = page.getByTestId('search-result');
  await expect(results).toHaveCount(PHOTOS.length);
  for (const score of await page.getByTestId('search-result-score').allTextContents()) {
    expect(score).toMatch(/^-?\d+\.\d{3}$/);
  }
  // The detector ran in the browser: the cat photo's card names the cat it found.
  const cat = page.locator('[data-testid="search-result"][data-path$="chelsea.png"]');
  await expect(cat.getByTestId('search-result-objects')).toContainText('cat');
  await expect
    .poll(() => cat.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBeGreaterThan(0);
  await expect(page.getByTestId('search-status')).toContainText(`of ${PHOTOS.length} photos`);
});

test('"Try the sample photos" indexes the bundled gallery in one click', async ({ page }) => {
  await openReadyApp(page);
  await page.getByTestId('intake-try-samples').click();
  await expect(page.getByTestId('intake-report')).toContainText(`${PHOTOS.length} indexed`, {
    timeout: 120_000,
  });
  await expect(page.getByTestId('library-size')).toHaveText(`${PHOTOS.length} photos indexed`);
  await page.getByTestId('search-input').fill('a cat');
  await expect(page.getByTestId('search-result')).toHaveCount(PHOTOS.length);
  const cat = page.locator('[data-testid="search-result"][data-path="samples/chelsea.png"]');
  await expect(cat.getByTestId('search-result-objects')).toContainText('cat');
});

test('sends nothing anywhere: every request is same-origin and none carries data', async ({
  page,
  baseURL,
}) => {
  const requests: Request[] = [];
  page.on('request', (request) => requests.push(request));
  await openReadyApp(page);
  await indexSamples(page);
  await page.getByTestId('search-input').fill('two dogs next to a person');
  await expect(page.getByTestId('search-result')).toHaveCount(PHOTOS.length);

  const origin = new URL(baseURL ?? '').origin;
  // The engine worker's own fetches are seen too (the pack index and the model files).
  expect(requests.some((r) => r.url().endsWith('/models/index.json'))).toBe(true);
  for (const request of requests) {
    const url = new URL(request.url());
    // blob: URLs (thumbnails) and data: URLs never leave the page.
    if (url.protocol === 'blob:' || url.protocol === 'data:') continue;
    expect(url.origin, request.url()).toBe(origin);
    expect(request.method(), request.url()).toBe('GET');
    expect(request.postDataBuffer(), request.url()).toBeNull();
  }
});

test('keeps the index across reloads and reuses cached probes for unchanged files', async ({
  page,
}) => {
  await openReadyApp(page);
  await indexSamples(page);
  await page.reload();
  await expect(page.getByTestId('pack-ready')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('library-size')).toHaveText(`${PHOTOS.length} photos indexed`);
  await page.getByTestId('search-input').fill('a cup of coffee');
  await expect(page.getByTestId('search-result')).toHaveCount(PHOTOS.length);

  await page.getByTestId('intake-folder-input').setInputFiles(SAMPLES);
  await expect(page.getByTestId('intake-report')).toContainText(`0 indexed in`);
  await expect(page.getByTestId('intake-report')).toContainText(`${PHOTOS.length} already indexed`);
});

test('names a missing model file and loads after "Try again"', async ({ page }) => {
  let broken = true;
  await page.route('**/models/*/vision_encoder.onnx', (route) =>
    broken ? route.fulfill({ status: 404, body: 'gone' }) : route.fallback(),
  );
  await page.goto('/');
  const error = page.getByTestId('pack-error');
  await expect(error).toContainText('PackMissingError', { timeout: 120_000 });
  await expect(error).toContainText('vision_encoder.onnx');
  broken = false;
  await error.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByTestId('pack-ready')).toBeVisible({ timeout: 120_000 });
});
