/**
 * The backend the engine chose, as the page shows it and as it computes: WebGPU (ORT's WebGPU
 * provider, stage 2 on the WGSL kernels) where the browser has an adapter, WASM when asked for
 * with ?backend=wasm, when there is no WebGPU, and after the GPU device is lost. Runs in the
 * 'webgpu' project (SwiftShader: correct but slow, so one or two photos per library).
 */
import { expect, test, type Page } from '@playwright/test';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchResponse } from '../src/engine/api.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';
import { appState, SAMPLES } from './support/app.ts';

/** SwiftShader runs the detector in ~20 s per photo and compiles every shader on the CPU. */
const GPU_TIMEOUT = 300_000;
const WASM_BADGE = /^WASM · [12] threads?$/;
const WGSL_STAGE2 = 'cross-probe WGSL kernels on WebGPU';

/** A folder holding the named sample photos only (a test's own copy). */
function sampleFolder(dir: string, names: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  for (const name of names) copyFileSync(join(SAMPLES, name), join(dir, name));
  return dir;
}

async function openReady(page: Page, query: string): Promise<void> {
  await page.goto(`/${query}`);
  await expect(page.getByTestId('pack-ready')).toBeVisible({ timeout: GPU_TIMEOUT });
}

async function indexFolder(page: Page, folder: string, photos: number): Promise<void> {
  await page.getByTestId('intake-folder-input').setInputFiles(folder);
  await expect
    .poll(async () => (await appState(page)).indexing, { timeout: GPU_TIMEOUT })
    .toBe('done');
  await expect(page.getByTestId('library-size')).toHaveText(
    `${photos} ${photos === 1 ? 'photo' : 'photos'} indexed`,
  );
}

function search(page: Page, query: string): Promise<SearchResponse> {
  return page.evaluate((q) => {
    if (window.probeSearch === undefined) throw new Error('no window.probeSearch');
    return window.probeSearch.search(q);
  }, query);
}

/** Each hit's path → [cross-probe score, global score]. */
function scoresByPath(response: SearchResponse): Map<string, readonly [number, number]> {
  return new Map(response.hits.map((hit) => [hit.path, [hit.score, hit.globalScore] as const]));
}

function expectSameScores(gpu: SearchResponse, cpu: SearchResponse): void {
  const cpuScores = scoresByPath(cpu);
  expect([...scoresByPath(gpu).keys()].sort()).toEqual([...cpuScores.keys()].sort());
  for (const [path, [score, globalScore]] of scoresByPath(gpu)) {
    const [cpuScore, cpuGlobal] = cpuScores.get(path) ?? [NaN, NaN];
    expect(Math.abs(score - cpuScore), `${gpu.query}: ${path} cross-probe`).toBeLessThanOrEqual(
      1e-4,
    );
    expect(Math.abs(globalScore - cpuGlobal), `${gpu.query}: ${path} global`).toBeLessThanOrEqual(
      1e-4,
    );
  }
}

const QUERIES = ['a cat', 'a rocket in the sky'];

test('runs on WebGPU where there is an adapter, and scores as the WASM backend does', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(2 * GPU_TIMEOUT);
  const folder = sampleFolder(testInfo.outputPath('photos'), ['chelsea.png', 'rocket.jpg']);

  await openReady(page, '?test');
  const badge = page.getByTestId('engine-backend');
  await expect(badge).toHaveText(/^WebGPU · \S/);
  await expect(badge).toHaveAttribute('data-kind', 'webgpu');
  await expect(page.getByTestId('engine-backend-note')).toHaveCount(0);
  const state = await appState(page);
  expect(state.backendInfo?.kind).toBe('webgpu');
  expect(state.backend).toBe(`WebGPU · ${state.backendInfo?.adapter ?? ''}`);
  // Stage 2 is the WGSL kernels, not the ORT model.
  expect(state.packInfo?.crossProbe.label).toBe(WGSL_STAGE2);

  await indexFolder(page, folder, 2);
  await page.getByTestId('search-input').fill(QUERIES[0] ?? '');
  await expect(page.getByTestId('search-result')).toHaveCount(2);
  const onGpu = [];
  for (const query of QUERIES) onGpu.push(await search(page, query));

  // The same photos and queries in a fresh context (its own IndexedDB) on ?backend=wasm.
  const context = await browser.newContext();
  try {
    const cpuPage = await context.newPage();
    await openReady(cpuPage, '?backend=wasm');
    await expect(cpuPage.getByTestId('engine-backend')).toHaveText(WASM_BADGE);
    // Without ?test the page offers no test hooks.
    expect(await cpuPage.evaluate(() => window.probeSearch?.simulateDeviceLoss === undefined)).toBe(
      true,
    );
    await indexFolder(cpuPage, folder, 2);
    for (const [i, query] of QUERIES.entries()) {
      const onCpu = await search(cpuPage, query);
      const gpu = onGpu[i];
      if (gpu === undefined) throw new Error(`no WebGPU answer for ${query}`);
      expect(gpu.hits).toHaveLength(2);
      expectSameScores(gpu, onCpu);
    }
  } finally {
    await context.close();
  }
});

test('?backend=wasm runs on WASM though WebGPU is there', async ({ page }) => {
  await openReady(page, '?backend=wasm');
  const badge = page.getByTestId('engine-backend');
  await expect(badge).toHaveText(WASM_BADGE);
  await expect(badge).toHaveAttribute('data-kind', 'wasm');
  // Asked for, so nothing to explain.
  await expect(page.getByTestId('engine-backend-note')).toHaveCount(0);
  expect(await page.evaluate(async () => (await navigator.gpu.requestAdapter()) !== null)).toBe(
    true,
  );
  const state = await appState(page);
  expect(state.backendInfo).toMatchObject({ kind: 'wasm', adapter: null, note: null });
  expect(state.backendInfo?.crossOriginIsolated).toBe(true);
  expect(state.packInfo?.crossProbe.label).toBe('cross-probe on WASM');
});

test('in a browser without WebGPU: runs on WASM and says WebGPU is not available', async ({
  playwright,
  baseURL,
}) => {
  // Launched here without --enable-unsafe-webgpu (a describe-level launchOptions would need a
  // worker of its own).
  const browser = await playwright.chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
  });
  try {
    const page = await browser.newPage({ baseURL });
    await openReady(page, '');
    expect(
      await page.evaluate(async () => (await navigator.gpu?.requestAdapter()) ?? null),
    ).toBeNull();
    const badge = page.getByTestId('engine-backend');
    await expect(badge).toHaveText(WASM_BADGE);
    await expect(badge).toHaveAttribute('data-kind', 'wasm');
    const note = page.getByTestId('engine-backend-note');
    await expect(note).toContainText('WebGPU not available');
    await expect(note).toContainText('using CPU');
    expect((await appState(page)).backendInfo?.kind).toBe('wasm');
  } finally {
    await browser.close();
  }
});

test('falls back to WASM when the GPU device is lost mid-search, keeping the index', async ({
  page,
}, testInfo) => {
  test.setTimeout(2 * GPU_TIMEOUT);
  const folder = sampleFolder(testInfo.outputPath('photos'), ['chelsea.png']);
  // Indexed on WASM (fast); the WebGPU page below finds the photo in the probe cache.
  await openReady(page, '?backend=wasm');
  await indexFolder(page, folder, 1);
  await openReady(page, '?test');
  await expect(page.getByTestId('engine-backend')).toHaveText(/^WebGPU · /);
  await expect(page.getByTestId('library-size')).toHaveText('1 photo indexed');
  await page.getByTestId('search-input').fill('a cat');
  await expect(page.getByTestId('search-result')).toHaveCount(1);
  await expect(page.getByTestId('search-status')).toContainText(`re-ranked by ${WGSL_STAGE2}`);
  const before = await search(page, 'a cat');

  // The device is lost while a search runs on it: that search fails once, and runs again on
  // the WASM fall-back instead of failing the user's query.
  const [during, backend] = await page.evaluate(() => {
    const hooks = window.probeSearch;
    if (hooks?.simulateDeviceLoss === undefined)
      throw new Error('?test gave no simulateDeviceLoss');
    return Promise.all([hooks.search('a cat'), hooks.simulateDeviceLoss()]);
  });
  expect(backend.kind).toBe('wasm');
  expectSameScores(before, during);

  const badge = page.getByTestId('engine-backend');
  await expect(badge).toHaveText(WASM_BADGE);
  await expect(badge).toHaveAttribute('data-kind', 'wasm');
  await expect(page.getByTestId('engine-backend-note')).toContainText('switched to CPU');
  const state = await appState(page);
  expect(state.packInfo?.crossProbe.label).toBe('cross-probe on WASM');
  // The index survived: the shown results stay, and new searches find the photo on the CPU.
  await expect(page.getByTestId('library-size')).toHaveText('1 photo indexed');
  await expect(page.getByTestId('search-result')).toHaveCount(1);
  await page.getByTestId('search-input').fill('a small cat');
  await expect(page.getByTestId('search-status')).toContainText('re-ranked by cross-probe on WASM');
  await expect(page.getByTestId('search-result')).toHaveCount(1);
  const after = await search(page, 'a cat');
  expectSameScores(before, after);
});
