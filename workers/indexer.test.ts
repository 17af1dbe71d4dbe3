import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IndexProgress, IndexRequest, PhotoFile } from '../src/engine/api.ts';
import { letterbox } from '../src/model/letterbox.ts';
import { LIBRARY } from '../src/storage/keys.ts';
import {
  clearLibrary,
  loadPhotoMeta,
  loadPhotoMetas,
  loadProbes,
  loadThumbnail,
} from '../src/storage/library.ts';
import {
  duplicatesOf,
  IndexingControl,
  numberedName,
  runIndexing,
  type IndexerPack,
} from './indexer.ts';
import { UnreadablePhotoError, type DecodeOptions, type PhotoDecoder } from './photo.ts';
import { ProbeIndex } from './probeIndex.ts';
import { createSerial } from './serial.ts';
import { heifFile, tiffBlock } from './testing/heifFile.ts';

const FIXTURES = resolve(import.meta.dirname, '../e2e/fixtures');
const PV = 2;
const D = 3;
const SHAPE = { probeFloats: PV * D, globalFloats: D };
const T0 = 1_700_000_000_000;

function fixtureFile(path: string, name = path, lastModified = T0): PhotoFile {
  const bytes = readFileSync(resolve(FIXTURES, path));
  return { path: name, file: new File([bytes], name.split('/').pop() ?? name, { lastModified }) };
}

function bytesFile(name: string, bytes: Uint8Array<ArrayBuffer>, lastModified = T0): PhotoFile {
  return { path: name, file: new File([bytes], name, { lastModified }) };
}

/** A PNG signature and IHDR claiming the given size: enough for the header check. */
function pngHeader(width: number, height: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(64);
  const view = new DataView(bytes.buffer);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  view.setUint32(8, 13);
  bytes.set(new TextEncoder().encode('IHDR'), 12);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return bytes;
}

/** The models and decoder stand-ins: what the run does around them is under test. */
function harness(options: { failDecode?: readonly PhotoFile[] } = {}) {
  const failing = new Set(options.failDecode?.map((p) => p.file));
  const decoded: { file: Blob; options: DecodeOptions }[] = [];
  const hooks = { onDecode: () => {}, onDetect: () => {}, onEncode: () => {} };
  const decode: PhotoDecoder = async (file, decodeOptions) => {
    decoded.push({ file, options: decodeOptions });
    hooks.onDecode();
    if (failing.has(file as File)) {
      throw new UnreadablePhotoError(`damaged or incomplete ${decodeOptions.formatName} file`);
    }
    const width = decodeOptions.orientedSize?.width ?? 10;
    const height = decodeOptions.orientedSize?.height ?? 10;
    return {
      width,
      height,
      geometry: letterbox(width, height, 8),
      input: new Float32Array(8 * 8 * 3),
      thumbnail: new Blob([new Uint8Array([0xff, 0xd8])], { type: 'image/jpeg' }),
    };
  };
  const pack: IndexerPack = {
    key: { id: 'test-pack', version: '1' },
    inputSize: 8,
    padValue: 0,
    index: new ProbeIndex(PV * D, D),
    stale: new Set(),
    detect: async () => {
      hooks.onDetect();
      return [{ classIndex: 15, score: 0.9, box: [0, 0, 1, 1] }];
    },
    encodeVision: async () => {
      hooks.onEncode();
      return { probes: new Float32Array(PV * D).fill(0.5), global: new Float32Array([1, 0, 0]) };
    },
  };
  let clock = 0;
  const serial = createSerial();
  const deps = {
    serial,
    pack: () => pack,
    decode,
    now: () => clock,
    progressIntervalMs: 100,
  };
  const progress: IndexProgress[] = [];
  const run = (request: IndexRequest, control = new IndexingControl(deps.now)) =>
    runIndexing(request, (p) => progress.push(p), control, deps);
  return {
    pack,
    hooks,
    deps,
    decoded,
    progress,
    run,
    tick: (ms: number) => {
      clock += ms;
    },
  };
}

const GOOD = [
  'photos/cat.jpg',
  'photos/coffee.png',
  'photos/astronaut.webp',
  'photos/rocket.bmp',
  'photos/rocket.avif',
  'photos/exif.avif',
  'photos/rotated-irot.avif',
  'photos/animated.gif',
  'photos/cmyk.jpg',
  'photos/alpha.png',
  'photos/rotated-exif.jpg',
  'photos/really-a-png.jpg',
  'photos/copy-1.jpg',
  'photos/copy-2.jpg',
];

afterEach(async () => {
  vi.restoreAllMocks();
  await clearLibrary();
});

describe('runIndexing', () => {
  it('indexes every format it can, and skips each bad file with its reason', async () => {
    const photos = GOOD.map((p) => fixtureFile(p, `album/${p}`));
    const corrupt = fixtureFile('bad/corrupt.jpg', 'album/bad/corrupt.jpg');
    const truncated = fixtureFile('bad/truncated.png', 'album/bad/truncated.png');
    const heic = fixtureFile('bad/phone.heic', 'album/bad/phone.heic');
    const bad = [
      fixtureFile('bad/empty.jpg', 'album/bad/empty.jpg'),
      fixtureFile('bad/text-named.jpg', 'album/bad/text-named.jpg'),
      fixtureFile('bad/notes.txt', 'album/bad/notes.txt'),
      corrupt,
      truncated,
      heic,
      bytesFile('album/bad/huge.png', pngHeader(20_000, 12_000)),
      bytesFile('album/bad/<img src=x onerror=alert(1)>.jpg', new TextEncoder().encode('<b>')),
    ];
    const h = harness({ failDecode: [corrupt, truncated, heic] });
    const report = await h.run({ photos: [...photos, ...bad], folders: ['album'] });

    expect(report).toMatchObject({
      outcome: 'complete',
      total: photos.length + bad.length,
      indexed: photos.length,
      reused: 0,
      removed: 0,
      librarySize: photos.length,
    });
    expect(Object.fromEntries(report.skipped.map((s) => [s.path, s.reason]))).toEqual({
      'album/bad/empty.jpg': 'empty file (0 bytes)',
      'album/bad/text-named.jpg': 'not an image (the file holds text)',
      'album/bad/notes.txt': 'not an image (the file holds text)',
      'album/bad/corrupt.jpg': 'damaged or incomplete JPEG file',
      'album/bad/truncated.png': 'damaged or incomplete PNG file',
      'album/bad/phone.heic': 'HEIC images are not supported in this browser',
      'album/bad/huge.png': 'too large to index: 240 megapixels (limit 200)',
      'album/bad/<img src=x onerror=alert(1)>.jpg': 'not an image (the file holds text)',
    });
    expect(report.duplicates).toEqual([
      { path: 'album/photos/copy-2.jpg', sameAs: 'album/photos/copy-1.jpg' },
    ]);
    // Nothing but whole photos in storage: meta, probes and thumbnail for each.
    const metas = await loadPhotoMetas();
    expect([...metas.keys()].sort()).toEqual(photos.map((p) => p.path).sort());
    const { records } = await loadProbes(h.pack.key, SHAPE);
    expect(records).toHaveLength(photos.length);
    for (const { path } of photos) expect(await loadThumbnail(path)).toBeInstanceOf(Blob);
    // The huge photo was refused from its header: never handed to the decoder.
    expect(h.decoded.map((d) => d.file)).not.toContain(bad[6]?.file);
  });

  it('stores the real format, the size after EXIF orientation and the EXIF fields', async () => {
    const h = harness();
    await h.run({
      photos: [
        fixtureFile('photos/rotated-exif.jpg', 'r.jpg'),
        fixtureFile('photos/really-a-png.jpg', 'p.jpg'),
      ],
      folders: [],
    });
    const rotated = await loadPhotoMeta('r.jpg');
    // Stored 120×80 landscape, orientation 6: a 80×120 portrait photo.
    expect(rotated).toMatchObject({ format: 'jpeg', width: 80, height: 120 });
    expect(rotated?.exif).toMatchObject({
      make: 'Probe Camera Co.',
      model: 'PC-1',
      takenAt: '2023-07-14T09:30:05',
    });
    expect(rotated?.exif.gps?.latitude).toBeCloseTo(48.858, 3);
    expect(rotated?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await loadPhotoMeta('p.jpg'))?.format).toBe('png');
  });

  it('reads AVIF and HEIC Exif items; their size is turned by irot, never by Exif', async () => {
    const h = harness();
    const heic = heifFile({
      brand: 'heic',
      width: 4032,
      height: 3024,
      irot: 3,
      exif: tiffBlock(1, 'Probe Phone Co.'),
    });
    await h.run({
      photos: [
        fixtureFile('photos/exif.avif', 'e.avif'),
        fixtureFile('photos/rotated-irot.avif', 'r.avif'),
        bytesFile('phone.heic', heic),
      ],
      folders: [],
    });
    // Exif orientation 6 in the item, no irot: decoded (and stored) as the 96×64 it is.
    const exif = await loadPhotoMeta('e.avif');
    expect(exif).toMatchObject({ format: 'avif', width: 96, height: 64 });
    expect(exif?.exif).toMatchObject({
      make: 'Probe Camera Co.',
      takenAt: '2024-02-29T18:45:00+11:00',
    });
    expect(exif?.exif.gps?.latitude).toBeCloseTo(-33.857, 3);
    expect(await loadPhotoMeta('r.avif')).toMatchObject({ width: 64, height: 96, exif: {} });
    // HEIC is handed to the decoder (it works where the platform decodes it) with its size.
    expect(await loadPhotoMeta('phone.heic')).toMatchObject({
      format: 'heic',
      width: 3024,
      height: 4032,
      exif: { make: 'Probe Phone Co.' },
    });
    expect(h.decoded.map((d) => d.options.orientedSize)).toEqual([
      { width: 96, height: 64 },
      { width: 64, height: 96 },
      { width: 3024, height: 4032 },
    ]);
  });

  it('hands a big photo to the decoder with its size, so it is decoded scaled down', async () => {
    const h = harness();
    // A 50-megapixel PNG header (8660×5774); the pixels are not needed for this step.
    await h.run({ photos: [bytesFile('big.png', pngHeader(8660, 5774))], folders: [] });
    expect(h.decoded[0]?.options.orientedSize).toEqual({ width: 8660, height: 5774 });
  });

  it('reuses unchanged files, re-indexes changed ones and drops deleted ones', async () => {
    const h = harness();
    const cat = fixtureFile('photos/cat.jpg', 'trip/cat.jpg');
    const coffee = fixtureFile('photos/coffee.png', 'trip/coffee.png');
    const gone = fixtureFile('photos/rocket.bmp', 'trip/rocket.bmp');
    const elsewhere = fixtureFile('photos/cat.jpg', 'other/cat.jpg');
    await h.run({ photos: [cat, coffee, gone, elsewhere], folders: [] });
    expect(h.pack.index.size).toBe(4);

    const changed = fixtureFile('photos/coffee.png', 'trip/coffee.png', T0 + 1000);
    const again = await h.run({ photos: [cat, changed], folders: ['trip'] });
    expect(again).toMatchObject({ indexed: 1, reused: 1, removed: 1, librarySize: 3 });
    expect(h.pack.index.has('trip/rocket.bmp')).toBe(false);
    expect(await loadPhotoMeta('trip/rocket.bmp')).toBeUndefined();
    expect(await loadThumbnail('trip/rocket.bmp')).toBeUndefined();
    // Another folder is not touched by a scan of "trip".
    expect(await loadPhotoMeta('other/cat.jpg')).toBeDefined();
    expect((await loadPhotoMeta('trip/coffee.png'))?.lastModified).toBe(T0 + 1000);

    // Loose files (no folder scanned whole) never remove anything.
    const loose = await h.run({ photos: [cat], folders: [] });
    expect(loose).toMatchObject({ indexed: 0, reused: 1, removed: 0, librarySize: 3 });
  });

  it('keeps a loose file whose name a different photo has under a numbered name', async () => {
    const h = harness();
    const first = fixtureFile('photos/cat.jpg', 'IMG_1.jpg');
    const second = fixtureFile('photos/coffee.png', 'IMG_1.jpg', T0 + 5);
    const third = fixtureFile('photos/rocket.bmp', 'IMG_1.jpg', T0 + 9);
    await h.run({ photos: [first], folders: [] });
    const report = await h.run({ photos: [second, third], folders: [] });
    expect(report).toMatchObject({ indexed: 2, reused: 0, librarySize: 3 });
    expect(report.renamed).toEqual([
      { name: 'IMG_1.jpg', path: 'IMG_1 (2).jpg' },
      { name: 'IMG_1.jpg', path: 'IMG_1 (3).jpg' },
    ]);
    expect((await loadPhotoMeta('IMG_1.jpg'))?.format).toBe('jpeg');
    expect((await loadPhotoMeta('IMG_1 (2).jpg'))?.format).toBe('png');
    expect((await loadPhotoMeta('IMG_1 (3).jpg'))?.format).toBe('bmp');

    // Dropped again, each finds its own record: by size and date, or by its bytes when the
    // copy has another date.
    const copied = fixtureFile('photos/coffee.png', 'IMG_1.jpg', T0 + 77);
    const again = await h.run({ photos: [third, first, copied], folders: [] });
    expect(again.renamed.map((r) => r.path)).toEqual(['IMG_1 (3).jpg', 'IMG_1 (2).jpg']);
    expect(again).toMatchObject({ indexed: 1, reused: 2, librarySize: 3 });
    expect((await loadPhotoMeta('IMG_1 (2).jpg'))?.lastModified).toBe(T0 + 77);

    // A file of that name that cannot be indexed is reported under its own name, not kept.
    const damaged = bytesFile(
      'IMG_1.jpg',
      new TextEncoder().encode('notes, not a photo') as Uint8Array<ArrayBuffer>,
      T0 + 99,
    );
    const failed = await h.run({ photos: [damaged], folders: [] });
    expect(failed.renamed).toEqual([]);
    expect(failed.skipped.map((f) => f.path)).toEqual(['IMG_1.jpg']);
    expect(await loadPhotoMeta('IMG_1 (4).jpg')).toBeUndefined();

    // Photos in folders keep their paths: only loose files have nothing but a name.
    const inFolder = await h.run({
      photos: [fixtureFile('photos/coffee.png', 'trip/IMG_1.jpg')],
      folders: [],
    });
    expect(inFolder.renamed).toEqual([]);
  });

  it('numbers a name before its extension', () => {
    expect(numberedName('IMG_1.jpg', 2)).toBe('IMG_1 (2).jpg');
    expect(numberedName('scan.tar.png', 3)).toBe('scan.tar (3).png');
    expect(numberedName('README', 2)).toBe('README (2)');
    expect(numberedName('.hidden', 2)).toBe('.hidden (2)');
  });

  it('re-indexes photos whose probes are from another pack and counts the rest as stale', async () => {
    const h = harness();
    const cat = fixtureFile('photos/cat.jpg', 'cat.jpg');
    await h.run({ photos: [cat], folders: [] });
    // As after a model change: the meta is still there, but this pack has no probes for it.
    h.pack.index.delete('cat.jpg');
    h.pack.stale.add('cat.jpg').add('dog.jpg');
    const report = await h.run({ photos: [cat], folders: [] });
    expect(report).toMatchObject({ indexed: 1, reused: 0, stalePhotos: 1 });
  });

  it('stops on a full disk with a clear outcome and keeps what was indexed', async () => {
    const h = harness();
    const photos = GOOD.slice(0, 5).map((p) => fixtureFile(p));
    const put = IDBObjectStore.prototype.put;
    let saved = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      value: unknown,
      key?: IDBValidKey,
    ) {
      if (this.name === LIBRARY.stores.thumbnails && ++saved > 2) {
        throw new DOMException('quota', 'QuotaExceededError');
      }
      return put.call(this, value, key);
    });
    const report = await h.run({ photos, folders: [] });
    vi.restoreAllMocks();
    expect(report).toMatchObject({ outcome: 'storage-full', indexed: 2, librarySize: 2 });
    const metas = await loadPhotoMetas();
    expect([...metas.keys()].sort()).toEqual([GOOD[0], GOOD[1]].sort());
    expect((await loadProbes(h.pack.key, SHAPE)).records).toHaveLength(2);
  });

  it('pauses between photos, lets other work run meanwhile, resumes and can be cancelled', async () => {
    const h = harness();
    const photos = GOOD.slice(0, 6).map((p) => fixtureFile(p));
    const control = new IndexingControl(h.deps.now);
    control.pause();
    const run = h.run({ photos, folders: [] }, control);
    // Paused before the first photo: a search on the same chain runs at once.
    expect(await h.deps.serial(async () => 'search ran')).toBe('search ran');
    expect(h.pack.index.size).toBe(0);
    // Pause and resume are reported at once, not only with the next photo.
    control.pause();
    const reports = h.progress.length;
    h.tick(5000);
    let detected = 0;
    // Cancelled while the third photo is in hand: it stops there, no later one starts.
    h.hooks.onDetect = () => {
      if (++detected === 3) control.cancel();
    };
    control.resume();
    expect(h.progress.slice(reports).map((p) => p.paused)).toEqual([false]);
    const report = await run;
    expect(report.outcome).toBe('cancelled');
    expect(report.indexed).toBe(2);
    expect(h.pack.index.size).toBe(2);
    expect((await loadPhotoMetas()).size).toBe(report.indexed);
    // The five paused seconds are not working time.
    expect(report.seconds).toBe(0);
  });

  it.each(['onDecode', 'onDetect', 'onEncode'] as const)(
    'a cancel during %s stops the photo in hand at its next stage, saving nothing of it',
    async (stage) => {
      const h = harness();
      const photos = GOOD.slice(0, 3).map((p) => fixtureFile(p));
      const control = new IndexingControl(h.deps.now);
      let calls = 0;
      const stages: string[] = [];
      h.hooks.onDecode = () => stages.push('decode');
      h.hooks.onDetect = () => stages.push('detect');
      h.hooks.onEncode = () => stages.push('encode');
      const record = h.hooks[stage];
      // The second photo's stage is where the cancel arrives.
      h.hooks[stage] = () => {
        record();
        if (++calls === 2) control.cancel();
      };
      const report = await h.run({ photos, folders: [] }, control);

      expect(report).toMatchObject({ outcome: 'cancelled', indexed: 1, librarySize: 1 });
      // No stage of the second photo ran after the one the cancel came in.
      const order = ['decode', 'detect', 'encode'];
      const last = order.indexOf(stage.slice(2).toLowerCase());
      expect(stages).toEqual([...order, ...order.slice(0, last + 1)]);
      // Only the first photo is stored, whole; nothing at all of the second.
      const [first, second] = photos.map((p) => p.path);
      expect([...(await loadPhotoMetas()).keys()]).toEqual([first]);
      expect((await loadProbes(h.pack.key, SHAPE)).records.map((r) => r.path)).toEqual([first]);
      expect(await loadThumbnail(second ?? '')).toBeUndefined();
      expect(h.pack.index.has(second ?? '')).toBe(false);
      expect(h.progress.at(-1)).toMatchObject({ done: 1, indexed: 1, current: null });
    },
  );

  it('goes through thousands of files with a bounded number of progress reports', async () => {
    const h = harness();
    const tiny = new Uint8Array(readFileSync(resolve(FIXTURES, 'photos/cat.jpg')));
    const photos: PhotoFile[] = [];
    for (let i = 0; i < 3000; i++) {
      photos.push(
        i % 10 === 0
          ? bytesFile(`many/${i}.jpg`, tiny)
          : bytesFile(`many/${i}.jpg`, new Uint8Array(0)),
      );
    }
    const original = h.deps.now;
    let calls = 0;
    // Each file advances the clock by 1 ms: 3 s of work, one report per 100 ms at most.
    h.deps.now = () => {
      calls += 1;
      if (calls % 3 === 0) h.tick(1);
      return original();
    };
    const report = await h.run({ photos, folders: ['many'] });
    expect(report).toMatchObject({ indexed: 300, total: 3000 });
    expect(report.skipped).toHaveLength(2700);
    expect(report.duplicates).toHaveLength(299);
    expect(h.progress.length).toBeLessThan(60);
    expect(h.progress.at(-1)).toMatchObject({ done: 3000, current: null, failed: 2700 });
  });
});

describe('duplicatesOf', () => {
  it('names the first copy in path order for each group of equal hashes', () => {
    const hashes = new Map([
      ['b.jpg', 'h1'],
      ['a.jpg', 'h1'],
      ['c.jpg', 'h2'],
      ['d.jpg', 'h1'],
    ]);
    expect(duplicatesOf(hashes)).toEqual([
      { path: 'b.jpg', sameAs: 'a.jpg' },
      { path: 'd.jpg', sameAs: 'a.jpg' },
    ]);
  });
});
