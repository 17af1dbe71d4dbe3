import 'fake-indexeddb/auto';
import { set } from 'idb-keyval';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { engineErrorName } from '../engine/errors.ts';
import { idbStore, STORAGE_SCHEMA_VERSION, STORES } from './keys.ts';
import {
  clearLibrary,
  isIndexed,
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
    meta: { path, size, lastModified: 1_700_000_000_000, width: 40, height: 30, indexedAt: 1 },
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

afterEach(async () => {
  vi.restoreAllMocks();
  await clearLibrary();
});

describe('storage keys', () => {
  it('puts the schema version in every database name, one database per concern', () => {
    const names = Object.values(STORES).map((s) => s.database);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toContain(`-v${STORAGE_SCHEMA_VERSION}`);
  });
});

describe('probe cache', () => {
  it('knows a saved photo as indexed for the same file version and pack only', async () => {
    const saved = photo('trip/cat.jpg');
    await savePhoto(saved);
    expect(await isIndexed(saved.meta, pack)).toBe(true);
    expect(await isIndexed({ ...saved.meta, size: 101 }, pack)).toBe(false);
    expect(await isIndexed({ ...saved.meta, lastModified: 5 }, pack)).toBe(false);
    expect(await isIndexed(saved.meta, { ...pack, version: '1.0.1' })).toBe(false);
    expect(await isIndexed({ ...saved.meta, path: 'trip/dog.jpg' }, pack)).toBe(false);
  });

  it('loads the probes of the current pack, in path order, as float32 buffers', async () => {
    await savePhoto(photo('b.png'));
    await savePhoto(photo('a.png'));
    await savePhoto(photo('old.png', 100, { id: 'test-pack', version: '0.9.0' }));
    const records = await loadProbes(pack, shape);
    expect(records.map((r) => r.path)).toEqual(['a.png', 'b.png']);
    const [first] = records;
    expect([...new Float32Array(first?.visionGlobal ?? new ArrayBuffer(0))]).toEqual([
      0.5, -0.5, 1,
    ]);
    expect(first?.detections[0]?.classIndex).toBe(15);
  });

  it('skips records that do not have the shape the pack needs', async () => {
    await savePhoto(photo('good.png'));
    await set('garbage.png', { path: 'garbage.png', packId: pack.id }, idbStore('probes'));
    const wrongWidth = photo('wide.png');
    await savePhoto({
      ...wrongWidth,
      probes: { ...wrongWidth.probes, visionGlobal: new Float32Array(4).buffer },
    });
    const records = await loadProbes(pack, shape);
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
  });

  it('reports a full quota as StorageFullError and leaves the photo unindexed', async () => {
    const saved = photo('big.jpg');
    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      value: unknown,
      key?: IDBValidKey,
    ) {
      if (this.name === STORES.probes.store) throw new DOMException('full', 'QuotaExceededError');
      return put.call(this, value, key);
    });
    const error: unknown = await savePhoto(saved).catch((e: unknown) => e);
    expect(engineErrorName(error)).toBe('StorageFullError');
    expect(await isIndexed(saved.meta, pack)).toBe(false);
  });
});
