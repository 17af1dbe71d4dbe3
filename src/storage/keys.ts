/**
 * The one place that names IndexedDB databases and stores. The schema version is part of every
 * database name: a change of record layout bumps it and starts from empty databases (the
 * retired ones are deleted, so they do not keep using the user's disk), or from the previous
 * version's records converted (LIBRARY_V2).
 */
import { createStore, type UseStore } from 'idb-keyval';

/** 3: probes stored as float16 with a format tag (2: untagged float32). */
export const STORAGE_SCHEMA_VERSION = 3;

const PREFIX = 'probe-search';

/**
 * The library: one database with one store per kind of record, so that one transaction
 * writes a photo's meta, probes and thumbnail together (all or nothing).
 */
export const LIBRARY = {
  database: `${PREFIX}-library-v${STORAGE_SCHEMA_VERSION}`,
  stores: {
    /** path → PhotoMeta: the file version indexed (size, lastModified, hash), pixels, EXIF. */
    photos: 'photos',
    /** path → stored ProbeRecord: detections, vision probes and global of one pack, encoded. */
    probes: 'probes',
    /** path → Blob: a small JPEG for the result grid. */
    thumbnails: 'thumbnails',
  },
} as const;

export type LibraryStore = keyof typeof LIBRARY.stores;

/**
 * The library of schema 2: the same stores, probes as untagged float32. Its records are copied
 * into LIBRARY (probes re-encoded) when the library is first opened; then it is deleted.
 */
export const LIBRARY_V2 = `${PREFIX}-library-v2`;

/**
 * The benchmark's own library (same stores as LIBRARY), so that the photos it indexes never
 * mix with the user's. Deleted before and after every run, when a run is stopped and when the
 * app starts: no version in the name, since nothing in it is read after its own run.
 */
export const BENCH_LIBRARY = `${PREFIX}-benchmark-library`;

/** Databases of earlier schema versions, deleted when the library is first opened. */
export const RETIRED_DATABASES = [
  `${PREFIX}-photos-v1`,
  `${PREFIX}-probes-v1`,
  `${PREFIX}-thumbnails-v1`,
] as const;

/**
 * Folder handles (File System Access API) the user chose, to scan again on a later visit, keyed
 * by root (src/storage/folders.ts). Still v1: records from before roots are keyed by the
 * folder's name, which is their root.
 */
export const FOLDERS = { database: `${PREFIX}-folders-v1`, store: 'folders' } as const;

let foldersStore: UseStore | undefined;

/** The idb-keyval store of remembered folders, opened on first use. */
export function folderStore(): UseStore {
  foldersStore ??= createStore(FOLDERS.database, FOLDERS.store);
  return foldersStore;
}
