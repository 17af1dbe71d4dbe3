/**
 * The parts of the File System Access API this app uses that TypeScript's DOM library does not
 * declare yet (Chromium has them; other browsers fall back to <input webkitdirectory>).
 */

export interface FileSystemPermissionDescriptor {
  readonly mode: 'read' | 'readwrite';
}

declare global {
  interface FileSystemHandle {
    queryPermission?(descriptor: FileSystemPermissionDescriptor): Promise<PermissionState>;
    requestPermission?(descriptor: FileSystemPermissionDescriptor): Promise<PermissionState>;
  }

  interface Window {
    showDirectoryPicker?: (options?: {
      readonly id?: string;
      readonly mode?: 'read' | 'readwrite';
    }) => Promise<FileSystemDirectoryHandle>;
  }

  interface DataTransferItem {
    getAsFileSystemHandle?(): Promise<FileSystemHandle | null>;
  }
}

/** Whether this browser can pick a folder and keep its handle for a later visit. */
export function canPickFolders(): boolean {
  return typeof window.showDirectoryPicker === 'function';
}

/**
 * Read permission on a remembered folder: granted ones pass; otherwise the browser asks the
 * user (this needs a user gesture, so call it from a click handler).
 */
export async function ensureReadPermission(
  handle: Pick<FileSystemHandle, 'queryPermission' | 'requestPermission'>,
): Promise<boolean> {
  const descriptor = { mode: 'read' } as const;
  if ((await handle.queryPermission?.(descriptor)) === 'granted') return true;
  if (handle.requestPermission === undefined) return true;
  return (await handle.requestPermission(descriptor)) === 'granted';
}

/** What walking a path needs of a folder handle (a FileSystemDirectoryHandle has it). */
export interface FolderReader {
  getDirectoryHandle(name: string): Promise<FolderReader>;
  getFileHandle(name: string): Promise<{ getFile(): Promise<File> }>;
}

/** A remembered folder: a reader whose read permission may have to be asked for again. */
export type RememberedFolder = FolderReader &
  Pick<FileSystemHandle, 'name' | 'queryPermission' | 'requestPermission'>;

/** The root a library path starts with ("Holiday/beach/1.jpg" → "Holiday"); null for none. */
export function topFolderOf(path: string): string | null {
  const slash = path.indexOf('/');
  return slash > 0 ? path.slice(0, slash) : null;
}

/** The file at library path `path` ("Holiday/beach/1.jpg") under `folder`, its root folder. */
export async function fileInFolder(folder: FolderReader, path: string): Promise<File> {
  const [, ...inside] = path.split('/');
  const name = inside.pop();
  if (name === undefined || name === '') {
    throw new DOMException(`${path} names no file inside a folder`, 'NotFoundError');
  }
  let current = folder;
  for (const part of inside) current = await current.getDirectoryHandle(part);
  return (await current.getFileHandle(name)).getFile();
}

export type OriginalRead =
  | { readonly status: 'opened'; readonly file: File }
  /** The user did not give read permission on the folder (or the browser refused it). */
  | { readonly status: 'denied' }
  /** No such file in the folder any more (moved, renamed or deleted). */
  | { readonly status: 'missing' }
  | { readonly status: 'failed'; readonly name: string; readonly message: string };

/**
 * Reads a photo's original through its remembered folder: asks for read permission when it is
 * no longer granted (so call it from a click handler), then walks the path.
 */
export async function readOriginal(folder: RememberedFolder, path: string): Promise<OriginalRead> {
  try {
    if (!(await ensureReadPermission(folder))) return { status: 'denied' };
    return { status: 'opened', file: await fileInFolder(folder, path) };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    // NotFoundError: a part of the path is gone; TypeMismatchError: a file became a folder or back.
    if (name === 'NotFoundError' || name === 'TypeMismatchError') return { status: 'missing' };
    if (name === 'NotAllowedError' || name === 'SecurityError') return { status: 'denied' };
    return {
      status: 'failed',
      name,
      message: error instanceof Error ? error.message : String(error),
    };
  }
}
