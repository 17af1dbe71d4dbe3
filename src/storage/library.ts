/**
 * The probe cache: what indexing leaves behind and search reads. Records are keyed by the
 * photo's path inside the chosen folder. One IndexedDB transaction writes a photo's meta,
 * probes and thumbnail together, so a reload or crash mid-way leaves whole photos or nothing.
 * Probes carry the pack id and version that made them: a model change makes them invisible to
 * search (they are counted as stale and re-made on the next indexing).
 * Probes are stored as float16, tagged with their format, and read back as float32: half the
 * bytes of float32 (manifest.metrics.probeQuantisation gives the recall that costs). A library
 * of schema 2 (untagged float32) is copied into the current one on first open, then deleted.
 * Reads validate records and never throw; writes turn a full quota into StorageFullError.
 * The user's library is the module's functions; the benchmark opens a library of its own.
 */
import { EngineError } from '../engine/errors.ts';
import type { Detection } from '../model/detections.ts';
import { LIBRARY, LIBRARY_V2, RETIRED_DATABASES, type LibraryStore } from './keys.ts';
import {
  decodeRows,
  encodedBytes,
  encodeRows,
  PROBE_FORMATS,
  type ProbeFormat,
} from './probeCodec.ts';

export interface PackKey {
  readonly id: string;
  readonly version: string;
}

/** What identifies one version of a file: a changed file gets indexed again. */
export interface FileIdentity {
  readonly path: string;
  readonly size: number;
  readonly lastModified: number;
}

export interface GpsPosition {
  readonly latitude: number;
  readonly longitude: number;
}

/** EXIF fields kept per photo, for display and filters. */
export interface PhotoExifMeta {
  readonly takenAt?: string;
  readonly make?: string;
  readonly model?: string;
  readonly gps?: GpsPosition;
}

export interface PhotoMeta extends FileIdentity {
  /** Real format from the bytes, e.g. "jpeg". */
  readonly format: string;
  /** Pixel size after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  /** SHA-256 of the file's bytes, hex: equal hashes are duplicate files. */
  readonly sha256: string;
  readonly exif: PhotoExifMeta;
  readonly indexedAt: number;
}

/** A photo's probes as written and read: float32 (the store holds them encoded). */
export interface ProbeRecord {
  readonly path: string;
  readonly packId: string;
  readonly packVersion: string;
  readonly detections: readonly Detection[];
  /** float32 [Pv, d] */
  readonly visionProbes: ArrayBuffer;
  /** float32 [d] */
  readonly visionGlobal: ArrayBuffer;
}

/** The format probes are written in. */
export const STORED_PROBE_FORMAT: ProbeFormat = 'float16';

/** A probe record as the store holds it: the vectors encoded in `probeFormat`. */
interface StoredProbes extends Omit<ProbeRecord, 'visionProbes' | 'visionGlobal'> {
  readonly probeFormat: ProbeFormat;
  readonly visionProbes: ArrayBuffer;
  readonly visionGlobal: ArrayBuffer;
}

export interface IndexedPhoto {
  readonly meta: PhotoMeta;
  readonly probes: ProbeRecord;
  readonly thumbnail: Blob;
}

/** Float counts a pack's probe records must have (the global is one row of the probes' width). */
export interface ProbeShape {
  readonly probeFloats: number;
  readonly globalFloats: number;
}

export interface LoadedProbes {
  /** Valid records of the current pack, in path order. */
  readonly records: ProbeRecord[];
  /** Paths whose probes were made by another pack (id or version): not searchable. */
  readonly stale: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function warnRead(what: string, error: unknown): void {
  console.warn(`probe cache: reading ${what} failed`, error);
}

function isDetection(value: unknown): value is Detection {
  return (
    isRecord(value) &&
    typeof value.classIndex === 'number' &&
    typeof value.score === 'number' &&
    Array.isArray(value.box) &&
    value.box.length === 4 &&
    value.box.every((v) => typeof v === 'number')
  );
}

function isProbeFormat(value: unknown): value is ProbeFormat {
  return PROBE_FORMATS.includes(value as ProbeFormat);
}

function isStoredProbes(value: unknown, pack: PackKey, shape: ProbeShape): value is StoredProbes {
  if (
    !isRecord(value) ||
    typeof value.path !== 'string' ||
    value.packId !== pack.id ||
    value.packVersion !== pack.version ||
    !Array.isArray(value.detections) ||
    !value.detections.every(isDetection) ||
    !isProbeFormat(value.probeFormat)
  ) {
    return false;
  }
  const width = shape.globalFloats;
  const rows = shape.probeFloats / width;
  return (
    value.visionProbes instanceof ArrayBuffer &&
    value.visionProbes.byteLength === encodedBytes(rows, width, value.probeFormat) &&
    value.visionGlobal instanceof ArrayBuffer &&
    value.visionGlobal.byteLength === encodedBytes(1, width, value.probeFormat)
  );
}

/** Encodes a record's float32 vectors; the global's length is the row width. */
function encodeProbes(record: ProbeRecord, format: ProbeFormat): StoredProbes {
  const probes = new Float32Array(record.visionProbes);
  const global = new Float32Array(record.visionGlobal);
  return {
    ...record,
    probeFormat: format,
    visionProbes: encodeRows(probes, global.length, format),
    visionGlobal: encodeRows(global, global.length, format),
  };
}

function decodeProbes(stored: StoredProbes, shape: ProbeShape): ProbeRecord {
  const { probeFormat, visionProbes, visionGlobal, ...record } = stored;
  const width = shape.globalFloats;
  return {
    ...record,
    visionProbes: decodeRows(visionProbes, shape.probeFloats / width, width, probeFormat).buffer,
    visionGlobal: decodeRows(visionGlobal, 1, width, probeFormat).buffer,
  };
}

/**
 * A schema-2 probe record (untagged float32) re-encoded, whatever its pack (stale ones stay
 * stale); undefined when its vectors are not float32 rows, so it is not carried over.
 */
function migratedProbes(value: unknown): StoredProbes | undefined {
  if (
    !isRecord(value) ||
    typeof value.path !== 'string' ||
    typeof value.packId !== 'string' ||
    typeof value.packVersion !== 'string' ||
    !Array.isArray(value.detections) ||
    !value.detections.every(isDetection) ||
    !(value.visionProbes instanceof ArrayBuffer) ||
    !(value.visionGlobal instanceof ArrayBuffer)
  ) {
    return undefined;
  }
  const width = value.visionGlobal.byteLength / 4;
  const probeFloats = value.visionProbes.byteLength / 4;
  if (width === 0 || !Number.isInteger(width) || !Number.isInteger(probeFloats / width)) {
    return undefined;
  }
  const record: ProbeRecord = {
    path: value.path,
    packId: value.packId,
    packVersion: value.packVersion,
    detections: value.detections,
    visionProbes: value.visionProbes,
    visionGlobal: value.visionGlobal,
  };
  return encodeProbes(record, STORED_PROBE_FORMAT);
}

function isPhotoMeta(value: unknown): value is PhotoMeta {
  return (
    isRecord(value) &&
    typeof value.path === 'string' &&
    typeof value.size === 'number' &&
    typeof value.lastModified === 'number' &&
    typeof value.sha256 === 'string' &&
    typeof value.width === 'number' &&
    typeof value.height === 'number' &&
    isRecord(value.exif)
  );
}

function isQuotaError(error: unknown): boolean {
  return isRecord(error) && error.name === 'QuotaExceededError';
}

function storageFull(cause: unknown): EngineError {
  return new EngineError(
    'StorageFullError',
    'The browser has no storage left for the index: photos indexed so far are kept',
    { cause },
  );
}

/** Opens (or creates) a database with the library's stores. */
function openDatabase(name: string, onClosed: () => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      for (const store of Object.values(LIBRARY.stores)) request.result.createObjectStore(store);
    };
    request.onsuccess = () => {
      const db = request.result;
      // Another tab with a newer schema, or a deletion (the benchmark's library), wants the
      // database: let it have it.
      db.onversionchange = () => {
        db.close();
        onClosed();
      };
      resolve(db);
    };
    request.onerror = () => reject(request.error ?? new Error('IndexedDB open failed'));
    request.onblocked = () => reject(new Error('IndexedDB open blocked by another tab'));
  });
}

/** The database if it exists; null if not (and then it is not created). */
function openExisting(name: string): Promise<IDBDatabase | null> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name);
    let absent = false;
    request.onupgradeneeded = () => {
      // An upgrade from version 0: there was no such database. Aborting leaves none behind.
      absent = true;
      request.transaction?.abort();
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => {
      if (absent) resolve(null);
      else reject(request.error ?? new Error(`IndexedDB open of ${name} failed`));
    };
  });
}

/**
 * Deletes a database; resolves once it is gone. Connections still open elsewhere (another
 * tab, a worker being terminated) delay it until they close.
 */
export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error(`deleting ${name} failed`));
  });
}

type StoreHandles = Record<LibraryStore, IDBObjectStore>;

/** Runs `body` in one transaction; resolves when the transaction has committed. */
function runTransaction<T>(
  db: IDBDatabase,
  stores: readonly LibraryStore[],
  mode: IDBTransactionMode,
  body: (stores: StoreHandles) => () => T,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const tx = db.transaction(
      stores.map((s) => LIBRARY.stores[s]),
      mode,
    );
    const handles = Object.fromEntries(stores.map((s) => [s, tx.objectStore(LIBRARY.stores[s])]));
    let result: (() => T) | undefined;
    tx.oncomplete = () => {
      if (result !== undefined) resolve(result());
    };
    tx.onabort = () => {
      const error = tx.error ?? new DOMException('transaction aborted', 'AbortError');
      reject(isQuotaError(error) ? storageFull(error) : error);
    };
    try {
      result = body(handles as StoreHandles);
    } catch (error) {
      // Rejected first, so the abort event's own rejection is the one ignored.
      reject(isQuotaError(error) ? storageFull(error) : error);
      tx.abort();
    }
  });
}

function requestResult<T>(request: IDBRequest<T>): () => T {
  return () => request.result;
}

const ALL_STORES = Object.keys(LIBRARY.stores) as LibraryStore[];

/**
 * Copies the photos of a schema-2 library into `into` (probes re-encoded) in one transaction,
 * then deletes it. Photos `into` already has are left as they are: a copy that failed before
 * is retried on the next open without undoing what was indexed since.
 */
async function migrateV2(from: string, into: IDBDatabase): Promise<void> {
  const old = await openExisting(from);
  if (old === null) return;
  let keys: IDBValidKey[][];
  let values: unknown[][];
  try {
    const stores = ALL_STORES.filter((s) => old.objectStoreNames.contains(LIBRARY.stores[s]));
    const read = await runTransaction(old, stores, 'readonly', (s) => {
      const requests = stores.map((store) => [s[store].getAllKeys(), s[store].getAll()] as const);
      return () => requests.map(([k, v]) => [k.result, v.result] as const);
    });
    const byStore = new Map(stores.map((store, i) => [store, read[i]]));
    keys = ALL_STORES.map((store) => byStore.get(store)?.[0] ?? []);
    values = ALL_STORES.map((store) => byStore.get(store)?.[1] ?? []);
  } finally {
    old.close();
  }
  await runTransaction(into, ALL_STORES, 'readwrite', (s) => {
    const present = s.photos.getAllKeys();
    present.onsuccess = () => {
      const have = new Set(present.result.map(String));
      ALL_STORES.forEach((store, i) => {
        (keys[i] ?? []).forEach((key, j) => {
          if (have.has(String(key))) return;
          const value = store === 'probes' ? migratedProbes(values[i]?.[j]) : values[i]?.[j];
          if (value !== undefined) s[store].put(value, key);
        });
      });
    };
    return () => undefined;
  });
  await deleteDatabase(from);
}

/** Probe + global bytes as stored, over every probe record of a library. */
export interface StoredProbeBytes {
  readonly records: number;
  readonly bytes: number;
}

/** One library database: the user's (the functions below) or the benchmark's. */
export interface PhotoLibrary {
  /** Saves one photo: meta, probes and thumbnail in one transaction, all or nothing. */
  savePhoto(photo: IndexedPhoto): Promise<void>;
  /** Forgets photos (files deleted from their folder), in one transaction. */
  deletePhotos(paths: readonly string[]): Promise<void>;
  /** Every photo's meta record, by path. */
  loadPhotoMetas(): Promise<Map<string, PhotoMeta>>;
  loadPhotoMeta(path: string): Promise<PhotoMeta | undefined>;
  /** Every valid probe record of this pack, in path order, and how many are of other packs. */
  loadProbes(pack: PackKey, shape: ProbeShape): Promise<LoadedProbes>;
  loadThumbnail(path: string): Promise<Blob | undefined>;
  /** What the probe records take at rest: their encoded vectors, as read back. */
  storedProbeBytes(): Promise<StoredProbeBytes>;
  /** Forgets every indexed photo. */
  clearLibrary(): Promise<void>;
}

/**
 * The library in database `name`, opened on first use; `prepare` runs once after each open,
 * before anything else uses it. A failed open is not kept, so the next call retries.
 */
export function photoLibrary(
  name: string,
  prepare: (db: IDBDatabase) => Promise<void> = async () => undefined,
): PhotoLibrary {
  let opening: Promise<IDBDatabase> | undefined;
  const database = (): Promise<IDBDatabase> => {
    if (opening === undefined) {
      const opened = openDatabase(name, () => {
        opening = undefined;
      }).then(async (db) => {
        await prepare(db);
        return db;
      });
      opening = opened;
      opened.catch(() => {
        if (opening === opened) opening = undefined;
      });
    }
    return opening;
  };
  const transaction = async <T>(
    stores: readonly LibraryStore[],
    mode: IDBTransactionMode,
    body: (stores: StoreHandles) => () => T,
  ): Promise<T> => runTransaction(await database(), stores, mode, body);

  return {
    async savePhoto(photo) {
      const { path } = photo.meta;
      if (photo.probes.path !== path) {
        throw new Error(`probe record for ${photo.probes.path} ≠ ${path}`);
      }
      const probes = encodeProbes(photo.probes, STORED_PROBE_FORMAT);
      await transaction(ALL_STORES, 'readwrite', (s) => {
        s.thumbnails.put(photo.thumbnail, path);
        s.probes.put(probes, path);
        s.photos.put(photo.meta, path);
        return () => undefined;
      });
    },

    async deletePhotos(paths) {
      if (paths.length === 0) return;
      await transaction(ALL_STORES, 'readwrite', (s) => {
        for (const path of paths) {
          s.photos.delete(path);
          s.probes.delete(path);
          s.thumbnails.delete(path);
        }
        return () => undefined;
      });
    },

    async loadPhotoMetas() {
      try {
        const all = await transaction(['photos'], 'readonly', (s) =>
          requestResult(s.photos.getAll()),
        );
        return new Map(all.filter(isPhotoMeta).map((meta) => [meta.path, meta]));
      } catch (error) {
        warnRead('photos', error);
        return new Map();
      }
    },

    async loadPhotoMeta(path) {
      try {
        const meta: unknown = await transaction(['photos'], 'readonly', (s) =>
          requestResult(s.photos.get(path)),
        );
        return isPhotoMeta(meta) ? meta : undefined;
      } catch (error) {
        warnRead(`meta of ${path}`, error);
        return undefined;
      }
    },

    async loadProbes(pack, shape) {
      try {
        const all: unknown[] = await transaction(['probes'], 'readonly', (s) =>
          requestResult(s.probes.getAll()),
        );
        const records = all
          .filter((record): record is StoredProbes => isStoredProbes(record, pack, shape))
          .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
          .map((record) => decodeProbes(record, shape));
        const stale = all.flatMap((r) =>
          isRecord(r) &&
          typeof r.path === 'string' &&
          (r.packId !== pack.id || r.packVersion !== pack.version)
            ? [r.path]
            : [],
        );
        return { records, stale };
      } catch (error) {
        warnRead('probes', error);
        return { records: [], stale: [] };
      }
    },

    async loadThumbnail(path) {
      try {
        const thumbnail: unknown = await transaction(['thumbnails'], 'readonly', (s) =>
          requestResult(s.thumbnails.get(path)),
        );
        return thumbnail instanceof Blob ? thumbnail : undefined;
      } catch (error) {
        warnRead(`thumbnail of ${path}`, error);
        return undefined;
      }
    },

    async storedProbeBytes() {
      const all: unknown[] = await transaction(['probes'], 'readonly', (s) =>
        requestResult(s.probes.getAll()),
      );
      let bytes = 0;
      for (const record of all) {
        if (!isRecord(record)) continue;
        for (const vectors of [record.visionProbes, record.visionGlobal]) {
          if (vectors instanceof ArrayBuffer) bytes += vectors.byteLength;
        }
      }
      return { records: all.length, bytes };
    },

    async clearLibrary() {
      await transaction(ALL_STORES, 'readwrite', (s) => {
        s.photos.clear();
        s.probes.clear();
        s.thumbnails.clear();
        return () => undefined;
      });
    },
  };
}

/** The user's library: retired databases deleted and a schema-2 library copied in on first open. */
export const userLibrary = photoLibrary(LIBRARY.database, async (db) => {
  for (const name of RETIRED_DATABASES) indexedDB.deleteDatabase(name);
  try {
    await migrateV2(LIBRARY_V2, db);
  } catch (error) {
    console.warn('probe cache: copying the schema-2 library failed; kept for the next try', error);
  }
});

export const {
  savePhoto,
  deletePhotos,
  loadPhotoMetas,
  loadPhotoMeta,
  loadProbes,
  loadThumbnail,
  clearLibrary,
} = userLibrary;
