import { describe, expect, it } from 'vitest';
import { freeRoot, rootFor, SAMPLES_ROOT, type FolderIdentity } from './folders.ts';

/** A folder handle as far as rootFor sees one: its name, and which folder on disk it is. */
class DiskFolder implements FolderIdentity {
  readonly name: string;

  constructor(
    readonly diskPath: string,
    private readonly gone = false,
  ) {
    this.name = diskPath.split('/').pop() ?? diskPath;
  }

  async isSameEntry(other: FolderIdentity): Promise<boolean> {
    // As Chromium does for a handle whose folder was deleted since it was stored.
    if (this.gone) throw new DOMException('gone', 'NotFoundError');
    return other instanceof DiskFolder && other.diskPath === this.diskPath;
  }
}

describe('rootFor', () => {
  const holiday = new DiskFolder('/home/ana/Pictures/Holiday');
  const otherHoliday = new DiskFolder('/media/usb/Holiday');

  it('gives a new folder its name as root', async () => {
    expect(await rootFor(holiday, [])).toBe('Holiday');
    expect(await rootFor(holiday, [{ root: 'Trips', handle: new DiskFolder('/a/Trips') }])).toBe(
      'Holiday',
    );
  });

  it('gives a different folder of the same name a root of its own', async () => {
    const remembered = [{ root: 'Holiday', handle: holiday }];
    expect(await rootFor(otherHoliday, remembered)).toBe('Holiday (2)');
    const third = new DiskFolder('/mnt/old/Holiday');
    expect(
      await rootFor(third, [...remembered, { root: 'Holiday (2)', handle: otherHoliday }]),
    ).toBe('Holiday (3)');
  });

  it('gives the same folder its remembered root back, by identity rather than name', async () => {
    const remembered = [
      { root: 'Holiday', handle: holiday },
      { root: 'Holiday (2)', handle: otherHoliday },
    ];
    // A fresh handle of the second folder (picked or dropped again).
    expect(await rootFor(new DiskFolder('/media/usb/Holiday'), remembered)).toBe('Holiday (2)');
    expect(await rootFor(new DiskFolder('/home/ana/Pictures/Holiday'), remembered)).toBe('Holiday');
  });

  it('takes a remembered folder that can no longer be compared for a different one', async () => {
    const gone = new DiskFolder('/home/ana/Pictures/Holiday', true);
    expect(await rootFor(holiday, [{ root: 'Holiday', handle: gone }])).toBe('Holiday (2)');
  });

  it("never gives a folder the sample photos' root", async () => {
    expect(await rootFor(new DiskFolder('/home/ana/samples'), [])).toBe(`${SAMPLES_ROOT} (2)`);
    expect(freeRoot(SAMPLES_ROOT)).toBe('samples (2)');
    expect(freeRoot(SAMPLES_ROOT, new Set(['samples (2)']))).toBe('samples (3)');
    expect(freeRoot('Samples')).toBe('Samples');
  });
});
