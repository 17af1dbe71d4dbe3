import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { drawIcon, ICON_SIZES } from './make-icons.ts';

const PUBLIC = resolve(import.meta.dirname, '../public');

describe('app icons', () => {
  it.each(ICON_SIZES)('icon-%i.png is the current drawing, opaque, at its size', (size) => {
    const file = readFileSync(resolve(PUBLIC, `icons/icon-${size}.png`));
    expect(file.equals(drawIcon(size))).toBe(true);
    const png = PNG.sync.read(file);
    expect([png.width, png.height]).toEqual([size, size]);
    // Full-bleed (maskable): the corner is background, the lens ring is white.
    expect([...png.data.subarray(0, 4)]).toEqual([0x2a, 0x62, 0xd8, 255]);
    const ring = (Math.round(0.44 * size) * size + Math.round(0.29 * size)) * 4;
    expect([...png.data.subarray(ring, ring + 3)]).toEqual([255, 255, 255]);
  });

  it('the web manifest names both icons', () => {
    const manifest = JSON.parse(readFileSync(resolve(PUBLIC, 'manifest.webmanifest'), 'utf8')) as {
      icons: { src: string; sizes: string }[];
      start_url: string;
    };
    expect(manifest.start_url).toBe('./');
    for (const size of ICON_SIZES) {
      expect(manifest.icons).toContainEqual(
        expect.objectContaining({ src: `icons/icon-${size}.png`, sizes: `${size}x${size}` }),
      );
    }
  });
});
