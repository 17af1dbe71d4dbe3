import { expect, test, type Page } from '@playwright/test';
import { LIBRARY } from '../src/storage/keys.ts';

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

  // The latency chart draws two-tower, cross-probe and the full cross-encoder.
  const series = panel.getByTestId('bench-chart-series');
  const names = await series.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-name')));
  expect(names.some((n) => n?.startsWith('two-tower'))).toBe(true);
  expect(names.some((n) => n?.startsWith('cross-probe, WASM'))).toBe(true);
  expect(names.some((n) => n?.startsWith('full cross-encoder'))).toBe(true);

  // The photos it indexed are gone from the library again.
  expect(
    (await libraryKeys(page)).filter((key) => key.startsWith('probe-search-benchmark/')),
  ).toEqual([]);
  await expect(tables.nth(5).locator('xpath=..')).toContainText('Read back from IndexedDB');
  await expect(page.getByTestId('library-size')).toHaveText('0 photos indexed');
});
