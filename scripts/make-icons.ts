/**
 * Draws the app icons (public/icons/icon-192.png and icon-512.png): a white magnifying glass
 * on the accent blue, full-bleed, the glyph inside the central 60% so the same image serves
 * as a maskable icon. Run: `npm run icons`. Deterministic: same bytes on every run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PNG } from 'pngjs';

export const ICON_SIZES = [192, 512] as const;
const BACKGROUND = [0x2a, 0x62, 0xd8] as const;
const FOREGROUND = [0xff, 0xff, 0xff] as const;

/** Distance (in icon units, 0..1) from point p to the segment a–b. */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Signed distance to the glyph: negative inside (lens ring and handle). */
function glyph(x: number, y: number): number {
  const ring = Math.abs(Math.hypot(x - 0.44, y - 0.44) - 0.15) - 0.035;
  const handle = segmentDistance(x, y, 0.55, 0.55, 0.68, 0.68) - 0.045;
  return Math.min(ring, handle);
}

export function drawIcon(size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      // Coverage from the signed distance, one pixel of anti-aliasing.
      const d = glyph((px + 0.5) / size, (py + 0.5) / size) * size;
      const cover = Math.max(0, Math.min(1, 0.5 - d));
      const i = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) {
        png.data[i + c] = Math.round(
          (BACKGROUND[c] ?? 0) * (1 - cover) + (FOREGROUND[c] ?? 0) * cover,
        );
      }
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = resolve(import.meta.dirname, '../public/icons');
  mkdirSync(dir, { recursive: true });
  for (const size of ICON_SIZES) {
    writeFileSync(resolve(dir, `icon-${size}.png`), drawIcon(size));
    console.log(`public/icons/icon-${size}.png`);
  }
}
