import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { engineErrorName } from '../engine/errors.ts';
import {
  BENCH_LIBRARY,
  LIBRARY,
  LIBRARY_V2,
  RETIRED_DATABASES,
  STORAGE_SCHEMA_VERSION,
} from './keys.ts';
import {
  clearLibrary,
  deleteDatabase,
  deletePhotos,
  loadPhotoMeta,
  loadPhotoMetas,
  loadProbes,
  loadThumbnail,
  photoLibrary,
  savePhoto,
  userLibrary,
  type IndexedPhoto,
  type PackKey,
} from './library.ts';
import { toHalfBits } from './probeCodec.ts';

const pack: PackKey = { id: 'test-pack', version: '1.0.0' };
const shape = { probeFloats: 6, globalFloats: 3 };

function photo(path: string, size = 100, packKey: PackKey = pack): IndexedPhoto {
  return {
    meta: {
      path,
      size,
      lastModified: 1_700_000_000_000,
      format: 'jpeg',
      width: 40,
      height: 30,
      sha256: 'ab'.repeat(32),
      exif: { make: 'Probe Camera Co.', gps: { latitude: 48.8, longitude: 2.3 } },
      indexedAt: 1,
    },
    probes: {
      path,
      packId: packKey.id,
      packVersion: packKey.version,
      detections: [{ classIndex: 15, score: 0.9, box: [0.1, 0.2, 0.5, 0.6] }],
      visionProbes: new Float32Array([1, 2, 3, 4, 5, 6]).buffer,
      visionGlobal: new Float32Array([0.5, -0.5, 1]).buffer,
    },
    thumbnail: new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: 'image/jpeg' }),
  };
}

/** Makes IDBObjectStore.put throw QuotaExceededError for the given store. */
function fullQuotaOn(storeName: string) {
  const put = IDBObjectStore.prototype.put;
  return vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
    this: IDBObjectStore,
    value: unknown,
    key?: IDBValidKey,
  ) {
    if (this.name === storeName) throw new DOMException('full', 'QuotaExceededError');
    return put.call(this, value, key);
  });
}

afterEach(async () => {
  vi.restoreAllMocks();
  await clearLibrary();
});

async function databaseNames(): Promise<string[]> {
  return (await indexedDB.databases()).map((d) => d.name ?? '');
}

/** Every record of one store of a database, as stored: [key, value] pairs. */
async function storedEntries(database: string, store: string): Promise<[string, unknown][]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(database);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('open failed'));
  });
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(store);
      const keys = tx.objectStore(store).getAllKeys();
      const values = tx.objectStore(store).getAll();
      tx.oncomplete = () => resolve(keys.result.map((key, i) => [String(key), values.result[i]]));
      tx.onerror = () => reject(tx.error ?? new Error('read failed'));
    });
  } finally {
    db.close();
  }
}

/** A library of schema 2 as that version wrote it: untagged float32 probes. */
async function writeV2Library(photos: readonly IndexedPhoto[], extraProbes: unknown[] = []) {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(LIBRARY_V2, 1);
    request.onupgradeneeded = () => {
      for (const store of Object.values(LIBRARY.stores)) request.result.createObjectStore(store);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('open failed'));
  });
  await new Promise((resolve, reject) => {
    const tx = db.transaction(Object.values(LIBRARY.stores), 'readwrite');
    for (const { meta, probes, thumbnail } of photos) {
      tx.objectStore(LIBRARY.stores.photos).put(meta, meta.path);
      tx.objectStore(LIBRARY.stores.probes).put(probes, meta.path);
      tx.objectStore(LIBRARY.stores.thumbnails).put(thumbnail, meta.path);
    }
    extraProbes.forEach((record, i) => tx.objectStore(LIBRARY.stores.probes).put(record, `x${i}`));
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error ?? new Error('write failed'));
  });
  db.close();
}

describe('storage keys', () => {
  it('puts the schema version in the library name and retires the older databases', () => {
    expect(LIBRARY.database).toContain(`-v${STORAGE_SCHEMA_VERSION}`);
    for (const name of RETIRED_DATABASES) expect(name).not.toBe(LIBRARY.database);
  });
});

describe('probe cache', () => {
  it('round-trips meta (with EXIF) and probes of the current pack, in path order', async () => {
    await savePhoto(photo('b.png'));
    await savePhoto(photo('a.png'));
    await savePhoto(photo('old.png', 100, { id: 'test-pack', version: '0.9.0' }));
    const { records, stale } = await loadProbes(pack, shape);
    expect(records.map((r) => r.path)).toEqual(['a.png', 'b.png']);
    expect(stale).toEqual(['old.png']);
    const [first] = records;
    expect([...new Float32Array(first?.visionGlobal ?? new ArrayBuffer(0))]).toEqual([
      0.5, -0.5, 1,
    ]);
    expect(first?.detections[0]?.classIndex).toBe(15);
    expect((await loadPhotoMeta('a.png'))?.exif.gps).toEqual({ latitude: 48.8, longitude: 2.3 });
    expect([...(await loadPhotoMetas()).keys()].sort()).toEqual(['a.png', 'b.png', 'old.png']);
  });

  it('counts probes of another pack id as stale too', async () => {
    await savePhoto(photo('x.png', 100, { id: 'other-pack', version: '1.0.0' }));
    expect(await loadProbes(pack, shape)).toEqual({ records: [], stale: ['x.png'] });
  });

  it('skips records that do not have the shape the pack needs', async () => {
    await savePhoto(photo('good.png'));
    const narrow = photo('narrow.png');
    // Rows of 2: 3 probe rows and a global of 2, where the pack has 2 rows of 3.
    await savePhoto({
      ...narrow,
      probes: { ...narrow.probes, visionGlobal: new Float32Array(2).buffer },
    });
    const { records } = await loadProbes(pack, shape);
    expect(records.map((r) => r.path)).toEqual(['good.png']);
  });

  it('refuses probes that are not rows of the global’s width, writing nothing', async () => {
    const wide = photo('wide.png');
    const saving = savePhoto({
      ...wide,
      probes: { ...wide.probes, visionGlobal: new Float32Array(4).buffer },
    });
    await expect(saving).rejects.toThrow(RangeError);
    expect(await loadPhotoMetas()).toEqual(new Map());
  });

  it('stores probes as tagged float16 and reads them back as float32', async () => {
    const values = [0.1, -2.5, 1 / 3, 100.7, 1e-3, -0.75];
    const base = photo('p.png');
    await savePhoto({
      ...base,
      probes: { ...base.probes, visionProbes: Float32Array.from(values).buffer },
    });
    const [[, stored]] = (await storedEntries(LIBRARY.database, LIBRARY.stores.probes)) as [
      [string, { probeFormat: string; visionProbes: ArrayBuffer; visionGlobal: ArrayBuffer }],
    ];
    expect(stored.probeFormat).toBe('float16');
    expect(stored.visionProbes.byteLength).toBe(6 * 2);
    expect(stored.visionGlobal.byteLength).toBe(3 * 2);
    expect([...new Uint16Array(stored.visionProbes)]).toEqual(values.map(toHalfBits));

    const [record] = (await loadProbes(pack, shape)).records;
    const read = new Float32Array(record?.visionProbes ?? new ArrayBuffer(0));
    expect(read).toHaveLength(6);
    read.forEach((v, i) => {
      const value = values[i] ?? NaN;
      expect(Math.abs(v - value)).toBeLessThanOrEqual(Math.abs(value) * 2 ** -11);
    });
    expect(await userLibrary.storedProbeBytes()).toEqual({ records: 1, bytes: 9 * 2 });
  });

  it('keeps another library (the benchmark’s) apart, and deletes it whole', async () => {
    const bench = photoLibrary(BENCH_LIBRARY);
    await bench.savePhoto(photo('bench/a.png'));
    await savePhoto(photo('mine.png'));
    expect([...(await bench.loadPhotoMetas()).keys()]).toEqual(['bench/a.png']);
    expect([...(await loadPhotoMetas()).keys()]).toEqual(['mine.png']);
    expect(await databaseNames()).toContain(BENCH_LIBRARY);
    // Its own open connection closes for the deletion.
    await deleteDatabase(BENCH_LIBRARY);
    expect(await databaseNames()).not.toContain(BENCH_LIBRARY);
    expect([...(await loadPhotoMetas()).keys()]).toEqual(['mine.png']);
  });

  it('round-trips thumbnails and returns undefined for unknown paths', async () => {
    await savePhoto(photo('cat.jpg'));
    const thumbnail = await loadThumbnail('cat.jpg');
    expect(thumbnail?.type).toBe('image/jpeg');
    expect(new Uint8Array((await thumbnail?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(
      new Uint8Array([0xff, 0xd8, 0xff]),
    );
    expect(await loadThumbnail('missing.jpg')).toBeUndefined();
    expect(await loadPhotoMeta('missing.jpg')).toBeUndefined();
  });

  it('deletes meta, probes and thumbnail of forgotten photos together', async () => {
    await savePhoto(photo('keep.jpg'));
    await savePhoto(photo('gone.jpg'));
    await deletePhotos(['gone.jpg']);
    expect([...(await loadPhotoMetas()).keys()]).toEqual(['keep.jpg']);
    expect((await loadProbes(pack, shape)).records.map((r) => r.path)).toEqual(['keep.jpg']);
    expect(await loadThumbnail('gone.jpg')).toBeUndefined();
    expect(await loadThumbnail('keep.jpg')).toBeDefined();
  });

  it.each(['photos', 'probes', 'thumbnails'])(
    'reports a full quota on the %s store as StorageFullError and writes nothing of the photo',
    async (store) => {
      await savePhoto(photo('before.jpg'));
      fullQuotaOn(store);
      const error: unknown = await savePhoto(photo('big.jpg')).catch((e: unknown) => e);
      expect(engineErrorName(error)).toBe('StorageFullError');
      vi.restoreAllMocks();
      // All or nothing: no meta, no probes, no thumbnail of the failed photo; the one before kept.
      expect([...(await loadPhotoMetas()).keys()]).toEqual(['before.jpg']);
      expect((await loadProbes(pack, shape)).records.map((r) => r.path)).toEqual(['before.jpg']);
      expect(await loadThumbnail('big.jpg')).toBeUndefined();
    },
  );

  it('reports a quota error that aborts the transaction (as browsers do) as StorageFullError', async () => {
    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      value: unknown,
      key?: IDBValidKey,
    ) {
      const request = put.call(this, value, key);
      // Browsers report a full quota when the transaction commits: after the last put.
      if (this.name !== LIBRARY.stores.photos) return request;
      const tx = this.transaction;
      Object.defineProperty(tx, 'error', {
        value: new DOMException('full', 'QuotaExceededError'),
      });
      tx.abort();
      return request;
    });
    const error: unknown = await savePhoto(photo('big.jpg')).catch((e: unknown) => e);
    expect(engineErrorName(error)).toBe('StorageFullError');
    vi.restoreAllMocks();
    expect(await loadPhotoMetas()).toEqual(new Map());
  });
});

describe('a library of schema 2 (float32 probes)', () => {
  /** Closes the library's connection, so that the next call opens it again. */
  async function reopenLibrary(): Promise<void> {
    await deleteDatabase(LIBRARY.database);
  }

  it('is copied into the current library with its probes as float16, then deleted', async () => {
    await reopenLibrary();
    const stale = photo('old-pack.jpg', 100, { id: 'test-pack', version: '0.9.0' });
    await writeV2Library(
      [photo('a.jpg'), photo('b.jpg'), stale],
      [{ path: 'x0', packId: 'test-pack', packVersion: '1.0.0', detections: [] }],
    );
    const { records, stale: stalePaths } = await loadProbes(pack, shape);
    expect(records.map((r) => r.path)).toEqual(['a.jpg', 'b.jpg']);
    expect(stalePaths).toEqual(['old-pack.jpg']);
    expect([...new Float32Array(records[0]?.visionProbes ?? new ArrayBuffer(0))]).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    expect([...(await loadPhotoMetas()).keys()].sort()).toEqual(['a.jpg', 'b.jpg', 'old-pack.jpg']);
    expect((await loadThumbnail('b.jpg'))?.type).toBe('image/jpeg');
    // Every probe record now float16; the one without vectors was not carried over.
    const stored = await storedEntries(LIBRARY.database, LIBRARY.stores.probes);
    expect(stored.map(([key]) => key).sort()).toEqual(['a.jpg', 'b.jpg', 'old-pack.jpg']);
    for (const [, record] of stored) expect(record).toMatchObject({ probeFormat: 'float16' });
    expect(await databaseNames()).not.toContain(LIBRARY_V2);
  });

  it('does not overwrite photos indexed in the current library since', async () => {
    await reopenLibrary();
    // Written through a second handle: the user's library opens (and copies) only below.
    await photoLibrary(LIBRARY.database).savePhoto(photo('a.jpg', 222));
    await writeV2Library([photo('a.jpg', 111), photo('c.jpg')]);
    const metas = await loadPhotoMetas();
    expect(metas.get('a.jpg')?.size).toBe(222);
    expect(metas.get('c.jpg')?.size).toBe(100);
    expect(await databaseNames()).not.toContain(LIBRARY_V2);
  });
});
