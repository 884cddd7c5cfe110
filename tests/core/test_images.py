"""Decoding photos to RGB and the scan's cheap check, on generated images of every kind."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from tlgui.core.data import images
from tlgui.core.data.images import content_digest, inspect_image, load_rgb, to_rgb
from tlgui.core.errors import ImageDecodeError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import imagegen  # noqa: E402
from special_files import (  # noqa: E402
    link_to_dev_zero,
    make_fifo,
    needs_dev_zero,
    needs_fifo,
    returns_without_blocking,
)

HYMENOPTERA = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "hymenoptera"


def _close(a, b, tol: int = 3) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def _reason(func, path) -> str:
    with pytest.raises(ImageDecodeError) as caught:
        func(path)
    assert caught.value.path == Path(path)
    return caught.value.reason


# ---- formats -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"])
def test_every_supported_format_decodes_and_inspects(tmp_path, suffix):
    path = imagegen.save(imagegen.solid((10, 6), (200, 30, 30)), tmp_path / f"a{suffix}")
    img = load_rgb(path)
    assert img.mode == "RGB" and img.size == (10, 6)
    assert _close(img.getpixel((5, 3)), (200, 30, 30), tol=6)  # GIF palettes and JPEG shift a little
    info = inspect_image(path)
    assert (info.width, info.height, info.size_bytes) == (10, 6, path.stat().st_size)
    assert info.digest == content_digest(path.read_bytes())


def test_suffix_set_matches_the_contract():
    assert images.SUPPORTED_SUFFIXES == {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def test_content_decides_not_the_suffix(tmp_path):
    png_named_jpg = imagegen.save(imagegen.solid((5, 5)), tmp_path / "really_a_png.jpg", format="PNG")
    assert inspect_image(png_named_jpg).format == "PNG"
    assert load_rgb(png_named_jpg).size == (5, 5)


def test_gif_gives_its_first_frame(tmp_path):
    path = imagegen.write_animated_gif(tmp_path / "anim.gif", ((255, 0, 0), (0, 0, 255)))
    with Image.open(path) as im:
        assert im.n_frames == 2
    assert _close(load_rgb(path).getpixel((4, 4)), (255, 0, 0))


def test_digest_is_blake2b_128_of_the_bytes():
    import hashlib

    assert content_digest(b"abc") == hashlib.blake2b(b"abc", digest_size=16).hexdigest()
    assert len(content_digest(b"")) == 32


# ---- the scan's Pillow-free path for plain PNG and JPEG ----------------------------------------------

_PLAIN_VARIANTS = {
    "baseline.jpg": ("RGB", {}),
    "progressive.jpg": ("RGB", {"progressive": True}),
    "optimized.jpg": ("RGB", {"optimize": True}),
    "grey.jpg": ("L", {}),
    "cmyk.jpg": ("CMYK", {}),
    "commented.jpg": ("RGB", {"comment": "hello"}),
    "rgb.png": ("RGB", {}),
    "rgba.png": ("RGBA", {}),
    "palette.png": ("P", {}),
    "grey16.png": ("I;16", {}),
    "interlaced.png": ("RGB", {"interlace": 1}),
    "icc.png": ("RGB", {"icc_profile": b"\x00" * 300}),
}


@pytest.mark.parametrize("name", list(_PLAIN_VARIANTS))
def test_plain_header_agrees_with_pillow(tmp_path, name):
    mode, params = _PLAIN_VARIANTS[name]
    path = imagegen.save(Image.new(mode, (37, 23)), tmp_path / name, **params)
    data = path.read_bytes()
    with Image.open(path) as im:
        expected = (im.format, *im.size)
    assert images._plain_header(data) == expected


def test_plain_header_leaves_exif_and_damage_to_pillow(tmp_path):
    oriented = imagegen.write_oriented_jpeg(tmp_path / "o.jpg", 6).read_bytes()
    assert images._plain_header(oriented) is None
    png_exif = imagegen.save(imagegen.solid((4, 4)), tmp_path / "e.png", exif=Image.Exif().tobytes())
    assert images._plain_header(png_exif.read_bytes()) is None
    good = imagegen.write_image(tmp_path / "g.png", 1).read_bytes()
    bad_crc = good[:29] + bytes([good[29] ^ 0xFF]) + good[30:]  # the IHDR checksum
    assert images._plain_header(good) is not None and images._plain_header(bad_crc) is None
    broken = imagegen.write_bytes(tmp_path / "broken.png", bad_crc)
    assert _reason(inspect_image, broken) == "damaged image"


# ---- colour modes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", list(imagegen.mode_samples()))
def test_every_mode_becomes_correct_rgb(tmp_path, mode):
    img, suffix, left, right = imagegen.mode_samples()[mode]
    path = imagegen.save(img, tmp_path / f"m{suffix}")
    out = load_rgb(path)
    assert out.mode == "RGB"
    got_left, got_right = imagegen.column_colours(out)
    assert _close(got_left, left) and _close(got_right, right), (got_left, got_right)


def test_cmyk_jpeg_converts(tmp_path):
    img, _suffix, left, right = imagegen.mode_samples()["CMYK"]
    out = load_rgb(imagegen.save(img, tmp_path / "cmyk.jpg"))
    got_left, got_right = imagegen.column_colours(out)
    assert _close(got_left, left, tol=12) and _close(got_right, right, tol=12)


def test_half_transparent_pixels_blend_with_white():
    rgba = Image.new("RGBA", (2, 2), (0, 0, 0, 128))
    assert _close(to_rgb(rgba).getpixel((0, 0)), (127, 127, 127), tol=1)


def test_sixteen_bit_uses_the_whole_range_not_clipping():
    ramp = np.linspace(0, 65535, 256).astype(np.uint16).reshape(16, 16)
    grey = np.asarray(to_rgb(Image.fromarray(ramp)))[..., 0]
    assert Image.fromarray(ramp).mode.startswith("I;16")
    assert grey.min() == 0 and grey.max() == 255
    assert len(np.unique(grey)) > 200  # a ramp, not a wall of white


def test_float_and_int32_outside_known_ranges_are_stretched():
    wide = Image.fromarray(np.array([[-5.0, 5.0]], np.float32))
    assert [p[0] for p in np.asarray(to_rgb(wide))[0]] == [0, 255]
    big = Image.fromarray(np.array([[-70000, 70000]], np.int32))
    assert [p[0] for p in np.asarray(to_rgb(big))[0]] == [0, 255]


# ---- EXIF orientation and draft mode ---------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(tmp_path, orientation):
    path = imagegen.write_oriented_jpeg(tmp_path / "o.jpg", orientation, (64, 32))
    with Image.open(path) as im:
        stored = im.size
    assert stored == ((32, 64) if orientation >= 5 else (64, 32))
    out = load_rgb(path)
    assert out.size == (64, 32)
    for got, want in zip(imagegen.quadrant_colours_of(out), imagegen.QUADRANT_COLOURS, strict=True):
        assert _close(got, want, tol=8)
    info = inspect_image(path)
    assert (info.width, info.height) == (64, 32)  # as displayed


@pytest.mark.parametrize("orientation", [1, 6, 8, 3])
def test_draft_mode_shrinks_jpeg_and_keeps_orientation(tmp_path, orientation):
    path = imagegen.write_oriented_jpeg(tmp_path / "big.jpg", orientation, (800, 600))
    full = load_rgb(path)
    small = load_rgb(path, min_size=100)
    assert full.size == (800, 600)
    assert small.size == (200, 150)  # 1/4 scale: 1/8 would leave the short side at 75 < 100
    for got, want in zip(imagegen.quadrant_colours_of(small), imagegen.QUADRANT_COLOURS, strict=True):
        assert _close(got, want, tol=8)


def test_draft_never_goes_below_min_size(tmp_path):
    path = imagegen.save(imagegen.solid((333, 257)), tmp_path / "odd.jpg")
    for min_size in (1, 31, 32, 33, 64, 65, 128, 129, 256, 257, 400):
        w, h = load_rgb(path, min_size=min_size).size
        assert min(w, h) >= min(min_size, 257), (min_size, w, h)


def test_min_size_leaves_other_formats_alone(tmp_path):
    path = imagegen.save(imagegen.solid((400, 300)), tmp_path / "p.png")
    assert load_rgb(path, min_size=50).size == (400, 300)


# ---- bad files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("func", [inspect_image, load_rgb])
def test_zero_byte_file(tmp_path, func):
    assert _reason(func, imagegen.write_zero_byte(tmp_path / "empty.jpg")) == "empty file (0 bytes)"


@pytest.mark.parametrize("func", [inspect_image, load_rgb])
def test_text_with_an_image_suffix(tmp_path, func):
    assert _reason(func, imagegen.write_text_as_image(tmp_path / "notes.jpg")) == "not an image"


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".gif", ".webp", ".bmp", ".tif"])
@pytest.mark.parametrize("func", [inspect_image, load_rgb])
def test_truncated_files(tmp_path, suffix, func):
    path = imagegen.write_truncated(tmp_path / f"cut{suffix}", keep=0.6)
    assert _reason(func, path) == "truncated file"


@pytest.mark.parametrize("lossless", [True, False])
def test_a_still_webp_with_damaged_image_data_says_so(tmp_path, lossless):
    """Its chunks and RIFF size intact, garbage inside the compressed pixels: libwebp's own words
    ("failed to read next frame") spoke of animation frames."""
    path = imagegen.save(imagegen.quadrant_image((64, 48)), tmp_path / "d.webp", lossless=lossless)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(range(64))
    imagegen.write_bytes(path, bytes(data))
    assert _reason(load_rgb, path) == "damaged image data"


def test_jpeg_missing_only_its_end_marker(tmp_path):
    path = imagegen.save(imagegen.quadrant_image((64, 64)), tmp_path / "a.jpg")
    imagegen.write_bytes(path, path.read_bytes()[:-2])
    assert _reason(inspect_image, path) == "truncated file"


def test_png_missing_iend_is_truncated_for_the_scan(tmp_path):
    path = imagegen.write_png_without_iend(tmp_path / "noend.png")
    assert _reason(inspect_image, path) == "truncated file"


def test_complete_files_are_checked_without_decoding(tmp_path, monkeypatch):
    paths = [
        imagegen.write_image(tmp_path / f"a{s}", 1, (32, 32))
        for s in (".jpg", ".png", ".gif", ".webp", ".bmp")
    ]

    def no_decoding(self):
        raise AssertionError("inspect_image decoded pixels")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    for path in paths:
        inspect_image(path)


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_bytes_after_the_end_are_not_truncation(tmp_path, suffix):
    path = imagegen.write_with_trailer(tmp_path / f"motion{suffix}")
    assert inspect_image(path).width == 16
    assert load_rgb(path).size == (16, 16)


@pytest.mark.parametrize("func", [inspect_image, load_rgb])
def test_decompression_bomb_far_over_the_limit(tmp_path, func):
    path = imagegen.write_bomb(tmp_path / "bomb.png", 60_000, 60_000)
    assert _reason(func, path) == "image too large (3,600,000,000 pixels; at most 89,478,485)"


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")  # Pillow's warning stays quiet
@pytest.mark.parametrize("func", [inspect_image, load_rgb])
def test_decompression_bomb_just_over_the_limit(tmp_path, func):
    path = imagegen.write_bomb(tmp_path / "bomb.png", 9460, 9460)
    assert _reason(func, path) == "image too large (89,491,600 pixels; at most 89,478,485)"


def test_bomb_guard_reads_our_limit(tmp_path, monkeypatch):
    path = imagegen.write_image(tmp_path / "a.png", 0, (40, 30))
    monkeypatch.setattr(images, "MAX_IMAGE_PIXELS", 1000)
    assert _reason(inspect_image, path) == "image too large (1,200 pixels; at most 1,000)"
    assert _reason(load_rgb, path) == "image too large (1,200 pixels; at most 1,000)"


# ---- photos larger than the pixel limit that draft mode decodes smaller ------------------------------


def _jpeg_declaring(path: Path, width: int, height: int, fmt: str = "JPEG", **params) -> Path:
    """A small real JPEG (or a camera's MPO) whose frame header declares ``width`` x ``height``: a
    phone photo's header for the price of a few hundred bytes (the decoder fills in what is missing)."""
    import io
    import struct

    buf = io.BytesIO()
    first = imagegen.quadrant_image((64, 48))
    extra = {"save_all": True, "append_images": [first]} if fmt == "MPO" else {}
    first.save(buf, fmt, quality=90, **extra, **params)
    data = bytearray(buf.getvalue())
    for marker, pos in images._jpeg_header_segments(bytes(data)):
        if marker in images._JPEG_SOF:
            struct.pack_into(">HH", data, pos + 5, height, width)
    return imagegen.write_bytes(path, bytes(data))


@pytest.mark.parametrize("fmt", ["JPEG", "MPO"])
def test_a_108_megapixel_phone_photo_is_read_at_reduced_scale(tmp_path, fmt):
    path = _jpeg_declaring(tmp_path / "phone.jpg", 12000, 9000, fmt)
    info = inspect_image(path)
    assert (info.width, info.height, info.format) == (12000, 9000, fmt)
    assert load_rgb(path, min_size=256).size == (1500, 1125)  # 1/8 scale: 1.7 megapixels decoded
    # Decoded whole it would hold 108 megapixels: refused, as any image that size.
    assert _reason(load_rgb, path) == "image too large (108,000,000 pixels; at most 89,478,485)"


@pytest.mark.parametrize("fmt", ["JPEG", "MPO"])
def test_a_jpeg_past_pillows_own_refusal_opens_up_to_the_jpeg_ceiling(tmp_path, fmt):
    side = 16384  # 268 megapixels: Pillow's opener refuses above 179
    at_ceiling = _jpeg_declaring(tmp_path / "c.jpg", side, side, fmt)
    assert inspect_image(at_ceiling).width == side
    assert load_rgb(at_ceiling, min_size=256).size == (side // 8, side // 8)
    over = _jpeg_declaring(tmp_path / "o.jpg", side + 1, side, fmt)
    for func in (inspect_image, load_rgb):
        assert _reason(func, over) == "image too large (268,451,840 pixels; at most 268,435,456)"
    far_over = _jpeg_declaring(tmp_path / "f.jpg", 65535, 65535, fmt)
    assert _reason(load_rgb, far_over) == "image too large (4,294,836,225 pixels; at most 268,435,456)"


def test_the_jpeg_ceiling_always_decodes_within_the_pixel_limit_at_an_eighth():
    assert images.MAX_JPEG_PIXELS <= images.MAX_IMAGE_PIXELS * 64


@pytest.mark.parametrize("orientation", [1, 6])
def test_a_jpeg_over_the_limit_is_limited_by_what_is_decoded(tmp_path, monkeypatch, orientation):
    monkeypatch.setattr(images, "MAX_IMAGE_PIXELS", 100_000)
    path = imagegen.write_oriented_jpeg(tmp_path / "o.jpg", orientation, (800, 600))  # 480,000 pixels
    assert (inspect_image(path).width, inspect_image(path).height) == (800, 600)
    small = load_rgb(path, min_size=100)
    assert small.size == (200, 150)  # 1/4 scale, then turned upright
    for got, want in zip(imagegen.quadrant_colours_of(small), imagegen.QUADRANT_COLOURS, strict=True):
        assert _close(got, want, tol=8)
    # A scale that leaves more than the limit (1/2: 120,000 pixels) is refused for what it decodes.
    assert _reason(lambda p: load_rgb(p, min_size=300), path) == "image too large (120,000 pixels; at most 100,000)"


def test_jpegs_that_keep_every_coefficient_stay_at_the_pixel_limit(tmp_path, monkeypatch):
    """Progressive JPEGs (and those with a component per scan) hold their coefficients at full size
    whatever the draft scale: their header is held to the pixel limit, as other formats' are."""
    monkeypatch.setattr(images, "MAX_IMAGE_PIXELS", 100_000)
    path = imagegen.save(imagegen.quadrant_image((800, 600)), tmp_path / "p.jpg", progressive=True)
    for func in (inspect_image, lambda p: load_rgb(p, min_size=100)):
        assert _reason(func, path) == "image too large (480,000 pixels; at most 100,000)"
    png = imagegen.write_image(tmp_path / "p.png", 0, (800, 600))
    assert _reason(inspect_image, png) == "image too large (480,000 pixels; at most 100,000)"


def test_a_forged_progressive_header_is_refused_before_its_coefficients_are_allocated(tmp_path):
    path = _jpeg_declaring(tmp_path / "p.jpg", 16384, 16384, progressive=True, subsampling=0)  # 1.6 GB
    assert _reason(lambda p: load_rgb(p, min_size=256), path) == (
        "image too large (268,435,456 pixels; at most 89,478,485)"
    )


def _progressive_jpeg(path: Path, scans: int, size: int = 256) -> Path:
    """A valid progressive JPEG whose last scan is repeated until the file has ``scans`` scans
    (libjpeg warns about the repeats and decodes each one: the cost of LJT-01-003's files)."""
    import io

    buf = io.BytesIO()
    Image.new("RGB", (size, size), (120, 160, 90)).save(buf, "JPEG", progressive=True, quality=90)
    data = buf.getvalue()
    starts = [i for i in range(len(data) - 1) if data[i] == 0xFF and data[i + 1] == 0xDA]
    end = data.rindex(b"\xff\xd9")
    last_scan = data[starts[-1]:end]
    assert scans >= len(starts)
    path.write_bytes(data[:end] + last_scan * (scans - len(starts)) + b"\xff\xd9")
    return path


@pytest.mark.parametrize("func", [inspect_image, load_rgb])
def test_a_jpeg_of_thousands_of_scans_is_refused_before_decoding(tmp_path, func, monkeypatch):
    path = _progressive_jpeg(tmp_path / "scans.jpg", 20_000)
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda im: decoded.append(im))
    assert _reason(func, path) == (
        "too many JPEG scans (over 100; a photo has about 10), refused: it could take minutes to decode"
    )
    assert decoded == []


def test_the_scan_limit_admits_a_progressive_photo_and_refuses_one_scan_more(tmp_path):
    plain = _progressive_jpeg(tmp_path / "plain.jpg", 10)  # libjpeg's own progressive script
    assert inspect_image(plain).width == 256 and load_rgb(plain).size == (256, 256)
    at_limit = _progressive_jpeg(tmp_path / "limit.jpg", images.MAX_JPEG_SCANS)
    assert load_rgb(at_limit).size == (256, 256)
    over = _progressive_jpeg(tmp_path / "over.jpg", images.MAX_JPEG_SCANS + 1)
    assert "too many JPEG scans" in _reason(load_rgb, over)
    assert "too many JPEG scans" in _reason(inspect_image, over)


def test_scans_are_counted_as_the_decoder_meets_them(tmp_path):
    # Start-of-scan bytes inside a marker segment (a thumbnail, a profile) or after the end marker
    # (a motion photo's video) are not scans: a progressive photo carrying them is read.
    photo = _progressive_jpeg(tmp_path / "plain.jpg", 10).read_bytes()
    fake_scans = b"\xff\xda\x00\x08" * 300
    comment = b"\xff\xfe" + (len(fake_scans) + 2).to_bytes(2, "big") + fake_scans
    with_comment = tmp_path / "comment.jpg"
    with_comment.write_bytes(photo[:2] + comment + photo[2:])
    with_trailer = tmp_path / "trailer.jpg"
    with_trailer.write_bytes(photo + fake_scans)
    for path in (with_comment, with_trailer):
        assert load_rgb(path).size == (256, 256)
        assert images._jpeg_scan_count(path.read_bytes(), stop_above=10_000) == 10
    # Fill bytes before a marker change nothing; the count stops once past the limit.
    assert images._jpeg_scan_count(photo.replace(b"\xff\xda", b"\xff\xff\xff\xda"), stop_above=10_000) == 10
    many = _progressive_jpeg(tmp_path / "many.jpg", 5_000).read_bytes()
    assert images._jpeg_scan_count(many, stop_above=100) == 101


def test_a_sequential_jpeg_is_not_searched_for_scans(tmp_path, monkeypatch):
    # A baseline file's decoding time is bounded by its size (a repeated scan is an error at once),
    # so the camera photos that make up most sets pay no pass over their bytes.
    path = imagegen.write_image(tmp_path / "baseline.jpg", 0, (64, 48))
    counted = []
    monkeypatch.setattr(images, "MAX_JPEG_SCANS", 0)  # would refuse anything it counted
    monkeypatch.setattr(images, "_jpeg_is_huffman_sequential",
                        lambda data, real=images._jpeg_is_huffman_sequential: counted.append(1) or real(data))
    assert load_rgb(path).size == (64, 48) and inspect_image(path).width == 64
    assert counted  # the frame type was asked, and the answer spared the count


@pytest.mark.parametrize("func", [inspect_image, load_rgb])
def test_unsupported_image_format(tmp_path, func):
    assert _reason(func, imagegen.write_fake_heic(tmp_path / "IMG_1.HEIC")) == "unsupported format (HEIC)"


def test_image_pillow_knows_but_we_do_not_accept(tmp_path):
    path = imagegen.save(imagegen.solid((4, 4)), tmp_path / "x.jpg", format="PPM")
    assert _reason(inspect_image, path) == "unsupported format (PPM)"


@pytest.mark.parametrize("func", [inspect_image, load_rgb])
def test_vanished_file(tmp_path, func):
    assert _reason(func, tmp_path / "gone.jpg") == "file not found (moved or deleted?)"


@pytest.mark.parametrize("func", [inspect_image, load_rgb])
def test_a_folder_with_an_image_name(tmp_path, func):
    folder = tmp_path / "album.jpg"
    folder.mkdir()
    assert _reason(func, folder) == "a folder, not a file"


@pytest.mark.parametrize("func", [inspect_image, load_rgb])
def test_permission_denied(tmp_path, monkeypatch, func):
    path = imagegen.write_image(tmp_path / "locked.jpg")

    real_open = os.open

    def refuse(file, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    # Tests run as root, for whom chmod 000 changes nothing, so the refusal is simulated.
    monkeypatch.setattr(os, "open", refuse)
    assert _reason(func, path) == "permission denied"


def test_corrupt_exif_costs_the_rotation_not_the_photo(tmp_path):
    path = imagegen.save(imagegen.quadrant_image((32, 16)), tmp_path / "e.jpg", exif=b"Exif\x00\x00garbage!")
    img = load_rgb(path)
    assert img.size == (32, 16) and _close(img.getpixel((4, 4)), imagegen.QUADRANT_COLOURS[0], tol=8)
    assert inspect_image(path).width == 32


# ---- real photos ---------------------------------------------------------------------------------------


@pytest.mark.shared
def test_placeholder_gif_of_hymenoptera_is_a_valid_image():
    gif = HYMENOPTERA / "train" / "ants" / "imageNotFound.gif"
    if not gif.exists():
        pytest.skip("../shared/datasets is absent")
    info = inspect_image(gif)
    assert (info.format, info.width, info.height) == ("GIF", 300, 300)
    # It decodes: a mostly light-grey "image not found" card. It stays in the set like any photo.
    img = np.asarray(load_rgb(gif))
    assert img.shape == (300, 300, 3) and img.mean() > 200


@pytest.mark.shared
def test_draft_on_a_real_photo_is_faithful():
    jpgs = sorted((HYMENOPTERA / "train" / "bees").glob("*.jpg")) if HYMENOPTERA.exists() else []
    if not jpgs:
        pytest.skip("../shared/datasets is absent")
    path = max(jpgs, key=lambda p: p.stat().st_size)
    full = load_rgb(path)
    small = load_rgb(path, min_size=64)
    assert min(small.size) >= 64 and small.size[0] < full.size[0]
    reference = np.asarray(full.resize(small.size, Image.Resampling.BOX), np.float32)
    assert np.abs(reference - np.asarray(small, np.float32)).mean() < 6


# ---- files that are not photos' files: limits decided before reading ------------------------------


@needs_fifo
@pytest.mark.parametrize("func", [inspect_image, load_rgb])
def test_a_fifo_with_a_photo_name_is_refused_without_blocking(tmp_path, func):
    fifo = make_fifo(tmp_path / "pipe.jpg")
    reason = returns_without_blocking(lambda: _reason(func, fifo), [fifo])
    assert reason == "a pipe (FIFO), not a file"


@needs_dev_zero
@pytest.mark.parametrize("func", [inspect_image, load_rgb])
def test_a_link_to_a_device_is_refused_without_reading(tmp_path, func):
    link = link_to_dev_zero(tmp_path / "zero.jpg")
    assert _reason(func, link) == "a device, not a file"


@pytest.mark.parametrize("func", [inspect_image, load_rgb])
def test_a_file_over_the_size_cap_is_refused_before_reading(tmp_path, monkeypatch, func):
    path = imagegen.write_image(tmp_path / "big.png", size=(64, 64))
    monkeypatch.setattr(images, "MAX_PHOTO_BYTES", path.stat().st_size - 1)

    def no_reading(*_args, **_kwargs):
        raise AssertionError("a file over the cap was opened")

    monkeypatch.setattr(os, "open", no_reading)
    assert _reason(func, path).startswith("file too large")


def test_the_size_cap_admits_the_largest_photo_the_pixel_guard_admits():
    # An uncompressed 8-bit RGBA image at the pixel limit: the largest plain file of a real photo.
    assert images.MAX_PHOTO_BYTES >= images.MAX_IMAGE_PIXELS * 4


def test_a_nul_in_a_path_from_a_project_file_is_a_reason_not_a_crash():
    assert _reason(load_rgb, "/photos/a\x00b.jpg") == "invalid file name"
