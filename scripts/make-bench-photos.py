"""Real-size JPEGs for `npm run bench`'s indexing rows, made from the bundled sample photos.

Each output is a random crop of one sample (seeded), flipped half of the time, with a little
brightness jitter, resized to the requested size and saved as a baseline JPEG (quality 90), so
decoding costs what a camera's photo of that size costs. Written under the given folder (the
bench uses .cache/bench-photos/<W>x<H>/), never committed.

Usage: /usr/bin/python3 scripts/make-bench-photos.py OUT_DIR WIDTH HEIGHT COUNT [SEED]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

SAMPLES = Path(__file__).resolve().parent.parent / "public" / "samples"
QUALITY = 90


def sample_photos() -> list[Image.Image]:
    paths = sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in {".png", ".jpg", ".jpeg"})
    return [Image.open(p).convert("RGB") for p in paths]


def variant(photo: Image.Image, width: int, height: int, rng: np.random.Generator) -> Image.Image:
    """A random crop with the output's aspect ratio (60–100% of the largest), then resized."""
    aspect = width / height
    full_w, full_h = photo.size
    crop_w = min(full_w, int(round(full_h * aspect)))
    crop_h = min(full_h, int(round(crop_w / aspect)))
    scale = rng.uniform(0.6, 1.0)
    crop_w, crop_h = max(1, int(crop_w * scale)), max(1, int(crop_h * scale))
    x0 = int(rng.integers(0, full_w - crop_w + 1))
    y0 = int(rng.integers(0, full_h - crop_h + 1))
    image = photo.crop((x0, y0, x0 + crop_w, y0 + crop_h))
    if rng.random() < 0.5:
        image = ImageOps.mirror(image)
    image = ImageEnhance.Brightness(image).enhance(float(rng.uniform(0.85, 1.15)))
    return image.resize((width, height), Image.Resampling.BICUBIC)


def main(argv: list[str]) -> None:
    if len(argv) not in (5, 6):
        sys.exit(__doc__)
    out = Path(argv[1])
    width, height, count = int(argv[2]), int(argv[3]), int(argv[4])
    rng = np.random.default_rng(int(argv[5]) if len(argv) == 6 else 0)
    photos = sample_photos()
    out.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        photo = photos[i % len(photos)]
        image = variant(photo, width, height, rng)
        image.save(out / f"photo-{i:04d}.jpg", "JPEG", quality=QUALITY)


if __name__ == "__main__":
    main(sys.argv)
