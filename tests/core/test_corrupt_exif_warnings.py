"""A photo with damaged EXIF decodes quietly: Pillow's warnings about it never reach the terminal."""

from __future__ import annotations

import io
import struct
import threading
import warnings

from PIL import Image

from tlgui.core.data.images import inspect_image, load_rgb


def corrupt_exif_jpeg(path):
    """A JPEG whose EXIF IFD declares 65,535 entries and holds none (Pillow: "Corrupt EXIF data")."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, "JPEG")
    jpeg = buffer.getvalue()
    exif = b"Exif\0\0MM\0*" + struct.pack(">IH", 8, 0xFFFF) + bytes(24)
    path.write_bytes(jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + jpeg[2:])
    return path


def test_corrupt_exif_is_read_without_a_warning(tmp_path):
    path = corrupt_exif_jpeg(tmp_path / "e.jpg")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # as a fresh interpreter would show it (once), every time here
        with Image.open(path) as im:
            im.getexif()
        assert [str(w.message) for w in caught if "EXIF" in str(w.message)], "the photo no longer warns"
        caught.clear()
        info = inspect_image(path)
        image = load_rgb(path)
        assert (info.width, info.height) == image.size == (64, 48)  # handled, only the rotation lost
        assert [str(w.message) for w in caught] == []
        warnings.warn("others still warn", UserWarning, stacklevel=1)  # the filter is narrow
        assert [str(w.message) for w in caught] == ["others still warn"]


def test_decoding_threads_stay_quiet_too(tmp_path):
    path = corrupt_exif_jpeg(tmp_path / "e.jpg")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        threads = [threading.Thread(target=load_rgb, args=(path,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [str(w.message) for w in caught] == []
