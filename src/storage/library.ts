/**
 * The probe cache: what indexing leaves behind and search reads. Records are keyed by the
 * photo's path inside the chosen folder. One IndexedDB transaction writes a photo's meta,
 * probes and thumbnail together, so a reload or crash mid-way leaves whole photos or nothing.
 * Probes carry the pack id and version that made them: a model change makes them invisible to
 * search (they are counted as stale and re-made on the next indexing).
 * Reads validate records and never throw; writes turn a full quota into StorageFullError.
 */
import { EngineError } from '../engine/errors.ts';
import type { Detection } from '../model/detections.ts';
import { LIBRARY, RETIRED_DATABASES, type LibraryStore } from './keys.ts';

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

export interface IndexedPhoto {
  readonly meta: PhotoMeta;
  readonly probes: ProbeRecord;
  readonly thumbnail: Blob;
}

/** Float counts a pack's probe records must have. */
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

function isProbeRecord(value: unknown, pack: PackKey, shape: ProbeShape): value is ProbeRecord {
  return (
    isRecord(value) &&
    typeof value.path === 'string' &&
    value.packId === pack.id &&
    value.packVersion === pack.version &&
    Array.isArray(value.detections) &&
    value.detections.every(isDetection) &&
    value.visionProbes instanceof ArrayBuffer &&
    value.visionProbes.byteLength === shape.probeFloats * 4 &&
    value.visionGlobal instanceof ArrayBuffer &&
    value.visionGlobal.byteLength === shape.globalFloats * 4
  );
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

let opening: Promise<IDBDatabase> | undefined;

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(LIBRARY.database, 1);
    request.onupgradeneeded = () => {
      for (const store of Object.values(LIBRARY.stores)) request.result.createObjectStore(store);
    };
    request.onsuccess = () => {
      const db = request.result;
      // Another tab with a newer schema wants the database: let it have it.
      db.onversionchange = () => {
        db.close();
        opening = undefined;
      };
      resolve(db);
    };
    request.onerror = () => reject(request.error ?? new Error('IndexedDB open failed'));
    request.onblocked = () => reject(new Error('IndexedDB open blocked by another tab'));
  });
}

/** The library database, opened once; a failed open is not kept, so the next call retries. */
function library(): Promise<IDBDatabase> {
  if (opening === undefined) {
    for (const name of RETIRED_DATABASES) indexedDB.deleteDatabase(name);
    opening = open();
    opening.catch(() => {
      opening = undefined;
    });
  }
  return opening;
}

/** Runs `body` in one transaction; resolves when the transaction has committed. */
async function transaction<T>(
  stores: readonly LibraryStore[],
  mode: IDBTransactionMode,
  body: (stores: Record<LibraryStore, IDBObjectStore>) => () => T,
): Promise<T> {
  const db = await library();
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
      result = body(handles as Record<LibraryStore, IDBObjectStore>);
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

/** Saves one photo: meta, probes and thumbnail in one transaction, all or nothing. */
export async function savePhoto(photo: IndexedPhoto): Promise<void> {
  const { path } = photo.meta;
  if (photo.probes.path !== path) {
    throw new Error(`probe record for ${photo.probes.path} ≠ ${path}`);
  }
  await transaction(['photos', 'probes', 'thumbnails'], 'readwrite', (s) => {
    s.thumbnails.put(photo.thumbnail, path);
    s.probes.put(photo.probes, path);
    s.photos.put(photo.meta, path);
    return () => undefined;
  });
}

/** Forgets photos (files deleted from their folder), in one transaction. */
export async function deletePhotos(paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  await transaction(['photos', 'probes', 'thumbnails'], 'readwrite', (s) => {
    for (const path of paths) {
      s.photos.delete(path);
      s.probes.delete(path);
      s.thumbnails.delete(path);
    }
    return () => undefined;
  });
}

/** Every photo's meta record, by path. */
export async function loadPhotoMetas(): Promise<Map<string, PhotoMeta>> {
  try {
    const all = await transaction(['photos'], 'readonly', (s) => requestResult(s.photos.getAll()));
    return new Map(all.filter(isPhotoMeta).map((meta) => [meta.path, meta]));
  } catch (error) {
    warnRead('photos', error);
    return new Map();
  }
}

export async function loadPhotoMeta(path: string): Promise<PhotoMeta | undefined> {
  try {
    const meta: unknown = await transaction(['photos'], 'readonly', (s) =>
      requestResult(s.photos.get(path)),
    );
    return isPhotoMeta(meta) ? meta : undefined;
  } catch (error) {
    warnRead(`meta of ${path}`, error);
    return undefined;
  }
}

/** Every valid probe record of this pack, in path order, and how many are of other packs. */
export async function loadProbes(pack: PackKey, shape: ProbeShape): Promise<LoadedProbes> {
  try {
    const all: unknown[] = await transaction(['probes'], 'readonly', (s) =>
      requestResult(s.probes.getAll()),
    );
    const records = all
      .filter((record): record is ProbeRecord => isProbeRecord(record, pack, shape))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
}

export async function loadThumbnail(path: string): Promise<Blob | undefined> {
  try {
    const thumbnail: unknown = await transaction(['thumbnails'], 'readonly', (s) =>
      requestResult(s.thumbnails.get(path)),
    );
    return thumbnail instanceof Blob ? thumbnail : undefined;
  } catch (error) {
    warnRead(`thumbnail of ${path}`, error);
    return undefined;
  }
}

/** Forgets every indexed photo. */
export async function clearLibrary(): Promise<void> {
  await transaction(['photos', 'probes', 'thumbnails'], 'readwrite', (s) => {
    s.photos.clear();
    s.probes.clear();
    s.thumbnails.clear();
    return () => undefined;
  });
}
