/**
 * The one place that names IndexedDB databases and stores. The schema version is part of every
 * database name: a change of record layout bumps it and starts from empty databases (the
 * retired ones are deleted, so they do not keep using the user's disk).
 */
import { createStore, type UseStore } from 'idb-keyval';

export const STORAGE_SCHEMA_VERSION = 2;

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
    /** path → ProbeRecord: detections, vision probes and global of one pack. */
    probes: 'probes',
    /** path → Blob: a small JPEG for the result grid. */
    thumbnails: 'thumbnails',
  },
} as const;

export type LibraryStore = keyof typeof LIBRARY.stores;

/** Databases of earlier schema versions, deleted when the library is first opened. */
export const RETIRED_DATABASES = [
  `${PREFIX}-photos-v1`,
  `${PREFIX}-probes-v1`,
  `${PREFIX}-thumbnails-v1`,
] as const;

/** Folder handles (File System Access API) the user chose, to scan again on a later visit. */
export const FOLDERS = { database: `${PREFIX}-folders-v1`, store: 'folders' } as const;

let foldersStore: UseStore | undefined;

/** The idb-keyval store of remembered folders, opened on first use. */
export function folderStore(): UseStore {
  foldersStore ??= createStore(FOLDERS.database, FOLDERS.store);
  return foldersStore;
}
