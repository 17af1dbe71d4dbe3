/**
 * Folders the user chose with the File System Access API, kept (as handles, which IndexedDB
 * stores natively) so that the same folder can be scanned again on a later visit. Keyed by the
 * folder's name, as the library's paths are. Reads never throw.
 */
import { del, entries, set } from 'idb-keyval';
import { folderStore } from './keys.ts';

function isDirectoryHandle(value: unknown): value is FileSystemDirectoryHandle {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'directory' &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}

export async function rememberFolder(handle: FileSystemDirectoryHandle): Promise<void> {
  try {
    await set(handle.name, handle, folderStore());
  } catch (error) {
    // Not remembering a folder costs a re-pick later, nothing more.
    console.warn('could not remember the folder', error);
  }
}

/** Remembered folders, by name. */
export async function rememberedFolders(): Promise<FileSystemDirectoryHandle[]> {
  try {
    const all = await entries<string, unknown>(folderStore());
    return all
      .map(([, handle]) => handle)
      .filter(isDirectoryHandle)
      .sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    console.warn('could not read the remembered folders', error);
    return [];
  }
}

export async function forgetFolder(name: string): Promise<void> {
  await del(name, folderStore());
}
