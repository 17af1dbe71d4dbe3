/**
 * The probe cache: what indexing leaves behind and search reads. Records are keyed by the
 * photo's path inside the chosen folder. Probes carry the pack id and version that made them,
 * so a model change makes them invisible to search (they are re-made on the next indexing).
 * Reads validate records and never throw; writes turn a full quota into StorageFullError.
 */
import { clear, get, values, set } from 'idb-keyval';
import { EngineError } from '../engine/errors.ts';
import type { Detection } from '../model/detections.ts';
import { idbStore } from './keys.ts';

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

export interface PhotoMeta extends FileIdentity {
  /** Pixel size after EXIF orientation. */
  readonly width: number;
  readonly height: number;
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

/** Whether this version of the file already has probes from this pack. */
export async function isIndexed(file: FileIdentity, pack: PackKey): Promise<boolean> {
  try {
    const [meta, probes] = await Promise.all([
      get<unknown>(file.path, idbStore('photos')),
      get<unknown>(file.path, idbStore('probes')),
    ]);
    return (
      isRecord(meta) &&
      meta.size === file.size &&
      meta.lastModified === file.lastModified &&
      isRecord(probes) &&
      probes.packId === pack.id &&
      probes.packVersion === pack.version
    );
  } catch (error) {
    warnRead(file.path, error);
    return false;
  }
}

async function write(store: Parameters<typeof idbStore>[0], key: string, value: unknown) {
  try {
    await set(key, value, idbStore(store));
  } catch (error) {
    if (error instanceof DOMException && error.name === 'QuotaExceededError') {
      throw new EngineError('StorageFullError', 'The browser has no storage left for the index', {
        cause: error,
      });
    }
    throw error;
  }
}

/** Saves one photo; the meta record goes last, so a photo counts as indexed only when whole. */
export async function savePhoto(photo: IndexedPhoto): Promise<void> {
  const { path } = photo.meta;
  if (photo.probes.path !== path)
    throw new Error(`probe record for ${photo.probes.path} ≠ ${path}`);
  await write('thumbnails', path, photo.thumbnail);
  await write('probes', path, photo.probes);
  await write('photos', path, photo.meta);
}

/** Every valid probe record of this pack, in path order. */
export async function loadProbes(pack: PackKey, shape: ProbeShape): Promise<ProbeRecord[]> {
  try {
    const records = await values<unknown>(idbStore('probes'));
    return records
      .filter((record): record is ProbeRecord => isProbeRecord(record, pack, shape))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  } catch (error) {
    warnRead('probes', error);
    return [];
  }
}

export async function loadThumbnail(path: string): Promise<Blob | undefined> {
  try {
    const thumbnail = await get<unknown>(path, idbStore('thumbnails'));
    return thumbnail instanceof Blob ? thumbnail : undefined;
  } catch (error) {
    warnRead(`thumbnail of ${path}`, error);
    return undefined;
  }
}

/** Forgets every indexed photo. */
export async function clearLibrary(): Promise<void> {
  await Promise.all([
    clear(idbStore('photos')),
    clear(idbStore('probes')),
    clear(idbStore('thumbnails')),
  ]);
}
