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
export async function ensureReadPermission(handle: FileSystemDirectoryHandle): Promise<boolean> {
  const descriptor = { mode: 'read' } as const;
  if ((await handle.queryPermission?.(descriptor)) === 'granted') return true;
  if (handle.requestPermission === undefined) return true;
  return (await handle.requestPermission(descriptor)) === 'granted';
}
