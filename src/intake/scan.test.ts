import { describe, expect, it } from 'vitest';
import { scanInput } from './scan.ts';

/** A file as an <input webkitdirectory> selection gives it: with its path in the folder. */
function selected(relativePath: string): File {
  const file = new File([new Uint8Array([1])], relativePath.split('/').pop() ?? relativePath);
  Object.defineProperty(file, 'webkitRelativePath', { value: relativePath });
  return file;
}

describe('scanInput', () => {
  it('lists a selected folder under its name, as one folder scanned whole', () => {
    const request = scanInput([selected('Holiday/a.jpg'), selected('Holiday/beach/b.jpg')]);
    expect(request.photos.map((p) => p.path)).toEqual(['Holiday/a.jpg', 'Holiday/beach/b.jpg']);
    expect(request.folders).toEqual(['Holiday']);
  });

  it('leaves hidden files and folders out', () => {
    const request = scanInput([
      selected('Holiday/.DS_Store'),
      selected('Holiday/.git/x.jpg'),
      selected('Holiday/a.jpg'),
    ]);
    expect(request.photos.map((p) => p.path)).toEqual(['Holiday/a.jpg']);
  });

  it("lists a folder named like the sample photos' root under another root", () => {
    // Else its scan would drop the sample photos as deleted, and theirs would drop its photos.
    const request = scanInput([selected('samples/cat.jpg')]);
    expect(request.photos.map((p) => p.path)).toEqual(['samples (2)/cat.jpg']);
    expect(request.folders).toEqual(['samples (2)']);
  });

  it('lists files picked one by one under their names, covering no folder', () => {
    const request = scanInput([new File([new Uint8Array([1])], 'loose.jpg')]);
    expect(request.photos.map((p) => p.path)).toEqual(['loose.jpg']);
    expect(request.folders).toEqual([]);
  });
});
