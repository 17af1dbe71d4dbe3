import { describe, expect, it } from 'vitest';
import { inputBoxToImage, letterbox, letterboxRgba } from './letterbox.ts';

describe('letterbox geometry', () => {
  it('fits the long side and centres the short side', () => {
    expect(letterbox(640, 427)).toEqual({
      width: 640,
      height: 427,
      inputSize: 512,
      scaledWidth: 512,
      scaledHeight: 342,
      offsetX: 0,
      offsetY: 85,
    });
    expect(letterbox(300, 600)).toMatchObject({
      scaledWidth: 256,
      scaledHeight: 512,
      offsetX: 128,
      offsetY: 0,
    });
    expect(letterbox(512, 512)).toMatchObject({
      scaledWidth: 512,
      scaledHeight: 512,
      offsetX: 0,
      offsetY: 0,
    });
  });

  it('keeps at least one pixel for extreme aspect ratios', () => {
    expect(letterbox(10000, 1)).toMatchObject({ scaledWidth: 512, scaledHeight: 1, offsetY: 255 });
    expect(letterbox(8, 5, 4).scaledHeight).toBe(3); // 2.5 rounds up, as in the Python mirror
  });

  it('maps input boxes back to normalised image coordinates and clips', () => {
    const g = letterbox(640, 427);
    expect(inputBoxToImage([0, 85, 512, 427], g)).toEqual([0, 0, 1, 1]);
    expect(inputBoxToImage([128, 85 + 171, 256, 600], g)).toEqual([0.25, 0.5, 0.5, 1]);
    expect(inputBoxToImage([-10, 0, 10, 10], g)).toEqual([0, 0, 10 / 512, 0]);
  });

  it('rejects empty images', () => {
    expect(() => letterbox(0, 10)).toThrow();
  });
});

describe('letterboxRgba', () => {
  it('copies pixels 1:1 when no scaling is needed and leaves the margin at 0', () => {
    // 4×2 image into an 8×8 input: scale 2 → 8×4, offsetY 2. Check with a constant image.
    const rgba = new Uint8Array(4 * 2 * 4);
    for (let i = 0; i < 8; i++) rgba.set([10, 20, 30, 255], i * 4);
    const g = letterbox(4, 2, 8);
    const out = letterboxRgba(rgba, g);
    expect(out.length).toBe(8 * 8 * 3);
    expect(Array.from(out.subarray(0, 3))).toEqual([0, 0, 0]); // margin row 0
    const row2 = (2 * 8 + 5) * 3;
    expect(Array.from(out.subarray(row2, row2 + 3))).toEqual([10, 20, 30]);
    const row6 = (6 * 8 + 0) * 3;
    expect(Array.from(out.subarray(row6, row6 + 3))).toEqual([0, 0, 0]);
  });

  it('interpolates bilinearly with half-pixel centres and keeps RGB order', () => {
    // 2×1 image black|white upscaled to 4 wide: centres at 0.5*0.5-0.5 = -0.25 → clamp 0, 0.25, 0.75, 1.
    const rgba = new Uint8Array([0, 0, 0, 255, 200, 100, 50, 255]);
    const g = letterbox(2, 1, 4);
    expect(g).toMatchObject({ scaledWidth: 4, scaledHeight: 2, offsetY: 1 });
    const out = letterboxRgba(rgba, g);
    const red = [0, 1, 2, 3].map((x) => out[(1 * 4 + x) * 3 + 0]);
    expect(red).toEqual([0, 50, 150, 200]);
    expect(out[(1 * 4 + 3) * 3 + 1]).toBe(100);
    expect(out[(1 * 4 + 3) * 3 + 2]).toBe(50);
  });

  it('rejects a wrong buffer size', () => {
    expect(() => letterboxRgba(new Uint8Array(3), letterbox(1, 1, 4))).toThrow();
  });
});
