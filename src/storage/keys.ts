/**
 * The one place that names IndexedDB databases and stores. idb-keyval gives one object store
 * per database, so each concern has its own database. The schema version is part of every
 * name: a change of record layout bumps it and starts from empty databases.
 */
import { createStore, type UseStore } from 'idb-keyval';

export const STORAGE_SCHEMA_VERSION = 1;

const PREFIX = 'probe-search';

export const STORES = {
  /** path → PhotoMeta: which file version was indexed (size, lastModified) and its size. */
  photos: { database: `${PREFIX}-photos-v${STORAGE_SCHEMA_VERSION}`, store: 'photos' },
  /** path → ProbeRecord: detections, vision probes and global of one pack. */
  probes: { database: `${PREFIX}-probes-v${STORAGE_SCHEMA_VERSION}`, store: 'probes' },
  /** path → ThumbnailRecord: a small JPEG for the result grid. */
  thumbnails: { database: `${PREFIX}-thumbnails-v${STORAGE_SCHEMA_VERSION}`, store: 'thumbnails' },
} as const;

export type StoreName = keyof typeof STORES;

const opened = new Map<StoreName, UseStore>();

/** The idb-keyval store for one concern, opened on first use. */
export function idbStore(name: StoreName): UseStore {
  let store = opened.get(name);
  if (store === undefined) {
    store = createStore(STORES[name].database, STORES[name].store);
    opened.set(name, store);
  }
  return store;
}
