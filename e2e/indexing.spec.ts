/**
 * Indexing with real files in the real app: every supported format, each kind of bad input,
 * drops, the folder picker, incremental re-scans, pause/resume/cancel, reload mid-run, a full
 * disk and thousands of files. Fixtures: e2e/fixtures/ (scripts/make-fixtures.py); big and
 * many-file inputs are made here, in a temporary folder.
 */
import { expect, test, type Page } from '@playwright/test';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { LIBRARY } from '../src/storage/keys.ts';

const FIXTURES = resolve(import.meta.dirname, 'fixtures');
const GOOD = readdirSync(join(FIXTURES, 'photos')).sort();
const BAD = readdirSync(join(FIXTURES, 'bad')).sort();
const HTML_NAME = '<img src=x onerror="window.__xss=1">.jpg';
const LIBRARY_DB = LIBRARY.database;
const READY_TIMEOUT = 120_000;

interface StoredPhoto {
  readonly path: string;
  readonly format: string;
  readonly width: number;
  readonly height: number;
  readonly exif: { make?: string; model?: string; takenAt?: string; gps?: unknown };
}

interface StoredLibrary {
  readonly photos: StoredPhoto[];
  readonly probes: string[];
  readonly thumbnails: string[];
}

/** A folder `name` in a fresh temporary directory, holding copies of the given fixtures. */
function folderOf(name: string, fixtures: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'probe-indexing-'));
  const folder = join(root, name);
  mkdirSync(folder);
  for (const fixture of fixtures) {
    copyFileSync(join(FIXTURES, fixture), join(folder, fixture.split('/').pop() ?? fixture));
  }
  return folder;
}

/** A trusted drop (as from the desktop) of files and folders on the drop zone, through CDP. */
async function dropFiles(page: Page, paths: readonly string[]): Promise<void> {
  const box = await page.getByTestId('intake-drop-zone').boundingBox();
  if (box === null) throw new Error('the drop zone is not visible');
  const cdp = await page.context().newCDPSession(page);
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const data = { items: [], files: [...paths], dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const) {
    await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
  }
}

async function openReadyApp(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('pack-ready')).toBeVisible({ timeout: READY_TIMEOUT });
}

/** What IndexedDB holds, read in the page: the tests check storage, not only the UI. */
function storedLibrary(page: Page): Promise<StoredLibrary> {
  return page.evaluate(async (database) => {
    const db = await new Promise<IDBDatabase>((done, fail) => {
      const request = indexedDB.open(database);
      request.onsuccess = () => done(request.result);
      request.onerror = () => fail(request.error);
    });
    const all = <T>(store: string, keys: boolean) =>
      new Promise<T[]>((done, fail) => {
        const objects = db.transaction(store).objectStore(store);
        const request = keys ? objects.getAllKeys() : objects.getAll();
        request.onsuccess = () => done(request.result as T[]);
        request.onerror = () => fail(request.error);
      });
    const library = {
      photos: await all<StoredPhoto>('photos', false),
      probes: await all<string>('probes', true),
      thumbnails: await all<string>('thumbnails', true),
    };
    db.close();
    return library;
  }, LIBRARY_DB);
}

/** Pixel size of a stored thumbnail and its top-left pixel, decoded in the page. */
function thumbnailOf(page: Page, path: string) {
  return page.evaluate(
    async ({ database, key }) => {
      const db = await new Promise<IDBDatabase>((done, fail) => {
        const request = indexedDB.open(database);
        request.onsuccess = () => done(request.result);
        request.onerror = () => fail(request.error);
      });
      const blob = await new Promise<Blob>((done, fail) => {
        const request = db.transaction('thumbnails').objectStore('thumbnails').get(key);
        request.onsuccess = () => done(request.result as Blob);
        request.onerror = () => fail(request.error);
      });
      db.close();
      const bitmap = await createImageBitmap(blob);
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d');
      ctx?.drawImage(bitmap, 0, 0);
      const pixel = Array.from(ctx?.getImageData(2, 2, 1, 1).data ?? []);
      return { width: bitmap.width, height: bitmap.height, pixel };
    },
    { database: LIBRARY_DB, key: path },
  );
}

function expectWholePhotos(library: StoredLibrary): void {
  const paths = library.photos.map((p) => p.path).sort();
  expect(new Set(paths).size).toBe(paths.length);
  expect([...library.probes].sort()).toEqual(paths);
  expect([...library.thumbnails].sort()).toEqual(paths);
}

test.beforeEach(({ page }) => {
  // An HTML file name must never run: any dialog fails the test.
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected dialog: ${dialog.message()}`);
  });
});

test('indexes every format, skips each bad file with its reason, flags duplicates', async ({
  page,
}) => {
  const folder = folderOf('album', [
    ...GOOD.map((name) => `photos/${name}`),
    ...BAD.map((name) => `bad/${name}`),
  ]);
  writeFileSync(join(folder, HTML_NAME), 'not a photo');
  await openReadyApp(page);
  await page.getByTestId('intake-folder-input').setInputFiles(folder);

  const report = page.getByTestId('intake-report');
  await expect(report).toContainText(`${GOOD.length} indexed`, { timeout: READY_TIMEOUT });
  await expect(report).toContainText(`${BAD.length + 1} skipped`);
  test
    .info()
    .annotations.push({ type: 'measure', description: (await report.textContent()) ?? '' });
  const skipped = page.getByTestId('intake-skipped');
  const reasons: Record<string, string> = {
    'empty.jpg': 'empty file (0 bytes)',
    'text-named.jpg': 'not an image (the file holds text)',
    'notes.txt': 'not an image (the file holds text)',
    'corrupt.jpg': 'damaged or incomplete JPEG file',
    'truncated.png': 'damaged or incomplete PNG file',
    'phone.heic': 'HEIC images are not supported in this browser',
  };
  for (const [name, reason] of Object.entries(reasons)) {
    await expect(skipped.getByText(`album/${name}`)).toBeVisible();
    await expect(skipped.locator('li', { hasText: `album/${name}` })).toContainText(reason);
  }
  // The HTML file name is shown as text and never becomes markup.
  await expect(skipped.getByText(`album/${HTML_NAME}`)).toBeVisible();
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await page.evaluate(() => 'xss' in window || '__xss' in window)).toBe(false);
  await expect(page.getByTestId('intake-duplicates')).toContainText(
    'album/copy-2.jpg is the same file as album/copy-1.jpg',
  );

  const library = await storedLibrary(page);
  expectWholePhotos(library);
  expect(library.photos.map((p) => p.path).sort()).toEqual(GOOD.map((n) => `album/${n}`));
  const byName = new Map(library.photos.map((p) => [p.path.slice('album/'.length), p]));
  expect(byName.get('really-a-png.jpg')?.format).toBe('png');
  expect(byName.get('rocket.avif')?.format).toBe('avif');
  expect(byName.get('cmyk.jpg')).toMatchObject({ format: 'jpeg', width: 96, height: 64 });
  // EXIF orientation 6: stored 120×80, shown (and thumbnailed) as an 80×120 portrait.
  const rotated = byName.get('rotated-exif.jpg');
  expect(rotated).toMatchObject({ width: 80, height: 120 });
  expect(rotated?.exif).toMatchObject({ make: 'Probe Camera Co.', takenAt: '2023-07-14T09:30:05' });
  const portrait = await thumbnailOf(page, 'album/rotated-exif.jpg');
  expect(portrait.height).toBeGreaterThan(portrait.width);
  // AVIF: EXIF from its Exif item, but the turn from its irot property only. exif.avif's Exif
  // says orientation 6 and it has no irot: it stays a 96×64 landscape, as Chromium shows it.
  expect(byName.get('exif.avif')).toMatchObject({ format: 'avif', width: 96, height: 64 });
  expect(byName.get('exif.avif')?.exif).toMatchObject({
    make: 'Probe Camera Co.',
    takenAt: '2024-02-29T18:45:00+11:00',
  });
  const avifLandscape = await thumbnailOf(page, 'album/exif.avif');
  expect(avifLandscape.width).toBeGreaterThan(avifLandscape.height);
  // rotated-irot.avif: stored 96×64, irot a quarter turn: a 64×96 portrait.
  expect(byName.get('rotated-irot.avif')).toMatchObject({ width: 64, height: 96 });
  const avifPortrait = await thumbnailOf(page, 'album/rotated-irot.avif');
  expect(avifPortrait.height).toBeGreaterThan(avifPortrait.width);
  // The transparent half of the PNG is white in the JPEG thumbnail, not black.
  const alpha = await thumbnailOf(page, 'album/alpha.png');
  for (const channel of alpha.pixel.slice(0, 3)) expect(channel).toBeGreaterThan(240);
  // The animated GIF is indexed from its first frame (the cat, not a flat colour).
  expect(byName.get('animated.gif')).toMatchObject({ format: 'gif', width: 80, height: 53 });
});

test('indexes a trusted drop of a folder and a loose file', async ({ page }) => {
  const folder = folderOf('dropped', ['photos/cat.jpg', 'photos/coffee.png', 'bad/notes.txt']);
  const loose = join(folderOf('elsewhere', ['photos/astronaut.webp']), 'astronaut.webp');
  await openReadyApp(page);
  await dropFiles(page, [folder, loose]);
  const report = page.getByTestId('intake-report');
  await expect(report).toContainText('4 files: 3 indexed', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('library-size')).toHaveText('3 photos indexed');
  const library = await storedLibrary(page);
  expect(library.photos.map((p) => p.path).sort()).toEqual([
    'astronaut.webp',
    'dropped/cat.jpg',
    'dropped/coffee.png',
  ]);
  expectWholePhotos(library);
  await expect(page.getByTestId('intake-skipped')).toContainText('dropped/notes.txt');
});

test('keeps two different loose files of one name as two photos', async ({ page }) => {
  const cat = join(folderOf('camera', ['photos/cat.jpg']), 'cat.jpg');
  // Another photo that happens to have the same name (from another camera or folder).
  const other = join(folderOf('phone', []), 'cat.jpg');
  copyFileSync(join(FIXTURES, 'photos/coffee.png'), other);
  await openReadyApp(page);
  await dropFiles(page, [cat]);
  const report = page.getByTestId('intake-report');
  await expect(report).toContainText('1 files: 1 indexed', { timeout: READY_TIMEOUT });
  await dropFiles(page, [other]);
  await expect(page.getByTestId('intake-renamed')).toHaveText('cat.jpg is kept as cat (2).jpg', {
    timeout: READY_TIMEOUT,
  });
  await expect(page.getByTestId('library-size')).toHaveText('2 photos indexed');
  const library = await storedLibrary(page);
  expect(library.photos.map((p) => [p.path, p.format])).toEqual([
    ['cat (2).jpg', 'png'],
    ['cat.jpg', 'jpeg'],
  ]);
  expectWholePhotos(library);
  // Dropped again, the first finds its own record: nothing indexed, nothing renamed.
  await dropFiles(page, [cat]);
  await expect(report).toContainText('1 files: 0 indexed', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('intake-renamed')).toHaveCount(0);
  await expect(page.getByTestId('library-size')).toHaveText('2 photos indexed');
});

test('remembers a picked folder and re-scans it later: changed re-indexed, deleted dropped', async ({
  page,
}) => {
  // Two page loads and a few dozen photos on a small, busy CPU.
  test.setTimeout(400_000);
  // A real showDirectoryPicker cannot be driven here: it returns an OPFS folder instead.
  await page.addInitScript(() => {
    window.showDirectoryPicker = async () =>
      (await navigator.storage.getDirectory()).getDirectoryHandle('Picked', { create: true });
  });
  await openReadyApp(page);
  const files = Object.fromEntries(
    ['cat.jpg', 'coffee.png', 'rocket.bmp'].map((name) => [
      name,
      [...readFileSync(join(FIXTURES, 'photos', name))],
    ]),
  );
  await page.evaluate(async (contents) => {
    const folder = await (
      await navigator.storage.getDirectory()
    ).getDirectoryHandle('Picked', { create: true });
    for (const [name, bytes] of Object.entries(contents)) {
      const writable = await (await folder.getFileHandle(name, { create: true })).createWritable();
      await writable.write(new Uint8Array(bytes));
      await writable.close();
    }
  }, files);

  await page.getByTestId('intake-choose-folder').click();
  const report = page.getByTestId('intake-report');
  await expect(report).toContainText('3 files: 3 indexed', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('intake-folder')).toHaveText(/Picked/);

  // Between visits: one photo deleted, one replaced by another photo.
  const astronaut = [...readFileSync(join(FIXTURES, 'photos', 'astronaut.webp'))];
  await page.evaluate(async (bytes) => {
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('Picked');
    await folder.removeEntry('rocket.bmp');
    const writable = await (await folder.getFileHandle('coffee.png')).createWritable();
    await writable.write(new Uint8Array(bytes));
    await writable.close();
  }, astronaut);
  await page.reload();
  await expect(page.getByTestId('pack-ready')).toBeVisible({ timeout: READY_TIMEOUT });
  await expect(page.getByTestId('library-size')).toHaveText('3 photos indexed');
  await page.getByTestId('intake-rescan').click();
  await expect(report).toContainText('2 files: 1 indexed', { timeout: READY_TIMEOUT });
  await expect(report).toContainText('1 already indexed');
  await expect(report).toContainText('1 removed');
  await expect(page.getByTestId('library-size')).toHaveText('2 photos indexed');
  const library = await storedLibrary(page);
  expectWholePhotos(library);
  const coffee = library.photos.find((p) => p.path === 'Picked/coffee.png');
  // The replaced file was indexed again: its record now describes the WebP inside.
  expect(coffee).toMatchObject({ format: 'webp', width: 80, height: 80 });
});

test('keeps different folders of one name apart; the same folder keeps its paths', async ({
  page,
}) => {
  // Four indexing runs of a few photos each on a small, busy CPU.
  test.setTimeout(400_000);
  // The picker hands out two different OPFS folders, both called "Holiday": a/ then b/.
  await page.addInitScript(() => {
    let picks = 0;
    window.showDirectoryPicker = async () => {
      const parent = await (
        await navigator.storage.getDirectory()
      ).getDirectoryHandle(picks++ === 0 ? 'a' : 'b', { create: true });
      return parent.getDirectoryHandle('Holiday', { create: true });
    };
  });
  await openReadyApp(page);
  await expect(page.getByTestId('intake-name-only')).toHaveCount(0);
  const bytesOf = (name: string) => [...readFileSync(join(FIXTURES, 'photos', name))];
  await page.evaluate(
    async (folders) => {
      const root = await navigator.storage.getDirectory();
      for (const [parent, files] of Object.entries(folders)) {
        const folder = await (
          await root.getDirectoryHandle(parent, { create: true })
        ).getDirectoryHandle('Holiday', { create: true });
        for (const [name, bytes] of Object.entries(files)) {
          const file = await folder.getFileHandle(name, { create: true });
          const writable = await file.createWritable();
          await writable.write(new Uint8Array(bytes));
          await writable.close();
        }
      }
    },
    {
      a: { 'cat.jpg': bytesOf('cat.jpg'), 'coffee.png': bytesOf('coffee.png') },
      // Another photo under the same name as one of a/Holiday's.
      b: {
        'cat.jpg': bytesOf('astronaut.webp'),
        'rocket.bmp': bytesOf('rocket.bmp'),
        'alpha.png': bytesOf('alpha.png'),
      },
    },
  );
  const report = page.getByTestId('intake-report');
  await page.getByTestId('intake-choose-folder').click();
  await expect(report).toContainText('2 files: 2 indexed', { timeout: READY_TIMEOUT });
  await page.getByTestId('intake-choose-folder').click();
  // Nothing of the first folder is reused or removed by the second one.
  await expect(report).toContainText('3 files: 3 indexed', { timeout: READY_TIMEOUT });
  await expect(report).toContainText('0 already indexed, 0 skipped.');
  const folderNames = page.getByTestId('intake-folder').locator('.folder-name');
  await expect(folderNames).toHaveText(['Holiday', 'Holiday (2)']);
  let library = await storedLibrary(page);
  expectWholePhotos(library);
  const formats = () => Object.fromEntries(library.photos.map((p) => [p.path, p.format]));
  expect(formats()).toEqual({
    'Holiday/cat.jpg': 'jpeg',
    'Holiday/coffee.png': 'png',
    'Holiday (2)/cat.jpg': 'webp',
    'Holiday (2)/rocket.bmp': 'bmp',
    'Holiday (2)/alpha.png': 'png',
  });

  // Re-scanning the first folder finds its own photos, unchanged.
  await page.getByTestId('intake-rescan').first().click();
  await expect(report).toContainText('2 files: 0 indexed', { timeout: READY_TIMEOUT });
  await expect(report).toContainText('2 already indexed');

  // A dropped folder (from disk) called "Holiday" is a third folder; dropped again, the same.
  const dropped = folderOf('Holiday', ['photos/cmyk.jpg']);
  const drop = async () => {
    const box = await page.getByTestId('intake-drop-zone').boundingBox();
    if (box === null) throw new Error('the drop zone is not visible');
    const cdp = await page.context().newCDPSession(page);
    const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    const data = { items: [], files: [dropped], dragOperationsMask: 1 };
    for (const type of ['dragEnter', 'dragOver', 'drop'] as const) {
      await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
    }
  };
  await drop();
  await expect(report).toContainText('1 files: 1 indexed', { timeout: READY_TIMEOUT });
  await drop();
  await expect(report).toContainText('1 files: 0 indexed', { timeout: READY_TIMEOUT });
  await expect(report).toContainText('1 already indexed');
  await expect(folderNames).toHaveText(['Holiday', 'Holiday (2)', 'Holiday (3)']);
  library = await storedLibrary(page);
  expectWholePhotos(library);
  expect(library.photos).toHaveLength(6);
  expect(formats()['Holiday (3)/cmyk.jpg']).toBe('jpeg');
});

test('says that folders are told apart by name where the browser gives no folder handles', async ({
  page,
}) => {
  await page.addInitScript(() => {
    window.showDirectoryPicker = undefined;
  });
  await page.goto('/');
  await expect(page.getByTestId('intake-name-only')).toContainText(
    'tells folders apart by their name only',
  );
});

test('shows progress, pauses, resumes and cancels; cancelling keeps what was indexed', async ({
  page,
}) => {
  // Two page loads and a few dozen photos on a small, busy CPU.
  test.setTimeout(400_000);
  const folder = folderOf('many', []);
  for (let i = 0; i < 16; i++) {
    const fixture = GOOD[i % GOOD.length] ?? 'cat.jpg';
    copyFileSync(join(FIXTURES, 'photos', fixture), join(folder, `${i}-${fixture}`));
  }
  await openReadyApp(page);
  await page.getByTestId('intake-folder-input').setInputFiles(folder);
  const progress = page.getByTestId('intake-progress');
  const count = progress.getByTestId('intake-progress-count');
  await expect(count).toHaveText(/Indexing: [1-9]\d* of 16/, { timeout: READY_TIMEOUT });
  await expect(progress.getByTestId('intake-rate')).toHaveText(/\d photos\/s/);
  await expect(progress.getByTestId('intake-eta')).toHaveText(/about \d+ (s|min) left/);
  await expect(progress.getByTestId('intake-current')).toContainText('many/');

  await page.getByTestId('intake-pause').click();
  await expect(count).toHaveText(/Paused: \d+ of 16/);
  const doneNow = async () => Number((await count.textContent())?.match(/(\d+) of/)?.[1]);
  const pausedAt = await doneNow();
  // Search answers while indexing is paused.
  const answer = await page.evaluate(() => window.probeSearch?.search('a cat'));
  expect(answer?.librarySize).toBeGreaterThan(0);
  await page.waitForTimeout(4000);
  // At most the photo in hand when the pause came was finished.
  expect((await doneNow()) - pausedAt).toBeLessThanOrEqual(1);

  await page.getByTestId('intake-resume').click();
  await expect(count).toHaveText(/Indexing: /);
  await page.getByTestId('intake-cancel').click();
  await expect(page.getByTestId('intake-cancelled')).toBeVisible({ timeout: 60_000 });
  const library = await storedLibrary(page);
  expectWholePhotos(library);
  expect(library.photos.length).toBeLessThan(16);
  await expect(page.getByTestId('library-size')).toHaveText(
    `${library.photos.length} photos indexed`,
  );
  // Cancelling happened inside the engine: the model stayed loaded.
  await expect(page.getByTestId('pack-ready')).toBeVisible();
});

test('a reload during indexing leaves whole photos only; indexing again completes', async ({
  page,
}) => {
  // Two page loads and a few dozen photos on a small, busy CPU.
  test.setTimeout(400_000);
  const folder = folderOf('reload', []);
  for (let i = 0; i < 12; i++) {
    const fixture = GOOD[i % GOOD.length] ?? 'cat.jpg';
    copyFileSync(join(FIXTURES, 'photos', fixture), join(folder, `${i}-${fixture}`));
  }
  await openReadyApp(page);
  await page.getByTestId('intake-folder-input').setInputFiles(folder);
  await expect(page.getByTestId('library-size')).toHaveText(/^([2-9]|1[01]) photos indexed/, {
    timeout: READY_TIMEOUT,
  });
  await page.reload();
  await expect(page.getByTestId('pack-ready')).toBeVisible({ timeout: READY_TIMEOUT });
  const partial = await storedLibrary(page);
  expectWholePhotos(partial);
  expect(partial.photos.length).toBeGreaterThanOrEqual(2);
  expect(partial.photos.length).toBeLessThan(12);

  await page.getByTestId('intake-folder-input').setInputFiles(folder);
  const report = page.getByTestId('intake-report');
  await expect(report).toContainText('12 files', { timeout: 240_000 });
  await expect(report).toContainText(`${12 - partial.photos.length} indexed`);
  await expect(report).toContainText(`${partial.photos.length} already indexed`);
  const library = await storedLibrary(page);
  expectWholePhotos(library);
  expect(library.photos).toHaveLength(12);
});

test('says "storage full" when IndexedDB runs out of quota and keeps what was indexed', async ({
  page,
  baseURL,
}) => {
  const folder = folderOf(
    'full',
    GOOD.map((name) => `photos/${name}`),
  );
  await openReadyApp(page);
  // A real full quota: Chromium's quota for this origin is set just above what it uses now.
  const { usage } = await page.evaluate(() => navigator.storage.estimate());
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', {
    origin: new URL(baseURL ?? '').origin,
    quotaSize: (usage ?? 0) + 40_000,
  });
  await page.getByTestId('intake-folder-input').setInputFiles(folder);
  const full = page.getByTestId('intake-storage-full');
  await expect(full).toBeVisible({ timeout: READY_TIMEOUT });
  await expect(full).toContainText('Storage full');
  const library = await storedLibrary(page);
  expectWholePhotos(library);
  expect(library.photos.length).toBeLessThan(GOOD.length);
  const kept = library.photos.length;
  await expect(full).toContainText(`The ${kept} photos indexed so far are kept`);
  await expect(page.getByTestId('library-size')).toHaveText(
    `${kept} ${kept === 1 ? 'photo' : 'photos'} indexed`,
  );
  test.info().annotations.push({ type: 'measure', description: `${kept} photos fit` });
});

test('indexes a 50-megapixel photo, decoded scaled down', async ({ page }) => {
  const folder = folderOf('big', []);
  const width = 8660;
  const height = 5774;
  const png = new PNG({ width, height, colorType: 2, inputHasAlpha: false });
  // A mostly flat picture (small file, quick to write) with a dark block in the middle.
  png.data = Buffer.alloc(width * height * 3, 200);
  const third = Math.floor(width / 3);
  for (let y = Math.floor(height / 3); y < (2 * height) / 3; y++) {
    png.data.fill(30, (y * width + third) * 3, (y * width + 2 * third) * 3);
  }
  const bytes = PNG.sync.write(png, { colorType: 2, inputHasAlpha: false, filterType: 0 });
  writeFileSync(join(folder, 'panorama.png'), bytes);
  await openReadyApp(page);
  const started = Date.now();
  await page.getByTestId('intake-folder-input').setInputFiles(folder);
  await expect(page.getByTestId('intake-report')).toContainText('1 indexed', {
    timeout: READY_TIMEOUT,
  });
  test.info().annotations.push({
    type: 'measure',
    description: `50 MP PNG (${(bytes.length / 2 ** 20).toFixed(1)} MB) indexed in ${(Date.now() - started) / 1000} s`,
  });
  const [photo] = (await storedLibrary(page)).photos;
  expect(photo).toMatchObject({ width, height });
  const thumbnail = await thumbnailOf(page, 'big/panorama.png');
  expect(thumbnail.width).toBe(256);
});

test('goes through 2,000 files and stays responsive', async ({ page }) => {
  test.setTimeout(300_000);
  const folder = folderOf('thousands', []);
  const photos = GOOD.filter((name) => name.endsWith('.jpg')).slice(0, 3);
  for (let i = 0; i < 2000; i++) {
    // Mostly empty files (the quick path), a few real photos in between.
    const name = `${String(i).padStart(4, '0')}.jpg`;
    if (i % 200 === 0)
      copyFileSync(join(FIXTURES, 'photos', photos[i % 3] ?? 'cat.jpg'), join(folder, name));
    else writeFileSync(join(folder, name), '');
  }
  await openReadyApp(page);
  const started = Date.now();
  await page.getByTestId('intake-folder-input').setInputFiles(folder);
  await expect(page.getByTestId('intake-progress')).toBeVisible();
  // While it runs, the page answers at once: a timer fires within a frame or two.
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    delays.push(
      await page.evaluate(
        () =>
          new Promise<number>((done) => {
            const t = performance.now();
            setTimeout(() => done(performance.now() - t), 0);
          }),
      ),
    );
  }
  expect(Math.max(...delays)).toBeLessThan(100);
  const report = page.getByTestId('intake-report');
  await expect(report).toContainText('2000 files: 10 indexed', { timeout: 240_000 });
  await expect(report).toContainText('1990 skipped');
  test.info().annotations.push({
    type: 'measure',
    description: `2,000 files (10 photos, 1,990 empty) in ${(Date.now() - started) / 1000} s`,
  });
  // Long lists start folded.
  await expect(page.locator('details:has([data-testid="intake-skipped"])')).not.toHaveAttribute(
    'open',
  );
});

test('says when photos were indexed by another model version, and re-indexes them', async ({
  page,
}) => {
  test.setTimeout(400_000);
  const folder = folderOf('model', ['photos/cat.jpg']);
  await openReadyApp(page);
  await page.getByTestId('intake-folder-input').setInputFiles(folder);
  await expect(page.getByTestId('intake-report')).toContainText('1 indexed', {
    timeout: READY_TIMEOUT,
  });
  // As if an older pack had made these probes.
  await page.evaluate(async (database) => {
    const db = await new Promise<IDBDatabase>((done, fail) => {
      const request = indexedDB.open(database);
      request.onsuccess = () => done(request.result);
      request.onerror = () => fail(request.error);
    });
    const store = db.transaction('probes', 'readwrite').objectStore('probes');
    await new Promise<void>((done, fail) => {
      const read = store.get('model/cat.jpg');
      read.onsuccess = () => {
        const write = store.put({ ...read.result, packVersion: '0.0.0-old' }, 'model/cat.jpg');
        write.onsuccess = () => done();
        write.onerror = () => fail(write.error);
      };
      read.onerror = () => fail(read.error);
    });
    db.close();
  }, LIBRARY_DB);
  await page.reload();
  await expect(page.getByTestId('pack-ready')).toBeVisible({ timeout: READY_TIMEOUT });
  await expect(page.getByTestId('intake-stale')).toContainText(
    '1 photo was indexed with another version of the model',
  );
  await expect(page.getByTestId('library-size')).toHaveText('0 photos indexed');
  await page.getByTestId('intake-folder-input').setInputFiles(folder);
  await expect(page.getByTestId('intake-report')).toContainText('1 indexed', {
    timeout: READY_TIMEOUT,
  });
  await expect(page.getByTestId('intake-stale')).toHaveCount(0);
  await expect(page.getByTestId('library-size')).toHaveText('1 photo indexed');
});
