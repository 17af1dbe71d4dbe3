/**
 * Folders the user chose with the File System Access API (picked, or dropped where the browser
 * gives a handle), kept (as handles, which IndexedDB stores natively) so that the same folder
 * can be scanned again on a later visit. Each has a root: the first part of its photos' library
 * paths ("Holiday/beach/1.jpg"), and its key here. The root is the folder's name, unless a
 * different remembered folder (by isSameEntry) already has that root: then "Holiday (2)",
 * "Holiday (3)", … so two folders of one name never share paths. Folders remembered before
 * roots existed are keyed by their name, which is their root: nothing to convert. A forgotten
 * folder's root is free again; the next folder given it takes over its photos, as picking the
 * same folder again should. "samples" is the bundled sample photos' root: a user's folder of
 * that name is "samples (2)", so neither scan takes the other's photos for deleted ones.
 * Reads never throw.
 */
import { del, entries, get, set } from 'idb-keyval';
import { folderStore } from './keys.ts';

/** The root the bundled sample photos are indexed under (their paths' first part). */
export const SAMPLES_ROOT = 'samples';

/** `name`, or the first of "name (2)", "name (3)", … that is not taken and not reserved. */
export function freeRoot(name: string, taken: ReadonlySet<string> = new Set()): string {
  let root = name;
  for (let n = 2; taken.has(root) || root === SAMPLES_ROOT; n++) root = `${name} (${n})`;
  return root;
}

function isDirectoryHandle(value: unknown): value is FileSystemDirectoryHandle {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'directory' &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}

/** A remembered folder and the root its photos' paths start with. */
export interface LibraryFolder {
  readonly root: string;
  readonly handle: FileSystemDirectoryHandle;
}

/** What telling folders apart needs of a handle (a FileSystemDirectoryHandle has it). */
export interface FolderIdentity {
  readonly name: string;
  isSameEntry(other: FolderIdentity): Promise<boolean>;
}

async function sameEntry(a: FolderIdentity, b: FolderIdentity): Promise<boolean> {
  try {
    return await a.isSameEntry(b);
  } catch {
    // A folder deleted or moved since it was remembered is not this one.
    return false;
  }
}

/**
 * The root for `handle` among `remembered` (roots and their handles): that of the same folder
 * on disk if it is there, else the folder's name, or the name with " (2)", " (3)", … when a
 * different folder already has it (or it is reserved).
 */
export async function rootFor(
  handle: FolderIdentity,
  remembered: readonly { readonly root: string; readonly handle: FolderIdentity }[],
): Promise<string> {
  for (const folder of remembered) {
    if (await sameEntry(folder.handle, handle)) return folder.root;
  }
  return freeRoot(handle.name, new Set(remembered.map((folder) => folder.root)));
}

/** Remembers the folder (again) and returns its root, under which its photos are indexed. */
export async function rememberFolder(handle: FileSystemDirectoryHandle): Promise<string> {
  const root = await rootFor(handle, await rememberedFolders());
  try {
    await set(root, handle, folderStore());
  } catch (error) {
    // Not remembering a folder costs a re-pick later, nothing more.
    console.warn('could not remember the folder', error);
  }
  return root;
}

/** Remembered folders, by root. */
export async function rememberedFolders(): Promise<LibraryFolder[]> {
  try {
    const all = await entries<string, unknown>(folderStore());
    return all
      .flatMap(([root, handle]) => (isDirectoryHandle(handle) ? [{ root, handle }] : []))
      .sort((a, b) => a.root.localeCompare(b.root));
  } catch (error) {
    console.warn('could not read the remembered folders', error);
    return [];
  }
}

/** The remembered folder of that root; undefined when there is none (or it cannot be read). */
export async function rememberedFolder(
  root: string,
): Promise<FileSystemDirectoryHandle | undefined> {
  try {
    const handle = await get<unknown>(root, folderStore());
    return isDirectoryHandle(handle) ? handle : undefined;
  } catch (error) {
    console.warn('could not read the remembered folder', error);
    return undefined;
  }
}

export async function forgetFolder(root: string): Promise<void> {
  await del(root, folderStore());
}
