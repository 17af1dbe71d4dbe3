import { expect, test } from '@playwright/test';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import {
  appState,
  indexFolder,
  PHOTOS,
  REPO,
  resultPaths,
  SAMPLES,
  waitForPack,
} from './support/app.ts';

// Each test loads the model and indexes photos; slow when the shared CPU is busy.
test.describe.configure({ timeout: 600_000 });

interface VocabFile {
  words: string[];
  grounding: { threshold: number; nearest: number[]; similarity: number[] };
}

/** Words of the bundled vocabulary that the model reads as another word, or cannot ground. */
function groundingExamples(): { near: string; nearest: string; weak: string } {
  const index = JSON.parse(readFileSync(resolve(REPO, 'public/models/index.json'), 'utf8')) as {
    default: string;
  };
  const vocab = JSON.parse(
    readFileSync(resolve(REPO, 'public/models', index.default, 'vocab.json'), 'utf8'),
  ) as VocabFile;
  const { threshold, nearest, similarity } = vocab.grounding;
  const plain = (i: number) => /^[a-z]{3,}$/.test(vocab.words[i] ?? '');
  const ids = vocab.words.map((_, i) => i).filter(plain);
  const near = ids.find(
    (i) => nearest[i] !== i && (nearest[i] ?? -1) >= 0 && (similarity[i] ?? 0) >= threshold,
  );
  const weak = ids.find(
    (i) => nearest[i] !== i && (nearest[i] ?? -1) >= 0 && (similarity[i] ?? 1) < threshold,
  );
  if (near === undefined || weak === undefined) throw new Error('vocab.json has no examples');
  return {
    near: vocab.words[near] ?? '',
    nearest: vocab.words[nearest[near] ?? 0] ?? '',
    weak: vocab.words[weak] ?? '',
  };
}

test('?q= opens the app with a query, typing updates the URL, ungrounded words are named', async ({
  page,
}) => {
  await page.goto(`/?q=${encodeURIComponent('a cat')}`);
  await waitForPack(page);
  await expect(page.getByTestId('search-input')).toHaveValue('a cat');
  await indexFolder(page, SAMPLES, PHOTOS.length);
  // The finished indexing re-runs the query from the link; the cat photo ranks first.
  await expect(page.getByTestId('search-result')).toHaveCount(PHOTOS.length);
  expect((await resultPaths(page))[0]).toMatch(/chelsea\.png$/);

  const { near, nearest, weak } = groundingExamples();
  const historyLength = await page.evaluate(() => history.length);
  const query = `${near} ${weak} qzxvw`;
  await page.getByTestId('search-input').fill(query);
  await expect(page).toHaveURL((url) => url.searchParams.get('q') === query);
  expect(await page.evaluate(() => history.length)).toBe(historyLength);
  const notes = page.getByTestId('search-word-note');
  await expect(notes.and(page.locator(`[data-word="${near}"]`))).toHaveText(`${near} ≈ ${nearest}`);
  await expect(notes.and(page.locator(`[data-word="${weak}"]`))).toHaveText(
    `${weak} — not something the model can see`,
  );
  await expect(notes.and(page.locator('[data-word="qzxvw"]'))).toHaveAttribute(
    'data-kind',
    'unknown',
  );

  await page.getByTestId('search-input').fill('');
  await expect(page).toHaveURL((url) => !url.searchParams.has('q'));
});

test('K is shown and configurable; weak matches are set apart by the pack threshold', async ({
  page,
}) => {
  await page.goto('/');
  await waitForPack(page);
  await indexFolder(page, SAMPLES, PHOTOS.length);
  const { packInfo } = await appState(page);
  const defaultK = packInfo?.crossProbe.defaultShortlist ?? 0;
  expect(defaultK).toBeGreaterThanOrEqual(50);
  await expect(page.getByTestId('search-k-default')).toContainText(`default ${defaultK} here`);
  await expect(page.getByTestId('search-k')).toHaveAttribute('placeholder', String(defaultK));

  await page.getByTestId('search-input').fill('she holds a cup');
  await expect(page.getByTestId('search-status')).toContainText(
    `${PHOTOS.length} of ${PHOTOS.length} photos re-ranked`,
  );
  await page.getByTestId('search-k').fill('2');
  await expect(page.getByTestId('search-status')).toContainText(`2 of ${PHOTOS.length} photos`);
  await expect(page.getByTestId('search-result')).toHaveCount(2);
  await page.getByTestId('search-k').fill('');
  await expect(page.getByTestId('search-result')).toHaveCount(PHOTOS.length);

  // Every cell sits in the section its score and the pack's calibrated threshold say.
  const threshold = packInfo?.noMatchThreshold ?? NaN;
  const cells = await page.getByTestId('search-result').evaluateAll((all) =>
    all.map((cell) => ({
      section: cell.getAttribute('data-section'),
      score: Number(cell.querySelector('[data-testid="search-result-score"]')?.textContent),
    })),
  );
  expect(cells.length).toBe(PHOTOS.length);
  for (const { section, score } of cells) {
    // Scores are shown rounded to 3 decimals.
    if (Math.abs(score - threshold) > 0.001)
      expect(section).toBe(score >= threshold ? 'good' : 'weak');
  }
  const good = cells.filter((c) => c.section === 'good').length;
  await expect(page.getByTestId('search-no-match')).toHaveCount(good === 0 ? 1 : 0);
  if (good < cells.length) await expect(page.getByTestId('search-section-weak')).toBeVisible();
});

test('sorts results by date: EXIF capture date where stored, else the file date', async ({
  page,
}) => {
  // Copies of the samples with distinct file dates, so "newest first" has one right order.
  const folder = mkdtempSync(join(tmpdir(), 'probe-search-dates-'));
  try {
    PHOTOS.forEach((name, i) => {
      const copy = join(folder, name);
      copyFileSync(join(SAMPLES, name), copy);
      const when = new Date(Date.UTC(2001 + ((i * 3) % PHOTOS.length), 5, 1));
      utimesSync(copy, when, when);
    });
    await page.goto('/');
    await waitForPack(page);
    await indexFolder(page, folder, PHOTOS.length);
    await page.getByTestId('search-input').fill('a cat');
    await expect(page.getByTestId('search-result')).toHaveCount(PHOTOS.length);
    const response = await page.evaluate(() => window.probeSearch?.search('a cat'));
    const hits = response?.hits ?? [];
    for (const hit of hits) {
      if (hit.dateSource === 'file') {
        const i = PHOTOS.indexOf(basename(hit.path));
        expect(hit.date).toBe(Date.UTC(2001 + ((i * 3) % PHOTOS.length), 5, 1));
      }
    }
    const threshold = (await appState(page)).packInfo?.noMatchThreshold ?? NaN;
    const newestFirst = (good: boolean) =>
      hits
        .filter((h) => h.score >= threshold === good)
        .sort((a, b) => (b.date ?? 0) - (a.date ?? 0))
        .map((h) => h.path);

    await page.getByTestId('search-sort').selectOption('date');
    await expect
      .poll(() => resultPaths(page))
      .toEqual([...newestFirst(true), ...newestFirst(false)]);
    await page.getByTestId('search-sort').selectOption('relevance');
    const byScore = (good: boolean) =>
      hits.filter((h) => h.score >= threshold === good).map((h) => h.path);
    await expect.poll(() => resultPaths(page)).toEqual([...byScore(true), ...byScore(false)]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('a result opens large with its regions, the matching ones highlighted, and its original', async ({
  page,
}) => {
  await page.goto('/');
  await waitForPack(page);
  await indexFolder(page, SAMPLES, PHOTOS.length);
  await page.getByTestId('search-input').fill('a cat');
  const cat = page.locator('[data-testid="search-result"][data-path$="chelsea.png"]');
  await cat.getByRole('button').click();

  const view = page.getByTestId('photo-view');
  await expect(view).toBeVisible();
  // The original file of this session (451 × 300 px), not the 256 px thumbnail.
  await expect
    .poll(() =>
      view.getByTestId('photo-image').evaluate((img: HTMLImageElement) => img.naturalWidth),
    )
    .toBe(451);
  const catRegion = view.getByTestId('photo-region').filter({ hasText: /^cat / });
  await expect(catRegion.first()).toHaveAttribute('data-matched', 'true');
  await expect(view.getByTestId('photo-size')).toContainText('451 × 300 px');
  await expect(view.getByTestId('photo-date')).toContainText(/\((taken|file modified)\)/);
  await expect(view.getByTestId('photo-open-original')).toHaveAttribute('href', /^blob:/);
  await page.keyboard.press('Escape');
  await expect(view).toBeHidden();

  // After a reload the session no longer holds the file: the view says so and shows the
  // stored thumbnail. The query comes back from the URL.
  await page.reload();
  await waitForPack(page);
  await cat.getByRole('button').click();
  await expect(view.getByTestId('photo-original-unavailable')).toBeVisible();
  await expect
    .poll(() =>
      view.getByTestId('photo-image').evaluate((img: HTMLImageElement) => img.naturalWidth),
    )
    .toBeLessThanOrEqual(256);
});
