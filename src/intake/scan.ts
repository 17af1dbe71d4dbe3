/**
 * Lists the files of what the user gave: a drop (files and folders), a folder handle (File
 * System Access API) or an <input webkitdirectory> selection. Every file gets its path inside
 * the chosen folder ("Holiday/beach/1.jpg"), which is its key in the library. Hidden files and
 * folders (".DS_Store", ".git", …) are left out: they are never photos.
 */
import type { IndexRequest, PhotoFile } from '../engine/api.ts';

const isHidden = (name: string) => name.startsWith('.');

/** What a drop offers, taken synchronously: after the handler's first await it is gone. */
export interface DroppedItems {
  readonly entries: readonly FileSystemEntry[];
  /** Folder handles where the browser gives them (Chromium): a dropped folder can be remembered. */
  readonly handles: readonly Promise<FileSystemHandle | null>[];
  /** Plain files, for browsers without entries. */
  readonly files: readonly File[];
}

/** Call in the drop handler before any await. */
export function takeDrop(data: DataTransfer): DroppedItems {
  const entries: FileSystemEntry[] = [];
  const handles: Promise<FileSystemHandle | null>[] = [];
  for (const item of Array.from(data.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry();
    if (entry !== null) entries.push(entry);
    const handle = item.getAsFileSystemHandle?.();
    // A rejected handle promise is only a missed chance to remember the folder.
    if (handle !== undefined) handles.push(handle.catch(() => null));
  }
  return { entries, handles, files: entries.length === 0 ? Array.from(data.files) : [] };
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

async function walkEntry(entry: FileSystemEntry, out: PhotoFile[]): Promise<void> {
  if (isHidden(entry.name)) return;
  if (isFileEntry(entry)) {
    // fullPath is "/folder/file.jpg" from the drop's root.
    out.push({ path: entry.fullPath.replace(/^\/+/, ''), file: await fileOf(entry) });
  } else if (isDirectoryEntry(entry)) {
    const reader = entry.createReader();
    // readEntries hands out at most ~100 entries per call: read until it returns none.
    for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader)) {
      for (const child of batch) await walkEntry(child, out);
    }
  }
}

/** The files of a drop; folders dropped whole are scans of those folders. */
export async function scanDrop(items: DroppedItems): Promise<IndexRequest> {
  const photos: PhotoFile[] = items.files.map((file) => ({ path: file.name, file }));
  for (const entry of items.entries) await walkEntry(entry, photos);
  const folders = items.entries.filter(isDirectoryEntry).map((entry) => entry.name);
  return { photos, folders };
}

/** Directory handles among a drop's items (Chromium), for remembering. */
export async function droppedFolders(items: DroppedItems): Promise<FileSystemDirectoryHandle[]> {
  const handles = await Promise.all(items.handles);
  return handles.filter((h): h is FileSystemDirectoryHandle => h?.kind === 'directory');
}

async function walkHandle(dir: FileSystemDirectoryHandle, prefix: string, out: PhotoFile[]) {
  for await (const child of dir.values()) {
    if (isHidden(child.name)) continue;
    const path = `${prefix}/${child.name}`;
    if (child instanceof FileSystemFileHandle) out.push({ path, file: await child.getFile() });
    else if (child instanceof FileSystemDirectoryHandle) await walkHandle(child, path, out);
  }
}

/** Every file under a folder handle, as a scan of that whole folder. */
export async function scanFolder(handle: FileSystemDirectoryHandle): Promise<IndexRequest> {
  const photos: PhotoFile[] = [];
  await walkHandle(handle, handle.name, photos);
  return { photos, folders: [handle.name] };
}

/** The files of an <input webkitdirectory> selection: one folder, listed whole. */
export function scanInput(files: FileList): IndexRequest {
  const photos = Array.from(files)
    .map((file) => ({ path: file.webkitRelativePath || file.name, file }))
    .filter(({ path }) => !path.split('/').some(isHidden));
  const tops = new Set(
    photos.map(({ path }) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '')),
  );
  const [top] = tops;
  return { photos, folders: tops.size === 1 && top !== undefined && top !== '' ? [top] : [] };
}
