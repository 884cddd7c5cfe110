"""Small generated test images of every kind: formats, colour modes, EXIF orientations, bad files.

Import from a test module (``tests`` is not a package, so put this folder on the path first)::

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import imagegen

Every writer returns the path it wrote. Images are tiny so hundreds cost milliseconds.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image

WHITE = (255, 255, 255)

# The four quadrants of ``quadrant_image``: top-left, top-right, bottom-left, bottom-right.
QUADRANT_COLOURS = ((255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0))

# How Pillow's exif_transpose undoes each EXIF orientation; the writer stores the inverse.
_UNDO_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_INVERSE = {
    Image.Transpose.ROTATE_90: Image.Transpose.ROTATE_270,
    Image.Transpose.ROTATE_270: Image.Transpose.ROTATE_90,
}


def unique_colour(index: int) -> tuple[int, int, int]:
    """A colour per index (262,144 before repeating), 4 levels apart so JPEG keeps them apart too."""
    return (((index >> 12) & 63) * 4, ((index >> 6) & 63) * 4, (index & 63) * 4)


def solid(size: tuple[int, int] = (8, 6), colour: tuple[int, int, int] = (200, 30, 30)) -> Image.Image:
    """One flat RGB colour."""
    return Image.new("RGB", size, colour)


def quadrant_image(size: tuple[int, int] = (64, 32)) -> Image.Image:
    """RGB with a differently coloured quadrant in each corner (see QUADRANT_COLOURS)."""
    w, h = size
    arr = np.zeros((h, w, 3), np.uint8)
    arr[: h // 2, : w // 2] = QUADRANT_COLOURS[0]
    arr[: h // 2, w // 2 :] = QUADRANT_COLOURS[1]
    arr[h // 2 :, : w // 2] = QUADRANT_COLOURS[2]
    arr[h // 2 :, w // 2 :] = QUADRANT_COLOURS[3]
    return Image.fromarray(arr)


def quadrant_colours_of(img: Image.Image) -> list[tuple[int, int, int]]:
    """The colour at the centre of each quadrant of ``img`` (top-left, top-right, bottom-left, bottom-right)."""
    w, h = img.size
    points = [(w // 4, h // 4), (3 * w // 4, h // 4), (w // 4, 3 * h // 4), (3 * w // 4, 3 * h // 4)]
    rgb = img.convert("RGB")
    return [rgb.getpixel(p) for p in points]  # type: ignore[misc]


def save(img: Image.Image, path: Path | str, **params) -> Path:
    """Saves with the format implied by the suffix (lossless WebP, high-quality JPEG)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".webp":
        params.setdefault("lossless", True)
    if suffix in (".jpg", ".jpeg"):
        params.setdefault("quality", 95)
    img.save(path, format=params.pop("format", None), **params)
    return path


def write_image(path: Path | str, index: int = 0, size: tuple[int, int] = (8, 6)) -> Path:
    """A small flat-coloured photo whose bytes are unique to ``index``; format from the suffix.

    The same index gives the same bytes, which is how tests make duplicates.
    """
    params = {}
    if Path(path).suffix.lower() in (".jpg", ".jpeg"):
        params["comment"] = f"tlgui test image {index}"  # lossy pixels alone might coincide
    return save(solid(size, unique_colour(index)), path, **params)


def write_oriented_jpeg(path: Path | str, orientation: int, size: tuple[int, int] = (64, 32)) -> Path:
    """A JPEG whose *displayed* image (after EXIF ``orientation``) is ``quadrant_image(size)``."""
    shown = quadrant_image(size)
    undo = _UNDO_ORIENTATION.get(orientation)
    stored = shown.transpose(_INVERSE.get(undo, undo)) if undo is not None else shown
    exif = Image.Exif()
    exif[0x0112] = orientation
    return save(stored, path, exif=exif.tobytes())


def write_animated_gif(path: Path | str, colours=((255, 0, 0), (0, 0, 255))) -> Path:
    """A GIF with one flat frame per colour; the first frame is ``colours[0]``."""
    frames = [solid((8, 8), c) for c in colours]
    return save(frames[0], path, save_all=True, append_images=frames[1:], duration=100, loop=0)


# ---- every colour mode -------------------------------------------------------------------------
# Each sample is a two-column image: (mode image, suffix to save as, expected RGB of the left
# column, expected RGB of the right column). Transparent pixels are expected white; 16-bit and
# float values are expected scaled, not clipped.


def _two_columns(mode: str, left, right) -> Image.Image:
    img = Image.new(mode, (8, 4), left)
    img.paste(Image.new(mode, (4, 4), right), (4, 0))
    return img


def _palette(transparent: bool) -> Image.Image:
    img = Image.new("P", (8, 4), 0)
    img.putpalette([255, 0, 0, 0, 0, 255] + [0, 0, 0] * 254)
    img.paste(1, (4, 0, 8, 4))
    if transparent:
        img.info["transparency"] = 1
    return img


def mode_samples() -> dict[str, tuple[Image.Image, str, tuple[int, int, int], tuple[int, int, int]]]:
    """One test image per Pillow mode, with the file type that stores it and the RGB expected."""
    return {
        "1": (_two_columns("1", 0, 1), ".png", (0, 0, 0), WHITE),
        "L": (_two_columns("L", 50, 200), ".png", (50, 50, 50), (200, 200, 200)),
        "LA": (_two_columns("LA", (50, 255), (0, 0)), ".png", (50, 50, 50), WHITE),
        "P": (_palette(False), ".png", (255, 0, 0), (0, 0, 255)),
        "P-transparency": (_palette(True), ".png", (255, 0, 0), WHITE),
        "RGBA": (_two_columns("RGBA", (255, 0, 0, 255), (0, 0, 255, 0)), ".png", (255, 0, 0), WHITE),
        "CMYK": (_two_columns("CMYK", (0, 255, 255, 0), (0, 0, 0, 255)), ".tif", (255, 0, 0), (0, 0, 0)),
        # 1000 and 50000 of 65535: clipping would make both white.
        "I;16": (_two_columns("I;16", 1000, 50000), ".png", (4, 4, 4), (195, 195, 195)),
        "I": (_two_columns("I", 1000, 50000), ".tif", (4, 4, 4), (195, 195, 195)),
        "F": (_two_columns("F", 0.25, 0.75), ".tif", (64, 64, 64), (191, 191, 191)),
    }


def column_colours(img: Image.Image) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The RGB at the middle of the left and right halves of an image."""
    w, h = img.size
    return img.getpixel((w // 4, h // 2)), img.getpixel((3 * w // 4, h // 2))  # type: ignore[return-value]


# ---- bad files ---------------------------------------------------------------------------------


def write_bytes(path: Path | str, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_zero_byte(path: Path | str) -> Path:
    """An empty file with an image suffix."""
    return write_bytes(path, b"")


def write_text_as_image(path: Path | str) -> Path:
    """A text file wearing an image suffix."""
    return write_bytes(path, b"this is not a picture, just some text\n" * 3)


def write_truncated(path: Path | str, keep: float = 0.6, size: tuple[int, int] = (64, 48)) -> Path:
    """A JPEG/PNG/... (by suffix) cut short, keeping ``keep`` of its bytes (its end marker lost)."""
    path = Path(path)
    noisy = Image.fromarray(np.random.default_rng(0).integers(0, 255, (size[1], size[0], 3), np.uint8))
    save(noisy, path)
    data = path.read_bytes()
    return write_bytes(path, data[: int(len(data) * keep)])


def write_png_without_iend(path: Path | str) -> Path:
    """A PNG whose pixel data is complete but whose closing IEND chunk is missing."""
    path = save(solid((16, 16)), path, format="PNG")
    data = path.read_bytes()
    assert data.endswith(b"IEND\xaeB`\x82")
    return write_bytes(path, data[:-12])


def write_with_trailer(path: Path | str, trailer: bytes = b"MOTION-PHOTO" * 100) -> Path:
    """A valid image with extra bytes after its end (what phones append for motion photos)."""
    path = write_image(path, 7, (16, 16))
    return write_bytes(path, path.read_bytes() + trailer)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` but holds almost no data: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def write_bomb(path: Path | str, width: int = 60_000, height: int = 60_000) -> Path:
    """A tiny .png declaring a huge size (3,600 megapixels by default)."""
    return write_bytes(path, png_header_only(width, height))


def write_fake_heic(path: Path | str) -> Path:
    """A file with a HEIC suffix and an ISO-BMFF-looking header (the app does not read HEIC)."""
    return write_bytes(path, b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)


# ---- folders -----------------------------------------------------------------------------------


def write_class_tree(
    root: Path | str,
    counts: Mapping[str, int],
    suffix: str = ".png",
    start_index: int = 0,
    size: tuple[int, int] = (8, 6),
) -> dict[str, list[Path]]:
    """``root/<class>/<class>_<i><suffix>`` with unique content per file; returns the paths per class."""
    root = Path(root)
    index = start_index
    paths: dict[str, list[Path]] = {}
    for label, n in counts.items():
        paths[label] = []
        for i in range(n):
            paths[label].append(write_image(root / label / f"{label}_{i}{suffix}", index, size))
            index += 1
    return paths
