import { expect, test, type Page } from '@playwright/test';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BENCH_LIBRARY, LIBRARY } from '../src/storage/keys.ts';
import { SAMPLES } from './support/app.ts';

/** Whether the bundled pack's manifest has recall figures per at-rest format. */
const PACK_HAS_QUANTISATION =
  (
    JSON.parse(
      readFileSync(
        resolve(import.meta.dirname, '../public/models/cpb-coco80-v1/manifest.json'),
        'utf8',
      ),
    ) as { metrics: Record<string, unknown> }
  ).metrics.probeQuantisation !== undefined;

/** Keys of every store of the library database, read in the page. */
async function libraryKeys(page: Page): Promise<string[]> {
  return page.evaluate(
    async ({ database, stores }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(database);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error ?? new Error('open failed'));
      });
      const names = stores.filter((store) => db.objectStoreNames.contains(store));
      const keys = await Promise.all(
        names.map(
          (store) =>
            new Promise<string[]>((resolve, reject) => {
              const request = db.transaction(store).objectStore(store).getAllKeys();
              request.onsuccess = () => resolve(request.result.map(String));
              request.onerror = () => reject(request.error ?? new Error('read failed'));
            }),
        ),
      );
      db.close();
      return keys.flat();
    },
    { database: LIBRARY.database, stores: Object.values(LIBRARY.stores) },
  );
}

/**
 * Photos in the benchmark's own library, read in the page; null when it does not exist (and
 * it is not created by looking).
 */
async function benchLibraryPhotos(page: Page): Promise<number | null> {
  return page.evaluate(
    async ({ database, store }) => {
      const db = await new Promise<IDBDatabase | null>((resolve, reject) => {
        const request = indexedDB.open(database);
        let absent = false;
        request.onupgradeneeded = () => {
          absent = true;
          request.transaction?.abort();
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () =>
          absent ? resolve(null) : reject(request.error ?? new Error('open failed'));
      });
      if (db === null) return null;
      try {
        if (!db.objectStoreNames.contains(store)) return 0;
        return await new Promise<number>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).count();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error ?? new Error('count failed'));
        });
      } finally {
        db.close();
      }
    },
    { database: BENCH_LIBRARY, store: LIBRARY.stores.photos },
  );
}

async function benchDatabaseExists(page: Page): Promise<boolean> {
  return page.evaluate(
    async (name) => (await indexedDB.databases()).some((db) => db.name === name),
    BENCH_LIBRARY,
  );
}

/** A folder of copies of one sample: an indexing row that keeps photos stored for seconds. */
function copiesFolder(dir: string, copies: number): string {
  const folder = join(dir, 'copies');
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < copies; i++)
    copyFileSync(join(SAMPLES, 'rocket.jpg'), join(folder, `${i}.jpg`));
  return dir;
}

/** Starts a quick run, also indexing `folder`, and waits until it has saved a photo. */
async function runUntilPhotosStored(page: Page, folder: string): Promise<void> {
  await expect(page.getByTestId('pack-ready')).toBeVisible({ timeout: 120_000 });
  const panel = page.getByTestId('bench-panel');
  await panel.getByTestId('bench-preset').selectOption('quick');
  await panel.getByTestId('bench-photos-input').setInputFiles(folder);
  await panel.getByTestId('bench-run').click();
  await expect
    .poll(() => benchLibraryPhotos(page), { timeout: 300_000, intervals: [250] })
    .toBeGreaterThan(0);
}

test('a run stopped or closed mid-way leaves no photos behind', async ({ page }, testInfo) => {
  test.setTimeout(600_000);
  const folder = copiesFolder(testInfo.outputPath('photos'), 40);
  await page.goto('/?backend=wasm');
  // The tab closed mid-run: the app deletes the benchmark's library when it starts again.
  await runUntilPhotosStored(page, folder);
  await page.reload();
  await expect.poll(() => benchDatabaseExists(page), { timeout: 30_000 }).toBe(false);

  // Stopped: the worker is terminated mid-run, the panel deletes the library.
  await runUntilPhotosStored(page, folder);
  await page.getByTestId('bench-stop').click();
  await expect(page.getByTestId('bench-error')).toContainText('AbortError');
  await expect.poll(() => benchDatabaseExists(page), { timeout: 30_000 }).toBe(false);
  // Nothing ever reached the user's library.
  await expect(page.getByTestId('pack-ready')).toBeVisible({ timeout: 120_000 });
  expect(await libraryKeys(page)).toEqual([]);
  await expect(page.getByTestId('library-size')).toHaveText('0 photos indexed');
});

test('the Benchmark panel measures every architecture on this device and cleans up', async ({
  page,
}) => {
  // Pack load plus the quick run (about a minute on 2 busy cores, WebGPU on SwiftShader).
  test.setTimeout(400_000);
  // The engine on WASM (SwiftShader's WebGPU would make indexing take minutes); the bench
  // still times the WGSL kernels on WebGPU with a device of its own.
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('pack-ready')).toBeVisible({ timeout: 120_000 });
  const panel = page.getByTestId('bench-panel');
  await panel.getByTestId('bench-preset').selectOption('quick');
  await panel.getByTestId('bench-run').click();
  await expect(panel.getByTestId('bench-progress')).toBeVisible();
  await expect(panel.getByTestId('bench-report')).toBeVisible({ timeout: 300_000 });
  await expect(panel.getByTestId('bench-error')).toHaveCount(0);

  // The backend leads the report: WASM threads (cross-origin isolated), and WebGPU's adapter.
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await expect(panel.getByTestId('bench-backend')).toContainText(
    cores >= 2 ? 'WASM 2 threads' : 'WASM 1 thread',
  );
  await expect(panel.getByTestId('bench-backend')).toContainText('WebGPU: ');

  // Six tables; the query table has one row per library size, with numbers in every cell.
  const tables = panel.getByTestId('bench-table');
  await expect(tables).toHaveCount(6);
  const queryRow = tables.first().locator('tbody tr');
  await expect(queryRow).toHaveCount(1);
  for (const cell of await queryRow.first().locator('td').allTextContents()) {
    expect(cell).toMatch(/^\d+(\.\d+)?(×| \(\d+ runs?\))?$/);
  }
  // Stage 2 by K: cross-probe on WASM, plain TS and the full cross-encoder all measured.
  const stage2 = tables.nth(1).locator('tbody tr').first().locator('td');
  for (const column of [0, 2, 3, 4]) {
    await expect(stage2.nth(column)).toHaveText(/^\d/);
  }
  // Accuracy from the manifest: three architectures.
  await expect(tables.nth(3).locator('tbody tr')).toHaveCount(3);
  // The bundled samples were indexed in full and timed.
  await expect(tables.nth(4).locator('tbody tr').first()).toContainText('4/4');

  // Probe cache: the bytes read back, and recall per format from the pack (or its absence).
  const storage = tables.nth(5);
  await expect(storage.locator('tbody tr').nth(1)).toContainText('float16 (stored)');
  await expect(storage.locator('xpath=..')).toContainText(
    'bytes/photo of probes + global as stored (float16)',
  );
  if (PACK_HAS_QUANTISATION) {
    await expect(storage.locator('tbody tr').nth(1).locator('td').nth(1)).toHaveText(
      /^\d+\.\d \/ \d+\.\d$/,
    );
  } else {
    await expect(storage.locator('tbody tr').nth(1)).toContainText('not in this pack');
  }

  // The latency chart draws two-tower, cross-probe and the full cross-encoder.
  const series = panel.getByTestId('bench-chart-series');
  const names = await series.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-name')));
  expect(names.some((n) => n?.startsWith('two-tower'))).toBe(true);
  expect(names.some((n) => n?.startsWith('cross-probe, WASM'))).toBe(true);
  expect(names.some((n) => n?.startsWith('full cross-encoder'))).toBe(true);

  // The photos it indexed went to its own library, deleted again; none to the user's.
  expect(await benchDatabaseExists(page)).toBe(false);
  expect(await libraryKeys(page)).toEqual([]);
  await expect(page.getByTestId('library-size')).toHaveText('0 photos indexed');
});
