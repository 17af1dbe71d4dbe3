/**
 * Lists the files of what the user gave: a drop (files and folders), a folder handle (File
 * System Access API) or an <input webkitdirectory> selection. Every file gets its path inside
 * the chosen folder under the folder's root ("Holiday/beach/1.jpg"), which is its key in the
 * library. A folder with a handle has the root its remembered record gives it (src/storage/
 * folders.ts: another folder of the same name gets "Holiday (2)"); a folder without one (the
 * <input>, a drop in a browser that gives no handles) is known by its name only, so two such
 * folders of one name share their paths (but never the sample photos' root: see freeRoot).
 * Hidden files and folders (".DS_Store", ".git", …) are left out: they are never photos.
 */
import type { IndexRequest, PhotoFile } from '../engine/api.ts';
import { freeRoot } from '../storage/folders.ts';

const isHidden = (name: string) => name.startsWith('.');

/** One dropped file or folder. */
export interface DroppedEntry {
  readonly entry: FileSystemEntry;
  /** Its handle where the browser gives one (Chromium): a dropped folder can be remembered. */
  readonly handle: Promise<FileSystemHandle | null>;
}

/** What a drop offers, taken synchronously: after the handler's first await it is gone. */
export interface DroppedItems {
  readonly entries: readonly DroppedEntry[];
  /** Plain files, for browsers without entries. */
  readonly files: readonly File[];
}

/** Call in the drop handler before any await. */
export function takeDrop(data: DataTransfer): DroppedItems {
  const entries: DroppedEntry[] = [];
  for (const item of Array.from(data.items)) {
    if (item.kind !== 'file') continue;
    // Both asked for now: the item is unusable after the handler's first await.
    const handle = item.getAsFileSystemHandle?.() ?? Promise.resolve(null);
    const entry = item.webkitGetAsEntry();
    // A rejected handle promise is only a missed chance to remember the folder.
    if (entry !== null) entries.push({ entry, handle: handle.catch(() => null) });
  }
  return { entries, files: entries.length === 0 ? Array.from(data.files) : [] };
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

const isDirectoryEntry = (entry: FileSystemEntry): entry is FileSystemDirectoryEntry =>
  entry.isDirectory;
const isFileEntry = (entry: FileSystemEntry): entry is FileSystemFileEntry => entry.isFile;

/** Lists `entry`, whose library path is `path`, and everything under it. */
async function walkEntry(entry: FileSystemEntry, path: string, out: PhotoFile[]): Promise<void> {
  if (isHidden(entry.name)) return;
  if (isFileEntry(entry)) {
    out.push({ path, file: await fileOf(entry) });
  } else if (isDirectoryEntry(entry)) {
    const reader = entry.createReader();
    // readEntries hands out at most ~100 entries per call: read until it returns none.
    for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader)) {
      for (const child of batch) await walkEntry(child, `${path}/${child.name}`, out);
    }
  }
}

const isDirectoryHandle = (handle: FileSystemHandle | null): handle is FileSystemDirectoryHandle =>
  handle?.kind === 'directory';

/**
 * The files of a drop; folders dropped whole are scans of those folders. A dropped folder with
 * a handle is listed under `rootOf(handle)` (which remembers it); one without, under its name.
 */
export async function scanDrop(
  items: DroppedItems,
  rootOf: (handle: FileSystemDirectoryHandle) => Promise<string>,
): Promise<IndexRequest> {
  const photos: PhotoFile[] = items.files.map((file) => ({ path: file.name, file }));
  const folders: string[] = [];
  for (const { entry, handle } of items.entries) {
    if (isHidden(entry.name)) continue;
    let path = entry.name;
    if (isDirectoryEntry(entry)) {
      const folder = await handle;
      path = isDirectoryHandle(folder) ? await rootOf(folder) : freeRoot(entry.name);
      folders.push(path);
    }
    await walkEntry(entry, path, photos);
  }
  return { photos, folders };
}

async function walkHandle(dir: FileSystemDirectoryHandle, prefix: string, out: PhotoFile[]) {
  for await (const child of dir.values()) {
    if (isHidden(child.name)) continue;
    const path = `${prefix}/${child.name}`;
    if (child instanceof FileSystemFileHandle) out.push({ path, file: await child.getFile() });
    else if (child instanceof FileSystemDirectoryHandle) await walkHandle(child, path, out);
  }
}

/** Every file under a folder handle, listed under `root`, as a scan of that whole folder. */
export async function scanFolder(
  handle: FileSystemDirectoryHandle,
  root: string,
): Promise<IndexRequest> {
  const photos: PhotoFile[] = [];
  await walkHandle(handle, root, photos);
  return { photos, folders: [root] };
}

/** A selected file's path: its folder's root (see freeRoot), then the path inside it. */
function inputPath(file: File): string {
  const path = file.webkitRelativePath || file.name;
  const slash = path.indexOf('/');
  return slash < 0 ? path : `${freeRoot(path.slice(0, slash))}${path.slice(slash)}`;
}

/** The files of an <input webkitdirectory> selection: one folder, listed whole. */
export function scanInput(files: ArrayLike<File>): IndexRequest {
  const photos = Array.from(files)
    .map((file) => ({ path: inputPath(file), file }))
    .filter(({ path }) => !path.split('/').some(isHidden));
  const tops = new Set(
    photos.map(({ path }) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '')),
  );
  const [top] = tops;
  return { photos, folders: tops.size === 1 && top !== undefined && top !== '' ? [top] : [] };
}
