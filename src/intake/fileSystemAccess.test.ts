import { describe, expect, it } from 'vitest';
import {
  fileInFolder,
  readOriginal,
  topFolderOf,
  type FolderReader,
  type RememberedFolder,
} from './fileSystemAccess.ts';

type Tree = { readonly [name: string]: Tree | File };

/**
 * A folder handle in memory with the errors Chromium's FileSystemDirectoryHandle gives:
 * NotFoundError for a missing entry, TypeMismatchError for a file asked for as a folder or
 * the other way round.
 */
class MemoryFolder implements FolderReader {
  constructor(
    readonly name: string,
    private readonly tree: Tree,
  ) {}

  private entry(name: string): Tree | File {
    const entry = this.tree[name];
    if (entry === undefined) throw new DOMException(`${name} not found`, 'NotFoundError');
    return entry;
  }

  async getDirectoryHandle(name: string): Promise<MemoryFolder> {
    const entry = this.entry(name);
    if (entry instanceof File) throw new DOMException(`${name} is a file`, 'TypeMismatchError');
    return new MemoryFolder(name, entry);
  }

  async getFileHandle(name: string): Promise<{ getFile(): Promise<File> }> {
    const entry = this.entry(name);
    if (!(entry instanceof File)) {
      throw new DOMException(`${name} is a folder`, 'TypeMismatchError');
    }
    return { getFile: async () => entry };
  }
}

/** A remembered top folder whose permission state and prompt answer the test sets. */
function remembered(
  tree: Tree,
  permission: { state: PermissionState; answer?: PermissionState | Error },
) {
  const asked: string[] = [];
  const folder: RememberedFolder = Object.assign(new MemoryFolder('Holiday', tree), {
    queryPermission: async () => permission.state,
    requestPermission: async ({ mode }: { mode: string }) => {
      asked.push(mode);
      const { answer = 'denied' } = permission;
      if (answer instanceof Error) throw answer;
      permission.state = answer;
      return answer;
    },
  });
  return { folder, asked };
}

const photo = new File([new Uint8Array([1, 2, 3])], '1.jpg', { lastModified: 5 });
const tree: Tree = { beach: { '1.jpg': photo, day2: {} }, 'top.png': new File([], 'top.png') };

describe('topFolderOf', () => {
  it('is the first part of a library path, none for a loose file', () => {
    expect(topFolderOf('Holiday/beach/1.jpg')).toBe('Holiday');
    expect(topFolderOf('Holiday/1.jpg')).toBe('Holiday');
    expect(topFolderOf('dropped.jpg')).toBeNull();
    expect(topFolderOf('/odd.jpg')).toBeNull();
  });
});

describe('fileInFolder', () => {
  const holiday = new MemoryFolder('Holiday', tree);

  it('walks the path below the top folder to the file', async () => {
    expect(await fileInFolder(holiday, 'Holiday/beach/1.jpg')).toBe(photo);
    expect((await fileInFolder(holiday, 'Holiday/top.png')).name).toBe('top.png');
  });

  it('rejects with the handle errors when the path no longer leads to a file', async () => {
    await expect(fileInFolder(holiday, 'Holiday/beach/2.jpg')).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    await expect(fileInFolder(holiday, 'Holiday/gone/1.jpg')).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    await expect(fileInFolder(holiday, 'Holiday/beach/day2')).rejects.toMatchObject({
      name: 'TypeMismatchError',
    });
    await expect(fileInFolder(holiday, 'Holiday/')).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });
});

describe('readOriginal', () => {
  it('reads the file at once while permission is granted', async () => {
    const { folder, asked } = remembered(tree, { state: 'granted' });
    expect(await readOriginal(folder, 'Holiday/beach/1.jpg')).toEqual({
      status: 'opened',
      file: photo,
    });
    expect(asked).toEqual([]);
  });

  it('asks for read permission again after a reload, then reads', async () => {
    const { folder, asked } = remembered(tree, { state: 'prompt', answer: 'granted' });
    expect(await readOriginal(folder, 'Holiday/beach/1.jpg')).toEqual({
      status: 'opened',
      file: photo,
    });
    expect(asked).toEqual(['read']);
  });

  it('says denied when the user refuses, or the browser refuses to ask', async () => {
    const refused = remembered(tree, { state: 'prompt', answer: 'denied' });
    expect(await readOriginal(refused.folder, 'Holiday/beach/1.jpg')).toEqual({
      status: 'denied',
    });
    const noGesture = remembered(tree, {
      state: 'prompt',
      answer: new DOMException('User activation is required', 'SecurityError'),
    });
    expect(await readOriginal(noGesture.folder, 'Holiday/beach/1.jpg')).toEqual({
      status: 'denied',
    });
  });

  it('says missing when the file was moved, renamed or deleted', async () => {
    const { folder } = remembered(tree, { state: 'granted' });
    expect(await readOriginal(folder, 'Holiday/beach/renamed.jpg')).toEqual({
      status: 'missing',
    });
    expect(await readOriginal(folder, 'Holiday/beach/day2')).toEqual({ status: 'missing' });
  });

  it('passes any other failure on by name', async () => {
    const unreadable = new MemoryFolder('Holiday', tree);
    const folder: RememberedFolder = Object.assign(unreadable, {
      queryPermission: async () => 'granted' as const,
      getFileHandle: async () => ({
        getFile: async () => {
          throw new DOMException('the disk went away', 'NotReadableError');
        },
      }),
    });
    expect(await readOriginal(folder, 'Holiday/top.png')).toEqual({
      status: 'failed',
      name: 'NotReadableError',
      message: 'the disk went away',
    });
  });
});
