import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { engineErrorName } from '../engine/errors.ts';
import { LIBRARY, RETIRED_DATABASES, STORAGE_SCHEMA_VERSION } from './keys.ts';
import {
  clearLibrary,
  deletePhotos,
  loadPhotoMeta,
  loadPhotoMetas,
  loadProbes,
  loadThumbnail,
  savePhoto,
  type IndexedPhoto,
  type PackKey,
} from './library.ts';

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
    const wrongWidth = photo('wide.png');
    await savePhoto({
      ...wrongWidth,
      probes: { ...wrongWidth.probes, visionGlobal: new Float32Array(4).buffer },
    });
    const { records } = await loadProbes(pack, shape);
    expect(records.map((r) => r.path)).toEqual(['good.png']);
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
