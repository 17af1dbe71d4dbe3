/**
 * Object URLs of stored thumbnails for the photos on screen. Fetched from the engine in one
 * call per change of the visible set, kept while useful (at most KEEP of them, oldest revoked
 * first), all revoked when the owner unmounts or `generation` changes (a re-index may have
 * replaced thumbnails).
 */
import { useEffect, useRef, useState } from 'react';

/** Well above the cells a screen shows, so scrolling back does not refetch at once. */
const KEEP = 600;

export type ThumbnailUrls = ReadonlyMap<string, string | null>;

export function useThumbnails(
  fetchThumbnails: (paths: readonly string[]) => Promise<(Blob | null)[]>,
  visible: readonly string[],
  generation: string,
): ThumbnailUrls {
  const [urls, setUrls] = useState<ThumbnailUrls>(() => new Map());
  // Paths asked for and not yet answered: never asked twice at once.
  const pending = useRef(new Set<string>());
  const current = useRef(new Map<string, string | null>());

  useEffect(
    () => () => {
      for (const url of current.current.values()) if (url !== null) URL.revokeObjectURL(url);
      current.current = new Map();
      pending.current = new Set();
      setUrls(new Map());
    },
    [generation],
  );

  const key = visible.join('\n');
  useEffect(() => {
    const missing = visible.filter((p) => !current.current.has(p) && !pending.current.has(p));
    if (missing.length === 0) return;
    for (const path of missing) pending.current.add(path);
    const owned = current.current;
    const asked = pending.current;
    fetchThumbnails(missing)
      .then((blobs) => {
        // A new generation replaced these maps: its own effect asks again.
        if (owned !== current.current) return;
        missing.forEach((path, i) => {
          asked.delete(path);
          const blob = blobs[i];
          owned.set(path, blob ? URL.createObjectURL(blob) : null);
        });
        const keep = new Set(visible);
        for (const [path, url] of owned) {
          if (owned.size <= KEEP) break;
          if (keep.has(path)) continue;
          if (url !== null) URL.revokeObjectURL(url);
          owned.delete(path);
        }
        setUrls(new Map(owned));
      })
      .catch(() => {
        for (const path of missing) asked.delete(path);
      });
    // `key` stands for `visible`: a new array with the same paths is no change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, fetchThumbnails, generation]);

  return urls;
}
