"""Writes the small binary fixtures of the indexing tests into e2e/fixtures/.

Run with /usr/bin/python3 (Debian's, with PIL) from the repository root:
    /usr/bin/python3 scripts/make-fixtures.py
Deterministic: the same PIL gives the same bytes. The photos are public/samples/ (scikit-image
data: CC0 and public domain, see public/samples/ATTRIBUTION.md), shrunk. AVIF needs `avifenc`
(Debian package libavif-bin). Big inputs (the 50-megapixel photo, thousands of files) and
names with HTML in them are made by the tests themselves at run time, not committed.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "public" / "samples"
OUT = REPO / "e2e" / "fixtures"
PHOTOS = OUT / "photos"
BAD = OUT / "bad"

# EXIF tags (TIFF 6.0 / EXIF 2.3 numbers).
ORIENTATION = 0x0112
MAKE = 0x010F
MODEL = 0x0110
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATE_TIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011


def shrink(name: str, width: int) -> Image.Image:
    image = Image.open(SAMPLES / name).convert("RGB")
    height = round(image.height * width / image.width)
    return image.resize((width, height), Image.BILINEAR)


def jpeg_bytes(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, **options)
    return buffer.getvalue()


def rotated_with_exif() -> bytes:
    """A landscape-stored cat whose EXIF says "rotate 90° clockwise" (orientation 6), so it
    displays as portrait; with a camera, a date and a position (Eiffel Tower)."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[MAKE] = "Probe Camera Co."
    exif[MODEL] = "PC-1"
    # Sub-IFDs assigned as dicts: this Pillow writes them (get_ifd's copies it would drop).
    exif[EXIF_IFD] = {DATE_TIME_ORIGINAL: "2023:07:14 09:30:05"}
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 29.52), 3: "E", 4: (2.0, 17.0, 40.2)}
    return jpeg_bytes(shrink("chelsea.png", 120), exif=exif.tobytes())


def animated_gif() -> bytes:
    frames = [shrink("chelsea.png", 80).convert("P", palette=Image.ADAPTIVE)]
    frames += [Image.new("P", frames[0].size, color) for color in (10, 200)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def alpha_png() -> bytes:
    """RGBA: the left half of the cat fully transparent."""
    image = shrink("chelsea.png", 96).convert("RGBA")
    alpha = Image.new("L", image.size, 255)
    alpha.paste(0, (0, 0, image.width // 2, image.height))
    image.putalpha(alpha)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def avif(image: Image.Image, *options: str, exif: bytes | None = None) -> bytes:
    """`options` are avifenc's (--irot, …); `exif` becomes the file's Exif item."""
    avifenc = shutil.which("avifenc")
    if avifenc is None:
        sys.exit("avifenc not found: apt-get install libavif-bin")
    source = OUT / "_avif_source.png"
    target = OUT / "_avif_target.avif"
    exif_file = OUT / "_avif_exif.bin"
    image.save(source)
    if exif is not None:
        exif_file.write_bytes(exif)
        options = (*options, "--exif", str(exif_file))
    try:
        subprocess.run(
            [avifenc, "--speed", "8", "--min", "30", "--max", "40", *options]
            + [str(source), str(target)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return target.read_bytes()
    finally:
        source.unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        exif_file.unlink(missing_ok=True)


def avif_exif() -> bytes:
    """EXIF for an AVIF's Exif item: a camera, a date with its UTC offset, a position (Sydney
    Opera House) and orientation 6, which AVIF leaves to its irot property (browsers ignore it)."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[MAKE] = "Probe Camera Co."
    exif[MODEL] = "PC-2"
    exif[EXIF_IFD] = {DATE_TIME_ORIGINAL: "2024:02:29 18:45:00", OFFSET_TIME_ORIGINAL: "+11:00"}
    exif[GPS_IFD] = {1: "S", 2: (33.0, 51.0, 24.0), 3: "E", 4: (151.0, 12.0, 54.0)}
    return exif.tobytes()


def heic_header() -> bytes:
    """The first box of a HEIC file (ftyp, brand heic) and nothing after it: enough to be
    recognised as HEIC by its bytes; no browser here decodes it either way."""
    brands = b"heic" + b"\0\0\0\0" + b"mif1heic"
    box = b"ftyp" + brands
    return (8 + len(brands)).to_bytes(4, "big") + box + b"\0" * 64


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    PHOTOS.mkdir(parents=True)
    BAD.mkdir(parents=True)

    cat = shrink("chelsea.png", 96)
    files: dict[Path, bytes] = {
        # Photos every browser we support decodes; each must end up indexed.
        PHOTOS / "cat.jpg": jpeg_bytes(cat),
        PHOTOS / "coffee.png": encoded(shrink("coffee.png", 96), "PNG"),
        PHOTOS / "astronaut.webp": encoded(shrink("astronaut.png", 80), "WEBP", quality=70),
        PHOTOS / "rocket.bmp": encoded(shrink("rocket.jpg", 48), "BMP"),
        PHOTOS / "rocket.avif": avif(shrink("rocket.jpg", 96)),
        # An Exif item whose orientation (6) must not turn the photo: it stays 96×64. (--irot 0:
        # avifenc would otherwise turn the Exif orientation into an irot property.)
        PHOTOS / "exif.avif": avif(
            shrink("rocket.jpg", 96), "--ignore-icc", "--irot", "0", exif=avif_exif()
        ),
        # Stored 96×64, turned a quarter anticlockwise by its irot property: shown 64×96.
        PHOTOS / "rotated-irot.avif": avif(shrink("rocket.jpg", 96), "--ignore-icc", "--irot", "1"),
        PHOTOS / "animated.gif": animated_gif(),
        PHOTOS / "cmyk.jpg": jpeg_bytes(cat.convert("CMYK")),
        PHOTOS / "alpha.png": alpha_png(),
        PHOTOS / "rotated-exif.jpg": rotated_with_exif(),
        # A PNG behind a .jpg name: the bytes decide, so it is indexed as a PNG.
        PHOTOS / "really-a-png.jpg": encoded(shrink("coffee.png", 64), "PNG"),
        # The same bytes twice under different names: both indexed, flagged as duplicates.
        PHOTOS / "copy-1.jpg": jpeg_bytes(shrink("astronaut.png", 64)),
        PHOTOS / "copy-2.jpg": jpeg_bytes(shrink("astronaut.png", 64)),
        # Files that must be skipped, each with its reason.
        BAD / "empty.jpg": b"",
        BAD / "text-named.jpg": b"This is a text file with a .jpg name.\n",
        BAD / "notes.txt": b"Holiday notes.\n",
        BAD / "corrupt.jpg": b"\xff\xd8\xff\xe0" + bytes((i * 37 + 11) % 256 for i in range(600)),
        BAD / "truncated.png": encoded(cat, "PNG")[:200],
        BAD / "phone.heic": heic_header(),
    }
    for path, data in files.items():
        path.write_bytes(data)
    total = sum(len(data) for data in files.values())
    print(f"wrote {len(files)} fixtures, {total} bytes, into {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
