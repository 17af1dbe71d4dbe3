/**
 * The photo view against the real model and a real folder handle: the regions it highlights
 * are the engine's occlusion attribution (scores of the photo with each region left out), and
 * after a reload the original of a photo from a remembered folder ("Choose folder", an OPFS
 * folder here) opens through the folder's handle.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOAD_TIMEOUT, PHOTOS, SAMPLES, waitForPack } from './support/app.ts';

const FOLDER = 'Picked';
/** The highlighting rule of workers/explain.ts: a quarter of the largest drop, at least 0.001. */
const HIGHLIGHT_SHARE = 0.25;
const MIN_HIGHLIGHT = 0.001;

interface DrawnRegion {
  readonly label: string;
  readonly text: string;
  readonly highlighted: boolean;
  readonly contribution: number;
}

async function drawnRegions(view: Locator): Promise<DrawnRegion[]> {
  return view.getByTestId('photo-region').evaluateAll((spans) =>
    spans.map((span) => ({
      label: span.textContent?.replace(/ [+−]\d+\.\d{3}$/, '') ?? '',
      text: span.textContent ?? '',
      highlighted: span.getAttribute('data-matched') === 'true',
      contribution: Number(span.getAttribute('data-contribution') ?? NaN),
    })),
  );
}

/** Opens the result of `path` and waits for the worker's attribution to arrive. */
async function openResult(page: Page, path: string): Promise<Locator> {
  await page
    .locator(`[data-testid="search-result"][data-path="${path}"]`)
    .getByRole('button')
    .click();
  const view = page.getByTestId('photo-view');
  await expect(view).toBeVisible();
  await expect(view.getByTestId('photo-attribution')).toHaveAttribute('data-status', 'explained', {
    timeout: LOAD_TIMEOUT,
  });
  return view;
}

async function closeView(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('photo-view')).toBeHidden();
}

test('highlights the regions the model leans on, and opens a folder photo after a reload', async ({
  page,
}) => {
  // Two page loads and a folder of photos indexed on a small, busy CPU.
  test.setTimeout(400_000);
  // A real showDirectoryPicker cannot be driven here: it returns an OPFS folder instead, a
  // real FileSystemDirectoryHandle that IndexedDB keeps across the reload.
  await page.addInitScript((folder) => {
    window.showDirectoryPicker = async () =>
      (await navigator.storage.getDirectory()).getDirectoryHandle(folder, { create: true });
  }, FOLDER);
  await page.goto(`/?q=${encodeURIComponent('a cat')}`);
  await waitForPack(page);
  const photos = Object.fromEntries(
    PHOTOS.map((name) => [name, [...readFileSync(join(SAMPLES, name))]]),
  );
  await page.evaluate(
    async ({ folder, files }) => {
      const dir = await (
        await navigator.storage.getDirectory()
      ).getDirectoryHandle(folder, { create: true });
      for (const [name, bytes] of Object.entries(files)) {
        const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
        await writable.write(new Uint8Array(bytes));
        await writable.close();
      }
    },
    { folder: FOLDER, files: photos },
  );
  await page.getByTestId('intake-choose-folder').click();
  await expect(page.getByTestId('intake-report')).toContainText(
    `${PHOTOS.length} files: ${PHOTOS.length} indexed`,
    { timeout: LOAD_TIMEOUT },
  );
  await expect(page.getByTestId('search-result')).toHaveCount(PHOTOS.length);
  const cat = `${FOLDER}/chelsea.png`;
  const search = await page.evaluate(() => window.probeSearch?.search('a cat'));
  const catScore = search?.hits.find((hit) => hit.path === cat)?.score ?? NaN;

  let view = await openResult(page, cat);
  const regions = await drawnRegions(view);
  // The detector's regions, each with the model's score drop when it is left out.
  expect(regions.length).toBeGreaterThan(0);
  for (const region of regions) expect(Number.isFinite(region.contribution)).toBe(true);
  // The full region set is scored as search scored the photo: the same model, end to end.
  const attribution = view.getByTestId('photo-attribution');
  const fullScore = Number(await attribution.getAttribute('data-full-score'));
  expect(Math.abs(fullScore - catScore)).toBeLessThan(1e-3);
  // Highlighted: exactly the regions with a clearly positive drop, each labelled with it.
  const largest = Math.max(...regions.map((r) => r.contribution));
  expect(largest).toBeGreaterThan(MIN_HIGHLIGHT);
  const from = Math.max(MIN_HIGHLIGHT, HIGHLIGHT_SHARE * largest);
  for (const region of regions) {
    expect(region.highlighted, region.text).toBe(region.contribution >= from);
    if (region.highlighted) {
      expect(region.text).toBe(`${region.label} +${region.contribution.toFixed(3)}`);
    }
  }
  // The cat is what the model credits for "a cat".
  const catRegion = regions.find((r) => r.label === 'cat');
  expect(catRegion?.highlighted).toBe(true);
  await expect(view.getByTestId('photo-driver').first()).toContainText('cat +');
  await expect(attribution).toContainText('Removing a region lowers the model’s score');
  // This session holds the file it indexed.
  await expect(view.getByTestId('photo-open-original')).toHaveAttribute('href', /^blob:/);
  await closeView(page);

  // After a reload only the folder's handle leads back to the files.
  await page.reload();
  await waitForPack(page);
  await expect(page.getByTestId('search-result')).toHaveCount(PHOTOS.length);
  view = await openResult(page, cat);
  expect((await drawnRegions(view)).map((r) => r.highlighted)).toEqual(
    regions.map((r) => r.highlighted),
  );
  await expect(view.getByTestId('photo-open-original')).toHaveCount(0);
  await view.getByTestId('photo-open-from-folder').click();
  await expect(view.getByTestId('photo-open-original')).toHaveAttribute('href', /^blob:/);
  // The original (451 × 300 px) replaces the 256 px thumbnail in the view.
  await expect
    .poll(() =>
      view.getByTestId('photo-image').evaluate((img: HTMLImageElement) => img.naturalWidth),
    )
    .toBe(451);
  await expect(view.getByTestId('photo-original-changed')).toHaveCount(0);
  await closeView(page);

  // A file deleted from the folder since: the view says so instead of failing.
  const rocket = `${FOLDER}/rocket.jpg`;
  await page.evaluate(async (folder) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder);
    await dir.removeEntry('rocket.jpg');
  }, FOLDER);
  await page
    .locator(`[data-testid="search-result"][data-path="${rocket}"]`)
    .getByRole('button')
    .click();
  view = page.getByTestId('photo-view');
  await view.getByTestId('photo-open-from-folder').click();
  await expect(view.getByTestId('photo-original-error')).toContainText(
    `“${rocket}” is no longer in the folder “${FOLDER}”`,
  );
  await closeView(page);

  // The engine worker crashes: the app loads the pack into a fresh worker by itself, and the
  // library is searchable again, with the same explanations.
  const engine = page.workers().find((worker) => worker.url().includes('engine'));
  if (engine === undefined) throw new Error('no engine worker');
  await engine.evaluate(() => {
    setTimeout(() => {
      throw new Error('simulated crash');
    });
  });
  await expect(page.getByTestId('pack-ready')).toBeHidden();
  await waitForPack(page);
  await expect(page.getByTestId('search-result')).toHaveCount(PHOTOS.length);
  view = await openResult(page, cat);
  expect((await drawnRegions(view)).map((r) => r.highlighted)).toEqual(
    regions.map((r) => r.highlighted),
  );
});
