/** Shared steps of the search, offline and CLI specs: driving the real app like a user. */
import { expect, type Page } from '@playwright/test';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AppState } from '../../src/testApi.ts';

export const REPO = resolve(import.meta.dirname, '../..');
/** Four small permissively licensed photos and their ATTRIBUTION.md (not a photo). */
export const SAMPLES = resolve(REPO, 'public/samples');
export const PHOTOS = readdirSync(SAMPLES).filter((name) => /\.(png|jpe?g)$/i.test(name));

/** Pack download, compile and warm-up; generous for a busy 2-core machine. */
export const LOAD_TIMEOUT = 180_000;

export async function waitForPack(page: Page): Promise<void> {
  await expect(page.getByTestId('pack-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
}

export async function appState(page: Page): Promise<AppState> {
  const state = await page.evaluate(() => window.probeSearch?.state());
  if (state === undefined) throw new Error('the app has no window.probeSearch');
  return state;
}

/** Chooses `folder` in the folder input and waits until indexing has finished. */
export async function indexFolder(page: Page, folder: string, photos: number): Promise<void> {
  await page.getByTestId('intake-folder-input').setInputFiles(folder);
  await expect
    .poll(async () => (await appState(page)).indexing, { timeout: LOAD_TIMEOUT })
    .toBe('done');
  await expect(page.getByTestId('library-size')).toContainText(`${photos} photos`);
}

/** Paths of the result cells in the DOM, in display order. */
export async function resultPaths(page: Page): Promise<string[]> {
  return page
    .getByTestId('search-result')
    .evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-path') ?? ''));
}
