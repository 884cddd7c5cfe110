"""Decoding any photo a user drops in to correct RGB, and the cheap check the folder scan runs.

Two entry points with different costs:

* ``inspect_image`` reads the file's bytes once, hashes them and parses only the header (plain
  PNG and JPEG files without even opening them in Pillow). Truncation is found from the format's
  end marker (JPEG EOI, PNG IEND chunk, GIF trailer, RIFF/BMP declared size); only when that test
  fails or the format has none (TIFF) is the file decoded to decide. So a folder of 100,000
  photos is scanned without decoding 100,000 photos.
* ``load_rgb`` decodes for real: EXIF orientation, first frame, every Pillow mode to RGB, and
  JPEG draft mode (decode at 1/2, 1/4 or 1/8 scale) when the caller only needs a small image.

Both read the file through ``reading_photo``: regular files only (a FIFO named ``pipe.jpg`` would block
for ever, a link to ``/dev/zero`` never ends) and at most ``MAX_PHOTO_BYTES``, decided before the
first byte is read; the pixel count (the bomb guard: at most ``MAX_IMAGE_PIXELS`` decoded, up to
``MAX_JPEG_PIXELS`` declared by a JPEG decoded at reduced scale) and a JPEG's number of scans (a file
of a few hundred KB can otherwise take minutes) are checked before any decode. A file's bytes are counted
against one memory budget while they are held (``decode_memory.PHOTO_BYTES``), and every decode first
reserves the memory it will take (``decode_peak_bytes``) from another (``decode_memory.DECODE_MEMORY``),
both shared by all threads, so a folder of giant photos is read and decoded a few at a time.

Every failure becomes ``ImageDecodeError(path, reason)`` with a reason of a few words for the user.

Pillow is imported by the functions that open an image, not with this module: the window's first
paint scans the demo photos through the plain path and needs none of it.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from tlgui.core.data.decode_memory import DECODE_MEMORY, PHOTO_BYTES
from tlgui.core.errors import ImageDecodeError
from tlgui.core.files.limits import FileLimitError, describe_file_kind, open_regular
from tlgui.core.i18n import _

try:
    # hashlib's own blake2b: importing hashlib loads OpenSSL too (~2 ms), before the window's first
    # paint, whose demo scan hashes every photo.
    from _blake2 import blake2b
except ImportError:  # a Python built without its bundled blake2
    from hashlib import blake2b

if TYPE_CHECKING:
    import numpy as np  # imported where used: the window opens without it
    from PIL import Image

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
)

# Suffixes of real image formats the app does not read. A folder scan lists such files as skipped
# ("unsupported format (HEIC)") instead of ignoring them, so an iPhone export of HEIC photos does
# not silently shrink a class. Anything else that is not in SUPPORTED_SUFFIXES (.txt, .DS_Store,
# Thumbs.db, .json...) is ignored silently by the scan.
UNSUPPORTED_IMAGE_SUFFIXES: frozenset[str] = frozenset(
    {
        ".heic", ".heif", ".avif", ".jxl", ".jp2", ".j2k", ".svg", ".psd", ".ico", ".tga",
        ".raw", ".dng", ".cr2", ".cr3", ".nef", ".arw", ".orf", ".rw2", ".raf", ".pef", ".srw",
    }
)  # fmt: skip

# The most pixels a photo is decoded to and held in memory: about 89 megapixels (Pillow's default,
# above which it warns; it refuses at twice that), far smaller than what a forged header can declare.
MAX_IMAGE_PIXELS: int = 89_478_485

# The most pixels the header of a JPEG decoded in one pass (baseline, what cameras write) may declare.
# Such a JPEG much larger than the caller needs is decoded at 1/2, 1/4 or 1/8 scale (draft mode),
# a row of blocks at a time, so what is decoded and held is its reduced size, which must still be
# within MAX_IMAGE_PIXELS: a 108-megapixel phone photo (12000x9000) is decoded to 1.7 megapixels for
# the network, in 7 MB. 16384x16384 is above every camera's JPEG (200-megapixel phones write
# 16320x12240, high-resolution modes 187 megapixels) and still shrinks to 4.2 megapixels at 1/8,
# where the format's own bound, 65535x65535, would leave 67 megapixels to decode and resize from a
# forged header of a few hundred bytes. A progressive JPEG keeps all its coefficients at full size
# whatever the scale (6 bytes a pixel in 4:4:4: 1.6 GB at 16384x16384), so its header is held to
# MAX_IMAGE_PIXELS, as every other format's is.
MAX_JPEG_PIXELS: int = 16384 * 16384

# The largest file read as a photo. An uncompressed 8-bit RGBA TIFF at the pixel limit above is
# 358 MB; no camera writes more, and a bigger "photo" is a mistake or an attack, not training data.
MAX_PHOTO_BYTES: int = 512 * 1024 * 1024

# The most scans a JPEG may have before it is decoded. A progressive JPEG's decoder goes over every
# block of the image once per scan, and the standard lets a scan cost a few bytes (one end-of-band
# run for all its blocks): a 125 KB file of 2,000 scans over 4000x4000 pixels took 21 s to decode
# here, one of 683 KB with 20,000 scans 189 s, in a call nothing can interrupt (libjpeg-turbo's
# "LJT-01-003"). Encoders write 1 scan (baseline) or about 10 (libjpeg's and mozjpeg's progressive
# scripts); a camera's MPO holds a few such images. libtiff's JPEG codec stops at the same 100 by
# default (so a TIFF holding such a JPEG is refused there, as "damaged image").
MAX_JPEG_SCANS: int = 100

# Formats the content (not the suffix) may have, most common first (Pillow tries them in order).
# The JPEG opener also returns MPO, what cameras write for a JPEG with a preview image inside.
_ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")
# What Pillow names a JPEG file: plain, or a camera's multi-picture one.
_JPEG_FORMATS = ("JPEG", "MPO")

# How files of the accepted formats begin (WebP, "RIFF....WEBP", is tested apart).
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_SUPPORTED_SIGNATURES = (
    _JPEG_SIGNATURE,
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
)
_EXIF_ORIENTATION = 0x0112
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_JPEG_EOI = b"\xff\xd9"


@dataclass(frozen=True)
class ImageInfo:
    """What the scan learns about one file without decoding its pixels.

    ``width`` and ``height`` are as displayed, i.e. after EXIF orientation.
    """

    path: Path
    digest: str
    size_bytes: int
    width: int
    height: int
    format: str


def content_digest(data: bytes) -> str:
    """Hex blake2b-128 of a file's bytes: the image's identity for duplicates and the feature cache."""
    return blake2b(data, digest_size=16).hexdigest()


# ---- reading files ---------------------------------------------------------------------------


class PhotoFile(NamedTuple):
    """One photo file as ``reading_photo`` read it: its bytes, and its ``os.stat`` when it was opened
    and once the bytes were read (the same size and times: it did not change meanwhile)."""

    data: bytes
    opened: os.stat_result
    read: os.stat_result


@contextmanager
def reading_photo(path: Path) -> Iterator[PhotoFile]:
    """The bytes of one photo file, for the ``with`` block; ImageDecodeError with a short reason.

    Only a regular file (or a link to one) of at most ``MAX_PHOTO_BYTES`` is read, and it is opened
    without blocking, so a pipe, a device or a file swapped for one never hangs the caller. Its size
    is reserved from ``PHOTO_BYTES`` before the first byte is read and until the block ends: raw
    bytes are held while they are decoded, and a folder of 500 MB "photos" (junk after a small
    image) read by every decoding thread at once would otherwise take gigabytes.
    """
    with ExitStack() as stack:
        try:
            handle = stack.enter_context(open_regular(path, MAX_PHOTO_BYTES, what="photo"))
            opened = os.fstat(handle.fileno())
        except FileLimitError as exc:
            raise ImageDecodeError(path, _refusal_reason(path, exc)) from exc
        except OSError as exc:
            raise ImageDecodeError(path, os_error_reason(exc)) from exc
        except ValueError as exc:  # a NUL in the name (a damaged project file): no such file can exist
            raise ImageDecodeError(path, _("invalid file name")) from exc
        stack.enter_context(PHOTO_BYTES.reserve(opened.st_size))
        try:
            # Asking for exactly what is there: read(n) allocates n bytes up front, and the cap is
            # far larger than a photo (four times slower at 100,000 small files).
            data = handle.read(opened.st_size + 1)
            read = os.fstat(handle.fileno())
        except OSError as exc:
            raise ImageDecodeError(path, os_error_reason(exc)) from exc
        handle.close()  # not held open while the caller decodes
        if len(data) != opened.st_size:
            raise ImageDecodeError(path, _("file changed while it was read"))
        yield PhotoFile(data, opened, read)


def _refusal_reason(path: Path, exc: FileLimitError) -> str:
    """Why ``open_regular`` refused, in a few words (its own message is a whole sentence)."""
    # The OSError behind it, when it was raised while handling one ("from None" keeps it as context).
    cause = exc.__cause__ or (exc.__context__ if exc.__suppress_context__ else None)
    if isinstance(cause, OSError):
        return os_error_reason(cause)
    try:
        info = os.stat(path)
    except OSError as error:
        return os_error_reason(error)
    if not stat.S_ISREG(info.st_mode):
        return not_a_file_reason(info.st_mode)
    if info.st_size > MAX_PHOTO_BYTES:
        return _("file too large ({megabytes} MB)").format(megabytes=f"{info.st_size / 1_000_000:,.0f}")
    return _("file changed while it was read")


def not_a_file_reason(mode: int) -> str:
    """A few words for the user about a path that is a folder, pipe, device or socket."""
    if stat.S_ISDIR(mode):
        return _("a folder, not a file")
    return describe_file_kind(mode)


def os_error_reason(exc: OSError) -> str:
    """A few words for the user about why a path could not be read."""
    if isinstance(exc, FileNotFoundError):
        return _("file not found (moved or deleted?)")
    if isinstance(exc, PermissionError):
        return _("permission denied")
    if isinstance(exc, IsADirectoryError):
        return _("a folder, not a file")
    return _("cannot read file ({reason})").format(reason=exc.strerror or exc.__class__.__name__)


def _too_large_reason(pixels: int, limit: int) -> str:
    # Whole pixel counts: "89 megapixels" alone read as if 89 were not allowed, and a photo just
    # over the limit rounds to the limit's own number of megapixels.
    return _("image too large ({pixels:,} pixels; at most {limit:,})").format(pixels=pixels, limit=limit)


def _check_declared_size(path: Path, fmt: str | None, size: tuple[int, int], data: bytes) -> None:
    """Refuses a header that declares too many pixels, before anything is decoded: ``MAX_JPEG_PIXELS``
    for a JPEG decoded in one pass, which may be decoded smaller (its decoded size is checked once the
    scale is chosen); ``MAX_IMAGE_PIXELS`` for every other file, which holds its full size."""
    limit = MAX_IMAGE_PIXELS
    if size[0] * size[1] > limit and fmt in _JPEG_FORMATS and _decodes_in_one_pass(_jpeg_frame(data)):
        limit = MAX_JPEG_PIXELS
    _check_pixel_count(path, size, limit)


def _check_pixel_count(path: Path, size: tuple[int, int], limit: int | None = None) -> None:
    limit = MAX_IMAGE_PIXELS if limit is None else limit  # read now: tests lower it
    pixels = size[0] * size[1]
    if pixels > limit:
        raise ImageDecodeError(path, _too_large_reason(pixels, limit))


def _check_jpeg_scans(path: Path, fmt: str | None, data: bytes) -> None:
    """Refuses a JPEG with more than ``MAX_JPEG_SCANS`` scans, before any of them is decoded."""
    if fmt not in _JPEG_FORMATS or _jpeg_is_huffman_sequential(data):
        return  # a sequential file's decoding time is bounded by its size: not worth a pass over it
    scans = _jpeg_scan_count(data, stop_above=MAX_JPEG_SCANS)
    if scans > MAX_JPEG_SCANS:
        raise ImageDecodeError(path, _(
            "too many JPEG scans (over {limit}; a photo has about 10), refused: it could take minutes to decode"
        ).format(limit=MAX_JPEG_SCANS))


# A marker where entropy-coded data may lie: 0xFF followed by anything but a stuffed zero, a restart
# marker or another 0xFF (a fill byte before the marker itself).
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _jpeg_scan_count(data: bytes, stop_above: int) -> int:
    """The scans of a JPEG's first image, as its decoder meets them: marker segments are stepped
    over by their length (a thumbnail or profile inside them is not counted), the scans' data is
    searched for the next marker at C speed, and counting ends at the image's end marker (a motion
    photo's video after it is not counted) or once past ``stop_above``."""
    scans = 0
    pos = 2  # after SOI
    while (found := _JPEG_MARKER.search(data, pos)) is not None:
        marker = data[found.start() + 1]
        pos = found.start() + 2
        if marker == 0xD9:  # end of image
            break
        if marker == 0x01 or marker == 0xD8:  # markers without a length
            continue
        if marker == 0xDA:
            scans += 1
            if scans > stop_above:
                break
        if pos + 2 > len(data):
            break
        (length,) = struct.unpack_from(">H", data, pos)
        pos += length  # over the segment; after an SOS header, its entropy-coded data follows
    return scans


def _decode_error(path: Path, exc: Exception) -> ImageDecodeError:
    """Translates whatever Pillow raised while opening or decoding into a short reason."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(exc, Image.DecompressionBombError):
        # Pillow refuses at twice its limit before we ever see the size; its message holds the count.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        reason = _too_large_reason(int(found.group(1)), MAX_IMAGE_PIXELS) if found else _("image too large")
        return ImageDecodeError(path, reason)
    if isinstance(exc, UnidentifiedImageError):
        return ImageDecodeError(path, _("not an image"))
    if isinstance(exc, OSError) and "truncated" in str(exc):
        return ImageDecodeError(path, _("truncated file"))
    if isinstance(exc, OSError) and exc.errno is not None:
        return ImageDecodeError(path, os_error_reason(exc))
    return ImageDecodeError(path, _("damaged image ({detail})").format(detail=_short(exc)))


def _short(exc: Exception) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text if len(text) <= 60 else text[:57] + "..."


def _open_bytes(path: Path, data: bytes) -> Image.Image:
    """Opens (header only) an in-memory file, refusing formats outside the supported set."""
    from PIL import Image

    _quiet_pillow_warnings()
    try:
        return Image.open(io.BytesIO(data), formats=_ACCEPTED_FORMATS)
    except Image.DecompressionBombError as exc:
        if data.startswith(_JPEG_SIGNATURE):
            return _open_jpeg_past_pillows_limit(path, data)
        raise _open_failure(path, exc, data) from exc
    except Exception as exc:  # Pillow raises many types for damaged headers
        raise _open_failure(path, exc, data) from exc


def _open_jpeg_past_pillows_limit(path: Path, data: bytes) -> Image.Image:
    """A JPEG that ``Image.open`` refused for declaring over twice Pillow's pixel limit, opened by
    Pillow's own JPEG opener without that check. The caller's ``_check_declared_size`` holds it to
    ``MAX_JPEG_PIXELS``, and its decoded size to ``MAX_IMAGE_PIXELS``. Raising Pillow's limit instead
    would lift it for every other image the process opens, on every thread."""
    from PIL import JpegImagePlugin

    try:
        return JpegImagePlugin.jpeg_factory(io.BytesIO(data))
    except Exception as exc:
        raise _open_failure(path, exc, data) from exc


def _quiet_pillow_warnings() -> None:
    """Pillow's warnings about a photo tlgui handles anyway, which went only to the terminal, into a
    progress bar's line, as two lines of Python's internals:

    * photos over MAX_IMAGE_PIXELS are refused here with a reason the user reads; Pillow's warning
      about photos just over the same size said nothing more;
    * damaged EXIF (an IFD that declares 65,535 entries, a tag pointing past the end): Pillow's
      TIFF tag reader, which parses EXIF, skips what it cannot read and says so with a UserWarning;
      the photo decodes, only its rotation is lost (``_orientation``, ``_apply_orientation``).

    Filters of the process, not ``warnings.catch_warnings()`` around the EXIF reads: that swaps the
    process's filter list on entry and back on exit, so with photos decoded on several threads one
    thread's exit would restore another's list mid-read (Python's documentation says it is not
    thread-safe). A filter in the list is only read. The second one is narrow: UserWarning from
    the module that parses TIFF tags only. Asked for at every opening, so that whoever resets the
    warning filters meanwhile (a test harness) or puts others in front does not bring the warnings
    back; the list is changed only then, not under every reading thread at every photo."""
    from PIL import Image

    wanted = [_ignoring(UserWarning, r"PIL\.TiffImagePlugin\Z"), _ignoring(Image.DecompressionBombWarning)]
    if warnings.filters[: len(wanted)] != wanted:
        for _action, _message, category, module, _lineno in reversed(wanted):  # each one to the front
            warnings.filterwarnings("ignore", category=category, module=module.pattern if module else "")


def _ignoring(category: type[Warning], module: str = "") -> tuple:
    # The filter as warnings.filterwarnings writes it: (action, message, category, module, lineno).
    return ("ignore", None, category, re.compile(module) if module else None, 0)


def _open_failure(path: Path, exc: Exception, data: bytes) -> ImageDecodeError:
    from PIL import UnidentifiedImageError

    if isinstance(exc, UnidentifiedImageError):
        return _unsupported_or_not_image(path, data)
    if _riff_is_short(data):
        # Pillow's WebP opener decodes at once and fails with libwebp's obscure message.
        return ImageDecodeError(path, _("truncated file"))
    return _decode_error(path, exc)


def _riff_is_short(data: bytes) -> bool:
    """True for a WebP whose RIFF header declares more bytes than the file holds."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return False
    (riff_size,) = struct.unpack_from("<I", data, 4)
    return len(data) < riff_size + 8


def _unsupported_or_not_image(path: Path, data: bytes) -> ImageDecodeError:
    if not data:
        return ImageDecodeError(path, _("empty file (0 bytes)"))
    if data.startswith(_SUPPORTED_SIGNATURES) or (data.startswith(b"RIFF") and data[8:12] == b"WEBP"):
        return ImageDecodeError(path, _("damaged image"))  # it starts like one of ours, Pillow refused it
    # Only on the failure path: is it an image Pillow knows but we do not accept (e.g. PPM, ICO)?
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as other:
            return ImageDecodeError(path, _("unsupported format ({format})").format(format=other.format))
    except Exception:
        return ImageDecodeError(path, _("not an image"))


# ---- inspection --------------------------------------------------------------------------------


def inspect_image(path: Path | str) -> ImageInfo:
    """Reads, hashes and checks one file without decoding its pixels (unless its end is in doubt).

    Raises ImageDecodeError for a zero-byte file, a file that is not an image or is of an
    unsupported format, a truncated file, a decompression bomb, or a path that cannot be read.
    """
    path = Path(path)
    _refuse_unsupported_suffix(path)
    with reading_photo(path) as photo:
        return _inspect_bytes(path, photo.data)


def _inspect_bytes(path: Path, data: bytes) -> ImageInfo:
    if not data:
        raise ImageDecodeError(path, _("empty file (0 bytes)"))
    plain = _plain_header(data)
    if plain is not None:
        fmt, width, height = plain
        _check_declared_size(path, fmt, (width, height), data)
        _check_jpeg_scans(path, fmt, data)
        return ImageInfo(path, content_digest(data), len(data), width, height, fmt)
    return _inspect_with_pillow(path, data)


def _inspect_with_pillow(path: Path, data: bytes) -> ImageInfo:
    """The general path: every format, every oddity, and every failure's reason."""
    with _open_bytes(path, data) as im:
        _check_declared_size(path, im.format, im.size, data)
        _check_jpeg_scans(path, im.format, data)
        width, height = _displayed_size(im)  # before the check, whose draft decode shrinks im.size
        fmt = im.format or "?"
        _check_complete(path, im, data)
    return ImageInfo(path, content_digest(data), len(data), width, height, fmt)


# ---- the common case without Pillow ----------------------------------------------------------
# Opening with Pillow costs most of a tiny file's scan time, so the two formats nearly every photo
# set uses are recognised here when they are plainly well formed: structure intact, end marker
# present, no EXIF (which may rotate the displayed size). Anything else returns None and goes the
# general way, which is also the only place a failure is diagnosed.

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # not DHT, JPG, DAC


def _plain_header(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) of a plainly complete PNG or JPEG without EXIF; else None."""
    try:
        if data.startswith(_PNG_SIGNATURE):
            return _plain_png(data)
        if data.startswith(_JPEG_SIGNATURE):
            return _plain_jpeg(data)
    except (struct.error, IndexError):
        return None
    return None


def _plain_png(data: bytes) -> tuple[str, int, int] | None:
    if _PNG_IEND not in data[-4096:]:
        return None
    pos = 8
    width = height = 0
    while True:  # the chunks before the pixel data, as Pillow's opener reads them
        length, kind = struct.unpack_from(">I4s", data, pos)
        body_end = pos + 8 + length
        (crc,) = struct.unpack_from(">I", data, body_end)
        if zlib.crc32(data[pos + 4 : body_end]) != crc:
            return None
        if pos == 8:
            if kind != b"IHDR" or length != 13:
                return None
            width, height = struct.unpack_from(">II", data, 16)
        elif kind == b"eXIf" or (kind == b"iTXt" and data.startswith(b"XML:com.adobe.xmp", pos + 8)):
            return None  # EXIF or XMP may carry an orientation
        elif kind == b"IDAT":
            return ("PNG", width, height) if width and height else None
        pos = body_end + 4


def _plain_jpeg(data: bytes) -> tuple[str, int, int] | None:
    if not data.rstrip(b"\x00").endswith(_JPEG_EOI):
        return None
    size: tuple[int, int] | None = None
    for marker, pos in _jpeg_header_segments(data):
        if marker == 0xDA:  # start of scan: the headers are over
            return ("JPEG", size[1], size[0]) if size and size[0] and size[1] else None
        if marker == 0xE1 or (marker == 0xE2 and data.startswith(b"MPF", pos + 4)):
            return None  # EXIF or XMP (orientation), or a multi-picture file: Pillow's business
        if marker in _JPEG_SOF:
            size = struct.unpack_from(">HH", data, pos + 5)  # height, width
    return None


def _jpeg_header_segments(data: bytes) -> Iterator[tuple[int, int]]:
    """(marker, position) of each marker segment before a JPEG's first scan, ending with that scan's
    SOS marker; stops at anything malformed. A file cut short may raise IndexError or struct.error."""
    pos = 2
    while True:
        if data[pos] != 0xFF:
            return
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            pos += 2
            continue
        yield marker, pos
        if marker == 0xDA:
            return
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if length < 2:
            return
        pos += 2 + length


def _jpeg_is_huffman_sequential(data: bytes) -> bool:
    """True when the frame header says baseline or extended sequential with Huffman coding (SOF0,
    SOF1: nearly every camera photo). Each scan of such a file codes every block of its components
    in at least a bit or two, so its decoding time grows with its size; progressive and arithmetic
    coding let a scan cost a few bytes whatever the image size."""
    frame = _jpeg_frame(data)
    return frame is not None and frame.marker in (0xC0, 0xC1)


class _JpegFrame(NamedTuple):
    """What a JPEG's frame header and first scan header say, as far as the header walk got."""

    marker: int  # the SOF marker: the coding process
    width: int
    height: int
    factors: list[tuple[int, int]]  # each component's (horizontal, vertical) sampling factors
    first_scan_components: int | None = None  # None when the walk did not reach the first scan


def _jpeg_frame(data: bytes) -> _JpegFrame | None:
    """The frame of a JPEG's first image, or None when its header cannot be read that far."""
    frame = None
    try:
        for marker, pos in _jpeg_header_segments(data):
            if marker in _JPEG_SOF:
                height, width, count = struct.unpack_from(">HHB", data, pos + 5)
                factors = [(data[pos + 11 + 3 * i] >> 4, data[pos + 11 + 3 * i] & 0x0F) for i in range(count)]
                frame = _JpegFrame(marker, width, height, factors)
            elif marker == 0xDA and frame is not None:
                return frame._replace(first_scan_components=data[pos + 4])
    except (IndexError, struct.error):
        pass
    return frame


def _refuse_unsupported_suffix(path: Path) -> None:
    # A HEIC photo is a photo the user expects to see used; "unsupported format" says why it is not.
    suffix = path.suffix.lower()
    if suffix in UNSUPPORTED_IMAGE_SUFFIXES:
        raise ImageDecodeError(path, _("unsupported format ({format})").format(format=suffix[1:].upper()))


def _check_complete(path: Path, im: Image.Image, data: bytes) -> None:
    """Raises "truncated file" when the file stops early; decodes only when the end is in doubt."""
    if im.format == "PNG":
        # Pillow decodes a PNG without its IEND chunk happily, so the marker is the test. The
        # chunk is looked for in the tail first; bytes after IEND send the search further back.
        if _PNG_IEND not in data[-4096:] and _PNG_IEND not in data:
            raise ImageDecodeError(path, _("truncated file"))
        return
    if im.format == "WEBP":
        # Pillow's opener had libwebp check the chunks (a missing or cut one fails there, a damaged
        # image), and the RIFF size is the end marker. Damaged compressed data inside a chunk is
        # found only by decoding it: for WebP as for JPEG and PNG, that is left to the first real
        # decode ("damaged image data"), as a full decode costs 100 times the scan (420 ms for a
        # 16-megapixel lossy WebP against 3 ms to hash it) and 17 bytes a pixel.
        if _riff_is_short(data):
            raise ImageDecodeError(path, _("truncated file"))
        return
    if _looks_complete(im.format or "", data):
        return
    if im.format in _JPEG_FORMATS:
        # Decoding at 1/8 scale still reads every byte of the image data, so it finds a missing
        # end as surely as a full decode, several times faster.
        im.draft(None, (1, 1))
    with DECODE_MEMORY.reserve(decode_peak_bytes(im, data, to_rgb=False)):
        try:
            im.load()
        except Exception as exc:
            raise _decode_error(path, exc) from exc


def _looks_complete(fmt: str, data: bytes) -> bool:
    """Cheap end-of-file test per format; False means "decode to be sure"."""
    if fmt in _JPEG_FORMATS:
        # Cameras pad with zeros after EOI; other trailers (motion photos) fall back to a decode.
        return data.rstrip(b"\x00").endswith(_JPEG_EOI)
    if fmt == "GIF":
        return data.rstrip(b"\x00").endswith(b";")
    if fmt == "BMP":
        (file_size,) = struct.unpack_from("<I", data, 2)
        return 0 < file_size <= len(data)
    return False  # TIFF has no end marker: its strips may lie anywhere in the file


def _displayed_size(im: Image.Image) -> tuple[int, int]:
    width, height = im.size
    if _orientation(im) in (5, 6, 7, 8):  # the rotations by 90 or 270 degrees
        return height, width
    return width, height


def _orientation(im: Image.Image) -> int:
    # getexif() costs a parse; only images that carry EXIF or XMP (Pillow reads an orientation
    # from either) pay for it.
    if im.format != "TIFF" and not any(key in im.info for key in ("exif", "xmp", "XML:com.adobe.xmp")):
        return 1
    try:
        value = im.getexif().get(_EXIF_ORIENTATION, 1)
        return int(value) if value else 1
    except Exception:  # corrupt EXIF must not cost the photo; it is shown unrotated
        return 1


# ---- memory a decode takes ---------------------------------------------------------------------

# Progressive JPEG frames (SOF2, SOF6, SOF10, SOF14): libjpeg keeps every coefficient until the last scan.
_JPEG_PROGRESSIVE_SOF = frozenset({0xC2, 0xC6, 0xCA, 0xCE})


# Bytes a pixel a WebP's decoder takes beside Pillow's image. Pillow (13) decodes every WebP, still
# or not, through libwebp's animation decoder: its canvas, its copy of the previous frame and the
# frame's bytes handed to Pillow, 4 bytes a pixel each, and it holds a copy of the file. Peaks
# measured beyond Pillow's image and that copy, lossless and lossy, RGB and RGBA, 1 to 88
# megapixels: 12.0-12.2 bytes a pixel (1.51 GB in all for an 88-megapixel lossless RGB of 79 MB).
_WEBP_DECODER_PIXEL_BYTES = 13


def decode_peak_bytes(im: Image.Image, data: bytes, *, to_rgb: bool) -> int:
    """About the most memory decoding the opened ``im`` takes (at the draft scale already chosen),
    and with ``to_rgb`` making it RGB as ``load_rgb`` does: what a decode reserves from
    ``DECODE_MEMORY``. Over-estimates rather than under: it only decides who waits."""
    width, height = im.size
    pixels = width * height
    stored = _stored_pixel_bytes(im.mode)
    peak = pixels * stored
    if im.format == "WEBP":
        peak += pixels * _WEBP_DECODER_PIXEL_BYTES + len(data)  # libwebp's buffers and its copy of the file
    if to_rgb:
        if _orientation(im) != 1:
            peak += pixels * stored  # the rotated copy
        peak += pixels * _conversion_bytes(im)
    if im.format in _JPEG_FORMATS:
        peak += _jpeg_coefficient_bytes(data)
    return peak


def _stored_pixel_bytes(mode: str) -> int:
    # Pillow keeps 1- and 8-bit single-band images in a byte a pixel, 16-bit ones in two, and every
    # other mode (RGB included) in four.
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _conversion_bytes(im: Image.Image) -> int:
    """Bytes a pixel that ``to_rgb`` adds at its peak, beside the decoded image."""
    if im.mode == "RGB":
        return 0
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        return 6  # the grey bytes, Pillow's copy of them, the RGB result (the floats go a band at a time)
    if im.has_transparency_data:
        # The white RGB background and the alpha band, after an RGBA copy unless it is RGBA already.
        return 5 if im.mode == "RGBA" else 9
    return 4  # the RGB result


def _jpeg_coefficient_bytes(data: bytes) -> int:
    """What libjpeg holds of a whole JPEG's DCT coefficients (2 bytes each, 64 a block) when it must
    keep them all: a progressive file, or one whose first scan leaves out a component. 0 for a
    single-pass file, whose decoder needs a row of blocks at a time; the full size whatever the draft
    scale. 0 too for a header this walk cannot read: Pillow's opener has read it, or the decode fails
    at once."""
    frame = _jpeg_frame(data)
    if frame is None or frame.first_scan_components is None or _decodes_in_one_pass(frame):
        return 0
    return _coefficient_bytes(frame.width, frame.height, frame.factors)


def _decodes_in_one_pass(frame: _JpegFrame | None) -> bool:
    """True when libjpeg decodes this JPEG a row of blocks at a time: a sequential frame whose first
    scan holds every component. Not for a progressive one, one whose components come in separate
    scans (both keep every coefficient until the last scan), or a header the walk could not read."""
    return (
        frame is not None
        and frame.first_scan_components is not None
        and frame.marker not in _JPEG_PROGRESSIVE_SOF
        and frame.first_scan_components >= len(frame.factors)
    )


def _coefficient_bytes(width: int, height: int, factors: list[tuple[int, int]]) -> int:
    h_max = max((h for h, _v in factors), default=1) or 1
    v_max = max((v for _h, v in factors), default=1) or 1
    total = 0
    for h, v in factors:  # a component's blocks: its subsampled size in 8x8 blocks, rounded up
        columns = _ceil_div(_ceil_div(width * h, h_max), 8)
        rows = _ceil_div(_ceil_div(height * v, v_max), 8)
        total += columns * rows * 128
    return total


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# ---- decoding to RGB ---------------------------------------------------------------------------


def load_rgb(path: Path | str, *, min_size: int | None = None, data: bytes | None = None) -> Image.Image:
    """Decodes a file to an RGB image: EXIF orientation applied, first frame, transparency on white.

    ``min_size``: the caller needs at least this many pixels on the shorter side, so a JPEG may be
    decoded at 1/2, 1/4 or 1/8 scale (libjpeg's draft mode), which is several times faster.
    Raises ImageDecodeError(path, reason) for anything that cannot be decoded. Unlike
    ``inspect_image`` it accepts a PNG whose pixels are complete but whose IEND chunk is missing:
    decoding needs no more, and the scan has already kept such files out of the bins.
    ``data``: the file's bytes, already read by a caller that must know exactly what was decoded.
    """
    path = Path(path)
    _refuse_unsupported_suffix(path)
    # Decoding from bytes in memory leaves no file handle to close, so the image returned is
    # never one whose core a close() has destroyed (which multi-frame formats would need).
    if data is None:
        with reading_photo(path) as photo:
            return _decode_rgb(path, photo.data, min_size)
    return _decode_rgb(path, data, min_size)


def _decode_rgb(path: Path, data: bytes, min_size: int | None) -> Image.Image:
    if not data:
        raise ImageDecodeError(path, _("empty file (0 bytes)"))
    im = _open_bytes(path, data)
    _check_declared_size(path, im.format, im.size, data)
    _check_jpeg_scans(path, im.format, data)
    if min_size and im.format in _JPEG_FORMATS:
        im.draft(None, (min_size, min_size))
    _check_pixel_count(path, im.size)  # what is decoded: a JPEG's after draft
    with DECODE_MEMORY.reserve(decode_peak_bytes(im, data, to_rgb=True)):
        return _upright_rgb(path, im)


def opened_image_rgb(im: Image.Image) -> Image.Image:
    """An image a caller opened (or made), as ``load_rgb`` gives a file's: its pixels read, EXIF
    orientation applied, RGB. ImageDecodeError with the same reasons (a truncated file, a mode
    that has no RGB form)."""
    return _upright_rgb(Path(getattr(im, "filename", "") or "image"), im)


def _upright_rgb(path: Path, im: Image.Image) -> Image.Image:
    try:
        im.load()
    except Exception as exc:
        raise _load_failure(path, im, exc) from exc
    # The orientation comes from the EXIF kept in im.info, so it still applies after draft.
    oriented = _apply_orientation(im) if _orientation(im) != 1 else im
    try:
        return to_rgb(oriented)
    except ValueError as exc:
        raise ImageDecodeError(path, _("unsupported colour mode {mode}").format(mode=im.mode)) from exc


def _load_failure(path: Path, im: Image.Image, exc: Exception) -> ImageDecodeError:
    """Why decoding an opened image failed, in a few words."""
    if im.format == "WEBP" and isinstance(exc, (OSError, EOFError)) and getattr(exc, "errno", None) is None:
        # The opener has already checked the chunks and their sizes, so libwebp refused the
        # compressed pixels themselves; its own words ("failed to read next frame") speak of
        # animation frames, even for a still photo.
        return ImageDecodeError(path, _("damaged image data"))
    return _decode_error(path, exc)


def _apply_orientation(im: Image.Image) -> Image.Image:
    from PIL import ImageOps

    try:
        return ImageOps.exif_transpose(im)
    except Exception:  # corrupt EXIF: keep the pixels, lose only the rotation
        return im


def to_rgb(im: Image.Image) -> Image.Image:
    """Converts an image of any Pillow mode to RGB.

    Raises ValueError for a mode Pillow cannot convert. Transparent pixels are composited on
    white. 16-bit, 32-bit integer and float images are
    scaled to 0..255 (not clipped): I;16 by its full range; I as 8-bit if its values fit in
    0..255, as 16-bit if they fit in 0..65535, else stretched from min to max; F as 0..1 if its
    values fit there, as 0..255 if they fit there, else stretched.
    """
    if im.mode == "RGB":
        return im
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        return _high_depth_to_rgb(im)
    if im.has_transparency_data:
        return _composite_on_white(im if im.mode == "RGBA" else im.convert("RGBA"))
    return im.convert("RGB")


def _composite_on_white(rgba: Image.Image) -> Image.Image:
    from PIL import Image

    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


# Pixels of a high-depth image made grey at a time: the float64 arithmetic's temporaries stay at a
# few MB each, where converting an 89-megapixel image in one go took 2.9 GB.
_GREY_BAND_PIXELS = 1 << 20


def _high_depth_to_rgb(im: Image.Image) -> Image.Image:
    import numpy as np
    from PIL import Image

    if im.mode.startswith("I;16"):
        scale = _divide(257.0)
    else:
        low, high = _value_range(im)
        scale = _integer_scale(low, high) if im.mode == "I" else _float_scale(low, high)
    grey = np.empty((im.height, im.width), np.uint8)
    for top, band in _bands(im):
        grey[top:top + band.shape[0]] = np.clip(np.rint(scale(band)), 0, 255)
    return Image.fromarray(grey).convert("RGB")


def _bands(im: Image.Image) -> Iterator[tuple[int, np.ndarray]]:
    """(first row, float64 values) of successive bands of rows of a single-band image; a float
    image's NaN and infinities read as 0."""
    import numpy as np

    rows = max(1, _GREY_BAND_PIXELS // max(1, im.width))
    for top in range(0, im.height, rows):
        band = np.asarray(im.crop((0, top, im.width, min(im.height, top + rows)))).astype(np.float64)
        if im.mode == "F":
            band = np.nan_to_num(band, nan=0.0, posinf=0.0, neginf=0.0)
        yield top, band


def _value_range(im: Image.Image) -> tuple[float, float]:
    low, high = float("inf"), float("-inf")
    for _top, band in _bands(im):
        low, high = min(low, float(band.min())), max(high, float(band.max()))
    return low, high


def _integer_scale(low: float, high: float) -> Callable[[np.ndarray], np.ndarray]:
    """32-bit integers: as 8-bit if they fit in 0..255, as 16-bit if in 0..65535, else stretched."""
    if low >= 0 and high <= 255:
        return _divide(1.0)
    if low >= 0 and high <= 65535:
        return _divide(257.0)
    return _stretch(low, high)


def _float_scale(low: float, high: float) -> Callable[[np.ndarray], np.ndarray]:
    """Floats: as 0..1 if they fit there, as 0..255 if they fit there, else stretched."""
    if low >= 0 and high <= 1.0:
        return lambda values: values * 255.0
    if low >= 0 and high <= 255:
        return _divide(1.0)
    return _stretch(low, high)


def _divide(divisor: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda values: values / divisor


def _stretch(low: float, high: float) -> Callable[[np.ndarray], np.ndarray]:
    """From low..high to 0..255 (all 0 when every value is the same)."""
    if high == low:
        return lambda values: values * 0.0
    return lambda values: (values - low) * (255.0 / (high - low))


def image_suffix_kind(path: Path | str) -> str:
    """Sorts a file name: "supported", "unsupported" (an image format not read) or "other"."""
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix in SUPPORTED_SUFFIXES:
        return "supported"
    if suffix in UNSUPPORTED_IMAGE_SUFFIXES:
        return "unsupported"
    return "other"
